/* hc_log: key=value lines on stderr, one write() per line so lines from
   threads and processes sharing the stream do not interleave. */
#include "hc_log.h"

#include "hc_time.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define S_LINE_MAX 4096

static char s_process[64] = "hcap";
static hc_log_level s_threshold = HC_LOG_INFO;

static const char *s_level_names[] = {"debug", "info", "warn", "error"};

void hc_log_init(const char *process)
{
    snprintf(s_process, sizeof s_process, "%s", process && *process ? process : "hcap");
    s_threshold = HC_LOG_INFO;
    const char *env = getenv("HCAP_LOG_LEVEL");
    if (env == NULL)
        return;
    for (int i = HC_LOG_DEBUG; i <= HC_LOG_ERROR; i++) {
        if (strcasecmp(env, s_level_names[i]) == 0)
            s_threshold = (hc_log_level)i;
    }
}

/* Control characters (a newline in a peer's text) would split the line. */
static void s_flatten(char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            text[i] = ' ';
    }
}

void hc_log(hc_log_level level, const char *event, const char *fmt, ...)
{
    if (level < s_threshold || level > HC_LOG_ERROR)
        return;
    char ts[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(ts);
    char line[S_LINE_MAX];
    int head = snprintf(line, sizeof line, "ts=%s level=%s proc=%s event=%s ", ts,
                        s_level_names[level], s_process, event ? event : "-");
    size_t len = head < 0 ? 0 : (size_t)head < sizeof line ? (size_t)head : sizeof line - 1;
    va_list args;
    va_start(args, fmt);
    int body = vsnprintf(line + len, sizeof line - len, fmt, args);
    va_end(args);
    if (body > 0)
        len += (size_t)body < sizeof line - len ? (size_t)body : sizeof line - len - 1;
    s_flatten(line, len);
    while (len > 0 && line[len - 1] == ' ')
        len--;
    line[len++] = '\n';
    int saved = errno;
    ssize_t rc = write(STDERR_FILENO, line, len);
    (void)rc;
    errno = saved;
}

const char *hc_log_quote(const char *text, char *buf, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    if (size < 3) {
        if (size)
            buf[0] = '\0';
        return buf;
    }
    size_t at = 0;
    buf[at++] = '"';
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        char esc[4] = {0};
        size_t n = 1;
        if (*p == '"' || *p == '\\')
            esc[0] = '\\', esc[1] = (char)*p, n = 2;
        else if (*p < 0x20 || *p == 0x7f)
            esc[0] = '\\', esc[1] = 'x', esc[2] = hex[*p >> 4], esc[3] = hex[*p & 15], n = 4;
        else
            esc[0] = (char)*p;
        if (at + n + 2 > size)
            break;
        memcpy(buf + at, esc, n);
        at += n;
    }
    buf[at++] = '"';
    buf[at] = '\0';
    return buf;
}
