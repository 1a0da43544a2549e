/*
 * Formatting of pcap file and record headers (nanosecond variant).
 */
#include "pcap_format.h"

#include <string.h>

/* The pcap file header, as laid out on disk. */
struct pcap_file_header_disk {
    uint32_t magic;
    uint16_t version_major;
    uint16_t version_minor;
    int32_t thiszone;
    uint32_t sigfigs;
    uint32_t snaplen;
    uint32_t linktype;
};

/* A pcap record header, as laid out on disk. */
struct pcap_record_header_disk {
    uint32_t ts_sec;
    uint32_t ts_nsec;
    uint32_t cap_len;
    uint32_t wire_len;
};

_Static_assert(sizeof(struct pcap_file_header_disk) == PCAP_FILE_HEADER_LEN, "file header size");
_Static_assert(sizeof(struct pcap_record_header_disk) == PCAP_RECORD_HEADER_LEN, "record size");

size_t pcap_format_file_header(uint8_t *out, uint32_t snaplen, uint32_t linktype)
{
    struct pcap_file_header_disk h = {
        .magic = PCAP_MAGIC_NSEC,
        .version_major = 2,
        .version_minor = 4,
        .thiszone = 0,
        .sigfigs = 0,
        .snaplen = snaplen,
        .linktype = linktype,
    };
    memcpy(out, &h, sizeof(h));
    return sizeof(h);
}

size_t pcap_format_record_header(uint8_t *out, uint64_t ts_ns, uint32_t wire_len, uint32_t cap_len)
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

size_t pcap_format_record(uint8_t *out, uint64_t ts_ns, uint32_t wire_len, const uint8_t *data,
                          uint32_t cap_len)
{
    size_t n = pcap_format_record_header(out, ts_ns, wire_len, cap_len);
    memcpy(out + n, data, cap_len);
    return n + cap_len;
}
