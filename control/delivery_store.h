/*
 * What a restart needs to resume a multipart upload: the upload id the
 * store gave, the file and part sizes it was cut with, and the ETag of
 * every part the store has.  Two tables of pcapd.db, written by the
 * delivery thread on its own connection as each step completes.
 */
#ifndef PCAPD_DELIVERY_STORE_H
#define PCAPD_DELIVERY_STORE_H

#include <stdint.h>

#include <sqlite3.h>

/* Room for an upload id and an ETag. */
#define DELIVERY_UPLOAD_ID_SIZE 512
#define DELIVERY_ETAG_SIZE 128

/* A multipart upload under way. */
struct delivery_record {
    char upload_id[DELIVERY_UPLOAD_ID_SIZE];
    uint64_t file_size;
    uint32_t part_size;
};

/* Creates the tables if needed.  Returns SQLITE_OK or an error. */
int delivery_store_init(sqlite3 *db);

/* Reads the upload of capture `id` into `r`, and calls `part` for each
 * part the store has.  Returns 0, 1 if there is none, or -1. */
int delivery_store_load(sqlite3 *db, const char *id, struct delivery_record *r,
                        void (*part)(unsigned number, const char *etag, void *arg), void *arg);

/* Records the upload of capture `id` (forgetting its parts).  Returns 0
 * or -1. */
int delivery_store_begin(sqlite3 *db, const char *id, const struct delivery_record *r);

/* Records that part `number` of capture `id` is stored as `etag`.
 * Returns 0 or -1. */
int delivery_store_part(sqlite3 *db, const char *id, unsigned number, const char *etag);

/* Forgets the upload of capture `id`.  Returns 0 or -1. */
int delivery_store_forget(sqlite3 *db, const char *id);

#endif /* PCAPD_DELIVERY_STORE_H */
