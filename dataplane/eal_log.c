/*
 * DPDK's log lines to the application's logger (see eal_log.h): DPDK
 * writes each message to a stdio stream and flushes it; the stream here is
 * a cookie stream whose write cuts what it is given into lines, each
 * handed on with the priority of the message being logged on this thread
 * (rte_log_cur_msg_loglevel()).  A message written in several pieces is
 * joined in a per-thread buffer until its newline.
 */
#include "eal_log.h"

#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <rte_log.h>

/* Longest line handed on; longer ones are cut into pieces of this size. */
#define EAL_LOG_LINE_MAX 1024

/* Where lines go. */
static void (*log_fn)(int priority, const char *line);

/* The line being assembled on this thread. */
static __thread char line[EAL_LOG_LINE_MAX];
static __thread size_t line_len;

/* Hands on the assembled line, if any, and starts a new one. */
static void line_flush(void)
{
    if (line_len == 0)
        return;
    line[line_len] = '\0';
    /* DPDK's levels run from RTE_LOG_EMERG (1) to RTE_LOG_DEBUG (8);
     * syslog's priorities from LOG_EMERG (0) to LOG_DEBUG (7). */
    int level = rte_log_cur_msg_loglevel();
    log_fn(level >= 1 && level <= 8 ? level - 1 : 6, line);
    line_len = 0;
}

/* The stream's write: cuts `buf` into lines. */
static ssize_t eal_log_write(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    for (size_t i = 0; i < size; i++) {
        if (buf[i] == '\n' || line_len == EAL_LOG_LINE_MAX - 1)
            line_flush();
        if (buf[i] != '\n')
            line[line_len++] = buf[i];
    }
    return (ssize_t)size;
}

int eal_log_redirect(void (*fn)(int priority, const char *line))
{
    static const cookie_io_functions_t io = {.write = eal_log_write};
    FILE *f = fopencookie(NULL, "w", io);
    if (f == NULL)
        return -1;
    log_fn = fn;
    return rte_openlog_stream(f);
}
