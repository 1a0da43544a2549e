/* Owns the display-filter language: the lexer, the parser (which checks
 * every literal against the type of the field it is compared with and
 * stores it pre-parsed), and the evaluator that walks one frame's recorded
 * fields.  The behaviour mirrors tshark 4.0: "and" binds tighter than "or",
 * "==" is "any equal", "!=" is "all not equal" (false when the field is
 * absent), "matches" is a caseless PCRE2 match, literal syntax and error
 * messages follow tshark's where this subset has them. */
#include "display_filter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Deepest nesting of parentheses and "not" accepted; deeper is an error. */
#define DF_MAX_DEPTH 64

/* Most elements accepted in one "in {...}" set. */
#define DF_MAX_SET 1024

/* Most bytes in a byte-string literal (for "contains" on a MAC address). */
#define DF_MAX_BYTES 64

/* PCRE2 match limit: bounds the backtracking one regex match may do. */
#define DF_REGEX_MATCH_LIMIT 100000u

/* PCRE2 depth limit: bounds the backtracking frames (and their memory) of one match. */
#define DF_REGEX_DEPTH_LIMIT 5000u

/* Most characters of a token quoted in an error message. */
#define DF_QUOTE_MAX 60

/* ------------------------------------------------------------------ */
/* Compiled form                                                        */
/* ------------------------------------------------------------------ */

/* The comparison operators. */
enum df_op {
    OP_ANY_EQ,   /* ==, eq, any_eq: some occurrence equals. */
    OP_ALL_NE,   /* !=, ne, all_ne: the field occurs and no occurrence equals. */
    OP_ALL_EQ,   /* ===, all_eq: the field occurs and every occurrence equals. */
    OP_ANY_NE,   /* !==, ~=, any_ne: some occurrence differs. */
    OP_GT,       /* >, gt. */
    OP_GE,       /* >=, ge. */
    OP_LT,       /* <, lt. */
    OP_LE,       /* <=, le. */
    OP_CONTAINS, /* contains: a substring (text) or byte run (MAC). */
    OP_MATCHES,  /* matches, ~: a caseless PCRE2 regex finds a match. */
};

/* The kinds of nodes of a compiled filter. */
enum df_kind {
    N_TRUE,      /* Always true (the empty filter, or "frame"). */
    N_AND,       /* All children true. */
    N_OR,        /* Some child true. */
    N_NOT,       /* The single child false. */
    N_PRESENT,   /* The field occurs (with a mask: some masked occurrence is not zero). */
    N_CMP,       /* Field compared with a literal. */
    N_CMP_FIELD, /* Field compared with another field. */
    N_IN,        /* Some occurrence is in a set. */
};

/* A literal, parsed for the type of the field it is compared with. */
struct df_value {
    union {
        uint64_t u;      /* FK_UINT, FK_BOOL (0 or 1). */
        int64_t ns;      /* FK_TIME, in nanoseconds. */
        uint8_t ip4[4];  /* FK_IPV4, network order, host bits cleared. */
        uint8_t ip6[16]; /* FK_IPV6, network order, host bits cleared. */
        uint8_t mac[6];  /* FK_ETHER. */
        const char *str; /* FK_STRING text, or the bytes of a "contains" on a MAC. */
    } v;
    uint32_t len;      /* Length of str. */
    uint8_t prefix;    /* FK_IPV4/FK_IPV6: CIDR prefix length (32 or 128 when none). */
    bool incomparable; /* A negative number against an unsigned field: no relation holds. */
};

/* One element of an "in" set: a value, a range lo..hi, or another field. */
struct df_elem {
    struct df_value lo; /* The value, or the low end of a range. */
    struct df_value hi; /* The high end of a range. */
    bool range;         /* True for lo..hi. */
    int field;          /* A field whose occurrences are members, or -1. */
};

/* One node of a compiled filter. */
struct df_node {
    enum df_kind kind;    /* What the node tests. */
    enum df_op op;        /* N_CMP, N_CMP_FIELD: the operator. */
    int field;            /* N_PRESENT, N_CMP*, N_IN: the field tested. */
    int rhs_field;        /* N_CMP_FIELD: the field compared with. */
    struct df_value val;  /* N_CMP: the literal. */
    struct df_value mask; /* With masked: the "&" operand applied to each occurrence. */
    bool masked;          /* True for "field & mask ...". */
    pcre2_code *re;       /* N_CMP with OP_MATCHES: the compiled regex. */
    pcre2_match_data *md; /* Its match data, made once and reused per frame. */
    struct df_elem *set;  /* N_IN: the set's elements. */
    uint32_t nset;        /* Number of elements. */
    uint32_t *kids;       /* N_AND, N_OR, N_NOT: indices of the children. */
    uint32_t nkids;       /* Number of children. */
};

/* A compiled filter: a tree of nodes in one array, root first-built last. */
struct display_filter {
    struct df_node *nodes;     /* All nodes. */
    uint32_t n;                /* Nodes in use. */
    uint32_t cap;              /* Nodes allocated. */
    uint32_t root;             /* Index of the root node. */
    char **strs;               /* Every literal text allocated, freed with the filter. */
    uint32_t nstrs;            /* Number of them. */
    uint32_t strs_cap;         /* Entries allocated in strs. */
    pcre2_match_context *mctx; /* Match limits for every regex, or NULL. */
};

/* ------------------------------------------------------------------ */
/* Field facts the registry does not hold                               */
/* ------------------------------------------------------------------ */

/* Returns true when the field has value names (or true/false names). */
static bool field_has_names(int field)
{
    const struct field_def *d = field_def(field);
    return d->vals != NULL || d->tfs != NULL;
}

/* Looks a value name up for a field (caseless); returns true and sets *value when found. */
static bool name_lookup(int field, const char *text, size_t len, uint64_t *value)
{
    const struct field_def *d = field_def(field);
    for (const struct value_name *v = d->vals; v && v->name; v++) {
        if (strlen(v->name) == len && strncasecmp(v->name, text, len) == 0) {
            *value = v->value;
            return true;
        }
    }
    for (int i = 0; d->tfs && i < 2; i++) {
        if (strlen(d->tfs[i]) == len && strncasecmp(d->tfs[i], text, len) == 0) {
            *value = i == 0;
            return true;
        }
    }
    return false;
}

/* Returns the largest value an unsigned field holds, from its type's width. */
static uint64_t uint_max(int field)
{
    return field_def(field)->max;
}

/* Returns the name tshark gives a field's type in its error messages. */
static const char *tname(int field)
{
    return ftype_label(field_def(field)->type);
}

/* Returns how a field's values are stored. */
static enum field_kind ftype(int field)
{
    return field_def(field)->kind;
}

/* Returns the Wireshark name of a field id. */
static const char *fname(int field)
{
    return field_def(field)->name;
}

/* ------------------------------------------------------------------ */
/* Lexer                                                                */
/* ------------------------------------------------------------------ */

/* The kinds of tokens. */
enum tok_kind {
    TK_END,    /* End of the expression. */
    TK_LPAREN, /* ( */
    TK_RPAREN, /* ) */
    TK_LBRACE, /* { */
    TK_RBRACE, /* } */
    TK_COMMA,  /* , */
    TK_DOTDOT, /* .. */
    TK_AND,    /* and, && */
    TK_OR,     /* or, || */
    TK_NOT,    /* not, ! */
    TK_CMP,    /* A comparison operator (op says which). */
    TK_IN,     /* in */
    TK_MINUS,  /* - (unary minus) */
    TK_BITAND, /* &, bitwise_and */
    TK_WORD,   /* A bare word: a field name or an unquoted literal. */
    TK_STRING, /* A double-quoted string, decoded. */
    TK_CHAR,   /* A single-quoted character constant. */
};

/* One token. */
struct token {
    enum tok_kind kind; /* What it is. */
    size_t pos;         /* Offset of its first byte in the expression. */
    size_t len;         /* Its length in the expression. */
    enum df_op op;      /* TK_CMP: the operator. */
    uint8_t ch;         /* TK_CHAR: the character's value. */
    const char *text;   /* TK_STRING: the decoded text (in the parser's scratch buffer). */
    size_t text_len;    /* Its length. */
};

/* The state of one compilation. */
struct parser {
    const char *expr;          /* The expression. */
    size_t len;                /* Its length. */
    size_t at;                 /* Offset of the next byte to lex. */
    struct token tok;          /* The current (lookahead) token. */
    char *scratch;             /* Decoded text of the current string token. */
    struct display_filter *df; /* The filter being built. */
    int depth;                 /* Current nesting of parentheses and "not". */
    bool failed;               /* True once an error was recorded. */
    char *err;                 /* Where the message goes. */
    size_t errlen;             /* Its size. */
    size_t err_pos;            /* Offset of the error. */
};

/* Records the first error: a printf-style message located at pos. */
static void fail(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first error: a printf-style message located at pos. */
static void fail(struct parser *p, size_t pos, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    p->err_pos = pos;
    if (p->err != NULL && p->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
}

/* Records "Unexpected end" or "X was unexpected" for the current token. */
static void fail_unexpected(struct parser *p)
{
    const struct token *t = &p->tok;
    if (t->kind == TK_END) {
        fail(p, t->pos, "Unexpected end of filter expression.");
        return;
    }
    int n = t->len > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)t->len;
    fail(p, t->pos, "\"%.*s\" was unexpected in this context.", n, p->expr + t->pos);
}

/* Returns true for a byte that may start a bare word. */
static bool word_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':' || c == '+';
}

/* Returns true for a byte that may continue a bare word (besides '.'). */
static bool word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':' || c == '/' || c == '-';
}

/* The operators and keywords spelt as words, with their tokens. */
static const struct {
    const char *word;   /* The keyword. */
    enum tok_kind kind; /* Its token. */
    enum df_op op;      /* For TK_CMP, the operator. */
} keywords[] = {
    {"and", TK_AND, OP_ANY_EQ},
    {"or", TK_OR, OP_ANY_EQ},
    {"not", TK_NOT, OP_ANY_EQ},
    {"in", TK_IN, OP_ANY_EQ},
    {"eq", TK_CMP, OP_ANY_EQ},
    {"any_eq", TK_CMP, OP_ANY_EQ},
    {"ne", TK_CMP, OP_ALL_NE},
    {"all_ne", TK_CMP, OP_ALL_NE},
    {"all_eq", TK_CMP, OP_ALL_EQ},
    {"any_ne", TK_CMP, OP_ANY_NE},
    {"gt", TK_CMP, OP_GT},
    {"ge", TK_CMP, OP_GE},
    {"lt", TK_CMP, OP_LT},
    {"le", TK_CMP, OP_LE},
    {"contains", TK_CMP, OP_CONTAINS},
    {"matches", TK_CMP, OP_MATCHES},
    {"bitwise_and", TK_BITAND, OP_ANY_EQ},
};

/* The operators spelt with symbols, longest first so "!==" wins over "!=" and "!". */
static const struct {
    const char *sym;    /* The symbol. */
    enum tok_kind kind; /* Its token. */
    enum df_op op;      /* For TK_CMP, the operator. */
} symbols[] = {
    {"===", TK_CMP, OP_ALL_EQ},   {"!==", TK_CMP, OP_ANY_NE},  {"==", TK_CMP, OP_ANY_EQ},
    {"!=", TK_CMP, OP_ALL_NE},    {"~=", TK_CMP, OP_ANY_NE},   {">=", TK_CMP, OP_GE},
    {"<=", TK_CMP, OP_LE},        {"&&", TK_AND, OP_ANY_EQ},   {"||", TK_OR, OP_ANY_EQ},
    {"..", TK_DOTDOT, OP_ANY_EQ}, {">", TK_CMP, OP_GT},        {"<", TK_CMP, OP_LT},
    {"~", TK_CMP, OP_MATCHES},    {"!", TK_NOT, OP_ANY_EQ},    {"(", TK_LPAREN, OP_ANY_EQ},
    {")", TK_RPAREN, OP_ANY_EQ},  {"{", TK_LBRACE, OP_ANY_EQ}, {"}", TK_RBRACE, OP_ANY_EQ},
    {",", TK_COMMA, OP_ANY_EQ},   {"-", TK_MINUS, OP_ANY_EQ},  {"&", TK_BITAND, OP_ANY_EQ},
};

/* Returns the value of a hex digit, or -1. */
static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes the escape sequence at s[*i] (just after a backslash) of a
 * double-quoted string; returns the byte, or -1 after recording an error. */
static int string_escape(struct parser *p, size_t *i)
{
    const char *s = p->expr;
    size_t start = *i - 1;
    unsigned char c = (unsigned char)s[*i];
    static const char simple_in[] = "abfnrtv\\\"'";
    static const char simple_out[] = "\a\b\f\n\r\t\v\\\"'";
    const char *hit = c != '\0' ? strchr(simple_in, c) : NULL;
    if (hit != NULL) {
        (*i)++;
        return (unsigned char)simple_out[hit - simple_in];
    }
    if (c >= '0' && c <= '7') {
        unsigned v = 0;
        for (int n = 0; n < 3 && s[*i] >= '0' && s[*i] <= '7'; n++)
            v = v * 8 + (unsigned)(s[(*i)++] - '0');
        if (v > 0xff) {
            fail(p, start, "%.*s is larger than 255.", (int)(*i - start), s + start);
            return -1;
        }
        return (int)v;
    }
    if (c == 'x' && hexval((unsigned char)s[*i + 1]) >= 0) {
        (*i)++;
        int v = hexval((unsigned char)s[(*i)++]);
        if (hexval((unsigned char)s[*i]) >= 0)
            v = v * 16 + hexval((unsigned char)s[(*i)++]);
        return v;
    }
    if (c == '\0') {
        fail(p, start, "The final quote was missing from a quoted string.");
        return -1;
    }
    fail(p, start, "\\%c is not a valid character escape sequence", c);
    return -1;
}

/* Lexes a double-quoted string starting at p->at; fills the token. */
static void lex_string(struct parser *p, struct token *t)
{
    size_t i = p->at + 1;
    size_t n = 0;
    for (;;) {
        unsigned char c = (unsigned char)p->expr[i];
        if (c == '\0') {
            fail(p, t->pos, "The final quote was missing from a quoted string.");
            return;
        }
        if (c == '"')
            break;
        if (c == '\\') {
            i++;
            int v = string_escape(p, &i);
            if (v < 0)
                return;
            p->scratch[n++] = (char)v;
        } else {
            p->scratch[n++] = (char)c;
            i++;
        }
    }
    t->kind = TK_STRING;
    t->text = p->scratch;
    t->text_len = n;
    t->len = i + 1 - t->pos;
}

/* Decodes the body of a character constant (between the quotes, len bytes
 * at s); returns its value, or -1 when it is not one character. */
static int char_value(const char *s, size_t len)
{
    if (len == 1 && s[0] != '\\')
        return (unsigned char)s[0];
    if (len == 2 && s[0] == '\\' && (s[1] == '\\' || s[1] == '\''))
        return (unsigned char)s[1];
    if (len >= 2 && s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && len <= 4) {
        unsigned v = 0;
        for (size_t k = 1; k < len; k++) {
            if (s[k] < '0' || s[k] > '7')
                return -1;
            v = v * 8 + (unsigned)(s[k] - '0');
        }
        return v > 0xff ? -2 : (int)v;
    }
    if (len >= 3 && len <= 4 && s[0] == '\\' && s[1] == 'x') {
        int v = 0;
        for (size_t k = 2; k < len; k++) {
            int h = hexval((unsigned char)s[k]);
            if (h < 0)
                return -1;
            v = v * 16 + h;
        }
        return v;
    }
    static const char simple_in[] = "abfnrtv";
    static const char simple_out[] = "\a\b\f\n\r\t\v";
    if (len == 2 && s[0] == '\\' && s[1] != '\0' && strchr(simple_in, s[1]) != NULL)
        return (unsigned char)simple_out[strchr(simple_in, s[1]) - simple_in];
    return -1;
}

/* Lexes a single-quoted character constant starting at p->at. */
static void lex_char(struct parser *p, struct token *t)
{
    size_t i = p->at + 1;
    while (p->expr[i] != '\0' && p->expr[i] != '\'') {
        if (p->expr[i] == '\\' && p->expr[i + 1] != '\0')
            i++;
        i++;
    }
    if (p->expr[i] != '\'') {
        fail(p, t->pos, "The final quote was missing from a character constant.");
        return;
    }
    size_t body = i - (p->at + 1);
    t->len = i + 1 - t->pos;
    if (body == 0) {
        fail(p, t->pos, "Empty character constant.");
        return;
    }
    int v = char_value(p->expr + p->at + 1, body);
    if (v == -2) {
        fail(p, t->pos, "%.*s is too large to be a valid character constant.", (int)t->len,
             p->expr + t->pos);
        return;
    }
    if (v < 0) {
        int n = t->len > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)t->len;
        fail(p, t->pos, "%.*s is too long to be a valid character constant.", n, p->expr + t->pos);
        return;
    }
    t->kind = TK_CHAR;
    t->ch = (uint8_t)v;
}

/* Lexes a bare word starting at p->at: word characters, and single dots
 * between them ("1..5" is three tokens); classifies keywords. */
static void lex_word(struct parser *p, struct token *t)
{
    const char *s = p->expr;
    size_t i = p->at + 1;
    for (;;) {
        unsigned char c = (unsigned char)s[i];
        if (word_char(c))
            i++;
        else if (c == '.' && word_char((unsigned char)s[i + 1]))
            i += 2;
        else
            break;
    }
    t->kind = TK_WORD;
    t->len = i - t->pos;
    for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
        if (strlen(keywords[k].word) == t->len &&
            memcmp(keywords[k].word, s + t->pos, t->len) == 0) {
            t->kind = keywords[k].kind;
            t->op = keywords[k].op;
        }
    }
}

/* Lexes the next token into p->tok (TK_END once the expression is used up,
 * or after an error). */
static void advance(struct parser *p)
{
    struct token *t = &p->tok;
    const char *s = p->expr;
    while (s[p->at] == ' ' || s[p->at] == '\t' || s[p->at] == '\n' || s[p->at] == '\r')
        p->at++;
    memset(t, 0, sizeof(*t));
    t->pos = p->at;
    t->kind = TK_END;
    if (p->failed || s[p->at] == '\0')
        return;
    unsigned char c = (unsigned char)s[p->at];
    if (c == '"') {
        lex_string(p, t);
    } else if (c == '\'') {
        lex_char(p, t);
    } else if (word_start(c)) {
        lex_word(p, t);
    } else {
        for (size_t k = 0; k < sizeof(symbols) / sizeof(symbols[0]); k++) {
            size_t n = strlen(symbols[k].sym);
            if (strncmp(s + p->at, symbols[k].sym, n) == 0) {
                t->kind = symbols[k].kind;
                t->op = symbols[k].op;
                t->len = n;
                break;
            }
        }
        if (t->len == 0) {
            if (c >= 0x20 && c < 0x7f)
                fail(p, t->pos, "\"%c\" was unexpected in this context.", c);
            else
                fail(p, t->pos, "Byte 0x%02x was unexpected in this context.", c);
        }
    }
    if (p->failed) {
        t->kind = TK_END;
        return;
    }
    p->at = t->pos + t->len;
}

/* ------------------------------------------------------------------ */
/* Building the filter                                                  */
/* ------------------------------------------------------------------ */

/* Appends a zeroed node; returns its index, or UINT32_MAX (error recorded) when out of memory. */
static uint32_t node_new(struct parser *p, enum df_kind kind)
{
    struct display_filter *df = p->df;
    if (df->n == df->cap) {
        uint32_t cap = df->cap ? df->cap * 2 : 16;
        struct df_node *nodes = realloc(df->nodes, cap * sizeof(*nodes));
        if (nodes == NULL) {
            fail(p, p->tok.pos, "Out of memory.");
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

/* Keeps a copy of len bytes of text for the filter's lifetime; returns it, or NULL. */
static const char *keep_text(struct parser *p, const char *text, size_t len)
{
    struct display_filter *df = p->df;
    if (df->nstrs == df->strs_cap) {
        uint32_t cap = df->strs_cap ? df->strs_cap * 2 : 8;
        char **strs = realloc(df->strs, cap * sizeof(*strs));
        if (strs == NULL) {
            fail(p, p->tok.pos, "Out of memory.");
            return NULL;
        }
        df->strs = strs;
        df->strs_cap = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        fail(p, p->tok.pos, "Out of memory.");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    df->strs[df->nstrs++] = copy;
    return copy;
}

/* ------------------------------------------------------------------ */
/* Literals                                                             */
/* ------------------------------------------------------------------ */

/* Outcomes of parsing an unsigned number. */
enum num_status {
    NUM_OK,       /* Parsed. */
    NUM_INVALID,  /* Not a number. */
    NUM_OVERFLOW, /* More than 64 bits. */
};

/* Parses an unsigned integer as Wireshark does: decimal, 0x hex, 0b
 * binary, or octal with a leading 0, optionally after a '+'. */
static enum num_status parse_number(const char *s, size_t len, uint64_t *out)
{
    unsigned base = 10;
    size_t i = 0;
    if (len > 0 && s[0] == '+')
        i = 1;
    if (len - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        i += 2;
        if (i == len)
            return NUM_INVALID;
    } else if (len - i >= 2 && s[i] == '0' && (s[i + 1] == 'b' || s[i + 1] == 'B')) {
        base = 2;
        i += 2;
    } else if (len - i >= 2 && s[i] == '0') {
        base = 8;
        i += 1;
    } else if (i == len) {
        return NUM_INVALID;
    }
    uint64_t v = 0;
    for (; i < len; i++) {
        int d = hexval((unsigned char)s[i]);
        if (d < 0 || (unsigned)d >= base)
            return NUM_INVALID;
        if (v > (UINT64_MAX - (unsigned)d) / base)
            return NUM_OVERFLOW;
        v = v * base + (unsigned)d;
    }
    *out = v;
    return NUM_OK;
}

/* Quotes a literal token in an error message: its first bytes, at most DF_QUOTE_MAX. */
#define QUOTE(t, p) ((t)->len > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)(t)->len), ((p)->expr + (t)->pos)

/* Parses an unsigned-field literal (word, string or character constant);
 * range-checks it against the field's width. */
static bool lit_uint(struct parser *p, int field, const struct token *t, struct df_value *out)
{
    uint64_t v = 0;
    if (t->kind == TK_CHAR) {
        v = t->ch;
    } else if (t->kind == TK_STRING) {
        if (!name_lookup(field, t->text, t->text_len, &v)) {
            if (field_has_names(field))
                fail(p, t->pos, "%.*s cannot be found among the possible values for %s.",
                     QUOTE(t, p), fname(field));
            else
                fail(p, t->pos, "Unsigned integer cannot be converted from a string (%.*s).",
                     QUOTE(t, p));
            return false;
        }
    } else {
        const char *s = p->expr + t->pos;
        enum num_status st = parse_number(s, t->len, &v);
        if (st == NUM_OVERFLOW) {
            fail(p, t->pos, "\"%.*s\" causes an integer overflow.", QUOTE(t, p));
            return false;
        }
        if (st == NUM_INVALID && !name_lookup(field, s, t->len, &v)) {
            if (field_has_names(field))
                fail(p, t->pos, "\"%.*s\" cannot be found among the possible values for %s.",
                     QUOTE(t, p), fname(field));
            else
                fail(p, t->pos, "\"%.*s\" is not a valid number.", QUOTE(t, p));
            return false;
        }
    }
    if (v > uint_max(field)) {
        fail(p, t->pos, "\"%.*s\" too big for this field, maximum %llu.", QUOTE(t, p),
             (unsigned long long)uint_max(field));
        return false;
    }
    out->v.u = v;
    return true;
}

/* Parses a boolean literal: a number (true when not zero), True, TRUE,
 * False, FALSE, or one of the field's two value names (as tshark 4.0). */
static bool lit_bool(struct parser *p, int field, const struct token *t, struct df_value *out)
{
    uint64_t v = 0;
    const char *s = t->kind == TK_STRING ? t->text : p->expr + t->pos;
    size_t len = t->kind == TK_STRING ? t->text_len : t->len;
    bool ok;
    if (t->kind == TK_CHAR) {
        v = t->ch;
        ok = true;
    } else if (t->kind == TK_WORD && parse_number(s, len, &v) == NUM_OK) {
        ok = true;
    } else if (t->kind == TK_WORD &&
               ((len == 4 && (memcmp(s, "True", 4) == 0 || memcmp(s, "TRUE", 4) == 0)))) {
        v = 1;
        ok = true;
    } else if (t->kind == TK_WORD &&
               ((len == 5 && (memcmp(s, "False", 5) == 0 || memcmp(s, "FALSE", 5) == 0)))) {
        v = 0;
        ok = true;
    } else {
        ok = name_lookup(field, s, len, &v);
    }
    if (!ok) {
        if (t->kind == TK_STRING)
            fail(p, t->pos, "%.*s cannot be found among the possible values for %s.", QUOTE(t, p),
                 fname(field));
        else
            fail(p, t->pos, "\"%.*s\" cannot be found among the possible values for %s.",
                 QUOTE(t, p), fname(field));
        return false;
    }
    out->v.u = v != 0;
    return true;
}

/* Parses a time offset as tshark 4.0 does: seconds, optionally '.' and up
 * to nine digits of fraction (anything after those digits is ignored). */
static bool lit_time(struct parser *p, const struct token *t, struct df_value *out)
{
    const char *s = p->expr + t->pos;
    size_t len = t->len, i = 0;
    uint64_t secs = 0, frac = 0;
    if (i < len && s[i] == '+')
        i++;
    size_t digits = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (secs > (uint64_t)INT64_MAX / 1000000000u / 10)
            goto bad;
        secs = secs * 10 + (uint64_t)(s[i++] - '0');
    }
    if (i == digits || (i < len && s[i] != '.'))
        goto bad;
    if (i < len) {
        i++;
        unsigned n = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (n == 9)
                goto bad;
            frac = frac * 10 + (uint64_t)(s[i++] - '0');
            n++;
        }
        for (; n < 9; n++)
            frac *= 10;
    }
    out->v.ns = (int64_t)(secs * 1000000000u + frac);
    return true;
bad:
    fail(p, t->pos, "\"%.*s\" is not a valid time.", QUOTE(t, p));
    return false;
}

/* Parses a CIDR suffix "/N" of at most digits digits (octal with a leading
 * 0, as tshark reads it); returns the length, or -1 when s is not such a
 * suffix, -2 when it is more than max. */
static int parse_prefix(const char *s, size_t len, int max, size_t digits)
{
    uint64_t v;
    if (len < 2 || len > digits + 1 || s[0] != '/')
        return -1;
    for (size_t i = 1; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    if (parse_number(s + 1, len - 1, &v) != NUM_OK)
        return -1;
    return v > (uint64_t)max ? -2 : (int)v;
}

/* Clears the host bits of an address of nbytes bytes beyond prefix bits. */
static void mask_bits(uint8_t *a, size_t nbytes, unsigned prefix)
{
    for (size_t i = 0; i < nbytes; i++) {
        unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        a[i] &= (uint8_t)(0xff00u >> keep);
    }
}

/* Parses a dotted-quad IPv4 address (no leading zeros), with an optional /N. */
static bool lit_ipv4(struct parser *p, const struct token *t, struct df_value *out)
{
    const char *s = p->expr + t->pos;
    size_t len = t->len, i = 0;
    for (int octet = 0; octet < 4; octet++) {
        if (octet > 0 && (i >= len || s[i++] != '.'))
            goto bad;
        size_t start = i;
        unsigned v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
            goto bad;
        out->v.ip4[octet] = (uint8_t)v;
    }
    out->prefix = 32;
    if (i < len) {
        int pl = parse_prefix(s + i, len - i, 32, 2);
        if (pl == -2) {
            fail(p, t->pos, "Netmask bits in a CIDR IPv4 address should be <= 32, not %.*s",
                 (int)(len - i - 1), s + i + 1);
            return false;
        }
        if (pl < 0)
            goto bad;
        out->prefix = (uint8_t)pl;
        mask_bits(out->v.ip4, 4, (unsigned)pl);
    }
    return true;
bad:
    fail(p, t->pos, "\"%.*s\" is not a valid hostname or IPv4 address.", QUOTE(t, p));
    return false;
}

/* Parses an IPv6 address (any RFC 4291 text), with an optional /N. */
static bool lit_ipv6(struct parser *p, const struct token *t, struct df_value *out)
{
    const char *s = p->expr + t->pos;
    const char *slash = memchr(s, '/', t->len);
    size_t alen = slash ? (size_t)(slash - s) : t->len;
    char buf[INET6_ADDRSTRLEN + 8];
    if (alen >= sizeof(buf))
        goto bad;
    memcpy(buf, s, alen);
    buf[alen] = '\0';
    if (inet_pton(AF_INET6, buf, out->v.ip6) != 1)
        goto bad;
    out->prefix = 128;
    if (slash != NULL) {
        int pl = parse_prefix(slash, t->len - alen, 128, 3);
        if (pl == -2) {
            fail(p, t->pos, "Prefix in a IPv6 address should be <= 128, not %.*s",
                 (int)(t->len - alen - 1), slash + 1);
            return false;
        }
        if (pl < 0)
            goto bad;
        out->prefix = (uint8_t)pl;
        mask_bits(out->v.ip6, 16, (unsigned)pl);
    }
    return true;
bad:
    fail(p, t->pos, "\"%.*s\" is not a valid hostname or IPv6 address.", QUOTE(t, p));
    return false;
}

/* Parses hex bytes separated by one kind of separator (':', '-' or '.')
 * between any two bytes, or by none; returns the count, or -1 when the
 * text is not such a byte string, -2 when it has more than max bytes. */
static int parse_bytes(const char *s, size_t len, uint8_t *out, size_t max)
{
    size_t n = 0, i = 0;
    char sep = 0;
    while (i < len) {
        if (n > 0 && (s[i] == ':' || s[i] == '-' || s[i] == '.')) {
            if (sep != 0 && s[i] != sep)
                return -1;
            sep = s[i++];
        }
        if (i + 2 > len)
            return -1;
        int hi = hexval((unsigned char)s[i]);
        int lo = hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        if (n == max)
            return -2;
        out[n++] = (uint8_t)(hi * 16 + lo);
        i += 2;
    }
    return n == 0 ? -1 : (int)n;
}

/* Parses a MAC address: six hex bytes ("00:11:22:33:44:55", "-" or "."
 * separators, "0011.2233.4455", or none). */
static bool lit_ether(struct parser *p, const struct token *t, struct df_value *out)
{
    uint8_t b[7];
    int n = parse_bytes(p->expr + t->pos, t->len, b, sizeof(b));
    if (n == 6) {
        memcpy(out->v.mac, b, 6);
        return true;
    }
    if (n == -2 || n > 6)
        fail(p, t->pos, "\"%.*s\" contains too many bytes to be a valid Ethernet address.",
             QUOTE(t, p));
    else if (n > 0)
        fail(p, t->pos, "\"%.*s\" contains too few bytes to be a valid Ethernet address.",
             QUOTE(t, p));
    else
        fail(p, t->pos, "\"%.*s\" is not a valid Ethernet address.", QUOTE(t, p));
    return false;
}

/* Parses the byte string of a "contains" on a MAC address ("aa:bb", "aa"). */
static bool lit_bytes(struct parser *p, const struct token *t, struct df_value *out)
{
    uint8_t b[DF_MAX_BYTES];
    int n = t->kind == TK_WORD ? parse_bytes(p->expr + t->pos, t->len, b, sizeof(b)) : -1;
    if (n < 0) {
        fail(p, t->pos, "\"%.*s\" is not a valid byte string.", QUOTE(t, p));
        return false;
    }
    out->v.str = keep_text(p, (const char *)b, (size_t)n);
    out->len = (uint32_t)n;
    return out->v.str != NULL;
}

/* Takes the text of a string literal: a quoted string, a bare word, or a character constant. */
static bool lit_string(struct parser *p, const struct token *t, struct df_value *out)
{
    char ch = (char)t->ch;
    const char *text = t->kind == TK_STRING ? t->text : t->kind == TK_CHAR ? &ch : p->expr + t->pos;
    size_t len = t->kind == TK_STRING ? t->text_len : t->kind == TK_CHAR ? 1 : t->len;
    out->v.str = keep_text(p, text, len);
    out->len = (uint32_t)len;
    return out->v.str != NULL;
}

/* Parses the literal in token t for a field, as the value of a comparison
 * with op (OP_CONTAINS on a MAC takes a byte string); negative is true
 * after a unary minus. */
static bool parse_literal(struct parser *p, int field, enum df_op op, const struct token *t,
                          bool negative, struct df_value *out)
{
    enum field_kind type = ftype(field);
    memset(out, 0, sizeof(*out));
    if (negative && type != FK_UINT && type != FK_TIME) {
        fail(p, t->pos, "A %s value cannot be negative.", tname(field));
        return false;
    }
    if (t->kind == TK_STRING && type != FK_STRING && type != FK_UINT && type != FK_BOOL) {
        fail(p, t->pos, "%s cannot be converted from a string (%.*s).", tname(field), QUOTE(t, p));
        return false;
    }
    if (t->kind == TK_CHAR && type != FK_STRING && type != FK_UINT && type != FK_BOOL) {
        fail(p, t->pos, "%s cannot be converted from a character constant.", tname(field));
        return false;
    }
    switch (type) {
    case FK_UINT:
        if (!lit_uint(p, field, t, out))
            return false;
        if (negative && out->v.u > INT32_MAX) {
            fail(p, t->pos, "\"-%.*s\" is out of range.", QUOTE(t, p));
            return false;
        }
        /* Wireshark 4.0 makes -N a signed integer that no unsigned value
         * equals or orders with; -0 is plain 0. */
        out->incomparable = negative && out->v.u != 0;
        return true;
    case FK_BOOL:
        return lit_bool(p, field, t, out);
    case FK_TIME:
        if (!lit_time(p, t, out))
            return false;
        if (negative)
            out->v.ns = -out->v.ns;
        return true;
    case FK_IPV4:
        return lit_ipv4(p, t, out);
    case FK_IPV6:
        return lit_ipv6(p, t, out);
    case FK_ETHER:
        return op == OP_CONTAINS ? lit_bytes(p, t, out) : lit_ether(p, t, out);
    case FK_STRING:
        return lit_string(p, t, out);
    case FK_NONE:
    default:
        fail(p, t->pos, "A protocol cannot be compared with a value.");
        return false;
    }
}

/* ------------------------------------------------------------------ */
/* Parser                                                               */
/* ------------------------------------------------------------------ */

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
    if (type == FK_NONE) {
        fail(p, pos,
             "%.*s is a protocol: only its presence can be tested (comparing protocol bytes is "
             "not supported).",
             n, p->expr + pos);
        return false;
    }
    bool ok = true;
    if (op == OP_CONTAINS)
        ok = type == FK_STRING || type == FK_ETHER;
    else if (op == OP_MATCHES)
        ok = type == FK_STRING;
    if (!ok)
        fail(p, pos, "%.*s (type=%s) cannot participate in %s comparison.", n, p->expr + pos,
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
        advance(p);
        if (p->tok.kind != TK_WORD) {
            fail_unexpected(p);
            return false;
        }
    }
    if (p->tok.kind != TK_WORD && p->tok.kind != TK_STRING && p->tok.kind != TK_CHAR) {
        fail_unexpected(p);
        return false;
    }
    struct token t = p->tok;
    if (!parse_literal(p, field, op, &t, negative, out))
        return false;
    advance(p);
    return !p->failed;
}

/* Checks that a field on the right of a comparison has a type compatible with the left's. */
static bool check_field_pair(struct parser *p, int field, int rhs, const struct token *t,
                             size_t lhs_pos, size_t lhs_len)
{
    if (ftype(rhs) == ftype(field))
        return true;
    int n = lhs_len > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)lhs_len;
    fail(p, t->pos, "%.*s and %.*s are not of compatible types.", n, p->expr + lhs_pos,
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
        advance(p);
        return !p->failed;
    }
    if (!parse_value(p, field, OP_ANY_EQ, &e->lo))
        return false;
    if (p->tok.kind != TK_DOTDOT)
        return true;
    advance(p);
    e->range = true;
    return parse_value(p, field, OP_ANY_EQ, &e->hi);
}

/* Parses "{ elem, elem, lo..hi }" after "in" (the current token is '{'). */
static bool parse_set(struct parser *p, struct df_node *tmp, size_t lhs_pos, size_t lhs_len)
{
    if (p->tok.kind != TK_LBRACE) {
        fail_unexpected(p);
        return false;
    }
    advance(p);
    uint32_t cap = 0;
    for (;;) {
        if (tmp->nset == DF_MAX_SET) {
            fail(p, p->tok.pos, "A set may hold at most %d elements.", DF_MAX_SET);
            return false;
        }
        if (tmp->nset == cap) {
            cap = cap ? cap * 2 : 4;
            struct df_elem *set = realloc(tmp->set, cap * sizeof(*set));
            if (set == NULL) {
                fail(p, p->tok.pos, "Out of memory.");
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
            fail_unexpected(p);
            return false;
        }
        advance(p);
    }
    advance(p);
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
        fail(p, t->pos, "Regex compilation error: %s.", (const char *)msg);
        return false;
    }
    tmp->md = pcre2_match_data_create_from_pattern(tmp->re, NULL);
    if (tmp->md == NULL) {
        fail(p, t->pos, "Out of memory.");
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
                fail_unexpected(p);
            else
                fail(p, p->tok.pos, "Matches requires a double quoted string on the right side.");
            return false;
        }
        struct token t = p->tok;
        if (!compile_regex(p, &t, tmp))
            return false;
        advance(p);
        return !p->failed;
    }
    int rhs = token_field(p, &p->tok);
    if (rhs >= 0) {
        if (!check_field_pair(p, field, rhs, &p->tok, lhs_pos, lhs_len))
            return false;
        if (tmp->op == OP_CONTAINS && ftype(field) != FK_STRING) {
            fail(p, p->tok.pos, "contains with a field on the right needs text fields.");
            return false;
        }
        tmp->kind = N_CMP_FIELD;
        tmp->rhs_field = rhs;
        advance(p);
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
        fail(p, p->tok.pos, "Out of memory.");
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
        fail(p, ft->pos, "%.*s (type=%s) cannot be used with \"&\".", QUOTE(ft, p),
             tname(tmp->field));
        return false;
    }
    advance(p);
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
        fail(p, ft.pos, "\"%.*s\" is neither a field nor a protocol name.", QUOTE(&ft, p));
        return UINT32_MAX;
    }
    advance(p);
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
        advance(p);
        if (!parse_rhs(p, &tmp, ft.pos, ft.len)) {
            node_release(&tmp);
            return UINT32_MAX;
        }
        return node_store(p, &tmp);
    }
    bool negate = false;
    if (tmp.masked && (p->tok.kind == TK_IN || p->tok.kind == TK_NOT)) {
        fail_unexpected(p);
        return UINT32_MAX;
    }
    if (p->tok.kind == TK_NOT) {
        negate = true;
        advance(p);
        if (p->tok.kind != TK_IN) {
            fail_unexpected(p);
            return UINT32_MAX;
        }
    }
    if (p->tok.kind == TK_IN) {
        tmp.kind = N_IN;
        if (!check_op(p, field, OP_ANY_EQ, ft.pos, ft.len))
            return UINT32_MAX;
        advance(p);
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
        fail(p, p->tok.pos, "The filter nests parentheses and \"not\" more than %d deep.",
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
        advance(p);
        uint32_t e = parse_or(p);
        if (e == UINT32_MAX)
            return e;
        if (p->tok.kind != TK_RPAREN) {
            fail_unexpected(p);
            return UINT32_MAX;
        }
        p->depth--;
        advance(p);
        return p->failed ? UINT32_MAX : e;
    }
    if (p->tok.kind == TK_WORD)
        return parse_test(p);
    fail_unexpected(p);
    return UINT32_MAX;
}

/* Parses "not" (or "!") prefixes and what they apply to. */
static uint32_t parse_unary(struct parser *p)
{
    if (p->tok.kind != TK_NOT)
        return parse_primary(p);
    if (!nest(p))
        return UINT32_MAX;
    advance(p);
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
                fail(p, p->tok.pos, "Out of memory.");
                break;
            }
            tmp.kids = kids;
        }
        tmp.kids[tmp.nkids++] = kid;
        if (p->tok.kind != op)
            return node_store(p, &tmp);
        advance(p);
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
    advance(p);
    if (p->tok.kind == TK_END && !p->failed) {
        p->df->root = node_new(p, N_TRUE);
        return !p->failed;
    }
    uint32_t root = parse_or(p);
    if (root != UINT32_MAX && p->tok.kind != TK_END)
        fail_unexpected(p);
    p->df->root = root;
    return !p->failed;
}

/* Makes the match context every regex of the filter runs with, which
 * bounds the backtracking (time and memory) a hostile text may cause. */
static void make_match_context(struct parser *p)
{
    p->df->mctx = pcre2_match_context_create(NULL);
    if (p->df->mctx == NULL) {
        fail(p, 0, "Out of memory.");
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
        fail(&p, 0, "Out of memory.");
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

/* ------------------------------------------------------------------ */
/* Evaluation                                                           */
/* ------------------------------------------------------------------ */

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
        v.v.str = fv->v.str.len ? field_string(ff, fv) : "";
        v.len = fv->v.str.len;
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
    case FK_IPV4:
        *c = cmp_masked(a->v.ip4, b->v.ip4, 4, a->prefix < b->prefix ? a->prefix : b->prefix);
        return true;
    case FK_IPV6:
        *c = cmp_masked(a->v.ip6, b->v.ip6, 16, a->prefix < b->prefix ? a->prefix : b->prefix);
        return true;
    case FK_ETHER:
        *c = memcmp(a->v.mac, b->v.mac, 6);
        return true;
    case FK_STRING: {
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
