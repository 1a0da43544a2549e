/*
 * The streaming k-way pcap merge (include/pcapd/pcap_merge.h): a binary
 * min-heap of the inputs keyed by the time of their next record, each input
 * read through a buffer of its own, the current record copied out in as
 * many pieces as the caller's chunks take.  Ties go to the later input, as
 * mergecap (Wireshark's merge.c) has them.
 */
#include "pcapd/pcap_merge.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapd/pcap_format.h"

/* Read buffer of each input: holds a whole record of up to 65535 bytes
 * (pcapd's largest), so such a record cut short is seen before it is
 * started. */
#define MERGE_INPUT_BUF (80u * 1024u)
/* Magic of a microsecond pcap. */
#define PCAP_MAGIC_USEC 0xa1b2c3d4u

/* One input. */
struct merge_input {
    struct pcap_merge_source src;
    /* Timestamps are in microseconds (else nanoseconds). */
    bool usec;
    /* Nanoseconds added to each of its times (pcap_merge_shift()). */
    int64_t shift_ns;
    /* The header of its next record, converted to nanoseconds. */
    uint64_t ts_ns;
    uint32_t cap_len;
    uint32_t wire_len;
    /* Buffered bytes: buf[pos, len). */
    uint32_t pos;
    uint32_t len;
    uint8_t buf[MERGE_INPUT_BUF];
};

struct pcap_merge {
    struct merge_input *in[PCAP_MERGE_MAX_INPUTS];
    unsigned n;
    /* Heap of the indexes of inputs that have a next record. */
    unsigned heap[PCAP_MERGE_MAX_INPUTS];
    unsigned heap_len;
    /* The output file header, and how much of it is out. */
    uint8_t header[PCAP_FILE_HEADER_LEN];
    uint32_t header_out;
    /* The record being copied out: its header, its input, and how many of
     * its header and data bytes are out. */
    uint8_t rec_header[PCAP_RECORD_HEADER_LEN];
    int rec_input;
    uint32_t rec_out;
    /* Limits (0: none), and what was produced. */
    uint64_t packet_limit;
    uint64_t byte_limit;
    uint64_t records;
    uint64_t bytes;
    /* The first read error, kept for every later read. */
    int error;
};

/* Reads more of input `in` after what it buffers.  Returns the bytes now
 * buffered past `pos`, or a negative errno. */
static int64_t refill(struct merge_input *in)
{
    if (in->pos > 0) {
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    while (in->len < sizeof(in->buf)) {
        ssize_t r = in->src.read(in->src.arg, in->buf + in->len, sizeof(in->buf) - in->len);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        in->len += (uint32_t)r;
    }
    return in->len;
}

/* Makes `need` bytes available at in->pos.  Returns 1, 0 at the end of
 * the file, or a negative errno. */
static int ensure(struct merge_input *in, uint32_t need)
{
    if (in->len - in->pos >= need)
        return 1;
    int64_t have = refill(in);
    if (have < 0)
        return (int)have;
    return have >= need ? 1 : 0;
}

/* Reads the next record header of input `in`.  Returns 1, 0 at its end (a
 * record cut short ends it too), or a negative errno. */
static int next_record(struct merge_input *in)
{
    int rc = ensure(in, PCAP_RECORD_HEADER_LEN);
    if (rc <= 0)
        return rc;
    struct pcap_record_header_disk h;
    memcpy(&h, in->buf + in->pos, sizeof(h));
    in->ts_ns = (uint64_t)h.ts_sec * 1000000000u + (uint64_t)h.ts_nsec * (in->usec ? 1000u : 1u) +
                (uint64_t)in->shift_ns;
    in->cap_len = h.cap_len;
    in->wire_len = h.wire_len;
    return 1;
}

/* Tells whether input a's next record goes before input b's. */
static bool before(const struct pcap_merge *m, unsigned a, unsigned b)
{
    const struct merge_input *x = m->in[a], *y = m->in[b];
    return x->ts_ns < y->ts_ns || (x->ts_ns == y->ts_ns && a > b);
}

/* Restores the heap from position `i` down. */
static void sift_down(struct pcap_merge *m, unsigned i)
{
    for (;;) {
        unsigned l = 2 * i + 1, r = l + 1, min = i;
        if (l < m->heap_len && before(m, m->heap[l], m->heap[min]))
            min = l;
        if (r < m->heap_len && before(m, m->heap[r], m->heap[min]))
            min = r;
        if (min == i)
            return;
        unsigned t = m->heap[i];
        m->heap[i] = m->heap[min];
        m->heap[min] = t;
        i = min;
    }
}

/* Reads and checks the file header of input `in`; returns its snaplen and
 * link type.  Returns 0 or a negative errno with `err`. */
static int open_input(struct merge_input *in, unsigned i, uint32_t *snaplen, uint32_t *linktype,
                      char *err, size_t err_size)
{
    int rc = ensure(in, PCAP_FILE_HEADER_LEN);
    uint32_t magic = 0, major = 0;
    if (rc > 0) {
        memcpy(&magic, in->buf, 4);
        major = (uint32_t)in->buf[4] | (uint32_t)in->buf[5] << 8;
        memcpy(snaplen, in->buf + 16, 4);
        memcpy(linktype, in->buf + 20, 4);
    }
    if (rc < 0) {
        snprintf(err, err_size, "input %u: %s", i, strerror(-rc));
        return rc;
    }
    if (rc == 0 || (magic != PCAP_MAGIC_NSEC && magic != PCAP_MAGIC_USEC) || major != 2) {
        snprintf(err, err_size, "input %u: not a pcap file in this host's byte order", i);
        return -EINVAL;
    }
    in->usec = magic == PCAP_MAGIC_USEC;
    in->pos = PCAP_FILE_HEADER_LEN;
    return 0;
}

/* Reads a file descriptor (the source of pcap_merge_open()).  Returns the
 * bytes read, 0 at its end, or a negative errno. */
static ssize_t fd_read(void *arg, void *buf, size_t size)
{
    for (;;) {
        ssize_t r = read((int)(intptr_t)arg, buf, size);
        if (r >= 0 || errno != EINTR)
            return r < 0 ? -errno : r;
    }
}

int pcap_merge_open(const int *fds, unsigned n, uint64_t packet_limit, uint64_t byte_limit,
                    struct pcap_merge **out, char *err, size_t err_size)
{
    struct pcap_merge_source src[PCAP_MERGE_MAX_INPUTS];
    for (unsigned i = 0; i < n && i < PCAP_MERGE_MAX_INPUTS; i++)
        src[i] = (struct pcap_merge_source){.read = fd_read, .arg = (void *)(intptr_t)fds[i]};
    return pcap_merge_open_sources(src, n, packet_limit, byte_limit, out, err, err_size);
}

int pcap_merge_open_sources(const struct pcap_merge_source *src, unsigned n, uint64_t packet_limit,
                            uint64_t byte_limit, struct pcap_merge **out, char *err,
                            size_t err_size)
{
    if (n == 0 || n > PCAP_MERGE_MAX_INPUTS) {
        snprintf(err, err_size, "from 1 to %u inputs", PCAP_MERGE_MAX_INPUTS);
        return -EINVAL;
    }
    struct pcap_merge *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return -ENOMEM;
    m->packet_limit = packet_limit;
    m->byte_limit = byte_limit;
    m->rec_input = -1;
    m->bytes = PCAP_FILE_HEADER_LEN;
    uint32_t snaplen = 0, linktype = 0;
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        uint32_t s, l;
        m->in[i] = malloc(sizeof(*m->in[i]));
        m->n = i + 1;
        if (m->in[i] == NULL) {
            rc = -ENOMEM;
            break;
        }
        *m->in[i] = (struct merge_input){.src = src[i]};
        rc = open_input(m->in[i], i, &s, &l, err, err_size);
        if (rc == 0 && i > 0 && l != linktype) {
            snprintf(err, err_size, "input %u: link type %u, not %u as input 0", i, l, linktype);
            rc = -EINVAL;
        }
        snaplen = s > snaplen ? s : snaplen;
        linktype = l;
        int more = rc == 0 ? next_record(m->in[i]) : 0;
        if (more < 0)
            rc = more;
        if (more > 0)
            m->heap[m->heap_len++] = i;
    }
    if (rc != 0) {
        pcap_merge_close(m);
        return rc;
    }
    for (unsigned i = m->heap_len / 2; i-- > 0;)
        sift_down(m, i);
    pcap_format_file_header(m->header, snaplen, linktype);
    *out = m;
    return 0;
}

int pcap_merge_shift(struct pcap_merge *m, const int64_t *shifts_ns)
{
    if (m->records != 0 || m->header_out != 0)
        return -EBUSY;
    for (unsigned i = 0; i < m->n; i++) {
        m->in[i]->ts_ns += (uint64_t)(shifts_ns[i] - m->in[i]->shift_ns);
        m->in[i]->shift_ns = shifts_ns[i];
    }
    for (unsigned i = m->heap_len / 2; i-- > 0;)
        sift_down(m, i);
    return 0;
}

/* Drops the input at the top of the heap (it has ended). */
static void drop_top(struct pcap_merge *m)
{
    m->heap[0] = m->heap[--m->heap_len];
    sift_down(m, 0);
}

/* Picks the next record to copy out.  Returns 1, 0 at the end (no input
 * left, or a limit reached), or a negative errno. */
static int pick_record(struct pcap_merge *m)
{
    struct merge_input *in;
    for (;;) {
        if (m->heap_len == 0 || (m->packet_limit != 0 && m->records >= m->packet_limit))
            return 0;
        in = m->in[m->heap[0]];
        uint64_t need = PCAP_RECORD_HEADER_LEN + (uint64_t)in->cap_len;
        int rc = need <= MERGE_INPUT_BUF ? ensure(in, (uint32_t)need) : 1;
        if (rc < 0)
            return rc;
        if (rc > 0)
            break;
        drop_top(m); /* Cut short: the input ends here. */
    }
    uint64_t size = PCAP_RECORD_HEADER_LEN + (uint64_t)in->cap_len;
    if (m->byte_limit != 0 && m->bytes + size > m->byte_limit)
        return 0;
    m->rec_input = (int)m->heap[0];
    m->rec_out = 0;
    pcap_format_record_header(m->rec_header, in->ts_ns, in->wire_len, in->cap_len);
    in->pos += PCAP_RECORD_HEADER_LEN;
    m->records++;
    m->bytes += size;
    return 1;
}

/* Ends the record being copied: its input moves to its next record or
 * leaves the heap.  Returns 0 or a negative errno. */
static int finish_record(struct pcap_merge *m)
{
    struct merge_input *in = m->in[m->rec_input];
    m->rec_input = -1;
    int rc = next_record(in);
    if (rc < 0)
        return rc;
    if (rc == 0)
        drop_top(m);
    else
        sift_down(m, 0);
    return 0;
}

/* Copies up to `size` bytes of the current record to `buf`.  Returns the
 * bytes copied or a negative errno. */
static int64_t copy_record(struct pcap_merge *m, uint8_t *buf, size_t size)
{
    struct merge_input *in = m->in[m->rec_input];
    size_t done = 0;
    while (done < size && m->rec_out < PCAP_RECORD_HEADER_LEN)
        buf[done++] = m->rec_header[m->rec_out++];
    while (done < size && m->rec_out < PCAP_RECORD_HEADER_LEN + in->cap_len) {
        int rc = ensure(in, 1);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            /* A record larger than the buffer cut short: pad it, so the
             * output stays well formed. */
            memset(buf + done, 0, 1);
            done++;
            m->rec_out++;
            continue;
        }
        size_t want = PCAP_RECORD_HEADER_LEN + in->cap_len - m->rec_out;
        size_t n = in->len - in->pos;
        n = n < want ? n : want;
        n = n < size - done ? n : size - done;
        memcpy(buf + done, in->buf + in->pos, n);
        in->pos += (uint32_t)n;
        m->rec_out += (uint32_t)n;
        done += n;
    }
    if (m->rec_out == PCAP_RECORD_HEADER_LEN + in->cap_len) {
        int rc = finish_record(m);
        if (rc < 0)
            return rc;
    }
    return (int64_t)done;
}

ssize_t pcap_merge_read(struct pcap_merge *m, uint8_t *buf, size_t size)
{
    if (m->error != 0)
        return m->error;
    size_t done = 0;
    while (done < size && m->header_out < PCAP_FILE_HEADER_LEN)
        buf[done++] = m->header[m->header_out++];
    while (done < size) {
        int64_t n = m->rec_input < 0 ? pick_record(m) : 1;
        if (n == 0)
            break;
        if (n > 0)
            n = copy_record(m, buf + done, size - done);
        if (n < 0) {
            m->error = (int)n;
            return n;
        }
        done += (size_t)n;
    }
    return (ssize_t)done;
}

uint64_t pcap_merge_records(const struct pcap_merge *m)
{
    return m->records;
}

uint64_t pcap_merge_bytes(const struct pcap_merge *m)
{
    return m->bytes;
}

void pcap_merge_close(struct pcap_merge *m)
{
    if (m == NULL)
        return;
    for (unsigned i = 0; i < m->n; i++)
        free(m->in[i]);
    free(m);
}

/* Writes the merge `m` to `fd`.  Returns 0 or a negative errno. */
static int write_merge(struct pcap_merge *m, int fd)
{
    static __thread uint8_t chunk[256 * 1024];
    ssize_t n;
    while ((n = pcap_merge_read(m, chunk, sizeof(chunk))) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, chunk + off, (size_t)(n - off));
            if (w < 0 && errno != EINTR)
                return -errno;
            off += w > 0 ? w : 0;
        }
    }
    return n < 0 ? (int)n : 0;
}

int pcap_merge_files(const char *const *inputs, const int64_t *shifts_ns, unsigned n,
                     const char *output, uint64_t packet_limit, uint64_t byte_limit,
                     uint64_t *records, uint64_t *bytes, char *err, size_t err_size)
{
    int fds[PCAP_MERGE_MAX_INPUTS] = {0};
    unsigned opened = 0;
    int rc = n > PCAP_MERGE_MAX_INPUTS ? -EINVAL : 0;
    for (; rc == 0 && opened < n; opened++) {
        fds[opened] = open(inputs[opened], O_RDONLY | O_CLOEXEC);
        if (fds[opened] < 0) {
            rc = -errno;
            snprintf(err, err_size, "%s: %s", inputs[opened], strerror(errno));
            break;
        }
    }
    struct pcap_merge *m = NULL;
    if (rc == 0)
        rc = pcap_merge_open(fds, n, packet_limit, byte_limit, &m, err, err_size);
    if (rc == 0 && shifts_ns != NULL)
        rc = pcap_merge_shift(m, shifts_ns);
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.merging", output);
    int out = rc == 0 ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640) : -1;
    if (rc == 0 && out < 0) {
        rc = -errno;
        snprintf(err, err_size, "%s: %s", tmp, strerror(errno));
    }
    if (rc == 0) {
        rc = write_merge(m, out);
        if (rc == 0 && fsync(out) != 0)
            rc = -errno;
        if (close(out) != 0 && rc == 0)
            rc = -errno;
        if (rc == 0 && rename(tmp, output) != 0)
            rc = -errno;
        if (rc != 0) {
            snprintf(err, err_size, "%s: %s", output, strerror(-rc));
            unlink(tmp);
        }
        if (records != NULL)
            *records = pcap_merge_records(m);
        if (bytes != NULL)
            *bytes = pcap_merge_bytes(m);
    }
    pcap_merge_close(m);
    for (unsigned i = 0; i < opened; i++)
        close(fds[i]);
    return rc;
}
