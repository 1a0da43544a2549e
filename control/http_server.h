/*
 * The HTTP server: h2o on its own event loop, on the main lcore.  It hands
 * every request to one handler and runs periodic work beside it.
 */
#ifndef PCAPD_HTTP_SERVER_H
#define PCAPD_HTTP_SERVER_H

#include <stdint.h>

#include "h2o.h"

/* Handles a request; returns 0 once it has answered. */
typedef int (*http_handler_fn)(h2o_req_t *req);

/* Starts listening on `host`:`port` (0: any free port) and routes every
 * request to `handler`.  Bodies above `max_body` bytes are refused by h2o.
 * Writes the bound port to `bound_port`.  Returns 0, or -1 with `err`. */
int http_server_start(const char *host, uint16_t port, size_t max_body, http_handler_fn handler,
                      uint16_t *bound_port, char *err, unsigned err_size);

/* Returns the server's event loop (after http_server_start()). */
h2o_loop_t *http_server_loop(void);

/* Runs the event loop until `*quit` becomes non-zero, calling `tick` every
 * `tick_ms` milliseconds. */
void http_server_run(volatile int *quit, void (*tick)(void), unsigned tick_ms);

/* Closes the listener and frees the server. */
void http_server_stop(void);

#endif /* PCAPD_HTTP_SERVER_H */
