/* Streaming reader of capture files: classic pcap (microsecond and
 * nanosecond, either byte order) and pcapng (several sections and
 * interfaces, any timestamp resolution).  It reads a file once, front to
 * back, through a fixed buffer, so its memory does not grow with the file. */
#ifndef PCAPD_ANALYSIS_CAPTURE_READER_H
#define PCAPD_ANALYSIS_CAPTURE_READER_H

#include <stddef.h>
#include <stdint.h>

/* Link-layer types (LINKTYPE_* of the tcpdump registry) the engine dissects. */
enum capture_linktype {
    LINKTYPE_NULL = 0,         /* BSD loopback: 4-byte host-order address family. */
    LINKTYPE_ETHERNET = 1,     /* Ethernet II / 802.3. */
    LINKTYPE_PPP = 9,          /* PPP, with or without HDLC-like framing. */
    LINKTYPE_PPP_HDLC = 50,    /* PPP in HDLC-like framing. */
    LINKTYPE_RAW = 101,        /* Raw IPv4 or IPv6, no link header. */
    LINKTYPE_LINUX_SLL = 113,  /* Linux cooked capture v1. */
    LINKTYPE_NFLOG = 239,      /* Linux netfilter NFLOG messages. */
    LINKTYPE_IPV4 = 228,       /* Raw IPv4. */
    LINKTYPE_IPV6 = 229,       /* Raw IPv6. */
    LINKTYPE_LINUX_SLL2 = 276, /* Linux cooked capture v2. */
};

/* The container format of an open capture. */
enum capture_format {
    CAPTURE_FORMAT_PCAP = 0,   /* Classic libpcap file. */
    CAPTURE_FORMAT_PCAPNG = 1, /* pcapng file. */
};

/* One packet record, valid until the next call to capture_reader_next(). */
struct capture_frame {
    int64_t ts_ns;       /* Capture time in nanoseconds since the Unix epoch. */
    uint32_t caplen;     /* Number of bytes captured and present in data. */
    uint32_t wirelen;    /* Length of the packet on the wire. */
    uint32_t linktype;   /* Link-layer type of the packet's interface. */
    uint32_t ts_digits;  /* Decimal digits of the interface's timestamp resolution. */
    const uint8_t *data; /* The captured bytes. */
};

/* An open capture; opaque to its users. */
struct capture_reader;

/* Opens the capture file at path.  Returns 0, or -1 with a message in err. */
int capture_reader_open(const char *path, struct capture_reader **out, char *err, size_t errlen);

/* Opens a capture held in memory (len bytes at data, which must outlive the reader). */
int capture_reader_open_mem(const uint8_t *data, size_t len, struct capture_reader **out, char *err,
                            size_t errlen);

/* Reads the next packet into *f.  Returns 1 for a packet, 0 at the clean end
 * of the file, -1 with a message in err for a truncated or corrupt file. */
int capture_reader_next(struct capture_reader *r, struct capture_frame *f, char *err,
                        size_t errlen);

/* Returns the container format of the capture. */
enum capture_format capture_reader_format(const struct capture_reader *r);

/* Returns the size in bytes of the capture file (or memory buffer). */
uint64_t capture_reader_file_size(const struct capture_reader *r);

/* Closes the capture and frees the reader; accepts NULL. */
void capture_reader_close(struct capture_reader *r);

#endif
