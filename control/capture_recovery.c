/*
 * Recovery of unfinished captures (see capture_recovery.h).
 */
#include "capture_recovery.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture_files.h"
#include "log.h"
#include "pcap_repair.h"
#include "pcapd/capture_record.h"

/* What an interrupted capture's error_message says when nothing was
 * recorded before. */
#define RECOVERY_MESSAGE "interrupted: the daemon stopped during the capture"

/* Makes the file of interrupted capture `c` whole and final, and sets its
 * packet count and size from what the file holds (fail_unfinished
 * callback; `arg` points to the full captures' snaplen). */
static void keep_partial_file(struct capture *c, void *arg)
{
    uint32_t snaplen = c->type == CAPTURE_FULL ? *(const uint32_t *)arg : PCAPD_SIMPLE_SNAPLEN;
    char part[700], final[700];
    struct pcap_repair_result r;
    capture_files_part_path(c->id, part, sizeof(part));
    capture_files_path(c->id, final, sizeof(final));
    bool has_part = access(part, F_OK) == 0;
    if (!has_part && access(final, F_OK) != 0)
        return;
    if (pcap_repair(has_part ? part : final, snaplen, &r) != 0) {
        log_error("capture_repair_failed", "id=%s error=%s", c->id, log_q(strerror(errno)));
        return;
    }
    /* capture_path = both: the kernel half joins the DPDK half. */
    uint64_t records, bytes;
    int merged = has_part ? capture_files_recover_kernel_part(c->id, &records, &bytes) : 0;
    if (merged < 0)
        log_error("capture_merge_failed", "id=%s error=%s", c->id, log_q(strerror(-merged)));
    if (merged > 0) {
        r.records = records;
        r.size = bytes;
    }
    if (has_part && rename(part, final) != 0) {
        log_error("capture_repair_failed", "id=%s error=%s", c->id, log_q(strerror(errno)));
        return;
    }
    if (r.cut > 0)
        log_warn("capture_repaired", "id=%s cut_bytes=%llu", c->id, (unsigned long long)r.cut);
    c->packets_captured = r.records;
    c->file_size = r.size;
}

int capture_recovery_run(struct job_store *store, uint32_t full_snaplen)
{
    int n = job_store_fail_unfinished(store, RECOVERY_MESSAGE, keep_partial_file, &full_snaplen);
    if (n > 0)
        log_warn("captures_interrupted", "count=%d", n);
    return n;
}
