/*
 * Look-back captures (lookback.h): the window check made when a capture
 * with offset_time is created, the query task on the history lane, and
 * the history endpoint's answer.
 */
#include "lookback.h"

#include <stdio.h>
#include <stdlib.h>

#include "api_errors.h"
#include "offload.h"
#include "pcapd/history.h"

/* How far back offset_time may reach, as the reference documents it. */
#define LOOKBACK_MAX_AGE_NS (86400ll * 1000000000ll)

/* The history store, or NULL when history is off. */
static struct pcapd_history *lookback_store;

void lookback_init(struct pcapd_history *history)
{
    lookback_store = history;
}

/* Describes the window history holds into `buf`. */
static void describe_held(const struct pcapd_history_stats *s, char *buf, unsigned size)
{
    char oldest[48], newest[48];
    if (s->packets == 0) {
        snprintf(buf, size, "history holds no packets yet");
        return;
    }
    capture_format_time_ns(s->oldest_ns, oldest, sizeof(oldest));
    capture_format_time_ns(s->newest_ns, newest, sizeof(newest));
    snprintf(buf, size, "history holds packets from %s to %s", oldest, newest);
}

/* Fills `err` with a refusal of offset_time: `why`, then what history
 * holds.  Returns -1. */
static int refuse(struct capture_error *err, const char *why, const struct pcapd_history_stats *s)
{
    char held[128];
    describe_held(s, held, sizeof(held));
    err->code = API_ERR_OUT_OF_RANGE;
    snprintf(err->message, sizeof(err->message), "offset_time: %s; %s", why, held);
    return -1;
}

int lookback_check(const struct capture *c, int64_t now_ns, struct capture_error *err, char *note,
                   unsigned note_size)
{
    note[0] = '\0';
    if (lookback_store == NULL) {
        err->code = API_ERR_UNSUPPORTED;
        snprintf(err->message, sizeof(err->message),
                 "offset_time: look-back captures need the history, which is off on this "
                 "appliance (history_sample_rate = 0)");
        return -1;
    }
    struct pcapd_history_stats s;
    pcapd_history_stats(lookback_store, &s);
    if (c->offset_ns > now_ns)
        return refuse(err, "must not be in the future", &s);
    if (c->offset_ns < now_ns - LOOKBACK_MAX_AGE_NS)
        return refuse(err, "must be within the last 24 hours", &s);
    if (s.packets == 0 || (uint64_t)c->offset_ns < s.oldest_ns)
        return refuse(err, "must not be before the oldest packet history holds", &s);
    int64_t start = c->offset_ns - (int64_t)c->time_limit * 1000000000;
    if (start < (int64_t)s.oldest_ns) {
        char from[48], oldest[48];
        capture_format_time_ns((uint64_t)start, from, sizeof(from));
        capture_format_time_ns(s.oldest_ns, oldest, sizeof(oldest));
        snprintf(note, note_size,
                 "offset_time: the window begins at %s, before the oldest packet history holds "
                 "(%s): the capture holds what there is from then on",
                 from, oldest);
    }
    return 0;
}

/* A query on the history lane. */
struct lookback_task {
    /* The query and what it found, and its result (0 or a negative
     * errno). */
    struct pcapd_history_query q;
    struct pcapd_history_result r;
    int rc;
    /* Who waits, with what. */
    uint64_t cookie;
    lookback_done_fn done;
    void *arg;
};

/* Runs the query (history lane). */
static void lookback_work(void *arg)
{
    struct lookback_task *t = arg;
    t->rc = pcapd_history_query(lookback_store, &t->q, &t->r);
}

/* Reports the query's end as a job's end (event loop).  A query that ran
 * to its end is reported as ended at its limit (it has all it will ever
 * have), one cancelled as stopped, one that failed to write as such. */
static void lookback_done(void *arg)
{
    struct lookback_task *t = arg;
    struct pcapd_job_ended e = {
        .cookie = t->cookie,
        .fd = t->q.fd,
        .reason = t->rc != 0       ? PCAPD_JOB_END_WRITE_ERROR
                  : t->r.cancelled ? PCAPD_JOB_END_STOPPED
                                   : PCAPD_JOB_END_PACKET_LIMIT,
        .error = -t->rc,
        .stats = {.packets_written = t->r.packets, .bytes_written = t->r.bytes, .published = true},
    };
    t->done(&e, t->arg);
    free(t);
}

int lookback_start(const struct capture *c, int fd, uint64_t cookie, const _Atomic bool *cancel,
                   lookback_done_fn done, void *arg)
{
    struct lookback_task *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    t->q = (struct pcapd_history_query){
        .filter = c->filter,
        .start_ns = (uint64_t)(c->offset_ns - (int64_t)c->time_limit * 1000000000),
        .end_ns = (uint64_t)c->offset_ns,
        .packet_limit = c->packet_limit,
        .fd = fd,
        .cancel = cancel,
    };
    t->cookie = cookie;
    t->done = done;
    t->arg = arg;
    if (offload_submit(OFFLOAD_HISTORY, lookback_work, lookback_done, t) != 0) {
        free(t);
        return -1;
    }
    return 0;
}

/* Sets `key` of `o` to the RFC 3339 form of `ns`, or null when 0. */
static void set_time(json_t *o, const char *key, uint64_t ns)
{
    char buf[48];
    if (ns == 0) {
        json_object_set_new(o, key, json_null());
        return;
    }
    capture_format_time_ns(ns, buf, sizeof(buf));
    json_object_set_new(o, key, json_string(buf));
}

json_t *lookback_history_json(void)
{
    struct pcapd_history_stats s = {0};
    if (lookback_store != NULL)
        pcapd_history_stats(lookback_store, &s);
    json_t *o = json_object();
    json_object_set_new(o, "enabled", json_boolean(lookback_store != NULL));
    json_object_set_new(o, "sample_rate", json_integer(s.sample_rate));
    set_time(o, "oldest", s.packets > 0 ? s.oldest_ns : 0);
    set_time(o, "newest", s.packets > 0 ? s.newest_ns : 0);
    json_object_set_new(o, "packets", json_integer((json_int_t)s.packets));
    json_object_set_new(o, "bytes", json_integer((json_int_t)s.bytes));
    json_object_set_new(o, "segments", json_integer(s.segments));
    json_object_set_new(o, "packets_dropped", json_integer((json_int_t)s.dropped));
    json_object_set_new(
        o, "segments_evicted",
        json_integer((json_int_t)(s.evicted_size + s.evicted_age + s.evicted_disk)));
    json_object_set_new(o, "max_bytes", json_integer((json_int_t)s.max_bytes));
    json_object_set_new(o, "max_age_seconds",
                        json_integer((json_int_t)(s.max_age_ns / 1000000000)));
    return o;
}
