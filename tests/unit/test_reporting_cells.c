/* Tests that the outcome cells (sql/006_outcome_cells.sql), which answer
   the outcomes over the whole history, always equal a recount from the
   facts and workers: on a generated fund with every dimension's groups,
   facts revoked and moved, workers regrouped, erased and arriving after
   their facts, for every role (suppressed cells included), and after a
   rebuild's clear. */
#include <criterion/criterion.h>
#include <string.h>
#include "ht.h"
#include "ht_local.h"
#include "hc_msg.h"
#include "reporting_query.h"
#include "reporting_server.h"
#include "reporting_store.h"

static ht_local s_local;

static void s_setup(void)
{
    ht_local_open(&s_local, &rep_service);
}

static void s_teardown(void)
{
    ht_local_close(&s_local);
}

TestSuite(reporting_cells, .init = s_setup, .fini = s_teardown, .timeout = 120);

static void s_sql(const char *sql)
{
    hc_error err;
    cr_assert_eq(hc_store_exec(hc_service_store(s_local.svc), sql, &err), HC_OK, "%s: %s",
                 err.message, sql);
}

/* 3,000 workers spread over every group of every dimension (a seeded
   pseudo-random pick per worker), 40 employers in 5 sectors, and facts
   of every kind on dates over six years. */
static void s_generate(void)
{
    s_sql("WITH RECURSIVE e(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM e WHERE i < 39)"
          " INSERT INTO employers SELECT 'emp' || i, 'Employer ' || i, CASE i % 5 WHEN 0 THEN"
          " 'acute' WHEN 1 THEN 'long_term_care' WHEN 2 THEN 'home_care' WHEN 3 THEN"
          " 'community_clinic' ELSE 'other' END FROM e;"
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
          " INSERT INTO workers (wkey, id, race_group, gender, age_band, language, employer_id,"
          " employment_status) SELECT i, 'w' || i,"
          " CASE (i * 7) % 6 WHEN 0 THEN 'white' WHEN 1 THEN 'black' WHEN 2 THEN"
          " 'hispanic_latino' WHEN 3 THEN 'asian' WHEN 4 THEN 'two_or_more' ELSE 'unknown' END,"
          " CASE (i * 13) % 5 WHEN 0 THEN 'male' WHEN 1 THEN 'nonbinary' WHEN 4 THEN 'unknown'"
          " ELSE 'female' END,"
          " CASE (i * 11) % 7 WHEN 0 THEN 'under_25' WHEN 1 THEN '25_34' WHEN 2 THEN '35_44'"
          " WHEN 3 THEN '45_54' WHEN 4 THEN '55_64' WHEN 5 THEN '65_plus' ELSE 'unknown' END,"
          " CASE i % 4 WHEN 0 THEN 'es' WHEN 1 THEN 'en' WHEN 2 THEN 'zh' ELSE 'unknown' END,"
          " CASE WHEN i % 17 = 0 THEN NULL WHEN i % 500 = 7 THEN 'emp_small'"
          " ELSE 'emp' || ((i * 31) % 43) END,"
          " CASE (i * 3) % 4 WHEN 0 THEN 'incumbent' WHEN 1 THEN 'new_entrant' WHEN 2 THEN"
          " 'unemployed' ELSE 'unknown' END FROM n;"
          /* a worker's facts: kinds by its key, days from 2019 on */
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9000),"
          " k(kind) AS (VALUES (1), (2), (3), (4), (10), (20), (21), (22), (30), (40), (43))"
          " INSERT INTO facts (entity, kind, wkey, day, program, credential, source)"
          " SELECT 'x' || n.i, k.kind, 1 + (n.i * 7919) % 3000,"
          " date('2019-01-01', '+' || ((n.i * 104729 + k.kind * 31) % 2190) || ' days'),"
          " CASE WHEN k.kind < 10 THEN 'CNA' WHEN k.kind < 30 THEN 'CHW-APP' END,"
          " CASE k.kind WHEN 10 THEN 'CNA-CERT' END, CASE k.kind WHEN 10 THEN 'earned' END"
          " FROM n JOIN k ON (n.i + k.kind) % 4 = 0 OR (k.kind IN (1, 10) AND n.i % 3 = 0);");
}

/* Changes the way the projection does: revocations, a worker moving
   employer and group, erasures (groups and counts stay), a fact rewritten
   onto another worker, a worker row arriving after its facts, facts of
   workers that all go away. */
static void s_churn(void)
{
    s_sql("DELETE FROM facts WHERE kind = 10 AND wkey % 5 = 0;"
          "UPDATE workers SET employer_id = 'emp3', gender = 'male' WHERE wkey % 9 = 0;"
          "UPDATE workers SET employer_id = NULL, race_group = 'declined' WHERE wkey % 23 = 0;"
          "UPDATE workers SET erased = 1 WHERE wkey % 29 = 0;"
          "UPDATE facts SET wkey = 1 + (wkey + 500) % 3000 WHERE kind = 40 AND wkey % 7 = 0;"
          "INSERT INTO facts (entity, kind, wkey, day) VALUES ('late1', 3, 4001, '2024-05-05'),"
          " ('late2', 40, 4001, '2024-06-06');"
          "INSERT INTO workers (wkey, id, gender, employer_id) VALUES (4001, 'late', 'female',"
          " 'emp1');"
          "DELETE FROM facts WHERE wkey BETWEEN 100 AND 140;");
    hc_error err;
    rep_worker w = {.id = "w77",
                    .race_group = "asian",
                    .gender = "nonbinary",
                    .age_band = "65_plus",
                    .language = "tl",
                    .employer_id = "emp5",
                    .employment_status = "incumbent"};
    cr_assert_eq(rep_store_worker_put(hc_service_store(s_local.svc), &w, &err), HC_OK);
    rep_fact f = {
        .entity = "x3", .kind = REP_FACT_COMPLETED, .worker_id = "w2", .day = "2025-01-01"};
    cr_assert_eq(rep_store_fact_put(hc_service_store(s_local.svc), &f, false, &err), HC_OK);
}

static Hcap__OutcomesReport *s_outcomes(Hcap__Role role, Hcap__Dimension by, const char *from)
{
    Hcap__OutcomesRequest req = HCAP__OUTCOMES_REQUEST__INIT;
    req.by = by;
    req.from = (char *)from;
    Hcap__Principal who = HCAP__PRINCIPAL__INIT;
    who.role = role;
    ProtobufCMessage *out = NULL;
    hc_error err;
    cr_assert_eq(
        hc_service_invoke(s_local.svc, "GetOutcomes", &req.base, &who, s_local.arena, &out, &err),
        HC_OK, "%s", err.message);
    return (Hcap__OutcomesReport *)out;
}

/* The report from the cells (no period) and from the recount (a period
   before every fact: the same history) hold the same rows and total. */
static void s_same(Hcap__Role role, Hcap__Dimension by)
{
    Hcap__OutcomesReport *cells = s_outcomes(role, by, NULL);
    Hcap__OutcomesReport *recount = s_outcomes(role, by, "1900-01-01");
    recount->from = cells->from;
    size_t a = 0, b = 0;
    uint8_t *x = hc_msg_pack(&cells->base, s_local.arena, &a);
    uint8_t *y = hc_msg_pack(&recount->base, s_local.arena, &b);
    cr_assert(a == b && memcmp(x, y, a) == 0,
              "by %d role %d: %zu rows from the cells, %zu recounted", by, role, cells->n_rows,
              recount->n_rows);
}

static const Hcap__Dimension s_dims[] = {
    HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY,    HCAP__DIMENSION__DIMENSION_GENDER,
    HCAP__DIMENSION__DIMENSION_AGE_BAND,          HCAP__DIMENSION__DIMENSION_SECTOR,
    HCAP__DIMENSION__DIMENSION_EMPLOYER,          HCAP__DIMENSION__DIMENSION_PREFERRED_LANGUAGE,
    HCAP__DIMENSION__DIMENSION_EMPLOYMENT_STATUS,
};

static void s_all_same(void)
{
    for (size_t i = 0; i < sizeof s_dims / sizeof s_dims[0]; i++) {
        s_same(HCAP__ROLE__ROLE_ADMIN, s_dims[i]);
        s_same(HCAP__ROLE__ROLE_ANALYST, s_dims[i]);
    }
}

Test(reporting_cells, cells_equal_a_recount_on_a_generated_fund)
{
    s_generate();
    s_all_same();
    Hcap__OutcomesReport *r = s_outcomes(HCAP__ROLE__ROLE_ADMIN, s_dims[4], NULL);
    cr_assert_gt(r->n_rows, 40, "every employer and unknown");
    cr_assert_gt(r->total->participants, 1000);
    Hcap__OutcomesReport *hidden = s_outcomes(HCAP__ROLE__ROLE_ANALYST, s_dims[4], NULL);
    bool suppressed = false;
    for (size_t i = 0; i < hidden->n_rows; i++)
        suppressed = suppressed || hidden->rows[i]->suppressed;
    cr_assert(suppressed, "employers with 1..9 workers of a column are hidden");
}

Test(reporting_cells, cells_follow_revocations_regrouping_erasure_and_late_workers)
{
    s_generate();
    Hcap__OutcomesReport *before = s_outcomes(HCAP__ROLE__ROLE_ADMIN, s_dims[1], NULL);
    uint32_t credentials = before->total->credentials;
    s_churn();
    s_all_same();
    Hcap__OutcomesReport *after = s_outcomes(HCAP__ROLE__ROLE_ADMIN, s_dims[1], NULL);
    cr_assert_lt(after->total->credentials, credentials, "revoked credentials left the cells");
}

Test(reporting_cells, a_cleared_model_has_empty_cells_and_a_replay_fills_them_again)
{
    s_generate();
    s_churn();
    hc_error err;
    cr_assert_eq(rep_store_clear(hc_service_store(s_local.svc), &err), HC_OK);
    Hcap__OutcomesReport *empty = s_outcomes(HCAP__ROLE__ROLE_ADMIN, s_dims[0], NULL);
    cr_assert_eq(empty->n_rows, 0);
    cr_assert_eq(empty->total->participants, 0);
    s_generate();
    s_all_same();
}
