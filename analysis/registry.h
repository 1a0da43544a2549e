/* The registry of protocols, fields and hand-offs, as Wireshark's epan
 * keeps them.  Each dissector registers, once at start-up:
 *
 *   - its protocol: a filter name ("tcp") and a label; a protocol is also
 *     a field (of type FT_PROTOCOL) and its id is that field's id, so the
 *     protocol chain of a frame and the presence tests of the display
 *     filters use the same numbers;
 *   - its fields: filter name, label, type, display base, bit mask, value
 *     names, each given an id the dissector keeps in a static int;
 *   - its hand-offs: entries in dissector tables keyed by an integer
 *     (EtherType, PPP protocol, IP protocol, UDP port, TCP port...) or by a
 *     string (media types), and heuristics in named lists, tried in the
 *     order tshark 4.0 tries them.
 *
 * Everything is registered once (registry_init(), thread-safe) and read
 * only after; lookups on the packet path are array indexing.  The core
 * (dissect.c) dispatches through the tables and never names an
 * application protocol; analysis/dissectors/list.h lists the dissectors. */
#ifndef PCAPD_ANALYSIS_REGISTRY_H
#define PCAPD_ANALYSIS_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most fields (protocols included) the registry holds. */
#define REGISTRY_MAX_FIELDS 2048

/* Most per-protocol state slots a dissector instance carries. */
#define REGISTRY_MAX_STATES 32

/* Field types, named and behaving as Wireshark's ftypes. */
enum ftype {
    FT_NONE = 0,      /* No value: presence only (prints "1", as tshark does). */
    FT_PROTOCOL,      /* A protocol: presence only. */
    FT_BOOLEAN,       /* A flag: "1" or "0". */
    FT_UINT8,         /* Unsigned integers of 8 to 64 bits. */
    FT_UINT16,        /* */
    FT_UINT24,        /* */
    FT_UINT32,        /* */
    FT_UINT64,        /* */
    FT_INT8,          /* Signed integers of 8 to 64 bits. */
    FT_INT16,         /* */
    FT_INT32,         /* */
    FT_INT64,         /* */
    FT_FRAMENUM,      /* A frame number (unsigned, 32 bits). */
    FT_RELATIVE_TIME, /* A time offset in nanoseconds, printed as seconds with 9 decimals. */
    FT_ABSOLUTE_TIME, /* A time of day in nanoseconds since the epoch. */
    FT_DOUBLE,        /* A floating-point number. */
    FT_IPv4,          /* An IPv4 address. */
    FT_IPv6,          /* An IPv6 address. */
    FT_ETHER,         /* A MAC address. */
    FT_STRING,        /* Text, stored in the form tshark prints it. */
    FT_STRINGZ,       /* Text from a NUL-terminated string (same behaviour). */
    FT_UINT_STRING,   /* Text from a length-prefixed string (same behaviour). */
    FT_BYTES,         /* Raw bytes, printed as lower-case hex without separators. */
    FT_TYPE_COUNT     /* Number of types, not one. */
};

/* How a field's value is stored and compared, derived from its type. */
enum field_kind {
    FK_NONE = 0, /* Presence only (FT_NONE, FT_PROTOCOL). */
    FK_UINT,     /* uint64_t (unsigned integers, frame numbers). */
    FK_INT,      /* int64_t. */
    FK_BOOL,     /* 0 or 1. */
    FK_TIME,     /* int64_t nanoseconds (relative or absolute). */
    FK_DOUBLE,   /* double. */
    FK_IPV4,     /* 4 bytes. */
    FK_IPV6,     /* 16 bytes. */
    FK_ETHER,    /* 6 bytes. */
    FK_STRING,   /* Text in the frame's arena. */
    FK_BYTES,    /* Bytes in the frame's arena. */
};

/* Display bases of integer fields, as Wireshark's field_display_e. */
enum field_base {
    BASE_NONE = 0, /* Not an integer (or a boolean). */
    BASE_DEC,      /* Decimal. */
    BASE_HEX,      /* Hexadecimal, as many digits as the type's width. */
    BASE_OCT,      /* Octal. */
    BASE_DEC_HEX,  /* Decimal (hex in the tree only). */
    BASE_HEX_DEC,  /* Hexadecimal (decimal in the tree only). */
    BASE_PT_TCP,   /* A TCP port: decimal. */
    BASE_PT_UDP,   /* A UDP port: decimal. */
    BASE_PT_SCTP,  /* An SCTP port: decimal. */
    BASE_CUSTOM,   /* Decimal with -T fields (a custom text in the tree only). */
    BASE_OUI,      /* An organisationally unique identifier: decimal with -T fields. */
    SEP_COLON,     /* Bytes: hex pairs separated by ':' (plain hex without a SEP_*). */
    SEP_DASH,      /* Bytes: hex pairs separated by '-'. */
    SEP_DOT,       /* Bytes: hex pairs separated by '.'. */
    SEP_SPACE,     /* Bytes: hex pairs separated by ' '. */
};

/* One value name (Wireshark's value_string); an array ends with a NULL name. */
struct value_name {
    uint64_t value;   /* The value. */
    const char *name; /* Its name, accepted by the display filters (caseless). */
};

/* The description of one field (a protocol is a field of type FT_PROTOCOL). */
struct field_def {
    const char *name;              /* Filter name, e.g. "tcp.srcport". */
    const char *label;             /* Wireshark's label, e.g. "Source Port". */
    enum ftype type;               /* Its type. */
    enum field_base base;          /* Integers: how tshark prints them. */
    uint64_t bitmask;              /* The bits of its parent value it covers (0: whole). */
    const struct value_name *vals; /* Value names, or NULL. */
    const char *const *tfs;        /* Booleans: {true name, false name}, or NULL. */
    /* Filled in by the registry: */
    int id;               /* Its id (index in the registry). */
    int proto;            /* The protocol it belongs to (its own id for a protocol). */
    enum field_kind kind; /* How its values are stored. */
    uint8_t hex_digits;   /* Hex digits printed (BASE_HEX, BASE_HEX_DEC), else 0. */
    uint64_t max;         /* Largest value of an unsigned field. */
};

/* One field to register: where its id goes, and its description. */
struct field_reg {
    int *id;              /* Receives the field's id. */
    struct field_def def; /* The field. */
};

/* Shorthand for a struct field_reg entry. */
#define HF(idp, name, label, type, base, mask, vals)                                               \
    {                                                                                              \
        (idp),                                                                                     \
        {                                                                                          \
            (name), (label), (type), (base), (mask), (vals), NULL, 0, 0, 0, 0, 0                   \
        }                                                                                          \
    }

/* A struct field_reg entry for a boolean with true/false names. */
#define HF_TFS(idp, name, label, mask, tfs)                                                        \
    {                                                                                              \
        (idp),                                                                                     \
        {                                                                                          \
            (name), (label), FT_BOOLEAN, BASE_NONE, (mask), NULL, (tfs), 0, 0, 0, 0, 0             \
        }                                                                                          \
    }

/* Number of entries of an array. */
#define ARRAY_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* "Set" / "Not set": the true/false names of most flag bits. */
extern const char *const tfs_set_notset[2];

/* "Yes" / "No". */
extern const char *const tfs_yes_no[2];

/* The names of a checksum's status (Wireshark's proto_checksum_vals). */
extern const struct value_name checksum_status_names[];

struct dissect_ctx;
struct dissector;
struct frame_fields;
struct span;

/* What a protocol does beyond dissecting: state kept across frames, and
 * the first pass tshark -2 makes. */
struct proto_hooks {
    /* Frees the protocol's state (from a dissector's state slot). */
    void (*free_state)(void *state);
    /* Returns true when the wanted fields need a first pass over the capture. */
    bool (*needs_first_pass)(const struct frame_fields *ff);
    /* Hands a first pass's state to the second pass's dissector (first is
     * freed after). */
    void (*take_first_pass)(struct dissector *second, struct dissector *first);
};

/* A dissector: what a table or heuristic hands a payload to. */
struct dissector_handle {
    const int *proto; /* Its protocol's id (a pointer: ids are set at registration). */
    /* Dissects a payload; NULL for a protocol without fields (its node is
     * pushed) and for TCP stream applications (their ops are called). */
    void (*dissect)(struct dissect_ctx *c, struct span s);
    const void *ops; /* Table-specific operations (TCP: struct tcp_stream_ops), or NULL. */
};

/* A heuristic: tells from the first bytes (and ports) whether a payload is
 * its protocol's. */
struct heur_args {
    const uint8_t *p; /* The payload's captured bytes. */
    size_t cap;       /* Number of them. */
    size_t len;       /* Its reported length. */
    uint16_t sport;   /* Source port. */
    uint16_t dport;   /* Destination port. */
};

/* One heuristic of a list. */
struct heur_entry {
    bool (*match)(const struct heur_args *a); /* True when the payload is the handle's. */
    const struct dissector_handle *handle;    /* What the payload goes to then. */
};

/* A dissector table keyed by an integer of up to 16 bits. */
struct dissector_table {
    const char *name;                            /* E.g. "ethertype", "udp.port". */
    uint32_t n_keys;                             /* 256 or 65536. */
    uint8_t *slot;                               /* Per key: 0 for none, else 1 + handle index. */
    const struct dissector_handle *handles[255]; /* The handles registered. */
    uint32_t n_handles;                          /* Number of them. */
};

/* A dissector table keyed by a string (caseless), e.g. media types. */
struct string_table {
    const char *name;                           /* E.g. "media_type". */
    const char *keys[64];                       /* The keys. */
    const struct dissector_handle *handles[64]; /* Their handles. */
    uint32_t n;                                 /* Number of entries. */
};

/* A named list of heuristics, tried in registration order. */
struct heur_list {
    const char *name;              /* E.g. "udp", "tcp". */
    struct heur_entry entries[16]; /* The heuristics. */
    uint32_t n;                    /* Number of them. */
};

/* Registers every dissector (once; later calls return at once; safe from
 * several threads). */
void registry_init(void);

/* Registers a protocol (or a node Wireshark shows in the hierarchy as
 * one, such as "tcp.segments"); returns its id (also its FT_PROTOCOL
 * field's). */
int registry_proto(const char *name, const char *label);

/* Registers the fields of protocol proto. */
void registry_fields(int proto, const struct field_reg *regs, size_t n);

/* Gives protocol proto its hooks and a state slot in every dissector
 * instance; returns the slot's index. */
int registry_proto_state(int proto, const struct proto_hooks *hooks);

/* Creates a dissector table keyed by 8 (ip.proto) or 16 bits. */
struct dissector_table *registry_table_new(const char *name, unsigned key_bits);

/* Adds a handle for key to the named integer table (made by its owner first). */
void registry_table_add(const char *table, uint32_t key, const struct dissector_handle *h);

/* Creates a string-keyed dissector table. */
struct string_table *registry_string_table_new(const char *name);

/* Adds a handle for key (lower case) to the named string table. */
void registry_string_table_add(const char *table, const char *key,
                               const struct dissector_handle *h);

/* Creates a heuristic list. */
struct heur_list *registry_heur_list_new(const char *name);

/* Appends a heuristic to the named list. */
void registry_heur_add(const char *list, bool (*match)(const struct heur_args *a),
                       const struct dissector_handle *h);

/* Registers a handle under a name, as Wireshark's register_dissector(). */
void register_dissector(const char *name, const struct dissector_handle *h);

/* Returns the handle registered under a name; aborts when there is none
 * (a registration mistake). */
const struct dissector_handle *find_dissector(const char *name);

/* Returns the integer-keyed table of a name; aborts when there is none. */
const struct dissector_table *find_dissector_table(const char *name);

/* Returns the string-keyed table of a name; aborts when there is none. */
const struct string_table *find_string_table(const char *name);

/* Returns the heuristic list of a name; aborts when there is none. */
const struct heur_list *find_heur_list(const char *name);

/* Returns the handle registered for key in t, or NULL. */
static inline const struct dissector_handle *dissector_table_get(const struct dissector_table *t,
                                                                 uint32_t key)
{
    if (key >= t->n_keys || t->slot[key] == 0)
        return NULL;
    return t->handles[t->slot[key] - 1];
}

/* Returns the handle registered for the n bytes at key (caseless), or NULL. */
const struct dissector_handle *string_table_get(const struct string_table *t, const char *key,
                                                size_t n);

/* Returns the handle of the first heuristic of l that matches, or NULL. */
const struct dissector_handle *heur_list_match(const struct heur_list *l,
                                               const struct heur_args *a);

/* Returns the number of field ids in use (ids are 1 .. count - 1). */
int registry_field_count(void);

/* Returns the description of a field id (1 .. count - 1). */
const struct field_def *field_def(int id);

/* Looks a field up by its filter name (exact); returns its id, or -1. */
int field_lookup(const char *name, size_t len);

/* Looks a field up by a NUL-terminated name; aborts when it is unknown
 * (for dissectors reading another protocol's fields at registration). */
int field_id(const char *name);

/* Returns the name of a protocol (or field) id: "eth", "tcp.segments". */
static inline const char *proto_name(int id)
{
    return field_def(id)->name;
}

/* Returns the state slot of protocol proto (registered with registry_proto_state). */
int registry_state_slot(int proto);

/* Calls fn for every state slot with its hooks (for the dissector's life cycle). */
void registry_foreach_state(void (*fn)(int slot, const struct proto_hooks *h, void *arg),
                            void *arg);

/* Returns Wireshark's name of a type ("FT_UINT16") and of a base ("BASE_DEC"). */
const char *ftype_name(enum ftype t);
const char *field_base_name(enum field_base b);

/* Returns the label tshark's filter errors give a type ("Unsigned integer"). */
const char *ftype_label(enum ftype t);

/* The protocols every dissector may push, registered by the core. */
extern int proto_frame;     /* "frame": every frame. */
extern int proto_data;      /* "data": undissected payload. */
extern int proto_malformed; /* "_ws.malformed": a packet too short for its own header. */
extern int proto_short;     /* "_ws.short": a packet cut by the snaplen. */

#endif
