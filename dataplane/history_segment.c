/*
 * History segment files: their names, the records in them, the walk that
 * checks a segment record by record (to rebuild the index of one a crash
 * tore), the writing of a sealed segment's index beside it, and the
 * read-only mapping queries read a sealed segment through.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "history_internal.h"

/* Longest original length a record may claim (a 256 KiB frame: larger is
 * a torn or foreign record). */
#define HIST_WIRE_LEN_MAX (256u << 10)
/* Bytes read at a time by a walk. */
#define HIST_SCAN_CHUNK (1u << 20)

void hist_segment_name(char *name, const char *stream, uint64_t first_ts)
{
    snprintf(name, HIST_NAME_SIZE, "%s-%020" PRIu64 ".pcap", stream, first_ts);
}

bool hist_segment_name_ok(const char *name, size_t *base_len)
{
    size_t i = 0;
    while (name[i] >= 'a' && name[i] <= 'z')
        i++;
    if (i == 0 || i > 7 || name[i] != '-')
        return false;
    size_t digits = ++i;
    while (name[i] >= '0' && name[i] <= '9')
        i++;
    if (i - digits != 20 || strcmp(name + i, ".pcap") != 0)
        return false;
    *base_len = i;
    return true;
}

void hist_segment_index_name(char *out, const char *name)
{
    size_t base = strlen(name) - strlen(".pcap");
    snprintf(out, HIST_NAME_SIZE, "%.*s.idx", (int)base, name);
}

int hist_record_decode(const uint8_t *p, uint64_t avail, struct hist_record *r)
{
    struct pcap_record_header_disk h;
    if (avail < sizeof(h))
        return 0;
    memcpy(&h, p, sizeof(h));
    if (h.cap_len == 0 || h.cap_len > HIST_SNAPLEN || h.wire_len < h.cap_len ||
        h.wire_len > HIST_WIRE_LEN_MAX || h.ts_nsec >= 1000000000u)
        return -1;
    if (avail < sizeof(h) + h.cap_len)
        return 0;
    r->ts_ns = (uint64_t)h.ts_sec * 1000000000u + h.ts_nsec;
    r->wire_len = h.wire_len;
    r->cap_len = h.cap_len;
    r->raw = p;
    return (int)(sizeof(h) + h.cap_len);
}

/* Checks a segment's pcap file header. */
static bool hist_file_header_ok(const uint8_t *p)
{
    uint8_t want[PCAP_FILE_HEADER_LEN];
    pcap_format_file_header(want, HIST_SNAPLEN, PCAP_LINKTYPE_ETHERNET);
    return memcmp(p, want, sizeof(want)) == 0;
}

/* Reads up to `len` bytes at `offset` of `fd` into `buf`.  Returns the
 * bytes read, or a negative errno. */
static int64_t hist_pread(int fd, uint8_t *buf, size_t len, uint64_t offset)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (int64_t)got;
}

/* Walks the records of `buf` (`len` bytes at file offset `base`) into
 * `ix`, from `*at`.  Returns false at the first bad record (or one going
 * back in time); *at is then the end of the last good one. */
static bool hist_scan_chunk(const uint8_t *buf, uint64_t len, uint64_t base, uint64_t *at,
                            struct hist_index *ix)
{
    for (;;) {
        struct hist_record r;
        uint64_t off = *at - base;
        int n = hist_record_decode(buf + off, len - off, &r);
        if (n == 0)
            return true;
        if (n < 0 || (ix->records > 0 && r.ts_ns < ix->last_ts) ||
            !hist_index_add(ix, r.ts_ns, *at, r.raw + PCAP_RECORD_HEADER_LEN, r.cap_len))
            return false;
        *at += (uint64_t)n;
    }
}

int64_t hist_segment_scan(int fd, uint64_t size, struct hist_index *ix)
{
    uint8_t *buf = malloc(HIST_SCAN_CHUNK);
    if (buf == NULL)
        return -ENOMEM;
    hist_index_reset(ix);
    int64_t rc = hist_pread(fd, buf, PCAP_FILE_HEADER_LEN, 0);
    if (rc != PCAP_FILE_HEADER_LEN || !hist_file_header_ok(buf)) {
        free(buf);
        return rc < 0 ? rc : -EINVAL;
    }
    uint64_t at = PCAP_FILE_HEADER_LEN;
    for (;;) {
        uint64_t want = size - at < HIST_SCAN_CHUNK ? size - at : HIST_SCAN_CHUNK;
        rc = want == 0 ? 0 : hist_pread(fd, buf, want, at);
        if (rc <= 0)
            break;
        uint64_t before = at;
        if (!hist_scan_chunk(buf, (uint64_t)rc, before, &at, ix) || at == before)
            break;
    }
    free(buf);
    return rc < 0 ? rc : (int64_t)at;
}

int hist_segment_write_index(int dir_fd, const char *name, const struct hist_index *ix)
{
    char idx[HIST_NAME_SIZE], tmp[HIST_NAME_SIZE + 8];
    hist_segment_index_name(idx, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", idx);
    int fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int rc = hist_index_write(ix, fd);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    close(fd);
    if (rc == 0 && renameat(dir_fd, tmp, dir_fd, idx) != 0)
        rc = -errno;
    if (rc != 0)
        unlinkat(dir_fd, tmp, 0);
    return rc;
}

struct hist_map *hist_map_open(int fd, uint64_t len, bool populate)
{
    struct hist_map *m = malloc(sizeof(*m));
    if (m == NULL || len <= PCAP_FILE_HEADER_LEN || len > SIZE_MAX) {
        free(m);
        return NULL;
    }
    void *base =
        mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, 0);
    if (base == MAP_FAILED) {
        free(m);
        return NULL;
    }
    *m = (struct hist_map){.base = base, .len = (size_t)len, .refs = 1};
    return m;
}

void hist_map_free(struct hist_map *m)
{
    if (m == NULL)
        return;
    munmap((void *)m->base, m->len);
    free(m);
}
