/*
 * Failed-authentication throttling (see auth_throttle.h): an open-addressed
 * table of client keys with their failure count and window start.
 */
#include "auth_throttle.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "clock_ms.h"
#include "log.h"

/* Client addresses remembered at once (a power of two). */
#define THROTTLE_SLOTS 4096
/* Slots probed for a key before the soonest-expiring one is reused. */
#define THROTTLE_PROBES 16

/* One client's failures. */
struct throttle_entry {
    /* The client: an IPv4 address, or an IPv6 /64, as 16 bytes. */
    uint8_t key[16];
    /* Failures in the current window, and when the window began (ms). */
    unsigned failures;
    int64_t window_start_ms;
};

/* The table and its settings. */
static struct {
    unsigned limit;
    int64_t window_ms;
    struct throttle_entry slots[THROTTLE_SLOTS];
} thr;

/* Limits the log lines of throttled clients. */
static struct log_rate_limit throttle_rl = LOG_RATE_LIMIT_INIT(20, 5);

void auth_throttle_init(unsigned limit, unsigned window)
{
    memset(&thr, 0, sizeof(thr));
    thr.limit = limit;
    thr.window_ms = (int64_t)window * 1000;
}

/* Milliseconds on the monotonic clock, never 0 (0 marks a free slot). */
static int64_t now_ms(void)
{
    return clock_monotonic_ms() + 1;
}

/* Writes the throttling key of `addr` into `key`.  Returns false for an
 * address family that is not counted. */
static bool key_of(const struct sockaddr *addr, uint8_t *key)
{
    memset(key, 0, 16);
    if (addr->sa_family == AF_INET) {
        memcpy(key, &((const struct sockaddr_in *)addr)->sin_addr, 4);
        return true;
    }
    if (addr->sa_family == AF_INET6) {
        const uint8_t *a = ((const struct sockaddr_in6 *)addr)->sin6_addr.s6_addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, 12) == 0)
            memcpy(key, a + 12, 4); /* An IPv4 client on a dual-stack socket. */
        else {
            memcpy(key, a, 8);
            key[15] = 6;
        }
        return true;
    }
    return false;
}

/* Returns the entry of `key`, or NULL; with `create`, makes one, reusing
 * the soonest-expiring of the probed slots when none is free. */
static struct throttle_entry *find(const uint8_t *key, bool create, int64_t now)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    struct throttle_entry *victim = NULL;
    bool victim_live = false;
    for (unsigned p = 0; p < THROTTLE_PROBES; p++) {
        struct throttle_entry *e = &thr.slots[(h + p) & (THROTTLE_SLOTS - 1)];
        bool live = e->window_start_ms != 0 && now - e->window_start_ms < thr.window_ms;
        if (live && memcmp(e->key, key, 16) == 0)
            return e;
        /* A free (or expired) slot first, else the live one whose window
         * ends soonest. */
        if (!live && (victim == NULL || victim_live)) {
            victim = e;
            victim_live = false;
        } else if (live && (victim == NULL ||
                            (victim_live && e->window_start_ms < victim->window_start_ms))) {
            victim = e;
            victim_live = true;
        }
    }
    if (!create)
        return NULL;
    memcpy(victim->key, key, 16);
    victim->failures = 0;
    victim->window_start_ms = now;
    return victim;
}

unsigned auth_throttle_wait(const struct sockaddr *addr)
{
    uint8_t key[16];
    if (thr.limit == 0 || !key_of(addr, key))
        return 0;
    int64_t now = now_ms();
    const struct throttle_entry *e = find(key, false, now);
    if (e == NULL || e->failures < thr.limit)
        return 0;
    return (unsigned)((thr.window_ms - (now - e->window_start_ms) + 999) / 1000);
}

void auth_throttle_failure(const struct sockaddr *addr)
{
    uint8_t key[16];
    if (thr.limit == 0 || !key_of(addr, key))
        return;
    struct throttle_entry *e = find(key, true, now_ms());
    if (++e->failures == thr.limit) {
        char text[INET6_ADDRSTRLEN] = "?";
        const void *a = addr->sa_family == AF_INET
                            ? (const void *)&((const struct sockaddr_in *)addr)->sin_addr
                            : (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr;
        inet_ntop(addr->sa_family, a, text, sizeof(text));
        log_event_rl(&throttle_rl, LOG_LEVEL_WARN, "auth_throttled",
                     "client=%s failures=%u window_s=%lld", text, e->failures,
                     (long long)(thr.window_ms / 1000));
    }
}
