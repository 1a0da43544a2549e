/*
 * The daemon's event log: one line per event, `key=value` fields after a
 * timestamp, a level and the event's name, to stderr or to syslog.
 *
 *   ts=2026-12-03T12:00:00.123Z level=info event=capture_end id=9f0c... status=success
 *
 * Values that may hold spaces or quotes go through log_q(), which quotes and
 * escapes them.  Events that can repeat at the rate of requests or packets
 * are logged through a rate limiter (LOG_RATE_LIMIT_INIT, log_rl_*), which
 * counts what it suppresses and reports the count on the next line it lets
 * through.  Any thread may log.
 */
#ifndef PCAPD_LOG_H
#define PCAPD_LOG_H

#include <stdbool.h>
#include <stdint.h>

/* Severity of an event (syslog's, in order). */
enum log_level {
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
};

/* Where log lines go. */
enum log_target {
    LOG_TARGET_STDERR,
    LOG_TARGET_SYSLOG,
};

/* A token bucket for one kind of event: at most `burst` lines at once and
 * `per_minute` lines a minute after that.  Initialise with
 * LOG_RATE_LIMIT_INIT; its members are the limiter's own. */
struct log_rate_limit {
    /* Lines a minute once the burst is spent. */
    unsigned per_minute;
    /* Lines allowed at once. */
    unsigned burst;
    /* Tokens left, in thousandths of a line. */
    uint64_t tokens;
    /* When tokens were last added (CLOCK_MONOTONIC, ms); 0 before first use. */
    int64_t last_ms;
    /* Lines suppressed since the last one let through. */
    uint64_t suppressed;
};

#define LOG_RATE_LIMIT_INIT(PER_MINUTE, BURST)                                                     \
    {                                                                                              \
        .per_minute = (PER_MINUTE), .burst = (BURST)                                               \
    }

/* Sends lines to `target` from `min_level` up (the default before this
 * call: stderr, info).  Call before other threads log. */
void log_init(enum log_target target, enum log_level min_level);

/* Parses a `log_target` setting ("stderr" or "syslog").  Returns 0 or -1. */
int log_target_parse(const char *text, enum log_target *target);

/* Parses a `log_level` setting ("error", "warn", "info", "debug").
 * Returns 0 or -1. */
int log_level_parse(const char *text, enum log_level *level);

/* Logs event `event` at `level` with the `key=value` fields `fmt` gives
 * (printf-style; may be NULL for none). */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Logs as log_event() if `rl` lets the line through, adding
 * `suppressed=N` when it held lines back since the last. */
void log_event_rl(struct log_rate_limit *rl, enum log_level level, const char *event,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Returns `s` as a log value: unchanged when it has no space, quote,
 * backslash, '=' or control character, else quoted with those escaped
 * (and cut at 400 bytes).  The result lives in a per-thread ring of eight
 * buffers: valid for the next seven calls on the same thread, enough for
 * the values of one line. */
const char *log_q(const char *s);

#define log_error(event, ...) log_event(LOG_LEVEL_ERROR, event, __VA_ARGS__)
#define log_warn(event, ...) log_event(LOG_LEVEL_WARN, event, __VA_ARGS__)
#define log_info(event, ...) log_event(LOG_LEVEL_INFO, event, __VA_ARGS__)
#define log_debug(event, ...) log_event(LOG_LEVEL_DEBUG, event, __VA_ARGS__)

#endif /* PCAPD_LOG_H */
