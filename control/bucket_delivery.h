/*
 * Delivery of full captures to their buckets.  A capture whose file is
 * finished and whose destination is set is handed here in status
 * conversion_pending; the delivery thread uploads the file (one PUT, or a
 * multipart upload of parts read from the file a few at a time, within
 * the appliance's rate cap), verifies the object the store holds, deletes
 * the local copy (unless delivery_keep_local), and records the capture
 * success, or failed with the step and the store's answer.
 *
 * The thread drives every upload at once on curl's multi interface and
 * writes what it does to the job store on a connection of its own:
 * conversion_running when an upload starts, the upload id and each
 * finished part as they come (so that a restart resumes the upload where
 * it stopped), and the final status.  The event loop only hands work in.
 */
#ifndef PCAPD_BUCKET_DELIVERY_H
#define PCAPD_BUCKET_DELIVERY_H

#include <stddef.h>

#include "capture.h"
#include "config.h"

/* Starts the delivery thread on the database at `db_path`, resuming the
 * deliveries the store holds.  Returns 0, or -1 with `err`. */
int bucket_delivery_start(const struct config *cfg, const char *db_path, char *err,
                          unsigned err_size);

/* Hands capture `c` (stored as conversion_pending) to the delivery thread.
 * Event loop only; never blocks. */
void bucket_delivery_submit(const struct capture *c);

/* Writes the name of the object of capture `id` in its bucket's folder:
 * pcap_ID.pcap, or pcap_ID_APPLIANCE.pcap on an appliance of a fleet,
 * where every appliance at the capture's site uploads its own file. */
void bucket_delivery_file_name(const char *id, char *buf, size_t size);

/* Stops the thread; uploads under way are left to resume at the next
 * start. */
void bucket_delivery_stop(void);

#endif /* PCAPD_BUCKET_DELIVERY_H */
