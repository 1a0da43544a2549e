/*
 * Unit test of the Prometheus text writer (control/prom_text.c): families,
 * label values escaped as the format requires (backslash, double quote,
 * newline), a label that does not fit left out whole, unlabelled and
 * labelled samples, and histograms written cumulatively with their +Inf
 * bucket, sum and count.  The metrics suite checks whole scrapes with
 * promtool; this checks the bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "prom_text.h"

/* A family, a plain sample and a labelled one with every escape. */
static void test_samples_and_escapes(void **state)
{
    (void)state;
    struct prom_text t;
    struct prom_labels l;
    prom_text_init(&t);
    prom_family(&t, "x_total", "counter", "Things.");
    prom_sample_u64(&t, "x_total", NULL, 18446744073709551615ull);
    prom_labels_init(&l);
    prom_label(&l, "port", "a\"b\\c\nd");
    prom_label_u(&l, "lcore", 3);
    prom_sample_f64(&t, "x_total", &l, 0.25);
    assert_false(prom_text_failed(&t));
    assert_string_equal(t.buf, "# HELP x_total Things.\n"
                               "# TYPE x_total counter\n"
                               "x_total 18446744073709551615\n"
                               "x_total{port=\"a\\\"b\\\\c\\nd\",lcore=\"3\"} 0.25\n");
    assert_int_equal(t.len, strlen(t.buf));
    prom_text_free(&t);
}

/* A label that would not fit in the set is left out, not cut. */
static void test_label_too_long(void **state)
{
    (void)state;
    struct prom_labels l;
    char big[400];
    memset(big, '"', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    prom_labels_init(&l);
    prom_label(&l, "a", "x");
    prom_label(&l, "b", big);
    assert_string_equal(l.text, "a=\"x\"");
}

/* Buckets become cumulative, with le bounds, +Inf, sum and count. */
static void test_histogram(void **state)
{
    (void)state;
    static const double bounds[] = {0.001, 0.5};
    static const uint64_t counts[] = {2, 0, 5};
    struct prom_histogram h = {.bounds = bounds, .counts = counts, .n = 2, .sum = 12.5};
    struct prom_labels l;
    struct prom_text t;
    prom_text_init(&t);
    prom_labels_init(&l);
    prom_label(&l, "route", "r");
    prom_histogram(&t, "d_seconds", &l, &h);
    prom_histogram(&t, "e_seconds", NULL, &h);
    assert_string_equal(t.buf, "d_seconds_bucket{route=\"r\",le=\"0.001\"} 2\n"
                               "d_seconds_bucket{route=\"r\",le=\"0.5\"} 2\n"
                               "d_seconds_bucket{route=\"r\",le=\"+Inf\"} 7\n"
                               "d_seconds_sum{route=\"r\"} 12.5\n"
                               "d_seconds_count{route=\"r\"} 7\n"
                               "e_seconds_bucket{le=\"0.001\"} 2\n"
                               "e_seconds_bucket{le=\"0.5\"} 2\n"
                               "e_seconds_bucket{le=\"+Inf\"} 7\n"
                               "e_seconds_sum 12.5\n"
                               "e_seconds_count 7\n");
    prom_text_free(&t);
}

/* The buffer grows past its first size without losing a byte, with
 * short lines and with lines longer than the room it keeps ahead. */
static void test_growth(void **state)
{
    (void)state;
    struct prom_text t;
    struct prom_labels l;
    char value[201];
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    prom_labels_init(&l);
    prom_label(&l, "long", value);
    prom_text_init(&t);
    for (unsigned i = 0; i < 5000; i++)
        prom_sample_u64(&t, "g", NULL, i);
    for (unsigned i = 0; i < 200; i++)
        prom_sample_u64(&t, "h", &l, i);
    assert_false(prom_text_failed(&t));
    assert_int_equal(t.len, strlen(t.buf));
    assert_non_null(strstr(t.buf, "g 0\ng 1\n"));
    assert_non_null(strstr(t.buf, "g 4998\ng 4999\nh{long=\"vvv"));
    /* "g 0\n" to "g 4999\n", then "h{long=\"v...v\"} 0\n" to "... 199\n". */
    assert_int_equal(t.len, 76780);
    prom_text_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_and_escapes),
        cmocka_unit_test(test_label_too_long),
        cmocka_unit_test(test_histogram),
        cmocka_unit_test(test_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
