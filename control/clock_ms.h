/*
 * Milliseconds of the system clocks, as the control plane counts time:
 * the monotonic clock for deadlines and intervals, the real-time clock for
 * what is stored and shown.
 */
#ifndef PCAPD_CLOCK_MS_H
#define PCAPD_CLOCK_MS_H

#include <stdint.h>
#include <time.h>

/* Milliseconds on `clock`. */
static inline int64_t clock_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds on the monotonic clock (deadlines, intervals). */
static inline int64_t clock_monotonic_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* Milliseconds since the Unix epoch. */
static inline int64_t clock_realtime_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

#endif /* PCAPD_CLOCK_MS_H */
