/*
 * The write budget of the capture files: how many bytes all capture
 * writers of the process together may still write before the file system
 * of the state directory reaches the disk reserve.  The control plane
 * measures the free space a few times a second and sets the budget; every
 * writer takes from it before each write(), and a write that would overdraw
 * it fails with EDQUOT, so a capture stops at the reserve however fast it
 * writes between two measurements.  One atomic operation per buffer
 * written (tens of kilobytes), never per packet.
 */
#ifndef PCAPD_PCAP_BUDGET_H
#define PCAPD_PCAP_BUDGET_H

#include <stdint.h>

/* Sets the budget to `bytes` (INT64_MAX: no limit, the default). */
void pcap_budget_set(int64_t bytes);

/* Returns the bytes written by every capture file of the process so far,
 * so the control plane can discount what was written while it measured. */
uint64_t pcap_budget_written(void);

/* Takes `bytes` from the budget.  Returns 0, or -1 if the budget holds
 * less (nothing is taken then). */
int pcap_budget_take(uint64_t bytes);

#endif /* PCAPD_PCAP_BUDGET_H */
