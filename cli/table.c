/*
 * Aligned text tables (table.h).
 */
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void table_init(struct table *t, const char *columns)
{
    memset(t, 0, sizeof(*t));
    t->spec = strdup(columns);
    if (t->spec == NULL)
        abort();
    char *rest = t->spec, *head;
    while ((head = strsep(&rest, ",")) != NULL && t->n_cols < TABLE_MAX_COLS) {
        t->right[t->n_cols] = head[0] == '>';
        t->heads[t->n_cols++] = head + (head[0] == '>');
    }
}

void table_add(struct table *t, const char *fmt, ...)
{
    if (t->n_cells == t->capacity) {
        t->capacity = t->capacity ? t->capacity * 2 : 64;
        t->cells = realloc(t->cells, t->capacity * sizeof(*t->cells));
        if (t->cells == NULL)
            abort();
    }
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&t->cells[t->n_cells], fmt, ap) < 0)
        abort();
    va_end(ap);
    t->n_cells++;
}

size_t table_rows(const struct table *t)
{
    return t->n_cols ? t->n_cells / t->n_cols : 0;
}

/* Characters (UTF-8 code points) of `s`. */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Prints one row of `cells` padded to `widths`. */
static void print_row(const struct table *t, char *const *cells, const size_t *widths, FILE *out,
                      unsigned indent)
{
    fprintf(out, "%*s", (int)indent, "");
    for (unsigned c = 0; c < t->n_cols; c++) {
        size_t pad = widths[c] - text_width(cells[c]);
        bool last = c + 1 == t->n_cols;
        if (t->right[c])
            fprintf(out, "%*s%s", (int)pad, "", cells[c]);
        else
            fprintf(out, "%s%*s", cells[c], last ? 0 : (int)pad, "");
        fputs(last ? "\n" : "  ", out);
    }
}

void table_print(const struct table *t, FILE *out, unsigned indent)
{
    size_t widths[TABLE_MAX_COLS] = {0};
    bool header = false;
    for (unsigned c = 0; c < t->n_cols; c++) {
        widths[c] = text_width(t->heads[c]);
        header |= t->heads[c][0] != '\0';
    }
    size_t rows = table_rows(t);
    for (size_t i = 0; i < rows * t->n_cols; i++) {
        size_t w = text_width(t->cells[i]);
        if (w > widths[i % t->n_cols])
            widths[i % t->n_cols] = w;
    }
    if (header)
        print_row(t, (char *const *)t->heads, widths, out, indent);
    for (size_t r = 0; r < rows; r++)
        print_row(t, t->cells + r * t->n_cols, widths, out, indent);
}

void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n_cells; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->spec);
    memset(t, 0, sizeof(*t));
}
