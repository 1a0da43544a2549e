/*
 * The fleet: one capture across every appliance that names the same
 * PostgreSQL database in `store` (docs/FLEET.md).  This module is the
 * event loop's side of it: every few hundred milliseconds it hands the
 * state of the targets this appliance runs to the fleet_sync lane
 * (fleet_sync.c, which speaks to the database), then starts the captures
 * that lane claimed on the capture runner and stops those the fleet asks
 * to stop.  It never touches libpq itself.
 */
#ifndef PCAPD_FLEET_H
#define PCAPD_FLEET_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "config.h"
#include "job_store.h"

/* What this appliance is, as the fleet's rows name it. */
struct fleet_identity {
    char name[64];
    char site[64];
    /* "dpdk", "kernel" or "both". */
    char capture_path[16];
    /* The API's address ("http://HOST:PORT"). */
    char api[128];
    /* The state directory's database (the token store's file). */
    char db_path[600];
    /* Admission of fleet captures, decided in the database so that it
     * holds for the fleet: seconds between two simple captures of an
     * account (simple_rate_window; 0: no limit), and fleet captures under
     * way at once (max_captures). */
    unsigned rate_window_s;
    unsigned max_captures;
    /* Ended fleet captures, with their targets and parts, are deleted this
     * many seconds after they ended (retention_days or retention_seconds;
     * 0: never). */
    uint64_t retention_s;
};

/* The state of one target this appliance runs, as the loop reports it. */
struct fleet_report {
    char id[CAPTURE_ID_LEN + 1];
    /* The local capture has ended (its part file is final), or could not
     * start (no file; `error` says why). */
    bool ended;
    bool start_failed;
    uint64_t packets;
    uint64_t dropped;
    char error[400];
    /* The local capture's status ("running", "conversion_running", ...). */
    char local_status[32];
    /* A full capture's: the object its file was delivered to, once it
     * was ("s3://BUCKET/KEY"; the target is done with it). */
    bool full;
    char object[700];
};

/* One round of synchronisation, handed to the fleet_sync lane. */
struct fleet_sync_task {
    /* In: who we are, and the targets we run. */
    const struct fleet_identity *me;
    /* In: an eventfd the loop writes when a target here starts or ends,
     * which cuts the round's wait for a NOTIFY short. */
    int wake_fd;
    struct fleet_report *reports;
    unsigned n_reports;
    /* In: this appliance runs targets (some may not be reported this
     * round), so the round asks which the fleet wants stopped. */
    bool has_targets;
    /* Out: which reports the database took (an ended target whose part is
     * stored, or refused as late, can be forgotten). */
    bool *reported;
    /* Out: captures claimed for this appliance, to start. */
    struct capture *claims;
    unsigned n_claims;
    /* Out: ids of targets here the fleet asks to stop. */
    char (*stops)[CAPTURE_ID_LEN + 1];
    unsigned n_stops;
    /* Out: whether the database answered, and if not why. */
    bool ok;
    char err[256];
};

/* Tells whether the job store is a fleet's PostgreSQL database. */
bool fleet_enabled(void);

/* Prepares the fleet when cfg->store names PostgreSQL (else does
 * nothing): `reader` is the loop's connection of the local store, where
 * ended local captures are read.  Returns 0, or -1 with `err`. */
int fleet_init(const struct config *cfg, struct job_store *reader, char *err, unsigned err_size);

/* Completes this appliance's identity once the API listens on `port`. */
void fleet_set_port(const struct config *cfg, uint16_t port);

/* Submits no more rounds (shut-down: the round under way, if any,
 * completes in offload_drain()). */
void fleet_shutdown(void);

/* This appliance's identity (valid after fleet_init()). */
const struct fleet_identity *fleet_me(void);

/* The loop's periodic work: submits the next round when the last one has
 * returned.  Called by the event loop's tick. */
void fleet_tick(void);

/* Revokes token `id` fleet-wide: records its revocation (every
 * appliance deletes it at its next token sync) and deletes the fleet's
 * copy.  Blocking: for `pcapd token revoke`, after fleet_pg_init().
 * Returns 0, or -1 with `err`. */
int fleet_revoke_token(const char *id, char *err, unsigned err_size);

/* Runs one round against the database (fleet_sync lane; fleet_sync.c). */
void fleet_sync_run(struct fleet_sync_task *t);

#endif /* PCAPD_FLEET_H */
