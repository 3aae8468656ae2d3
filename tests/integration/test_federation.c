/* Federation end to end on loopback: a central node and three regions
   (r1 and r2 admitted, r3's key not), a fund written at each region through
   HTTP; central's per-node counts equal what the admitted regions logged,
   by=node outcomes count their participants, r3 gets nothing in; no name,
   email, birth date, external id, worker id or free text written at a
   region is anywhere in central's data directory; the uplink's bytes on
   the wire (through a recording relay) hold no cleartext, and a plain
   ZeroMQ client sending a well-formed batch gets nothing in. */
#include "ht.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include "hcap.pb-c.h"

#define S_REGIONS    3
#define S_WORKERS    12
#define S_COMPLETERS 6
#define S_FLOW_MS    90000 /* forwarded, committed, acked: sanitizer builds on 2 busy cores */
#define S_MAX_SECRET 128

typedef struct {
    const char *id; /* node id */
    bool allowed;   /* its key is filed at central */
    bool proxied;   /* its uplink goes through the recording relay */
    ht_node *node;
    char *employer, *program, *cohort; /* ids at the region */
    char employer_name[96], program_code[64], credential_code[64], appr_code[64];
    char *workers[S_WORKERS];
    char *personal[S_MAX_SECRET]; /* values that must stay at the region (copies) */
    size_t n_personal;
} s_region;

static ht_node *s_central;
static ht_proxy *s_proxy;
static s_region s_regions[S_REGIONS] = {
    {.id = "r1", .allowed = true},
    {.id = "r2", .allowed = true, .proxied = true},
    {.id = "r3"},
};

static void s_fini(void)
{
    for (int i = 0; i < S_REGIONS; i++) {
        ht_node_destroy(&s_regions[i].node);
        free(s_regions[i].employer);
        free(s_regions[i].program);
        free(s_regions[i].cohort);
        for (int w = 0; w < S_WORKERS; w++)
            free(s_regions[i].workers[w]);
        for (size_t k = 0; k < s_regions[i].n_personal; k++)
            free(s_regions[i].personal[k]);
    }
    ht_proxy_destroy(&s_proxy);
    ht_node_destroy(&s_central);
}

TestSuite(federation, .fini = s_fini, .timeout = 170);

/* --- the nodes --- */

static void s_start_central(int listen_port)
{
    const char *listen = ht_fmt("tcp://127.0.0.1:%d", listen_port);
    const char *args[] = {"--role", "central", "--listen", listen, NULL};
    s_central = ht_node_start_argv(NULL, NULL, args);
    cr_assert(s_central, "the central node did not start");
}

/* Launches every region at once (r2 through the relay), files r1's and
   r2's keys at central, then waits for all three. */
static void s_start_regions(int listen_port)
{
    const char *key = ht_fmt("%s/node.pub", s_central->dir);
    for (int i = 0; i < S_REGIONS; i++) {
        s_region *r = &s_regions[i];
        int port = r->proxied ? ht_proxy_port(s_proxy) : listen_port;
        const char *uplink = ht_fmt("tcp://127.0.0.1:%d", port);
        const char *args[] = {"--node-id", r->id, "--uplink", uplink, "--central-key", key, NULL};
        r->node = ht_node_launch(NULL, NULL, args);
        cr_assert(r->node, "region %s was not launched", r->id);
    }
    for (int i = 0; i < S_REGIONS; i++)
        if (s_regions[i].allowed)
            ht_fed_allow(s_central->dir, s_regions[i].node->dir, s_regions[i].id, 30000);
    for (int i = 0; i < S_REGIONS; i++)
        cr_assert_eq(ht_node_await(s_regions[i].node), 0, "region %s did not start",
                     s_regions[i].id);
}

/* --- the fund written at a region --- */

/* Remembers a value written at the region that must never leave it;
   returns the copy. */
static const char *s_keep(s_region *r, const char *value)
{
    cr_assert_lt(r->n_personal, S_MAX_SECRET);
    r->personal[r->n_personal] = strdup(value);
    return r->personal[r->n_personal++];
}

static void s_fund_basics(s_region *r)
{
    ht_node *node = r->node;
    snprintf(r->employer_name, sizeof r->employer_name, "%s", ht_uniq("Harborview Clinic "));
    snprintf(r->program_code, sizeof r->program_code, "%s", ht_uniq("FEDCNA-"));
    snprintf(r->credential_code, sizeof r->credential_code, "%s", ht_uniq("FEDCERT-"));
    snprintf(r->appr_code, sizeof r->appr_code, "%s", ht_uniq("FEDAPPR-"));
    r->employer = ht_create(node, "/v1/employers",
                            "{\"name\":\"%s\",\"sector\":\"acute\",\"state\":\"OR\","
                            "\"union_local\":\"%s\"}",
                            r->employer_name, s_keep(r, ht_uniq("Local Unionist ")));
    json_decref(ht_expect(node, 201, "POST", "/v1/credential-types",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Nursing assistant certificate\","
                                 "\"kind\":\"certificate\",\"issuer\":\"State board\"}",
                                 r->credential_code)));
    r->program =
        ht_create(node, "/v1/programs",
                  "{\"code\":\"%s\",\"name\":\"Nursing assistant\","
                  "\"kind\":\"credential_training\",\"credential_code\":\"%s\","
                  "\"hours\":120,\"provider\":\"%s\"}",
                  r->program_code, r->credential_code, s_keep(r, ht_uniq("Providerhall ")));
    r->cohort = ht_create(node, "/v1/cohorts",
                          "{\"program_id\":\"%s\",\"name\":\"%s\",\"start_date\":\"2025-02-03\","
                          "\"end_date\":\"2025-06-27\",\"capacity\":40}",
                          r->program, s_keep(r, ht_uniq("Cohortname ")));
}

/* One worker with every personal field, enrolled; completers complete
   and get the program's credential. */
static void s_fund_worker(s_region *r, int i)
{
    ht_node *node = r->node;
    const char *given = s_keep(r, ht_uniq("Ysolde"));
    const char *family = s_keep(r, ht_uniq("Marchbank"));
    const char *email = s_keep(r, ht_fmt("%s.%s@mail.example", given, family));
    const char *external = s_keep(r, ht_uniq("XID-"));
    const char *birth =
        s_keep(r, ht_fmt("19%02d-%02d-%02d", 55 + i + 3 * (r->id[1] - '1'), 1 + i % 12, 3 + i));
    r->workers[i] =
        ht_create(node, "/v1/workers",
                  "{\"given_name\":\"%s\",\"family_name\":\"%s\",\"email\":\"%s\","
                  "\"external_id\":\"%s\",\"birth_date\":\"%s\",\"gender\":\"%s\","
                  "\"race_ethnicity\":[\"asian\"],\"employer_id\":\"%s\","
                  "\"employment_status\":\"incumbent\"}",
                  given, family, email, external, birth, i % 2 ? "male" : "female", r->employer);
    s_keep(r, r->workers[i]);
    char *enrollment =
        ht_create(node, "/v1/enrollments", "{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}",
                  r->workers[i], r->cohort);
    const char *path = ht_fmt("/v1/enrollments/%s/status", enrollment);
    json_decref(
        ht_expect(node, 200, "POST", path, "{\"status\":\"active\",\"date\":\"2025-02-03\"}"));
    if (i < S_COMPLETERS) {
        json_decref(ht_expect(node, 200, "POST", path,
                              ht_fmt("{\"status\":\"completed\",\"date\":\"2025-06-27\","
                                     "\"hours_attended\":118,\"reason\":\"%s\"}",
                                     s_keep(r, ht_uniq("Reasontext ")))));
        free(ht_create(node, "/v1/credentials",
                       "{\"worker_id\":\"%s\",\"credential_code\":\"%s\","
                       "\"issued_on\":\"2025-06-30\",\"evidence\":\"%s\"}",
                       r->workers[i], r->credential_code, s_keep(r, ht_uniq("Evidencefile "))));
    }
    free(enrollment);
}

/* An apprenticeship program, the first worker registered with a mentor,
   a day of hours approved by a named supervisor. */
static void s_fund_apprentice(s_region *r)
{
    ht_node *node = r->node;
    json_decref(ht_expect(node, 201, "POST", "/v1/apprenticeship-programs",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Nursing assistant "
                                 "apprenticeship\",\"occupation\":\"Nursing assistant\","
                                 "\"approach\":\"time_based\",\"ojl_hours\":200,"
                                 "\"rti_hours\":20}",
                                 r->appr_code)));
    char *apprentice =
        ht_create(node, "/v1/apprentices",
                  "{\"worker_id\":\"%s\",\"program_code\":\"%s\","
                  "\"employer_id\":\"%s\",\"mentor\":\"%s\","
                  "\"start_date\":\"2025-03-03\"}",
                  r->workers[0], r->appr_code, r->employer, s_keep(r, ht_uniq("Mentorperson ")));
    json_t *reply = NULL;
    int status = ht_json_post(node, ht_fmt("/v1/apprentices/%s/hours", apprentice),
                              ht_fmt("{\"kind\":\"ojl\",\"date\":\"2025-03-04\",\"hours\":8,"
                                     "\"approved_by\":\"%s\"}",
                                     s_keep(r, ht_uniq("Approverperson "))),
                              &reply);
    cr_assert(status == 200 || status == 201, "hours -> %d %s", status, ht_jtext(reply));
    json_decref(reply);
    free(apprentice);
}

static void s_fund(s_region *r)
{
    s_fund_basics(r);
    for (int i = 0; i < S_WORKERS; i++)
        s_fund_worker(r, i);
    s_fund_apprentice(r);
}

/* --- central's view --- */

/* Waits until central has every event the region logged; asserts. */
static int64_t s_wait_forwarded(const s_region *r)
{
    int64_t want = -1;
    int64_t got = ht_fed_wait_events(s_central, r->id, r->node->dir, S_FLOW_MS, &want);
    cr_assert_eq(got, want, "central has %lld events of %s, its logs hold %lld", (long long)got,
                 r->id, (long long)want);
    return got;
}

/* Waits until central's reporting has applied the hub's whole log. */
static void s_wait_central_reporting(void)
{
    int64_t head = ht_events_head(s_central->dir, "central", 5000);
    cr_assert_geq(head, 1, "the hub's log is empty or does not answer");
    json_t *status = NULL;
    for (int64_t until = ht_now_ms() + S_FLOW_MS;; ht_sleep_ms(100)) {
        json_decref(status);
        status = NULL;
        ht_json_get(s_central, "/v1/reports/status", &status);
        json_int_t seq = ht_jint(status, "followers.0.seq");
        if (ht_jlen(status, "followers") == 1 && seq >= head)
            break;
        cr_assert_lt(ht_now_ms(), until, "central reporting never reached the hub's head %lld: %s",
                     (long long)head, ht_jtext(status));
    }
    cr_assert_str_eq(ht_jstr(status, "followers.0.source"), "central", "%s", ht_jtext(status));
    json_decref(status);
}

/* The by=node row of node_id, or NULL (borrowed from outcomes). */
static json_t *s_row(json_t *outcomes, const char *node_id)
{
    for (long i = 0; i < ht_jlen(outcomes, "rows"); i++) {
        const char *group = ht_jstr(outcomes, "rows.%ld.group", i);
        if (group && strcmp(group, node_id) == 0)
            return ht_jget(outcomes, "rows.%ld", i);
    }
    return NULL;
}

static void s_assert_outcomes_by_node(void)
{
    json_t *outcomes = ht_expect(s_central, 200, "GET", "/v1/reports/outcomes?by=node", NULL);
    cr_assert_str_eq(ht_jstr(outcomes, "by"), "node", "%s", ht_jtext(outcomes));
    for (int i = 0; i < S_REGIONS; i++) {
        json_t *row = s_row(outcomes, s_regions[i].id);
        if (!s_regions[i].allowed) {
            cr_assert(!row || ht_jint(row, "participants") == 0, "%s has a row: %s",
                      s_regions[i].id, ht_jtext(outcomes));
            continue;
        }
        cr_assert(row, "no row for %s: %s", s_regions[i].id, ht_jtext(outcomes));
        cr_assert_eq(ht_jint(row, "participants"), S_WORKERS, "participants of %s: %s",
                     s_regions[i].id, ht_jtext(outcomes));
    }
    json_decref(outcomes);
}

/* r3 tried and was refused: every event it logged waits in its outbox. */
static void s_assert_refused_region(const s_region *r)
{
    cr_assert_eq(ht_fed_events(s_central, r->id), 0, "central took events of %s", r->id);
    int64_t sum = ht_fed_log_sum(r->node->dir);
    json_t *status = NULL;
    for (int64_t until = ht_now_ms() + 30000;; ht_sleep_ms(200)) {
        json_decref(status);
        status = NULL;
        ht_json_get(r->node, "/v1/uplink", &status);
        if (ht_jint(status, "pending") == sum)
            break;
        cr_assert_lt(ht_now_ms(), until, "%s's uplink: %s (its logs hold %lld)", r->id,
                     ht_jtext(status), (long long)sum);
    }
    json_int_t forwarded = ht_jint(status, "forwarded");
    cr_assert(forwarded == 0 || forwarded == HT_JNONE, "%s forwarded: %s", r->id, ht_jtext(status));
    json_decref(status);
}

/* --- health, metrics and hcapctl at both ends --- */

/* The follower row (service, source) of a /healthz reply, or NULL. */
static json_t *s_follower(json_t *health, const char *service, const char *source)
{
    for (long i = 0; i < ht_jlen(health, "followers"); i++)
        if (strcmp(ht_jstr(health, "followers.%ld.service", i), service) == 0 &&
            strcmp(ht_jstr(health, "followers.%ld.source", i), source) == 0)
            return ht_jget(health, "followers.%ld", i);
    return NULL;
}

/* True when a /healthz reply has the uplink's follower of every forwarded
   log (they come with heartbeats once the followers started). */
static bool s_uplink_followers(json_t *health)
{
    for (size_t k = 0; k < HT_FED_SOURCES; k++)
        if (!s_follower(health, "uplink", ht_fed_sources[k]))
            return false;
    return true;
}

/* The region's /healthz shows its uplink's followers and its lag toward
   central: nothing behind for an admitted region, everything for r3. */
static void s_assert_region_lag(const s_region *r)
{
    int64_t want = r->allowed ? 0 : ht_fed_log_sum(r->node->dir);
    json_t *health = NULL;
    json_int_t behind = HT_JNONE;
    for (int64_t until = ht_now_ms() + 15000; ht_now_ms() < until; ht_sleep_ms(200)) {
        json_decref(health);
        health = NULL;
        ht_json_get(r->node, "/healthz", &health);
        json_t *row = s_follower(health, "uplink", "central");
        behind = row ? ht_jint(row, "events_behind") : HT_JNONE;
        if (behind == want && s_uplink_followers(health))
            break;
    }
    cr_assert_eq(behind, want, "%s's uplink row toward central: %s", r->id, ht_jtext(health));
    cr_assert(s_uplink_followers(health), "%s: the uplink's followers are missing: %s", r->id,
              ht_jtext(health));
    json_decref(health);
}

/* Central's /healthz lists the admitted nodes with their events (once
   the hub's heartbeat carried them), /metrics has their gauges, and
   `hcapctl nodes` prints them as a table and as CSV. */
static void s_assert_central_health(int64_t r1_events)
{
    json_t *health = NULL;
    json_int_t events = HT_JNONE;
    for (int64_t until = ht_now_ms() + 15000; ht_now_ms() < until; ht_sleep_ms(200)) {
        json_decref(health);
        health = NULL;
        ht_json_call(s_central, "GET", "/healthz", NULL, NULL, &health);
        for (long i = 0; i < ht_jlen(health, "nodes"); i++)
            if (strcmp(ht_jstr(health, "nodes.%ld.node", i), "r1") == 0)
                events = ht_jint(health, "nodes.%ld.events", i);
        if (events == r1_events)
            break;
    }
    cr_assert_eq(events, r1_events, "central's /healthz nodes: %s", ht_jtext(health));
    json_decref(health);
    ht_req req = {.method = "GET", .path = "/metrics", .token = s_central->token};
    ht_resp resp;
    cr_assert_eq(ht_http(s_central, &req, &resp), 200);
    const char *series =
        ht_fmt("hcap_central_node_events{node=\"r1\"} %lld\n", (long long)r1_events);
    cr_assert(strstr(resp.body, series), "no %s in /metrics:\n%s", series, resp.body);
    cr_assert(strstr(resp.body, "hcap_central_node_allowed{node=\"r2\"} 1\n"), "%s", resp.body);
    ht_resp_free(&resp);
    ht_run_result run;
    int code = ht_hcapctl(s_central, &run, "--format", "csv", "nodes", NULL);
    cr_assert_eq(code, 0, "hcapctl nodes: %s", run.err);
    cr_assert(strncmp(run.out, "node,allowed,last_seen,", 23) == 0, "%s", run.out);
    cr_assert(strstr(run.out, "\nr1,true,") && strstr(run.out, "\nr2,true,"), "%s", run.out);
    ht_run_free(&run);
    code = ht_hcapctl(s_central, &run, "nodes", NULL);
    cr_assert(code == 0 && strstr(run.out, "node ") && strstr(run.out, "\nr1 "), "%s %s", run.out,
              run.err);
    ht_run_free(&run);
}

/* --- privacy and encryption --- */

/* The scan finds each region's values in its own directory (so it would
   find them at central) and none of them at central. */
static void s_assert_nothing_personal_at_central(void)
{
    for (int i = 0; i < S_REGIONS; i++) {
        const s_region *r = &s_regions[i];
        cr_assert(ht_tree_find(r->node->dir, (const char *const *)r->personal, 1),
                  "the scan does not find %s in %s's own stores", r->personal[0], r->id);
        const char *found =
            ht_tree_find(s_central->dir, (const char *const *)r->personal, r->n_personal);
        cr_assert_null(found, "personal data of %s at central: %s", r->id, found);
    }
}

static void s_assert_capture_opaque(const s_region *r)
{
    cr_assert_gt(ht_proxy_bytes(s_proxy), 1000, "the relay saw %zu bytes", ht_proxy_bytes(s_proxy));
    const char *plain[] = {"enrollment.",    "credentialing.",   r->program_code,
                           r->employer_name, r->credential_code, r->appr_code};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        cr_assert(!ht_proxy_holds(s_proxy, plain[i]), "the wire holds \"%s\" in cleartext",
                  plain[i]);
    for (int w = 0; w < S_WORKERS; w++)
        cr_assert(!ht_proxy_holds(s_proxy, r->workers[w]), "the wire holds worker id %s",
                  r->workers[w]);
}

/* A packed UplinkBatch of one new event of node (a fresh epoch, so a hub
   that took it would count one more event). */
static zframe_t *s_probe_batch(const char *node)
{
    Hcap__Event event = HCAP__EVENT__INIT;
    event.source = (char *)ht_fmt("%s/enrollment", node);
    event.epoch = "probe-epoch";
    event.seq = 1;
    event.occurred_at = "2026-01-01T00:00:00Z";
    event.type = "enrollment.employer_created.v1";
    event.body = (ProtobufCBinaryData){0, NULL};
    Hcap__Event *events[] = {&event};
    Hcap__UplinkBatch batch = HCAP__UPLINK_BATCH__INIT;
    batch.node = (char *)node;
    batch.batch = 1;
    batch.n_events = 1;
    batch.events = events;
    size_t size = hcap__uplink_batch__get_packed_size(&batch);
    zframe_t *frame = zframe_new(NULL, size);
    hcap__uplink_batch__pack(&batch, zframe_data(frame));
    return frame;
}

/* A plain (NULL mechanism) DEALER at central's port sends a well-formed
   batch as r1: no ack comes and r1's count does not move. */
static void s_assert_plain_probe_ignored(int listen_port, int64_t before)
{
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    cr_assert(dealer);
    zsock_set_linger(dealer, 0);
    zsock_set_rcvtimeo(dealer, 3000);
    cr_assert_eq(zsock_connect(dealer, "tcp://127.0.0.1:%d", listen_port), 0);
    zframe_t *frame = s_probe_batch("r1");
    zsock_set_sndtimeo(dealer, 1000);
    zframe_send(&frame, dealer, 0);
    zframe_destroy(&frame);
    zframe_t *reply = zframe_recv(dealer);
    bool answered = reply != NULL;
    zframe_destroy(&reply);
    zsock_destroy(&dealer);
    cr_assert(!answered, "central answered a plain-text client");
    cr_assert_eq(ht_fed_events(s_central, "r1"), before, "a plain-text batch changed r1's count");
}

Test(federation, three_regions_counts_privacy_and_encryption)
{
    int listen_port = ht_free_port();
    s_start_central(listen_port);
    s_proxy = ht_proxy_start(listen_port);
    cr_assert(s_proxy, "the relay did not start");
    s_start_regions(listen_port);
    for (int i = 0; i < S_REGIONS; i++)
        s_fund(&s_regions[i]);
    int64_t r1 = s_wait_forwarded(&s_regions[0]);
    s_wait_forwarded(&s_regions[1]);
    cr_assert_geq(r1, 3 + 1 + S_WORKERS * 3 + S_COMPLETERS * 2, "r1 forwarded only %lld",
                  (long long)r1);
    s_assert_refused_region(&s_regions[2]);
    for (int i = 0; i < S_REGIONS; i++)
        s_assert_region_lag(&s_regions[i]);
    s_assert_central_health(r1);
    s_assert_plain_probe_ignored(listen_port, r1);
    s_wait_central_reporting();
    s_assert_outcomes_by_node();
    s_assert_capture_opaque(&s_regions[1]);
    s_assert_nothing_personal_at_central();
}
