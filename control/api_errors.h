/*
 * The error codes of the REST API.  They are part of the contract: a code
 * never changes meaning once released.  docs/API.md documents each one.
 */
#ifndef PCAPD_API_ERRORS_H
#define PCAPD_API_ERRORS_H

/* Stable error codes, each with its HTTP status in the comment. */
enum api_error_code {
    /* 400: the body is not valid JSON. */
    API_ERR_INVALID_JSON = 1000,
    /* 413: the body is larger than max_body_size. */
    API_ERR_BODY_TOO_LARGE = 1001,
    /* 400: the body is not a JSON object. */
    API_ERR_NOT_AN_OBJECT = 1002,
    /* 400: a required field is missing. */
    API_ERR_MISSING_FIELD = 1003,
    /* 400: a field has the wrong JSON type. */
    API_ERR_WRONG_TYPE = 1004,
    /* 400: a number is outside its range. */
    API_ERR_OUT_OF_RANGE = 1005,
    /* 400: a value is not one of the allowed ones. */
    API_ERR_INVALID_VALUE = 1006,
    /* 400: a field is not part of the API. */
    API_ERR_UNKNOWN_FIELD = 1007,
    /* 400: an address is not an IPv4 or IPv6 address or prefix. */
    API_ERR_INVALID_ADDRESS = 1008,
    /* 400: a valid field this appliance does not support yet. */
    API_ERR_UNSUPPORTED = 1009,
    /* 400: a query parameter is invalid. */
    API_ERR_INVALID_PARAMETER = 1010,
    /* 400: the request's framing is malformed or ambiguous (for example two
     * Content-Length headers); the connection is closed after the answer. */
    API_ERR_MALFORMED_REQUEST = 1011,
    /* 400: a full capture names a destination whose ownership is not
     * validated for the account. */
    API_ERR_DESTINATION_NOT_VALIDATED = 1012,
    /* 400: the bucket's store refused a request for good (NoSuchBucket,
     * AccessDenied, SignatureDoesNotMatch...): the message has its answer. */
    API_ERR_STORE_REFUSED = 1013,
    /* 404: no such route. */
    API_ERR_NO_ROUTE = 1100,
    /* 404: the account is not served here. */
    API_ERR_UNKNOWN_ACCOUNT = 1101,
    /* 404: no such capture in the account. */
    API_ERR_UNKNOWN_CAPTURE = 1102,
    /* 405: the route exists but not with this method. */
    API_ERR_METHOD_NOT_ALLOWED = 1103,
    /* 404: no such ownership challenge in the account. */
    API_ERR_UNKNOWN_OWNERSHIP = 1104,
    /* 409: the capture has not ended, so there is no file to download. */
    API_ERR_NOT_READY = 1200,
    /* 409: the account already has a full capture pending or running. */
    API_ERR_FULL_BUSY = 1201,
    /* 409: the capture was delivered to its bucket: download it there. */
    API_ERR_DELIVERED = 1202,
    /* 503: every capture slot is in use (max_captures). */
    API_ERR_CAPACITY = 1300,
    /* 429: the account created a simple capture less than
     * simple_rate_window seconds ago (Retry-After says when to retry). */
    API_ERR_RATE_LIMITED = 1301,
    /* 503: the file system of state_dir has less than disk_reserve_mb free,
     * or is full. */
    API_ERR_DISK_LOW = 1302,
    /* 503: the job store could not be read or written in time (another
     * process holds its lock); Retry-After says when to retry. */
    API_ERR_STORE_BUSY = 1303,
    /* 401: the request carries no credentials. */
    API_ERR_NO_CREDENTIALS = 1400,
    /* 401: the credentials are malformed, unknown, revoked or do not
     * match. */
    API_ERR_BAD_CREDENTIALS = 1401,
    /* 403: the token lacks the permission the request needs. */
    API_ERR_FORBIDDEN = 1402,
    /* 429: too many failed authentications from this client address in
     * auth_failure_window seconds; Retry-After says when to retry. */
    API_ERR_AUTH_THROTTLED = 1403,
    /* 500: an internal error (store, file system). */
    API_ERR_INTERNAL = 1500,
    /* 502: the bucket's store could not be reached, or kept failing. */
    API_ERR_STORE_UNREACHABLE = 1502,
    /* Not an error: the `messages` entry of a look-back capture whose
     * window begins before the oldest packet history holds. */
    API_MSG_PARTIAL_WINDOW = 2000,
    /* Not an error: the `messages` entry of a fleet capture that an
     * appliance is missing from (its lease expired, or it could not run
     * its part), naming the appliance and why. */
    API_MSG_APPLIANCE_MISSING = 2001,
};

#endif /* PCAPD_API_ERRORS_H */
