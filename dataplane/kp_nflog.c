/*
 * The NFLOG reader: one netlink socket (libmnl) bound to every job's group,
 * configured through libnetfilter_log's message builders.  A datagram is
 * one batch the kernel flushed for one group; its messages are parsed in
 * place and handed on, with the answers to our bind and unbind commands.
 * No allocation per packet; the receive buffer is the kernel's largest
 * batch.
 */
#include "kp_internal.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* Attributes libnetfilter_log's copy of the kernel header (older than the
 * kernel's) lacks: the 802.1Q tag a device took off (netdev hooks). */
#define KP_NFULA_VLAN 20
#define KP_NFULA_VLAN_PROTO 1
#define KP_NFULA_VLAN_TCI 2
#define KP_NFULA_MAX 21

/* Receive buffer: a batch of the kernel's largest size (128 KiB) and more. */
#define KP_NFLOG_RX_BUF (256u * 1024u)

/* Most packets of one batch held before they are handed on (a batch of
 * the kernel's largest size holds fewer unless they are tiny). */
#define KP_NFLOG_BATCH_MAX 4096

/* The socket, its next command sequence number, its receive buffer, and
 * the packets of the batch being read. */
struct kp_nflog {
    struct mnl_socket *nl;
    uint32_t seq;
    uint8_t rx[KP_NFLOG_RX_BUF];
    struct kp_nflog_packet batch[KP_NFLOG_BATCH_MAX];
};

struct kp_nflog *kp_nflog_open(uint32_t rcvbuf)
{
    struct kp_nflog *n = calloc(1, sizeof(*n));
    if (n == NULL)
        return NULL;
    n->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (n->nl == NULL || mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno;
        kp_nflog_close(n);
        errno = e;
        return NULL;
    }
    int fd = mnl_socket_get_fd(n->nl);
    int size = (int)rcvbuf;
    /* Beyond net.core.rmem_max needs CAP_NET_ADMIN, which the path has. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    n->seq = 1;
    return n;
}

void kp_nflog_close(struct kp_nflog *n)
{
    if (n == NULL)
        return;
    if (n->nl != NULL)
        mnl_socket_close(n->nl);
    free(n);
}

int kp_nflog_fd(const struct kp_nflog *n)
{
    return mnl_socket_get_fd(n->nl);
}

/* Sends the config message `nlh` with an ack request.  Returns its
 * sequence number or a negative errno. */
static int64_t send_config(struct kp_nflog *n, struct nlmsghdr *nlh)
{
    nlh->nlmsg_flags |= NLM_F_ACK;
    nlh->nlmsg_seq = n->seq++;
    if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0)
        return -errno;
    return nlh->nlmsg_seq;
}

int64_t kp_nflog_bind(struct kp_nflog *n, uint16_t group, uint32_t copy_range, uint32_t timeout_cs,
                      uint32_t qthresh, uint32_t bufsize)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC, group);
    nflog_attr_put_cfg_cmd(nlh, NFULNL_CFG_CMD_BIND);
    nflog_attr_put_cfg_mode(nlh, NFULNL_COPY_PACKET, copy_range);
    mnl_attr_put_u16(nlh, NFULA_CFG_FLAGS, htons(NFULNL_CFG_F_SEQ));
    mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(timeout_cs));
    mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(qthresh));
    mnl_attr_put_u32(nlh, NFULA_CFG_NLBUFSIZ, htonl(bufsize));
    return send_config(n, nlh);
}

int64_t kp_nflog_unbind(struct kp_nflog *n, uint16_t group)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = nflog_nlmsg_put_header(buf, NFULNL_MSG_CONFIG, AF_UNSPEC, group);
    nflog_attr_put_cfg_cmd(nlh, NFULNL_CFG_CMD_UNBIND);
    return send_config(n, nlh);
}

/* libmnl callback: keeps attribute `a` of a packet message in `data`. */
static int collect_attr(const struct nlattr *a, void *data)
{
    struct nlattr **attr = data;
    uint16_t type = mnl_attr_get_type(a);
    if (type <= KP_NFULA_MAX && mnl_attr_validate(a, MNL_TYPE_UNSPEC) >= 0)
        attr[type] = (struct nlattr *)a;
    return MNL_CB_OK;
}

/* Reads the 802.1Q tag of nested attribute NFULA_VLAN into `p`. */
static void parse_vlan(const struct nlattr *vlan, struct kp_nflog_packet *p)
{
    const struct nlattr *a;
    mnl_attr_for_each_nested(a, vlan)
    {
        if (mnl_attr_get_payload_len(a) < 2)
            continue;
        if (mnl_attr_get_type(a) == KP_NFULA_VLAN_PROTO)
            p->vlan_proto = ntohs(mnl_attr_get_u16(a));
        else if (mnl_attr_get_type(a) == KP_NFULA_VLAN_TCI) {
            p->vlan_tci = ntohs(mnl_attr_get_u16(a));
            p->has_vlan = true;
        }
    }
}

/* Fills `p` from the attributes `a` of a packet message of `group`.
 * Returns false when the message carries no packet. */
static bool parse_packet(struct nlattr **a, uint16_t group, struct kp_nflog_packet *p)
{
    if (a[NFULA_PAYLOAD] == NULL || a[NFULA_PACKET_HDR] == NULL ||
        mnl_attr_get_payload_len(a[NFULA_PACKET_HDR]) < sizeof(struct nfulnl_msg_packet_hdr))
        return false;
    memset(p, 0, sizeof(*p));
    p->group = group;
    const struct nfulnl_msg_packet_hdr *h = mnl_attr_get_payload(a[NFULA_PACKET_HDR]);
    p->hook = h->hook;
    p->ethertype = ntohs(h->hw_protocol);
    p->payload = mnl_attr_get_payload(a[NFULA_PAYLOAD]);
    p->payload_len = mnl_attr_get_payload_len(a[NFULA_PAYLOAD]);
    if (a[NFULA_SEQ] != NULL && mnl_attr_get_payload_len(a[NFULA_SEQ]) >= 4) {
        p->has_seq = true;
        p->seq = ntohl(mnl_attr_get_u32(a[NFULA_SEQ]));
    }
    if (a[NFULA_TIMESTAMP] != NULL && mnl_attr_get_payload_len(a[NFULA_TIMESTAMP]) >=
                                          sizeof(struct nfulnl_msg_packet_timestamp)) {
        struct nfulnl_msg_packet_timestamp ts;
        memcpy(&ts, mnl_attr_get_payload(a[NFULA_TIMESTAMP]), sizeof(ts));
        p->has_ts = true;
        p->ts_ns = be64toh(ts.sec) * 1000000000ull + be64toh(ts.usec) * 1000ull;
    }
    if (a[NFULA_HWHEADER] != NULL && a[NFULA_HWTYPE] != NULL) {
        p->hwheader = mnl_attr_get_payload(a[NFULA_HWHEADER]);
        p->hwheader_len = mnl_attr_get_payload_len(a[NFULA_HWHEADER]);
        p->hwtype = ntohs(mnl_attr_get_u16(a[NFULA_HWTYPE]));
    }
    if (a[KP_NFULA_VLAN] != NULL)
        parse_vlan(a[KP_NFULA_VLAN], p);
    return true;
}

/* The state of one receive: the handler, the packets of the batch not yet
 * handed on, and those handed on. */
struct receive_ctx {
    const struct kp_nflog_handler *h;
    struct kp_nflog_packet *batch;
    int pending;
    int delivered;
};

/* Gives the pending packets without a time of their own the time of the
 * next stamped one (or `now_ns`), and hands them all on in order. */
static void deliver_batch(struct receive_ctx *rc, uint64_t now_ns)
{
    uint64_t next = now_ns;
    for (int i = rc->pending - 1; i >= 0; i--) {
        if (rc->batch[i].has_ts)
            next = rc->batch[i].ts_ns;
        else
            rc->batch[i].ts_ns = next;
    }
    for (int i = 0; i < rc->pending; i++)
        rc->h->packet(rc->h->ctx, &rc->batch[i]);
    rc->delivered += rc->pending;
    rc->pending = 0;
}

/* Parses a data message into the pending packets. */
static void on_message(const struct nlmsghdr *nlh, struct receive_ctx *rc, uint64_t now_ns)
{
    struct nlattr *attr[KP_NFULA_MAX + 1] = {NULL};
    if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFULNL_MSG_PACKET ||
        mnl_attr_parse(nlh, sizeof(struct nfgenmsg), collect_attr, attr) < 0)
        return;
    if (rc->pending == KP_NFLOG_BATCH_MAX)
        deliver_batch(rc, now_ns);
    const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
    if (parse_packet(attr, ntohs(g->res_id), &rc->batch[rc->pending]))
        rc->pending++;
}

/* Walks the messages of one datagram of `len` bytes: packets, and answers
 * (NLMSG_ERROR) to our commands. */
static void walk_datagram(const uint8_t *buf, size_t len, struct receive_ctx *rc, uint64_t now_ns)
{
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
    int left = (int)len;
    for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
        if (nlh->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
            if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)))
                rc->h->ack(rc->h->ctx, nlh->nlmsg_seq, e->error);
        } else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE) {
            on_message(nlh, rc, now_ns);
        }
    }
}

int kp_nflog_receive(struct kp_nflog *n, const struct kp_nflog_handler *h)
{
    ssize_t len = mnl_socket_recvfrom(n->nl, n->rx, sizeof(n->rx));
    if (len < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
    struct receive_ctx rc = {.h = h, .batch = n->batch};
    walk_datagram(n->rx, (size_t)len, &rc, now_ns);
    deliver_batch(&rc, now_ns);
    return rc.delivered;
}
