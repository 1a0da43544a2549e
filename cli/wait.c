/*
 * Waiting for a capture to end (wait.h).  The capture ends at the first of
 * its limits, so the bar shows whichever is nearer: packets captured of
 * packet_limit, or time elapsed of time_limit.
 */
#include "wait.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Between two polls of the capture (milliseconds). */
#define WAIT_POLL_MS 500
/* Narrowest and widest progress bar (characters between the brackets). */
#define BAR_MIN 10
#define BAR_MAX 40

/* Ctrl-C presses while waiting. */
static volatile sig_atomic_t interrupts;

/* SIGINT while waiting: counted, handled by the loop. */
static void on_sigint(int sig)
{
    (void)sig;
    interrupts++;
}

/* Seconds of the capture's time limit left at `now`, from its submitted
 * time (the appliance's clock; within the limit whatever the skew). */
static long seconds_left(const json_t *c, time_t now)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *submitted = json_string_value(json_object_get(c, "submitted"));
    long limit = (long)json_integer_value(json_object_get(c, "time_limit"));
    if (submitted == NULL || strptime(submitted, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
        return limit;
    long left = (long)(timegm(&tm) + limit - now);
    return left < 0 ? 0 : left > limit ? limit : left;
}

/* Writes `secs` as 42s, 4m12s or 3h05m. */
static void format_duration(long secs, char *buf, size_t size)
{
    if (secs >= 3600)
        snprintf(buf, size, "%ldh%02ldm", secs / 3600, secs % 3600 / 60);
    else if (secs >= 60)
        snprintf(buf, size, "%ldm%02lds", secs / 60, secs % 60);
    else
        snprintf(buf, size, "%lds", secs);
}

/* How far the capture is towards its nearest limit, from 0 to 1. */
static double fraction_done(const json_t *c, long left)
{
    const char *status = json_string_value(json_object_get(c, "status"));
    double limit = (double)json_integer_value(json_object_get(c, "time_limit"));
    double packets = (double)json_integer_value(json_object_get(c, "packets_captured"));
    double packet_limit = (double)json_integer_value(json_object_get(c, "packet_limit"));
    if (status != NULL && (strcmp(status, "success") == 0 || strcmp(status, "failed") == 0))
        return 1.0;
    double by_time = limit > 0 ? (limit - (double)left) / limit : 0.0;
    double by_packets = packet_limit > 0 ? packets / packet_limit : 0.0;
    double f = by_time > by_packets ? by_time : by_packets;
    return f > 1.0 ? 1.0 : f;
}

void wait_progress_line(const json_t *c, time_t now, unsigned width, char *buf, size_t size)
{
    char tail[160], left_text[32], bar[BAR_MAX + 1];
    const char *status = json_string_value(json_object_get(c, "status"));
    long long packets = json_integer_value(json_object_get(c, "packets_captured"));
    long long limit = json_integer_value(json_object_get(c, "packet_limit"));
    long long dropped = json_integer_value(json_object_get(c, "packets_dropped"));
    long left = seconds_left(c, now);
    double done = fraction_done(c, left);
    format_duration(left, left_text, sizeof(left_text));
    int n = limit > 0 ? snprintf(tail, sizeof(tail), "%lld/%lld packets", packets, limit)
                      : snprintf(tail, sizeof(tail), "%lld packets", packets);
    if (done < 1.0)
        n += snprintf(tail + n, sizeof(tail) - (size_t)n, "  %s left", left_text);
    snprintf(tail + n, sizeof(tail) - (size_t)n, "  %lld dropped", dropped);
    if (json_is_true(json_object_get(c, "stop_requested")) && status &&
        strcmp(status, "running") == 0)
        status = "stopping";
    /* "running  [####....] 100%  " around the bar. */
    long room = (long)width - 9 - 2 - 7 - (long)strlen(tail) - 1;
    int bar_width = room < BAR_MIN ? BAR_MIN : room > BAR_MAX ? BAR_MAX : (int)room;
    int filled = (int)(done * bar_width + 0.5);
    for (int i = 0; i < bar_width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[bar_width] = '\0';
    snprintf(buf, size, "%-8s [%s] %3d%%  %s", status ? status : "?", bar, (int)(done * 100 + 0.5),
             tail);
}

/* Columns of the terminal on stderr (80 when it does not say). */
static unsigned terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* Redraws the progress line in place. */
static void draw(const json_t *c, bool last)
{
    char line[512];
    wait_progress_line(c, time(NULL), terminal_width(), line, sizeof(line));
    fprintf(stderr, "\r%s\033[K%s", line, last ? "\n" : "");
    fflush(stderr);
}

/* Asks the appliance to stop the capture at `path` (first Ctrl-C). */
static int request_stop(struct cli_ctx *ctx, const char *path, bool progress)
{
    char stop_path[610];
    json_t *c = NULL;
    snprintf(stop_path, sizeof(stop_path), "%s/stop", path);
    if (progress)
        fputs("\r\033[K", stderr);
    fputs("pcapctl: stopping the capture (Ctrl-C again to leave it running)\n", stderr);
    int rc = api_call(ctx, "PUT", stop_path, NULL, &c);
    json_decref(c);
    return rc;
}

/* Sleeps WAIT_POLL_MS, less when a signal arrives. */
static void pause_poll(void)
{
    struct timespec ts = {WAIT_POLL_MS / 1000, (WAIT_POLL_MS % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The polling loop of wait_capture(). */
static int poll_until_ended(struct cli_ctx *ctx, const char *path, bool progress, json_t **final)
{
    bool stop_sent = false;
    for (;;) {
        json_t *c = NULL;
        int rc = api_call(ctx, "GET", path, NULL, &c);
        if (rc != 0)
            return rc;
        const char *status = json_string_value(json_object_get(c, "status"));
        bool ended = status && (strcmp(status, "success") == 0 || strcmp(status, "failed") == 0);
        if (progress)
            draw(c, ended);
        if (ended) {
            *final = c;
            return 0;
        }
        json_decref(c);
        if (interrupts >= 2) {
            if (progress)
                fputc('\n', stderr);
            cli_error("interrupted; the capture keeps running");
            return PCAPCTL_EXIT_INTERRUPTED;
        }
        if (interrupts == 1 && !stop_sent) {
            stop_sent = true;
            if ((rc = request_stop(ctx, path, progress)) != 0)
                return rc;
            continue;
        }
        pause_poll();
    }
}

int wait_capture(struct cli_ctx *ctx, const char *id, bool progress, json_t **final)
{
    char path[600];
    int rc = api_pcaps_path(ctx, path, sizeof(path), id, "");
    if (rc != 0)
        return rc;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    interrupts = 0;
    sigaction(SIGINT, &sa, &old);
    rc = poll_until_ended(ctx, path, progress, final);
    sigaction(SIGINT, &old, NULL);
    return rc;
}
