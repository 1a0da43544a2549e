/*
 * pcapd's commands in DPDK telemetry, beside DPDK's own (/ethdev/stats,
 * /ethdev/xstats...), so that `dpdk-telemetry.py -f pcapd-PID` (or any
 * client of the socket /var/run/dpdk/pcapd-PID/dpdk_telemetry.v2) reads
 * them:
 *   /pcapd/stats      the appliance's figures (appliance_stats.h): totals
 *                     per stage, per port, per rx lcore, per writer,
 *                     captures by status, queues, disk
 *   /pcapd/jobs       the captures under way: how many, and their ids
 *   /pcapd/jobs,ID    one capture under way, as the API shows it
 *
 * DPDK's telemetry thread runs the commands, but what they read belongs to
 * the event loop.  So a command asks the loop for a snapshot and waits for
 * it (a few milliseconds: the loop's periodic tick takes it); the loop
 * never waits for the telemetry thread (it skips a tick if the snapshot is
 * being read).  Nothing is gathered while nobody asks.
 */
#ifndef PCAPD_TELEMETRY_H
#define PCAPD_TELEMETRY_H

#include <stdbool.h>

/* Registers the commands with DPDK telemetry (after EAL has started);
 * snapshots hold up to `max_captures` captures under way.  Without EAL
 * (`eal` false: capture_path = kernel) there is no telemetry socket, and
 * this only logs so.  Returns 0, or -1 with `err`. */
int telemetry_init(bool eal, unsigned max_captures, char *err, unsigned err_size);

/* Takes a snapshot if a command asked for one (event loop, periodic). */
void telemetry_tick(void);

/* Makes the commands answer nothing from now on (before shut-down). */
void telemetry_stop(void);

#endif /* PCAPD_TELEMETRY_H */
