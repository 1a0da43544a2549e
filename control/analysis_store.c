/*
 * The analysis API's files and the cache budget (see analysis_store.h).
 * The index of cached entries is an array under a mutex: entries number in
 * the thousands at most, and it is scanned only when one is added or
 * forgotten.
 */
#include "analysis_store.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis.h"
#include "capture.h"
#include "log.h"

/* One cached entry. */
struct cache_entry {
    /* Its path (a summary directory or a query file). */
    char *path;
    /* Bytes it takes. */
    uint64_t bytes;
    /* When it was last used, on the index's own clock. */
    uint64_t used;
};

/* The store's state; `lock` guards the index. */
static struct {
    char upload_dir[600];
    char cache_dir[600];
    uint64_t budget;
    pthread_mutex_t lock;
    struct cache_entry *entries;
    size_t n, cap;
    uint64_t total;
    uint64_t clock;
} store = {.lock = PTHREAD_MUTEX_INITIALIZER};

void analysis_store_upload_path(const char *account, const char *id, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s/%s.pcap", store.upload_dir, account, id);
}

int analysis_store_upload_dir(const char *account)
{
    char dir[700];
    snprintf(dir, sizeof(dir), "%s/%s", store.upload_dir, account);
    return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

void analysis_store_summary_path(const char *id, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s/summary-v%d", store.cache_dir, id, ANALYSIS_RESULTS_VERSION);
}

void analysis_store_view_path(const char *id, const char *view, const char *table, char *buf,
                              size_t size)
{
    snprintf(buf, size, "%s/%s/summary-v%d/%s%s%s.json", store.cache_dir, id,
             ANALYSIS_RESULTS_VERSION, view, table ? "-" : "", table ? table : "");
}

void analysis_store_query_path(const char *id, const char *hash, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s/q-%s.json", store.cache_dir, id, hash);
}

void analysis_store_error_path(const char *entry, char *buf, size_t size)
{
    snprintf(buf, size, "%s.error", entry);
}

int analysis_store_capture_dir(const char *id)
{
    char dir[700];
    snprintf(dir, sizeof(dir), "%s/%s", store.cache_dir, id);
    return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

/* nftw callback: removes one entry of a tree. */
static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Removes `path`, a file or a directory tree, and its error file. */
static void remove_tree(const char *path)
{
    char error[ANALYSIS_PATH_MAX + 8];
    nftw(path, remove_one, 8, FTW_DEPTH | FTW_PHYS);
    analysis_store_error_path(path, error, sizeof(error));
    unlink(error);
}

/* nftw callback: adds a file's size to the running total. */
static uint64_t tree_bytes_sum;
static int add_size(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)path;
    (void)ftw;
    if (type == FTW_F)
        tree_bytes_sum += (uint64_t)st->st_size;
    return 0;
}

/* Returns the bytes of the files under `path` (start-up only). */
static uint64_t tree_bytes(const char *path)
{
    tree_bytes_sum = 0;
    nftw(path, add_size, 8, FTW_PHYS);
    return tree_bytes_sum;
}

/* Adds an entry to the index (lock held).  Returns 0 or -1. */
static int index_add(const char *path, uint64_t bytes, uint64_t used)
{
    if (store.n == store.cap) {
        size_t cap = store.cap ? 2 * store.cap : 64;
        struct cache_entry *e = realloc(store.entries, cap * sizeof(*e));
        if (e == NULL)
            return -1;
        store.entries = e;
        store.cap = cap;
    }
    char *copy = strdup(path);
    if (copy == NULL)
        return -1;
    store.entries[store.n++] = (struct cache_entry){.path = copy, .bytes = bytes, .used = used};
    store.total += bytes;
    return 0;
}

/* Removes entry `i` from the index (lock held); returns its path, which
 * the caller frees. */
static char *index_take(size_t i)
{
    char *path = store.entries[i].path;
    store.total -= store.entries[i].bytes;
    store.entries[i] = store.entries[--store.n];
    return path;
}

/* Indexes the entries of capture directory `dir` (start-up).  Entries of
 * an older engine's format are deleted. */
static void index_capture_dir(const char *dir)
{
    char current[64], path[PATH_MAX];
    snprintf(current, sizeof(current), "summary-v%d", ANALYSIS_RESULTS_VERSION);
    DIR *d = opendir(dir);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(e->d_name);
        if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
            continue;
        bool summary = strcmp(e->d_name, current) == 0;
        bool query = strncmp(e->d_name, "q-", 2) == 0 && len > 7 &&
                     strcmp(e->d_name + len - 5, ".json") == 0;
        bool error = len > 6 && strcmp(e->d_name + len - 6, ".error") == 0;
        if (summary || query)
            index_add(path, tree_bytes(path), 0);
        else if (!error)
            remove_tree(path); /* An older engine's, or a crash's leftovers. */
    }
    if (d != NULL)
        closedir(d);
}

/* Indexes every cached entry (start-up).  Files of the flat layout of
 * earlier versions (ID.json, ID.q-HASH.json) are deleted: they would be
 * computed again anyway. */
static void index_all(void)
{
    char path[PATH_MAX];
    DIR *d = opendir(store.cache_dir);
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", store.cache_dir, e->d_name) >= (int)sizeof(path))
            continue;
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            index_capture_dir(path);
        else
            unlink(path);
    }
    if (d != NULL)
        closedir(d);
}

int analysis_store_init(const char *state_dir, uint64_t budget_bytes, char *err, unsigned err_size)
{
    snprintf(store.upload_dir, sizeof(store.upload_dir), "%s/uploads", state_dir);
    snprintf(store.cache_dir, sizeof(store.cache_dir), "%s/analysis", state_dir);
    store.budget = budget_bytes;
    if ((mkdir(store.upload_dir, 0700) != 0 && errno != EEXIST) ||
        (mkdir(store.cache_dir, 0700) != 0 && errno != EEXIST)) {
        snprintf(err, err_size, "%s: %s", state_dir, strerror(errno));
        return -1;
    }
    index_all();
    log_info("analysis_cache", "entries=%zu bytes=%llu budget_mb=%llu", store.n,
             (unsigned long long)store.total, (unsigned long long)(budget_bytes >> 20));
    return 0;
}

void analysis_store_discard(const char *path)
{
    remove_tree(path);
}

void analysis_store_used(const char *entry)
{
    pthread_mutex_lock(&store.lock);
    for (size_t i = 0; i < store.n; i++) {
        if (strcmp(store.entries[i].path, entry) == 0) {
            store.entries[i].used = ++store.clock;
            break;
        }
    }
    pthread_mutex_unlock(&store.lock);
}

/* Takes the least recently used entry out of the index if the cache is
 * over its budget, sparing `keep`.  Returns its path (to delete and free),
 * or NULL. */
static char *take_victim(const char *keep)
{
    char *victim = NULL;
    pthread_mutex_lock(&store.lock);
    if (store.total > store.budget) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < store.n; i++) {
            if (strcmp(store.entries[i].path, keep) != 0 &&
                (best == SIZE_MAX || store.entries[i].used < store.entries[best].used))
                best = i;
        }
        if (best != SIZE_MAX)
            victim = index_take(best);
    }
    pthread_mutex_unlock(&store.lock);
    return victim;
}

void analysis_store_added(const char *entry, uint64_t bytes)
{
    pthread_mutex_lock(&store.lock);
    index_add(entry, bytes, ++store.clock);
    pthread_mutex_unlock(&store.lock);
    for (char *victim; (victim = take_victim(entry)) != NULL; free(victim)) {
        remove_tree(victim);
        log_debug("analysis_cache_evicted", "entry=%s", log_q(victim));
    }
}

uint64_t analysis_store_cache_bytes(void)
{
    pthread_mutex_lock(&store.lock);
    uint64_t total = store.total;
    pthread_mutex_unlock(&store.lock);
    return total;
}

void analysis_store_forget(const char *id)
{
    char dir[700];
    size_t len = (size_t)snprintf(dir, sizeof(dir), "%s/%s/", store.cache_dir, id);
    pthread_mutex_lock(&store.lock);
    for (size_t i = 0; i < store.n;) {
        if (strncmp(store.entries[i].path, dir, len) == 0)
            free(index_take(i));
        else
            i++;
    }
    pthread_mutex_unlock(&store.lock);
    dir[len - 1] = '\0';
    remove_tree(dir);
}

int analysis_store_expire_uploads(int64_t before_ms)
{
    char path[1300];
    DIR *accounts = opendir(store.upload_dir);
    int n = 0;
    for (struct dirent *a; accounts != NULL && (a = readdir(accounts)) != NULL;) {
        snprintf(path, sizeof(path), "%s/%s", store.upload_dir, a->d_name);
        DIR *files = a->d_name[0] == '.' ? NULL : opendir(path);
        for (struct dirent *f; files != NULL && (f = readdir(files)) != NULL;) {
            struct stat st;
            size_t len = strlen(f->d_name);
            snprintf(path, sizeof(path), "%s/%s/%s", store.upload_dir, a->d_name, f->d_name);
            if (len != CAPTURE_ID_LEN + 5 || strcmp(f->d_name + CAPTURE_ID_LEN, ".pcap") != 0 ||
                stat(path, &st) != 0 || (int64_t)st.st_mtime * 1000 >= before_ms)
                continue;
            /* Its answers first: once the upload is gone it is 404, and
             * nothing of it may be left then. */
            char id[CAPTURE_ID_LEN + 1];
            memcpy(id, f->d_name, CAPTURE_ID_LEN);
            id[CAPTURE_ID_LEN] = '\0';
            analysis_store_forget(id);
            unlink(path);
            n++;
        }
        if (files != NULL)
            closedir(files);
    }
    if (accounts != NULL)
        closedir(accounts);
    return n;
}
