/* ht_reports: catch-up of the reporting service with the logs it follows,
   judged by its own GET /v1/reports/status against the producers' heads;
   outcomes reports packed for byte-for-byte comparison. */
#include "ht_reports.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "hc_msg.h"
#include "ht_data.h"
#include "ht_events.h"
#include "ht_http.h"
#include "ht_os.h"

const char *const ht_reports_sources[HT_REPORTS_SOURCES] = {"enrollment", "credentialing",
                                                            "apprenticeship"};

#define S_FETCH_MS 3000

/* The follower of source in a status reply, or NULL. */
static json_t *s_follower(json_t *status, const char *source)
{
    json_t *followers = json_object_get(status, "followers");
    size_t i;
    json_t *item;
    json_array_foreach(followers, i, item)
    {
        const char *name = json_string_value(json_object_get(item, "source"));
        if (name && strcmp(name, source) == 0)
            return item;
    }
    return NULL;
}

/* Whether the follower's cursor is on the epoch its producer answered
   with (a restored producer's old seqs say nothing). */
static bool s_same_epoch(json_t *follower)
{
    const char *epoch = json_string_value(json_object_get(follower, "epoch"));
    const char *producer = json_string_value(json_object_get(follower, "producer_epoch"));
    return producer && (!epoch || strcmp(epoch, producer) == 0);
}

static bool s_follower_at(json_t *follower, int64_t head)
{
    json_t *seq = json_object_get(follower, "seq"), *seen = json_object_get(follower, "head");
    if (!json_is_integer(seq) || !json_is_integer(seen) || !s_same_epoch(follower))
        return false;
    return json_integer_value(seq) == json_integer_value(seen) && json_integer_value(seq) >= head;
}

bool ht_reports_at(const ht_node *node, const int64_t heads[HT_REPORTS_SOURCES],
                   uint32_t *dead_letters)
{
    json_t *status = NULL;
    int code = ht_json_get(node, "/v1/reports/status", &status);
    bool at =
        code == 200 && json_array_size(json_object_get(status, "followers")) == HT_REPORTS_SOURCES;
    for (int i = 0; at && i < HT_REPORTS_SOURCES; i++)
        at = s_follower_at(s_follower(status, ht_reports_sources[i]), heads[i]);
    if (dead_letters) {
        json_t *dead = json_object_get(status, "dead_letters");
        *dead_letters = json_is_integer(dead) ? (uint32_t)json_integer_value(dead) : 0;
    }
    json_decref(status);
    return at;
}

/* Reads every producer's head; false when one cannot be read. */
static bool s_heads(const ht_node *node, int64_t heads[HT_REPORTS_SOURCES])
{
    for (int i = 0; i < HT_REPORTS_SOURCES; i++)
        if ((heads[i] = ht_events_head(node->dir, ht_reports_sources[i], S_FETCH_MS)) < 0)
            return false;
    return true;
}

int64_t ht_reports_wait(const ht_node *node, int timeout_ms)
{
    int64_t start = ht_now_ms(), deadline = start + timeout_ms;
    int64_t heads[HT_REPORTS_SOURCES], after[HT_REPORTS_SOURCES];
    uint32_t dead = 0;
    bool done = false;
    while (!done && ht_now_ms() < deadline) {
        if (s_heads(node, heads) && ht_reports_at(node, heads, &dead) && s_heads(node, after))
            done = memcmp(heads, after, sizeof heads) == 0;
        if (!done)
            ht_sleep_ms(20);
    }
    json_t *status = NULL;
    ht_json_get(node, "/v1/reports/status", &status);
    cr_assert(done, "reporting did not catch up within %d ms: heads %ld/%ld/%ld, status %s",
              timeout_ms, (long)heads[0], (long)heads[1], (long)heads[2], ht_jtext(status));
    cr_assert_eq(dead, 0, "reporting dead-lettered %u events: %s", dead, ht_jtext(status));
    json_decref(status);
    return ht_now_ms() - start;
}

char *ht_reports_body(const ht_node *node, const char *token, const char *path)
{
    ht_req req = {.method = "GET", .path = path, .token = token ? token : node->token};
    ht_resp resp;
    int status = ht_http(node, &req, &resp);
    cr_assert_eq(status, 200, "GET %s -> %d %s", path, status, resp.body ? resp.body : "");
    char *body = resp.body ? strdup(resp.body) : strdup("");
    ht_resp_free(&resp);
    return body;
}

static int s_row_cmp(const void *a, const void *b)
{
    const Hcap__OutcomeRow *x = *(Hcap__OutcomeRow *const *)a, *y = *(Hcap__OutcomeRow *const *)b;
    int c = strcmp(x->group, y->group);
    return c ? c : strcmp(x->label ? x->label : "", y->label ? y->label : "");
}

uint8_t *ht_outcomes_packed(Hcap__OutcomeRow **rows, size_t n, Hcap__OutcomeRow *total,
                            hc_arena *arena, size_t *size)
{
    if (n > 1)
        qsort(rows, n, sizeof *rows, s_row_cmp);
    Hcap__OutcomesReport r = HCAP__OUTCOMES_REPORT__INIT;
    r.rows = rows;
    r.n_rows = n;
    r.total = total;
    return hc_msg_pack(&r.base, arena, size);
}
