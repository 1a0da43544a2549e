/*
 * Tests of the configuration keys the dataplane takes (control/config.c):
 * the lcore layout (`rx_lcores`, `writer_lcores` and its one-writer alias
 * `writer_lcore`, with `lcores`), the timestamp source (`hw_timestamps`),
 * their defaults, their mapping onto struct pcapd_dp_config, and every
 * error message, which names the key and the rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "pcapd/dataplane.h"

/* A configuration with defaults and one port, as a file would give. */
static void base_config(struct config *cfg)
{
    char err[256];
    config_defaults(cfg);
    assert_int_equal(config_set(cfg, "port", "net_null0", err, sizeof(err)), 0);
}

/* Applies `key = value`, which must be accepted. */
static void set_ok(struct config *cfg, const char *key, const char *value)
{
    char err[256] = "";
    if (config_set(cfg, key, value, err, sizeof(err)) != 0)
        fail_msg("%s = %s refused: %s", key, value, err);
}

/* Applies `key = value`, which must be refused with exactly `want`. */
static void set_refused(struct config *cfg, const char *key, const char *value, const char *want)
{
    char err[256] = "";
    assert_int_equal(config_set(cfg, key, value, err, sizeof(err)), -1);
    assert_string_equal(err, want);
}

/* Runs config_finish(), which must fail with exactly `want`. */
static void finish_refused(struct config *cfg, const char *want)
{
    char err[256] = "";
    assert_int_equal(config_finish(cfg, err, sizeof(err)), -1);
    assert_string_equal(err, want);
}

/* The default layout keeps one writer, and timestamps come from the TSC;
 * the dataplane configuration gets exactly that. */
static void test_defaults(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    base_config(&cfg);
    assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.n_rx_lcores, 1);
    assert_int_equal(cfg.rx_lcores[0], 1);
    assert_int_equal(cfg.n_writer_lcores, 1);
    assert_int_equal(cfg.writer_lcores[0], 2);
    assert_int_equal(cfg.hw_timestamps, CONFIG_HW_TIMESTAMPS_OFF);
    struct pcapd_dp_config dpc;
    memset(&dpc, 0xff, sizeof(dpc));
    config_dp_layout(&cfg, &dpc);
    assert_int_equal(dpc.n_rx_lcores, 1);
    assert_int_equal(dpc.rx_lcores[0], 1);
    assert_int_equal(dpc.n_writer_lcores, 1);
    assert_int_equal(dpc.writer_lcores[0], 2);
    assert_int_equal(dpc.writer_lcore, 2);
    assert_int_equal(dpc.hw_timestamps, PCAPD_HW_TIMESTAMPS_OFF);
}

/* Several writers: given as a list (spaces allowed around the ids), they
 * reach the dataplane in order; the last of `writer_lcores` and
 * `writer_lcore` given wins, the latter meaning one writer. */
static void test_writer_lcores(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    base_config(&cfg);
    set_ok(&cfg, "lcores", "0@0,1@1,2@0,3@0,4@0");
    set_ok(&cfg, "rx_lcores", "1");
    set_ok(&cfg, "writer_lcores", "2, 3,4");
    assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
    struct pcapd_dp_config dpc;
    memset(&dpc, 0, sizeof(dpc));
    config_dp_layout(&cfg, &dpc);
    assert_int_equal(dpc.n_writer_lcores, 3);
    assert_int_equal(dpc.writer_lcores[0], 2);
    assert_int_equal(dpc.writer_lcores[1], 3);
    assert_int_equal(dpc.writer_lcores[2], 4);

    set_ok(&cfg, "writer_lcore", "3");
    assert_int_equal(cfg.n_writer_lcores, 1);
    assert_int_equal(cfg.writer_lcores[0], 3);
    set_ok(&cfg, "writer_lcores", "2,4");
    assert_int_equal(cfg.n_writer_lcores, 2);
    set_ok(&cfg, "writer_lcores", "1,2,3,4,5,6,7,8");
    assert_int_equal(cfg.n_writer_lcores, 8);
}

/* The older file: lcores, rx_lcores and the single writer_lcore. */
static void test_writer_lcore_alias(void **state)
{
    (void)state;
    struct config cfg;
    char err[256];
    base_config(&cfg);
    set_ok(&cfg, "lcores", "0@0,1@2,2@3,3@4");
    set_ok(&cfg, "rx_lcores", "1,2");
    set_ok(&cfg, "writer_lcore", "3");
    assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
    struct pcapd_dp_config dpc;
    memset(&dpc, 0, sizeof(dpc));
    config_dp_layout(&cfg, &dpc);
    assert_int_equal(dpc.n_rx_lcores, 2);
    assert_int_equal(dpc.n_writer_lcores, 1);
    assert_int_equal(dpc.writer_lcores[0], 3);
}

/* Every malformed lcore value is refused with the key and its rule, and
 * leaves the previous value in place. */
static void test_lcore_errors(void **state)
{
    (void)state;
    struct config cfg;
    base_config(&cfg);
    set_ok(&cfg, "writer_lcores", "2,3");
    static const char *bad[] = {"", "0", "128", "2,2", "1,2,3,4,5,6,7,8,9", "2,,x", "-1", "2;3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char want[200];
        snprintf(want, sizeof(want),
                 "writer_lcores: '%s' is not comma-separated distinct lcore ids from 1 to 127, "
                 "at most 8",
                 bad[i]);
        set_refused(&cfg, "writer_lcores", bad[i], want);
    }
    assert_int_equal(cfg.n_writer_lcores, 2);
    set_refused(&cfg, "writer_lcore", "2,3",
                "writer_lcore: '2,3' is not an lcore id from 1 to 127");
    set_refused(&cfg, "writer_lcore", "0", "writer_lcore: '0' is not an lcore id from 1 to 127");
    set_refused(&cfg, "rx_lcores", "1,1",
                "rx_lcores: '1,1' is not comma-separated distinct lcore ids from 1 to 127, at "
                "most 16");
}

/* The layout checked as a whole: roles without an lcores map, an lcores
 * map without both roles, and an lcore given both roles. */
static void test_layout_errors(void **state)
{
    (void)state;
    struct config cfg;
    base_config(&cfg);
    set_ok(&cfg, "writer_lcores", "2,3");
    finish_refused(&cfg, "writer_lcores given without lcores: give the --lcores map that defines "
                         "the lcores too (for example lcores = 0@0,1@1,2@0,3@0)");
    base_config(&cfg);
    set_ok(&cfg, "lcores", "0@0,1@1,2@0,3@0");
    set_ok(&cfg, "rx_lcores", "1");
    finish_refused(&cfg, "lcores given: also give rx_lcores and writer_lcores");
    set_ok(&cfg, "writer_lcores", "2,1");
    finish_refused(&cfg, "writer_lcores: lcore 1 is also in rx_lcores (an lcore has one role)");
}

/* hw_timestamps: auto, on and off reach the dataplane; anything else is
 * refused with the rule. */
static void test_hw_timestamps(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        enum pcapd_hw_timestamps want;
    } ok[] = {{"auto", PCAPD_HW_TIMESTAMPS_AUTO},
              {"on", PCAPD_HW_TIMESTAMPS_ON},
              {"off", PCAPD_HW_TIMESTAMPS_OFF}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct config cfg;
        char err[256];
        base_config(&cfg);
        set_ok(&cfg, "hw_timestamps", ok[i].value);
        assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
        struct pcapd_dp_config dpc;
        memset(&dpc, 0, sizeof(dpc));
        config_dp_layout(&cfg, &dpc);
        assert_int_equal(dpc.hw_timestamps, ok[i].want);
    }
    struct config cfg;
    base_config(&cfg);
    set_refused(&cfg, "hw_timestamps", "yes", "hw_timestamps: 'yes' is not auto, on or off");
    set_refused(&cfg, "hw_timestamps", "", "hw_timestamps: '' is not auto, on or off");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),           cmocka_unit_test(test_writer_lcores),
        cmocka_unit_test(test_writer_lcore_alias), cmocka_unit_test(test_lcore_errors),
        cmocka_unit_test(test_layout_errors),      cmocka_unit_test(test_hw_timestamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
