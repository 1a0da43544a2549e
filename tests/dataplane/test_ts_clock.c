/*
 * Unit tests of the receive-clock arithmetic (dataplane/ts_clock.h): the
 * conversion of TSC, device-clock and microsecond readings to Unix
 * nanoseconds (exact values, readings before the anchor, a counter that
 * wrapped, a day of a fast clock without overflow), and the calibration of
 * a clock's rate and anchor from two samples (exact and rounded rates,
 * refused samples, and a synthetic drifting clock converted back within a
 * nanosecond).  Pure C: no DPDK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ts_clock.h"

/* A Unix time in nanoseconds to anchor the maps at (2023-11-14). */
#define T0_NS 1700000000000000000ull

/* A 2.5 GHz TSC: a second of ticks after the anchor is a second later, a
 * tick is 0.4 ns (rounded down), and readings before the anchor convert to
 * times before it. */
static void test_tsc_conversion(void **state)
{
    (void)state;
    struct ts_clock_map m = {.clock_anchor = 1000, .ns_anchor = T0_NS, .hz = 2500000000u};
    assert_int_equal(ts_clock_to_ns(&m, 1000), T0_NS);
    assert_int_equal(ts_clock_to_ns(&m, 1000 + 2500000000u), T0_NS + 1000000000u);
    assert_int_equal(ts_clock_to_ns(&m, 1000 + 5), T0_NS + 2);
    assert_int_equal(ts_clock_to_ns(&m, 1000 + 2500), T0_NS + 1000);
    assert_int_equal(ts_clock_to_ns(&m, 0), T0_NS - 400);
}

/* net_pcap's stamps, microseconds since the epoch: the map is the epoch
 * at a million ticks per second, and every microsecond digit is kept. */
static void test_epoch_microseconds(void **state)
{
    (void)state;
    struct ts_clock_map m = ts_clock_epoch(1000000);
    assert_int_equal(ts_clock_to_ns(&m, 1700000000123457ull), 1700000000123457000ull);
    assert_int_equal(ts_clock_to_ns(&m, 0), 0);
    assert_int_equal(ts_clock_to_ns(&m, 1), 1000);
    /* Nanoseconds since the epoch map to themselves. */
    struct ts_clock_map ns = ts_clock_epoch(1000000000);
    assert_int_equal(ts_clock_to_ns(&ns, T0_NS + 123), T0_NS + 123);
}

/* A free-running device clock whose counter wrapped past 2^64 since the
 * anchor still converts forward; a day of a 5 GHz clock (4.3e14 ticks,
 * times 1e9 far beyond 64 bits) converts without overflow. */
static void test_wrap_and_large_deltas(void **state)
{
    (void)state;
    struct ts_clock_map m = {.clock_anchor = UINT64_MAX - 99, .ns_anchor = T0_NS, .hz = 1000000000};
    assert_int_equal(ts_clock_to_ns(&m, 100), T0_NS + 200);
    struct ts_clock_map fast = {.clock_anchor = 7, .ns_anchor = T0_NS, .hz = 5000000000u};
    uint64_t day = 86400ull * 5000000000u;
    assert_int_equal(ts_clock_to_ns(&fast, 7 + day), T0_NS + 86400ull * 1000000000u);
    assert_int_equal(ts_clock_to_ns(&fast, 7 + day + 5), T0_NS + 86400ull * 1000000000u + 1);
}

/* Calibration: a 156.25 MHz clock sampled 10 s apart gives exactly its
 * rate, anchored at the later sample; a rate between whole hertz rounds to
 * the nearest. */
static void test_calibrate_rate(void **state)
{
    (void)state;
    struct ts_clock_map m;
    assert_int_equal(ts_clock_calibrate(&m, 5000, T0_NS, 5000 + 1562500000u, T0_NS + 10000000000u),
                     0);
    assert_int_equal(m.hz, 156250000u);
    assert_int_equal(m.clock_anchor, 5000 + 1562500000u);
    assert_int_equal(m.ns_anchor, T0_NS + 10000000000u);
    /* 3 ticks in 2 s is 1.5 Hz: rounds to 2; 5 ticks in 4 s is 1.25: 1. */
    assert_int_equal(ts_clock_calibrate(&m, 0, T0_NS, 3, T0_NS + 2000000000u), 0);
    assert_int_equal(m.hz, 2);
    assert_int_equal(ts_clock_calibrate(&m, 0, T0_NS, 5, T0_NS + 4000000000u), 0);
    assert_int_equal(m.hz, 1);
}

/* Samples that do not advance in both clocks, or give a rate below half a
 * hertz, are refused and leave the map as it was. */
static void test_calibrate_refused(void **state)
{
    (void)state;
    struct ts_clock_map m = {.clock_anchor = 1, .ns_anchor = 2, .hz = 3};
    assert_int_equal(ts_clock_calibrate(&m, 10, T0_NS, 10, T0_NS + 1000), -1);
    assert_int_equal(ts_clock_calibrate(&m, 10, T0_NS, 20, T0_NS), -1);
    assert_int_equal(ts_clock_calibrate(&m, 20, T0_NS, 10, T0_NS + 1000), -1);
    assert_int_equal(ts_clock_calibrate(&m, 0, T0_NS, 1, T0_NS + 3000000000u), -1);
    assert_int_equal(m.clock_anchor, 1);
    assert_int_equal(m.ns_anchor, 2);
    assert_int_equal(m.hz, 3);
}

/* A synthetic device clock at 1,000,000,123 Hz (123 ppb fast), offset by
 * an arbitrary count: calibrated from samples 1 s apart, as at start, and
 * from samples 60 s apart, as the periodic re-anchoring does; a reading
 * half a second after the anchor converts to the true time within a few
 * nanoseconds (the rate is known to a hertz, 1 ns a second). */
static void test_calibrate_round_trip(void **state)
{
    (void)state;
    const uint64_t hz = 1000000123u, offset = 987654321987ull;
    /* The clock's reading at Unix time t (ns after T0_NS). */
#define READING(t) (offset + (uint64_t)(((unsigned __int128)(t)*hz) / 1000000000u))
    struct ts_clock_map m;
    assert_int_equal(
        ts_clock_calibrate(&m, READING(0), T0_NS, READING(1000000000u), T0_NS + 1000000000u), 0);
    assert_int_equal(m.hz, hz);
    uint64_t t = 1500000000u;
    int64_t err = (int64_t)(ts_clock_to_ns(&m, READING(t)) - (T0_NS + t));
    assert_true(err >= -2 && err <= 2);
    assert_int_equal(
        ts_clock_calibrate(&m, READING(0), T0_NS, READING(60000000000ull), T0_NS + 60000000000ull),
        0);
    assert_int_equal(m.hz, hz);
    t = 60500000000ull;
    err = (int64_t)(ts_clock_to_ns(&m, READING(t)) - (T0_NS + t));
    assert_true(err >= -2 && err <= 2);
#undef READING
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tsc_conversion),        cmocka_unit_test(test_epoch_microseconds),
        cmocka_unit_test(test_wrap_and_large_deltas), cmocka_unit_test(test_calibrate_rate),
        cmocka_unit_test(test_calibrate_refused),     cmocka_unit_test(test_calibrate_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
