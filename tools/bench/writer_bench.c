/*
 * pcapd-writer-bench: the cost per 160-byte record of pcapd's writer path
 * (pcap_out: records formatted in place into a 64 KiB buffer, one write()
 * per buffer) beside libpcap's pcap_dump() writing the same records to the
 * same file, in one run.  Runs alternate; medians are printed as JSON.
 *
 * Before each run, outside the timed part, a regular FILE left by the run
 * before is removed: truncating 350 MB of page cache is not a cost of the
 * writer that follows.  FILE may be a device such as /dev/null, which
 * measures the writers without the kernel's copy into the page cache.
 *
 * Usage: pcapd-writer-bench [FILE] [RECORDS] [RUNS]
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcapd/pcap_format.h"
#include "pcap_out.h"

/* Bytes of each record's packet data, as a simple capture keeps. */
#define SNAP 160
/* The writer's buffer size, as pcapd's default write_buffer_size. */
#define BUFFER 65536

/* Monotonic time in nanoseconds. */
static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Removes `path` if it is a regular file (never a device). */
static void target_reset(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        unlink(path);
}

/* Writes `n` records with pcapd's writer path; returns ns per record. */
static double run_pcapd(const char *path, const uint8_t *data, long n)
{
    static uint8_t buf[BUFFER] __attribute__((aligned(4096)));
    target_reset(path);
    double t0 = now_ns();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    struct pcap_out out;
    pcap_out_init(&out, fd, buf, sizeof(buf), SNAP);
    for (long i = 0; i < n; i++) {
        int err;
        uint8_t *room = pcap_out_reserve(&out, PCAP_RECORD_HEADER_LEN + SNAP, &err);
        if (room == NULL) {
            perror("write");
            exit(1);
        }
        uint64_t ts = 1700000000000000000ull + (uint64_t)i * 1000;
        pcap_out_commit(&out,
                        (uint32_t)pcap_format_record(room, ts, 1514, data + (i % 64) * SNAP, SNAP));
    }
    pcap_out_flush(&out);
    close(fd);
    return (now_ns() - t0) / (double)n;
}

/* Writes `n` records with libpcap's pcap_dump(); returns ns per record. */
static double run_libpcap(const char *path, const uint8_t *data, long n)
{
    target_reset(path);
    double t0 = now_ns();
    pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SNAP, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t *d = pcap_dump_open(p, path);
    if (d == NULL) {
        fprintf(stderr, "pcap_dump_open: %s\n", pcap_geterr(p));
        exit(1);
    }
    struct pcap_pkthdr h = {.caplen = SNAP, .len = 1514};
    for (long i = 0; i < n; i++) {
        uint64_t ts = 1700000000000000000ull + (uint64_t)i * 1000;
        h.ts.tv_sec = (time_t)(ts / 1000000000u);
        h.ts.tv_usec = (suseconds_t)(ts % 1000000000u); /* Nanoseconds here. */
        pcap_dump((u_char *)d, &h, data + (i % 64) * SNAP);
    }
    pcap_dump_close(d);
    pcap_close(p);
    return (now_ns() - t0) / (double)n;
}

/* qsort() comparator of doubles. */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/pcapd-writer-bench.pcap";
    long n = argc > 2 ? atol(argv[2]) : 2000000;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    if (runs < 1 || runs > 64 || n < 1) {
        fprintf(stderr, "usage: %s [FILE] [RECORDS] [RUNS 1-64]\n", argv[0]);
        return 2;
    }
    uint8_t *data = malloc(64 * SNAP);
    for (int i = 0; i < 64 * SNAP; i++)
        data[i] = (uint8_t)(i * 7);
    double ours[64], theirs[64];
    for (int r = 0; r < runs; r++) {
        ours[r] = run_pcapd(path, data, n);
        theirs[r] = run_libpcap(path, data, n);
    }
    qsort(ours, (size_t)runs, sizeof(double), cmp_double);
    qsort(theirs, (size_t)runs, sizeof(double), cmp_double);
    double a = ours[runs / 2], b = theirs[runs / 2];
    printf("{\"records\":%ld,\"runs\":%d,\"pcapd_ns_per_record\":%.2f,"
           "\"pcap_dump_ns_per_record\":%.2f,\"ratio\":%.3f}\n",
           n, runs, a, b, a / b);
    target_reset(path);
    free(data);
    return 0;
}
