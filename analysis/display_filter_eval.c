/* Owns the evaluation of a compiled display filter over the fields one
 * frame's dissection recorded: "==" any occurrence equals, "!=" all
 * differ (and the field occurs), "===" and "!==" their mirrors, ordered
 * comparisons, masks, CIDR prefixes, sets, substrings and caseless
 * regexes.  It allocates nothing. */
#include "display_filter_internal.h"

#include <string.h>

/* Returns the index of the first occurrence of field at or after i, or ff->n. */
static inline uint32_t next_occ(const struct frame_fields *ff, uint32_t i, int field)
{
    const struct field_value *vals = ff->vals;
    uint32_t n = ff->n;
    while (i < n && vals[i].id != field)
        i++;
    return i;
}

/* Returns the value of a recorded occurrence in the literal form. */
static struct df_value occ_value(const struct frame_fields *ff, const struct field_value *fv,
                                 enum field_kind type)
{
    struct df_value v;
    memset(&v, 0, sizeof(v));
    switch (type) {
    case FK_STRING:
    case FK_BYTES:
        v.v.str = fv->v.str.len && fv->v.str.off != UINT32_MAX ? field_string(ff, fv) : "";
        v.len = fv->v.str.off != UINT32_MAX ? fv->v.str.len : 0;
        break;
    case FK_INT:
        v.v.i = fv->v.i;
        break;
    case FK_DOUBLE:
        v.v.d = fv->v.d;
        break;
    case FK_BOOL:
        v.v.u = fv->v.u != 0;
        break;
    case FK_IPV4:
        memcpy(v.v.ip4, fv->v.ip4, 4);
        v.prefix = 32;
        break;
    case FK_IPV6:
        memcpy(v.v.ip6, fv->v.ip6, 16);
        v.prefix = 128;
        break;
    case FK_ETHER:
        memcpy(v.v.mac, fv->v.mac, 6);
        break;
    case FK_TIME:
        v.v.ns = fv->v.ns;
        break;
    case FK_UINT:
    default:
        v.v.u = fv->v.u;
        break;
    }
    return v;
}

/* Returns the value of an occurrence of a node's left-hand field, masked by its "&" operand. */
static struct df_value lhs_value(const struct df_node *nd, const struct frame_fields *ff,
                                 const struct field_value *fv, enum field_kind type)
{
    struct df_value a = occ_value(ff, fv, type);
    if (!nd->masked)
        return a;
    if (type == FK_IPV4)
        for (int i = 0; i < 4; i++)
            a.v.ip4[i] &= nd->mask.v.ip4[i];
    else
        a.v.u &= nd->mask.v.u;
    return a;
}

/* Compares addresses of nbytes bytes over the shorter of two prefixes, as
 * Wireshark compares an address with a CIDR block. */
static int cmp_masked(const uint8_t *a, const uint8_t *b, size_t nbytes, unsigned prefix)
{
    for (size_t i = 0; i < nbytes; i++) {
        unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        uint8_t m = (uint8_t)(0xff00u >> keep);
        int x = a[i] & m, y = b[i] & m;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

/* Compares two values of a type: <0, 0 or >0 in *c; returns false when
 * they bear no relation (a negative literal against an unsigned field). */
static bool cmp_values(enum field_kind type, const struct df_value *a, const struct df_value *b,
                       int *c)
{
    if (a->incomparable || b->incomparable)
        return false;
    switch (type) {
    case FK_UINT:
    case FK_BOOL:
        *c = a->v.u < b->v.u ? -1 : a->v.u > b->v.u;
        return true;
    case FK_TIME:
        *c = a->v.ns < b->v.ns ? -1 : a->v.ns > b->v.ns;
        return true;
    case FK_INT:
        *c = a->v.i < b->v.i ? -1 : a->v.i > b->v.i;
        return true;
    case FK_DOUBLE:
        *c = a->v.d < b->v.d ? -1 : a->v.d > b->v.d;
        return true;
    case FK_IPV4:
        *c = cmp_masked(a->v.ip4, b->v.ip4, 4, a->prefix < b->prefix ? a->prefix : b->prefix);
        return true;
    case FK_IPV6:
        *c = cmp_masked(a->v.ip6, b->v.ip6, 16, a->prefix < b->prefix ? a->prefix : b->prefix);
        return true;
    case FK_ETHER:
        *c = memcmp(a->v.mac, b->v.mac, 6);
        return true;
    case FK_STRING:
    case FK_BYTES: {
        uint32_t n = a->len < b->len ? a->len : b->len;
        int m = n ? memcmp(a->v.str, b->v.str, n) : 0;
        *c = m != 0 ? m : a->len < b->len ? -1 : a->len > b->len;
        return true;
    }
    case FK_NONE:
    default:
        return false;
    }
}

/* Returns true when a run of n bytes occurs in hay (len bytes); an empty needle never does. */
static bool has_bytes(const void *hay, size_t len, const void *needle, size_t n)
{
    return n > 0 && n <= len && memmem(hay, len, needle, n) != NULL;
}

/* Applies op to one pair of values (not for OP_MATCHES). */
static bool test_pair(const struct df_node *nd, enum field_kind type, const struct df_value *a,
                      const struct df_value *b)
{
    if (nd->op == OP_CONTAINS) {
        if (type == FK_ETHER)
            return has_bytes(a->v.mac, 6, b->v.str, b->len);
        return has_bytes(a->v.str, a->len, b->v.str, b->len);
    }
    int c;
    if (!cmp_values(type, a, b, &c))
        return false;
    switch (nd->op) {
    case OP_ANY_EQ:
    case OP_ALL_EQ:
        return c == 0;
    case OP_ALL_NE:
    case OP_ANY_NE:
        return c != 0;
    case OP_GT:
        return c > 0;
    case OP_GE:
        return c >= 0;
    case OP_LT:
        return c < 0;
    case OP_LE:
        return c <= 0;
    default:
        return false;
    }
}

/* Runs the compiled regex of a "matches" node on one text value. */
static bool regex_match(const struct display_filter *df, const struct df_node *nd,
                        const struct df_value *a)
{
    static const char empty[1] = "";
    PCRE2_SPTR subj = (PCRE2_SPTR)(a->len ? a->v.str : empty);
    return pcre2_match(nd->re, subj, a->len, 0, 0, nd->md, df->mctx) >= 0;
}

/* Tests one occurrence against the right side of an N_CMP node. */
static bool test_occ(const struct display_filter *df, const struct df_node *nd,
                     enum field_kind type, const struct df_value *a)
{
    if (nd->op == OP_MATCHES)
        return regex_match(df, nd, a);
    return test_pair(nd, type, a, &nd->val);
}

/* Combines per-occurrence results by the operator's quantifier: "all"
 * operators (!=, ===) need every occurrence to pass, the others one. */
static bool op_is_all(enum df_op op)
{
    return op == OP_ALL_NE || op == OP_ALL_EQ;
}

/* Evaluates a field compared with a literal. */
static bool eval_cmp(const struct display_filter *df, const struct df_node *nd,
                     const struct frame_fields *ff)
{
    enum field_kind type = ftype(nd->field);
    bool all = op_is_all(nd->op), seen = false;
    for (uint32_t i = next_occ(ff, 0, nd->field); i < ff->n; i = next_occ(ff, i + 1, nd->field)) {
        struct df_value a = lhs_value(nd, ff, &ff->vals[i], type);
        bool ok = test_occ(df, nd, type, &a);
        /* A value with no relation to the literal is "not equal" for "all not equal". */
        if (!ok && nd->op == OP_ALL_NE && (a.incomparable || nd->val.incomparable))
            ok = true;
        if (all && !ok)
            return false;
        if (!all && ok)
            return true;
        seen = true;
    }
    return all && seen;
}

/* Evaluates a field compared with another field: over every pair of occurrences. */
static bool eval_cmp_field(const struct df_node *nd, const struct frame_fields *ff)
{
    enum field_kind type = ftype(nd->field);
    bool all = op_is_all(nd->op), seen = false;
    for (uint32_t i = next_occ(ff, 0, nd->field); i < ff->n; i = next_occ(ff, i + 1, nd->field)) {
        struct df_value a = lhs_value(nd, ff, &ff->vals[i], type);
        for (uint32_t j = next_occ(ff, 0, nd->rhs_field); j < ff->n;
             j = next_occ(ff, j + 1, nd->rhs_field)) {
            struct df_value b = occ_value(ff, &ff->vals[j], type);
            bool ok = test_pair(nd, type, &a, &b);
            if (all && !ok)
                return false;
            if (!all && ok)
                return true;
            seen = true;
        }
    }
    return all && seen;
}

/* Returns true when the value a is a member of set element e. */
static bool in_elem(const struct df_elem *e, enum field_kind type, const struct df_value *a,
                    const struct frame_fields *ff)
{
    int c;
    if (e->field >= 0) {
        for (uint32_t j = next_occ(ff, 0, e->field); j < ff->n; j = next_occ(ff, j + 1, e->field)) {
            struct df_value b = occ_value(ff, &ff->vals[j], type);
            if (cmp_values(type, a, &b, &c) && c == 0)
                return true;
        }
        return false;
    }
    if (!e->range)
        return cmp_values(type, a, &e->lo, &c) && c == 0;
    if (!cmp_values(type, a, &e->lo, &c) || c < 0)
        return false;
    return cmp_values(type, a, &e->hi, &c) && c <= 0;
}

/* Evaluates "field in {...}": some occurrence is in some element. */
static bool eval_in(const struct df_node *nd, const struct frame_fields *ff)
{
    enum field_kind type = ftype(nd->field);
    for (uint32_t i = next_occ(ff, 0, nd->field); i < ff->n; i = next_occ(ff, i + 1, nd->field)) {
        struct df_value a = lhs_value(nd, ff, &ff->vals[i], type);
        for (uint32_t k = 0; k < nd->nset; k++)
            if (in_elem(&nd->set[k], type, &a, ff))
                return true;
    }
    return false;
}

/* Returns true when the node's field occurs in the frame (with a mask:
 * when some masked occurrence is not zero). */
static bool eval_present(const struct df_node *nd, const struct frame_fields *ff)
{
    enum field_kind type = ftype(nd->field);
    for (uint32_t i = next_occ(ff, 0, nd->field); i < ff->n; i = next_occ(ff, i + 1, nd->field)) {
        if (!nd->masked)
            return true;
        struct df_value a = lhs_value(nd, ff, &ff->vals[i], type);
        if (type == FK_IPV4 ? memcmp(a.v.ip4, "\0\0\0\0", 4) != 0 : a.v.u != 0)
            return true;
    }
    return false;
}

/* Evaluates node i; the recursion is bounded by the nesting limit. */
static bool eval_node(const struct display_filter *df, uint32_t i, const struct frame_fields *ff)
{
    const struct df_node *nd = &df->nodes[i];
    switch (nd->kind) {
    case N_TRUE:
        return true;
    case N_AND:
        for (uint32_t k = 0; k < nd->nkids; k++)
            if (!eval_node(df, nd->kids[k], ff))
                return false;
        return true;
    case N_OR:
        for (uint32_t k = 0; k < nd->nkids; k++)
            if (eval_node(df, nd->kids[k], ff))
                return true;
        return false;
    case N_NOT:
        return !eval_node(df, nd->kids[0], ff);
    case N_PRESENT:
        return eval_present(nd, ff);
    case N_CMP:
        return eval_cmp(df, nd, ff);
    case N_CMP_FIELD:
        return eval_cmp_field(nd, ff);
    case N_IN:
        return eval_in(nd, ff);
    default:
        return false;
    }
}

/* Returns true when the frame whose fields are in ff passes the filter. */
bool display_filter_match(const struct display_filter *df, const struct frame_fields *ff)
{
    return eval_node(df, df->root, ff);
}
