/*
 * Bucket ownership challenges (the reference's /pcaps/ownership): a
 * record per challenge written into a customer's bucket, with the hash of
 * the random token the file holds, its status (pending, success, failed)
 * and times.  A full capture may name a destination only once a challenge
 * of its bucket and folder is validated for its account.
 *
 * The table lives in pcapd.db; reads run on the event loop's connection,
 * writes on the store thread's.  Neither the token nor credentials are
 * kept: the destination is stored redacted, with its identity
 * (destination_identity()).
 */
#ifndef PCAPD_OWNERSHIP_H
#define PCAPD_OWNERSHIP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "capture.h"
#include "config.h"

/* Length of an ownership id (hex digits) and of a challenge token. */
#define OWNERSHIP_ID_LEN 32
#define OWNERSHIP_TOKEN_LEN 32

/* `status` of a challenge. */
enum ownership_status {
    OWNERSHIP_PENDING,
    OWNERSHIP_SUCCESS,
    OWNERSHIP_FAILED,
};

/* One challenge. */
struct ownership {
    char id[OWNERSHIP_ID_LEN + 1];
    char account_id[65];
    /* The destination string, redacted, and its identity. */
    char destination_conf[CAPTURE_DESTINATION_SIZE + 64];
    char identity[1024];
    /* The challenge file's name. */
    char filename[64];
    /* SHA-256 of the token the file holds. */
    unsigned char token_hash[32];
    enum ownership_status status;
    /* When it was created and validated (ms since the epoch; 0: never). */
    int64_t submitted_ms;
    int64_t validated_ms;
};

/* Creates the table if needed (on the connection the store opens).
 * Returns SQLITE_OK or an error. */
int ownership_store_init(sqlite3 *db);

/* The API's JSON of `o`. */
json_t *ownership_to_json(const struct ownership *o);

/* Hashes `token` (surrounding white space ignored: it is pasted by hand)
 * into `hash`. */
void ownership_hash_token(const char *token, unsigned char hash[32]);

/* Inserts, updates (status and validated time) or deletes `o`.  Returns 0,
 * 1 when there is no such row (update, delete), or -1. */
int ownership_insert(sqlite3 *db, const struct ownership *o);
int ownership_update(sqlite3 *db, const struct ownership *o);
int ownership_delete(sqlite3 *db, const char *account, const char *id);

/* Reads challenge `id` of `account` into `o`.  Returns 0, 1 if there is
 * none, or -1. */
int ownership_get(sqlite3 *db, const char *account, const char *id, struct ownership *o);

/* Reads the newest challenge of `account` for destination `identity`.
 * Returns 0, 1 if there is none, or -1. */
int ownership_find(sqlite3 *db, const char *account, const char *identity, struct ownership *o);

/* Calls `fn` for each challenge of `account`, oldest first.  Returns 0 or
 * -1. */
int ownership_list(sqlite3 *db, const char *account,
                   void (*fn)(const struct ownership *o, void *arg), void *arg);

/* Checks that the full capture `c` may be delivered where it says: its
 * destination parses, has credentials, and a validated challenge of the
 * account (or, without destination, that full_destination allows none).
 * Returns 0, or -1 with `err` (a 400 answer's code and message). */
int ownership_check_capture(sqlite3 *db, const struct config *cfg, const struct capture *c,
                            struct capture_error *err);

#endif /* PCAPD_OWNERSHIP_H */
