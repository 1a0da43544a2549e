/*
 * The event log: formats `key=value` lines and writes each with one
 * write(2) (stderr) or syslog(3) call, so lines of several threads never
 * interleave.  Rate limiters are token buckets under one mutex: logging is
 * control-plane work, never on the fast path.
 */
#include "log.h"

#include "clock_ms.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* Longest line written; longer ones are cut. */
#define LOG_LINE_MAX 2048
/* Longest value log_q() keeps, before quoting. */
#define LOG_VALUE_MAX 400

/* The log's settings. */
static struct {
    /* Where lines go. */
    enum log_target target;
    /* Lines below this level (higher values) are dropped. */
    enum log_level min_level;
} logger = {LOG_TARGET_STDERR, LOG_LEVEL_INFO};

/* Guards every rate limiter's state. */
static pthread_mutex_t log_rl_lock = PTHREAD_MUTEX_INITIALIZER;

/* The names of the levels, as lines spell them. */
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_init(enum log_target target, enum log_level min_level)
{
    logger.target = target;
    logger.min_level = min_level;
    if (target == LOG_TARGET_SYSLOG)
        openlog("pcapd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_target_parse(const char *text, enum log_target *target)
{
    if (strcmp(text, "stderr") == 0)
        *target = LOG_TARGET_STDERR;
    else if (strcmp(text, "syslog") == 0)
        *target = LOG_TARGET_SYSLOG;
    else
        return -1;
    return 0;
}

int log_level_parse(const char *text, enum log_level *level)
{
    for (int i = 0; i <= LOG_LEVEL_DEBUG; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *level = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

/* Tells whether `c` must be escaped or forces quoting. */
static bool needs_quotes(unsigned char c)
{
    return c <= ' ' || c == '"' || c == '\\' || c == '=' || c == 0x7f;
}

const char *log_q(const char *s)
{
    static __thread char ring[8][2 * LOG_VALUE_MAX + 8];
    static __thread unsigned next;
    char *out = ring[next++ % 8];
    size_t len = strnlen(s, LOG_VALUE_MAX);
    bool quote = len == 0;
    for (size_t i = 0; i < len && !quote; i++)
        quote = needs_quotes((unsigned char)s[i]);
    if (!quote) {
        memcpy(out, s, len);
        out[len] = '\0';
        return out;
    }
    size_t n = 0;
    out[n++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            out[n++] = '\\';
        out[n++] = c < ' ' || c == 0x7f ? '?' : (char)c;
    }
    out[n++] = '"';
    out[n] = '\0';
    return out;
}

/* Writes the prefix of a line (time, level, event) into `line`.  Returns
 * its length. */
static size_t line_prefix(char *line, size_t size, enum log_level level, const char *event)
{
    if (logger.target == LOG_TARGET_SYSLOG)
        return (size_t)snprintf(line, size, "level=%s event=%s", level_names[level], event);
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    return (size_t)snprintf(line, size, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
                            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                            tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], event);
}

/* Formats and writes one line; `suppressed` is added when non-zero. */
static void log_emit(enum log_level level, const char *event, uint64_t suppressed, const char *fmt,
                     va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t n = line_prefix(line, sizeof(line) - 2, level, event);
    if (fmt != NULL && fmt[0] != '\0' && n < sizeof(line) - 3) {
        line[n++] = ' ';
        int k = vsnprintf(line + n, sizeof(line) - 2 - n, fmt, ap);
        n += k < 0 ? 0 : (size_t)k;
    }
    if (suppressed > 0 && n < sizeof(line) - 2)
        n += (size_t)snprintf(line + n, sizeof(line) - 2 - n, " suppressed=%llu",
                              (unsigned long long)suppressed);
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    if (logger.target == LOG_TARGET_SYSLOG) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        line[n] = '\0';
        syslog(prio[level], "%s", line);
        return;
    }
    line[n++] = '\n';
    ssize_t rc = write(STDERR_FILENO, line, n);
    (void)rc; /* Nowhere to report a failed log write. */
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
    if (level > logger.min_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_emit(level, event, 0, fmt, ap);
    va_end(ap);
}

/* Takes a token from `rl`.  Returns true with `*suppressed` set (and the
 * count reset) if the line may go out, false (counting it) if not. */
static bool rate_take(struct log_rate_limit *rl, uint64_t *suppressed)
{
    int64_t now = clock_monotonic_ms();
    bool ok;
    pthread_mutex_lock(&log_rl_lock);
    uint64_t cap = (uint64_t)rl->burst * 1000;
    if (rl->last_ms == 0) {
        rl->tokens = cap;
    } else if (now > rl->last_ms) {
        rl->tokens += (uint64_t)(now - rl->last_ms) * rl->per_minute / 60;
        if (rl->tokens > cap)
            rl->tokens = cap;
    }
    rl->last_ms = now;
    ok = rl->tokens >= 1000;
    if (ok) {
        rl->tokens -= 1000;
        *suppressed = rl->suppressed;
        rl->suppressed = 0;
    } else {
        rl->suppressed++;
    }
    pthread_mutex_unlock(&log_rl_lock);
    return ok;
}

void log_event_rl(struct log_rate_limit *rl, enum log_level level, const char *event,
                  const char *fmt, ...)
{
    uint64_t suppressed;
    if (level > logger.min_level || !rate_take(rl, &suppressed))
        return;
    va_list ap;
    va_start(ap, fmt);
    log_emit(level, event, suppressed, fmt, ap);
    va_end(ap);
}
