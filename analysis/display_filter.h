/* Wireshark display filters: the parser and evaluator for the subset of
 * the language people use (field presence; ==, !=, <, >, <=, >= and their
 * word forms eq, ne, lt, gt, le, ge; contains; matches; in {a, b, lo..hi};
 * and/&&, or/||, not/!, parentheses; integer, string, IPv4/IPv6 with CIDR
 * prefix, MAC and boolean literals), evaluated over the fields one frame's
 * dissection recorded (fields.h).  Semantics follow Wireshark 4.0: a field
 * that occurs several times matches when any occurrence does, and "!="
 * is "all not equal". */
#ifndef PCAPD_ANALYSIS_DISPLAY_FILTER_H
#define PCAPD_ANALYSIS_DISPLAY_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "fields.h"

/* A compiled filter; opaque. */
struct display_filter;

/* Compiles expr (NUL-terminated).  Returns the filter, or NULL with a
 * message in err naming the problem (unknown field, syntax error, a literal
 * that does not fit the field's type...) and *err_pos set to the 0-based
 * byte offset in expr where it was found. */
struct display_filter *display_filter_compile(const char *expr, char *err, size_t errlen,
                                              size_t *err_pos);

/* Marks in ff every field the filter reads, so the dissectors record them. */
void display_filter_want(const struct display_filter *df, struct frame_fields *ff);

/* Returns true when the frame whose fields are in ff passes the filter. */
bool display_filter_match(const struct display_filter *df, const struct frame_fields *ff);

/* Frees a filter; accepts NULL. */
void display_filter_free(struct display_filter *df);

#endif
