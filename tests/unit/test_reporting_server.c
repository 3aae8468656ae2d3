/* Tests of reporting's operator methods on an in-process service:
   Rebuild clears what was derived from the logs and rewinds the cursors
   while grants stay, and the dead letters page and are forgotten by a
   rebuild (the replay meets those events again). */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include "ht_local.h"
#include "hc_follower.h"
#include "reporting_server.h"

static ht_local s_local;

static void s_setup(void)
{
    ht_local_open(&s_local, &rep_service);
}

static void s_teardown(void)
{
    ht_local_close(&s_local);
}

TestSuite(reporting_server, .init = s_setup, .fini = s_teardown, .timeout = 60);

static void s_sql(const char *sql)
{
    hc_error err;
    cr_assert_eq(hc_store_exec(hc_service_store(s_local.svc), sql, &err), HC_OK, "%s: %s",
                 err.message, sql);
}

static int64_t s_count(const char *sql)
{
    sqlite3_stmt *stmt = hc_store_stmt(hc_service_store(s_local.svc), sql);
    cr_assert_not_null(stmt, "%s", sql);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return value;
}

/* Three cursors well along, five dead letters, a worker with a fact, a
   program, and one grant of the fund's own. */
static void s_fill(void)
{
    hc_error err;
    cr_assert_eq(hc_followers_schema(hc_service_store(s_local.svc), &err), HC_OK);
    s_sql("INSERT INTO hc_cursors VALUES ('enrollment', 'local/enrollment', 'e1', 40),"
          " ('credentialing', 'local/credentialing', 'e2', 7),"
          " ('apprenticeship', 'local/apprenticeship', 'e3', 12);"
          "INSERT INTO hc_dead_letters (follower, source, epoch, seq, type, body, reason,"
          " failed_at, occurred_at) VALUES"
          " ('enrollment', 'local/enrollment', 'e1', 3, 'enrollment.worker_registered.v2', x'01',"
          "  'invalid_argument: unknown type', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),"
          " ('enrollment', 'local/enrollment', 'e1', 9, 'enrollment.worker_registered.v2', x'01',"
          "  'invalid_argument: unknown type', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),"
          " ('credentialing', 'local/credentialing', 'e2', 2, 'credentialing.x.v9', x'',"
          "  'invalid_argument: unknown type', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),"
          " ('apprenticeship', 'local/apprenticeship', 'e3', 5, 'apprenticeship.x.v9', x'',"
          "  'invalid_argument: unknown type', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z'),"
          " ('apprenticeship', 'local/apprenticeship', 'e3', 6, 'apprenticeship.x.v9', x'',"
          "  'invalid_argument: unknown type', '2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z');"
          "INSERT INTO workers (wkey, id, gender) VALUES (1, 'w1', 'female');"
          "INSERT INTO facts (entity, kind, wkey, day) VALUES ('enr1', 1, 1, '2024-02-01');"
          "INSERT INTO programs VALUES ('enrollment', 'CNA', 'prg1', 'CNA', 'credential_training',"
          " NULL);"
          "INSERT INTO grants VALUES ('G1', x'', '2026-11-01T00:00:00Z');");
}

Test(reporting_server, dead_letters_page_oldest_first)
{
    s_fill();
    Hcap__ListRequest req = HCAP__LIST_REQUEST__INIT;
    req.has_limit = true;
    req.limit = 2;
    Hcap__DeadLetterList *page = NULL;
    ht_local_ok(&s_local, "ListDeadLetters", &req.base, &page);
    cr_assert_eq(page->n_items, 2);
    cr_expect_str_eq(page->items[0]->follower, "enrollment");
    cr_expect_eq(page->items[0]->seq, 3);
    cr_expect_eq(page->items[1]->seq, 9);
    cr_expect_str_eq(page->items[0]->reason, "invalid_argument: unknown type");
    cr_assert_not_null(page->next, "three more letters");
    size_t seen = page->n_items;
    while (page->next) {
        req.after = page->next;
        ht_local_ok(&s_local, "ListDeadLetters", &req.base, &page);
        seen += page->n_items;
    }
    cr_expect_eq(seen, 5);
    cr_expect_str_eq(page->items[page->n_items - 1]->type, "apprenticeship.x.v9");

    req.limit = 0;
    ht_local_fails(&s_local, "ListDeadLetters", &req.base, HC_INVALID_ARGUMENT, "limit");
}

Test(reporting_server, rebuild_clears_the_model_and_rewinds_but_keeps_grants)
{
    s_fill();
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__RebuildReply *reply = NULL;
    ht_local_ok(&s_local, "Rebuild", &empty.base, &reply);
    cr_expect_eq(reply->followers, 3);
    cr_expect_eq(s_count("SELECT count(*) FROM hc_cursors WHERE seq = 0"), 3);
    cr_expect_eq(s_count("SELECT count(*) FROM hc_cursors WHERE epoch IN ('e1', 'e2', 'e3')"), 3,
                 "epochs kept: the same logs are replayed, not reset");
    cr_expect_eq(s_count("SELECT count(*) FROM hc_dead_letters"), 0);
    cr_expect_eq(s_count("SELECT count(*) FROM facts"), 0);
    cr_expect_eq(s_count("SELECT count(*) FROM workers"), 0);
    cr_expect_eq(s_count("SELECT count(*) FROM programs"), 0);
    cr_expect_eq(s_count("SELECT count(*) FROM grants"), 1, "grants are the fund's own");
}

Test(reporting_server, a_local_service_reports_no_followers)
{
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__ReportingStatus *status = NULL;
    ht_local_ok(&s_local, "GetStatus", &empty.base, &status);
    cr_expect_eq(status->n_followers, 0);
    cr_expect_eq(status->dead_letters, 0);
    Hcap__RetryReply *retry = NULL;
    ht_local_ok(&s_local, "RetryDeadLetters", &empty.base, &retry);
    cr_expect_eq(retry->applied, 0);
    cr_expect_eq(retry->remaining, 0);
}
