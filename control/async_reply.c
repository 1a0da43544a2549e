/*
 * Parked requests: a small record shared by the completion and h2o's
 * request pool, freed by whichever lets go of it last.  Both sides run on
 * the event loop, so a plain count suffices.
 */
#include "async_reply.h"

#include <stdlib.h>

/* A parked request. */
struct async_reply {
    /* The request, or NULL once h2o has disposed of it. */
    h2o_req_t *req;
    /* Holders: the completion and the request's pool. */
    int refs;
};

/* Drops one holder of `r`. */
static void unref(struct async_reply *r)
{
    if (--r->refs == 0)
        free(r);
}

/* The request's pool is being cleared: the request is gone. */
static void on_dispose(void *p)
{
    struct async_reply *r = *(struct async_reply **)p;
    r->req = NULL;
    unref(r);
}

struct async_reply *async_reply_park(h2o_req_t *req)
{
    struct async_reply *r = malloc(sizeof(*r));
    if (r == NULL)
        return NULL;
    r->req = req;
    r->refs = 2;
    struct async_reply **slot = h2o_mem_alloc_shared(&req->pool, sizeof(*slot), on_dispose);
    *slot = r;
    return r;
}

h2o_req_t *async_reply_req(const struct async_reply *r)
{
    return r->req;
}

void async_reply_release(struct async_reply *r)
{
    unref(r);
}
