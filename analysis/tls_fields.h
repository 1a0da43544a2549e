/* The fields of TLS ClientHello and ServerHello messages (tls_fields.c),
 * shared by TLS over TCP and QUIC. */
#ifndef PCAPD_ANALYSIS_TLS_FIELDS_H
#define PCAPD_ANALYSIS_TLS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* The server name field (registered by dissectors/tls.c, recorded here). */
extern int tls_hf_server_name;

/* Registers the hello fields under protocol proto (TLS). */
void tls_fields_register(int proto);

struct tls_session;

/* Records the fields of a complete handshake message of len bytes (its
 * 4-byte header included), avail bytes being readable from its start (a
 * short message's fixed fields read on into what follows it, as
 * Wireshark's do): its length, a ClientHello's or ServerHello's fields,
 * and the signature algorithm and other fields of the messages that
 * carry them.  A ServerHello's choices are kept in *session (NULL: not
 * kept), whose ServerKeyExchange layout depends on them. */
void tls_message_fields(struct tls_session *session, struct frame_fields *ff, const uint8_t *m,
                        size_t len, size_t avail);

/* Records the fields of an SSLv2 ClientHello (n bytes at p, its record
 * header included) that Wireshark shows under TLS names. */
void tls_v2_hello_fields(struct frame_fields *ff, const uint8_t *p, size_t n);

/* Returns true when ff wants one of the hello fields. */
bool tls_hello_fields_wanted(const struct frame_fields *ff);

#endif
