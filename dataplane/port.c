/*
 * Port setup: every port EAL probed (NIC, net_pcap, net_null, net_af_packet,
 * net_tap...) gets one rx queue per rx lcore, as far as the port allows, with
 * RSS spreading flows over them, and one unused tx queue for PMDs that need
 * one.  Queues are dealt to rx lcores round-robin.  Mbufs come from a pool
 * on the port's NUMA socket, one pool per socket.
 *
 * Receive timestamps (cfg.hw_timestamps): a port gives them when it offers
 * RTE_ETH_RX_OFFLOAD_TIMESTAMP and can read its device clock (the offload
 * is enabled, and the clock is mapped to Unix time from samples of
 * rte_eth_read_clock() against CLOCK_REALTIME, taken at start and every
 * second), or when it is net_pcap reading a file or an interface: DPDK
 * 22.11's net_pcap offers no offload and no clock, but stamps every packet
 * it reads with the pcap record's own time in microseconds since the epoch
 * (not when it replays with infinite_rx=1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_lcore.h>
#include <rte_mbuf_dyn.h>

#include "dp_internal.h"

/* Transmit descriptors of the unused tx queue. */
#define PORT_TX_DESC 64
/* Time between the two samples that calibrate a device clock at start
 * (microseconds). */
#define PORT_CLOCK_CALIBRATE_US 100000
/* How often the control thread re-anchors device clocks (seconds). */
#define PORT_CLOCK_TICK_S 1

/* Per port (by DPDK port id), control thread only: the first sample of its
 * device clock (clock, Unix ns), the base of every later rate estimate. */
static uint64_t port_clock_first[RTE_MAX_ETHPORTS][2];
/* When device clocks were last re-anchored (TSC). */
static uint64_t port_clock_last_tick;

/* Returns the current Unix time in nanoseconds. */
static uint64_t port_unix_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reads the device clock of `port` and the Unix time at the same moment
 * (the middle of two wall-clock readings around it).  Returns 0 or the
 * negative errno of rte_eth_read_clock(). */
static int port_clock_sample(uint16_t port, uint64_t *clock, uint64_t *ns)
{
    uint64_t before = port_unix_ns();
    int rc = rte_eth_read_clock(port, clock);
    uint64_t after = port_unix_ns();
    *ns = before + (after - before) / 2;
    return rc;
}

/* Tells whether net_pcap port `info` replays its file with infinite_rx=1
 * (then it stamps no packet). */
static bool port_pcap_infinite(const struct rte_eth_dev_info *info)
{
    const struct rte_devargs *da = rte_dev_devargs(info->device);
    if (da == NULL || da->args == NULL)
        return false;
    struct rte_kvargs *kv = rte_kvargs_parse(da->args, NULL);
    if (kv == NULL)
        return false;
    const char *v = rte_kvargs_get(kv, "infinite_rx");
    bool infinite = v != NULL && atoi(v) > 0;
    rte_kvargs_free(kv);
    return infinite;
}

/* Decides how port `port` (with `info`) stamps its packets under
 * cfg.hw_timestamps.  Returns the clock, or -EINVAL with `err` when
 * hw_timestamps is ON and the port gives no timestamps. */
static int port_clock_choose(uint16_t port, const struct rte_eth_dev_info *info, char *err,
                             unsigned err_size)
{
    if (dp.cfg.hw_timestamps == PCAPD_HW_TIMESTAMPS_OFF)
        return DP_PORT_CLOCK_NONE;
    if ((info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) != 0)
        return DP_PORT_CLOCK_DEVICE;
    bool pcap = strcmp(info->driver_name, "net_pcap") == 0;
    if (pcap && !port_pcap_infinite(info))
        return DP_PORT_CLOCK_EPOCH_US;
    if (dp.cfg.hw_timestamps == PCAPD_HW_TIMESTAMPS_AUTO)
        return DP_PORT_CLOCK_NONE;
    if (pcap)
        snprintf(err, err_size,
                 "hw_timestamps is on, but port %u (net_pcap) replays with infinite_rx=1, "
                 "which stamps no packet (set hw_timestamps to auto or off)",
                 port);
    else
        snprintf(err, err_size,
                 "hw_timestamps is on, but port %u (%s) gives no receive timestamps: it does "
                 "not offer RTE_ETH_RX_OFFLOAD_TIMESTAMP (set hw_timestamps to auto or off)",
                 port, info->driver_name);
    return -EINVAL;
}

/* Registers the mbuf timestamp field and flag (the PMDs that stamp
 * register the same ones; registering again returns them). */
static int port_timestamps_register(char *err, unsigned err_size)
{
    if (dp.ts_dynflag != 0)
        return 0;
    int rc = rte_mbuf_dyn_rx_timestamp_register(&dp.ts_dynfield_offset, &dp.ts_dynflag);
    if (rc != 0) {
        snprintf(err, err_size, "cannot register the mbuf timestamp field: %s",
                 rte_strerror(rte_errno));
        return -rte_errno;
    }
    return 0;
}

/* Returns the receive mbuf pool of NUMA socket `socket`, creating it the
 * first time (cfg.n_mbufs mbufs), or NULL with `err`. */
static struct rte_mempool *port_pool(int socket, char *err, unsigned err_size)
{
    if (dp.pools[socket] != NULL)
        return dp.pools[socket];
    char name[RTE_MEMPOOL_NAMESIZE];
    snprintf(name, sizeof(name), "pcapd_mbufs_%d", socket);
    dp.pools[socket] =
        rte_pktmbuf_pool_create(name, dp.cfg.n_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (dp.pools[socket] == NULL)
        snprintf(err, err_size, "cannot create a pool of %u mbufs on socket %d: %s", dp.cfg.n_mbufs,
                 socket, rte_strerror(rte_errno));
    return dp.pools[socket];
}

/* Builds the port configuration for `n_rxq` queues on a port with `info`. */
static struct rte_eth_conf port_conf_for(const struct rte_eth_dev_info *info, uint16_t n_rxq)
{
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    if (n_rxq > 1 && info->flow_type_rss_offloads != 0) {
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_hf =
            (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info->flow_type_rss_offloads;
    }
    return conf;
}

/* Configures and starts one port with up to `want_rxq` rx queues and the
 * receive timestamps hw_timestamps asks for (recorded in
 * dp.port_clock_kind).  Returns the number of rx queues, or a negative
 * errno. */
static int port_start_one(uint16_t port, uint16_t want_rxq, char *err, unsigned err_size)
{
    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc != 0) {
        snprintf(err, err_size, "port %u: cannot read device info: %s", port, rte_strerror(-rc));
        return rc;
    }
    int clock = port_clock_choose(port, &info, err, err_size);
    if (clock < 0)
        return clock;
    if (clock != DP_PORT_CLOCK_NONE && (rc = port_timestamps_register(err, err_size)) != 0)
        return rc;
    uint16_t n_rxq = RTE_MIN(want_rxq, info.max_rx_queues);
    uint16_t n_txq = info.max_tx_queues > 0 ? 1 : 0;
    struct rte_eth_conf conf = port_conf_for(&info, n_rxq);
    if (clock == DP_PORT_CLOCK_DEVICE)
        conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
    rc = rte_eth_dev_configure(port, n_rxq, n_txq, &conf);
    if (rc != 0) {
        snprintf(err, err_size, "port %u (%s): configure failed: %s", port, info.driver_name,
                 rte_strerror(-rc));
        return rc;
    }
    uint16_t rxd = (uint16_t)dp.cfg.rx_desc, txd = PORT_TX_DESC;
    rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
    /* The mbufs come from the port's socket (a NIC writes them there), or,
     * for a virtual device, from the first rx lcore's. */
    int socket = rte_eth_dev_socket_id(port);
    if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
        socket = (int)rte_lcore_to_socket_id(dp.rx[0].lcore_id);
    struct rte_mempool *pool = port_pool(socket, err, err_size);
    if (pool == NULL)
        return -ENOMEM;
    for (uint16_t q = 0; q < n_rxq; q++) {
        rc = rte_eth_rx_queue_setup(port, q, rxd, socket, NULL, pool);
        if (rc != 0) {
            snprintf(err, err_size, "port %u: rx queue %u setup failed: %s", port, q,
                     rte_strerror(-rc));
            return rc;
        }
    }
    if (n_txq > 0 && (rc = rte_eth_tx_queue_setup(port, 0, txd, socket, NULL)) != 0) {
        snprintf(err, err_size, "port %u: tx queue setup failed: %s", port, rte_strerror(-rc));
        return rc;
    }
    if ((rc = rte_eth_dev_start(port)) != 0) {
        snprintf(err, err_size, "port %u (%s): start failed: %s", port, info.driver_name,
                 rte_strerror(-rc));
        return rc;
    }
    /* Not every PMD has a promiscuous mode (net_pcap on a file has no MAC
     * filter at all), so failing to set it is not an error. */
    rte_eth_promiscuous_enable(port);
    if (clock == DP_PORT_CLOCK_DEVICE) {
        uint64_t c, ns;
        if ((rc = port_clock_sample(port, &c, &ns)) != 0) {
            if (dp.cfg.hw_timestamps == PCAPD_HW_TIMESTAMPS_ON) {
                snprintf(err, err_size,
                         "hw_timestamps is on, but port %u (%s) cannot read its device clock "
                         "(rte_eth_read_clock: %s) to convert its timestamps (set "
                         "hw_timestamps to auto or off)",
                         port, info.driver_name, rte_strerror(-rc));
                return rc;
            }
            clock = DP_PORT_CLOCK_NONE; /* auto: its stamps cannot be converted */
        } else {
            port_clock_first[port][0] = c;
            port_clock_first[port][1] = ns;
        }
    }
    dp.port_clock_kind[port] = (enum dp_port_clock)clock;
    if (clock == DP_PORT_CLOCK_EPOCH_US)
        dp.port_clock[port] = ts_clock_epoch(1000000);
    return n_rxq;
}

/* Calibrates the device clocks sampled by port_start_one(): a second
 * sample PORT_CLOCK_CALIBRATE_US later gives each its rate.  Returns 0, or
 * a negative errno with `err`. */
static int port_clocks_calibrate(char *err, unsigned err_size)
{
    if (dp.n_device_clocks == 0)
        return 0;
    rte_delay_us_sleep(PORT_CLOCK_CALIBRATE_US);
    for (unsigned i = 0; i < dp.n_ports; i++) {
        uint16_t port = dp.port_ids[i];
        uint64_t c, ns;
        if (dp.port_clock_kind[port] != DP_PORT_CLOCK_DEVICE)
            continue;
        int rc = port_clock_sample(port, &c, &ns);
        if (rc == 0 && ts_clock_calibrate(&dp.port_clock[port], port_clock_first[port][0],
                                          port_clock_first[port][1], c, ns) == 0)
            continue;
        snprintf(err, err_size,
                 "port %u: its device clock does not advance (rte_eth_read_clock: %s), so its "
                 "timestamps cannot be converted (set hw_timestamps to off)",
                 port, rte_strerror(rc != 0 ? -rc : EINVAL));
        return rc != 0 ? rc : -EINVAL;
    }
    port_clock_last_tick = rte_rdtsc();
    return 0;
}

void dp_ports_clock_tick(void)
{
    if (dp.n_device_clocks == 0 ||
        rte_rdtsc() - port_clock_last_tick < PORT_CLOCK_TICK_S * dp.tsc_hz)
        return;
    port_clock_last_tick = rte_rdtsc();
    struct ts_clock_map next[RTE_MAX_ETHPORTS];
    memcpy(next, dp.port_clock, sizeof(next));
    for (unsigned i = 0; i < dp.n_ports; i++) {
        uint16_t port = dp.port_ids[i];
        uint64_t c, ns;
        if (dp.port_clock_kind[port] != DP_PORT_CLOCK_DEVICE)
            continue;
        /* The rate over everything since the first sample, the anchor now:
         * a conversion is never further than a second from its anchor.  A
         * failed sample keeps the previous map. */
        if (port_clock_sample(port, &c, &ns) == 0)
            ts_clock_calibrate(&next[port], port_clock_first[port][0], port_clock_first[port][1], c,
                               ns);
    }
    rte_seqcount_write_begin(&dp.port_clock_sn);
    memcpy(dp.port_clock, next, sizeof(next));
    rte_seqcount_write_end(&dp.port_clock_sn);
}

/* Gives queue (port, queue) to the next rx lcore in turn; `stamps` tells
 * whether the port stamps its packets. */
static int port_assign_queue(uint16_t port, uint16_t queue, bool stamps, unsigned *next, char *err,
                             unsigned err_size)
{
    for (unsigned tries = 0; tries < dp.n_rx; tries++) {
        struct rx_lcore *rx = &dp.rx[*next];
        *next = (*next + 1) % dp.n_rx;
        if (rx->n_queues < DP_MAX_QUEUES_PER_LCORE) {
            rx->queues[rx->n_queues++] =
                (struct rx_queue_ref){.port_id = port, .queue_id = queue, .port_stamps = stamps};
            return 0;
        }
    }
    snprintf(err, err_size, "more than %u queues per rx lcore", DP_MAX_QUEUES_PER_LCORE);
    return -E2BIG;
}

int dp_ports_start(char *err, unsigned err_size)
{
    uint16_t port;
    unsigned next = 0;
    dp.n_ports = 0;
    RTE_ETH_FOREACH_DEV(port)
    {
        if (dp.n_ports == PCAPD_MAX_PORTS) {
            snprintf(err, err_size, "more than %u ports", PCAPD_MAX_PORTS);
            return -E2BIG;
        }
        int n_rxq = port_start_one(port, (uint16_t)dp.n_rx, err, err_size);
        if (n_rxq < 0)
            return n_rxq;
        dp.port_ids[dp.n_ports++] = port;
        enum dp_port_clock clock = dp.port_clock_kind[port];
        dp.n_stamping_ports += clock != DP_PORT_CLOCK_NONE;
        dp.n_device_clocks += clock == DP_PORT_CLOCK_DEVICE;
        for (uint16_t q = 0; q < n_rxq; q++) {
            int rc = port_assign_queue(port, q, clock != DP_PORT_CLOCK_NONE, &next, err, err_size);
            if (rc != 0)
                return rc;
        }
    }
    if (dp.n_ports == 0) {
        snprintf(err, err_size, "no ports: give at least one `port` in the configuration");
        return -ENODEV;
    }
    return port_clocks_calibrate(err, err_size);
}

void dp_ports_stop(void)
{
    for (unsigned i = 0; i < dp.n_ports; i++) {
        rte_eth_dev_stop(dp.port_ids[i]);
        rte_eth_dev_close(dp.port_ids[i]);
    }
    dp.n_ports = 0;
}
