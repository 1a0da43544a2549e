/*
 * Throttling of failed authentication, per client address: after
 * `limit` failures from one address within `window` seconds, every request
 * from it is refused (429 with Retry-After) until the window that began
 * with its first failure has passed, so guessing tokens costs a window per
 * few guesses.  IPv6 clients are counted by their /64, since one host
 * holds a whole /64.  The table is bounded; when full, the entry nearest
 * to expiry is reused.  Event loop only.
 */
#ifndef PCAPD_AUTH_THROTTLE_H
#define PCAPD_AUTH_THROTTLE_H

#include <sys/socket.h>

/* Sets the limit (0: no throttling) and the window in seconds. */
void auth_throttle_init(unsigned limit, unsigned window);

/* Returns the seconds the client at `addr` must wait, or 0 if it may try. */
unsigned auth_throttle_wait(const struct sockaddr *addr);

/* Counts a failed authentication of the client at `addr`. */
void auth_throttle_failure(const struct sockaddr *addr);

#endif /* PCAPD_AUTH_THROTTLE_H */
