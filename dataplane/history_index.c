/*
 * A history segment's index (history_index.h): building it record by
 * record, folding its Bloom filters, its file form, and the test a query
 * makes against it.
 *
 * The Bloom filters are blocked in 64-bit words: a key sets 4 bits of one
 * word, so entering or testing a key touches one cache line.  The word is
 * chosen by the hash's low bits, so a filter of 2n words folds into one of
 * n by OR-ing its halves and still answers for every key entered.
 *
 * The file: a head (magic, version, time range, counts, size, flags, the
 * protocol map), the sparse entries, the two port maps, the two Bloom
 * filters, and an FNV-1a checksum of all that; a file of another size or
 * checksum is not an index.
 */
#include "history_index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packet_parse.h"

/* The index file's magic and version. */
#define HIST_INDEX_MAGIC "PCAPDHIX"
#define HIST_INDEX_VERSION 1u
/* Largest sparse index a file may claim (a 1 GiB segment of the smallest
 * records). */
#define HIST_SPARSE_MAX (1u << 20)

/* The prefix lengths every address is entered at, per family: a query for
 * a prefix tests the longest of these within its length. */
static const uint8_t hist_v4_lens[] = {8, 16, 24, 32};
static const uint8_t hist_v6_lens[] = {16, 32, 48, 64, 128};

/* The head of an index file. */
struct hist_index_head {
    char magic[8];
    uint32_t version;
    uint32_t head_len;
    uint64_t first_ts;
    uint64_t last_ts;
    uint64_t records;
    uint64_t file_bytes;
    uint32_t flags;
    uint32_t bloom_words;
    uint32_t n_sparse;
    uint32_t pad;
    uint64_t proto[4];
};

/* Mixes the bits of `x` (the finaliser of MurmurHash3). */
static inline uint64_t hist_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb93fe53b9a87ULL;
    x ^= x >> 33;
    return x;
}

/* Hashes the prefix of length `len` of address `addr` of `family`. */
static uint64_t hist_key(uint8_t family, uint8_t len, const uint8_t *addr)
{
    uint8_t masked[16] = {0};
    unsigned full = len / 8u, rest = len % 8u;
    memcpy(masked, addr, full);
    if (rest != 0)
        masked[full] = (uint8_t)(addr[full] & (0xff << (8 - rest)));
    uint64_t w0, w1;
    memcpy(&w0, masked, 8);
    memcpy(&w1, masked + 8, 8);
    uint64_t tag = (uint64_t)family << 8 | len;
    return hist_mix(w0 ^ hist_mix(w1 ^ tag * 0x9e3779b97f4a7c15ULL));
}

/* The word and the bits of key hash `h` in a filter of `words` words. */
static inline uint64_t hist_bloom_bits(uint64_t h)
{
    return 1ULL << ((h >> 40) & 63) | 1ULL << ((h >> 46) & 63) | 1ULL << ((h >> 52) & 63) |
           1ULL << ((h >> 58) & 63);
}

/* Enters key hash `h` in `bloom`, unless it was entered lately. */
static void hist_bloom_add(uint64_t *bloom, uint32_t words, uint64_t *recent, uint64_t h)
{
    uint64_t *slot = &recent[(h >> 20) & (HIST_RECENT_KEYS - 1)];
    if (*slot == h)
        return;
    *slot = h;
    bloom[h & (words - 1)] |= hist_bloom_bits(h);
}

/* Tells whether key hash `h` may be in `bloom`. */
static bool hist_bloom_test(const uint64_t *bloom, uint32_t words, uint64_t h)
{
    uint64_t bits = hist_bloom_bits(h);
    return (bloom[h & (words - 1)] & bits) == bits;
}

/* The prefix lengths entered for `family`, and how many. */
static const uint8_t *hist_lens(uint8_t family, unsigned *n)
{
    if (family == PCAPD_FAMILY_IPV4) {
        *n = sizeof(hist_v4_lens);
        return hist_v4_lens;
    }
    *n = sizeof(hist_v6_lens);
    return hist_v6_lens;
}

/* Enters address `addr` of `family` at every indexed length. */
static void hist_bloom_add_addr(uint64_t *bloom, uint32_t words, uint64_t *recent, uint8_t family,
                                const uint8_t *addr)
{
    unsigned n;
    const uint8_t *lens = hist_lens(family, &n);
    for (unsigned i = 0; i < n; i++)
        hist_bloom_add(bloom, words, recent, hist_key(family, lens[i], addr));
}

/* Tells whether an address within prefix `p` may be in `bloom`: the
 * prefix cut to the longest indexed length within it is tested; a prefix
 * shorter than every indexed length may always match. */
static bool hist_bloom_may_hold(const uint64_t *bloom, uint32_t words, const struct pcapd_prefix *p)
{
    unsigned n;
    const uint8_t *lens = hist_lens(p->family, &n);
    int best = -1;
    for (unsigned i = 0; i < n; i++) {
        if (lens[i] <= p->len)
            best = (int)i;
    }
    if (best < 0)
        return true;
    return hist_bloom_test(bloom, words, hist_key(p->family, lens[best], p->addr));
}

int hist_index_init(struct hist_index *ix, uint64_t max_records)
{
    memset(ix, 0, sizeof(*ix));
    ix->cap_sparse = (uint32_t)(max_records / HIST_SPARSE_EVERY + 2);
    ix->bloom_words = HIST_BLOOM_WORDS_MAX;
    ix->src_bloom = calloc(HIST_BLOOM_WORDS_MAX, sizeof(uint64_t));
    ix->dst_bloom = calloc(HIST_BLOOM_WORDS_MAX, sizeof(uint64_t));
    ix->recent = calloc(2 * HIST_RECENT_KEYS, sizeof(uint64_t));
    ix->sparse = calloc(ix->cap_sparse, sizeof(ix->sparse[0]));
    if (ix->src_bloom == NULL || ix->dst_bloom == NULL || ix->recent == NULL ||
        ix->sparse == NULL) {
        hist_index_free(ix);
        return -ENOMEM;
    }
    return 0;
}

void hist_index_free(struct hist_index *ix)
{
    free(ix->src_bloom);
    free(ix->dst_bloom);
    free(ix->recent);
    free(ix->sparse);
    memset(ix, 0, sizeof(*ix));
}

void hist_index_reset(struct hist_index *ix)
{
    ix->first_ts = ix->last_ts = ix->records = ix->file_bytes = 0;
    ix->flags = 0;
    ix->bloom_words = HIST_BLOOM_WORDS_MAX;
    memset(ix->proto, 0, sizeof(ix->proto));
    memset(ix->sport, 0, sizeof(ix->sport));
    memset(ix->dport, 0, sizeof(ix->dport));
    memset(ix->src_bloom, 0, HIST_BLOOM_WORDS_MAX * sizeof(uint64_t));
    memset(ix->dst_bloom, 0, HIST_BLOOM_WORDS_MAX * sizeof(uint64_t));
    /* A hash of 0 is never entered as "recent", so zero means empty. */
    memset(ix->recent, 0, 2 * HIST_RECENT_KEYS * sizeof(uint64_t));
    ix->n_sparse = 0;
}

bool hist_index_has_room(const struct hist_index *ix)
{
    return ix->records % HIST_SPARSE_EVERY != 0 || ix->n_sparse < ix->cap_sparse;
}

/* Sets bit `bit` of the map `map`. */
static inline void hist_bit_set(uint64_t *map, unsigned bit)
{
    map[bit / 64] |= 1ULL << (bit % 64);
}

/* Tells whether bit `bit` of the map `map` is set. */
static inline bool hist_bit_test(const uint64_t *map, unsigned bit)
{
    return (map[bit / 64] >> (bit % 64)) & 1;
}

bool hist_index_add(struct hist_index *ix, uint64_t ts_ns, uint64_t offset, const uint8_t *data,
                    uint32_t cap_len)
{
    if (!hist_index_has_room(ix))
        return false;
    if (ix->records % HIST_SPARSE_EVERY == 0)
        ix->sparse[ix->n_sparse++] = (struct hist_sparse){.ts_ns = ts_ns, .offset = offset};
    if (ix->records == 0)
        ix->first_ts = ts_ns;
    ix->last_ts = ts_ns;
    ix->records++;
    struct pkt_meta meta;
    if (pkt_parse_ethernet(data, cap_len, &meta) != PKT_PARSE_IP) {
        ix->flags |= HIST_HAS_NON_IP;
        return true;
    }
    ix->flags |= HIST_HAS_IP;
    hist_bit_set(ix->proto, meta.proto);
    if (meta.has_ports) {
        hist_bit_set(ix->sport, meta.sport);
        hist_bit_set(ix->dport, meta.dport);
    }
    hist_bloom_add_addr(ix->src_bloom, ix->bloom_words, ix->recent, meta.family, meta.src);
    hist_bloom_add_addr(ix->dst_bloom, ix->bloom_words, ix->recent + HIST_RECENT_KEYS, meta.family,
                        meta.dst);
    return true;
}

/* Bits set in the filter of `words` words folded in two. */
static uint64_t hist_folded_popcount(const uint64_t *bloom, uint32_t words)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < words / 2; i++)
        n += (uint64_t)__builtin_popcountll(bloom[i] | bloom[i + words / 2]);
    return n;
}

/* Folds `bloom` of `words` words in two. */
static void hist_fold(uint64_t *bloom, uint32_t words)
{
    for (uint32_t i = 0; i < words / 2; i++)
        bloom[i] |= bloom[i + words / 2];
}

void hist_index_seal(struct hist_index *ix, uint64_t file_bytes)
{
    ix->file_bytes = file_bytes;
    /* Fold while the folded filters stay under a fill of 30 % (about 1 %
     * false positives with 4 bits a key in 64-bit blocks). */
    while (ix->bloom_words > HIST_BLOOM_WORDS_MIN) {
        uint32_t w = ix->bloom_words;
        uint64_t limit = (uint64_t)w / 2 * 64 * 3 / 10;
        if (hist_folded_popcount(ix->src_bloom, w) > limit ||
            hist_folded_popcount(ix->dst_bloom, w) > limit)
            break;
        hist_fold(ix->src_bloom, w);
        hist_fold(ix->dst_bloom, w);
        ix->bloom_words = w / 2;
    }
}

/* FNV-1a, 64 bits, of `len` bytes at `p`, continuing from `h`. */
static uint64_t hist_fnv(uint64_t h, const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* The parts of an index file after its head, in order. */
struct hist_part {
    void *p;
    size_t len;
};

/* Lists the parts of `ix` after the head; returns how many. */
static unsigned hist_parts(const struct hist_index *ix, struct hist_part *parts)
{
    parts[0] = (struct hist_part){ix->sparse, (size_t)ix->n_sparse * sizeof(ix->sparse[0])};
    parts[1] = (struct hist_part){(void *)ix->sport, sizeof(ix->sport)};
    parts[2] = (struct hist_part){(void *)ix->dport, sizeof(ix->dport)};
    parts[3] = (struct hist_part){ix->src_bloom, (size_t)ix->bloom_words * sizeof(uint64_t)};
    parts[4] = (struct hist_part){ix->dst_bloom, (size_t)ix->bloom_words * sizeof(uint64_t)};
    return 5;
}

/* Writes `len` bytes of `p` to `fd` whole (`out`), or reads them from it.
 * Returns 0, -EINVAL at the end of the file, or another negative errno. */
static int hist_io_all(int fd, void *p, size_t len, bool out)
{
    uint8_t *b = p;
    while (len > 0) {
        ssize_t n = out ? write(fd, b, len) : read(fd, b, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EINVAL;
        b += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The head of `ix`'s file. */
static struct hist_index_head hist_head_of(const struct hist_index *ix)
{
    struct hist_index_head head = {.version = HIST_INDEX_VERSION,
                                   .head_len = sizeof(head),
                                   .first_ts = ix->first_ts,
                                   .last_ts = ix->last_ts,
                                   .records = ix->records,
                                   .file_bytes = ix->file_bytes,
                                   .flags = ix->flags,
                                   .bloom_words = ix->bloom_words,
                                   .n_sparse = ix->n_sparse};
    memcpy(head.magic, HIST_INDEX_MAGIC, sizeof(head.magic));
    memcpy(head.proto, ix->proto, sizeof(head.proto));
    return head;
}

int hist_index_write(const struct hist_index *ix, int fd)
{
    struct hist_index_head head = hist_head_of(ix);
    struct hist_part parts[5];
    unsigned n = hist_parts(ix, parts);
    uint64_t sum = hist_fnv(0xcbf29ce484222325ULL, &head, sizeof(head));
    int rc = hist_io_all(fd, &head, sizeof(head), true);
    for (unsigned i = 0; i < n && rc == 0; i++) {
        sum = hist_fnv(sum, parts[i].p, parts[i].len);
        rc = hist_io_all(fd, parts[i].p, parts[i].len, true);
    }
    return rc == 0 ? hist_io_all(fd, &sum, sizeof(sum), true) : rc;
}

/* Checks a head read from a file. */
static bool hist_head_ok(const struct hist_index_head *h)
{
    uint32_t w = h->bloom_words;
    return memcmp(h->magic, HIST_INDEX_MAGIC, sizeof(h->magic)) == 0 &&
           h->version == HIST_INDEX_VERSION && h->head_len == sizeof(*h) &&
           h->n_sparse <= HIST_SPARSE_MAX && w >= HIST_BLOOM_WORDS_MIN &&
           w <= HIST_BLOOM_WORDS_MAX && (w & (w - 1)) == 0 && h->records > 0 &&
           h->first_ts <= h->last_ts;
}

int hist_index_read(int fd, struct hist_index *ix, bool head_only)
{
    struct hist_index_head head;
    memset(ix, 0, sizeof(*ix));
    int rc = hist_io_all(fd, &head, sizeof(head), false);
    if (rc != 0)
        return rc;
    if (!hist_head_ok(&head))
        return -EINVAL;
    ix->first_ts = head.first_ts;
    ix->last_ts = head.last_ts;
    ix->records = head.records;
    ix->file_bytes = head.file_bytes;
    ix->flags = head.flags;
    ix->bloom_words = head.bloom_words;
    ix->n_sparse = ix->cap_sparse = head.n_sparse;
    memcpy(ix->proto, head.proto, sizeof(ix->proto));
    if (head_only)
        return 0;
    ix->sparse = calloc(head.n_sparse + 1, sizeof(ix->sparse[0]));
    ix->src_bloom = calloc(head.bloom_words, sizeof(uint64_t));
    ix->dst_bloom = calloc(head.bloom_words, sizeof(uint64_t));
    if (ix->sparse == NULL || ix->src_bloom == NULL || ix->dst_bloom == NULL) {
        hist_index_free(ix);
        return -ENOMEM;
    }
    struct hist_part parts[5];
    unsigned n = hist_parts(ix, parts);
    uint64_t sum = hist_fnv(0xcbf29ce484222325ULL, &head, sizeof(head)), stored;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        rc = hist_io_all(fd, parts[i].p, parts[i].len, false);
        sum = hist_fnv(sum, parts[i].p, parts[i].len);
    }
    uint8_t extra;
    if (rc == 0)
        rc = hist_io_all(fd, &stored, sizeof(stored), false);
    if (rc == 0 && (stored != sum || hist_io_all(fd, &extra, 1, false) != -EINVAL))
        rc = -EINVAL;
    if (rc != 0)
        hist_index_free(ix);
    return rc;
}

bool hist_index_may_match(const struct hist_index *ix, const struct pcapd_filter *f)
{
    if (f->fields == 0)
        return true;
    if (!(ix->flags & HIST_HAS_IP))
        return false;
    if ((f->fields & PCAPD_FILTER_PROTOCOL) && !hist_bit_test(ix->proto, f->protocol))
        return false;
    if ((f->fields & PCAPD_FILTER_SRC_PORT) && !hist_bit_test(ix->sport, f->src_port))
        return false;
    if ((f->fields & PCAPD_FILTER_DST_PORT) && !hist_bit_test(ix->dport, f->dst_port))
        return false;
    if ((f->fields & PCAPD_FILTER_SRC_ADDR) &&
        !hist_bloom_may_hold(ix->src_bloom, ix->bloom_words, &f->src))
        return false;
    if ((f->fields & PCAPD_FILTER_DST_ADDR) &&
        !hist_bloom_may_hold(ix->dst_bloom, ix->bloom_words, &f->dst))
        return false;
    return true;
}
