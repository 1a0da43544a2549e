/*
 * Unit tests for the pcap writer helpers (include/pcapd/pcap_format.h, dataplane/pcap_format.c):
 * the raw layout of the file and record headers, and a file written with them read back by libpcap
 * in nanosecond precision (magic 0xa1b23c4d, Ethernet link type, snaplen, caplen/len, nanosecond
 * timestamps and packet bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "pcapd/pcap_format.h"

/* Snap length the test files are written with, as pcapd's simple capture. */
#define SNAPLEN 160u

/* Reads a host-order 32-bit value at `p`. */
static uint32_t host32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Reads a host-order 16-bit value at `p`. */
static uint16_t host16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Fills `n` bytes of `p` with a pattern depending on `seed`. */
static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + seed * 13 + (i >> 8));
}

/* The file header: size, magic, version 2.4, zone, sigfigs, snaplen, link
 * type, all in host byte order. */
static void test_file_header_layout(void **state)
{
    (void)state;
    uint8_t buf[PCAP_FILE_HEADER_LEN + 8];
    memset(buf, 0xcc, sizeof(buf));
    assert_int_equal(pcap_format_file_header(buf, SNAPLEN, PCAP_LINKTYPE_ETHERNET), 24);
    assert_int_equal(host32(buf + 0), 0xa1b23c4du);
    assert_int_equal(host16(buf + 4), 2);
    assert_int_equal(host16(buf + 6), 4);
    assert_int_equal(host32(buf + 8), 0);
    assert_int_equal(host32(buf + 12), 0);
    assert_int_equal(host32(buf + 16), SNAPLEN);
    assert_int_equal(host32(buf + 20), 1);
    /* Nothing written past the header. */
    for (size_t i = PCAP_FILE_HEADER_LEN; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xcc);

    assert_int_equal(pcap_format_file_header(buf, 65535, 113), 24);
    assert_int_equal(host32(buf + 16), 65535);
    assert_int_equal(host32(buf + 20), 113);
}

/* A record header: seconds and nanoseconds split from ts_ns, cap_len and
 * wire_len, followed by exactly cap_len data bytes. */
static void test_record_layout(void **state)
{
    (void)state;
    uint8_t data[200];
    uint8_t buf[PCAP_RECORD_HEADER_LEN + sizeof(data) + 8];
    fill_pattern(data, sizeof(data), 1);
    memset(buf, 0xcc, sizeof(buf));

    size_t n = pcap_format_record(buf, 1700000000123456789ull, 1514, data, 160);
    assert_int_equal(n, 16 + 160);
    assert_int_equal(host32(buf + 0), 1700000000u);
    assert_int_equal(host32(buf + 4), 123456789u);
    assert_int_equal(host32(buf + 8), 160);
    assert_int_equal(host32(buf + 12), 1514);
    assert_memory_equal(buf + 16, data, 160);
    for (size_t i = 16 + 160; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xcc);
}

/* Timestamp edges: zero, just under and exactly one second, the largest
 * nanosecond count, and a time past 2038 (still within 32-bit seconds). */
static void test_record_timestamps(void **state)
{
    (void)state;
    static const struct {
        uint64_t ts_ns;
        uint32_t sec;
        uint32_t nsec;
    } cases[] = {
        {0, 0, 0},
        {1, 0, 1},
        {999999999ull, 0, 999999999u},
        {1000000000ull, 1, 0},
        {1000000001ull, 1, 1},
        {1700000000999999999ull, 1700000000u, 999999999u},
        {4294967295999999999ull, 4294967295u, 999999999u},
    };
    uint8_t buf[PCAP_RECORD_HEADER_LEN + 4];
    static const uint8_t data[4] = {1, 2, 3, 4};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(pcap_format_record(buf, cases[i].ts_ns, 4, data, 4), 20);
        assert_int_equal(host32(buf + 0), cases[i].sec);
        assert_int_equal(host32(buf + 4), cases[i].nsec);
    }
}

/* A record of zero captured bytes is just a header. */
static void test_record_empty(void **state)
{
    (void)state;
    uint8_t buf[PCAP_RECORD_HEADER_LEN + 4];
    memset(buf, 0xcc, sizeof(buf));
    static const uint8_t data[1] = {0};
    assert_int_equal(pcap_format_record(buf, 5, 64, data, 0), 16);
    assert_int_equal(host32(buf + 8), 0);
    assert_int_equal(host32(buf + 12), 64);
    for (size_t i = 16; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xcc);
}

/* One record written to the test file. */
struct rec {
    uint64_t ts_ns;
    uint32_t wire_len;
    uint32_t cap_len;
    uint8_t data[SNAPLEN];
};

/* Path of the current test's temporary file, removed by the teardown even
 * when an assertion fails first. */
static char tmp_path[64];

/* Clears the temporary file name before a test. */
static int setup_tmp(void **state)
{
    (void)state;
    tmp_path[0] = '\0';
    return 0;
}

/* Removes the temporary file, if any, after a test. */
static int teardown_tmp(void **state)
{
    (void)state;
    if (tmp_path[0] != '\0')
        unlink(tmp_path);
    tmp_path[0] = '\0';
    return 0;
}

/* Writes a pcap file of `recs` back to back into one buffer and then to a
 * fresh temporary file under /tmp; returns its name. */
static const char *write_file(const struct rec *recs, size_t n)
{
    size_t size = PCAP_FILE_HEADER_LEN;
    for (size_t i = 0; i < n; i++)
        size += PCAP_RECORD_HEADER_LEN + recs[i].cap_len;
    uint8_t *buf = malloc(size);
    assert_non_null(buf);
    size_t off = pcap_format_file_header(buf, SNAPLEN, PCAP_LINKTYPE_ETHERNET);
    for (size_t i = 0; i < n; i++)
        off += pcap_format_record(buf + off, recs[i].ts_ns, recs[i].wire_len, recs[i].data,
                                  recs[i].cap_len);
    assert_int_equal(off, size);

    snprintf(tmp_path, sizeof(tmp_path), "/tmp/pcapd-test-pcap-XXXXXX");
    int fd = mkstemp(tmp_path);
    assert_true(fd >= 0);
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, buf + done, size - done);
        assert_true(w > 0);
        done += (size_t)w;
    }
    assert_int_equal(close(fd), 0);
    free(buf);
    return tmp_path;
}

/* A file written with the helpers reads back through libpcap, in nanosecond
 * precision, with every header field and byte as written. */
static void test_libpcap_reads_back(void **state)
{
    (void)state;
    static struct rec recs[5];
    memset(recs, 0, sizeof(recs));
    /* Full-size Ethernet frame cut to the snaplen. */
    recs[0].ts_ns = 1700000000123456789ull;
    recs[0].wire_len = 1514;
    recs[0].cap_len = 160;
    /* Minimum frame, captured whole. */
    recs[1].ts_ns = 1700000000123457000ull;
    recs[1].wire_len = 60;
    recs[1].cap_len = 60;
    /* Frame exactly the snaplen. */
    recs[2].ts_ns = 1700000001000000001ull;
    recs[2].wire_len = 160;
    recs[2].cap_len = 160;
    /* Jumbo frame cut to the snaplen, nanoseconds at the top of the range. */
    recs[3].ts_ns = 1700000002999999999ull;
    recs[3].wire_len = 9000;
    recs[3].cap_len = 160;
    /* Runt, captured whole. */
    recs[4].ts_ns = 1700000003000000000ull;
    recs[4].wire_len = 42;
    recs[4].cap_len = 42;
    for (size_t i = 0; i < 5; i++)
        fill_pattern(recs[i].data, recs[i].cap_len, (unsigned)i + 3);

    const char *path = write_file(recs, 5);

    /* The raw magic bytes, in host order as pcapd writes them. */
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    uint8_t magic_bytes[4];
    assert_int_equal(fread(magic_bytes, 1, 4, fp), 4);
    fclose(fp);
    uint32_t magic;
    memcpy(&magic, magic_bytes, 4);
    assert_int_equal(magic, 0xa1b23c4du);

    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = '\0';
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == NULL)
        fail_msg("pcap_open_offline: %s", errbuf);
    assert_int_equal(pcap_get_tstamp_precision(p), PCAP_TSTAMP_PRECISION_NANO);
    assert_int_equal(pcap_datalink(p), DLT_EN10MB);
    assert_int_equal(pcap_snapshot(p), (int)SNAPLEN);
    assert_int_equal(pcap_major_version(p), 2);
    assert_int_equal(pcap_minor_version(p), 4);
    assert_int_equal(pcap_is_swapped(p), 0);

    struct pcap_pkthdr *hdr;
    const u_char *data;
    for (size_t i = 0; i < 5; i++) {
        int rc = pcap_next_ex(p, &hdr, &data);
        if (rc != 1)
            fail_msg("record %zu: pcap_next_ex returned %d: %s", i, rc, pcap_geterr(p));
        assert_true(hdr->caplen <= SNAPLEN);
        assert_int_equal(hdr->caplen, recs[i].cap_len);
        assert_int_equal(hdr->len, recs[i].wire_len);
        /* In nanosecond precision tv_usec holds nanoseconds. */
        assert_int_equal(hdr->ts.tv_sec, (long)(recs[i].ts_ns / 1000000000ull));
        assert_int_equal(hdr->ts.tv_usec, (long)(recs[i].ts_ns % 1000000000ull));
        assert_memory_equal(data, recs[i].data, recs[i].cap_len);
    }
    /* The sub-microsecond digits of the first record survived. */
    assert_int_equal(recs[0].ts_ns % 1000ull, 789);
    /* Nothing after the last record. */
    assert_int_equal(pcap_next_ex(p, &hdr, &data), PCAP_ERROR_BREAK);
    pcap_close(p);

    /* Read in microsecond precision, libpcap scales the nanoseconds down:
     * proof that the file is really tagged as nanosecond. */
    p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    assert_non_null(p);
    assert_int_equal(pcap_next_ex(p, &hdr, &data), 1);
    assert_int_equal(hdr->ts.tv_sec, 1700000000);
    assert_int_equal(hdr->ts.tv_usec, 123456);
    pcap_close(p);
}

/* A file holding only the header opens and has no records. */
static void test_libpcap_empty_file(void **state)
{
    (void)state;
    const char *path = write_file(NULL, 0);
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (p == NULL)
        fail_msg("pcap_open_offline: %s", errbuf);
    assert_int_equal(pcap_datalink(p), DLT_EN10MB);
    assert_int_equal(pcap_snapshot(p), (int)SNAPLEN);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    assert_int_equal(pcap_next_ex(p, &hdr, &data), PCAP_ERROR_BREAK);
    pcap_close(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_header_layout),
        cmocka_unit_test(test_record_layout),
        cmocka_unit_test(test_record_timestamps),
        cmocka_unit_test(test_record_empty),
        cmocka_unit_test_setup_teardown(test_libpcap_reads_back, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_libpcap_empty_file, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
