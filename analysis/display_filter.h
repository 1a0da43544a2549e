/* Wireshark display filters: the parser and evaluator for the subset of
 * the language people use (field presence; ==, !=, <, >, <=, >= and their
 * word forms eq, ne, lt, gt, le, ge, plus ===/all_eq and !==/~=/any_ne;
 * contains; matches (~); [not] in {a, b, lo..hi}; "field & mask" tests;
 * and/&&, or/||, not/!, parentheses; integer (decimal, 0x hex, 0 octal, 0b
 * binary, 'c' characters, value names such as ip.proto == TCP), string,
 * time, IPv4/IPv6 with CIDR prefix, MAC and boolean literals; fields
 * compared with fields), evaluated over the fields one frame's dissection
 * recorded (fields.h).  Semantics follow Wireshark 4.0: "and" binds
 * tighter than "or"; a field that occurs several times matches when any
 * occurrence does; "!=" is "all not equal" and false when the field is
 * absent; "matches" is a caseless PCRE2 regex.  Not supported: slices
 * ([0:2]), functions (len(), upper()...), arithmetic, macros, layer
 * operators (#), and comparing protocol bytes ("tcp contains 01"). */
#ifndef PCAPD_ANALYSIS_DISPLAY_FILTER_H
#define PCAPD_ANALYSIS_DISPLAY_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "fields.h"

/* A compiled filter; opaque. */
struct display_filter;

/* Compiles expr (NUL-terminated; "" or blanks pass every frame).  Returns
 * the filter, or NULL with a message in err naming the problem (unknown
 * field, syntax error, a literal that does not fit the field's type, an
 * operator the type does not have, nesting deeper than 64...) and *err_pos
 * set to the 0-based byte offset in expr of the token at fault (its length
 * for an unexpected end).  err may be NULL (errlen 0) and err_pos NULL. */
struct display_filter *display_filter_compile(const char *expr, char *err, size_t errlen,
                                              size_t *err_pos);

/* Marks in ff every field the filter reads, so the dissectors record them. */
void display_filter_want(const struct display_filter *df, struct frame_fields *ff);

/* Returns true when the frame whose fields are in ff passes the filter.
 * Allocates nothing; a filter keeps its regex match state, so one filter
 * must not be evaluated by two threads at once (compile one per thread). */
bool display_filter_match(const struct display_filter *df, const struct frame_fields *ff);

/* Frees a filter; accepts NULL. */
void display_filter_free(struct display_filter *df);

#endif
