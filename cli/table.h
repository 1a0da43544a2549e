/*
 * Aligned text tables, as `ps` and `tshark -z` print them: a header row,
 * columns two spaces apart, numbers right-aligned, widths counted in
 * characters (UTF-8), the last column not padded.
 */
#ifndef PCAPCTL_TABLE_H
#define PCAPCTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Most columns of a table. */
#define TABLE_MAX_COLS 12

/* A table being filled. */
struct table {
    unsigned n_cols;
    /* Column heads (empty: the table has no header row). */
    const char *heads[TABLE_MAX_COLS];
    /* Right-aligned columns. */
    bool right[TABLE_MAX_COLS];
    /* The cells, row after row. */
    char **cells;
    size_t n_cells, capacity;
    /* The copy of the column specification the heads point into. */
    char *spec;
};

/* Starts a table of the columns in `columns`, comma-separated heads; a
 * head starting with '>' is right-aligned ("HOST,>PACKETS,>BYTES").  A
 * table whose heads are all empty (",") has no header row. */
void table_init(struct table *t, const char *columns);

/* Appends a cell (printf-style) to the current row; rows fill left to
 * right and wrap after the last column. */
void table_add(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Number of complete rows. */
size_t table_rows(const struct table *t);

/* Prints the table to `out`, each line starting with `indent` spaces. */
void table_print(const struct table *t, FILE *out, unsigned indent);

/* Frees the table. */
void table_free(struct table *t);

#endif /* PCAPCTL_TABLE_H */
