/*
 * The kernel capture path as the control plane sees it: capture jobs carried
 * out by the host's own network stack instead of DPDK ports.  Each job is
 * mirrored into an nftables table of its own (named after the job) whose
 * rules count, sample and log the job's packets to an NFLOG group of its
 * own; the path's thread reads every group from one netlink socket, frames
 * the packets as Ethernet and writes them to the job's file in the same
 * form as the DPDK dataplane (nanosecond pcap, LINKTYPE_ETHERNET).
 *
 * The API has the shape and the semantics of pcapd/dataplane.h, with the
 * job types of pcapd/capture_job.h.  All functions are called from one
 * control thread; none of them waits for the kernel: rules are installed
 * and removed on the path's own thread, and a job reports `published` once
 * its rules are in.  Needs CAP_NET_ADMIN; no DPDK.
 */
#ifndef PCAPD_KERNEL_PATH_H
#define PCAPD_KERNEL_PATH_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapd/capture_job.h"

/* Most jobs the kernel path runs at once (each takes an NFLOG group). */
#define PCAPD_KP_MAX_JOBS 1024
/* Most interfaces with a netdev ingress hook. */
#define PCAPD_KP_MAX_INGRESS 16
/* Longest interface name, terminator included (IFNAMSIZ). */
#define PCAPD_KP_IFNAME_SIZE 16
/* Prefix of the name of every nftables table the path creates: a table of
 * this name that no live process owns is a leftover, removed at start. */
#define PCAPD_KP_TABLE_PREFIX "pcapd_"
/* Default hook priority: before IP defragmentation (-400) and conntrack
 * (-200), so packets are seen as they arrived. */
#define PCAPD_KP_DEFAULT_PRIORITY (-450)

/* Which hooks a job's rules sit on. */
enum pcapd_kp_hook {
    /* IPv4 and IPv6 prerouting: every packet the host receives, for itself
     * or to forward. */
    PCAPD_KP_HOOK_PREROUTING = 1u << 0,
    /* IPv4 and IPv6 output: every packet the host sends itself (but those
     * to the loopback device, which prerouting sees again). */
    PCAPD_KP_HOOK_OUTPUT = 1u << 1,
    /* netdev ingress on the interfaces of `ingress`: every frame they
     * receive, before the IP stack, VLAN tags and non-IP frames included. */
    PCAPD_KP_HOOK_INGRESS = 1u << 2,
};

/* What the kernel path needs to start.  Zero fields take the defaults
 * given with them. */
struct pcapd_kp_config {
    /* Most jobs at once (default 64, at most PCAPD_KP_MAX_JOBS). */
    unsigned max_jobs;
    /* First NFLOG group: job slot i logs to group nflog_group_base + i
     * (default 0x7c00; groups taken by another program are refused at job
     * start). */
    uint32_t nflog_group_base;
    /* Bitmask of enum pcapd_kp_hook (default prerouting and output). */
    uint32_t hooks;
    /* Interfaces of the ingress hook, and how many. */
    char ingress[PCAPD_KP_MAX_INGRESS][PCAPD_KP_IFNAME_SIZE];
    unsigned n_ingress;
    /* Priority of the job chains (default PCAPD_KP_DEFAULT_PRIORITY; set
     * `priority_set` to use 0). */
    int priority;
    bool priority_set;
    /* Packets the kernel batches into one netlink message before sending
     * it (`log queue-threshold`; default 64). */
    uint32_t queue_threshold;
    /* Longest time the kernel holds a batch, in ms (default 10). */
    uint32_t flush_timeout_ms;
    /* Size of the kernel's batch buffer per group (default 131072, the
     * kernel's largest). */
    uint32_t batch_buffer_size;
    /* Receive buffer of the netlink socket, in bytes (default 64 MiB; set
     * beyond the system's limit with CAP_NET_ADMIN). */
    uint32_t socket_buffer_size;
    /* Each job's write buffer, in bytes (default 65536; grown to hold two
     * of the job's largest records). */
    uint32_t write_buffer_size;
};

/* Path-wide counters. */
struct pcapd_kp_stats {
    /* Netlink messages carrying packets, and packets, the reader received. */
    uint64_t batches;
    uint64_t packets;
    /* Packets written to files, all jobs together. */
    uint64_t packets_written;
    /* Times the socket reported ENOBUFS: the kernel dropped a batch because
     * the receive buffer was full (the jobs' losses are counted from their
     * sequence numbers and counters). */
    uint64_t enobufs;
    /* Packets lost between the kernel and the reader, all jobs together. */
    uint64_t packets_lost;
    /* Packets received for a job after it reached a limit, discarded. */
    uint64_t packets_late;
    /* Messages for no job of ours, or that could not be parsed. */
    uint64_t packets_unknown;
    /* Rule transactions (install, remove), and the time the last one took. */
    uint64_t rule_transactions;
    uint64_t rule_transaction_ns;
    /* Jobs running now. */
    uint32_t jobs;
};

/* Checks the kernel's capabilities (nftables with every expression a job
 * uses, NFLOG, CAP_NET_ADMIN) by installing and removing a probe table and
 * binding a probe group, removes tables a dead pcapd left behind, and
 * starts the path's thread.  Returns 0, or a negative errno with a message
 * in `err` (of `err_size` bytes) saying what is missing. */
int pcapd_kp_start(const struct pcapd_kp_config *cfg, char *err, unsigned err_size);

/* Ends every job still running (their rules removed, their last packets
 * written), stops the thread, and reports those jobs through `on_ended`
 * before returning, so their files can be closed. */
void pcapd_kp_stop(void (*on_ended)(const struct pcapd_job_ended *, void *), void *arg);

/* Starts capturing for `spec`.  The filter and the spec are checked here:
 * -EINVAL when the kernel cannot carry them (addresses of two families,
 * a bad name or snaplen); -ENOSPC when max_jobs run; -EEXIST when a job of
 * that name runs.  Returns 0 and the job's handle otherwise: its rules are
 * installed on the path's thread; the job is `published` once they are
 * in, or ends with PCAPD_JOB_END_PATH_ERROR and the errno if they could
 * not be. */
int pcapd_kp_job_start(const struct pcapd_job_spec *spec, pcapd_job_handle *handle);

/* Asks the job to end now: its rules are removed, the packets the kernel
 * logged before are written, and pcapd_kp_poll_ended() reports it.  Safe
 * to call more than once. */
void pcapd_kp_job_stop(pcapd_job_handle handle);

/* Reads the counters of a running job: packets_matched is the kernel's
 * count of packets that matched (read from the kernel at most four times a
 * second while this is called; the first call may return an older one),
 * packets_dropped the packets lost between the kernel and the file.
 * Returns 0, or -ENOENT. */
int pcapd_kp_job_stats(pcapd_job_handle handle, struct pcapd_job_stats *stats);

/* Reports up to `max` jobs that have ended; returns how many.  The control
 * plane calls this periodically. */
unsigned pcapd_kp_poll_ended(struct pcapd_job_ended *ended, unsigned max);

/* Reads the path-wide counters. */
void pcapd_kp_stats_read(struct pcapd_kp_stats *stats);

#endif /* PCAPD_KERNEL_PATH_H */
