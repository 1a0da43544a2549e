/* Owns the display-filter lexer: words (field names, keywords, bare
 * literals), double-quoted strings with C escapes, character constants,
 * operator symbols, and the error messages of a compilation (the first
 * one wins, with its offset), worded as tshark 4.0 words them. */
#include "display_filter_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Records the first error: a printf-style message located at pos. */
void df_fail(struct parser *p, size_t pos, const char *fmt, ...)
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
void df_fail_unexpected(struct parser *p)
{
    const struct token *t = &p->tok;
    if (t->kind == TK_END) {
        df_fail(p, t->pos, "Unexpected end of filter expression.");
        return;
    }
    int n = t->len > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)t->len;
    df_fail(p, t->pos, "\"%.*s\" was unexpected in this context.", n, p->expr + t->pos);
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
int df_hexval(unsigned char c)
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
            df_fail(p, start, "%.*s is larger than 255.", (int)(*i - start), s + start);
            return -1;
        }
        return (int)v;
    }
    if (c == 'x' && df_hexval((unsigned char)s[*i + 1]) >= 0) {
        (*i)++;
        int v = df_hexval((unsigned char)s[(*i)++]);
        if (df_hexval((unsigned char)s[*i]) >= 0)
            v = v * 16 + df_hexval((unsigned char)s[(*i)++]);
        return v;
    }
    if (c == '\0') {
        df_fail(p, start, "The final quote was missing from a quoted string.");
        return -1;
    }
    df_fail(p, start, "\\%c is not a valid character escape sequence", c);
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
            df_fail(p, t->pos, "The final quote was missing from a quoted string.");
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
            int h = df_hexval((unsigned char)s[k]);
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
        df_fail(p, t->pos, "The final quote was missing from a character constant.");
        return;
    }
    size_t body = i - (p->at + 1);
    t->len = i + 1 - t->pos;
    if (body == 0) {
        df_fail(p, t->pos, "Empty character constant.");
        return;
    }
    int v = char_value(p->expr + p->at + 1, body);
    if (v == -2) {
        df_fail(p, t->pos, "%.*s is too large to be a valid character constant.", (int)t->len,
                p->expr + t->pos);
        return;
    }
    if (v < 0) {
        int n = t->len > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)t->len;
        df_fail(p, t->pos, "%.*s is too long to be a valid character constant.", n,
                p->expr + t->pos);
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
void df_advance(struct parser *p)
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
                df_fail(p, t->pos, "\"%c\" was unexpected in this context.", c);
            else
                df_fail(p, t->pos, "Byte 0x%02x was unexpected in this context.", c);
        }
    }
    if (p->failed) {
        t->kind = TK_END;
        return;
    }
    p->at = t->pos + t->len;
}
