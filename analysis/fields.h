/* Per-packet fields with Wireshark's names, types and text forms: the
 * registry of every field the engine knows (value fields such as
 * "ip.src" and protocol names such as "dns", usable in display filters),
 * and the per-frame store the dissectors fill and the display-filter
 * evaluator and the packets/fields API read.
 *
 * A dissector records a value only when the current query wants its field
 * (field_add_* return at once otherwise), so the summary pass, which wants
 * none, pays one branch per call. */
#ifndef PCAPD_ANALYSIS_FIELDS_H
#define PCAPD_ANALYSIS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocols.h"

/* The kinds of values, with the text form `tshark -T fields` prints. */
enum field_type {
    FT_PROTOCOL = 0, /* A protocol name: presence only; no value. */
    FT_UINT,         /* Unsigned integer, decimal, or hex when hex_digits > 0 ("0x0012"). */
    FT_BOOL,         /* Boolean flag: "1" or "0". */
    FT_TIME,         /* Signed time in nanoseconds, printed as seconds with 9 decimals. */
    FT_IPV4,         /* IPv4 address: dotted quad. */
    FT_IPV6,         /* IPv6 address: RFC 5952 text. */
    FT_ETHER,        /* MAC address: "00:11:22:33:44:55". */
    FT_STRING,       /* Text, already in the form tshark prints it. */
};

/* X-macro list of the value fields: X(ENUM_SUFFIX, "wireshark.name", type, hex_digits). */
#define FIELD_LIST(X)                                                                              \
    X(FRAME_NUMBER, "frame.number", FT_UINT, 0)                                                    \
    X(FRAME_TIME_EPOCH, "frame.time_epoch", FT_TIME, 0)                                            \
    X(FRAME_TIME_RELATIVE, "frame.time_relative", FT_TIME, 0)                                      \
    X(FRAME_LEN, "frame.len", FT_UINT, 0)                                                          \
    X(FRAME_CAP_LEN, "frame.cap_len", FT_UINT, 0)                                                  \
    X(ETH_SRC, "eth.src", FT_ETHER, 0)                                                             \
    X(ETH_DST, "eth.dst", FT_ETHER, 0)                                                             \
    X(ETH_ADDR, "eth.addr", FT_ETHER, 0)                                                           \
    X(VLAN_ID, "vlan.id", FT_UINT, 0)                                                              \
    X(IP_SRC, "ip.src", FT_IPV4, 0)                                                                \
    X(IP_DST, "ip.dst", FT_IPV4, 0)                                                                \
    X(IP_ADDR, "ip.addr", FT_IPV4, 0)                                                              \
    X(IP_PROTO, "ip.proto", FT_UINT, 0)                                                            \
    X(IP_TTL, "ip.ttl", FT_UINT, 0)                                                                \
    X(IPV6_SRC, "ipv6.src", FT_IPV6, 0)                                                            \
    X(IPV6_DST, "ipv6.dst", FT_IPV6, 0)                                                            \
    X(IPV6_ADDR, "ipv6.addr", FT_IPV6, 0)                                                          \
    X(TCP_SRCPORT, "tcp.srcport", FT_UINT, 0)                                                      \
    X(TCP_DSTPORT, "tcp.dstport", FT_UINT, 0)                                                      \
    X(TCP_PORT, "tcp.port", FT_UINT, 0)                                                            \
    X(TCP_STREAM, "tcp.stream", FT_UINT, 0)                                                        \
    X(TCP_FLAGS, "tcp.flags", FT_UINT, 4)                                                          \
    X(TCP_FLAGS_SYN, "tcp.flags.syn", FT_BOOL, 0)                                                  \
    X(TCP_FLAGS_ACK, "tcp.flags.ack", FT_BOOL, 0)                                                  \
    X(TCP_FLAGS_FIN, "tcp.flags.fin", FT_BOOL, 0)                                                  \
    X(TCP_FLAGS_RESET, "tcp.flags.reset", FT_BOOL, 0)                                              \
    X(TCP_LEN, "tcp.len", FT_UINT, 0)                                                              \
    X(TCP_INITIAL_RTT, "tcp.analysis.initial_rtt", FT_TIME, 0)                                     \
    X(UDP_SRCPORT, "udp.srcport", FT_UINT, 0)                                                      \
    X(UDP_DSTPORT, "udp.dstport", FT_UINT, 0)                                                      \
    X(UDP_PORT, "udp.port", FT_UINT, 0)                                                            \
    X(UDP_STREAM, "udp.stream", FT_UINT, 0)                                                        \
    X(DNS_ID, "dns.id", FT_UINT, 4)                                                                \
    X(DNS_FLAGS_RESPONSE, "dns.flags.response", FT_BOOL, 0)                                        \
    X(DNS_FLAGS_RCODE, "dns.flags.rcode", FT_UINT, 0)                                              \
    X(DNS_QRY_NAME, "dns.qry.name", FT_STRING, 0)                                                  \
    X(DNS_QRY_TYPE, "dns.qry.type", FT_UINT, 0)                                                    \
    X(DNS_A, "dns.a", FT_IPV4, 0)                                                                  \
    X(DNS_AAAA, "dns.aaaa", FT_IPV6, 0)                                                            \
    X(DNS_TIME, "dns.time", FT_TIME, 0)                                                            \
    X(DNS_CNAME, "dns.cname", FT_STRING, 0)                                                        \
    X(DNS_RESPONSE_IN, "dns.response_in", FT_UINT, 0)                                              \
    X(DNS_RESPONSE_TO, "dns.response_to", FT_UINT, 0)                                              \
    X(TLS_HANDSHAKE_TYPE, "tls.handshake.type", FT_UINT, 0)                                        \
    X(TLS_SNI, "tls.handshake.extensions_server_name", FT_STRING, 0)                               \
    X(QUIC_VERSION, "quic.version", FT_UINT, 8)                                                    \
    X(HTTP_REQUEST, "http.request", FT_BOOL, 0)                                                    \
    X(HTTP_RESPONSE, "http.response", FT_BOOL, 0)                                                  \
    X(HTTP_RESPONSE_CODE, "http.response.code", FT_UINT, 0)                                        \
    X(HTTP_REQUEST_METHOD, "http.request.method", FT_STRING, 0)                                    \
    X(HTTP_HOST, "http.host", FT_STRING, 0)                                                        \
    X(HTTP_REQUEST_URI, "http.request.uri", FT_STRING, 0)                                          \
    X(DHCP_OPTION_HOSTNAME, "dhcp.option.hostname", FT_STRING, 0)

/* The field ids: value fields first (F_FRAME_NUMBER ...), then one
 * protocol field per enum proto_id (F_PROTO_BASE + id), then "frame". */
enum field_id {
#define FIELD_ENUM(e, name, type, hex) F_##e,
    FIELD_LIST(FIELD_ENUM)
#undef FIELD_ENUM
        F_PROTO_BASE,                     /* First protocol field: F_PROTO_BASE + PROTO_ETH. */
    F_FRAME = F_PROTO_BASE + PROTO_COUNT, /* The "frame" protocol, present in every frame. */
    F_COUNT                               /* Number of fields, not one. */
};

/* The description of one field. */
struct field_def {
    const char *name;     /* Wireshark's name, e.g. "ip.src" or "dns". */
    enum field_type type; /* Kind of its values. */
    uint8_t hex_digits;   /* For FT_UINT: hex digits printed, or 0 for decimal. */
};

/* Returns the field of a protocol. */
static inline enum field_id field_of_proto(enum proto_id p)
{
    return (enum field_id)(F_PROTO_BASE + p);
}

/* Returns the description of a field id. */
const struct field_def *field_def(enum field_id id);

/* Looks a field up by its Wireshark name (exact, case-sensitive);
 * returns its id, or -1 for an unknown name. */
int field_lookup(const char *name, size_t len);

/* One recorded occurrence of a field in a frame. */
struct field_value {
    uint16_t id; /* The field (an enum field_id). */
    union {
        uint64_t u;      /* FT_UINT, FT_BOOL (0 or 1). */
        int64_t ns;      /* FT_TIME. */
        uint8_t ip4[4];  /* FT_IPV4, network byte order. */
        uint8_t ip6[16]; /* FT_IPV6, network byte order. */
        uint8_t mac[6];  /* FT_ETHER. */
        struct {
            uint32_t off; /* Offset of the text in the frame's string arena. */
            uint32_t len; /* Its length in bytes (no NUL is stored). */
        } str;            /* FT_STRING. */
    } v;
};

/* The fields of one frame, in the order the dissectors met them (which is
 * the order tshark prints occurrences), and which fields are wanted. */
struct frame_fields {
    struct field_value *vals; /* Recorded occurrences. */
    uint32_t n;               /* Number of occurrences recorded. */
    uint32_t cap;             /* Allocated entries in vals. */
    char *arena;              /* Text of the FT_STRING occurrences. */
    uint32_t arena_len;       /* Bytes used in arena. */
    uint32_t arena_cap;       /* Bytes allocated in arena. */
    bool oom;                 /* True when an occurrence was lost to a failed allocation. */
    bool want_any;            /* True when at least one field is wanted. */
    bool want[F_COUNT];       /* Per field: true when the query uses it. */
};

/* Prepares an empty store wanting nothing. */
void frame_fields_init(struct frame_fields *ff);

/* Marks a field as wanted (a protocol field marks only its presence). */
void frame_fields_want(struct frame_fields *ff, enum field_id id);

/* Forgets the occurrences of the previous frame, keeping the wanted set and memory. */
static inline void frame_fields_reset(struct frame_fields *ff)
{
    ff->n = 0;
    ff->arena_len = 0;
    ff->oom = false;
}

/* Frees the store's memory. */
void frame_fields_free(struct frame_fields *ff);

/* Returns true when ff is not NULL and wants the field: dissectors may test
 * this before computing a costly value. */
static inline bool fields_want(const struct frame_fields *ff, enum field_id id)
{
    return ff != NULL && ff->want[id];
}

/* Records an unsigned (or boolean) value of a wanted field; a no-op when not wanted. */
void field_add_uint(struct frame_fields *ff, enum field_id id, uint64_t value);

/* Records a time in nanoseconds. */
void field_add_time(struct frame_fields *ff, enum field_id id, int64_t ns);

/* Records an IPv4 address (4 bytes, network order). */
void field_add_ipv4(struct frame_fields *ff, enum field_id id, const uint8_t *addr);

/* Records an IPv6 address (16 bytes, network order). */
void field_add_ipv6(struct frame_fields *ff, enum field_id id, const uint8_t *addr);

/* Records a MAC address (6 bytes). */
void field_add_ether(struct frame_fields *ff, enum field_id id, const uint8_t *mac);

/* Records text (copied; len bytes, not NUL-terminated). */
void field_add_string(struct frame_fields *ff, enum field_id id, const char *text, size_t len);

/* Records the presence of a protocol field (no value). */
void field_add_present(struct frame_fields *ff, enum field_id id);

/* Returns the text of a FT_STRING occurrence (not NUL-terminated; see v.str.len). */
static inline const char *field_string(const struct frame_fields *ff, const struct field_value *v)
{
    return ff->arena + v->v.str.off;
}

/* Writes the text form of an occurrence, as `tshark -T fields` prints it,
 * into buf (NUL-terminated, cut to size); returns the full length. */
size_t field_format(const struct frame_fields *ff, const struct field_value *v, char *buf,
                    size_t size);

#endif
