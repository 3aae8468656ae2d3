/* ht_fed: admitting regions, counting what they forwarded and what
   central received, and scanning a directory for values that must not be
   there. */
#include "ht_fed.h"
#include "ht_data.h"
#include "ht_events.h"
#include "ht_http.h"
#include "ht_local.h"
#include "ht_os.h"
#include "ht_run.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const ht_fed_sources[HT_FED_SOURCES] = {"enrollment", "credentialing",
                                                    "apprenticeship"};

void ht_fed_allow(const char *central_dir, const char *region_dir, const char *node_id,
                  int timeout_ms)
{
    const char *from = ht_fmt("%s/node.pub", region_dir);
    char *pub = NULL;
    size_t size = 0;
    for (int64_t until = ht_now_ms() + timeout_ms; !pub && ht_now_ms() < until;) {
        pub = ht_read_file(from, &size);
        if (pub && size == 0) {
            free(pub);
            pub = NULL;
        }
        if (!pub)
            ht_sleep_ms(20);
    }
    cr_assert(pub, "no %s within %d ms", from, timeout_ms);
    const char *to = ht_fmt("%s/nodes/%s.pub", central_dir, node_id);
    const char *tmp = ht_fmt("%s/nodes/.%s.tmp", central_dir, node_id);
    cr_assert_eq(ht_write_file(tmp, pub, size), 0, "cannot write %s", tmp);
    cr_assert_eq(rename(tmp, to), 0, "cannot rename %s to %s", tmp, to);
    free(pub);
}

int64_t ht_fed_log_sum(const char *dir)
{
    int64_t sum = 0;
    for (size_t i = 0; i < HT_FED_SOURCES; i++) {
        int64_t head = ht_events_head(dir, ht_fed_sources[i], 5000);
        if (head < 0)
            return -1;
        sum += head;
    }
    return sum;
}

json_t *ht_fed_node(const ht_node *central, const char *node_id)
{
    json_t *reply = NULL;
    int status = ht_json_get(central, "/v1/nodes?limit=500", &reply);
    cr_assert_eq(status, 200, "GET /v1/nodes at central -> %d %s", status, ht_jtext(reply));
    json_t *found = NULL;
    for (long i = 0; i < ht_jlen(reply, "items") && !found; i++) {
        const char *node = ht_jstr(reply, "items.%ld.node", i);
        if (node && strcmp(node, node_id) == 0)
            found = json_incref(ht_jget(reply, "items.%ld", i));
    }
    json_decref(reply);
    return found;
}

/* A count field of a node item: absent (proto2 optional) is 0. */
static int64_t s_count(json_t *item, const char *field)
{
    json_t *value = item ? json_object_get(item, field) : NULL;
    if (json_is_integer(value))
        return json_integer_value(value);
    if (json_is_string(value)) /* 64-bit integers may travel as text */
        return strtoll(json_string_value(value), NULL, 10);
    return 0;
}

int64_t ht_fed_events(const ht_node *central, const char *node_id)
{
    json_t *item = ht_fed_node(central, node_id);
    int64_t events = s_count(item, "events");
    json_decref(item);
    return events;
}

int64_t ht_fed_events_ctl(const char *central_dir, const char *node_id)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/hcapctl", HCAP_BIN_DIR);
    char *argv[] = {bin, "--node", (char *)central_dir, "--format", "json", "nodes", NULL};
    ht_run_result run;
    int code = ht_run(&run, NULL, 20000, argv);
    json_t *reply = code == 0 ? json_loads(run.out, 0, NULL) : NULL;
    ht_run_free(&run);
    if (!reply)
        return -1;
    int64_t events = 0;
    for (long i = 0; i < ht_jlen(reply, "items"); i++) {
        const char *node = ht_jstr(reply, "items.%ld.node", i);
        if (node && strcmp(node, node_id) == 0)
            events = s_count(ht_jget(reply, "items.%ld", i), "events");
    }
    json_decref(reply);
    return events;
}

int64_t ht_fed_wait_events(const ht_node *central, const char *node_id, const char *region_dir,
                           int timeout_ms, int64_t *want)
{
    int64_t got = -1, sum = -1;
    for (int64_t until = ht_now_ms() + timeout_ms; ht_now_ms() < until; ht_sleep_ms(100)) {
        sum = ht_fed_log_sum(region_dir);
        got = ht_fed_events(central, node_id);
        if (sum >= 0 && got == sum)
            break;
    }
    if (want)
        *want = sum;
    return got;
}

/* nftw has no user argument: the scan in progress. */
static struct {
    const char *const *needles;
    size_t n;
    const char *found;
} s_scan;

static int s_scan_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    size_t size = 0;
    char *bytes = ht_read_file(path, &size);
    for (size_t i = 0; bytes && i < s_scan.n && !s_scan.found; i++)
        if (ht_bytes_in((const uint8_t *)bytes, size, s_scan.needles[i]))
            s_scan.found = ht_fmt("%s: %s", path, s_scan.needles[i]);
    free(bytes);
    return s_scan.found ? 1 : 0;
}

const char *ht_tree_find(const char *dir, const char *const *needles, size_t n)
{
    s_scan.needles = needles;
    s_scan.n = n;
    s_scan.found = NULL;
    nftw(dir, s_scan_file, 16, FTW_PHYS);
    return s_scan.found;
}
