/*
 * Answering a request later.  A handler that hands work to a thread parks
 * its request and returns; when the work completes, on the event loop, the
 * completion takes the request back and answers it.  If the client went
 * away meanwhile, h2o has freed the request, and the completion learns it
 * here instead of touching freed memory.
 */
#ifndef PCAPD_ASYNC_REPLY_H
#define PCAPD_ASYNC_REPLY_H

#include "h2o.h"

/* A parked request. */
struct async_reply;

/* Parks `req`.  Returns NULL when out of memory (answer at once then). */
struct async_reply *async_reply_park(h2o_req_t *req);

/* Returns the parked request, or NULL if h2o has disposed of it (the
 * client closed the connection).  Event loop only. */
h2o_req_t *async_reply_req(const struct async_reply *r);

/* Gives up the parked handle, after answering or finding the request gone.
 * Event loop only. */
void async_reply_release(struct async_reply *r);

#endif /* PCAPD_ASYNC_REPLY_H */
