/* ht_data: unique names and the objects most tests need, created through the
   node's HTTP API, plus a pager that walks a list to its end. */
#include "ht_data.h"

#include "hc_time.h"
#include "ht_http.h"
#include "ht_os.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Lower-case base-26 letters of value, at least width of them. */
static void s_letters(unsigned long value, int width, char *out)
{
    char tmp[32];
    int len = 0;
    do {
        tmp[len++] = (char)('a' + value % 26);
        value /= 26;
    } while ((value > 0 || len < width) && len < 31);
    for (int i = 0; i < len; i++)
        out[i] = tmp[len - 1 - i];
    out[len] = 0;
}

const char *ht_uniq(const char *prefix)
{
    static char ring[256][96];
    static unsigned counter;
    char pid[16], seq[16];
    s_letters((unsigned long)getpid(), 5, pid);
    s_letters(counter, 2, seq);
    char *out = ring[counter++ % 256];
    snprintf(out, sizeof ring[0], "%s%s%s", prefix, pid, seq);
    return out;
}

const char *ht_fmt(const char *fmt, ...)
{
    static char ring[64][8192];
    static unsigned next;
    char *out = ring[next++ % 64];
    va_list args;
    va_start(args, fmt);
    vsnprintf(out, sizeof ring[0], fmt, args);
    va_end(args);
    return out;
}

const char *ht_days_ago(int days)
{
    char today[HC_DATE_SIZE], out[HC_DATE_SIZE];
    hc_today(today);
    hc_date_from_days(hc_date_days(today) - days, out);
    return ht_fmt("%s", out);
}

const char *ht_months_after(const char *date, int months)
{
    char out[HC_DATE_SIZE];
    cr_assert_eq(hc_date_add_months(date, months, out), 0, "not a date: %s", date);
    return ht_fmt("%s", out);
}

void ht_wait_holder(const ht_node *node, const char *credential_id, int timeout_ms)
{
    int64_t until = ht_now_ms() + timeout_ms;
    for (;;) {
        ht_req req = {.method = "GET", .path = ht_fmt("/v1/verify/%s", credential_id)};
        ht_resp resp;
        ht_http(node, &req, &resp);
        bool known = resp.status == 200 && json_is_string(json_object_get(resp.json, "holder"));
        ht_resp_free(&resp);
        if (known)
            return;
        cr_assert(ht_now_ms() < until, "no holder for %s after %d ms", credential_id, timeout_ms);
        ht_sleep_ms(10);
    }
}

char *ht_new_employer(const ht_node *node, const char *name)
{
    return ht_create(node, "/v1/employers", "{\"name\":\"%s\",\"sector\":\"acute\"}", name);
}

char *ht_new_worker(const ht_node *node, const char *given, const char *family)
{
    return ht_create(node, "/v1/workers",
                     "{\"given_name\":\"%s\",\"family_name\":\"%s\","
                     "\"employment_status\":\"incumbent\"}",
                     given, family);
}

char *ht_new_program(const ht_node *node, const char *code)
{
    return ht_create(node, "/v1/programs",
                     "{\"code\":\"%s\",\"name\":\"Program %s\","
                     "\"kind\":\"credential_training\"}",
                     code, code);
}

char *ht_new_cohort(const ht_node *node, const char *program_id, unsigned capacity)
{
    return ht_create(node, "/v1/cohorts",
                     "{\"program_id\":\"%s\",\"name\":\"%s\",\"start_date\":\"2030-09-01\","
                     "\"capacity\":%u}",
                     program_id, ht_uniq("Cohort"), capacity);
}

json_t *ht_list_all(const ht_node *node, const char *path, int limit, int max_pages)
{
    json_t *all = json_array();
    char *after = NULL;
    for (int page = 0;; page++) {
        cr_assert(page < max_pages, "GET %s did not end within %d pages", path, max_pages);
        char url[1024];
        snprintf(url, sizeof url, "%s%slimit=%d%s%s", path, strchr(path, '?') ? "&" : "?", limit,
                 after ? "&after=" : "", after ? after : "");
        json_t *reply = NULL;
        int status = ht_json_get(node, url, &reply);
        json_t *items = ht_jget(reply, "items");
        cr_assert(status == 200 && json_is_array(items), "GET %s -> %d %s", url, status,
                  ht_jtext(reply));
        cr_assert((int)json_array_size(items) <= limit, "GET %s gave %zu items", url,
                  json_array_size(items));
        json_array_extend(all, items);
        json_t *next = ht_jget(reply, "next");
        cr_assert(json_is_null(next) || json_is_string(next), "next must be null or a cursor: %s",
                  ht_jtext(reply));
        free(after);
        after = json_is_string(next) ? ht_urlencode(json_string_value(next)) : NULL;
        json_decref(reply);
        if (!after)
            break;
    }
    return all;
}

json_t *ht_find_id(json_t *items, const char *id)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        const char *item_id = ht_jstr(item, "id");
        if (item_id && strcmp(item_id, id) == 0)
            return item;
    }
    return NULL;
}
