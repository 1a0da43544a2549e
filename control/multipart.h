/*
 * The file part of a multipart/form-data body (RFC 7578), as CloudShark's
 * upload clients send it: the first part with a filename.  The part's
 * bytes are not copied; the file name is checked to be UTF-8 and cut to
 * its first 255 bytes at a character boundary.
 */
#ifndef PCAPD_MULTIPART_H
#define PCAPD_MULTIPART_H

#include <stddef.h>

/* Longest file name kept, in bytes. */
#define MULTIPART_FILENAME_MAX 255

/* Finds the file part of `body` (`len` bytes) whose Content-Type is
 * `content_type`.  Returns 0 with `*data`, `*data_len` and `filename` (of
 * MULTIPART_FILENAME_MAX + 1 bytes) set, or -1 with `err` saying why (no
 * boundary, no part with a filename, a part not closed by the boundary, a
 * file name that is not UTF-8). */
int multipart_file(const char *body, size_t len, const char *content_type, const char **data,
                   size_t *data_len, char *filename, char *err, size_t err_size);

/* Returns how many bytes of `s` (of `len` bytes) form whole UTF-8
 * characters within the first `max`, or -1 if `s` is not UTF-8. */
long multipart_utf8_prefix(const char *s, size_t len, size_t max);

#endif /* PCAPD_MULTIPART_H */
