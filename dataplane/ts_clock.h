/*
 * Receive clocks to Unix time: the arithmetic that turns a reading of a
 * clock that counts at a known rate (the TSC, a NIC's free-running device
 * clock, or a driver's microseconds since the epoch) into nanoseconds since
 * the Unix epoch.  Pure C, no DPDK, so it is unit-tested on its own.
 *
 * A clock is mapped by one anchor, a reading of the clock and the Unix time
 * (ns) at the same moment, and its rate in ticks per second.  A clock that
 * already counts from the epoch is the anchor (0, 0) with its unit as rate.
 */
#ifndef PCAPD_TS_CLOCK_H
#define PCAPD_TS_CLOCK_H

#include <stdint.h>

/* How readings of one clock map to Unix time. */
struct ts_clock_map {
    /* A reading of the clock. */
    uint64_t clock_anchor;
    /* Nanoseconds since the Unix epoch at the moment of that reading. */
    uint64_t ns_anchor;
    /* Ticks of the clock per second; never 0 in a valid map. */
    uint64_t hz;
};

/* Converts reading `t` of the clock `m` maps to nanoseconds since the Unix
 * epoch.  Readings before the anchor convert too, and a counter that wrapped
 * once since the anchor still converts right (the difference is taken
 * modulo 2^64, then as signed).  The product is computed in 128 bits, so a
 * day of a 5 GHz clock does not overflow. */
static inline uint64_t ts_clock_to_ns(const struct ts_clock_map *m, uint64_t t)
{
    int64_t delta = (int64_t)(t - m->clock_anchor);
    __int128 ns = (__int128)delta * 1000000000 / (__int128)m->hz;
    return m->ns_anchor + (uint64_t)(int64_t)ns;
}

/* The map of a clock that counts `hz` ticks per second from the Unix epoch
 * (for example 1000000 for microseconds since the epoch). */
static inline struct ts_clock_map ts_clock_epoch(uint64_t hz)
{
    return (struct ts_clock_map){.clock_anchor = 0, .ns_anchor = 0, .hz = hz};
}

/* Calibrates `m` from two samples of a clock against Unix time, (c0, ns0)
 * and a later (c1, ns1): the rate is the clock's ticks over the elapsed
 * nanoseconds, rounded to the nearest tick per second, and the anchor is the
 * later sample.  Returns 0, or -1 (and leaves `m` alone) when the samples do
 * not advance in both clocks or give a rate of 0. */
int ts_clock_calibrate(struct ts_clock_map *m, uint64_t c0, uint64_t ns0, uint64_t c1,
                       uint64_t ns1);

#endif /* PCAPD_TS_CLOCK_H */
