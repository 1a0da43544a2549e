/*
 * The query string of an API request: percent-decoded parameters, by name
 * and occurrence, and unsigned integers checked against a range.
 */
#ifndef PCAPD_QUERY_PARAMS_H
#define PCAPD_QUERY_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include <h2o.h>

/* Decodes occurrence `nth` (0-based) of parameter `name` of the request
 * into `buf` ('+' is a space).  Returns 1 when present, 0 when absent (buf
 * empty), -1 when it is malformed (a bad escape, an encoded NUL) or longer
 * than size - 1 bytes. */
int query_params_get_nth(const h2o_req_t *req, const char *name, unsigned nth, char *buf,
                         size_t size);

/* Decodes the first occurrence of parameter `name` (query_params_get_nth). */
int query_params_get(const h2o_req_t *req, const char *name, char *buf, size_t size);

/* Reads unsigned parameter `name` into *v (def when absent).  Returns 0,
 * or -1 with "NAME: must be an integer from 0 to MAX" in why. */
int query_params_uint(const h2o_req_t *req, const char *name, uint64_t def, uint64_t max,
                      uint64_t *v, char *why, size_t size);

#endif /* PCAPD_QUERY_PARAMS_H */
