/*
 * Formatting of pcap file and record headers (nanosecond variant).
 */
#include "pcapd/pcap_format.h"

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

_Static_assert(sizeof(struct pcap_file_header_disk) == PCAP_FILE_HEADER_LEN, "file header size");

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
