/*
 * The kernel path's parts, private to dataplane/: the nftables rules of a
 * job (kp_rules.c), the NFLOG reader (kp_nflog.c) and the Ethernet framing
 * of a logged packet (kp_frame.c).  kernel_path.c ties them to jobs.
 */
#ifndef PCAPD_KP_INTERNAL_H
#define PCAPD_KP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcapd/kernel_path.h"

/* Longest table name: the prefix and a job name. */
#define KP_TABLE_NAME_SIZE (sizeof(PCAPD_KP_TABLE_PREFIX) + PCAPD_JOB_NAME_MAX)

/* --- nftables (kp_rules.c) --- */

/* A libnftables context on one netlink socket: the tables it creates with
 * the `owner` flag live as long as it does. */
struct kp_rules;

/* What one job's rules say. */
struct kp_job_rules {
    /* Table name (PCAPD_KP_TABLE_PREFIX and the job's name). */
    char table[KP_TABLE_NAME_SIZE];
    /* The job's filter, sampling and NFLOG group. */
    struct pcapd_filter filter;
    uint32_t sample_rate;
    uint32_t group;
    /* Bytes of the network-layer packet the kernel copies. */
    uint32_t snaplen;
    /* The path's hooks, interfaces, priority and batching. */
    const struct pcapd_kp_config *cfg;
    /* Use the table `owner` flag. */
    bool owner;
};

/* Opens a context.  Returns NULL (out of memory) or the context. */
struct kp_rules *kp_rules_open(void);

/* Closes the context; tables it owns disappear with it. */
void kp_rules_close(struct kp_rules *r);

/* Writes the nftables script that creates the job's tables into `buf` of
 * `size` bytes.  Returns its length, or -ENOSPC, or -EINVAL when the
 * filter cannot be written as rules (addresses of two families). */
int kp_rules_format(const struct kp_job_rules *j, char *buf, size_t size);

/* Runs an nftables script in one transaction.  Returns 0, or a negative
 * errno with the kernel's or the parser's message in `err`. */
int kp_rules_run(struct kp_rules *r, const char *script, char *err, unsigned err_size);

/* Removes every rule of the job's tables (counters stay readable). */
int kp_rules_flush(struct kp_rules *r, const struct kp_job_rules *j);

/* Deletes the job's tables. */
int kp_rules_delete(struct kp_rules *r, const struct kp_job_rules *j);

/* Reads the job's `matched` and `logged` counters (summed over its
 * tables).  Returns 0 or a negative errno. */
int kp_rules_counters(struct kp_rules *r, const struct kp_job_rules *j, uint64_t *matched,
                      uint64_t *logged);

/* What kp_rules_each_counters() calls for each table of ours. */
typedef void (*kp_counters_fn)(void *arg, const char *table, uint64_t matched, uint64_t logged);

/* Reads the counters of every table of ours in one listing, calling `fn`
 * for each (a job with two tables, inet and netdev, gets two calls).
 * Returns 0 or a negative errno. */
int kp_rules_each_counters(struct kp_rules *r, kp_counters_fn fn, void *arg);

/* Deletes the tables named with PCAPD_KP_TABLE_PREFIX that no live process
 * owns.  Returns how many, or a negative errno. */
int kp_rules_remove_leftovers(struct kp_rules *r);

/* Whether the kernel has the table `owner` flag (set by the probe). */
bool kp_rules_have_owner(struct kp_rules *r);

/* Installs and deletes a table that uses every expression a job uses, on
 * group `group`.  Returns 0, or a negative errno with `err`. */
int kp_rules_probe(struct kp_rules *r, const struct pcapd_kp_config *cfg, uint32_t group, char *err,
                   unsigned err_size);

/* --- NFLOG (kp_nflog.c) --- */

/* One netlink socket bound to the NFLOG groups of the jobs. */
struct kp_nflog;

/* One logged packet, pointing into the receive buffer. */
struct kp_nflog_packet {
    /* The group it was logged to. */
    uint16_t group;
    /* The group's sequence number of the packet. */
    bool has_seq;
    uint32_t seq;
    /* When the kernel received it (ns since the epoch), when it says
     * (has_ts).  The kernel stamps packets of the receive hooks only; a
     * packet it did not stamp gets the time of the next stamped packet of
     * its batch, or the time the batch was read: the earliest time known
     * not to precede it that keeps the batch in order. */
    bool has_ts;
    uint64_t ts_ns;
    /* The netfilter hook, and the EtherType of the packet (NFULA_PACKET_HDR). */
    uint8_t hook;
    uint16_t ethertype;
    /* The link-layer header as received, when there was one. */
    const uint8_t *hwheader;
    uint16_t hwheader_len;
    uint16_t hwtype;
    /* The 802.1Q tag the device took off, when it did (netdev hooks). */
    bool has_vlan;
    uint16_t vlan_proto;
    uint16_t vlan_tci;
    /* The packet from its network header, up to the rule's snaplen. */
    const uint8_t *payload;
    uint32_t payload_len;
};

/* What the reader calls for each message. */
struct kp_nflog_handler {
    /* A logged packet. */
    void (*packet)(void *ctx, const struct kp_nflog_packet *p);
    /* The kernel's answer to the command of sequence number `seq`: 0 or a
     * negative errno. */
    void (*ack)(void *ctx, uint32_t seq, int error);
    void *ctx;
};

/* Opens the socket with a receive buffer of `rcvbuf` bytes.  Returns NULL
 * with errno set on failure. */
struct kp_nflog *kp_nflog_open(uint32_t rcvbuf);

/* Closes the socket: the kernel unbinds its groups. */
void kp_nflog_close(struct kp_nflog *n);

/* The socket's file descriptor, for poll(). */
int kp_nflog_fd(const struct kp_nflog *n);

/* Asks the kernel to bind `group` to the socket, copying `copy_range`
 * bytes of each packet, with sequence numbers, the given flush timeout
 * (1/100 s), queue threshold and batch buffer size.  Returns the command's
 * sequence number (its answer comes through the handler's ack), or a
 * negative errno. */
int64_t kp_nflog_bind(struct kp_nflog *n, uint16_t group, uint32_t copy_range, uint32_t timeout_cs,
                      uint32_t qthresh, uint32_t bufsize);

/* Asks the kernel to unbind `group`: the packets it still holds for the
 * group are sent before the answer.  Returns the command's sequence number
 * or a negative errno. */
int64_t kp_nflog_unbind(struct kp_nflog *n, uint16_t group);

/* Reads one datagram without waiting and hands its messages to `h`.
 * Returns the packets in it, -EAGAIN when there was none, -ENOBUFS when
 * the kernel dropped messages for lack of room, or another negative errno. */
int kp_nflog_receive(struct kp_nflog *n, const struct kp_nflog_handler *h);

/* --- Ethernet framing (kp_frame.c) --- */

/* Frames packet `p` as Ethernet into `out` (room for 18 bytes more than
 * its payload): the received link-layer header when it is Ethernet, else
 * a synthesized one (zero addresses, the packet's EtherType), with its
 * 802.1Q tag put back when the device took it off.  Writes the frame's
 * length on the wire to `wire_len` (from the IP header's length, since
 * the payload may be cut) and returns the bytes written. */
uint32_t kp_frame_ethernet(const struct kp_nflog_packet *p, uint8_t *out, uint32_t *wire_len);

#endif /* PCAPD_KP_INTERNAL_H */
