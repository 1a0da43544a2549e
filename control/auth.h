/*
 * Credentials of the API: creating API tokens (random, shown once, stored
 * as a salted SHA-256), and authenticating a request by its
 * `Authorization: Bearer TOKEN` header or the legacy `X-Auth-Email` +
 * `X-Auth-Key` pair.  A token belongs to one account and carries read or
 * write permission.
 */
#ifndef PCAPD_AUTH_H
#define PCAPD_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "h2o.h"
#include "token_store.h"

/* Characters of a token: its 16-hex-digit id, then 24 base64url
 * characters of secret (144 random bits). */
#define AUTH_TOKEN_LEN 40

/* Outcome of authenticating a request. */
enum auth_status {
    /* The credentials name a valid token; the identity is filled. */
    AUTH_OK,
    /* The request carries no credentials at all. */
    AUTH_MISSING,
    /* The credentials are malformed, unknown, revoked or do not match. */
    AUTH_INVALID,
    /* The token store failed (or was held by another process too long). */
    AUTH_STORE_ERROR,
    /* The client's address failed to authenticate too often lately
     * (auth_throttle.h); nothing was checked. */
    AUTH_THROTTLED,
};

/* Who a request acts as. */
struct auth_identity {
    /* The account the token belongs to. */
    char account_id[TOKEN_ACCOUNT_SIZE];
    /* What the token allows. */
    enum token_permission permission;
    /* The token's public id. */
    char token_id[TOKEN_ID_LEN + 1];
};

/* Makes a new token for `account` with `permission` and, unless `email` is
 * NULL or empty, the legacy e-mail address: fills `rec` (to be stored) and
 * writes the token itself into `token` (AUTH_TOKEN_LEN + 1 bytes).
 * Returns 0, or -1 if the system has no randomness or hashing fails. */
int auth_token_create(const char *account, enum token_permission permission, const char *email,
                      int64_t now_ms, struct token_record *rec, char *token);

/* Checks `token` (of `len` bytes) against the store; when `email` is not
 * NULL the token must also have been created with that e-mail address
 * (compared without regard to case).  Fills `who` on success. */
enum auth_status auth_verify(struct token_store *store, const char *token, size_t len,
                             const char *email, size_t email_len, struct auth_identity *who);

/* Authenticates `req` by its headers, preferring Authorization over the
 * legacy pair, unless its client is throttled (`*retry_after` then gets
 * the seconds to wait); counts invalid credentials against the client.
 * On failure other than AUTH_OK writes the reason, for the error message,
 * into `why`.  With `bare_ok`, `Authorization: TOKEN` (no scheme, as
 * CloudShark's clients send it) is accepted too. */
enum auth_status auth_request(struct token_store *store, h2o_req_t *req, bool bare_ok,
                              struct auth_identity *who, unsigned *retry_after, char *why,
                              size_t why_size);

#endif /* PCAPD_AUTH_H */
