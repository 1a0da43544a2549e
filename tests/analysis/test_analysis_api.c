/* Unit tests of the engine's C API as the daemon uses it: the cache file
 * and the views picked out of it, table names, and clear errors for bad
 * input.  The capture is a shared one, given as the first argument. */
#include "analysis.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Path of the capture the tests analyse (argv[1]). */
static const char *capture_path;

/* Every table name maps to its table and back; unknown names are refused. */
static void test_table_names(void **state)
{
    (void)state;
    for (int t = 0; t < ANALYSIS_TABLE_COUNT; t++)
        assert_int_equal(analysis_table_from_name(analysis_table_name(t)), t);
    assert_int_equal(analysis_table_from_name("sctp"), -1);
    assert_int_equal(analysis_table_from_name(NULL), -1);
}

/* The cache holds exactly what the direct calls return, for every view. */
static void test_cache_matches_direct_results(void **state)
{
    char cache[] = "/tmp/pcapd-analysis-cacheXXXXXX", err[256];
    struct analysis_result *r;
    json_t *data;
    (void)state;
    int fd = mkstemp(cache);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(analysis_write_cache(capture_path, cache, err, sizeof(err)), 0);
    json_t *all = json_load_file(cache, 0, NULL);
    unlink(cache);
    assert_non_null(all);
    assert_int_equal(json_integer_value(json_object_get(all, "version")), ANALYSIS_RESULTS_VERSION);
    assert_int_equal(analysis_run_file(capture_path, &r, err, sizeof(err)), 0);

    json_t *direct = analysis_status_json(r);
    assert_int_equal(analysis_cache_view(all, "status", NULL, &data, err, sizeof(err)), 0);
    assert_true(json_equal(direct, data));
    json_decref(direct);
    json_decref(data);
    for (int t = 0; t < ANALYSIS_TABLE_COUNT; t++) {
        const char *name = analysis_table_name(t);
        direct = analysis_endpoints_json(r, t);
        assert_int_equal(analysis_cache_view(all, "endpoints", name, &data, err, sizeof(err)), 0);
        assert_true(json_equal(direct, data));
        json_decref(direct);
        json_decref(data);
        direct = analysis_conversations_json(r, t);
        assert_int_equal(analysis_cache_view(all, "conversations", name, &data, err, sizeof(err)),
                         0);
        assert_true(json_equal(direct, data));
        json_decref(direct);
        json_decref(data);
    }
    analysis_result_free(r);
    json_decref(all);
}

/* A bad protocol or view is an error with a message naming the problem. */
static void test_cache_view_errors(void **state)
{
    char err[256];
    json_t *data, *all = json_pack("{s:{}, s:{}}", "status", "endpoints");
    (void)state;
    assert_int_equal(analysis_cache_view(all, "endpoints", "sctp", &data, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "protocol"));
    assert_null(data);
    assert_int_equal(analysis_cache_view(all, "bogus", NULL, &data, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bogus"));
    json_decref(all);
}

/* A capture cut inside a record is reported as truncated; garbage is not a capture. */
static void test_bad_input_errors(void **state)
{
    char err[256];
    struct analysis_result *r;
    FILE *f = fopen(capture_path, "rb");
    static uint8_t buf[1 << 20];
    (void)state;
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    assert_true(n > 200);
    assert_int_equal(analysis_run_memory(buf, n - 7, &r, err, sizeof(err)), -1);
    assert_null(r);
    assert_non_null(strstr(err, "truncated"));
    assert_int_equal(
        analysis_run_memory((const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, &r, err, sizeof(err)),
        -1);
    assert_non_null(strstr(err, "not a capture file"));
    assert_int_equal(analysis_run_file("/nonexistent.pcap", &r, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent.pcap"));
}

/* Runs the tests on the capture named by argv[1]. */
int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_names),
        cmocka_unit_test(test_cache_matches_direct_results),
        cmocka_unit_test(test_cache_view_errors),
        cmocka_unit_test(test_bad_input_errors),
    };
    if (argc < 2) {
        fprintf(stderr, "usage: %s CAPTURE\n", argv[0]);
        return 2;
    }
    capture_path = argv[1];
    return cmocka_run_group_tests(tests, NULL, NULL);
}
