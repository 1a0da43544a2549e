/*
 * The jobs API on a fleet appliance (docs/FLEET.md): creates of simple
 * captures, gets, lists, stops and downloads of fleet captures, and
 * GET .../pcaps/appliances, answered from the fleet store on the fleet
 * lane; each request is parked and answered on the event loop when its
 * work is done.  A capture the fleet store does not hold (a full or
 * look-back capture, which stays on its appliance) is handed back to the
 * appliance's own handler.
 */
#ifndef PCAPD_FLEET_API_H
#define PCAPD_FLEET_API_H

#include "capture.h"
#include "h2o.h"

/* What a fleet request asks. */
enum fleet_op {
    FLEET_OP_CREATE,
    FLEET_OP_GET,
    FLEET_OP_LIST,
    FLEET_OP_STOP,
    FLEET_OP_DOWNLOAD,
    FLEET_OP_APPLIANCES,
};

/* The appliance's own handler of a request, for a capture the fleet store
 * does not hold; `route` is the copy given in the call. */
typedef int (*fleet_local_fn)(h2o_req_t *req, const void *route);

/* One request to the fleet. */
struct fleet_call {
    enum fleet_op op;
    char account[65];
    char id[CAPTURE_ID_LEN + 1];
    /* The capture to create (FLEET_OP_CREATE), validated and admitted. */
    struct capture capture;
    /* The page of a list. */
    unsigned offset, limit;
    /* The local handler and the route it takes (its bytes copied). */
    fleet_local_fn local;
    char route[192];
};

/* Parks `req` and answers it from the fleet store.  Returns 0 (answered
 * now or later). */
int fleet_api_handle(h2o_req_t *req, const struct fleet_call *call);

#endif /* PCAPD_FLEET_API_H */
