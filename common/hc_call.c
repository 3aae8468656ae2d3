/* hc_call: handler helpers shared by every service (contracts in hc_call.h). */
#include "hc_call.h"

#include <string.h>
#include "hc_id.h"
#include "hc_time.h"

/* Fills page from a list request's limit and after, or fails the call. */
static int s_page(hc_call *call, protobuf_c_boolean has_limit, uint32_t limit, const char *after,
                  hc_page *page)
{
    if (has_limit && (limit == 0 || limit > HC_LIST_MAX))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "limit", "limit must be 1..%d", HC_LIST_MAX);
    page->limit = has_limit ? limit : HC_LIST_DEFAULT;
    page->after = after && *after ? after : NULL;
    return HC_OK;
}

ProtobufCMessage *hc_call_list_new(hc_call *call, protobuf_c_boolean has_limit, uint32_t limit,
                                   const char *after, const ProtobufCMessageDescriptor *desc,
                                   hc_page *page)
{
    if (s_page(call, has_limit, limit, after, page) != HC_OK)
        return NULL;
    return hc_call_new(call, desc);
}

int hc_call_emit(hc_call *call, const char *type, const char *subject, const ProtobufCMessage *body)
{
    hc_error err;
    hc_error_clear(&err);
    hc_eventlog *log = hc_service_log(hc_call_service(call));
    if (hc_eventlog_append(log, type, subject, body, NULL, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    return HC_OK;
}

char *hc_call_id(hc_call *call, const char *prefix)
{
    char id[HC_ID_SIZE];
    hc_id_new(prefix, id);
    return hc_arena_strdup(hc_call_arena(call), id);
}

char *hc_call_now(hc_call *call)
{
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    return hc_arena_strdup(hc_call_arena(call), now);
}

int hc_call_required(hc_call *call, const char *text, const char *field)
{
    if (text && *text)
        return HC_OK;
    return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s is required", field);
}

int hc_call_date_or_today(hc_call *call, const char *date, const char *field, char **out)
{
    char today[HC_DATE_SIZE];
    if (date && *date) {
        if (!hc_date_valid(date))
            return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s must be YYYY-MM-DD", field);
        *out = hc_arena_strdup(hc_call_arena(call), date);
        return HC_OK;
    }
    hc_today(today);
    *out = hc_arena_strdup(hc_call_arena(call), today);
    return HC_OK;
}

int hc_call_date_not_future(hc_call *call, const char *date, const char *field)
{
    char today[HC_DATE_SIZE];
    hc_today(today);
    if (!date || !*date)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s is required", field);
    if (!hc_date_valid(date))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s must be YYYY-MM-DD", field);
    if (strcmp(date, today) > 0)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s %s is in the future", field,
                            date);
    return HC_OK;
}

void hc_call_reject(hc_call *call, Hcap__ImportRejection ***rejected, size_t *n, size_t *capacity,
                    uint32_t line, const char *field, const char *message)
{
    hc_arena *arena = hc_call_arena(call);
    if (*n == *capacity) {
        *capacity = *capacity ? 2 * *capacity : 16;
        Hcap__ImportRejection **grown = hc_arena_alloc(arena, *capacity * sizeof *grown);
        if (*n)
            memcpy(grown, *rejected, *n * sizeof *grown);
        *rejected = grown;
    }
    Hcap__ImportRejection *rej =
        (Hcap__ImportRejection *)hc_arena_message(arena, &hcap__import_rejection__descriptor);
    rej->line = line;
    rej->field = hc_arena_text(arena, field);
    rej->message = hc_arena_strdup(arena, message);
    (*rejected)[(*n)++] = rej;
}
