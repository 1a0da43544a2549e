/*
 * The intake thread: its own h2o loop, the connections it reads, and the
 * two multithread queues between it and the server's loop (connections
 * in, connections back).  It runs no handler and parses nothing: it only
 * reads until a connection's request is wholly buffered, so the server's
 * loop never spends its time on the bytes of a large body.
 */
#include "http_intake.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "h2o/multithread.h"

/* Niceness of the intake thread: copying a large body in is bulk work, and
 * where the CPU is short the server's loop must win it (as it does over
 * the analysis lanes: offload.c). */
#define HTTP_INTAKE_NICE 10

/* Receive buffer of a connection while the intake reads it.  h2o reads a
 * socket until it is empty, into its whole buffer, in one read(); with the
 * kernel's autotuned buffer (up to tcp_rmem's 32 MB here) one read() is tens
 * of milliseconds of copying and faulting in, and a kernel built without
 * preemption ("Dynamic Preempt: none") gives the CPU to nobody meanwhile,
 * however niced the thread.  A bounded buffer bounds each read(). */
#define HTTP_INTAKE_RCVBUF (256 * 1024)

/* One connection on its way through the intake.  `msg` must stay first:
 * the queues carry it. */
struct intake_conn {
    /* How the connection travels between the loops. */
    h2o_multithread_message_t msg;
    /* The connection while it travels (h2o's exported socket). */
    h2o_socket_export_t info;
    /* When it was accepted (h2o's timestamps of its first request). */
    struct timeval connected_at;
    /* Bytes of its whole request, head and body. */
    size_t request_len;
    /* The client waits for "100 Continue" before it sends the body. */
    bool expect_continue;
    /* The connection while the intake reads it (intake thread only). */
    h2o_socket_t *sock;
    /* Closes it when it sends nothing for the idle time. */
    h2o_timeout_entry_t idle;
    /* Its place among the connections being read (intake thread only). */
    h2o_linklist_t link;
};

/* The intake's state.  `loop`, `in_receiver`, `idle` and `reading` belong
 * to the intake thread once it runs; `server_loop`, `back_receiver` and
 * `ready` to the server's. */
static struct {
    /* The intake's loop, and the queue that brings it connections. */
    h2o_loop_t *loop;
    h2o_multithread_queue_t *in_queue;
    h2o_multithread_receiver_t in_receiver;
    /* The server's loop, and its queue that takes them back. */
    h2o_loop_t *server_loop;
    h2o_multithread_queue_t *back_queue;
    h2o_multithread_receiver_t back_receiver;
    http_intake_ready_fn ready;
    /* The idle timeout of the connections being read, and those. */
    h2o_timeout_t idle;
    h2o_linklist_t reading;
    /* The thread, and the request that it stop. */
    pthread_t thread;
    atomic_bool quit;
    bool started;
} in;

/* Ends the intake's hold on `c`: no timer, off the list of those read. */
static void intake_release(struct intake_conn *c)
{
    if (h2o_timeout_is_linked(&c->idle))
        h2o_timeout_unlink(&c->idle);
    if (h2o_linklist_is_linked(&c->link))
        h2o_linklist_unlink(&c->link);
}

/* Sends `c` back to the server: with its socket when its request is
 * complete, else closed (the server only forgets it). */
static void intake_give_back(struct intake_conn *c, bool complete)
{
    intake_release(c);
    h2o_socket_read_stop(c->sock);
    if (!complete || h2o_socket_export(c->sock, &c->info) != 0) {
        h2o_socket_close(c->sock);
        c->info.fd = -1;
    }
    c->sock = NULL;
    h2o_multithread_send_message(&in.back_receiver, &c->msg);
}

/* Reads more of a connection's request (intake thread). */
static void intake_on_read(h2o_socket_t *sock, const char *err)
{
    struct intake_conn *c = sock->data;
    if (err != NULL || sock->input->size >= c->request_len) {
        intake_give_back(c, err == NULL);
        return;
    }
    h2o_timeout_unlink(&c->idle);
    h2o_timeout_link(in.loop, &in.idle, &c->idle);
}

/* A connection sent nothing for the idle time (intake thread). */
static void intake_on_idle(h2o_timeout_entry_t *entry)
{
    intake_give_back(H2O_STRUCT_FROM_MEMBER(struct intake_conn, idle, entry), false);
}

/* "100 Continue" has been sent: the body comes next (intake thread). */
static void intake_on_continue_sent(h2o_socket_t *sock, const char *err)
{
    if (err != NULL)
        intake_give_back(sock->data, false);
    else
        h2o_socket_read_start(sock, intake_on_read);
}

/* Makes room for the whole request in `sock`'s input buffer before the
 * first read, and, when h2o keeps it in a file (large buffers are mapped
 * from a file under /tmp), turns the mapping's read-ahead off.  Else the
 * buffer doubles as it fills (a new mapping each time), and each page
 * fault of the copy into the sparse file reads ahead the device's
 * read_ahead_kb (8 MiB here) of zeroed pages at once: tens of milliseconds
 * of memset inside one read(), which a kernel without preemption does not
 * interrupt for the server's loop.  A failure is left to h2o's next read,
 * which reports it. */
static void intake_reserve(h2o_socket_t *sock, size_t request_len)
{
    if (request_len <= sock->input->size ||
        h2o_buffer_reserve(&sock->input, request_len - sock->input->size).base == NULL)
        return;
    h2o_buffer_t *b = sock->input;
    if (b->_fd >= 0) /* the mapping starts with the buffer's header */
        madvise(b, offsetof(h2o_buffer_t, _buf) + b->capacity, MADV_RANDOM);
}

/* Starts reading a connection the server moved here (intake thread). */
static void intake_take(struct intake_conn *c)
{
    int rcvbuf = HTTP_INTAKE_RCVBUF;
    setsockopt(c->info.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    c->sock = h2o_socket_import(in.loop, &c->info);
    c->sock->data = c;
    intake_reserve(c->sock, c->request_len);
    h2o_linklist_insert(&in.reading, &c->link);
    c->idle.cb = intake_on_idle;
    h2o_timeout_link(in.loop, &in.idle, &c->idle);
    if (c->expect_continue) {
        static h2o_iovec_t cont = {H2O_STRLIT("HTTP/1.1 100 Continue\r\n\r\n")};
        h2o_socket_write(c->sock, &cont, 1, intake_on_continue_sent);
    } else if (c->sock->input->size >= c->request_len) {
        intake_give_back(c, true);
    } else {
        h2o_socket_read_start(c->sock, intake_on_read);
    }
}

/* Pops the first message of `messages`, as the connection it carries. */
static struct intake_conn *intake_pop(h2o_linklist_t *messages)
{
    h2o_multithread_message_t *m =
        H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
    h2o_linklist_unlink(&m->link);
    return (struct intake_conn *)m;
}

/* Takes in the connections the server moved here; once stopping, closes
 * them (intake thread). */
static void intake_on_arrival(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        struct intake_conn *c = intake_pop(messages);
        if (!atomic_load(&in.quit)) {
            intake_take(c);
            continue;
        }
        if (c->info.fd >= 0)
            h2o_socket_dispose_export(&c->info);
        free(c);
    }
}

/* Hands the connections that came back to the server (server's loop). */
static void intake_on_back(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        struct intake_conn *c = intake_pop(messages);
        if (c->info.fd >= 0)
            in.ready(h2o_socket_import(in.server_loop, &c->info), c->connected_at);
        free(c);
    }
}

/* The intake thread: runs its loop until asked to stop, then closes the
 * connections it still reads. */
static void *intake_main(void *arg)
{
    (void)arg;
    setpriority(PRIO_PROCESS, (id_t)gettid(), HTTP_INTAKE_NICE);
    while (!atomic_load(&in.quit))
        h2o_evloop_run(in.loop, 1000); /* stop is also sent as a message */
    while (!h2o_linklist_is_empty(&in.reading)) {
        struct intake_conn *c = H2O_STRUCT_FROM_MEMBER(struct intake_conn, link, in.reading.next);
        intake_release(c);
        h2o_socket_close(c->sock);
        free(c);
    }
    h2o_evloop_run(in.loop, 0); /* lets the closes complete */
    return NULL;
}

int http_intake_start(h2o_loop_t *loop, http_intake_ready_fn ready, uint64_t idle_ms, char *err,
                      unsigned err_size)
{
    in.server_loop = loop;
    in.ready = ready;
    in.back_queue = h2o_multithread_create_queue(loop);
    h2o_multithread_register_receiver(in.back_queue, &in.back_receiver, intake_on_back);
    in.loop = h2o_evloop_create();
    in.in_queue = h2o_multithread_create_queue(in.loop);
    h2o_multithread_register_receiver(in.in_queue, &in.in_receiver, intake_on_arrival);
    h2o_timeout_init(in.loop, &in.idle, idle_ms);
    h2o_linklist_init_anchor(&in.reading);
    atomic_store(&in.quit, false);
    int rc = pthread_create(&in.thread, NULL, intake_main, NULL);
    if (rc != 0) {
        snprintf(err, err_size, "cannot start the HTTP intake thread: %s", strerror(rc));
        return -1;
    }
    pthread_setname_np(in.thread, "pcapd-intake");
    in.started = true;
    return 0;
}

int http_intake_submit(h2o_socket_t *sock, size_t request_len, bool expect_continue,
                       struct timeval connected_at)
{
    if (!in.started)
        return -1;
    struct intake_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return -1;
    c->connected_at = connected_at;
    c->request_len = request_len;
    c->expect_continue = expect_continue;
    if (h2o_socket_export(sock, &c->info) != 0) {
        free(c);
        return -1;
    }
    h2o_multithread_send_message(&in.in_receiver, &c->msg);
    return 0;
}

void http_intake_stop(void)
{
    if (!in.started)
        return;
    atomic_store(&in.quit, true);
    struct intake_conn *wake = calloc(1, sizeof(*wake));
    if (wake != NULL) {
        wake->info.fd = -1;
        h2o_multithread_send_message(&in.in_receiver, &wake->msg);
    }
    pthread_join(in.thread, NULL);
    h2o_multithread_unregister_receiver(in.in_queue, &in.in_receiver);
    h2o_multithread_destroy_queue(in.in_queue);
    /* Connections on their way back are left to the process's exit: the
     * server's loop no longer runs. */
    in.started = false;
}
