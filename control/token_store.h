/*
 * The token store: API tokens persisted in the SQLite database of the state
 * directory (pcapd.db, WAL mode, its own connection), so the daemon and the
 * `pcapd token` command line share them.  Only a salted hash of each token
 * is kept; the token itself is shown once, when it is created.
 */
#ifndef PCAPD_TOKEN_STORE_H
#define PCAPD_TOKEN_STORE_H

#include <stdint.h>

#include <sqlite3.h>

/* Length of a token id: 16 lowercase hex digits. */
#define TOKEN_ID_LEN 16
/* Bytes of a token's salt. */
#define TOKEN_SALT_LEN 16
/* Bytes of a token's hash (SHA-256). */
#define TOKEN_HASH_LEN 32
/* Room for an account id and its terminating NUL. */
#define TOKEN_ACCOUNT_SIZE 65
/* Room for an e-mail address and its terminating NUL. */
#define TOKEN_EMAIL_SIZE 256

/* What a token allows.  Write implies read. */
enum token_permission {
    /* List, get and download captures. */
    TOKEN_READ = 1,
    /* Also create and stop captures. */
    TOKEN_WRITE = 2,
};

/* One token, as stored. */
struct token_record {
    /* Public identifier: the first TOKEN_ID_LEN characters of the token. */
    char id[TOKEN_ID_LEN + 1];
    /* The only account the token gives access to. */
    char account_id[TOKEN_ACCOUNT_SIZE];
    /* What the token allows. */
    enum token_permission permission;
    /* E-mail address for the legacy X-Auth-Email + X-Auth-Key pair, or
     * empty when the token is a Bearer token only. */
    char email[TOKEN_EMAIL_SIZE];
    /* Random salt of the hash. */
    uint8_t salt[TOKEN_SALT_LEN];
    /* SHA-256 of the salt followed by the token. */
    uint8_t hash[TOKEN_HASH_LEN];
    /* Creation time, milliseconds since the Unix epoch. */
    int64_t created_ms;
};

struct token_store;

/* Names of the permissions, as the command line spells them. */
const char *token_permission_name(enum token_permission permission);
/* Parses a permission name; returns -1 if `name` is none. */
int token_permission_parse(const char *name);

/* Opens (creating if needed) the token table of the database at `path`;
 * its statements wait at most `busy_ms` for another connection's lock.
 * Returns 0, or -1 with a message in `err`. */
int token_store_open(const char *path, unsigned busy_ms, struct token_store **store, char *err,
                     unsigned err_size);

/* Opens the token table on `db`, an open connection of the same database
 * that the caller keeps (and closes after this store): the daemon reads
 * tokens on its event loop's connection, within the request's read
 * transaction.  Returns 0, or -1 with a message in `err`. */
int token_store_open_shared(sqlite3 *db, struct token_store **store, char *err, unsigned err_size);

/* Closes the store (and its connection if it opened it); NULL is allowed. */
void token_store_close(struct token_store *store);

/* Inserts a new token.  Returns 0 or -1. */
int token_store_insert(struct token_store *store, const struct token_record *t);

/* Reads token `id` into `t`.  Returns 0, 1 if there is no such token, or
 * -1 on error. */
int token_store_get(struct token_store *store, const char *id, struct token_record *t);

/* Returns a number that changes whenever another connection (another
 * process's `pcapd token`, or the daemon's store thread) has committed a
 * change to the database since the last call on this store, or -1 on
 * error; a cache of verified tokens is valid while it stays the same. */
int64_t token_store_version(struct token_store *store);

/* Calls `fn` for every token (of `account` only, unless it is NULL), oldest
 * first.  Returns 0 or -1. */
int token_store_list(struct token_store *store, const char *account,
                     void (*fn)(const struct token_record *t, void *arg), void *arg);

/* Deletes token `id`.  Returns 0, 1 if there is no such token, or -1. */
int token_store_delete(struct token_store *store, const char *id);

#endif /* PCAPD_TOKEN_STORE_H */
