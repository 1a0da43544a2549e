/*
 * The pcap file format as pcapd writes it: the nanosecond-resolution variant
 * (magic 0xa1b23c4d) in host byte order, formatted into caller buffers so
 * the writer can batch many records into one write().
 */
#ifndef PCAPD_PCAP_FORMAT_H
#define PCAPD_PCAP_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Magic number of a pcap file with nanosecond timestamps. */
#define PCAP_MAGIC_NSEC 0xa1b23c4du
/* LINKTYPE_ETHERNET. */
#define PCAP_LINKTYPE_ETHERNET 1u
/* Size of the pcap file header. */
#define PCAP_FILE_HEADER_LEN 24u
/* Size of each record header. */
#define PCAP_RECORD_HEADER_LEN 16u

/* Writes the 24-byte file header for `snaplen` and `linktype` to `out`.
 * Returns PCAP_FILE_HEADER_LEN. */
size_t pcap_format_file_header(uint8_t *out, uint32_t snaplen, uint32_t linktype);

/* A record header as it is on disk. */
struct pcap_record_header_disk {
    /* Seconds since the Unix epoch. */
    uint32_t ts_sec;
    /* Nanoseconds within the second. */
    uint32_t ts_nsec;
    /* Bytes of the packet in the file. */
    uint32_t cap_len;
    /* Bytes of the packet on the wire. */
    uint32_t wire_len;
};

_Static_assert(sizeof(struct pcap_record_header_disk) == PCAP_RECORD_HEADER_LEN, "record size");

/* Writes the 16-byte header of a record of `cap_len` bytes, stamped `ts_ns`
 * nanoseconds after the Unix epoch, for a packet of `wire_len` bytes.
 * Returns PCAP_RECORD_HEADER_LEN.  Inline: the writer calls it per record. */
static inline size_t pcap_format_record_header(uint8_t *out, uint64_t ts_ns, uint32_t wire_len,
                                               uint32_t cap_len)
{
    struct pcap_record_header_disk h = {
        .ts_sec = (uint32_t)(ts_ns / 1000000000u),
        .ts_nsec = (uint32_t)(ts_ns % 1000000000u),
        .cap_len = cap_len,
        .wire_len = wire_len,
    };
    memcpy(out, &h, sizeof(h));
    return sizeof(h);
}

/* Writes a record header and `cap_len` bytes of `data` to `out`, stamped
 * `ts_ns` nanoseconds after the Unix epoch, for a packet of `wire_len` bytes.
 * Returns the bytes written: PCAP_RECORD_HEADER_LEN + cap_len. */
static inline size_t pcap_format_record(uint8_t *out, uint64_t ts_ns, uint32_t wire_len,
                                        const uint8_t *data, uint32_t cap_len)
{
    size_t n = pcap_format_record_header(out, ts_ns, wire_len, cap_len);
    memcpy(out + n, data, cap_len);
    return n + cap_len;
}

#endif /* PCAPD_PCAP_FORMAT_H */
