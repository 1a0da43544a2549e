/* Owns the display-filter parser and the compiled filter's life: the
 * grammar (Wireshark 4.0's precedence: "not" binds tightest, then "and",
 * then "or"), field tests with operators checked against the field's
 * type, sets, masks, regexes compiled once with PCRE2 and bounded, and
 * which fields a filter reads. */
#include "display_filter_internal.h"

#include <stdlib.h>
#include <string.h>

/* Appends a zeroed node; returns its index, or UINT32_MAX (error recorded) when out of memory. */
static uint32_t node_new(struct parser *p, enum df_kind kind)
{
    struct display_filter *df = p->df;
    if (df->n == df->cap) {
        uint32_t cap = df->cap ? df->cap * 2 : 16;
        struct df_node *nodes = realloc(df->nodes, cap * sizeof(*nodes));
        if (nodes == NULL) {
            df_fail(p, p->tok.pos, "Out of memory.");
            return UINT32_MAX;
        }
        df->nodes = nodes;
        df->cap = cap;
    }
    struct df_node *nd = &df->nodes[df->n];
    memset(nd, 0, sizeof(*nd));
    nd->kind = kind;
    nd->field = -1;
    nd->rhs_field = -1;
    return df->n++;
}

/* Returns the spelling of an operator, for messages. */
static const char *op_name(enum df_op op)
{
    static const char *const names[] = {"==", "!=", "===", "!==",      ">",
                                        ">=", "<",  "<=",  "contains", "matches"};
    return names[op];
}

/* Returns the field a word token names, or -1. */
static int token_field(const struct parser *p, const struct token *t)
{
    return t->kind == TK_WORD ? field_lookup(p->expr + t->pos, t->len) : -1;
}

/* Checks that op applies to the type of field (at offset pos); records an error if not. */
static bool check_op(struct parser *p, int field, enum df_op op, size_t pos, size_t len)
{
    enum field_kind type = ftype(field);
    int n = len > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)len;
    if (type == FK_NONE && field_def(field)->type == FT_PROTOCOL) {
        df_fail(p, pos,
                "%.*s is a protocol: only its presence can be tested (comparing protocol bytes is "
                "not supported).",
                n, p->expr + pos);
        return false;
    }
    bool ok = type != FK_NONE; /* A label (FT_NONE) has no value to compare. */
    if (op == OP_CONTAINS)
        ok = type == FK_STRING || type == FK_ETHER || type == FK_BYTES;
    else if (op == OP_MATCHES)
        ok = type == FK_STRING;
    if (!ok)
        df_fail(p, pos, "%.*s (type=%s) cannot participate in %s comparison.", n, p->expr + pos,
                tname(field), op_name(op));
    return ok;
}

/* Parses one literal operand (with an optional unary minus) for field;
 * the current token is its first. */
static bool parse_value(struct parser *p, int field, enum df_op op, struct df_value *out)
{
    bool negative = false;
    if (p->tok.kind == TK_MINUS) {
        negative = true;
        df_advance(p);
        if (p->tok.kind != TK_WORD) {
            df_fail_unexpected(p);
            return false;
        }
    }
    if (p->tok.kind != TK_WORD && p->tok.kind != TK_STRING && p->tok.kind != TK_CHAR) {
        df_fail_unexpected(p);
        return false;
    }
    struct token t = p->tok;
    if (!df_parse_literal(p, field, op, &t, negative, out))
        return false;
    df_advance(p);
    return !p->failed;
}

/* Checks that a field on the right of a comparison has a type compatible with the left's. */
static bool check_field_pair(struct parser *p, int field, int rhs, const struct token *t,
                             size_t lhs_pos, size_t lhs_len)
{
    if (ftype(rhs) == ftype(field))
        return true;
    int n = lhs_len > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)lhs_len;
    df_fail(p, t->pos, "%.*s and %.*s are not of compatible types.", n, p->expr + lhs_pos,
            QUOTE(t, p));
    return false;
}

/* Parses one element of an "in" set into e. */
static bool parse_set_elem(struct parser *p, int field, size_t lhs_pos, size_t lhs_len,
                           struct df_elem *e)
{
    memset(e, 0, sizeof(*e));
    e->field = -1;
    int rhs = token_field(p, &p->tok);
    if (rhs >= 0) {
        if (!check_field_pair(p, field, rhs, &p->tok, lhs_pos, lhs_len))
            return false;
        e->field = rhs;
        df_advance(p);
        return !p->failed;
    }
    if (!parse_value(p, field, OP_ANY_EQ, &e->lo))
        return false;
    if (p->tok.kind != TK_DOTDOT)
        return true;
    df_advance(p);
    e->range = true;
    return parse_value(p, field, OP_ANY_EQ, &e->hi);
}

/* Parses "{ elem, elem, lo..hi }" after "in" (the current token is '{'). */
static bool parse_set(struct parser *p, struct df_node *tmp, size_t lhs_pos, size_t lhs_len)
{
    if (p->tok.kind != TK_LBRACE) {
        df_fail_unexpected(p);
        return false;
    }
    df_advance(p);
    uint32_t cap = 0;
    for (;;) {
        if (tmp->nset == DF_MAX_SET) {
            df_fail(p, p->tok.pos, "A set may hold at most %d elements.", DF_MAX_SET);
            return false;
        }
        if (tmp->nset == cap) {
            cap = cap ? cap * 2 : 4;
            struct df_elem *set = realloc(tmp->set, cap * sizeof(*set));
            if (set == NULL) {
                df_fail(p, p->tok.pos, "Out of memory.");
                return false;
            }
            tmp->set = set;
        }
        if (!parse_set_elem(p, tmp->field, lhs_pos, lhs_len, &tmp->set[tmp->nset]))
            return false;
        tmp->nset++;
        if (p->tok.kind == TK_RBRACE)
            break;
        if (p->tok.kind != TK_COMMA) {
            df_fail_unexpected(p);
            return false;
        }
        df_advance(p);
    }
    df_advance(p);
    return !p->failed;
}

/* Compiles a regex for "matches" from a string token: caseless and never
 * UTF, as Wireshark 4.0. */
static bool compile_regex(struct parser *p, const struct token *t, struct df_node *tmp)
{
    int code;
    PCRE2_SIZE off;
    tmp->re = pcre2_compile((PCRE2_SPTR)t->text, t->text_len, PCRE2_CASELESS | PCRE2_NEVER_UTF,
                            &code, &off, NULL);
    if (tmp->re == NULL) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof(msg));
        df_fail(p, t->pos, "Regex compilation error: %s.", (const char *)msg);
        return false;
    }
    tmp->md = pcre2_match_data_create_from_pattern(tmp->re, NULL);
    if (tmp->md == NULL) {
        df_fail(p, t->pos, "Out of memory.");
        return false;
    }
    return true;
}

/* Parses the right side of "field op ..." into tmp (the current token is its first). */
static bool parse_rhs(struct parser *p, struct df_node *tmp, size_t lhs_pos, size_t lhs_len)
{
    int field = tmp->field;
    if (tmp->op == OP_MATCHES) {
        if (p->tok.kind != TK_STRING) {
            if (p->tok.kind == TK_END || p->failed)
                df_fail_unexpected(p);
            else
                df_fail(p, p->tok.pos,
                        "Matches requires a double quoted string on the right side.");
            return false;
        }
        struct token t = p->tok;
        if (!compile_regex(p, &t, tmp))
            return false;
        df_advance(p);
        return !p->failed;
    }
    int rhs = token_field(p, &p->tok);
    if (rhs >= 0) {
        if (!check_field_pair(p, field, rhs, &p->tok, lhs_pos, lhs_len))
            return false;
        if (tmp->op == OP_CONTAINS && ftype(field) != FK_STRING && ftype(field) != FK_BYTES) {
            df_fail(p, p->tok.pos, "contains with a field on the right needs text fields.");
            return false;
        }
        tmp->kind = N_CMP_FIELD;
        tmp->rhs_field = rhs;
        df_advance(p);
        return !p->failed;
    }
    return parse_value(p, field, tmp->op, &tmp->val);
}

/* Frees what a node owns (its regex, match data, set and children list). */
static void node_release(struct df_node *nd)
{
    pcre2_match_data_free(nd->md);
    pcre2_code_free(nd->re);
    free(nd->set);
    free(nd->kids);
    nd->md = NULL;
    nd->re = NULL;
    nd->set = NULL;
    nd->kids = NULL;
}

/* Stores a finished node built on the stack; returns its index, or UINT32_MAX. */
static uint32_t node_store(struct parser *p, struct df_node *tmp)
{
    uint32_t i = node_new(p, tmp->kind);
    if (i == UINT32_MAX) {
        node_release(tmp);
        return i;
    }
    p->df->nodes[i] = *tmp;
    return i;
}

/* Makes a one-child "not" node over kid; returns its index, or UINT32_MAX. */
static uint32_t node_not(struct parser *p, uint32_t kid)
{
    struct df_node tmp = {.kind = N_NOT, .field = -1, .rhs_field = -1};
    tmp.kids = malloc(sizeof(uint32_t));
    if (tmp.kids == NULL) {
        df_fail(p, p->tok.pos, "Out of memory.");
        return UINT32_MAX;
    }
    tmp.kids[0] = kid;
    tmp.nkids = 1;
    return node_store(p, &tmp);
}

/* Parses "& mask" after a field (unsigned or IPv4) into tmp; the current token is the "&". */
static bool parse_mask(struct parser *p, struct df_node *tmp, const struct token *ft)
{
    enum field_kind type = ftype(tmp->field);
    if (type != FK_UINT && type != FK_IPV4) {
        df_fail(p, ft->pos, "%.*s (type=%s) cannot be used with \"&\".", QUOTE(ft, p),
                tname(tmp->field));
        return false;
    }
    df_advance(p);
    if (!parse_value(p, tmp->field, OP_ANY_EQ, &tmp->mask))
        return false;
    if (tmp->mask.incomparable) {
        /* -N is a signed mask: its two's complement, cut to the field's width. */
        tmp->mask.v.u = (0 - tmp->mask.v.u) & uint_max(tmp->field);
        tmp->mask.incomparable = false;
    }
    tmp->masked = true;
    return true;
}

/* Parses a test that starts with a field name: presence, a comparison, or
 * [not] in a set.  The current token is the field's name. */
static uint32_t parse_test(struct parser *p)
{
    struct token ft = p->tok;
    int field = token_field(p, &ft);
    if (field < 0) {
        df_fail(p, ft.pos, "\"%.*s\" is neither a field nor a protocol name.", QUOTE(&ft, p));
        return UINT32_MAX;
    }
    df_advance(p);
    struct df_node tmp = {.kind = N_PRESENT, .field = field, .rhs_field = -1};
    if (p->tok.kind == TK_BITAND && !parse_mask(p, &tmp, &ft))
        return UINT32_MAX;
    if (field == proto_frame && p->tok.kind != TK_CMP && p->tok.kind != TK_IN &&
        p->tok.kind != TK_NOT)
        tmp.kind = N_TRUE;
    if (p->tok.kind == TK_CMP) {
        tmp.kind = N_CMP;
        tmp.op = p->tok.op;
        if (!check_op(p, field, tmp.op, ft.pos, ft.len))
            return UINT32_MAX;
        df_advance(p);
        if (!parse_rhs(p, &tmp, ft.pos, ft.len)) {
            node_release(&tmp);
            return UINT32_MAX;
        }
        return node_store(p, &tmp);
    }
    bool negate = false;
    if (tmp.masked && (p->tok.kind == TK_IN || p->tok.kind == TK_NOT)) {
        df_fail_unexpected(p);
        return UINT32_MAX;
    }
    if (p->tok.kind == TK_NOT) {
        negate = true;
        df_advance(p);
        if (p->tok.kind != TK_IN) {
            df_fail_unexpected(p);
            return UINT32_MAX;
        }
    }
    if (p->tok.kind == TK_IN) {
        tmp.kind = N_IN;
        if (!check_op(p, field, OP_ANY_EQ, ft.pos, ft.len))
            return UINT32_MAX;
        df_advance(p);
        if (!parse_set(p, &tmp, ft.pos, ft.len)) {
            node_release(&tmp);
            return UINT32_MAX;
        }
        uint32_t i = node_store(p, &tmp);
        return negate && i != UINT32_MAX ? node_not(p, i) : i;
    }
    return node_store(p, &tmp);
}

static uint32_t parse_or(struct parser *p);

/* Enters one more level of nesting at the current token; false (error recorded) when too deep. */
static bool nest(struct parser *p)
{
    if (++p->depth > DF_MAX_DEPTH) {
        df_fail(p, p->tok.pos, "The filter nests parentheses and \"not\" more than %d deep.",
                DF_MAX_DEPTH);
        return false;
    }
    return true;
}

/* Parses a parenthesised expression or a test. */
static uint32_t parse_primary(struct parser *p)
{
    if (p->tok.kind == TK_LPAREN) {
        if (!nest(p))
            return UINT32_MAX;
        df_advance(p);
        uint32_t e = parse_or(p);
        if (e == UINT32_MAX)
            return e;
        if (p->tok.kind != TK_RPAREN) {
            df_fail_unexpected(p);
            return UINT32_MAX;
        }
        p->depth--;
        df_advance(p);
        return p->failed ? UINT32_MAX : e;
    }
    if (p->tok.kind == TK_WORD)
        return parse_test(p);
    df_fail_unexpected(p);
    return UINT32_MAX;
}

/* Parses "not" (or "!") prefixes and what they apply to. */
static uint32_t parse_unary(struct parser *p)
{
    if (p->tok.kind != TK_NOT)
        return parse_primary(p);
    if (!nest(p))
        return UINT32_MAX;
    df_advance(p);
    uint32_t kid = parse_unary(p);
    p->depth--;
    return kid == UINT32_MAX ? kid : node_not(p, kid);
}

/* Parses operands of one operator ("and" over unaries, or "or" over
 * "and" groups) into one n-ary node; a single operand is returned as is. */
static uint32_t parse_chain(struct parser *p, enum tok_kind op, enum df_kind kind,
                            uint32_t (*operand)(struct parser *))
{
    uint32_t first = operand(p);
    if (first == UINT32_MAX || p->tok.kind != op)
        return first;
    struct df_node tmp = {.kind = kind, .field = -1, .rhs_field = -1};
    uint32_t cap = 0, kid = first;
    for (;;) {
        if (tmp.nkids == cap) {
            cap = cap ? cap * 2 : 4;
            uint32_t *kids = realloc(tmp.kids, cap * sizeof(*kids));
            if (kids == NULL) {
                df_fail(p, p->tok.pos, "Out of memory.");
                break;
            }
            tmp.kids = kids;
        }
        tmp.kids[tmp.nkids++] = kid;
        if (p->tok.kind != op)
            return node_store(p, &tmp);
        df_advance(p);
        kid = operand(p);
        if (kid == UINT32_MAX)
            break;
    }
    node_release(&tmp);
    return UINT32_MAX;
}

/* Parses an "and" group. */
static uint32_t parse_and(struct parser *p)
{
    return parse_chain(p, TK_AND, N_AND, parse_unary);
}

/* Parses an "or" of "and" groups: "and" binds tighter, as in Wireshark 4.0. */
static uint32_t parse_or(struct parser *p)
{
    return parse_chain(p, TK_OR, N_OR, parse_and);
}

/* ------------------------------------------------------------------ */
/* Public: compile, want, free                                          */
/* ------------------------------------------------------------------ */

/* Frees a filter; accepts NULL. */
void display_filter_free(struct display_filter *df)
{
    if (df == NULL)
        return;
    for (uint32_t i = 0; i < df->n; i++)
        node_release(&df->nodes[i]);
    for (uint32_t i = 0; i < df->nstrs; i++)
        free(df->strs[i]);
    free(df->strs);
    free(df->nodes);
    pcre2_match_context_free(df->mctx);
    free(df);
}

/* Parses the whole expression into p->df; returns false with the error recorded. */
static bool parse_all(struct parser *p)
{
    df_advance(p);
    if (p->tok.kind == TK_END && !p->failed) {
        p->df->root = node_new(p, N_TRUE);
        return !p->failed;
    }
    uint32_t root = parse_or(p);
    if (root != UINT32_MAX && p->tok.kind != TK_END)
        df_fail_unexpected(p);
    p->df->root = root;
    return !p->failed;
}

/* Makes the match context every regex of the filter runs with, which
 * bounds the backtracking (time and memory) a hostile text may cause. */
static void make_match_context(struct parser *p)
{
    p->df->mctx = pcre2_match_context_create(NULL);
    if (p->df->mctx == NULL) {
        df_fail(p, 0, "Out of memory.");
        return;
    }
    pcre2_set_match_limit(p->df->mctx, DF_REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(p->df->mctx, DF_REGEX_DEPTH_LIMIT);
}

/* Compiles expr; see display_filter.h. */
struct display_filter *display_filter_compile(const char *expr, char *err, size_t errlen,
                                              size_t *err_pos)
{
    struct parser p = {.expr = expr != NULL ? expr : "", .err = err, .errlen = errlen};
    p.len = strlen(p.expr);
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    p.scratch = malloc(p.len + 1);
    p.df = calloc(1, sizeof(*p.df));
    if (p.scratch == NULL || p.df == NULL)
        df_fail(&p, 0, "Out of memory.");
    else if (parse_all(&p))
        make_match_context(&p);
    free(p.scratch);
    if (p.failed) {
        display_filter_free(p.df);
        if (err_pos != NULL)
            *err_pos = p.err_pos;
        return NULL;
    }
    return p.df;
}

/* Marks in ff every field the filter reads. */
void display_filter_want(const struct display_filter *df, struct frame_fields *ff)
{
    for (uint32_t i = 0; i < df->n; i++) {
        const struct df_node *nd = &df->nodes[i];
        if (nd->field >= 0)
            frame_fields_want(ff, nd->field);
        if (nd->rhs_field >= 0)
            frame_fields_want(ff, nd->rhs_field);
        for (uint32_t k = 0; k < nd->nset; k++)
            if (nd->set[k].field >= 0)
                frame_fields_want(ff, nd->set[k].field);
    }
}
