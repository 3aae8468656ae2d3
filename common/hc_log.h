/* hc_log: one line per event on stderr, `key=value`, with time, level and the
   process name; the only way services log. */
#ifndef HC_LOG_H
#define HC_LOG_H

#include <stddef.h>

typedef enum { HC_LOG_DEBUG, HC_LOG_INFO, HC_LOG_WARN, HC_LOG_ERROR } hc_log_level;

/* Names the process in every line and sets the threshold from HCAP_LOG_LEVEL
   (debug|info|warn|error, default info). Safe to call again. */
void hc_log_init(const char *process);

/* Writes `ts=... level=... proc=... event=<event> <fmt...>` as one line.
   fmt should produce key=value pairs; values with spaces must be quoted by
   the caller (hc_log_quote helps). */
void hc_log(hc_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes text into buf as a double-quoted log value (quote and backslash
   escaped, control characters as \xNN), truncated to fit size; returns buf. */
const char *hc_log_quote(const char *text, char *buf, size_t size);

#define hc_log_debug(event, ...) hc_log(HC_LOG_DEBUG, event, __VA_ARGS__)
#define hc_log_info(event, ...)  hc_log(HC_LOG_INFO, event, __VA_ARGS__)
#define hc_log_warn(event, ...)  hc_log(HC_LOG_WARN, event, __VA_ARGS__)
#define hc_log_error(event, ...) hc_log(HC_LOG_ERROR, event, __VA_ARGS__)

#endif
