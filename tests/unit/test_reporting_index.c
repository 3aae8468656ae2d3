/* Tests that the report model and index (reporting_model.h,
   reporting_index.h) count exactly what the SQL of reporting_query.c
   counts: on a generated fund with every dimension's groups, enrollment
   steps of one enrollment linked, credentials of every source, wages
   (ties on one day included), apprentices of every status; for every
   outcome dimension, grant deliverables with every filter, the
   indicators and the apprenticeship report, over open, closed, one-day
   and empty periods; after revocations, regrouping, erasure and late
   workers; after changes committed by another connection to the same
   store (an instance that does not project); after a trimmed change log
   and after a rebuild's clear. */
#include <criterion/criterion.h>
#include "ht_reports.h"
#include <stdlib.h>
#include <string.h>
#include "ht.h"
#include "ht_local.h"
#include "hc_msg.h"
#include "reporting_index.h"
#include "reporting_model.h"
#include "reporting_query.h"
#include "reporting_server.h"
#include "reporting_store.h"

static ht_local s_local;
static rep_model *s_model;

static void s_setup(void)
{
    ht_local_open(&s_local, &rep_service);
    s_model = rep_model_new();
}

static void s_teardown(void)
{
    rep_model_destroy(&s_model);
    ht_local_close(&s_local);
}

TestSuite(reporting_index, .init = s_setup, .fini = s_teardown, .timeout = 240);

static hc_store *s_store(void)
{
    return hc_service_store(s_local.svc);
}

static void s_sql_on(hc_store *store, const char *sql)
{
    hc_error err;
    cr_assert_eq(hc_store_exec(store, sql, &err), HC_OK, "%s: %s", err.message, sql);
}

static void s_sql(const char *sql)
{
    s_sql_on(s_store(), sql);
}

/* Workers over every group (a seeded pick per worker), employers in five
   sectors, enrollment and apprenticeship programs with their kinds and
   credentials. */
static void s_generate_workers(int first, int last)
{
    s_sql(ht_fmt(
        "WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
        " INSERT INTO workers (wkey, id, race_group, gender, age_band, language, employer_id,"
        " employment_status, registered_status, node) SELECT i, 'w' || i,"
        " CASE (i * 7) %% 6 WHEN 0 THEN 'white' WHEN 1 THEN 'black' WHEN 2 THEN"
        " 'hispanic_latino' WHEN 3 THEN 'asian' WHEN 4 THEN 'two_or_more' ELSE 'unknown' END,"
        " CASE (i * 13) %% 5 WHEN 0 THEN 'male' WHEN 1 THEN 'nonbinary' WHEN 4 THEN 'unknown'"
        " ELSE 'female' END,"
        " CASE (i * 11) %% 7 WHEN 0 THEN 'under_25' WHEN 1 THEN '25_34' WHEN 2 THEN '35_44'"
        " WHEN 3 THEN '45_54' WHEN 4 THEN '55_64' WHEN 5 THEN '65_plus' ELSE 'unknown' END,"
        " CASE i %% 4 WHEN 0 THEN 'es' WHEN 1 THEN 'en' WHEN 2 THEN 'zh' ELSE 'unknown' END,"
        " CASE WHEN i %% 17 = 0 THEN NULL WHEN i %% 500 = 7 THEN 'emp_small'"
        " WHEN i %% 501 = 8 THEN 'unknown' ELSE 'emp' || ((i * 31) %% 43) END,"
        " CASE (i * 3) %% 4 WHEN 0 THEN 'incumbent' WHEN 1 THEN 'new_entrant' WHEN 2 THEN"
        " 'unemployed' ELSE 'unknown' END,"
        " CASE (i * 5) %% 3 WHEN 0 THEN 'incumbent' ELSE 'unknown' END,"
        " CASE i %% 3 WHEN 0 THEN NULL WHEN 1 THEN 'n1' ELSE 'n2' END FROM n;",
        first, last));
}

static void s_generate_catalog(void)
{
    s_sql("WITH RECURSIVE e(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM e WHERE i < 39)"
          " INSERT INTO employers SELECT 'emp' || i, 'Employer ' || i, CASE i % 5 WHEN 0 THEN"
          " 'acute' WHEN 1 THEN 'long_term_care' WHEN 2 THEN 'home_care' WHEN 3 THEN"
          " 'unknown' ELSE 'other' END FROM e;"
          "INSERT INTO programs (origin, code, id, name, kind, credential_code) VALUES"
          " ('enrollment', 'P0', 'p0', 'CNA', 'credential_training', 'C0'),"
          " ('enrollment', 'P1', 'p1', 'Phleb', 'credential_training', 'C1'),"
          " ('enrollment', 'P2', 'p2', 'CE', 'continuing_education', NULL),"
          " ('enrollment', 'P3', 'p3', 'Basic', 'basic_skills', 'C0'),"
          " ('enrollment', 'P4', 'p4', 'Preceptor', 'preceptorship', 'C2'),"
          " ('enrollment', 'A0', 'p5', 'Same code as an apprenticeship', 'basic_skills', NULL),"
          " ('apprenticeship', 'A0', 'A0', 'CHW apprenticeship', 'apprenticeship', 'C3'),"
          " ('apprenticeship', 'A1', 'A1', 'MA apprenticeship', 'apprenticeship', 'C1'),"
          " ('apprenticeship', 'A2', 'A2', 'Tech apprenticeship', 'apprenticeship', NULL);");
}

/* Facts of workers 1..n: enrollments of several steps each (one entity,
   a day apart or more; facts' program_kind sometimes not the program's),
   credentials (revocable), apprentices with their registrations,
   completions and sign-offs, claims and employment records with wages
   (two on one day for some workers). */
static void s_generate_facts(int n)
{
    s_sql(ht_fmt(
        "WITH RECURSIVE e(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM e WHERE i < %d),"
        " s(k, o) AS (VALUES (1, 0), (2, 20), (3, 200), (4, 150), (5, 90)),"
        " x AS (SELECT i, 1 + (i * 7919) %% %d AS w, 'P' || (i %% 6) AS p,"
        " (i + i / %d) %% 4 AS c,"
        " date('2019-01-01', '+' || ((i * 104729) %% 2190) || ' days') AS d0 FROM e)"
        " INSERT INTO facts (entity, kind, wkey, day, program, program_kind)"
        " SELECT 'enr' || x.i, s.k, x.w, date(x.d0, '+' || (s.o + x.i %% 30) || ' days'),"
        " iif(x.p = 'P5', 'A0', x.p), CASE WHEN x.i %% 13 = 0 THEN 'basic_skills'"
        " WHEN x.p IN ('P0', 'P1') THEN 'credential_training' ELSE 'continuing_education' END"
        " FROM x JOIN s ON (s.k = 1 AND x.i %% 5 <> 0) OR (s.k = 2 AND x.i %% 3 <> 0)"
        " OR (s.k = 3 AND x.c = 1) OR (s.k = 4 AND x.c = 2) OR (s.k = 5 AND x.c = 3);",
        2 * n, n, n));
    s_sql(ht_fmt(
        "WITH RECURSIVE e(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM e WHERE i < %d)"
        " INSERT INTO facts (entity, kind, wkey, day, credential, source)"
        " SELECT 'cred' || i, 10, 1 + (i * 104723) %% %d,"
        " date('2019-06-01', '+' || ((i * 7907) %% 2300) || ' days'), 'C' || (i %% 5),"
        " CASE i %% 4 WHEN 0 THEN 'earned' WHEN 1 THEN 'prior_learning' WHEN 2 THEN 'transfer'"
        " ELSE 'apprenticeship' END FROM e;",
        n, n));
    s_sql(ht_fmt(
        "WITH RECURSIVE e(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM e WHERE i < %d)"
        " INSERT INTO apprentices (id, wkey, program, start_date, status, status_date,"
        " completed_on) SELECT 'ap' || i, 1 + (i * 6007) %% %d, 'A' || (i %% 3),"
        " date('2019-03-01', '+' || ((i * 4001) %% 2000) || ' days'),"
        " CASE i %% 4 WHEN 0 THEN 'active' WHEN 1 THEN 'suspended' WHEN 2 THEN 'completed'"
        " ELSE 'cancelled' END, NULL, CASE WHEN i %% 4 = 2 THEN date('2019-03-01', '+' ||"
        " ((i * 4001) %% 2000 + 400) || ' days') END FROM e;"
        "INSERT INTO facts (entity, kind, wkey, day, program) SELECT id, 20, wkey, start_date,"
        " program FROM apprentices;"
        "INSERT INTO facts (entity, kind, wkey, day, program) SELECT id, 21, wkey, completed_on,"
        " program FROM apprentices WHERE completed_on IS NOT NULL;"
        "INSERT INTO facts (entity, kind, wkey, day, program) SELECT id || '/c1', 22, wkey,"
        " date(start_date, '+100 days'), program FROM apprentices WHERE aid %% 2 = 0;",
        n / 6, n));
    s_sql(ht_fmt(
        "WITH RECURSIVE e(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM e WHERE i < %d),"
        " k(kind) AS (VALUES (30), (31), (40), (41), (42), (43))"
        " INSERT INTO facts (entity, kind, wkey, day, wage_cents)"
        " SELECT 'emp' || i || '-' || kind, kind, 1 + (i * 3001) %% %d,"
        " date('2019-01-01', '+' || ((i * 7919 + kind * 97) %% 2400) || ' days'),"
        " CASE WHEN kind BETWEEN 40 AND 42 AND i %% 7 <> 0 THEN 1500 + (i * kind) %% 3000 END"
        " FROM e JOIN k ON (i + kind) %% 3 <> 0;"
        /* two wage records of one worker on one day: the larger entity wins */
        "INSERT INTO facts (entity, kind, wkey, day, wage_cents) SELECT 'tie-a' || fid, 42,"
        " wkey, day, 1111 FROM facts WHERE kind = 40 AND wkey %% 11 = 0;"
        "INSERT INTO facts (entity, kind, wkey, day, wage_cents) SELECT 'tie-b' || fid, 41,"
        " wkey, day, 2222 FROM facts WHERE kind = 40 AND wkey %% 11 = 0;",
        n, n));
}

static void s_generate(void)
{
    s_generate_catalog();
    s_generate_workers(1, 3000);
    s_generate_facts(3000);
}

/* --- the comparisons --- */

/* The model synced in a read transaction of store, as a handler sees it. */
static void s_sync(hc_store *store)
{
    hc_error err;
    cr_assert_eq(rep_model_sync(s_model, store, &err), HC_OK, "%s", err.message);
}

static const Hcap__Dimension s_dims[] = {
    HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY,    HCAP__DIMENSION__DIMENSION_GENDER,
    HCAP__DIMENSION__DIMENSION_AGE_BAND,          HCAP__DIMENSION__DIMENSION_SECTOR,
    HCAP__DIMENSION__DIMENSION_EMPLOYER,          HCAP__DIMENSION__DIMENSION_PREFERRED_LANGUAGE,
    HCAP__DIMENSION__DIMENSION_EMPLOYMENT_STATUS, HCAP__DIMENSION__DIMENSION_NODE,
    HCAP__DIMENSION__DIMENSION_PROGRAM,
};

/* Periods: open, from only, to only, years, one day, one without facts. */
static const char *const s_periods[][2] = {
    {NULL, NULL},
    {"2021-03-01", NULL},
    {NULL, "2020-12-31"},
    {"2022-01-01", "2022-12-31"},
    {"2020-07-15", "2020-07-15"},
    {"2010-01-01", "2010-12-31"},
    {"2019-01-01", "2025-06-30"},
};
#define S_PERIODS (sizeof s_periods / sizeof s_periods[0])

static void s_same_outcomes(Hcap__Dimension by, const char *from, const char *to)
{
    Hcap__OutcomeRow **rows_i, **rows_s, *total_i, *total_s;
    size_t n_i, n_s, size_i, size_s;
    hc_error err;
    cr_assert_eq(
        rep_index_outcomes(s_model, by, from, to, s_local.arena, &rows_i, &n_i, &total_i, &err),
        HC_OK, "%s", err.message);
    cr_assert_eq(
        rep_query_outcomes(s_store(), by, from, to, s_local.arena, &rows_s, &n_s, &total_s, &err),
        HC_OK, "%s", err.message);
    uint8_t *a = ht_outcomes_packed(rows_i, n_i, total_i, s_local.arena, &size_i);
    uint8_t *b = ht_outcomes_packed(rows_s, n_s, total_s, s_local.arena, &size_s);
    cr_assert(size_i == size_s && memcmp(a, b, size_i) == 0,
              "by %d %s..%s: %zu rows from the index, %zu from SQL", by, from ? from : "",
              to ? to : "", n_i, n_s);
}

/* A grant's deliverables: every metric, unfiltered and with each filter. */
static Hcap__Deliverable **s_deliverables(size_t *n)
{
    static char *codes_p[] = {"P0", "P3"}, *codes_a[] = {"A0", "A2"}, *codes_c[] = {"C0", "C4"};
    static char *codes_x[] = {"P9"};
    static Hcap__ProgramKind kinds[] = {HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING,
                                        HCAP__PROGRAM_KIND__PROGRAM_KIND_BASIC_SKILLS};
    static Hcap__CredentialSource sources[] = {HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED,
                                               HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_TRANSFER};
    enum { N = 20 };
    Hcap__Deliverable **ds = hc_arena_alloc(s_local.arena, N * sizeof *ds);
    Hcap__DeliverableFilter *f = hc_arena_alloc(s_local.arena, N * sizeof *f);
    for (int i = 0; i < N; i++) {
        ds[i] = hc_arena_alloc(s_local.arena, sizeof **ds);
        hcap__deliverable__init(ds[i]);
        hcap__deliverable_filter__init(&f[i]);
        ds[i]->code = ds[i]->name = hc_arena_strdup(s_local.arena, ht_fmt("D%d", i));
        ds[i]->target = 10;
        ds[i]->metric = (Hcap__Metric)(1 + i % 8);
    }
    /* 8..19: filters */
    f[8] = (Hcap__DeliverableFilter){.n_program_codes = 2, .program_codes = codes_p};
    f[9] = (Hcap__DeliverableFilter){.n_program_kinds = 2, .program_kinds = kinds};
    f[10] = (Hcap__DeliverableFilter){.n_program_codes = 2,
                                      .program_codes = codes_p,
                                      .n_program_kinds = 1,
                                      .program_kinds = kinds};
    f[11] = (Hcap__DeliverableFilter){.n_credential_codes = 2, .credential_codes = codes_c};
    f[12] = (Hcap__DeliverableFilter){.n_sources = 2, .sources = sources};
    f[13] = (Hcap__DeliverableFilter){
        .n_credential_codes = 2, .credential_codes = codes_c, .n_sources = 1, .sources = sources};
    f[14] = (Hcap__DeliverableFilter){.n_program_codes = 2, .program_codes = codes_a};
    f[15] = f[14];
    f[16] = f[14];
    f[17] = (Hcap__DeliverableFilter){.n_program_codes = 1, .program_codes = codes_x};
    const Hcap__Metric metrics[] = {
        HCAP__METRIC__METRIC_PARTICIPANTS,   HCAP__METRIC__METRIC_COMPLETIONS,
        HCAP__METRIC__METRIC_PARTICIPANTS,   HCAP__METRIC__METRIC_CREDENTIALS,
        HCAP__METRIC__METRIC_CREDENTIALS,    HCAP__METRIC__METRIC_CREDENTIALS,
        HCAP__METRIC__METRIC_APPRENTICES,    HCAP__METRIC__METRIC_APPRENTICES_COMPLETED,
        HCAP__METRIC__METRIC_PLACEMENT_RATE, HCAP__METRIC__METRIC_PARTICIPANTS,
        HCAP__METRIC__METRIC_PLACEMENT_RATE, HCAP__METRIC__METRIC_COMPLETIONS,
    };
    for (int i = 8; i < N; i++) {
        ds[i]->metric = metrics[i - 8];
        ds[i]->filter = &f[i];
    }
    *n = N;
    return ds;
}

static void s_same_deliverables(const char *from, const char *to)
{
    size_t n;
    Hcap__Deliverable **ds = s_deliverables(&n);
    uint32_t actual[32], placed[32];
    hc_error err;
    cr_assert_eq(rep_index_deliverables(s_model, ds, n, from, to, actual, placed, &err), HC_OK,
                 "%s", err.message);
    for (size_t i = 0; i < n; i++) {
        uint32_t a = 0, p = 0;
        cr_assert_eq(rep_query_deliverable(s_store(), ds[i], from, to, &a, &p, &err), HC_OK, "%s",
                     err.message);
        cr_assert(a == actual[i] && p == placed[i],
                  "deliverable %zu (metric %d) %s..%s: index %u/%u, SQL %u/%u", i, ds[i]->metric,
                  from, to, actual[i], placed[i], a, p);
    }
}

static void s_same_indicators(const char *from, const char *to, const char *today)
{
    Hcap__IndicatorsReport a = HCAP__INDICATORS_REPORT__INIT, b = HCAP__INDICATORS_REPORT__INIT;
    hc_error err;
    cr_assert_eq(rep_index_indicators(s_model, s_store(), from, to, today, &a, &err), HC_OK, "%s",
                 err.message);
    cr_assert_eq(rep_query_indicators(s_store(), from, to, today, &b, &err), HC_OK, "%s",
                 err.message);
    size_t size_a, size_b;
    uint8_t *x = hc_msg_pack(&a.base, s_local.arena, &size_a);
    uint8_t *y = hc_msg_pack(&b.base, s_local.arena, &size_b);
    cr_assert(size_a == size_b && memcmp(x, y, size_a) == 0,
              "indicators %s..%s as of %s: index exiters %u/%u q2 %u/%u earners %u median %lld,"
              " SQL %u/%u q2 %u/%u earners %u median %lld",
              from ? from : "", to ? to : "", today, a.credential_attainers, a.credential_exiters,
              a.employed_q2, a.exiters_q2, a.earners_q2, (long long)a.median_earnings_q2_cents,
              b.credential_attainers, b.credential_exiters, b.employed_q2, b.exiters_q2,
              b.earners_q2, (long long)b.median_earnings_q2_cents);
}

static void s_same_apprenticeship(const char *program, const char *from, const char *to)
{
    Hcap__ApprenticeshipReport a = HCAP__APPRENTICESHIP_REPORT__INIT;
    Hcap__ApprenticeshipReport b = HCAP__APPRENTICESHIP_REPORT__INIT;
    hc_error err;
    cr_assert_eq(rep_index_apprenticeship(s_model, program, from, to, &a, &err), HC_OK);
    cr_assert_eq(rep_query_apprenticeship(s_store(), program, from, to, &b, &err), HC_OK);
    cr_assert(a.registered == b.registered && a.active == b.active && a.suspended == b.suspended &&
                  a.completed == b.completed && a.cancelled == b.cancelled && a.placed == b.placed,
              "apprenticeship %s %s..%s: index %u placed %u, SQL %u placed %u",
              program ? program : "*", from ? from : "", to ? to : "", a.registered, a.placed,
              b.registered, b.placed);
}

/* Every report of the model against SQL, in one read transaction. */
static void s_all_same(void)
{
    hc_error err;
    cr_assert_eq(hc_store_begin_read(s_store(), &err), HC_OK);
    s_sync(s_store());
    for (size_t p = 0; p < S_PERIODS; p++) {
        const char *from = s_periods[p][0], *to = s_periods[p][1];
        for (size_t d = 0; d < sizeof s_dims / sizeof s_dims[0]; d++)
            s_same_outcomes(s_dims[d], from, to);
        s_same_deliverables(from, to);
        s_same_indicators(from, to, "2026-11-22");
        s_same_indicators(from, to, "2023-05-17");
        s_same_apprenticeship(NULL, from, to);
        s_same_apprenticeship("A1", from, to);
        s_same_apprenticeship("A9", from, to);
    }
    cr_assert_eq(hc_store_commit(s_store(), &err), HC_OK);
}

/* Changes the way the projection and raw writers do: revocations, a
   worker moving employer and group, erasures, a fact rewritten onto
   another worker and day, a step added to an enrollment, an apprentice
   completing, a worker row arriving after its facts, a program relabelled,
   facts of workers that all go away. */
static void s_churn(hc_store *store)
{
    s_sql_on(store,
             "DELETE FROM facts WHERE kind = 10 AND wkey % 5 = 0;"
             "UPDATE workers SET employer_id = 'emp3', gender = 'male' WHERE wkey % 9 = 0;"
             "UPDATE workers SET employer_id = NULL, race_group = 'declined',"
             " registered_status = 'incumbent' WHERE wkey % 23 = 0;"
             "UPDATE workers SET erased = 1 WHERE wkey % 29 = 0;"
             "UPDATE facts SET wkey = 1 + (wkey + 500) % 3000, day = date(day, '+3 days')"
             " WHERE kind = 40 AND wkey % 7 = 0;"
             "INSERT INTO facts (entity, kind, wkey, day, program, program_kind)"
             " SELECT entity, 3, wkey, date(day, '+30 days'), program, program_kind FROM facts"
             " WHERE kind = 2 AND entity NOT IN (SELECT entity FROM facts WHERE kind BETWEEN 3"
             " AND 5) AND wkey % 3 = 0;"
             "UPDATE apprentices SET status = 'completed', completed_on = date(start_date,"
             " '+200 days') WHERE status = 'active' AND aid % 2 = 0;"
             "INSERT INTO facts (entity, kind, wkey, day, program) VALUES"
             " ('late1', 3, 4001, '2024-05-05', 'P1'), ('late2', 40, 4001, '2024-06-06', NULL);"
             "INSERT INTO workers (wkey, id, gender, employer_id) VALUES (4001, 'late', 'female',"
             " 'emp1');"
             "UPDATE programs SET name = 'CNA 2', kind = 'basic_skills' WHERE code = 'P0';"
             "UPDATE employers SET sector = 'acute' WHERE id = 'emp4';"
             "DELETE FROM facts WHERE wkey BETWEEN 100 AND 140 AND kind NOT BETWEEN 1 AND 5;");
    hc_error err;
    rep_worker w = {.id = "w77",
                    .race_group = "asian",
                    .gender = "nonbinary",
                    .age_band = "65_plus",
                    .language = "tl",
                    .employer_id = "emp5",
                    .employment_status = "incumbent"};
    cr_assert_eq(rep_store_worker_put(store, &w, &err), HC_OK);
    rep_fact f = {.entity = "enr12",
                  .kind = REP_FACT_COMPLETED,
                  .worker_id = "w2",
                  .day = "2025-01-01",
                  .program = "P0",
                  .program_kind = "credential_training"};
    cr_assert_eq(rep_store_fact_put(store, &f, false, &err), HC_OK);
}

Test(reporting_index, every_report_equals_sql_on_a_generated_fund)
{
    s_generate();
    s_all_same();
    cr_assert_gt(s_model->n_facts, 10000, "the fund is large enough to matter");
    Hcap__OutcomeRow **rows, *total;
    size_t n;
    hc_error err;
    cr_assert_eq(rep_index_outcomes(s_model, HCAP__DIMENSION__DIMENSION_EMPLOYER, NULL, NULL,
                                    s_local.arena, &rows, &n, &total, &err),
                 HC_OK);
    cr_assert_gt(n, 40, "every employer and unknown");
    cr_assert_gt(total->participants, 1000);
    cr_assert_gt(total->placements, 100);
}

Test(reporting_index, the_index_follows_changes_of_its_own_connection)
{
    s_generate();
    s_all_same();
    int64_t generation = s_model->generation;
    s_churn(s_store());
    s_all_same();
    cr_assert_eq(s_model->generation, generation, "followed the change log, no reload");
}

Test(reporting_index, the_index_follows_changes_another_connection_commits)
{
    s_generate();
    s_all_same();
    hc_error err;
    hc_store *other = hc_store_open(hc_store_path(s_store()), reporting_migrations, &err);
    cr_assert_not_null(other, "%s", err.message);
    cr_assert_eq(hc_store_begin(other, &err), HC_OK);
    s_churn(other);
    cr_assert_eq(hc_store_commit(other, &err), HC_OK);
    s_all_same();
    /* a worker and facts only the other connection wrote */
    s_sql_on(other, "INSERT INTO workers (wkey, id, gender) VALUES (5000, 'w5000', 'male');"
                    "INSERT INTO facts (entity, kind, wkey, day) VALUES ('n1', 1, 5000,"
                    " '2024-02-02'), ('n2', 40, 5000, '2024-03-03');");
    s_all_same();
    hc_store_destroy(&other);
}

Test(reporting_index, a_trimmed_change_log_and_a_rebuild_reload_the_index)
{
    s_generate();
    s_all_same();
    int64_t generation = s_model->generation;
    hc_error err;
    s_churn(s_store());
    cr_assert_eq(rep_store_changes_trim(s_store(), 1, &err), HC_OK);
    s_sql("UPDATE workers SET gender = 'female' WHERE wkey = 3;");
    s_all_same();
    cr_assert_eq(rep_store_clear(s_store(), &err), HC_OK);
    s_all_same();
    cr_assert_neq(s_model->generation, generation, "a clear draws a new generation");
    cr_assert_eq(s_model->n_facts, 0, "the cleared model is empty");
    s_generate();
    s_churn(s_store());
    s_all_same();
}

Test(reporting_index, reports_through_the_handlers_read_the_index_for_every_role)
{
    s_generate();
    s_churn(s_store());
    Hcap__OutcomesRequest req = HCAP__OUTCOMES_REQUEST__INIT;
    req.by = HCAP__DIMENSION__DIMENSION_EMPLOYER;
    req.from = "2021-01-01";
    req.to = "2021-01-31";
    Hcap__Principal who = HCAP__PRINCIPAL__INIT;
    who.role = HCAP__ROLE__ROLE_ANALYST;
    ProtobufCMessage *out = NULL;
    hc_error err;
    cr_assert_eq(
        hc_service_invoke(s_local.svc, "GetOutcomes", &req.base, &who, s_local.arena, &out, &err),
        HC_OK, "%s", err.message);
    Hcap__OutcomesReport *r = (Hcap__OutcomesReport *)out;
    bool suppressed = false;
    for (size_t i = 0; i < r->n_rows; i++)
        suppressed = suppressed || r->rows[i]->suppressed;
    cr_assert(suppressed, "employers with 1..9 workers in a month are hidden for the analyst");
    /* the same counts as SQL, before suppression */
    who.role = HCAP__ROLE__ROLE_ADMIN;
    cr_assert_eq(
        hc_service_invoke(s_local.svc, "GetOutcomes", &req.base, &who, s_local.arena, &out, &err),
        HC_OK);
    r = (Hcap__OutcomesReport *)out;
    Hcap__OutcomeRow **rows;
    Hcap__OutcomeRow *total;
    size_t n, size_a, size_b;
    cr_assert_eq(rep_query_outcomes(s_store(), req.by, req.from, req.to, s_local.arena, &rows, &n,
                                    &total, &err),
                 HC_OK);
    uint8_t *a = ht_outcomes_packed(r->rows, r->n_rows, r->total, s_local.arena, &size_a);
    uint8_t *b = ht_outcomes_packed(rows, n, total, s_local.arena, &size_b);
    cr_assert(size_a == size_b && memcmp(a, b, size_a) == 0);
}

Test(reporting_index, a_store_the_model_cannot_hold_is_answered_by_the_sql)
{
    s_generate();
    s_sql("INSERT INTO facts (entity, kind, wkey, day) VALUES ('odd', 1, 5, '24-5-1');");
    hc_error err;
    cr_assert_eq(rep_model_sync(s_model, s_store(), &err), HC_OUT_OF_RANGE,
                 "a day that is no date is refused, not read as some other day");
    cr_assert_eq(rep_model_sync(s_model, s_store(), &err), HC_OUT_OF_RANGE,
                 "and not loaded again while the store stays as it is");
    Hcap__OutcomesRequest req = HCAP__OUTCOMES_REQUEST__INIT;
    req.by = HCAP__DIMENSION__DIMENSION_GENDER;
    Hcap__OutcomesReport *r = NULL;
    ht_local_ok(&s_local, "GetOutcomes", &req.base, &r);
    Hcap__OutcomeRow **rows, *total;
    size_t n, size_a, size_b;
    cr_assert_eq(
        rep_query_outcomes(s_store(), req.by, NULL, NULL, s_local.arena, &rows, &n, &total, &err),
        HC_OK);
    uint8_t *a = ht_outcomes_packed(r->rows, r->n_rows, r->total, s_local.arena, &size_a);
    uint8_t *b = ht_outcomes_packed(rows, n, total, s_local.arena, &size_b);
    cr_assert(size_a == size_b && memcmp(a, b, size_a) == 0, "the SQL answered");
    s_sql("DELETE FROM facts WHERE entity = 'odd';");
    cr_assert_eq(rep_model_sync(s_model, s_store(), &err), HC_OK, "a changed store loads again");
}
