/*
 * The h2o server as pcapd embeds it (after h2o's examples/libh2o/simple.c):
 * one host, one handler at "/", one evloop, and a timer for the capture
 * runner's periodic work.
 */
#include "http_server.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "h2o/http1.h"

/* The server's state. */
static struct {
    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    http_handler_fn handler;
    /* Periodic work. */
    h2o_timeout_t tick_timeout;
    h2o_timeout_entry_t tick_entry;
    void (*tick)(void);
} srv;

/* h2o's entry point: forwards to the configured handler. */
static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    return srv.handler(req);
}

/* Accepts a connection on the listener. */
static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL)
        h2o_accept(&srv.accept_ctx, sock);
}

/* Opens a listening socket on host:port.  Returns the fd or -1. */
static int open_listener(const char *host, uint16_t port, uint16_t *bound, char *err,
                         unsigned err_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICHOST | AI_PASSIVE};
    struct addrinfo *ai = NULL;
    char service[8];
    snprintf(service, sizeof(service), "%u", port);
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        snprintf(err, err_size, "listen address %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, err_size, "cannot listen on %s:%u: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                            : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

int http_server_start(const char *host, uint16_t port, size_t max_body, http_handler_fn handler,
                      uint16_t *bound_port, char *err, unsigned err_size)
{
    int fd = open_listener(host, port, bound_port, err, err_size);
    if (fd < 0)
        return -1;
    srv.handler = handler;
    h2o_config_init(&srv.config);
    srv.config.max_request_entity_size = max_body;
    srv.config.server_name = h2o_iovec_init(H2O_STRLIT("pcapd"));
    h2o_hostconf_t *host_conf =
        h2o_config_register_host(&srv.config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path_conf = h2o_config_register_path(host_conf, "/", 0);
    h2o_handler_t *h = h2o_create_handler(path_conf, sizeof(*h));
    h->on_req = on_req;

    h2o_context_init(&srv.ctx, h2o_evloop_create(), &srv.config);
    srv.accept_ctx.ctx = &srv.ctx;
    srv.accept_ctx.hosts = srv.config.hosts;
    srv.listener = h2o_evloop_socket_create(srv.ctx.loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    h2o_socket_read_start(srv.listener, on_accept);
    return 0;
}

h2o_loop_t *http_server_loop(void)
{
    return srv.ctx.loop;
}

/* Timer callback: runs the periodic work and re-arms. */
static void on_tick(h2o_timeout_entry_t *entry)
{
    srv.tick();
    h2o_timeout_link(srv.ctx.loop, &srv.tick_timeout, entry);
}

void http_server_run(volatile int *quit, void (*tick)(void), unsigned tick_ms)
{
    srv.tick = tick;
    srv.tick_entry.cb = on_tick;
    h2o_timeout_init(srv.ctx.loop, &srv.tick_timeout, tick_ms);
    h2o_timeout_link(srv.ctx.loop, &srv.tick_timeout, &srv.tick_entry);
    while (!*quit)
        h2o_evloop_run(srv.ctx.loop, (int32_t)tick_ms);
    h2o_timeout_unlink(&srv.tick_entry);
}

void http_server_stop(void)
{
    if (srv.listener != NULL) {
        h2o_socket_read_stop(srv.listener);
        h2o_socket_close(srv.listener);
        srv.listener = NULL;
    }
}
