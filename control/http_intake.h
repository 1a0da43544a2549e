/*
 * The intake: a second h2o event loop, on its own thread, that reads the
 * large bodies of requests so the server's loop does not.  h2o 2.2.5 reads
 * a request's whole body into its connection's input buffer before any
 * handler runs; for an upload of a GiB that is seconds of copying into (and
 * faulting in) a growing file-backed buffer, in reads of up to the socket's
 * whole receive queue, during which no other request is served.  The
 * server moves such a connection here (h2o_socket_export) once it has read
 * its request head; the intake reads until the whole request is buffered
 * and moves the connection back, and the server hands it to h2o's HTTP/1
 * with the request complete.  The intake itself must not hold a CPU for
 * long either (the kernel here does not preempt a system call): it sizes
 * the buffer for the whole request at once, without read-ahead on its
 * file, and reads at most a bounded receive buffer per read().
 */
#ifndef PCAPD_HTTP_INTAKE_H
#define PCAPD_HTTP_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "h2o.h"

/* Gives back, on the server's loop, a connection whose request of
 * `connected_at` is now wholly buffered in sock->input. */
typedef void (*http_intake_ready_fn)(h2o_socket_t *sock, struct timeval connected_at);

/* Starts the intake thread.  Connections come back to `ready` on `loop`;
 * one that sends nothing for `idle_ms` milliseconds is closed.  Returns 0,
 * or -1 with `err`. */
int http_intake_start(h2o_loop_t *loop, http_intake_ready_fn ready, uint64_t idle_ms, char *err,
                      unsigned err_size);

/* Moves `sock` (whose read has been stopped) to the intake, to be given
 * back once sock->input holds `request_len` bytes.  When the client waits
 * for "100 Continue" (`expect_continue`), the intake sends it.  Called on
 * the server's loop.  Returns 0 (`sock` is gone), or -1 when the socket
 * cannot move (it is left as it was). */
int http_intake_submit(h2o_socket_t *sock, size_t request_len, bool expect_continue,
                       struct timeval connected_at);

/* Stops the thread, closing the connections it still reads, and drops the
 * ones on their way back.  Called on the server's loop. */
void http_intake_stop(void);

#endif /* PCAPD_HTTP_INTAKE_H */
