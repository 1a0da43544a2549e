/*
 * The history store (include/pcapd/history.h): its catalog of segments,
 * the check of every segment at open (a torn one cut at its last whole
 * record and its index rebuilt), and the store's thread, which registers
 * the segments writers open, seals the ones they close (file synced,
 * index written beside it) and evicts the oldest by size, by age and to
 * keep free space on the disk.
 */
#include <dirent.h>
#include <poll.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "history_internal.h"
#include "history_writer.h"

/* Defaults of the configuration. */
#define HIST_DEFAULT_MAX_BYTES (1024ull << 20)
#define HIST_DEFAULT_MAX_AGE_NS (86400ull * 1000000000ull)
#define HIST_DEFAULT_SEGMENT_NS (60ull * 1000000000ull)
/* Bounds of the default segment size (max_bytes / 16): each segment costs
 * a sync and an index, so they are not made smaller than a mebibyte. */
#define HIST_SEGMENT_BYTES_MIN (1ull << 20)
#define HIST_SEGMENT_BYTES_MAX (64ull << 20)
/* How often the store's thread looks at its writers when nothing wakes it
 * (ms), and at the bounds (every this many looks). */
#define HIST_TICK_MS 100
#define HIST_EVICT_EVERY 10

/* Nanoseconds since the Unix epoch. */
static uint64_t hist_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Applies the defaults to the zero fields of `c`. */
static void hist_defaults(struct pcapd_history_config *c)
{
    if (c->max_bytes == 0)
        c->max_bytes = HIST_DEFAULT_MAX_BYTES;
    if (c->max_age_ns == 0)
        c->max_age_ns = HIST_DEFAULT_MAX_AGE_NS;
    if (c->segment_ns == 0)
        c->segment_ns = HIST_DEFAULT_SEGMENT_NS;
    if (c->segment_bytes == 0) {
        c->segment_bytes = c->max_bytes / 16;
        if (c->segment_bytes < HIST_SEGMENT_BYTES_MIN)
            c->segment_bytes = HIST_SEGMENT_BYTES_MIN;
        if (c->segment_bytes > HIST_SEGMENT_BYTES_MAX)
            c->segment_bytes = HIST_SEGMENT_BYTES_MAX;
    }
}

/* ---- The catalog (lock held) ---- */

/* Orders entries by first time, then name. */
static int hist_entry_cmp(const void *a, const void *b)
{
    const struct hist_entry *x = a, *y = b;
    if (x->first_ts != y->first_ts)
        return x->first_ts < y->first_ts ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Adds `e` to the catalog in order.  Returns 0 or -ENOMEM. */
static int hist_catalog_add(struct pcapd_history *h, const struct hist_entry *e)
{
    if (h->n_entries == h->cap_entries) {
        unsigned cap = h->cap_entries ? 2 * h->cap_entries : 64;
        struct hist_entry *p = realloc(h->entries, cap * sizeof(*p));
        if (p == NULL)
            return -ENOMEM;
        h->entries = p;
        h->cap_entries = cap;
    }
    unsigned i = h->n_entries;
    while (i > 0 && hist_entry_cmp(&h->entries[i - 1], e) > 0) {
        h->entries[i] = h->entries[i - 1];
        i--;
    }
    h->entries[i] = *e;
    h->n_entries++;
    return 0;
}

/* Removes entry `i` from the catalog. */
static void hist_catalog_remove(struct pcapd_history *h, unsigned i)
{
    memmove(&h->entries[i], &h->entries[i + 1], (h->n_entries - i - 1) * sizeof(h->entries[0]));
    h->n_entries--;
}

/* Returns the index of the entry of the open segment `s`, or -1. */
static int hist_catalog_find_live(const struct pcapd_history *h, const struct hist_seg *s)
{
    for (unsigned i = 0; i < h->n_entries; i++) {
        if (h->entries[i].live == s)
            return (int)i;
    }
    return -1;
}

/* Brings an open entry's figures up to what its writer published. */
static void hist_entry_refresh(struct hist_entry *e)
{
    if (e->live == NULL)
        return;
    e->bytes = atomic_load_explicit(&e->live->live_bytes, memory_order_acquire);
    e->last_ts = atomic_load_explicit(&e->live->live_last_ts, memory_order_acquire);
    e->records = atomic_load_explicit(&e->live->live_records, memory_order_acquire);
}

/* ---- Segments on disk ---- */

/* Removes segment `name` and its index. */
static void hist_unlink(struct pcapd_history *h, const char *name)
{
    char idx[HIST_NAME_SIZE];
    hist_segment_index_name(idx, name);
    unlinkat(h->dir_fd, name, 0);
    unlinkat(h->dir_fd, idx, 0);
}

/* Walks segment `fd` of `size` bytes, cuts it after its last whole record
 * and writes its index, filling `e`.  Returns 0, or -1 when it holds no
 * record (or is no segment). */
static int hist_rebuild(struct pcapd_history *h, int fd, uint64_t size, struct hist_entry *e)
{
    struct hist_index ix;
    if (hist_index_init(&ix, size / (PCAP_RECORD_HEADER_LEN + 1) + 1) != 0)
        return -1;
    int64_t end = hist_segment_scan(fd, size, &ix);
    int rc = -1;
    if (end > 0 && ix.records > 0) {
        if ((uint64_t)end < size && ftruncate(fd, end) == 0)
            h->repaired++;
        fsync(fd);
        hist_index_seal(&ix, (uint64_t)end);
        e->first_ts = ix.first_ts;
        e->last_ts = ix.last_ts;
        e->records = ix.records;
        e->bytes = (uint64_t)end;
        e->sealed = hist_segment_write_index(h->dir_fd, e->name, &ix) == 0;
        rc = 0;
    }
    hist_index_free(&ix);
    return rc;
}

/* Checks segment `name` found at open: its index is read when it is whole
 * and describes the file as it is; else the segment is walked and cut,
 * and its index rebuilt.  The segment is mapped for queries (its pages
 * are mapped by the first query that reads them).  Returns 0 with `e`
 * filled, or -1 after removing a segment with no record. */
static int hist_check(struct pcapd_history *h, const char *name, struct hist_entry *e)
{
    char idx[HIST_NAME_SIZE];
    struct stat st;
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    int fd = openat(h->dir_fd, name, O_RDWR | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    hist_segment_index_name(idx, name);
    int ifd = openat(h->dir_fd, idx, O_RDONLY | O_CLOEXEC);
    struct hist_index ix;
    if (ifd >= 0 && hist_index_read(ifd, &ix, true) == 0 && ix.file_bytes == (uint64_t)st.st_size) {
        e->first_ts = ix.first_ts;
        e->last_ts = ix.last_ts;
        e->records = ix.records;
        e->bytes = ix.file_bytes;
        e->sealed = true;
        e->map = hist_map_open(fd, e->bytes, false);
        close(ifd);
        close(fd);
        return 0;
    }
    if (ifd >= 0)
        close(ifd);
    unlinkat(h->dir_fd, idx, 0);
    int rc = hist_rebuild(h, fd, (uint64_t)st.st_size, e);
    if (rc == 0)
        e->map = hist_map_open(fd, e->bytes, false);
    close(fd);
    if (rc != 0) {
        hist_unlink(h, name);
        h->removed++;
    }
    return rc;
}

/* Reads the directory: every segment checked into the catalog, leftovers
 * of interrupted index writes removed.  Returns 0 or a negative errno. */
static int hist_load(struct pcapd_history *h)
{
    int fd = dup(h->dir_fd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return -errno;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        size_t base, len = strlen(de->d_name);
        struct hist_entry e;
        if (len > 8 && strcmp(de->d_name + len - 8, ".idx.tmp") == 0)
            unlinkat(h->dir_fd, de->d_name, 0);
        else if (hist_segment_name_ok(de->d_name, &base) && hist_check(h, de->d_name, &e) == 0 &&
                 (rc = hist_catalog_add(h, &e)) != 0)
            hist_map_free(e.map);
    }
    closedir(d);
    return rc;
}

/* ---- The store's thread ---- */

/* Registers the segment `s` writer `w` opened. */
static void hist_register(struct pcapd_history *h, struct hist_seg *s)
{
    struct hist_entry e = {.live = s};
    snprintf(e.name, sizeof(e.name), "%s", s->name);
    e.first_ts = s->first_ts;
    e.last_ts = atomic_load(&s->live_last_ts);
    pthread_mutex_lock(&h->lock);
    if (hist_catalog_add(h, &e) != 0) {
        /* Out of memory: the segment is found again at the next start. */
    }
    pthread_mutex_unlock(&h->lock);
}

/* Seals the segment `s` writer `w` closed: the file synced, its index
 * written (rebuilt from the file after a failed write), the file mapped
 * for queries while its pages are cached and closed, its entry made
 * static; a segment without records goes. */
static void hist_seal(struct pcapd_history *h, struct history_writer *w, struct hist_seg *s)
{
    uint64_t bytes = atomic_load(&s->live_bytes);
    struct hist_entry e = {0};
    snprintf(e.name, sizeof(e.name), "%s", s->name);
    int rc = -1;
    fsync(s->fd);
    if (s->rebuild) {
        rc = hist_rebuild(h, s->fd, bytes, &e);
    } else if (s->ix.records > 0) {
        hist_index_seal(&s->ix, bytes);
        e.first_ts = s->ix.first_ts;
        e.last_ts = s->ix.last_ts;
        e.records = s->ix.records;
        e.bytes = bytes;
        e.sealed = hist_segment_write_index(h->dir_fd, s->name, &s->ix) == 0;
        rc = 0;
    }
    if (rc == 0)
        e.map = hist_map_open(s->fd, e.bytes, true);
    close(s->fd);
    s->fd = -1;
    if (rc != 0)
        hist_unlink(h, s->name);
    fsync(h->dir_fd);
    pthread_mutex_lock(&h->lock);
    int i = hist_catalog_find_live(h, s);
    if (i >= 0 && rc == 0)
        h->entries[i] = e;
    else if (i >= 0)
        hist_catalog_remove(h, (unsigned)i);
    pthread_mutex_unlock(&h->lock);
    if (i < 0 || rc != 0)
        hist_map_free(e.map);
    hist_spsc_push(&w->free_segs, s);
}

/* Takes every event the writers queued.  Returns how many segments it
 * sealed. */
static unsigned hist_drain(struct pcapd_history *h)
{
    unsigned sealed = 0;
    pthread_mutex_lock(&h->lock);
    unsigned n = h->n_writers;
    struct history_writer *writers[HIST_MAX_WRITERS];
    memcpy(writers, h->writers, n * sizeof(writers[0]));
    pthread_mutex_unlock(&h->lock);
    for (unsigned i = 0; i < n; i++) {
        void *ev;
        while ((ev = hist_spsc_pop(&writers[i]->to_store)) != NULL) {
            if ((uintptr_t)ev & 1u) {
                hist_seal(h, writers[i], (struct hist_seg *)((uintptr_t)ev & ~(uintptr_t)1u));
                sealed++;
            } else {
                hist_register(h, ev);
            }
        }
    }
    return sealed;
}

/* Free bytes of the store's file system (UINT64_MAX if unknown). */
static uint64_t hist_free_bytes(const struct pcapd_history *h)
{
    struct statvfs sv;
    if (fstatvfs(h->dir_fd, &sv) != 0)
        return UINT64_MAX;
    return (uint64_t)sv.f_bavail * sv.f_frsize;
}

/* Why the oldest closed segment must go, or 0. */
static int hist_evict_cause(const struct pcapd_history *h, const struct hist_entry *e,
                            uint64_t total, uint64_t free_bytes, uint64_t now)
{
    if (total > h->cfg.max_bytes)
        return 1;
    if (e->last_ts + h->cfg.max_age_ns < now)
        return 2;
    if (free_bytes < h->cfg.reserve_bytes)
        return 3;
    return 0;
}

/* Evicts the oldest closed segments while the store is over its size, a
 * segment is older than the age bound, or the disk is short of free
 * space.  The files go after the lock is released. */
static void hist_evict(struct pcapd_history *h)
{
    uint64_t now = hist_now_ns(), free_bytes = hist_free_bytes(h), total = 0;
    char(*names)[HIST_NAME_SIZE] = NULL;
    struct hist_map **maps = NULL;
    unsigned n_names = 0, n_maps = 0;
    pthread_mutex_lock(&h->lock);
    for (unsigned i = 0; i < h->n_entries; i++) {
        hist_entry_refresh(&h->entries[i]);
        total += h->entries[i].bytes;
    }
    names = malloc((h->n_entries + 1) * sizeof(*names));
    maps = malloc((h->n_entries + 1) * sizeof(*maps));
    for (unsigned i = 0; names != NULL && maps != NULL && i < h->n_entries;) {
        struct hist_entry *e = &h->entries[i];
        int cause = e->live == NULL ? hist_evict_cause(h, e, total, free_bytes, now) : 0;
        if (cause == 0) {
            i++;
            continue;
        }
        h->evicted_size += cause == 1;
        h->evicted_age += cause == 2;
        h->evicted_disk += cause == 3;
        total -= e->bytes;
        free_bytes = free_bytes == UINT64_MAX ? free_bytes : free_bytes + e->bytes;
        memcpy(names[n_names++], e->name, HIST_NAME_SIZE);
        if ((maps[n_maps] = hist_map_drop(e->map)) != NULL)
            n_maps++;
        hist_catalog_remove(h, i);
    }
    pthread_mutex_unlock(&h->lock);
    /* (A query still reading an evicted segment keeps its mapping, and
     * so its pages, until it lets go.) */
    for (unsigned i = 0; i < n_names; i++)
        hist_unlink(h, names[i]);
    for (unsigned i = 0; i < n_maps; i++)
        hist_map_free(maps[i]);
    free(names);
    free(maps);
}

/* The store's thread. */
static void *hist_thread(void *arg)
{
    struct pcapd_history *h = arg;
    unsigned ticks = 0;
    while (!atomic_load(&h->quit)) {
        /* The bounds are checked once a second, and after every seal, so
         * a fast feeder does not take the store far past max_bytes. */
        if (hist_drain(h) > 0 || ticks++ % HIST_EVICT_EVERY == 0)
            hist_evict(h);
        struct pollfd pfd = {.fd = h->wake_fd, .events = POLLIN};
        uint64_t v;
        if (poll(&pfd, 1, HIST_TICK_MS) > 0 && read(h->wake_fd, &v, sizeof(v)) < 0) {
            /* Nothing was pending after all. */
        }
    }
    return NULL;
}

/* ---- The API ---- */

int hist_store_add_writer(struct pcapd_history *h, struct history_writer *w)
{
    pthread_mutex_lock(&h->lock);
    int rc = h->n_writers < HIST_MAX_WRITERS ? 0 : -ENOSPC;
    if (rc == 0)
        h->writers[h->n_writers++] = w;
    pthread_mutex_unlock(&h->lock);
    return rc;
}

void hist_store_wake(struct pcapd_history *h)
{
    uint64_t one = 1;
    if (write(h->wake_fd, &one, sizeof(one)) < 0) {
        /* The counter is full: the thread has a wake-up pending anyway. */
    }
}

/* Frees a store whose thread is not running. */
static void hist_free(struct pcapd_history *h)
{
    for (unsigned i = 0; i < h->n_writers; i++) {
        struct history_writer *w = h->writers[i];
        for (unsigned j = 0; j < HIST_SEG_POOL; j++) {
            if (w->pool[j].fd >= 0)
                close(w->pool[j].fd);
            hist_index_free(&w->pool[j].ix);
        }
        free(w->buf);
        free(w);
    }
    if (h->dir_fd >= 0)
        close(h->dir_fd);
    if (h->wake_fd >= 0)
        close(h->wake_fd);
    for (unsigned i = 0; i < h->n_entries; i++)
        hist_map_free(hist_map_drop(h->entries[i].map));
    pthread_mutex_destroy(&h->lock);
    free(h->entries);
    free(h);
}

int pcapd_history_open(const struct pcapd_history_config *cfg, struct pcapd_history **out,
                       char *err, unsigned err_size)
{
    struct pcapd_history *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        snprintf(err, err_size, "history: out of memory");
        return -ENOMEM;
    }
    h->cfg = *cfg;
    hist_defaults(&h->cfg);
    snprintf(h->dir, sizeof(h->dir), "%s", cfg->dir);
    h->cfg.dir = h->dir;
    h->dir_fd = -1;
    pthread_mutex_init(&h->lock, NULL);
    h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int rc = h->wake_fd < 0 ? -errno : 0;
    if (rc == 0 && mkdir(h->dir, 0700) != 0 && errno != EEXIST)
        rc = -errno;
    if (rc == 0 && (h->dir_fd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        rc = -errno;
    if (rc == 0)
        rc = hist_load(h);
    if (rc == 0) {
        rc = -pthread_create(&h->thread, NULL, hist_thread, h);
        h->thread_started = rc == 0;
    }
    if (rc != 0) {
        snprintf(err, err_size, "history: %s: %s", h->dir, strerror(-rc));
        hist_free(h);
        return rc;
    }
    *out = h;
    return 0;
}

void pcapd_history_close(struct pcapd_history *h)
{
    if (h == NULL)
        return;
    atomic_store(&h->quit, true);
    hist_store_wake(h);
    if (h->thread_started)
        pthread_join(h->thread, NULL);
    hist_drain(h);
    hist_free(h);
}

void pcapd_history_stats(struct pcapd_history *h, struct pcapd_history_stats *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_lock(&h->lock);
    for (unsigned i = 0; i < h->n_entries; i++) {
        struct hist_entry *e = &h->entries[i];
        hist_entry_refresh(e);
        if (e->records == 0)
            continue;
        if (s->segments == 0 || e->first_ts < s->oldest_ns)
            s->oldest_ns = e->first_ts;
        if (e->last_ts > s->newest_ns)
            s->newest_ns = e->last_ts;
        s->bytes += e->bytes;
        s->packets += e->records;
        s->segments++;
    }
    for (unsigned i = 0; i < h->n_writers; i++) {
        s->appended += atomic_load_explicit(&h->writers[i]->appended, memory_order_relaxed);
        s->dropped += atomic_load_explicit(&h->writers[i]->dropped, memory_order_relaxed);
    }
    s->evicted_size = h->evicted_size;
    s->evicted_age = h->evicted_age;
    s->evicted_disk = h->evicted_disk;
    s->repaired = h->repaired;
    s->removed = h->removed;
    pthread_mutex_unlock(&h->lock);
    s->sample_rate = h->cfg.sample_rate;
    s->max_bytes = h->cfg.max_bytes;
    s->max_age_ns = h->cfg.max_age_ns;
}
