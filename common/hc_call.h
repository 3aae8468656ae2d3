/* hc_call: what every service's handlers share beyond hc_service.h: list
   pages, ids, timestamps and dates, required text, and events appended in
   the request's transaction. Each fails the call (hc_call_fail) the same
   way in every service, so clients see one error shape. */
#ifndef HC_CALL_H
#define HC_CALL_H

#include <stdbool.h>
#include <stdint.h>
#include "hc_query.h"
#include "hc_service.h"

/* Rows a list returns by default and at most (API.md: limit). */
#define HC_LIST_DEFAULT 50
#define HC_LIST_MAX     500

/* A list handler's start: fills page from the request's limit and after
   and returns a new, empty list message of desc in the call's arena for
   the store to fill (hc_query_list). NULL when limit is 0 or above
   HC_LIST_MAX: the call has failed with HC_INVALID_ARGUMENT naming
   "limit". */
ProtobufCMessage *hc_call_list_new(hc_call *call, protobuf_c_boolean has_limit, uint32_t limit,
                                   const char *after, const ProtobufCMessageDescriptor *desc,
                                   hc_page *page);

/* Appends an event to the service's log in the request's transaction
   (hc_eventlog_append); subject is the worker it is about, or NULL. HC_OK,
   or fails the call. */
int hc_call_emit(hc_call *call, const char *type, const char *subject,
                 const ProtobufCMessage *body);

/* A new id of kind prefix ("emp", "cred") in the call's arena. */
char *hc_call_id(hc_call *call, const char *prefix);

/* Now (RFC 3339 UTC) in the call's arena. */
char *hc_call_now(hc_call *call);

/* HC_OK when text is non-empty, else fails the call with
   HC_INVALID_ARGUMENT "<field> is required". */
int hc_call_required(hc_call *call, const char *text, const char *field);

/* A date field: when date is non-empty it must be a real YYYY-MM-DD date
   (else HC_INVALID_ARGUMENT naming field); when empty, today (UTC). Sets
   *out to a copy in the call's arena. */
int hc_call_date_or_today(hc_call *call, const char *date, const char *field, char **out);

/* Appends a rejected line of an imported file (field may be NULL) to a
   report's list *rejected of *n entries, in the call's arena; *capacity
   is the room the list has (0 at first), grown by doubling. */
void hc_call_reject(hc_call *call, Hcap__ImportRejection ***rejected, size_t *n, size_t *capacity,
                    uint32_t line, const char *field, const char *message);

/* HC_OK when date is a real YYYY-MM-DD date not after today (UTC); else
   fails the call with HC_INVALID_ARGUMENT naming field (also when empty). */
int hc_call_date_not_future(hc_call *call, const char *date, const char *field);

#endif
