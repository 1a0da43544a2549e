/*
 * Prometheus' text exposition format (version 0.0.4), written into a
 * growing buffer: metric families with their HELP and TYPE lines, samples
 * with escaped label values, and histograms from per-bucket counts.
 *
 *   # HELP pcapd_port_rx_packets_total Packets the port received.
 *   # TYPE pcapd_port_rx_packets_total counter
 *   pcapd_port_rx_packets_total{port="net_pcap0"} 1234
 *
 * Names and label names come from the code and are not checked; label
 * values may be anything and are escaped.  Out of memory, the buffer
 * stops growing and prom_text_failed() says so.
 */
#ifndef PCAPD_PROM_TEXT_H
#define PCAPD_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The Content-Type of the format. */
#define PROM_TEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* A document being written. */
struct prom_text {
    /* The text so far: `len` bytes of `cap`, NUL-terminated. */
    char *buf;
    size_t len;
    size_t cap;
    /* A write did not fit in memory. */
    bool failed;
};

/* A set of labels being built for one sample, `{a="x",b="y"}` (empty
 * text when it has none). */
struct prom_labels {
    char text[512];
    size_t len;
};

/* Starts an empty document. */
void prom_text_init(struct prom_text *t);

/* Frees the document's buffer. */
void prom_text_free(struct prom_text *t);

/* Tells whether a write ran out of memory (the document is incomplete). */
bool prom_text_failed(const struct prom_text *t);

/* Starts metric family `name` of `type` ("counter", "gauge" or
 * "histogram"), with its one-line `help`. */
void prom_family(struct prom_text *t, const char *name, const char *type, const char *help);

/* Starts an empty label set. */
void prom_labels_init(struct prom_labels *l);

/* Adds label `name` with the text `value` (escaped) to `l`, unless the
 * set has no room left for it (511 bytes in all). */
void prom_label(struct prom_labels *l, const char *name, const char *value);

/* Adds label `name` with the decimal `value` to `l`. */
void prom_label_u(struct prom_labels *l, const char *name, unsigned value);

/* Writes a sample of `name` with labels `l` (NULL: none) and an integer
 * value. */
void prom_sample_u64(struct prom_text *t, const char *name, const struct prom_labels *l,
                     uint64_t value);

/* Writes a sample of `name` with labels `l` (NULL: none) and a real value. */
void prom_sample_f64(struct prom_text *t, const char *name, const struct prom_labels *l,
                     double value);

/* A histogram's buckets: `n` upper bounds (in the unit the metric is
 * exposed in, ascending), the count of observations in each bucket and in
 * the one above the last bound (n + 1 counts, not cumulative), and the sum
 * of the observations. */
struct prom_histogram {
    const double *bounds;
    const uint64_t *counts;
    unsigned n;
    double sum;
};

/* Writes the samples of histogram family `name` (its _bucket, with
 * cumulative counts and `le`, _sum and _count) with labels `l` (NULL:
 * none). */
void prom_histogram(struct prom_text *t, const char *name, const struct prom_labels *l,
                    const struct prom_histogram *h);

#endif /* PCAPD_PROM_TEXT_H */
