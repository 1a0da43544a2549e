/*
 * Waiting for a capture to end: polling its status, a live progress bar
 * on a terminal (packets of the limit, time left, drops), and Ctrl-C
 * stopping the capture (a second Ctrl-C leaves it running).
 */
#ifndef PCAPCTL_WAIT_H
#define PCAPCTL_WAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "pcapctl.h"

/* Polls capture `id` until it is `success` or `failed`, drawing the
 * progress bar on stderr when `progress`.  Sets *final to the ended
 * capture (new reference).  Returns 0, or an exit code. */
int wait_capture(struct cli_ctx *ctx, const char *id, bool progress, json_t **final);

/* Writes the progress line of `capture` (a capture object) at time `now`,
 * for a terminal `width` columns wide, to `buf`. */
void wait_progress_line(const json_t *capture, time_t now, unsigned width, char *buf, size_t size);

#endif /* PCAPCTL_WAIT_H */
