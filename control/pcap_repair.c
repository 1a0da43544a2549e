/*
 * Cutting a pcap file back to its last complete record.  The writer lcore
 * appends whole records with write(), but a process killed between two
 * writes, or a write() cut short, can leave a partial record (or a partial
 * file header) at the end.  Both byte orders and both timestamp
 * resolutions of the classic pcap format are understood.
 */
#include "pcap_repair.h"

#include "pcapd/pcap_format.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Magic number of the microsecond variant (pcapd writes nanoseconds, but
 * a file is repaired whichever it is). */
#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC PCAP_MAGIC_NSEC
#define FILE_HEADER_LEN PCAP_FILE_HEADER_LEN
#define RECORD_HEADER_LEN PCAP_RECORD_HEADER_LEN
/* Largest record a sane file holds (libpcap's own maximum snaplen). */
#define MAX_RECORD_LEN 262144u

/* Reverses the bytes of `v`. */
static uint32_t swap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

/* Writes a fresh pcap file header for `snaplen` to `fd` after emptying it. */
static int write_fresh_header(int fd, uint32_t snaplen)
{
    uint8_t h[PCAP_FILE_HEADER_LEN];
    size_t len = pcap_format_file_header(h, snaplen, PCAP_LINKTYPE_ETHERNET);
    if (ftruncate(fd, 0) != 0)
        return -1;
    if (pwrite(fd, h, len, 0) != (ssize_t)len) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}

/* Reads the file header of `fd`: tells whether the file's byte order is
 * the host's reversed.  Returns 0, or -1 with errno EINVAL if it is no
 * pcap file. */
static int read_header(int fd, int *swapped)
{
    uint32_t h[6];
    if (pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
        errno = EIO;
        return -1;
    }
    if (h[0] == MAGIC_NSEC || h[0] == MAGIC_USEC)
        *swapped = 0;
    else if (swap32(h[0]) == MAGIC_NSEC || swap32(h[0]) == MAGIC_USEC)
        *swapped = 1;
    else {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

/* Walks the records of `fd` (of `size` bytes) and returns the offset just
 * past the last complete one, counting them in `records`. */
static uint64_t last_whole_record_end(int fd, uint64_t size, int swapped, uint64_t *records)
{
    uint64_t off = FILE_HEADER_LEN;
    uint32_t rh[4];
    *records = 0;
    while (off + RECORD_HEADER_LEN <= size &&
           pread(fd, rh, sizeof(rh), (off_t)off) == (ssize_t)sizeof(rh)) {
        uint32_t caplen = swapped ? swap32(rh[2]) : rh[2];
        if (caplen > MAX_RECORD_LEN || off + RECORD_HEADER_LEN + caplen > size)
            break;
        off += RECORD_HEADER_LEN + caplen;
        (*records)++;
    }
    return off;
}

int pcap_repair(const char *path, uint32_t snaplen, struct pcap_repair_result *result)
{
    struct stat st;
    int swapped = 0, rc = -1;
    memset(result, 0, sizeof(*result));
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0)
        goto out;
    uint64_t size = (uint64_t)st.st_size, end = FILE_HEADER_LEN;
    if (size < FILE_HEADER_LEN) {
        if (write_fresh_header(fd, snaplen) != 0)
            goto out;
        result->cut = size;
    } else {
        if (read_header(fd, &swapped) != 0)
            goto out;
        end = last_whole_record_end(fd, size, swapped, &result->records);
        if (end < size && ftruncate(fd, (off_t)end) != 0)
            goto out;
        result->cut = size - end;
    }
    result->size = end;
    rc = fsync(fd);
out:;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}
