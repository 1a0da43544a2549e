/*
 * The fleet store's answers to the API (docs/FLEET.md): fleet captures
 * created, read, listed and stopped in PostgreSQL, the fleet's appliances,
 * and the merged download.  Every function here runs on the fleet lane's
 * thread (its own connection), never on the event loop; each fills a
 * struct fleet_answer that the loop sends.
 */
#ifndef PCAPD_FLEET_STORE_H
#define PCAPD_FLEET_STORE_H

#include <jansson.h>
#include <sys/types.h>

#include "capture.h"
#include "fleet.h"

/* What a fleet request gives back to the loop. */
struct fleet_answer {
    /* 200, or the status of the error. */
    int status;
    /* The error's code and message, when status is not 200. */
    int code;
    char message[320];
    /* Seconds to send in Retry-After (errors only), or 0. */
    unsigned retry_after;
    /* The fleet store has no such capture (the appliance's own store may). */
    bool not_found;
    /* The result, its pagination and the `messages` array (NULL: none;
     * the loop takes them). */
    json_t *result;
    json_t *result_info;
    json_t *messages;
    /* A download's merge, opened (the loop streams it; see
     * fleet_download_read()). */
    struct fleet_download *download;
};

/* The merge of a fleet capture's parts, read out of the database as it is
 * sent. */
struct fleet_download;

/* Inserts capture `c` and a pending target for every live appliance,
 * and wakes the fleet. */
void fleet_store_create(const struct fleet_identity *me, const struct capture *c,
                        struct fleet_answer *a);

/* Reads capture `id` of `account` with its appliances' status. */
void fleet_store_get(const char *account, const char *id, struct fleet_answer *a);

/* Lists the fleet captures of `account`, newest first. */
void fleet_store_list(const char *account, unsigned offset, unsigned limit, struct fleet_answer *a);

/* Records a stop of capture `id` (the appliances running it stop at
 * their next round) and reads it back. */
void fleet_store_stop(const char *account, const char *id, int64_t now_ms, struct fleet_answer *a);

/* Opens the merged download of ended capture `id` into a->download: a
 * k-way merge by time of its parts, each read out of the database a slice
 * at a time as the merge needs it (nothing is held whole, nothing is
 * staged on disk), each part's times corrected by its appliance's clock
 * offset, cut at the capture's packet_limit. */
void fleet_store_download(const char *account, const char *id, struct fleet_answer *a);

/* Reads up to `size` bytes of the merged file into `buf` (fleet lane: the
 * parts are read through its connection).  Returns the bytes read (fewer
 * than `size` only at the end), 0 at the end, or a negative errno
 * (fleet_download_error() says why). */
ssize_t fleet_download_read(struct fleet_download *d, uint8_t *buf, size_t size);

/* Why the last read of `d` failed. */
const char *fleet_download_error(const struct fleet_download *d);

/* Frees download `d` (NULL: nothing). */
void fleet_download_close(struct fleet_download *d);

/* Lists the fleet's appliances with their health. */
void fleet_store_appliances(struct fleet_answer *a);

#endif /* PCAPD_FLEET_STORE_H */
