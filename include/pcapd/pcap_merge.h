/*
 * A streaming k-way merge of pcap files by timestamp: the merged file is
 * produced as a byte stream the caller reads in chunks of any size, so it
 * can go to a file or into an HTTP response without loading the inputs
 * whole.  Memory: one read buffer per input, whatever the files' sizes.
 *
 * The inputs are classic pcap files in host byte order, nanosecond or
 * microsecond, all of one link type; the output is a nanosecond pcap with
 * the largest of their snaplens.  Of records of equal time, the later
 * input's comes first (as with mergecap, so its output is the
 * oracle).  Optional limits keep the earliest packets: at most
 * `packet_limit` records, and no record that would take the output past
 * `byte_limit` bytes (file header included).  A record cut short at the end
 * of an input (a capture that was interrupted) ends that input.
 */
#ifndef PCAPD_PCAP_MERGE_H
#define PCAPD_PCAP_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Most inputs of one merge. */
#define PCAP_MERGE_MAX_INPUTS 64

/* A merge being read. */
struct pcap_merge;

/* An input of a merge that is not a file (a part read out of a database,
 * say): `read` fills up to `size` bytes of `buf` from the input `arg` and
 * returns the bytes read, 0 at its end, or a negative errno. */
struct pcap_merge_source {
    ssize_t (*read)(void *arg, void *buf, size_t size);
    void *arg;
};

/* Opens a merge of the files open on `fds` (read from their current
 * offset; the merge does not close them) with the given limits (0: none).
 * Returns 0 and the merge in `*out`, or a negative errno with a message in
 * `err`: -EINVAL for a file that is not such a pcap or of another link
 * type, -ENOMEM, or the errno of a failed read. */
int pcap_merge_open(const int *fds, unsigned n, uint64_t packet_limit, uint64_t byte_limit,
                    struct pcap_merge **out, char *err, size_t err_size);

/* As pcap_merge_open(), of the inputs `src` (each read from its start). */
int pcap_merge_open_sources(const struct pcap_merge_source *src, unsigned n, uint64_t packet_limit,
                            uint64_t byte_limit, struct pcap_merge **out, char *err,
                            size_t err_size);

/* Adds shifts_ns[i] nanoseconds to every time of input i (one shift per
 * input: a clock offset measured against a common reference, so that
 * files of hosts whose clocks differ merge in true order).  Call before
 * the first read.  Returns 0, or -EBUSY after a read. */
int pcap_merge_shift(struct pcap_merge *m, const int64_t *shifts_ns);

/* Reads up to `size` bytes of the merged file into `buf`.  Returns the
 * bytes read (fewer than `size` only at the end), 0 at the end, or a
 * negative errno when an input cannot be read. */
ssize_t pcap_merge_read(struct pcap_merge *m, uint8_t *buf, size_t size);

/* Records and bytes the merge has produced so far. */
uint64_t pcap_merge_records(const struct pcap_merge *m);
uint64_t pcap_merge_bytes(const struct pcap_merge *m);

/* Frees the merge (the files stay open). */
void pcap_merge_close(struct pcap_merge *m);

/* Merges the files `inputs`, each shifted by shifts_ns[i] (NULL: none; see
 * pcap_merge_shift()), into the file `output` (written and synced
 * under a temporary name, then renamed over `output`, so it never exists
 * half-written).  Writes the records and bytes of the result to `records`
 * and `bytes` (either may be NULL).  Returns 0 or a negative errno with
 * `err`. */
int pcap_merge_files(const char *const *inputs, const int64_t *shifts_ns, unsigned n,
                     const char *output, uint64_t packet_limit, uint64_t byte_limit,
                     uint64_t *records, uint64_t *bytes, char *err, size_t err_size);

#endif /* PCAPD_PCAP_MERGE_H */
