/*
 * Recovery of a capture file a crashed daemon left behind: the file is cut
 * back to its last complete pcap record, so what was written before the
 * crash is a valid pcap file that any reader opens.
 */
#ifndef PCAPD_PCAP_REPAIR_H
#define PCAPD_PCAP_REPAIR_H

#include <stdint.h>

/* What pcap_repair() found and kept. */
struct pcap_repair_result {
    /* Complete records the file holds now. */
    uint64_t records;
    /* Size of the file now, in bytes. */
    uint64_t size;
    /* Bytes cut from its end (a record the crash interrupted). */
    uint64_t cut;
};

/* Repairs the pcap file at `path` in place: a file too short to hold a
 * pcap file header gets a fresh one (nanosecond, Ethernet, `snaplen`), and
 * a last record that was not completely written is cut off.  The file is
 * synced.  Returns 0, or -1 with errno set (a file that is not pcap gives
 * EINVAL and is left as it is). */
int pcap_repair(const char *path, uint32_t snaplen, struct pcap_repair_result *result);

#endif /* PCAPD_PCAP_REPAIR_H */
