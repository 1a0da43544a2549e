/*
 * The capture path's rare events in the event log.  The fast path never
 * logs (its lcores make no system calls); instead the event loop reads the
 * per-stage drop counters once a second and logs, for each stage that
 * lost packets since, one warning with the count, rate-limited per stage:
 *
 *   level=warn event=packets_dropped stage=ring_full count=1234 total=5678
 *
 * so a sustained loss costs a few lines a minute, each saying how many
 * lines were held back (suppressed=N) and the running total.
 */
#ifndef PCAPD_DP_EVENTS_H
#define PCAPD_DP_EVENTS_H

/* Compares the drop counters with the last reading, once a second, and
 * logs what grew (event loop, periodic). */
void dp_events_tick(void);

#endif /* PCAPD_DP_EVENTS_H */
