/*
 * The bucket ownership endpoints (/pcaps/ownership...), called by the
 * jobs API's router after authentication (see ownership_api.c).
 */
#ifndef PCAPD_OWNERSHIP_API_H
#define PCAPD_OWNERSHIP_API_H

#include <sqlite3.h>

#include "config.h"
#include "h2o.h"

/* Which ownership endpoint a path names. */
enum ownership_route {
    /* .../pcaps/ownership: GET lists, POST creates. */
    OWNERSHIP_ROUTE_COLLECTION,
    /* .../pcaps/ownership/validate: POST. */
    OWNERSHIP_ROUTE_VALIDATE,
    /* .../pcaps/ownership/{id}: DELETE. */
    OWNERSHIP_ROUTE_ITEM,
};

/* Sets the connections reads (event loop) and writes (store thread) use. */
void ownership_api_init(sqlite3 *reader, sqlite3 *writer, const struct config *cfg);

/* Answers an authorised request on `route` of `account` (`id`: the
 * {ownership_id} of an item). */
int ownership_api_handle(h2o_req_t *req, enum ownership_route route, const char *account,
                         const char *id);

#endif /* PCAPD_OWNERSHIP_API_H */
