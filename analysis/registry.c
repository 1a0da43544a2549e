/* Owns the registry: the protocols and fields every dissector registers,
 * the dissector tables and heuristic lists they hand payloads on
 * through, and the per-protocol state hooks.  Filled once by
 * registry_init() from the list in dissectors/list.h, read-only after. */
#include "registry.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissectors/list.h"

/* Most dissector tables, string tables and heuristic lists. */
#define REGISTRY_MAX_TABLES 32

/* The fields, by id; id 0 is never used, so a zero id means "not registered". */
static struct field_def fields[REGISTRY_MAX_FIELDS];
/* Number of ids in use, 0 included. */
static int n_fields = 1;

/* The integer-keyed dissector tables. */
static struct dissector_table *tables[REGISTRY_MAX_TABLES];
/* Number of them. */
static unsigned n_tables;

/* The tables' slots, zero in the program's image (calloc would clear
 * 64 KiB a table at every start: a short query would feel it). */
static uint8_t table_slots[REGISTRY_MAX_TABLES][65536];
/* The string-keyed dissector tables. */
static struct string_table *string_tables[REGISTRY_MAX_TABLES];
/* Number of them. */
static unsigned n_string_tables;
/* The heuristic lists. */
static struct heur_list *heur_lists[REGISTRY_MAX_TABLES];
/* Number of them. */
static unsigned n_heur_lists;

/* One named dissector handle. */
struct named_handle {
    const char *name;                 /* Its name, e.g. "ip". */
    const struct dissector_handle *h; /* The handle. */
};
/* The named handles. */
static struct named_handle named[128];
/* Number of them. */
static unsigned n_named;

/* One protocol's state slot. */
struct state_slot {
    int proto;                /* The protocol owning it. */
    struct proto_hooks hooks; /* What to do with its state. */
};
/* The state slots, by index. */
static struct state_slot states[REGISTRY_MAX_STATES];
/* Number of them. */
static int n_states;

const char *const tfs_set_notset[2] = {"Set", "Not set"};
const char *const tfs_yes_no[2] = {"Yes", "No"};

/* The names of a checksum's status. */
const struct value_name checksum_status_names[] = {
    {0, "Bad"}, {1, "Good"}, {2, "Unverified"}, {3, "Not present"}, {4, "Illegal"}, {0, NULL},
};

int proto_frame, proto_data, proto_malformed, proto_short;

/* Stops the program over a registration mistake (a programming error,
 * found the first time any test runs). */
static void registry_fail(const char *what, const char *name)
{
    fprintf(stderr, "pcapd analysis registry: %s: %s\n", what, name);
    abort();
}

/* Returns true for the unsigned integer types. */
static bool ftype_is_uint(enum ftype t)
{
    return t == FT_UINT8 || t == FT_UINT16 || t == FT_UINT24 || t == FT_UINT32 || t == FT_UINT64 ||
           t == FT_FRAMENUM;
}

/* Returns the width in bits of an integer type. */
static unsigned ftype_bits(enum ftype t)
{
    switch (t) {
    case FT_UINT8:
    case FT_INT8:
        return 8;
    case FT_UINT16:
    case FT_INT16:
        return 16;
    case FT_UINT24:
        return 24;
    case FT_UINT32:
    case FT_INT32:
    case FT_FRAMENUM:
        return 32;
    default:
        return 64;
    }
}

/* Returns how values of a type are stored. */
static enum field_kind ftype_kind(enum ftype t)
{
    switch (t) {
    case FT_BOOLEAN:
        return FK_BOOL;
    case FT_INT8:
    case FT_INT16:
    case FT_INT32:
    case FT_INT64:
        return FK_INT;
    case FT_RELATIVE_TIME:
    case FT_ABSOLUTE_TIME:
        return FK_TIME;
    case FT_DOUBLE:
        return FK_DOUBLE;
    case FT_IPv4:
        return FK_IPV4;
    case FT_IPv6:
        return FK_IPV6;
    case FT_ETHER:
        return FK_ETHER;
    case FT_STRING:
    case FT_STRINGZ:
    case FT_UINT_STRING:
        return FK_STRING;
    case FT_BYTES:
        return FK_BYTES;
    case FT_NONE:
    case FT_PROTOCOL:
        return FK_NONE;
    default:
        return ftype_is_uint(t) ? FK_UINT : FK_NONE;
    }
}

/* Slots of the name index: a power of two, at least twice the fields. */
#define NAME_SLOTS (2 * REGISTRY_MAX_FIELDS)

/* The fields by name: open addressing over FNV-1a hashes, 0 for empty. */
static uint16_t name_index[NAME_SLOTS];

/* Returns the FNV-1a hash of len bytes of name. */
static uint32_t name_hash(const char *name, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)name[i]) * 16777619u;
    return h;
}

/* Returns the field id of a name, or -1. */
static int find_field(const char *name, size_t len)
{
    for (uint32_t i = name_hash(name, len);; i++) {
        int id = name_index[i & (NAME_SLOTS - 1)];
        if (id == 0)
            return -1;
        if (strncmp(fields[id].name, name, len) == 0 && fields[id].name[len] == '\0')
            return id;
    }
}

/* Adds field id to the name index. */
static void index_field(int id)
{
    const char *name = fields[id].name;
    uint32_t i = name_hash(name, strlen(name));
    while (name_index[i & (NAME_SLOTS - 1)] != 0)
        i++;
    name_index[i & (NAME_SLOTS - 1)] = (uint16_t)id;
}

/* Adds one field; returns its id. */
static int add_field(int proto, const struct field_def *def)
{
    if (n_fields == REGISTRY_MAX_FIELDS)
        registry_fail("too many fields at", def->name);
    if (find_field(def->name, strlen(def->name)) >= 0)
        registry_fail("field registered twice", def->name);
    int id = n_fields++;
    struct field_def *f = &fields[id];
    *f = *def;
    f->id = id;
    f->proto = proto > 0 ? proto : id;
    index_field(id);
    f->kind = ftype_kind(def->type);
    if (ftype_is_uint(def->type)) {
        unsigned bits = ftype_bits(def->type);
        f->max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
        if (def->base == BASE_HEX || def->base == BASE_HEX_DEC)
            f->hex_digits = (uint8_t)(bits / 4);
    }
    return id;
}

/* Registers a protocol. */
int registry_proto(const char *name, const char *label)
{
    struct field_def d = {.name = name, .label = label, .type = FT_PROTOCOL};
    return add_field(0, &d);
}

/* Registers the fields of a protocol. */
void registry_fields(int proto, const struct field_reg *regs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        *regs[i].id = add_field(proto, &regs[i].def);
}

/* Gives a protocol a state slot. */
int registry_proto_state(int proto, const struct proto_hooks *hooks)
{
    if (n_states == REGISTRY_MAX_STATES)
        registry_fail("too many state slots at", fields[proto].name);
    states[n_states] = (struct state_slot){proto, *hooks};
    return n_states++;
}

/* Returns the state slot of a protocol. */
int registry_state_slot(int proto)
{
    for (int i = 0; i < n_states; i++)
        if (states[i].proto == proto)
            return i;
    return -1;
}

/* Calls fn for every state slot. */
void registry_foreach_state(void (*fn)(int slot, const struct proto_hooks *h, void *arg), void *arg)
{
    for (int i = 0; i < n_states; i++)
        fn(i, &states[i].hooks, arg);
}

/* Creates a dissector table. */
struct dissector_table *registry_table_new(const char *name, unsigned key_bits)
{
    struct dissector_table *t = calloc(1, sizeof(*t));
    if (!t || n_tables == REGISTRY_MAX_TABLES)
        registry_fail("cannot create table", name);
    t->name = name;
    t->n_keys = key_bits <= 8 ? 256 : 65536;
    t->slot = table_slots[n_tables];
    tables[n_tables++] = t;
    return t;
}

/* Returns the table of a name. */
static struct dissector_table *table_named(const char *name)
{
    for (unsigned i = 0; i < n_tables; i++)
        if (strcmp(tables[i]->name, name) == 0)
            return tables[i];
    registry_fail("no such dissector table", name);
    return NULL;
}

/* Adds a handle to a table. */
void registry_table_add(const char *table, uint32_t key, const struct dissector_handle *h)
{
    struct dissector_table *t = table_named(table);
    uint32_t i = 0;
    if (key >= t->n_keys)
        registry_fail("key out of range for", table);
    while (i < t->n_handles && t->handles[i] != h)
        i++;
    if (i == t->n_handles) {
        if (t->n_handles == ARRAY_COUNT(t->handles))
            registry_fail("too many handles in", table);
        t->handles[t->n_handles++] = h;
    }
    t->slot[key] = (uint8_t)(i + 1);
}

/* Returns the integer table of a name. */
const struct dissector_table *find_dissector_table(const char *name)
{
    return table_named(name);
}

/* Registers a handle under a name. */
void register_dissector(const char *name, const struct dissector_handle *h)
{
    if (n_named == ARRAY_COUNT(named))
        registry_fail("too many named dissectors at", name);
    named[n_named++] = (struct named_handle){name, h};
}

/* Returns the handle of a name. */
const struct dissector_handle *find_dissector(const char *name)
{
    for (unsigned i = 0; i < n_named; i++)
        if (strcmp(named[i].name, name) == 0)
            return named[i].h;
    registry_fail("no such dissector", name);
    return NULL;
}

/* Creates a string table. */
struct string_table *registry_string_table_new(const char *name)
{
    struct string_table *t = calloc(1, sizeof(*t));
    if (!t || n_string_tables == REGISTRY_MAX_TABLES)
        registry_fail("cannot create table", name);
    t->name = name;
    string_tables[n_string_tables++] = t;
    return t;
}

/* Adds a handle to a string table. */
void registry_string_table_add(const char *table, const char *key, const struct dissector_handle *h)
{
    for (unsigned i = 0; i < n_string_tables; i++) {
        struct string_table *t = string_tables[i];
        if (strcmp(t->name, table) != 0)
            continue;
        if (t->n == ARRAY_COUNT(t->keys))
            registry_fail("too many entries in", table);
        t->keys[t->n] = key;
        t->handles[t->n++] = h;
        return;
    }
    registry_fail("no such string table", table);
}

/* Returns the string table of a name. */
const struct string_table *find_string_table(const char *name)
{
    for (unsigned i = 0; i < n_string_tables; i++)
        if (strcmp(string_tables[i]->name, name) == 0)
            return string_tables[i];
    registry_fail("no such string table", name);
    return NULL;
}

/* Returns the handle of a string key. */
const struct dissector_handle *string_table_get(const struct string_table *t, const char *key,
                                                size_t n)
{
    for (uint32_t i = 0; i < t->n; i++)
        if (strlen(t->keys[i]) == n && strncasecmp(t->keys[i], key, n) == 0)
            return t->handles[i];
    return NULL;
}

/* Creates a heuristic list. */
struct heur_list *registry_heur_list_new(const char *name)
{
    struct heur_list *l = calloc(1, sizeof(*l));
    if (!l || n_heur_lists == REGISTRY_MAX_TABLES)
        registry_fail("cannot create heuristic list", name);
    l->name = name;
    heur_lists[n_heur_lists++] = l;
    return l;
}

/* Appends a heuristic to a list. */
void registry_heur_add(const char *list, bool (*match)(const struct heur_args *a),
                       const struct dissector_handle *h)
{
    for (unsigned i = 0; i < n_heur_lists; i++) {
        struct heur_list *l = heur_lists[i];
        if (strcmp(l->name, list) != 0)
            continue;
        if (l->n == ARRAY_COUNT(l->entries))
            registry_fail("too many heuristics in", list);
        l->entries[l->n++] = (struct heur_entry){match, h};
        return;
    }
    registry_fail("no such heuristic list", list);
}

/* Returns the heuristic list of a name. */
const struct heur_list *find_heur_list(const char *name)
{
    for (unsigned i = 0; i < n_heur_lists; i++)
        if (strcmp(heur_lists[i]->name, name) == 0)
            return heur_lists[i];
    registry_fail("no such heuristic list", name);
    return NULL;
}

/* Returns the handle of the first matching heuristic. */
const struct dissector_handle *heur_list_match(const struct heur_list *l, const struct heur_args *a)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (l->entries[i].match(a))
            return l->entries[i].handle;
    return NULL;
}

/* The dissector modules, in registration order. */
static const struct dissector_module *const modules[] = {
#define DISSECTOR_ENTRY(name) &dissector_##name,
    DISSECTOR_LIST(DISSECTOR_ENTRY)
#undef DISSECTOR_ENTRY
};

/* Registers the core's protocols, then every module's protocols and
 * fields, then every module's hand-offs (tables exist by then). */
static void registry_fill(void)
{
    proto_frame = registry_proto("frame", "Frame");
    proto_data = registry_proto("data", "Data");
    proto_malformed = registry_proto("_ws.malformed", "Malformed Packet");
    proto_short = registry_proto("_ws.short", "Short Frame");
    for (size_t i = 0; i < ARRAY_COUNT(modules); i++)
        modules[i]->register_protocol();
    for (size_t i = 0; i < ARRAY_COUNT(modules); i++)
        if (modules[i]->handoff)
            modules[i]->handoff();
}

/* Registers everything once. */
void registry_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, registry_fill);
}

/* Returns the number of ids in use. */
int registry_field_count(void)
{
    registry_init();
    return n_fields;
}

/* Returns the description of a field id. */
const struct field_def *field_def(int id)
{
    return &fields[id];
}

/* Looks a field up by name. */
int field_lookup(const char *name, size_t len)
{
    registry_init();
    return find_field(name, len);
}

/* Looks a field up by name, which must exist. */
int field_id(const char *name)
{
    int id = find_field(name, strlen(name));
    if (id < 0)
        registry_fail("no such field", name);
    return id;
}

/* Wireshark's names of the types, by enum ftype. */
static const char *const ftype_names[FT_TYPE_COUNT] = {
    [FT_NONE] = "FT_NONE",
    [FT_PROTOCOL] = "FT_PROTOCOL",
    [FT_BOOLEAN] = "FT_BOOLEAN",
    [FT_UINT8] = "FT_UINT8",
    [FT_UINT16] = "FT_UINT16",
    [FT_UINT24] = "FT_UINT24",
    [FT_UINT32] = "FT_UINT32",
    [FT_UINT64] = "FT_UINT64",
    [FT_INT8] = "FT_INT8",
    [FT_INT16] = "FT_INT16",
    [FT_INT32] = "FT_INT32",
    [FT_INT64] = "FT_INT64",
    [FT_FRAMENUM] = "FT_FRAMENUM",
    [FT_RELATIVE_TIME] = "FT_RELATIVE_TIME",
    [FT_ABSOLUTE_TIME] = "FT_ABSOLUTE_TIME",
    [FT_DOUBLE] = "FT_DOUBLE",
    [FT_IPv4] = "FT_IPv4",
    [FT_IPv6] = "FT_IPv6",
    [FT_ETHER] = "FT_ETHER",
    [FT_STRING] = "FT_STRING",
    [FT_STRINGZ] = "FT_STRINGZ",
    [FT_UINT_STRING] = "FT_UINT_STRING",
    [FT_BYTES] = "FT_BYTES",
};

/* Returns Wireshark's name of a type. */
const char *ftype_name(enum ftype t)
{
    return (unsigned)t < FT_TYPE_COUNT ? ftype_names[t] : "?";
}

/* Returns Wireshark's name of a base. */
const char *field_base_name(enum field_base b)
{
    static const char *const names[] = {
        "BASE_NONE",    "BASE_DEC",    "BASE_HEX",    "BASE_OCT",     "BASE_DEC_HEX",
        "BASE_HEX_DEC", "BASE_PT_TCP", "BASE_PT_UDP", "BASE_PT_SCTP", "BASE_CUSTOM",
        "BASE_OUI",     "SEP_COLON",   "SEP_DASH",    "SEP_DOT",      "SEP_SPACE"};
    return (unsigned)b < ARRAY_COUNT(names) ? names[b] : "?";
}

/* Returns the label tshark's filter errors give a type. */
const char *ftype_label(enum ftype t)
{
    switch (ftype_kind(t)) {
    case FK_UINT:
        return t == FT_FRAMENUM ? "Frame number" : "Unsigned integer";
    case FK_INT:
        return "Signed integer";
    case FK_BOOL:
        return "Boolean";
    case FK_TIME:
        return t == FT_ABSOLUTE_TIME ? "Date and time" : "Time offset";
    case FK_DOUBLE:
        return "Floating point (double-precision)";
    case FK_IPV4:
        return "IPv4 address";
    case FK_IPV6:
        return "IPv6 address";
    case FK_ETHER:
        return "Ethernet or other MAC address";
    case FK_STRING:
        return "Character string";
    case FK_BYTES:
        return "Byte sequence";
    case FK_NONE:
    default:
        return t == FT_NONE ? "Label" : "Protocol";
    }
}
