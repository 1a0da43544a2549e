/*
 * The capture object of the jobs API (Cloudflare's "PCAP"): its fields, its
 * status life cycle, its JSON form, and the validation of a create request.
 */
#ifndef PCAPD_CAPTURE_H
#define PCAPD_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "pcapd/filter.h"

/* Length of a capture id: 32 lowercase hex digits. */
#define CAPTURE_ID_LEN 32
/* Room for a colo name (the configured site) and its terminating NUL. */
#define CAPTURE_COLO_SIZE 64
/* Room for a destination_conf URI and its terminating NUL. */
#define CAPTURE_DESTINATION_SIZE 1024
/* Room for an offset_time (RFC 3339, up to nanoseconds and an offset). */
#define CAPTURE_OFFSET_TIME_SIZE 40

/* `type` of a capture. */
enum capture_type {
    /* Sampled 160-byte packet heads. */
    CAPTURE_SIMPLE,
    /* Every matching packet, whole (up to full_snaplen bytes). */
    CAPTURE_FULL,
};

/* `status` of a capture: pending -> running -> success, or failed; a full
 * capture with a destination goes running -> conversion_pending (its file
 * waits for its upload) -> conversion_running (uploading) -> success. */
enum capture_status {
    /* Accepted, not yet capturing. */
    CAPTURE_PENDING,
    /* Capturing on the dataplane. */
    CAPTURE_RUNNING,
    /* Ended; the file is complete and downloadable. */
    CAPTURE_SUCCESS,
    /* Ended in error; `error_message` says why; what was written stays
     * downloadable. */
    CAPTURE_FAILED,
    /* Captured; its file waits to be delivered to its bucket. */
    CAPTURE_CONVERSION_PENDING,
    /* Captured; its file is being delivered to its bucket. */
    CAPTURE_CONVERSION_RUNNING,
};

/* How many statuses there are. */
#define CAPTURE_STATUSES (CAPTURE_CONVERSION_RUNNING + 1)

/* One capture, as stored and as the API shows it. */
struct capture {
    /* 32 lowercase hex digits. */
    char id[CAPTURE_ID_LEN + 1];
    /* Account the capture belongs to. */
    char account_id[65];
    /* Creation time, milliseconds since the Unix epoch. */
    int64_t submitted_ms;
    /* `simple` or `full`. */
    enum capture_type type;
    /* Where the capture is in its life cycle. */
    enum capture_status status;
    /* Seconds the capture runs at most. */
    uint32_t time_limit;
    /* Packets the file holds at most (0: no limit, `full` only). */
    uint32_t packet_limit;
    /* Bytes the file holds at most, headers included (0: no limit; `full`
     * only). */
    uint64_t byte_limit;
    /* Site the capture runs at (`full` only; empty for `simple`). */
    char colo_name[CAPTURE_COLO_SIZE];
    /* Bucket URI the file is delivered to (`full` only), credentials
     * included (the API shows it redacted), or empty. */
    char destination_conf[CAPTURE_DESTINATION_SIZE];
    /* The filter; fields == 0 captures everything. */
    struct pcapd_filter filter;
    /* Packets in the file (live while running). */
    uint64_t packets_captured;
    /* Sampled packets lost on the way to the file. */
    uint64_t packets_dropped;
    /* When a stop was requested through the API (milliseconds since the
     * epoch), or 0. */
    int64_t stop_requested_ms;
    /* Why the capture failed, or empty. */
    char error_message[256];
    /* Bytes of the capture file, once ended. */
    uint64_t file_size;
    /* A look-back capture (`simple` only): the end of its window as the
     * request gave it (RFC 3339), or empty; and as nanoseconds since the
     * epoch (0 when empty; not stored: it matters until the capture is
     * answered from history). */
    char offset_time[CAPTURE_OFFSET_TIME_SIZE];
    int64_t offset_ns;
};

/* A rejected create request: a stable error code and a message that names
 * the field and the rule. */
struct capture_error {
    /* One of enum api_error_code. */
    int code;
    /* What was wrong, naming the field and the rule. */
    char message[256];
};

/* Names of the enum values, as the API spells them. */
const char *capture_type_name(enum capture_type type);
const char *capture_status_name(enum capture_status status);
/* Parses an API name; returns -1 if `name` is none. */
int capture_status_parse(const char *name);

/* Tells whether a capture of `status` has ended for good (success or
 * failed). */
bool capture_status_final(enum capture_status status);

/* Builds the API's JSON object of `c`.  `sample_rate` is not part of it. */
json_t *capture_to_json(const struct capture *c);

/* Builds the `filter_v1` object of `f` (fields it has only). */
json_t *capture_filter_to_json(const struct pcapd_filter *f);

/* Parses a `filter_v1` object (as capture_filter_to_json() makes, or a
 * request's) into `f`.  Returns 0, or -1 with `err` filled. */
int capture_filter_from_json(const json_t *obj, struct pcapd_filter *f, struct capture_error *err);

/* Validates a create request's JSON body and fills the request fields of
 * `c` (type, time_limit, packet_limit, byte_limit, colo_name,
 * destination_conf, filter).  `site` is this appliance's site, the only
 * colo_name a `full` capture may name (NULL: any, as in a fleet, where
 * the sites of its appliances decide).  Returns 0, or -1 with `err`
 * filled. */
int capture_request_parse(const json_t *body, const char *site, struct capture *c,
                          struct capture_error *err);

/* Writes a new random capture id into `id` (CAPTURE_ID_LEN + 1 bytes).
 * Returns 0, or -1 if the system has no randomness to give. */
int capture_new_id(char *id);

/* Formats milliseconds since the epoch as RFC 3339 UTC ("...T...Z"). */
void capture_format_time(int64_t ms, char *buf, unsigned size);

/* Formats nanoseconds since the epoch as RFC 3339 UTC with nine digits of
 * fraction ("...T...:SS.123456789Z"). */
void capture_format_time_ns(uint64_t ns, char *buf, unsigned size);

/* Parses an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS, an optional
 * fraction, Z or an offset) into nanoseconds since the epoch (digits past
 * the ninth of the fraction are cut; a time past 2262 gives INT64_MAX).
 * Returns 0, or -1 if `s` is not one or lies before 1970. */
int capture_parse_time(const char *s, int64_t *ns);

#endif /* PCAPD_CAPTURE_H */
