/*
 * A capture job as every capture path takes it: what the control plane
 * hands a path to start a job (the spec), the handle it gets back, the
 * job's counters while it runs, and the report of its end.  The DPDK
 * dataplane (pcapd/dataplane.h) and the kernel path (pcapd/kernel_path.h)
 * share these, so the control plane drives both the same way.
 */
#ifndef PCAPD_CAPTURE_JOB_H
#define PCAPD_CAPTURE_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapd/filter.h"

/* Longest name of a job (struct pcapd_job_spec.name). */
#define PCAPD_JOB_NAME_MAX 48

/* One job, as the control plane hands it to a capture path. */
struct pcapd_job_spec {
    /* Which packets the job wants. */
    struct pcapd_filter filter;
    /* Keep one matching packet in `sample_rate` (1 keeps every one). */
    uint32_t sample_rate;
    /* Most packets the file may hold. */
    uint32_t packet_limit;
    /* Most bytes the file may hold, pcap headers included (0: no limit). */
    uint64_t byte_limit;
    /* Bytes of each packet written: PCAPD_SIMPLE_SNAPLEN (a `simple` job:
     * the head is copied into the record on the rx lcore), or more (a
     * `full` job: the rx lcore passes a reference to the mbuf, up to
     * PCAPD_FULL_SNAPLEN_MAX bytes are written). */
    uint32_t snaplen;
    /* File descriptor, opened for writing, that receives the pcap; the
     * dataplane writes to it and hands it back when the job ends. */
    int fd;
    /* Opaque value handed back with the job's end. */
    uint64_t cookie;
    /* The job's name where a path shows it to the operator (the kernel
     * path names the job's nftables table after it): letters, digits,
     * '_' and '-', at most PCAPD_JOB_NAME_MAX of them; empty lets the path
     * choose one.  The control plane passes the capture id. */
    char name[PCAPD_JOB_NAME_MAX + 1];
};

/* Largest snaplen of a `full` job. */
#define PCAPD_FULL_SNAPLEN_MAX 65535

/* Identifies a started job: slot in the low 32 bits, generation above. */
typedef uint64_t pcapd_job_handle;

/* Why a job ended. */
enum pcapd_job_end {
    /* The file holds packet_limit packets. */
    PCAPD_JOB_END_PACKET_LIMIT,
    /* The next packet would have taken the file past byte_limit bytes. */
    PCAPD_JOB_END_BYTE_LIMIT,
    /* The control plane asked it to end (time limit or stop request). */
    PCAPD_JOB_END_STOPPED,
    /* Writing the file failed; see `error`. */
    PCAPD_JOB_END_WRITE_ERROR,
    /* The capture path could not carry the job on (the kernel path could
     * not install or remove its rules, or bind its NFLOG group); see
     * `error`. */
    PCAPD_JOB_END_PATH_ERROR,
};

/* Counters of one job, readable while it runs. */
struct pcapd_job_stats {
    /* Packets that matched the filter, before sampling. */
    uint64_t packets_matched;
    /* Packets written to the file. */
    uint64_t packets_written;
    /* Bytes written to the file, pcap headers included. */
    uint64_t bytes_written;
    /* Sampled packets lost because the ring to the writer was full. */
    uint64_t packets_dropped;
    /* The job is in the table the rx lcores match against: packets that
     * arrive from now on are captured.  False until the first publication
     * that includes it (see pcapd_dp_job_start()). */
    bool published;
    /* Index in the configured writer lcores of the one writing the job. */
    uint32_t writer;
};

/* A job that has ended, as pcapd_dp_poll_ended() reports it. */
struct pcapd_job_ended {
    /* The cookie of the job's spec. */
    uint64_t cookie;
    /* The job's file descriptor, now the caller's to sync and close. */
    int fd;
    /* Why it ended. */
    enum pcapd_job_end reason;
    /* errno of the failure when reason is PCAPD_JOB_END_WRITE_ERROR or
     * PCAPD_JOB_END_PATH_ERROR. */
    int error;
    /* The job's final counters. */
    struct pcapd_job_stats stats;
};

#endif /* PCAPD_CAPTURE_JOB_H */
