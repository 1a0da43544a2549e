/* The display-filter engine's shared declarations (not public): the
 * compiled form (a tree of nodes), the tokens, the state of one
 * compilation, and what its four parts give each other: the lexer
 * (display_filter_lex.c), the literals (display_filter_literal.c), the
 * parser (display_filter_parse.c) and the evaluator (display_filter_eval.c). */
#ifndef PCAPD_ANALYSIS_DISPLAY_FILTER_INTERNAL_H
#define PCAPD_ANALYSIS_DISPLAY_FILTER_INTERNAL_H

#include "display_filter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>

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

/* The compiled form. */

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
        int64_t i;       /* FK_INT. */
        int64_t ns;      /* FK_TIME, in nanoseconds. */
        double d;        /* FK_DOUBLE. */
        uint8_t ip4[4];  /* FK_IPV4, network order, host bits cleared. */
        uint8_t ip6[16]; /* FK_IPV6, network order, host bits cleared. */
        uint8_t mac[6];  /* FK_ETHER. */
        const char *str; /* FK_STRING text, FK_BYTES bytes, or those of a "contains" on a MAC. */
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

/* Field facts, from the registry. */

/* Returns the largest value an unsigned field holds, from its type's width. */
static inline uint64_t uint_max(int field)
{
    return field_def(field)->max;
}

/* Returns the name tshark gives a field's type in its error messages. */
static inline const char *tname(int field)
{
    return ftype_label(field_def(field)->type);
}

/* Returns how a field's values are stored. */
static inline enum field_kind ftype(int field)
{
    return field_def(field)->kind;
}

/* Returns the Wireshark name of a field id. */
static inline const char *fname(int field)
{
    return field_def(field)->name;
}

/* The tokens and the state of one compilation. */

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

/* Quotes a literal token in an error message: its first bytes, at most DF_QUOTE_MAX. */
#define QUOTE(t, p) ((t)->len > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)(t)->len), ((p)->expr + (t)->pos)

/* Records the first error: a printf-style message located at pos (display_filter_lex.c). */
void df_fail(struct parser *p, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records "Unexpected end" or "X was unexpected" for the current token. */
void df_fail_unexpected(struct parser *p);

/* Lexes the next token into p->tok (TK_END once the expression is used
 * up, or after an error). */
void df_advance(struct parser *p);

/* Returns the value of a hex digit, or -1. */
int df_hexval(unsigned char c);

/* Keeps a copy of len bytes of text for the filter's lifetime; returns it,
 * or NULL (error recorded) when out of memory (display_filter_literal.c). */
const char *df_keep_text(struct parser *p, const char *text, size_t len);

/* Parses literal token t (negative after a unary minus) for field and
 * operator op into *out; records an error and returns false when it does
 * not fit the field's type (display_filter_literal.c). */
bool df_parse_literal(struct parser *p, int field, enum df_op op, const struct token *t,
                      bool negative, struct df_value *out);

#endif
