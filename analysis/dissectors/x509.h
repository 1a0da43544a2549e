/* The X.509 certificate fields (dissectors/x509.c), which TLS records for
 * the certificates of its Certificate messages. */
#ifndef PCAPD_ANALYSIS_DISSECTORS_X509_H
#define PCAPD_ANALYSIS_DISSECTORS_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* Records the fields of a DER certificate of n bytes at p. */
void x509_certificate_fields(struct frame_fields *ff, const uint8_t *p, size_t n);

/* Returns true when ff wants an X.509 field. */
bool x509_fields_wanted(const struct frame_fields *ff);

#endif
