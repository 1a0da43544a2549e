/*
 * API tokens and request authentication.  A token is its public id (16 hex
 * digits, the row key) followed by 144 random bits in base64url; the store
 * keeps SHA-256(salt || token) with a random 16-byte salt per token.  Since
 * tokens are long and random, one salted hash is enough (no key
 * stretching); hashes are compared in constant time.
 */
#include "auth.h"

#include "auth_throttle.h"

#include <stdbool.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* Random bytes behind a token's secret part (24 base64url characters). */
#define SECRET_BYTES 18

/* Fills `buf` with `len` random bytes.  Returns 0 or -1. */
static int random_bytes(uint8_t *buf, size_t len)
{
    return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/* Writes the base64url form of `len` bytes (a multiple of 3) to `out`. */
static void base64url(const uint8_t *in, size_t len, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (size_t i = 0; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        for (int k = 0; k < 4; k++)
            *out++ = alphabet[(v >> (18 - 6 * k)) & 63];
    }
    *out = '\0';
}

/* Computes SHA-256(salt || token) into `hash`.  Returns 0 or -1. */
static int token_hash(const uint8_t *salt, const char *token, size_t len, uint8_t *hash)
{
    uint8_t buf[TOKEN_SALT_LEN + AUTH_TOKEN_LEN];
    unsigned int out_len = 0;
    if (len != AUTH_TOKEN_LEN)
        return -1;
    memcpy(buf, salt, TOKEN_SALT_LEN);
    memcpy(buf + TOKEN_SALT_LEN, token, len);
    if (EVP_Digest(buf, sizeof(buf), hash, &out_len, EVP_sha256(), NULL) != 1 ||
        out_len != TOKEN_HASH_LEN)
        return -1;
    return 0;
}

int auth_token_create(const char *account, enum token_permission permission, const char *email,
                      int64_t now_ms, struct token_record *rec, char *token)
{
    uint8_t id_raw[TOKEN_ID_LEN / 2], secret[SECRET_BYTES];
    memset(rec, 0, sizeof(*rec));
    if (random_bytes(id_raw, sizeof(id_raw)) != 0 || random_bytes(secret, sizeof(secret)) != 0 ||
        random_bytes(rec->salt, sizeof(rec->salt)) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(id_raw); i++)
        snprintf(rec->id + 2 * i, 3, "%02x", id_raw[i]);
    memcpy(token, rec->id, TOKEN_ID_LEN);
    base64url(secret, sizeof(secret), token + TOKEN_ID_LEN);
    snprintf(rec->account_id, sizeof(rec->account_id), "%s", account);
    snprintf(rec->email, sizeof(rec->email), "%s", email ? email : "");
    rec->permission = permission;
    rec->created_ms = now_ms;
    return token_hash(rec->salt, token, AUTH_TOKEN_LEN, rec->hash);
}

/* Tells whether `token` has the form of a token: a lowercase hex id, then
 * base64url characters. */
static int token_well_formed(const char *token, size_t len)
{
    if (len != AUTH_TOKEN_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = token[i];
        int hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
        int b64 =
            hex || (ch >= 'A' && ch <= 'Z') || (ch >= 'g' && ch <= 'z') || ch == '-' || ch == '_';
        if (i < TOKEN_ID_LEN ? !hex : !b64)
            return 0;
    }
    return 1;
}

/* Tokens verified since the token store last changed, so that a request
 * with a known token costs one hash-table probe instead of a database read
 * and a salted SHA-256.  Any change committed to the database (a token
 * created or revoked by `pcapd token`, or a capture written by the store
 * thread) empties it, so a revocation takes effect with the next request.
 * Event loop only; legacy e-mail and key pairs are not cached. */
#define AUTH_CACHE_SLOTS 1024
static struct {
    /* token_store_version() when the entries were verified. */
    int64_t version;
    struct {
        bool used;
        char token[AUTH_TOKEN_LEN];
        struct auth_identity who;
    } slots[AUTH_CACHE_SLOTS];
} auth_cache = {.version = -2};

/* Returns the cache slot of `token` (AUTH_TOKEN_LEN characters). */
static unsigned cache_slot(const char *token)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < AUTH_TOKEN_LEN; i++)
        h = (h ^ (unsigned char)token[i]) * 16777619u;
    return h & (AUTH_CACHE_SLOTS - 1);
}

/* Looks `token` up in the cache, emptying it first if the store changed.
 * Returns true with `who` filled on a hit. */
static bool cache_lookup(struct token_store *store, const char *token, struct auth_identity *who)
{
    int64_t version = token_store_version(store);
    if (version < 0 || version != auth_cache.version) {
        memset(auth_cache.slots, 0, sizeof(auth_cache.slots));
        auth_cache.version = version;
        return false;
    }
    unsigned i = cache_slot(token);
    if (!auth_cache.slots[i].used ||
        CRYPTO_memcmp(auth_cache.slots[i].token, token, AUTH_TOKEN_LEN) != 0)
        return false;
    *who = auth_cache.slots[i].who;
    return true;
}

/* Keeps a verified token in the cache. */
static void cache_keep(const char *token, const struct auth_identity *who)
{
    if (auth_cache.version < 0)
        return;
    unsigned i = cache_slot(token);
    auth_cache.slots[i].used = true;
    memcpy(auth_cache.slots[i].token, token, AUTH_TOKEN_LEN);
    auth_cache.slots[i].who = *who;
}

enum auth_status auth_verify(struct token_store *store, const char *token, size_t len,
                             const char *email, size_t email_len, struct auth_identity *who)
{
    if (email == NULL && len == AUTH_TOKEN_LEN && cache_lookup(store, token, who))
        return AUTH_OK;
    char id[TOKEN_ID_LEN + 1];
    struct token_record rec;
    uint8_t hash[TOKEN_HASH_LEN];
    if (!token_well_formed(token, len))
        return AUTH_INVALID;
    memcpy(id, token, TOKEN_ID_LEN);
    id[TOKEN_ID_LEN] = '\0';
    int rc = token_store_get(store, id, &rec);
    if (rc < 0)
        return AUTH_STORE_ERROR;
    if (rc > 0 || token_hash(rec.salt, token, len, hash) != 0 ||
        CRYPTO_memcmp(hash, rec.hash, sizeof(hash)) != 0)
        return AUTH_INVALID;
    if (email != NULL && (rec.email[0] == '\0' || strlen(rec.email) != email_len ||
                          strncasecmp(rec.email, email, email_len) != 0))
        return AUTH_INVALID;
    snprintf(who->account_id, sizeof(who->account_id), "%s", rec.account_id);
    snprintf(who->token_id, sizeof(who->token_id), "%s", rec.id);
    who->permission = rec.permission;
    if (email == NULL)
        cache_keep(token, who);
    return AUTH_OK;
}

/* Returns the value of header `name` (lowercase) of `req`, or NULL. */
static const h2o_iovec_t *find_header(h2o_req_t *req, const char *name)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);
    return i < 0 ? NULL : &req->headers.entries[i].value;
}

/* Authenticates an `Authorization` header value. */
static enum auth_status auth_bearer(struct token_store *store, const h2o_iovec_t *value,
                                    bool bare_ok, struct auth_identity *who, char *why,
                                    size_t why_size)
{
    static const char scheme[] = "bearer ";
    size_t n = sizeof(scheme) - 1;
    if (bare_ok && (value->len <= n || strncasecmp(value->base, scheme, n) != 0)) {
        /* CloudShark's clients send the bare token. */
        enum auth_status st = auth_verify(store, value->base, value->len, NULL, 0, who);
        if (st == AUTH_INVALID)
            snprintf(why, why_size,
                     "Authorization: the API token is not valid (unknown or revoked)");
        return st;
    }
    if (value->len <= n || strncasecmp(value->base, scheme, n) != 0) {
        snprintf(why, why_size, "Authorization: must be \"Bearer\" followed by an API token");
        return AUTH_INVALID;
    }
    const char *token = value->base + n;
    size_t len = value->len - n;
    while (len > 0 && *token == ' ') {
        token++;
        len--;
    }
    enum auth_status st = auth_verify(store, token, len, NULL, 0, who);
    if (st == AUTH_INVALID)
        snprintf(why, why_size, "Authorization: the API token is not valid (unknown or revoked)");
    return st;
}

/* Authenticates the legacy X-Auth-Email + X-Auth-Key pair. */
static enum auth_status auth_legacy(struct token_store *store, const h2o_iovec_t *email,
                                    const h2o_iovec_t *key, struct auth_identity *who, char *why,
                                    size_t why_size)
{
    if (email == NULL || key == NULL) {
        snprintf(why, why_size, "%s: must be given together with %s",
                 email ? "X-Auth-Email" : "X-Auth-Key", email ? "X-Auth-Key" : "X-Auth-Email");
        return AUTH_INVALID;
    }
    enum auth_status st = auth_verify(store, key->base, key->len, email->base, email->len, who);
    if (st == AUTH_INVALID)
        snprintf(why, why_size,
                 "X-Auth-Email, X-Auth-Key: the e-mail address and key do not "
                 "match a valid key");
    return st;
}

enum auth_status auth_request(struct token_store *store, h2o_req_t *req, bool bare_ok,
                              struct auth_identity *who, unsigned *retry_after, char *why,
                              size_t why_size)
{
    struct sockaddr_storage peer;
    bool known_peer = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&peer) > 0;
    *retry_after = known_peer ? auth_throttle_wait((struct sockaddr *)&peer) : 0;
    if (*retry_after > 0) {
        snprintf(why, why_size, "too many failed authentications from this address; retry in %u s",
                 *retry_after);
        return AUTH_THROTTLED;
    }
    const h2o_iovec_t *authorization = find_header(req, "authorization");
    const h2o_iovec_t *email = find_header(req, "x-auth-email");
    const h2o_iovec_t *key = find_header(req, "x-auth-key");
    enum auth_status st;
    if (authorization != NULL)
        st = auth_bearer(store, authorization, bare_ok, who, why, why_size);
    else if (email != NULL || key != NULL)
        st = auth_legacy(store, email, key, who, why, why_size);
    else {
        snprintf(why, why_size,
                 "no credentials: send \"Authorization: Bearer TOKEN\" or "
                 "X-Auth-Email and X-Auth-Key");
        st = AUTH_MISSING;
    }
    if (st == AUTH_STORE_ERROR)
        snprintf(why, why_size, "the token store could not be read; retry shortly");
    if (st == AUTH_INVALID && known_peer)
        auth_throttle_failure((struct sockaddr *)&peer);
    return st;
}
