/* hc_error: status codes (gRPC numbering, as in proto/hcap.proto) and the
   error record every fallible call fills: code, offending field, message. */
#ifndef HC_ERROR_H
#define HC_ERROR_H

enum {
    HC_OK = 0,
    HC_CANCELLED = 1,
    HC_UNKNOWN = 2,
    HC_INVALID_ARGUMENT = 3,
    HC_DEADLINE_EXCEEDED = 4,
    HC_NOT_FOUND = 5,
    HC_ALREADY_EXISTS = 6,
    HC_PERMISSION_DENIED = 7,
    HC_RESOURCE_EXHAUSTED = 8,
    HC_FAILED_PRECONDITION = 9,
    HC_ABORTED = 10,
    HC_OUT_OF_RANGE = 11,
    HC_UNIMPLEMENTED = 12,
    HC_INTERNAL = 13,
    HC_UNAVAILABLE = 14,
    HC_DATA_LOSS = 15,
    HC_UNAUTHENTICATED = 16,
};

typedef struct {
    int code;          /* HC_OK when nothing went wrong */
    char field[128];   /* offending field ("deliverables[0].target"), or "" */
    char message[512]; /* human-readable, no trailing newline */
} hc_error;

/* Fills err (when not NULL) and returns code, so callers can write
   `return hc_error_set (err, HC_NOT_FOUND, "worker_id", "no worker %s", id);`.
   field may be NULL. */
int hc_error_set(hc_error *err, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Resets err to HC_OK with empty field and message. */
void hc_error_clear(hc_error *err);

/* Lower-case API name of a code ("invalid_argument"); "unknown" when out of range. */
const char *hc_code_name(int code);

/* HTTP status for a code, per API.md (invalid_argument 400 ... deadline 504). */
int hc_code_http(int code);

#endif
