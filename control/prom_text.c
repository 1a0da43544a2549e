/*
 * The Prometheus text format writer (see prom_text.h).
 */
#include "prom_text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First size of a document's buffer. */
#define PROM_TEXT_FIRST_CAP 16384

void prom_text_init(struct prom_text *t)
{
    *t = (struct prom_text){.buf = NULL};
}

void prom_text_free(struct prom_text *t)
{
    free(t->buf);
    t->buf = NULL;
    t->len = t->cap = 0;
}

bool prom_text_failed(const struct prom_text *t)
{
    return t->failed;
}

/* Makes room for `more` bytes and a NUL.  Returns false when out of
 * memory (the document is then marked failed). */
static bool reserve(struct prom_text *t, size_t more)
{
    if (t->failed)
        return false;
    if (t->len + more + 1 <= t->cap)
        return true;
    size_t cap = t->cap == 0 ? PROM_TEXT_FIRST_CAP : t->cap;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *buf = realloc(t->buf, cap);
    if (buf == NULL) {
        t->failed = true;
        return false;
    }
    t->buf = buf;
    t->cap = cap;
    return true;
}

/* Appends printf-style text: formatted once into the room left, again
 * after growing the buffer in the rare case it did not fit. */
static void append(struct prom_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(struct prom_text *t, const char *fmt, ...)
{
    va_list ap;
    if (!reserve(t, 256))
        return;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (t->len + (size_t)n >= t->cap) {
        if (!reserve(t, (size_t)n))
            return;
        va_start(ap, fmt);
        vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    t->len += (size_t)n;
}

void prom_family(struct prom_text *t, const char *name, const char *type, const char *help)
{
    append(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_labels_init(struct prom_labels *l)
{
    l->len = 0;
    l->text[0] = '\0';
}

/* Appends `c` to the label set, if it fits (with room left for a NUL). */
static void labels_put(struct prom_labels *l, char c)
{
    if (l->len + 1 < sizeof(l->text)) {
        l->text[l->len++] = c;
        l->text[l->len] = '\0';
    }
}

void prom_label(struct prom_labels *l, const char *name, const char *value)
{
    /* A label is added whole or not at all: a cut one would break the
     * line.  Ours are short (names of ports, routes, stages). */
    if (l->len + strlen(name) + 2 * strlen(value) + 5 > sizeof(l->text))
        return;
    if (l->len > 0)
        labels_put(l, ',');
    for (const char *p = name; *p != '\0'; p++)
        labels_put(l, *p);
    labels_put(l, '=');
    labels_put(l, '"');
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '\\' || *p == '"' || *p == '\n') {
            labels_put(l, '\\');
            labels_put(l, *p == '\n' ? 'n' : *p);
        } else {
            labels_put(l, *p);
        }
    }
    labels_put(l, '"');
}

void prom_label_u(struct prom_labels *l, const char *name, unsigned value)
{
    char text[16];
    snprintf(text, sizeof(text), "%u", value);
    prom_label(l, name, text);
}

/* The label text of `l` between braces (with `extra` after it), or
 * nothing when both are empty. */
static void append_labels(struct prom_text *t, const struct prom_labels *l, const char *extra)
{
    bool has = l != NULL && l->len > 0;
    if (!has && extra[0] == '\0')
        return;
    append(t, "{%s%s%s}", has ? l->text : "", has && extra[0] != '\0' ? "," : "", extra);
}

void prom_sample_u64(struct prom_text *t, const char *name, const struct prom_labels *l,
                     uint64_t value)
{
    append(t, "%s", name);
    append_labels(t, l, "");
    append(t, " %" PRIu64 "\n", value);
}

void prom_sample_f64(struct prom_text *t, const char *name, const struct prom_labels *l,
                     double value)
{
    append(t, "%s", name);
    append_labels(t, l, "");
    append(t, " %.15g\n", value);
}

void prom_histogram(struct prom_text *t, const char *name, const struct prom_labels *l,
                    const struct prom_histogram *h)
{
    uint64_t cumulative = 0;
    char le[48];
    for (unsigned b = 0; b <= h->n; b++) {
        cumulative += h->counts[b];
        if (b < h->n)
            snprintf(le, sizeof(le), "le=\"%g\"", h->bounds[b]);
        else
            snprintf(le, sizeof(le), "le=\"+Inf\"");
        append(t, "%s_bucket", name);
        append_labels(t, l, le);
        append(t, " %" PRIu64 "\n", cumulative);
    }
    append(t, "%s_sum", name);
    append_labels(t, l, "");
    append(t, " %.15g\n%s_count", h->sum, name);
    append_labels(t, l, "");
    append(t, " %" PRIu64 "\n", cumulative);
}
