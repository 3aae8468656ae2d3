/* hc_error: fills the error record and maps status codes to their API names
   and HTTP statuses (API.md). */
#include "hc_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *s_names[] = {
    "ok",
    "cancelled",
    "unknown",
    "invalid_argument",
    "deadline_exceeded",
    "not_found",
    "already_exists",
    "permission_denied",
    "resource_exhausted",
    "failed_precondition",
    "aborted",
    "out_of_range",
    "unimplemented",
    "internal",
    "unavailable",
    "data_loss",
    "unauthenticated",
};

int hc_error_set(hc_error *err, int code, const char *field, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    va_list args;
    va_start(args, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, args);
    va_end(args);
    return code;
}

void hc_error_clear(hc_error *err)
{
    if (err == NULL)
        return;
    err->code = HC_OK;
    err->field[0] = '\0';
    err->message[0] = '\0';
}

const char *hc_code_name(int code)
{
    if (code < 0 || (size_t)code >= sizeof s_names / sizeof s_names[0])
        return "unknown";
    return s_names[code];
}

int hc_code_http(int code)
{
    switch (code) {
    case HC_OK:
        return 200;
    case HC_INVALID_ARGUMENT:
        return 400;
    case HC_UNAUTHENTICATED:
        return 401;
    case HC_PERMISSION_DENIED:
        return 403;
    case HC_NOT_FOUND:
        return 404;
    case HC_ALREADY_EXISTS:
    case HC_FAILED_PRECONDITION:
        return 409;
    case HC_RESOURCE_EXHAUSTED:
        return 413;
    case HC_UNAVAILABLE:
        return 503;
    case HC_DEADLINE_EXCEEDED:
        return 504;
    default:
        return 500;
    }
}
