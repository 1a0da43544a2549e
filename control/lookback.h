/*
 * Look-back captures: a `simple` capture with `offset_time` is answered
 * from the history store (include/pcapd/history.h) instead of the capture
 * paths.  This module checks that the history holds the window a request
 * asks for, runs the queries on the history lane (OFFLOAD_HISTORY, as
 * many at once as it has threads), and answers GET .../pcaps/history.
 * Everything but the queries runs on the event loop, without disk access.
 */
#ifndef PCAPD_LOOKBACK_H
#define PCAPD_LOOKBACK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "capture.h"
#include "pcapd/capture_job.h"

struct pcapd_history;

/* Sets the module up with the history store, or NULL when history is off
 * (history_sample_rate = 0). */
void lookback_init(struct pcapd_history *history);

/* Checks the window of look-back capture `c` (offset_ns and time_limit
 * set) at time `now_ns`: the history is on, offset_time is not in the
 * future, within the last 24 hours, and not before the oldest packet
 * held.  Returns 0, with a note in `note` (empty if none) when the window
 * begins before the oldest packet held; or -1 with `err` filled (400,
 * naming offset_time and saying which window is available). */
int lookback_check(const struct capture *c, int64_t now_ns, struct capture_error *err, char *note,
                   unsigned note_size);

/* Receives the end of a look-back query, as a capture path reports a
 * job's end: the packets and bytes written, and why it ended. */
typedef void (*lookback_done_fn)(const struct pcapd_job_ended *e, void *arg);

/* Starts the query of look-back capture `c` into `fd` on the history lane;
 * `cancel` (which must outlive the query) ends it early when set.  `done`
 * gets the end on the event loop, with `cookie` and `fd` in it.  Returns
 * 0, or -1 when out of memory (nothing was started). */
int lookback_start(const struct capture *c, int fd, uint64_t cookie, const _Atomic bool *cancel,
                   lookback_done_fn done, void *arg);

/* Builds the result of GET .../pcaps/history: what history the appliance
 * holds. */
json_t *lookback_history_json(void);

#endif /* PCAPD_LOOKBACK_H */
