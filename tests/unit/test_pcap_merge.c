/*
 * The streaming pcap merge (include/pcapd/pcap_merge.h) against mergecap:
 * random inputs (ties across files, an empty file, records of up to 65535
 * bytes, a microsecond file), read in chunks of odd sizes, must give the
 * records `mergecap -F nsecpcap` gives, byte for byte; limits keep the
 * earliest records; a record cut short ends its input; bad inputs are
 * refused.  Skips, saying why, where mergecap is not installed.
 * PCAPD_KEEP_SCRATCH=1 keeps the scratch directory for a look.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pcapd/pcap_format.h"
#include "pcapd/pcap_merge.h"

/* The scratch directory of this run. */
static char dir[64];

/* A deterministic pseudo-random generator (xorshift64). */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Reads the whole file `path` into a new buffer; its size in `*len`. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(*len + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

/* Writes a pcap of `n` records with times from `t0` in random steps
 * (steps of 0 make ties), sizes random up to `max_len`; microsecond if
 * `usec`.  Returns its path in `path`. */
static void write_input(char *path, size_t size, const char *name, unsigned n, uint64_t t0,
                        uint32_t max_len, bool usec)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t hdr[PCAP_FILE_HEADER_LEN], rec[PCAP_RECORD_HEADER_LEN];
    pcap_format_file_header(hdr, max_len, PCAP_LINKTYPE_ETHERNET);
    if (usec) {
        uint32_t magic = 0xa1b2c3d4u;
        memcpy(hdr, &magic, 4);
    }
    fwrite(hdr, 1, sizeof(hdr), f);
    static uint8_t data[65535];
    uint64_t t = t0;
    for (unsigned i = 0; i < n; i++) {
        t += (next_random() % 4) * (usec ? 1000 : 1) * 250;
        uint32_t len = 1 + (uint32_t)(next_random() % max_len);
        for (uint32_t b = 0; b < len; b++)
            data[b] = (uint8_t)(i * 7 + b);
        uint64_t ts = t;
        pcap_format_record_header(rec, ts, len + 10, len);
        if (usec) {
            uint32_t us = (uint32_t)(ts % 1000000000u / 1000u);
            memcpy(rec + 4, &us, 4);
        }
        fwrite(rec, 1, sizeof(rec), f);
        fwrite(data, 1, len, f);
    }
    fclose(f);
}

/* Runs mergecap on `inputs` into `out`; returns its exit status. */
static int run_mergecap(const char *const *inputs, unsigned n, const char *out)
{
    char cmd[4096];
    int len = snprintf(cmd, sizeof(cmd), "mergecap -F nsecpcap -w %s", out);
    for (unsigned i = 0; i < n; i++)
        len += snprintf(cmd + len, sizeof(cmd) - (size_t)len, " %s", inputs[i]);
    snprintf(cmd + len, sizeof(cmd) - (size_t)len, " 2>/dev/null");
    return system(cmd);
}

/* Merges `inputs` with our code, reading `chunk` bytes at a time. */
static uint8_t *merge_ours(const char *const *inputs, unsigned n, size_t chunk, uint64_t plimit,
                           uint64_t blimit, size_t *len)
{
    int fds[PCAP_MERGE_MAX_INPUTS];
    for (unsigned i = 0; i < n; i++)
        assert_true((fds[i] = open(inputs[i], O_RDONLY)) >= 0);
    struct pcap_merge *m;
    char err[256];
    assert_int_equal(pcap_merge_open(fds, n, plimit, blimit, &m, err, sizeof(err)), 0);
    size_t cap = 1 << 20, used = 0;
    uint8_t *out = malloc(cap);
    ssize_t r;
    do {
        if (used + chunk > cap)
            out = realloc(out, cap *= 2);
        assert_non_null(out);
        r = pcap_merge_read(m, out + used, chunk);
        assert_true(r >= 0);
        used += (size_t)r;
    } while (r > 0);
    assert_int_equal(pcap_merge_bytes(m), used);
    pcap_merge_close(m);
    for (unsigned i = 0; i < n; i++)
        close(fds[i]);
    *len = used;
    return out;
}

/* The offset after `n` records of the pcap in `buf` (or its end). */
static size_t after_records(const uint8_t *buf, size_t len, uint64_t n)
{
    size_t off = PCAP_FILE_HEADER_LEN;
    for (uint64_t i = 0; i < n && off + PCAP_RECORD_HEADER_LEN <= len; i++) {
        uint32_t cap;
        memcpy(&cap, buf + off + 8, 4);
        off += PCAP_RECORD_HEADER_LEN + cap;
    }
    return off;
}

/* The five inputs of the mergecap comparisons. */
static char paths[5][128];
static const char *inputs[5];

static int setup_inputs(void **state)
{
    (void)state;
    if (system("command -v mergecap >/dev/null 2>&1") != 0) {
        fprintf(stderr, "skipped: mergecap (wireshark-common) is not installed\n");
        return 0;
    }
    snprintf(dir, sizeof(dir), "/tmp/pcapd-merge-XXXXXX");
    assert_non_null(mkdtemp(dir));
    write_input(paths[0], sizeof(paths[0]), "a.pcap", 3000, 1700000000000000000ull, 160, false);
    write_input(paths[1], sizeof(paths[1]), "b.pcap", 2000, 1700000000000000000ull, 1500, false);
    write_input(paths[2], sizeof(paths[2]), "c.pcap", 0, 0, 160, false);
    write_input(paths[3], sizeof(paths[3]), "d.pcap", 40, 1700000000000500000ull, 65535, false);
    write_input(paths[4], sizeof(paths[4]), "e.pcap", 500, 1700000000000000000ull, 300, true);
    for (int i = 0; i < 5; i++)
        inputs[i] = paths[i];
    return 0;
}

static int teardown_inputs(void **state)
{
    (void)state;
    char cmd[128];
    if (dir[0] != '\0' && getenv("PCAPD_KEEP_SCRATCH") == NULL) {
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : -1;
    }
    return 0;
}

/* Skips a test when the inputs could not be made. */
#define REQUIRE_MERGECAP()                                                                         \
    do {                                                                                           \
        if (dir[0] == '\0')                                                                        \
            skip();                                                                                \
    } while (0)

/* Our merge's records are mergecap's, whatever the chunk size. */
static void test_same_records_as_mergecap(void **state)
{
    (void)state;
    REQUIRE_MERGECAP();
    char ref[160];
    snprintf(ref, sizeof(ref), "%s/ref.pcap", dir);
    assert_int_equal(run_mergecap(inputs, 5, ref), 0);
    size_t ref_len;
    uint8_t *want = slurp(ref, &ref_len);
    static const size_t chunks[] = {1, 7, 4096, 65536 + 13, 1 << 20};
    for (unsigned c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        size_t len;
        uint8_t *got = merge_ours(inputs, 5, chunks[c], 0, 0, &len);
        assert_int_equal(len, ref_len);
        /* Header: nanosecond magic, version, Ethernet; snaplen the largest. */
        uint32_t magic, snaplen, linktype;
        memcpy(&magic, got, 4);
        memcpy(&snaplen, got + 16, 4);
        memcpy(&linktype, got + 20, 4);
        assert_int_equal(magic, PCAP_MAGIC_NSEC);
        assert_int_equal(snaplen, 65535);
        assert_int_equal(linktype, PCAP_LINKTYPE_ETHERNET);
        assert_memory_equal(got + PCAP_FILE_HEADER_LEN, want + PCAP_FILE_HEADER_LEN,
                            len - PCAP_FILE_HEADER_LEN);
        free(got);
    }
    free(want);
}

/* Limits keep the earliest records: mergecap's first records. */
static void test_limits_keep_the_earliest(void **state)
{
    (void)state;
    REQUIRE_MERGECAP();
    char ref[160];
    snprintf(ref, sizeof(ref), "%s/ref.pcap", dir);
    assert_int_equal(run_mergecap(inputs, 5, ref), 0);
    size_t ref_len, len;
    uint8_t *want = slurp(ref, &ref_len);

    uint8_t *got = merge_ours(inputs, 5, 999, 1234, 0, &len);
    assert_int_equal(len, after_records(want, ref_len, 1234));
    assert_memory_equal(got + 24, want + 24, len - 24);
    free(got);

    /* A byte limit: the records that fit, the next one would not. */
    uint64_t blimit = 100000;
    got = merge_ours(inputs, 5, 4096, 0, blimit, &len);
    size_t end = PCAP_FILE_HEADER_LEN;
    for (;;) {
        size_t next = after_records(want + end - PCAP_FILE_HEADER_LEN,
                                    ref_len - end + PCAP_FILE_HEADER_LEN, 1) +
                      end - PCAP_FILE_HEADER_LEN;
        if (next > blimit)
            break;
        end = next;
    }
    assert_int_equal(len, end);
    assert_memory_equal(got + 24, want + 24, len - 24);
    free(got);
    free(want);
}

/* pcap_merge_files() writes the same file, through a temporary name. */
static void test_merge_files(void **state)
{
    (void)state;
    REQUIRE_MERGECAP();
    char out[160], err[256];
    snprintf(out, sizeof(out), "%s/out.pcap", dir);
    uint64_t records = 0, bytes = 0;
    assert_int_equal(
        pcap_merge_files(inputs, NULL, 5, out, 0, 0, &records, &bytes, err, sizeof(err)), 0);
    size_t len, ours_len;
    uint8_t *file = slurp(out, &len);
    assert_int_equal(bytes, len);
    assert_int_equal(records, 3000 + 2000 + 40 + 500);
    uint8_t *ours = merge_ours(inputs, 5, 65536, 0, 0, &ours_len);
    assert_int_equal(len, ours_len);
    assert_memory_equal(file, ours, len);
    char tmp[200];
    snprintf(tmp, sizeof(tmp), "%s.merging", out);
    assert_int_equal(access(tmp, F_OK), -1);
    free(file);
    free(ours);
}

/* A record cut short ends its input; the others go on. */
static void test_cut_record_ends_its_input(void **state)
{
    (void)state;
    REQUIRE_MERGECAP();
    char cut[160];
    snprintf(cut, sizeof(cut), "%s/cut.pcap", dir);
    size_t len;
    uint8_t *a = slurp(paths[0], &len);
    size_t keep = after_records(a, len, 100) + 20;
    FILE *f = fopen(cut, "wb");
    fwrite(a, 1, keep, f);
    fclose(f);
    free(a);
    const char *two[] = {cut, paths[1]};
    uint8_t *got = merge_ours(two, 2, 4096, 0, 0, &len);
    char ref[160], b_only[160];
    snprintf(ref, sizeof(ref), "%s/ref-cut.pcap", dir);
    snprintf(b_only, sizeof(b_only), "%s/a100.pcap", dir);
    /* The reference: the first 100 records of a, merged with b. */
    f = fopen(b_only, "wb");
    a = slurp(cut, &keep);
    fwrite(a, 1, after_records(a, keep, 100), f);
    fclose(f);
    free(a);
    const char *ref_in[] = {b_only, paths[1]};
    assert_int_equal(run_mergecap(ref_in, 2, ref), 0);
    size_t ref_len;
    uint8_t *want = slurp(ref, &ref_len);
    assert_int_equal(len, ref_len);
    assert_memory_equal(got + 24, want + 24, len - 24);
    free(got);
    free(want);
}

/* Shifted inputs merge as if their times had been shifted in the files:
 * the oracle is editcap -t on one input, then mergecap.  A shift after the
 * first read is refused. */
static void test_shift_corrects_clock_offsets(void **state)
{
    (void)state;
    REQUIRE_MERGECAP();
    char shifted[160], ref[160], out[160], err[256], cmd[600];
    snprintf(shifted, sizeof(shifted), "%s/b-shifted.pcap", dir);
    snprintf(ref, sizeof(ref), "%s/ref-shift.pcap", dir);
    snprintf(out, sizeof(out), "%s/out-shift.pcap", dir);
    snprintf(cmd, sizeof(cmd), "editcap -F nsecpcap -t -0.000300 %s %s 2>/dev/null", paths[1],
             shifted);
    if (system(cmd) != 0)
        skip();
    const char *ref_in[] = {paths[0], shifted};
    assert_int_equal(run_mergecap(ref_in, 2, ref), 0);
    const int64_t shifts[] = {0, -300000};
    assert_int_equal(pcap_merge_files(inputs, shifts, 2, out, 0, 0, NULL, NULL, err, sizeof(err)),
                     0);
    size_t len, ref_len;
    uint8_t *got = slurp(out, &len), *want = slurp(ref, &ref_len);
    assert_int_equal(len, ref_len);
    assert_memory_equal(got + 24, want + 24, len - 24);
    free(got);
    free(want);

    int fds[2] = {open(paths[0], O_RDONLY), open(paths[1], O_RDONLY)};
    struct pcap_merge *m = NULL;
    uint8_t buf[64];
    assert_int_equal(pcap_merge_open(fds, 2, 0, 0, &m, err, sizeof(err)), 0);
    assert_true(pcap_merge_read(m, buf, sizeof(buf)) > 0);
    assert_int_equal(pcap_merge_shift(m, shifts), -EBUSY);
    pcap_merge_close(m);
    close(fds[0]);
    close(fds[1]);
}

/* Not a pcap, or another link type: refused with a message. */
static void test_bad_inputs_are_refused(void **state)
{
    (void)state;
    REQUIRE_MERGECAP();
    char bad[160], err[256] = "";
    snprintf(bad, sizeof(bad), "%s/bad.pcap", dir);
    FILE *f = fopen(bad, "wb");
    fputs("this is not a capture file at all", f);
    fclose(f);
    int fds[2] = {open(paths[0], O_RDONLY), open(bad, O_RDONLY)};
    struct pcap_merge *m = NULL;
    assert_int_equal(pcap_merge_open(fds, 2, 0, 0, &m, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "input 1: not a pcap file"));
    close(fds[1]);

    uint8_t hdr[PCAP_FILE_HEADER_LEN];
    pcap_format_file_header(hdr, 160, 113);
    f = fopen(bad, "wb");
    fwrite(hdr, 1, sizeof(hdr), f);
    fclose(f);
    fds[1] = open(bad, O_RDONLY);
    lseek(fds[0], 0, SEEK_SET);
    assert_int_equal(pcap_merge_open(fds, 2, 0, 0, &m, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "link type 113"));
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(pcap_merge_open(fds, 0, 0, 0, &m, err, sizeof(err)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_records_as_mergecap),
        cmocka_unit_test(test_limits_keep_the_earliest),
        cmocka_unit_test(test_merge_files),
        cmocka_unit_test(test_cut_record_ends_its_input),
        cmocka_unit_test(test_shift_corrects_clock_offsets),
        cmocka_unit_test(test_bad_inputs_are_refused),
    };
    return cmocka_run_group_tests(tests, setup_inputs, teardown_inputs);
}
