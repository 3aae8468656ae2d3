/* Tests of central reporting: real events of in-process enrollment
   services of four regions (west 12 workers, east 11, north 3, south 2,
   each with its own program "CNA"), forwarded the way the hub logs them
   (central.event_received.v1 wrapping the region's event) into a hub log
   that a real follower applies to rep_central_service: exact counts
   by=node from 10 workers on, hidden below, for an admin too; the age band
   taken from age_band; bad wrappers dead-lettered with a reason naming
   them; a reset and a rebuild that give the same reports again. A
   region's log arriving under a new epoch (the region restored from a
   backup taken after its 8th worker) first takes back what its old epoch
   derived, that node's and service's only: its workers, facts and the
   shared rows only it wrote, while a program code other regions hold
   stays; the report model then counts exactly what the SQL counts; an
   event of the epoch a log left is skipped; a rebuild replays both epochs
   in the hub's order to the same reports. */
#include <criterion/criterion.h>
#include "ht_reports.h"
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include "ht_data.h"
#include "ht_local.h"
#include "ht_os.h"
#include "hc_eventlog.h"
#include "hc_follower.h"
#include "hc_query.h"
#include "hc_time.h"
#include "credentialing.pb-c.h"
#include "enrollment_server.h"
#include "hc_msg.h"
#include "reporting_index.h"
#include "reporting_model.h"
#include "reporting_query.h"
#include "reporting_server.h"
#include "reporting_store.h"

#define S_OCCURRED "2026-03-01T12:00:00.000Z"
#define S_NODES    4

typedef struct {
    const char *name;
    int workers;
    const char *band; /* the age_band forwarded instead of birth_date; NULL: as written */
    ht_local enr;
    uint64_t forwarded; /* the last seq of its log forwarded */
} s_region;

static s_region s_regions[S_NODES] = {
    {"west", 12, "45_54", {0}, 0},
    {"east", 11, "teen", {0}, 0},
    {"north", 3, NULL, {0}, 0},
    {"south", 2, "25_34", {0}, 0},
};

static char s_dir[64];
static char s_fetch_ep[128], s_bell_ep[128];
static hc_store *s_hub_store;
static hc_eventlog *s_hub;
static zloop_t *s_loop;
static hc_follower *s_follower;
static ht_local s_rep;
static const char *s_epoch; /* of the events s_forward wraps */
static char *s_west[12];    /* west's workers, in the order they were made */
static rep_model *s_model;  /* a report model beside the service's, for model == SQL */

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/hcap-hub-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_fetch_ep, sizeof s_fetch_ep, "ipc://%s/central-events.ipc", s_dir);
    snprintf(s_bell_ep, sizeof s_bell_ep, "ipc://%s/central-bell.ipc", s_dir);
    char path[128];
    snprintf(path, sizeof path, "%s/central.db", s_dir);
    hc_error err;
    s_hub_store = hc_store_open(path, NULL, &err);
    cr_assert_not_null(s_hub_store, "%s", err.message);
    s_hub = hc_eventlog_new(s_hub_store, "hub/central", &err);
    cr_assert_not_null(s_hub, "%s", err.message);
    s_loop = zloop_new();
    cr_assert_eq(hc_eventlog_serve(s_hub, s_loop, s_fetch_ep, s_bell_ep, &err), HC_OK, "%s",
                 err.message);
    ht_local_open(&s_rep, &rep_central_service);
    s_follower =
        hc_follower_new(hc_service_store(s_rep.svc), "central", s_fetch_ep, s_bell_ep,
                        rep_project_central, rep_project_reset, hc_service_state(s_rep.svc));
    cr_assert_not_null(s_follower);
    cr_assert_eq(hc_follower_start(s_follower, s_loop), HC_OK);
    for (int i = 0; i < S_NODES; i++) {
        ht_local_open(&s_regions[i].enr, &enr_service);
        s_regions[i].forwarded = 0;
    }
    s_epoch = "e1";
    s_model = rep_model_new();
}

static void s_teardown(void)
{
    for (int i = 0; i < S_NODES; i++)
        ht_local_close(&s_regions[i].enr);
    hc_follower_destroy(&s_follower);
    hc_eventlog_destroy(&s_hub);
    zloop_destroy(&s_loop);
    hc_store_destroy(&s_hub_store);
    rep_model_destroy(&s_model);
    ht_local_close(&s_rep);
    ht_rmtree(s_dir);
}

TestSuite(reporting_central, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* --- the hub's log --- */

/* Appends one event to the hub's log in its own transaction. */
static void s_hub_append(const char *type, const ProtobufCMessage *body)
{
    hc_error err;
    cr_assert_eq(hc_store_begin(s_hub_store, &err), HC_OK, "%s", err.message);
    cr_assert_eq(hc_eventlog_append(s_hub, type, NULL, body, NULL, &err), HC_OK, "%s", err.message);
    cr_assert_eq(hc_store_commit(s_hub_store, &err), HC_OK, "%s", err.message);
    hc_eventlog_ring(s_hub);
}

/* Forwards one event of source as the hub logs it. */
static void s_forward(const char *source, uint64_t seq, const char *type, const uint8_t *body,
                      size_t size)
{
    Hcap__Event inner = HCAP__EVENT__INIT;
    inner.source = (char *)source;
    inner.epoch = (char *)s_epoch;
    inner.seq = seq;
    inner.occurred_at = S_OCCURRED;
    inner.type = (char *)type;
    inner.body.data = (uint8_t *)body;
    inner.body.len = size;
    s_hub_append(REP_EV_CENTRAL_RECEIVED, &inner.base);
}

/* Forwards body packed as source's event. */
static void s_forward_message(const char *source, uint64_t seq, const char *type,
                              const ProtobufCMessage *body)
{
    size_t size = protobuf_c_message_get_packed_size(body);
    uint8_t *bytes = hc_arena_alloc(s_rep.arena, size + 1);
    protobuf_c_message_pack(body, bytes);
    s_forward(source, seq, type, bytes, size);
}

typedef struct {
    s_region *region;
    char source[64];
    uint64_t last; /* forward no seq after it; 0: all */
} s_forwarding;

/* A region's event as its uplink sends it: a worker's birth date becomes
   the region's band when it has one. */
static void s_forward_one(void *arg, uint64_t seq, const char *type, const char *subject,
                          const uint8_t *body, size_t size)
{
    (void)subject;
    s_forwarding *f = arg;
    if (seq <= f->region->forwarded || (f->last && seq > f->last))
        return;
    f->region->forwarded = seq;
    bool worker = strcmp(type, "enrollment.worker_registered.v1") == 0 ||
                  strcmp(type, "enrollment.worker_updated.v1") == 0;
    Hcap__Worker *w = worker && f->region->band ? hcap__worker__unpack(NULL, size, body) : NULL;
    if (!w) {
        s_forward(f->source, seq, type, body, size);
        return;
    }
    char *birth = w->birth_date;
    w->birth_date = NULL;
    w->age_band = (char *)f->region->band;
    s_forward_message(f->source, seq, type, &w->base);
    w->birth_date = birth;
    w->age_band = NULL;
    hcap__worker__free_unpacked(w, NULL);
}

/* Forwards what region logged since the last call, up to seq last (0: all). */
static void s_forward_region_upto(s_region *region, uint64_t last)
{
    s_forwarding f = {region, "", last};
    snprintf(f.source, sizeof f.source, "%s/enrollment", region->name);
    hc_error err;
    cr_assert_eq(hc_query_events_each(hc_service_store(region->enr.svc), s_forward_one, &f, &err),
                 HC_OK, "%s", err.message);
}

static void s_forward_region(s_region *region)
{
    s_forward_region_upto(region, 0);
}

/* --- the follower --- */

static int s_on_check(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    int64_t *deadline = arg;
    bool done = hc_follower_seq(s_follower) == hc_eventlog_head(s_hub);
    return done || hc_clock_ms() >= *deadline ? -1 : 0;
}

/* Runs the loop until the follower has every event of the hub's log. */
static void s_catch_up(void)
{
    int64_t deadline = hc_clock_ms() + 10000;
    int timer = zloop_timer(s_loop, 5, 0, s_on_check, &deadline);
    zloop_start(s_loop);
    zloop_timer_end(s_loop, timer);
    cr_assert_eq(hc_follower_seq(s_follower), hc_eventlog_head(s_hub),
                 "central reporting applied %llu of %llu",
                 (unsigned long long)hc_follower_seq(s_follower),
                 (unsigned long long)hc_eventlog_head(s_hub));
}

/* --- the regions' funds --- */

#define S_OK(local, method, in, out) ht_local_ok(&(local), method, &(in).base, out)

static char *s_cohort(ht_local *enr)
{
    Hcap__CreateProgramRequest program = HCAP__CREATE_PROGRAM_REQUEST__INIT;
    program.code = "CNA";
    program.name = "Certified Nursing Assistant";
    program.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
    Hcap__Program *p = NULL;
    S_OK(*enr, "CreateProgram", program, &p);
    Hcap__CreateCohortRequest cohort = HCAP__CREATE_COHORT_REQUEST__INIT;
    cohort.program_id = p->id;
    cohort.name = "Spring";
    cohort.start_date = "2026-02-01";
    cohort.capacity = 50;
    Hcap__Cohort *c = NULL;
    S_OK(*enr, "CreateCohort", cohort, &c);
    return c->id;
}

/* A worker born 1985-01-01 (35_44 on S_OCCURRED), enrolled in cohort. */
static char *s_enrolled_worker(ht_local *enr, const char *cohort)
{
    Hcap__CreateWorkerRequest req = HCAP__CREATE_WORKER_REQUEST__INIT;
    req.given_name = "Philippa";
    req.family_name = "Oduyaqz";
    req.birth_date = "1985-01-01";
    req.employment_status = HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT;
    Hcap__Worker *w = NULL;
    S_OK(*enr, "CreateWorker", req, &w);
    Hcap__CreateEnrollmentRequest enroll = HCAP__CREATE_ENROLLMENT_REQUEST__INIT;
    enroll.worker_id = w->id;
    enroll.cohort_id = (char *)cohort;
    S_OK(*enr, "CreateEnrollment", enroll, NULL);
    return w->id;
}

/* A credential awarded to worker, as credentialing's log carries it. */
static void s_forward_credential(const char *node, uint64_t seq, const char *worker)
{
    Hcap__Credential c = HCAP__CREDENTIAL__INIT;
    char id[64], source[64];
    snprintf(id, sizeof id, "crd_%s_%llu", node, (unsigned long long)seq);
    snprintf(source, sizeof source, "%s/credentialing", node);
    c.id = id;
    c.worker_id = (char *)worker;
    c.credential_code = "CNA-CERT";
    c.issued_on = "2026-02-20";
    c.status = HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_ACTIVE;
    s_forward_message(source, seq, "credentialing.credential_awarded.v1", &c.base);
}

/* Every region's fund forwarded and applied; west's workers also got a
   credential each. */
static void s_fund(void)
{
    for (int i = 0; i < S_NODES; i++) {
        s_region *r = &s_regions[i];
        const char *cohort = s_cohort(&r->enr);
        for (int w = 0; w < r->workers; w++) {
            char *worker = s_enrolled_worker(&r->enr, cohort);
            if (i == 0)
                s_forward_credential(r->name, (uint64_t)w + 1, worker);
            if (i == 0)
                s_west[w] = worker;
        }
        s_forward_region(r);
    }
    s_catch_up();
}

/* --- reading the reports --- */

static Hcap__OutcomesReport *s_outcomes_as(Hcap__Role role, Hcap__Dimension by)
{
    Hcap__Principal who = HCAP__PRINCIPAL__INIT;
    who.name = "someone";
    who.role = role;
    Hcap__OutcomesRequest req = HCAP__OUTCOMES_REQUEST__INIT;
    req.by = by;
    ProtobufCMessage *out = NULL;
    hc_error err;
    int rc = hc_service_invoke(s_rep.svc, "GetOutcomes", &req.base, &who, s_rep.arena, &out, &err);
    cr_assert_eq(rc, HC_OK, "GetOutcomes: %s", err.message);
    return (Hcap__OutcomesReport *)out;
}

static const Hcap__OutcomeRow *s_row(const Hcap__OutcomesReport *r, const char *group)
{
    for (size_t i = 0; i < r->n_rows; i++)
        if (strcmp(r->rows[i]->group, group) == 0)
            return r->rows[i];
    cr_assert_fail("no row %s", group);
    return NULL;
}

/* A shown count of value. */
static void s_shown(protobuf_c_boolean has, uint32_t count, uint32_t value, const char *what)
{
    cr_assert(has, "%s is hidden", what);
    cr_assert_eq(count, value, "%s: %u, expected %u", what, count, value);
}

static int64_t s_count(const char *sql)
{
    sqlite3_stmt *stmt = hc_store_stmt(hc_service_store(s_rep.svc), sql);
    cr_assert_not_null(stmt, "%s", sql);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return value;
}

/* The by=node report every role gets at central. */
static void s_assert_by_node(const Hcap__OutcomesReport *r)
{
    cr_assert_eq(r->n_rows, 4, "a row per node");
    cr_assert_str_eq(r->rows[0]->group, "east");
    cr_assert_str_eq(r->rows[3]->group, "west");
    s_shown(s_row(r, "west")->has_participants, s_row(r, "west")->participants, 12, "west");
    s_shown(s_row(r, "east")->has_participants, s_row(r, "east")->participants, 11, "east");
    s_shown(s_row(r, "west")->has_credentials, s_row(r, "west")->credentials, 12, "credentials");
    for (int i = 2; i < S_NODES; i++) {
        const Hcap__OutcomeRow *row = s_row(r, s_regions[i].name);
        cr_assert_not(row->has_participants, "%s: %u shown", s_regions[i].name, row->participants);
        cr_assert(row->has_suppressed && row->suppressed, "%s row suppressed", s_regions[i].name);
    }
    cr_assert_not(s_row(r, "west")->has_suppressed && s_row(r, "west")->suppressed);
    s_shown(r->total->has_participants, r->total->participants, 28, "total");
}

/* --- tests --- */

Test(reporting_central, by_node_counts_are_exact_from_ten_workers_and_hidden_below)
{
    s_fund();
    s_assert_by_node(s_outcomes_as(HCAP__ROLE__ROLE_ANALYST, HCAP__DIMENSION__DIMENSION_NODE));
    cr_assert_eq(s_count("SELECT count(*) FROM hc_dead_letters"), 0,
                 "four regions' programs of one code all apply");
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE node = 'west'"), 12);
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE node IS NULL"), 0);
}

Test(reporting_central, every_role_gets_the_suppressed_reports)
{
    s_fund();
    s_assert_by_node(s_outcomes_as(HCAP__ROLE__ROLE_ADMIN, HCAP__DIMENSION__DIMENSION_NODE));
    s_assert_by_node(s_outcomes_as(HCAP__ROLE__ROLE_STAFF, HCAP__DIMENSION__DIMENSION_NODE));
    Hcap__OutcomesRequest req = HCAP__OUTCOMES_REQUEST__INIT;
    req.by = HCAP__DIMENSION__DIMENSION_NODE;
    Hcap__OutcomesReport *internal = NULL;
    ht_local_ok(&s_rep, "GetOutcomes", &req.base, &internal);
    s_assert_by_node(internal);
    Hcap__ApprenticeshipReportRequest appr_req = HCAP__APPRENTICESHIP_REPORT_REQUEST__INIT;
    Hcap__ApprenticeshipReport *appr = NULL;
    ht_local_ok(&s_rep, "GetApprenticeshipReport", &appr_req.base, &appr);
    cr_assert(appr->has_registered && appr->registered == 0, "0 is shown");
}

Test(reporting_central, the_age_band_comes_from_age_band)
{
    s_fund();
    Hcap__OutcomesReport *r =
        s_outcomes_as(HCAP__ROLE__ROLE_ADMIN, HCAP__DIMENSION__DIMENSION_AGE_BAND);
    s_shown(s_row(r, "45_54")->has_participants, s_row(r, "45_54")->participants, 12,
            "west's band");
    s_shown(s_row(r, "unknown")->has_participants, s_row(r, "unknown")->participants, 11,
            "east's band is not one of hc_age_band's");
    cr_assert_eq(
        s_count("SELECT count(*) FROM workers WHERE node = 'north' AND age_band = '35_44'"), 3,
        "a birth date still gives the band");
    cr_assert_eq(
        s_count("SELECT count(*) FROM workers WHERE node = 'south' AND age_band = '25_34'"), 2);
}

/* Each bad wrapper, the field its dead letter's reason names. */
static void s_bad_wrappers(void)
{
    Hcap__Worker w = HCAP__WORKER__INIT;
    w.id = "wkr_x";
    size_t size = protobuf_c_message_get_packed_size(&w.base);
    uint8_t bytes[64];
    cr_assert_lt(size, sizeof bytes);
    protobuf_c_message_pack(&w.base, bytes);
    Hcap__Event inner = HCAP__EVENT__INIT;
    inner.source = "west/enrollment";
    inner.epoch = "e1";
    inner.seq = 900;
    inner.occurred_at = S_OCCURRED;
    inner.type = "enrollment.worker_registered.v1";
    inner.body.data = bytes;
    inner.body.len = size;
    s_hub_append("central.node_admitted.v1", &inner.base);
    Hcap__GetRequest not_an_event = HCAP__GET_REQUEST__INIT;
    not_an_event.id = "x";
    s_hub_append(REP_EV_CENTRAL_RECEIVED, &not_an_event.base);
    s_forward("nonode", 901, inner.type, bytes, size);
    s_forward("/enrollment", 902, inner.type, bytes, size);
    s_forward("west/reporting", 903, inner.type, bytes, size);
    s_forward("west/enrollment", 904, "enrollment.worker_teleported.v1", bytes, size);
}

Test(reporting_central, bad_wrappers_are_dead_letters_naming_what_is_wrong)
{
    s_fund();
    s_bad_wrappers();
    s_catch_up();
    Hcap__ListRequest req = HCAP__LIST_REQUEST__INIT;
    Hcap__DeadLetterList *list = NULL;
    ht_local_ok(&s_rep, "ListDeadLetters", &req.base, &list);
    cr_assert_eq(list->n_items, 6);
    static const char *reasons[] = {
        "event type central.node_admitted.v1 is not known",
        "central.event_received.v1 body is not an hcap.Event",
        "forwarded event source nonode is not <node>/enrollment",
        "forwarded event source /enrollment is not",
        "forwarded event source west/reporting is not",
        "forwarded west/enrollment seq 904: event type enrollment.worker_teleported.v1 is not",
    };
    for (size_t i = 0; i < list->n_items; i++) {
        cr_expect_str_eq(list->items[i]->follower, "central");
        cr_expect_not_null(strstr(list->items[i]->reason, reasons[i]), "letter %zu: %s", i,
                           list->items[i]->reason);
    }
    s_assert_by_node(s_outcomes_as(HCAP__ROLE__ROLE_ANALYST, HCAP__DIMENSION__DIMENSION_NODE));
}

Test(reporting_central, a_reset_clears_and_a_rebuild_replays_the_same_reports)
{
    s_fund();
    hc_store *store = hc_service_store(s_rep.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_eq(rep_project_reset(hc_service_state(s_rep.svc), store, "hub/central", &err), HC_OK,
                 "%s", err.message);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
    cr_assert_eq(s_count("SELECT count(*) FROM workers"), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM facts"), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM program_ids"), 0);

    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__RebuildReply *rebuilt = NULL;
    ht_local_ok(&s_rep, "Rebuild", &empty.base, &rebuilt);
    cr_assert_eq(rebuilt->followers, 1, "the hub's cursor");
    hc_follower_reload(s_follower);
    hc_follower_poke(s_follower);
    s_catch_up();
    s_assert_by_node(s_outcomes_as(HCAP__ROLE__ROLE_ADMIN, HCAP__DIMENSION__DIMENSION_NODE));
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE node = 'east'"), 11);
}

Test(reporting_central, a_region_refuses_by_node_and_keeps_no_node)
{
    ht_local region = {0};
    ht_local_open(&region, &rep_service);
    Hcap__OutcomesRequest req = HCAP__OUTCOMES_REQUEST__INIT;
    req.by = HCAP__DIMENSION__DIMENSION_NODE;
    ht_local_fails(&region, "GetOutcomes", &req.base, HC_INVALID_ARGUMENT, "by");
    Hcap__Worker w = HCAP__WORKER__INIT;
    w.id = "wkr_1";
    w.age_band = "45_54";
    uint8_t bytes[64];
    Hcap__Event event = HCAP__EVENT__INIT;
    event.source = "west/enrollment";
    event.epoch = "e1";
    event.seq = 1;
    event.occurred_at = S_OCCURRED;
    event.type = "enrollment.worker_registered.v1";
    event.body.data = bytes;
    event.body.len = protobuf_c_message_pack(&w.base, bytes);
    hc_store *store = hc_service_store(region.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_eq(rep_project_enrollment(hc_service_state(region.svc), store, &event, &err), HC_OK,
                 "%s", err.message);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
    sqlite3_stmt *stmt = hc_store_stmt(store, "SELECT node IS NULL, age_band FROM workers");
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(stmt, 0), 1, "a region's worker has no node");
    cr_expect_str_eq((const char *)sqlite3_column_text(stmt, 1), "45_54");
    sqlite3_reset(stmt);
    ht_local_close(&region);
}

/* --- a region restored: its logs under a new epoch --- */

static const Hcap__Dimension s_dims[] = {
    HCAP__DIMENSION__DIMENSION_NODE,     HCAP__DIMENSION__DIMENSION_AGE_BAND,
    HCAP__DIMENSION__DIMENSION_GENDER,   HCAP__DIMENSION__DIMENSION_EMPLOYMENT_STATUS,
    HCAP__DIMENSION__DIMENSION_PROGRAM,  HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY,
    HCAP__DIMENSION__DIMENSION_EMPLOYER, HCAP__DIMENSION__DIMENSION_PREFERRED_LANGUAGE,
};

/* The report model (synced as a handler syncs it: the first sync after a
   reset reloads it whole) counts what the SQL counts, by every dimension,
   and the indicators. */
static void s_model_equals_sql(void)
{
    hc_store *store = hc_service_store(s_rep.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin_read(store, &err), HC_OK);
    cr_assert_eq(rep_model_sync(s_model, store, &err), HC_OK, "%s", err.message);
    for (size_t d = 0; d < sizeof s_dims / sizeof s_dims[0]; d++) {
        Hcap__OutcomeRow **ri, **rs, *ti, *ts;
        size_t ni, ns, si, ss;
        cr_assert_eq(
            rep_index_outcomes(s_model, s_dims[d], NULL, NULL, s_rep.arena, &ri, &ni, &ti, &err),
            HC_OK, "%s", err.message);
        cr_assert_eq(
            rep_query_outcomes(store, s_dims[d], NULL, NULL, s_rep.arena, &rs, &ns, &ts, &err),
            HC_OK, "%s", err.message);
        uint8_t *a = ht_outcomes_packed(ri, ni, ti, s_rep.arena, &si),
                *b = ht_outcomes_packed(rs, ns, ts, s_rep.arena, &ss);
        cr_assert(si == ss && memcmp(a, b, si) == 0, "by %d: %zu rows from the model, %zu from SQL",
                  s_dims[d], ni, ns);
    }
    Hcap__IndicatorsReport x = HCAP__INDICATORS_REPORT__INIT, y = HCAP__INDICATORS_REPORT__INIT;
    cr_assert_eq(rep_index_indicators(s_model, store, NULL, NULL, "2026-11-22", &x, &err), HC_OK);
    cr_assert_eq(rep_query_indicators(store, NULL, NULL, "2026-11-22", &y, &err), HC_OK);
    size_t sx, sy;
    uint8_t *px = hc_msg_pack(&x.base, s_rep.arena, &sx);
    uint8_t *py = hc_msg_pack(&y.base, s_rep.arena, &sy);
    cr_assert(sx == sy && memcmp(px, py, sx) == 0, "the indicators differ");
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
}

/* node's by=node row as the SQL counts it, unsuppressed; NULL when none. */
static const Hcap__OutcomeRow *s_node_row(const char *node)
{
    Hcap__OutcomeRow **rows, *total;
    size_t n;
    hc_error err;
    cr_assert_eq(rep_query_outcomes(hc_service_store(s_rep.svc), HCAP__DIMENSION__DIMENSION_NODE,
                                    NULL, NULL, s_rep.arena, &rows, &n, &total, &err),
                 HC_OK, "%s", err.message);
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i]->group, node) == 0)
            return rows[i];
    return NULL;
}

static void s_node_counts(const char *node, uint32_t participants, uint32_t credentials)
{
    const Hcap__OutcomeRow *row = s_node_row(node);
    cr_assert_not_null(row, "no row of %s", node);
    cr_assert_eq(row->participants, participants, "%s: %u participants, expected %u", node,
                 row->participants, participants);
    cr_assert_eq(row->credentials, credentials, "%s: %u credentials, expected %u", node,
                 row->credentials, credentials);
}

/* The other regions as s_fund made them. */
static void s_others_untouched(void)
{
    s_node_counts("east", 11, 0);
    s_node_counts("north", 3, 0);
    s_node_counts("south", 2, 0);
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE node = 'east'"), 11);
}

/* A credential type only west's credentialing created. */
static void s_forward_west_type(uint64_t seq)
{
    Hcap__CredentialType t = HCAP__CREDENTIAL_TYPE__INIT;
    t.code = "WEST-LATE";
    t.name = "Created after west's backup";
    s_forward_message("west/credentialing", seq, "credentialing.credential_type_created.v1",
                      &t.base);
}

/* west restored from a backup taken after its 8th worker: its logs again
   from seq 1 under epoch e2, the enrollment log up to that worker, its
   credentials of the first 8. */
static void s_west_restored(void)
{
    s_epoch = "e2";
    s_regions[0].forwarded = 0;
    s_forward_region_upto(&s_regions[0], 2 + 2 * 8);
    for (int w = 0; w < 8; w++)
        s_forward_credential("west", (uint64_t)w + 1, s_west[w]);
    s_catch_up();
}

/* source's epochs in central_epochs, the current one starred. */
static void s_epochs_are(const char *source, const char *want)
{
    sqlite3_stmt *stmt =
        hc_store_stmt(hc_service_store(s_rep.svc),
                      "SELECT group_concat(epoch || iif(current, '*', ''), ' ') FROM"
                      " (SELECT * FROM central_epochs WHERE source = ?1 ORDER BY epoch)");
    cr_assert_not_null(stmt);
    sqlite3_bind_text(stmt, 1, source, -1, SQLITE_STATIC);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
    const char *got = (const char *)sqlite3_column_text(stmt, 0);
    cr_expect_str_eq(got ? got : "", want, "epochs of %s", source);
    sqlite3_reset(stmt);
}

Test(reporting_central, a_region_restored_counts_what_its_new_epoch_holds_and_nothing_else)
{
    s_fund();
    s_forward_west_type(13);
    s_catch_up();
    s_model_equals_sql();
    s_node_counts("west", 12, 12);
    cr_assert_eq(s_count("SELECT count(*) FROM credential_types WHERE code = 'WEST-LATE'"), 1);

    s_west_restored();
    s_node_counts("west", 8, 8);
    s_others_untouched();
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE node = 'west'"), 8,
                 "the 4 workers west lost are gone");
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE node IS NULL"), 0);
    cr_assert_eq(s_count("SELECT count(*) FROM credential_types WHERE code = 'WEST-LATE'"), 0,
                 "a row only west's old epoch wrote");
    cr_assert_eq(s_count("SELECT count(*) FROM programs WHERE code = 'CNA'"), 1,
                 "a code every region holds stays");
    cr_assert_eq(s_count("SELECT count(*) FROM program_ids"), 4, "one id per region's program");
    cr_assert_eq(s_count("SELECT count(*) FROM hc_dead_letters"), 0);
    s_epochs_are("west/enrollment", "e1 e2*");
    s_epochs_are("west/credentialing", "e1 e2*");
    s_epochs_are("east/enrollment", "e1*");
    s_model_equals_sql();
}

Test(reporting_central, an_event_of_an_epoch_its_log_left_is_skipped)
{
    s_fund();
    s_west_restored();
    s_epoch = "e1"; /* west's old history, met again after the new one */
    s_forward_credential("west", 12, s_west[11]);
    s_catch_up();
    s_node_counts("west", 8, 8);
    cr_assert_eq(s_count("SELECT count(*) FROM hc_dead_letters"), 0, "skipped, not dead");
    s_epochs_are("west/credentialing", "e1 e2*");
    s_epoch = "e2"; /* west's new history goes on */
    s_forward_credential("west", 9, s_west[8]);
    s_catch_up();
    s_node_counts("west", 8, 9);
    s_model_equals_sql();
}

Test(reporting_central, a_rebuild_replays_both_epochs_in_order_to_the_same_reports)
{
    s_fund();
    s_forward_west_type(13);
    s_west_restored();
    s_model_equals_sql();
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__RebuildReply *rebuilt = NULL;
    ht_local_ok(&s_rep, "Rebuild", &empty.base, &rebuilt);
    cr_assert_eq(s_count("SELECT count(*) FROM central_epochs"), 0, "derived: cleared");
    hc_follower_reload(s_follower);
    hc_follower_poke(s_follower);
    s_catch_up();
    s_node_counts("west", 8, 8);
    s_others_untouched();
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE node = 'west'"), 8);
    cr_assert_eq(s_count("SELECT count(*) FROM credential_types WHERE code = 'WEST-LATE'"), 0);
    s_epochs_are("west/enrollment", "e1 e2*");
    s_model_equals_sql();
}

/* rep_store_reset_central on its own, in a transaction of its own. */
static int s_reset(const char *node, const char *service)
{
    hc_store *store = hc_service_store(s_rep.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    int rc = rep_store_reset_central(store, node, service, ht_fmt("%s/%s", node, service), &err);
    if (rc == HC_OK)
        cr_assert_eq(hc_store_commit(store, &err), HC_OK);
    else
        hc_store_rollback(store);
    return rc;
}

Test(reporting_central, a_reset_takes_back_one_nodes_service_only)
{
    s_fund();
    s_model_equals_sql();
    cr_assert_eq(s_reset("west", "credentialing"), HC_OK);
    s_node_counts("west", 12, 0);
    s_others_untouched();
    s_model_equals_sql();
    cr_assert_eq(s_reset("west", "enrollment"), HC_OK);
    cr_assert_null(s_node_row("west"), "no fact of west is left");
    cr_assert_eq(s_count("SELECT count(*) FROM workers WHERE node = 'west'"), 0,
                 "west's workers have nothing left");
    cr_assert_eq(s_count("SELECT count(*) FROM program_ids"), 3, "west's program id went");
    cr_assert_eq(s_count("SELECT count(*) FROM programs WHERE code = 'CNA'"), 1);
    s_others_untouched();
    s_model_equals_sql();
    cr_assert_eq(s_reset("west", "reporting"), HC_INVALID_ARGUMENT, "a log never forwarded");
}
