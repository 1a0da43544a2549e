/*
 * The capture record: what an rx lcore hands to a writer lcore over an
 * rte_ring for every sampled packet of every job it matched.  Records are
 * stored by value in the ring (rte_ring_*_elem), so no mempool is involved.
 */
#ifndef PCAPD_CAPTURE_RECORD_H
#define PCAPD_CAPTURE_RECORD_H

#include <stdint.h>

/* Bytes of each packet a `simple` capture keeps, as the reference service. */
#define PCAPD_SIMPLE_SNAPLEN 160

/* The clock a record's receive time is in. */
enum pcapd_rx_clock {
    /* The TSC, read when the burst holding the packet was received. */
    PCAPD_RX_CLOCK_TSC = 0,
    /* The receive timestamp the port put in the packet's mbuf, in the
     * port's own clock (the writer knows each port's clock). */
    PCAPD_RX_CLOCK_PORT = 1,
};

/* One sampled packet head, destined to one job. */
struct pcapd_record {
    /* Job table slot the record belongs to. */
    uint32_t job_slot;
    /* Generation of that slot when the packet matched; the writer drops
     * records whose generation is not the slot's current one. */
    uint32_t job_gen;
    /* When the packet was received, in the clock `rx_clock` names. */
    uint64_t rx_time;
    /* Length of the packet on the wire, in bytes. */
    uint32_t wire_len;
    /* Bytes of `data` that are valid: min(wire_len, PCAPD_SIMPLE_SNAPLEN). */
    uint8_t cap_len;
    /* The clock of `rx_time`: an enum pcapd_rx_clock. */
    uint8_t rx_clock;
    /* DPDK port the packet arrived on. */
    uint16_t port_id;
    /* The first cap_len bytes of the packet. */
    uint8_t data[PCAPD_SIMPLE_SNAPLEN];
};

/* rte_ring element sizes must be a multiple of 4 bytes; keep 8 for alignment. */
_Static_assert(sizeof(struct pcapd_record) % 8 == 0, "record size must be a multiple of 8");
/* cap_len is one byte. */
_Static_assert(PCAPD_SIMPLE_SNAPLEN <= UINT8_MAX, "a simple record's length must fit cap_len");

#endif /* PCAPD_CAPTURE_RECORD_H */
