/* Owns reading capture files: it recognises pcap and pcapng, walks their
 * records through one refillable buffer and hands out packets with
 * nanosecond timestamps and their interface's link type.  Every length read
 * from the file is checked before use, so a corrupt file yields an error. */
#include "capture_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Size of the read buffer; records larger than this grow it. */
#define READ_CHUNK (4u << 20)
/* Largest record (pcap packet or pcapng block) accepted before calling the file corrupt. */
#define MAX_RECORD (64u << 20)
/* Pages of a mapped file already read are dropped every this many bytes, so
 * that the resident memory does not grow with the file. */
#define MAP_RELEASE_STEP (8u << 20)
/* How far ahead of the packet being read a mapped file's bytes are prefetched. */
#define PREFETCH_AHEAD 4096
/* Largest number of interfaces a pcapng section may declare. */
#define MAX_INTERFACES 4096

/* What a pcapng Interface Description Block told about one interface. */
struct pcapng_iface {
    uint32_t linktype; /* Link type of the interface's packets. */
    bool binary_res;   /* True when the resolution is 2^-res, false for 10^-res. */
    uint8_t res;       /* Resolution exponent (if_tsresol), 6 by default. */
    int64_t offset_s;  /* Seconds added to every timestamp (if_tsoffset). */
};

/* The state of one open capture. */
struct capture_reader {
    int fd;                      /* File descriptor, or -1 for an in-memory capture. */
    uint8_t *buf;                /* Read buffer (or the caller's memory). */
    size_t cap;                  /* Allocated size of buf (0 for memory). */
    bool owns_buf;               /* True when buf was allocated here (read() captures). */
    uint8_t *map;                /* The file mapped read-only, or NULL when read() is used. */
    size_t released;             /* Bytes at the start of map whose pages were dropped. */
    size_t start;                /* Offset in buf of the first unconsumed byte. */
    size_t end;                  /* Offset in buf just past the last valid byte. */
    bool eof;                    /* True once read() reported the end of the file. */
    uint64_t consumed;           /* File offset of buf[start], for error messages. */
    uint64_t file_size;          /* Size of the file in bytes. */
    enum capture_format format;  /* pcap or pcapng. */
    bool swap;                   /* True when the file's byte order is not ours. */
    uint32_t pcap_linktype;      /* Link type of a classic pcap file. */
    bool pcap_nano;              /* True when a classic pcap file has ns timestamps. */
    struct pcapng_iface *ifaces; /* Interfaces of the current pcapng section. */
    uint32_t n_ifaces;           /* Number of entries used in ifaces. */
    uint32_t ifaces_cap;         /* Number of entries allocated in ifaces. */
};

/* Reads a 16-bit value in the file's byte order. */
static uint16_t rd16(const struct capture_reader *r, const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return r->swap ? __builtin_bswap16(v) : v;
}

/* Reads a 32-bit value in the file's byte order. */
static uint32_t rd32(const struct capture_reader *r, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return r->swap ? __builtin_bswap32(v) : v;
}

/* Makes at least n unconsumed bytes available if the file has them; returns
 * the number available (less than n only at the end of the file), or -1 on a
 * read error with a message in err. */
static ssize_t reader_fill(struct capture_reader *r, size_t n, char *err, size_t errlen)
{
    if (r->end - r->start >= n || r->fd < 0 || r->eof)
        return (ssize_t)(r->end - r->start);
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (n > r->cap) {
        uint8_t *nb = realloc(r->buf, n + READ_CHUNK);
        if (!nb) {
            snprintf(err, errlen, "out of memory for a %zu-byte record", n);
            return -1;
        }
        r->buf = nb;
        r->cap = n + READ_CHUNK;
    }
    while (r->end < n && !r->eof) {
        ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, errlen, "read error: %s", strerror(errno));
            return -1;
        }
        if (got == 0)
            r->eof = true;
        r->end += (size_t)got;
    }
    return (ssize_t)(r->end - r->start);
}

/* Maps in one call the pages of the step of a mapped file starting at off,
 * ahead of the reads, instead of one page fault per few pages (Linux 5.14's
 * MADV_POPULATE_READ; a kernel without it ignores the request). */
static void reader_populate(struct capture_reader *r, size_t off)
{
#ifdef MADV_POPULATE_READ
    if (off < r->end) {
        size_t len = r->end - off < MAP_RELEASE_STEP ? r->end - off : MAP_RELEASE_STEP;
        madvise(r->map + off, len, MADV_POPULATE_READ);
    }
#else
    (void)r;
    (void)off;
#endif
}

/* Marks n available bytes as consumed; for a mapped file, drops the pages
 * read so far every MAP_RELEASE_STEP bytes (they are never read again). */
static void reader_consume(struct capture_reader *r, size_t n)
{
    if (r->map) {
        /* Asks for the lines PREFETCH_AHEAD bytes on: the packets a few
         * frames from now are in the cache when the dissectors read them
         * (the hardware's prefetcher stops at each page's end). */
        size_t to = r->start + n + PREFETCH_AHEAD < r->end ? r->start + n + PREFETCH_AHEAD : r->end;
        for (size_t off = r->start + PREFETCH_AHEAD; off < to; off += 64)
            __builtin_prefetch(r->map + off);
    }
    r->start += n;
    r->consumed += n;
    if (r->map && r->start - r->released >= MAP_RELEASE_STEP) {
        size_t upto = r->start & ~(size_t)(MAP_RELEASE_STEP - 1);
        madvise(r->map + r->released, upto - r->released, MADV_DONTNEED);
        r->released = upto;
        reader_populate(r, upto + MAP_RELEASE_STEP);
    }
}

/* Maps a regular file read-only as the whole buffer; returns false (and
 * leaves read() in charge) when the file cannot be mapped. */
static bool reader_map(struct capture_reader *r)
{
    if (r->file_size == 0 || r->file_size > SIZE_MAX / 2)
        return false;
    void *m = mmap(NULL, (size_t)r->file_size, PROT_READ, MAP_PRIVATE, r->fd, 0);
    if (m == MAP_FAILED)
        return false;
    madvise(m, (size_t)r->file_size, MADV_SEQUENTIAL);
    free(r->buf);
    r->owns_buf = false;
    r->map = m;
    r->buf = m;
    r->cap = 0;
    r->end = (size_t)r->file_size;
    r->eof = true;
    reader_populate(r, 0);
    return true;
}

/* Parses a classic pcap file header at p (24 bytes); returns 0 or -1 if p is no pcap header. */
static int pcap_parse_header(struct capture_reader *r, const uint8_t *p)
{
    uint32_t magic;
    memcpy(&magic, p, 4);
    switch (magic) {
    case 0xa1b2c3d4:
    case 0xa1b23c4d:
        r->swap = false;
        break;
    case 0xd4c3b2a1:
    case 0x4d3cb2a1:
        r->swap = true;
        break;
    default:
        return -1;
    }
    r->format = CAPTURE_FORMAT_PCAP;
    r->pcap_nano = (magic == 0xa1b23c4d || magic == 0x4d3cb2a1);
    r->pcap_linktype = rd32(r, p + 20) & 0xffff;
    return 0;
}

/* Recognises the file format from its first bytes and reads the pcap header. */
static int reader_start(struct capture_reader *r, char *err, size_t errlen)
{
    ssize_t have = reader_fill(r, 24, err, errlen);
    if (have < 0)
        return -1;
    if (have >= 4 && memcmp(r->buf + r->start, "\x0a\x0d\x0d\x0a", 4) == 0) {
        r->format = CAPTURE_FORMAT_PCAPNG;
        return 0;
    }
    if (have < 24) {
        snprintf(err, errlen, "not a capture file: %zd bytes is shorter than a pcap header", have);
        return -1;
    }
    if (pcap_parse_header(r, r->buf + r->start) < 0) {
        snprintf(err, errlen, "not a capture file: unknown magic number (neither pcap nor pcapng)");
        return -1;
    }
    reader_consume(r, 24);
    return 0;
}

/* Allocates an empty reader. */
static struct capture_reader *reader_new(void)
{
    struct capture_reader *r = calloc(1, sizeof(*r));
    if (r)
        r->fd = -1;
    return r;
}

/* Opens the capture file at path. */
int capture_reader_open(const char *path, struct capture_reader **out, char *err, size_t errlen)
{
    struct capture_reader *r = reader_new();
    struct stat st;

    *out = NULL;
    if (!r || !(r->buf = malloc(READ_CHUNK))) {
        free(r);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->cap = READ_CHUNK;
    r->owns_buf = true;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0 || fstat(r->fd, &st) < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        capture_reader_close(r);
        return -1;
    }
    r->file_size = (uint64_t)st.st_size;
    if (!S_ISREG(st.st_mode) || !reader_map(r))
        posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (reader_start(r, err, errlen) < 0) {
        capture_reader_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

/* Opens a capture held in memory. */
int capture_reader_open_mem(const uint8_t *data, size_t len, struct capture_reader **out, char *err,
                            size_t errlen)
{
    struct capture_reader *r = reader_new();

    *out = NULL;
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->buf = (uint8_t *)data;
    r->end = len;
    r->eof = true;
    r->file_size = len;
    if (reader_start(r, err, errlen) < 0) {
        capture_reader_close(r);
        return -1;
    }
    *out = r;
    return 0;
}

/* Reads the next record of a classic pcap file. */
static int pcap_next(struct capture_reader *r, struct capture_frame *f, char *err, size_t errlen)
{
    ssize_t have = reader_fill(r, 16, err, errlen);
    if (have <= 0)
        return (int)have;
    if (have < 16) {
        snprintf(err, errlen, "truncated file: record header at offset %llu has %zd of 16 bytes",
                 (unsigned long long)r->consumed, have);
        return -1;
    }
    const uint8_t *h = r->buf + r->start;
    uint32_t sec = rd32(r, h), frac = rd32(r, h + 4);
    uint32_t caplen = rd32(r, h + 8), wirelen = rd32(r, h + 12);
    if (caplen > MAX_RECORD) {
        snprintf(err, errlen, "corrupt file: record at offset %llu claims %u captured bytes",
                 (unsigned long long)r->consumed, caplen);
        return -1;
    }
    have = reader_fill(r, 16 + (size_t)caplen, err, errlen);
    if (have < 0)
        return -1;
    if ((size_t)have < 16 + (size_t)caplen) {
        snprintf(err, errlen, "truncated file: record at offset %llu needs %u bytes, %zd remain",
                 (unsigned long long)r->consumed, caplen, have - 16);
        return -1;
    }
    f->ts_ns = (int64_t)sec * 1000000000 + (int64_t)frac * (r->pcap_nano ? 1 : 1000);
    f->ts_digits = r->pcap_nano ? 9 : 6;
    f->caplen = caplen;
    f->wirelen = wirelen < caplen ? caplen : wirelen;
    f->linktype = r->pcap_linktype;
    f->data = r->buf + r->start + 16;
    reader_consume(r, 16 + (size_t)caplen);
    return 1;
}

/* Bound on timestamps in nanoseconds, so that differences of two never overflow. */
#define TS_LIMIT ((__int128)1 << 62)

/* Converts a raw pcapng timestamp of an interface to nanoseconds since the
 * epoch, clamped to +-2^62 ns (year 2116) so that corrupt values stay harmless. */
static int64_t pcapng_ts_ns(const struct pcapng_iface *ifc, uint64_t ts)
{
    __int128 ns;
    if (ifc->binary_res) {
        ns = (__int128)(((unsigned __int128)ts * 1000000000u) >> ifc->res);
    } else if (ifc->res <= 9) {
        __int128 mul = 1;
        for (int i = ifc->res; i < 9; i++)
            mul *= 10;
        ns = (__int128)ts * mul;
    } else {
        uint64_t div = 1;
        for (int i = 9; i < ifc->res && i < 28; i++)
            div *= 10;
        ns = (__int128)(ts / div);
    }
    ns += (__int128)ifc->offset_s * 1000000000;
    if (ns > TS_LIMIT)
        ns = TS_LIMIT;
    if (ns < -TS_LIMIT)
        ns = -TS_LIMIT;
    return (int64_t)ns;
}

/* Returns the decimal digits shown for an interface's timestamp resolution. */
static uint32_t pcapng_ts_digits(const struct pcapng_iface *ifc)
{
    if (ifc->binary_res)
        return ifc->res >= 30 ? 9 : (uint32_t)(ifc->res * 3 + 9) / 10;
    return ifc->res > 9 ? 9 : ifc->res;
}

/* Applies one option of an Interface Description Block to ifc. */
static void pcapng_iface_option(struct capture_reader *r, struct pcapng_iface *ifc, uint16_t code,
                                const uint8_t *val, uint16_t len)
{
    if (code == 9 && len >= 1) {
        ifc->binary_res = (val[0] & 0x80) != 0;
        ifc->res = val[0] & 0x7f;
    } else if (code == 14 && len >= 8) {
        uint64_t off;
        memcpy(&off, val, 8);
        int64_t sec = (int64_t)(r->swap ? __builtin_bswap64(off) : off);
        /* Offsets beyond +-2^33 s (272 years) are corrupt; clamp them. */
        ifc->offset_s = sec > (1ll << 33) ? (1ll << 33) : sec < -(1ll << 33) ? -(1ll << 33) : sec;
    }
}

/* Parses an Interface Description Block body of len bytes at b. */
static int pcapng_idb(struct capture_reader *r, const uint8_t *b, size_t len, char *err,
                      size_t errlen)
{
    if (len < 8) {
        snprintf(err, errlen, "corrupt file: interface block at offset %llu is too short",
                 (unsigned long long)r->consumed);
        return -1;
    }
    if (r->n_ifaces >= MAX_INTERFACES) {
        snprintf(err, errlen, "corrupt file: more than %d interfaces", MAX_INTERFACES);
        return -1;
    }
    if (r->n_ifaces == r->ifaces_cap) {
        uint32_t ncap = r->ifaces_cap ? r->ifaces_cap * 2 : 8;
        struct pcapng_iface *n = realloc(r->ifaces, ncap * sizeof(*n));
        if (!n) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        r->ifaces = n;
        r->ifaces_cap = ncap;
    }
    struct pcapng_iface *ifc = &r->ifaces[r->n_ifaces++];
    *ifc = (struct pcapng_iface){.linktype = rd16(r, b), .res = 6};
    for (size_t off = 8; off + 4 <= len;) {
        uint16_t code = rd16(r, b + off), olen = rd16(r, b + off + 2);
        if (code == 0 || off + 4 + olen > len)
            break;
        pcapng_iface_option(r, ifc, code, b + off + 4, olen);
        off += 4 + (((size_t)olen + 3) & ~(size_t)3);
    }
    return 0;
}

/* Parses a Section Header Block: sets the byte order and forgets the interfaces. */
static int pcapng_shb(struct capture_reader *r, const uint8_t *blk, size_t len, char *err,
                      size_t errlen)
{
    uint32_t bom;
    if (len < 28) {
        snprintf(err, errlen, "corrupt file: section header at offset %llu is too short",
                 (unsigned long long)r->consumed);
        return -1;
    }
    memcpy(&bom, blk + 8, 4);
    if (bom != 0x1a2b3c4d && bom != 0x4d3c2b1a) {
        snprintf(err, errlen, "corrupt file: bad pcapng byte-order magic at offset %llu",
                 (unsigned long long)r->consumed);
        return -1;
    }
    r->swap = (bom == 0x4d3c2b1a);
    r->n_ifaces = 0;
    return 0;
}

/* Fills *f from an Enhanced (type 6) or obsolete Packet (type 2) block body. */
static int pcapng_packet(struct capture_reader *r, uint32_t type, const uint8_t *b, size_t len,
                         struct capture_frame *f, char *err, size_t errlen)
{
    if (len < 20) {
        snprintf(err, errlen, "corrupt file: packet block at offset %llu is too short",
                 (unsigned long long)r->consumed);
        return -1;
    }
    uint32_t ifid = type == 6 ? rd32(r, b) : rd16(r, b);
    uint64_t ts = ((uint64_t)rd32(r, b + 4) << 32) | rd32(r, b + 8);
    uint32_t caplen = rd32(r, b + 12), wirelen = rd32(r, b + 16);
    if (ifid >= r->n_ifaces) {
        snprintf(err, errlen, "corrupt file: packet at offset %llu names undeclared interface %u",
                 (unsigned long long)r->consumed, ifid);
        return -1;
    }
    if (caplen > len - 20) {
        snprintf(err, errlen,
                 "corrupt file: packet at offset %llu claims %u bytes in a %zu-byte block",
                 (unsigned long long)r->consumed, caplen, len - 20);
        return -1;
    }
    const struct pcapng_iface *ifc = &r->ifaces[ifid];
    f->ts_ns = pcapng_ts_ns(ifc, ts);
    f->ts_digits = pcapng_ts_digits(ifc);
    f->caplen = caplen;
    f->wirelen = wirelen < caplen ? caplen : wirelen;
    f->linktype = ifc->linktype;
    f->data = b + 20;
    return 1;
}

/* Fills *f from a Simple Packet Block body (interface 0, no timestamp). */
static int pcapng_simple(struct capture_reader *r, const uint8_t *b, size_t len,
                         struct capture_frame *f, char *err, size_t errlen)
{
    if (len < 4 || r->n_ifaces == 0) {
        snprintf(err, errlen, "corrupt file: bad simple packet block at offset %llu",
                 (unsigned long long)r->consumed);
        return -1;
    }
    uint32_t wirelen = rd32(r, b);
    f->ts_ns = 0;
    f->ts_digits = pcapng_ts_digits(&r->ifaces[0]);
    f->caplen = wirelen < len - 4 ? wirelen : (uint32_t)(len - 4);
    f->wirelen = wirelen < f->caplen ? f->caplen : wirelen;
    f->linktype = r->ifaces[0].linktype;
    f->data = b + 4;
    return 1;
}

/* Reads the header of the next pcapng block: returns its type and total
 * length through the pointers, 1 if a block follows, 0 at the end, -1 on error. */
static int pcapng_block_header(struct capture_reader *r, uint32_t *type, uint32_t *total, char *err,
                               size_t errlen)
{
    ssize_t have = reader_fill(r, 12, err, errlen);
    if (have <= 0)
        return (int)have;
    if (have < 12) {
        snprintf(err, errlen, "truncated file: block header at offset %llu has %zd of 12 bytes",
                 (unsigned long long)r->consumed, have);
        return -1;
    }
    const uint8_t *p = r->buf + r->start;
    *type = rd32(r, p);
    if (*type == 0x0a0d0d0a) {
        uint32_t bom;
        memcpy(&bom, p + 8, 4);
        r->swap = (bom == 0x4d3c2b1a);
    }
    *total = rd32(r, p + 4);
    if (*total < 12 || *total % 4 != 0 || *total > MAX_RECORD) {
        snprintf(err, errlen, "corrupt file: block at offset %llu has invalid length %u",
                 (unsigned long long)r->consumed, *total);
        return -1;
    }
    have = reader_fill(r, *total, err, errlen);
    if (have < 0)
        return -1;
    if ((size_t)have < *total) {
        snprintf(err, errlen, "truncated file: block at offset %llu needs %u bytes, %zd remain",
                 (unsigned long long)r->consumed, *total, have);
        return -1;
    }
    return 1;
}

/* Reads pcapng blocks until the next packet. */
static int pcapng_next(struct capture_reader *r, struct capture_frame *f, char *err, size_t errlen)
{
    for (;;) {
        uint32_t type = 0, total = 0;
        int rc = pcapng_block_header(r, &type, &total, err, errlen);
        if (rc <= 0)
            return rc;
        const uint8_t *blk = r->buf + r->start;
        const uint8_t *body = blk + 8;
        size_t blen = total - 12;
        rc = 0;
        if (type == 0x0a0d0d0a)
            rc = pcapng_shb(r, blk, total, err, errlen);
        else if (type == 1)
            rc = pcapng_idb(r, body, blen, err, errlen);
        else if (type == 6 || type == 2)
            rc = pcapng_packet(r, type, body, blen, f, err, errlen);
        else if (type == 3)
            rc = pcapng_simple(r, body, blen, f, err, errlen);
        if (rc < 0)
            return -1;
        reader_consume(r, total);
        if (rc == 1)
            return 1;
    }
}

/* Reads the next packet of the capture. */
int capture_reader_next(struct capture_reader *r, struct capture_frame *f, char *err, size_t errlen)
{
    if (r->format == CAPTURE_FORMAT_PCAPNG)
        return pcapng_next(r, f, err, errlen);
    return pcap_next(r, f, err, errlen);
}

/* Returns the container format of the capture. */
enum capture_format capture_reader_format(const struct capture_reader *r)
{
    return r->format;
}

/* Returns the size in bytes of the capture. */
uint64_t capture_reader_file_size(const struct capture_reader *r)
{
    return r->file_size;
}

/* Closes the capture and frees the reader. */
void capture_reader_close(struct capture_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->map)
        munmap(r->map, (size_t)r->file_size);
    if (r->owns_buf)
        free(r->buf);
    free(r->ifaces);
    free(r);
}
