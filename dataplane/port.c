/*
 * Port setup: every port EAL probed (NIC, net_pcap, net_null, net_af_packet,
 * net_tap...) gets one rx queue per rx lcore, as far as the port allows, with
 * RSS spreading flows over them, and one unused tx queue for PMDs that need
 * one.  Queues are dealt to rx lcores round-robin.
 */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

#include "dp_internal.h"

/* Transmit descriptors of the unused tx queue. */
#define PORT_TX_DESC 64

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

/* Configures and starts one port with up to `want_rxq` rx queues.  Returns
 * the number of rx queues, or a negative errno. */
static int port_start_one(uint16_t port, uint16_t want_rxq, char *err, unsigned err_size)
{
    struct rte_eth_dev_info info;
    int rc = rte_eth_dev_info_get(port, &info);
    if (rc != 0) {
        snprintf(err, err_size, "port %u: cannot read device info: %s", port, rte_strerror(-rc));
        return rc;
    }
    uint16_t n_rxq = RTE_MIN(want_rxq, info.max_rx_queues);
    uint16_t n_txq = info.max_tx_queues > 0 ? 1 : 0;
    struct rte_eth_conf conf = port_conf_for(&info, n_rxq);
    rc = rte_eth_dev_configure(port, n_rxq, n_txq, &conf);
    if (rc != 0) {
        snprintf(err, err_size, "port %u (%s): configure failed: %s", port, info.driver_name,
                 rte_strerror(-rc));
        return rc;
    }
    uint16_t rxd = (uint16_t)dp.cfg.rx_desc, txd = PORT_TX_DESC;
    rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
    int socket = rte_eth_dev_socket_id(port);
    for (uint16_t q = 0; q < n_rxq; q++) {
        rc = rte_eth_rx_queue_setup(port, q, rxd, socket, NULL, dp.pool);
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
    return n_rxq;
}

/* Gives queue (port, queue) to the next rx lcore in turn. */
static int port_assign_queue(uint16_t port, uint16_t queue, unsigned *next, char *err,
                             unsigned err_size)
{
    for (unsigned tries = 0; tries < dp.n_rx; tries++) {
        struct rx_lcore *rx = &dp.rx[*next];
        *next = (*next + 1) % dp.n_rx;
        if (rx->n_queues < DP_MAX_QUEUES_PER_LCORE) {
            rx->queues[rx->n_queues++] = (struct rx_queue_ref){port, queue};
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
        for (uint16_t q = 0; q < n_rxq; q++) {
            int rc = port_assign_queue(port, q, &next, err, err_size);
            if (rc != 0)
                return rc;
        }
    }
    if (dp.n_ports == 0) {
        snprintf(err, err_size, "no ports: give at least one `port` in the configuration");
        return -ENODEV;
    }
    return 0;
}

void dp_ports_stop(void)
{
    for (unsigned i = 0; i < dp.n_ports; i++) {
        rte_eth_dev_stop(dp.port_ids[i]);
        rte_eth_dev_close(dp.port_ids[i]);
    }
    dp.n_ports = 0;
}
