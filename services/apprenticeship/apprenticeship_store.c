/* apprenticeship_store: the apprenticeship service's only SQL. Statements
   are string literals cached by hc_store_stmt; every value is a bound
   parameter. Programs are stored as packed messages; an apprentice's
   progress is summed from its hours, credits and sign-offs on every read. */
#include <math.h>
#include <string.h>
#include <sqlite3.h>
#include "hc_msg.h"
#include "apprenticeship_store.h"

/* Status and kind numbers appear literally in the SQL below and the schema. */
_Static_assert(HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_ACTIVE == 1, "active");
_Static_assert(HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_SUSPENDED == 2, "suspended");
_Static_assert(HCAP__HOURS_KIND__HOURS_KIND_OJL == 1, "ojl");
_Static_assert(HCAP__HOURS_KIND__HOURS_KIND_RTI == 2, "rti");

/* --- programs --- */

static void *s_program_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_msg_unpack(&hcap__apprenticeship_program__descriptor, sqlite3_column_blob(stmt, 1),
                         (size_t)sqlite3_column_bytes(stmt, 1), arena);
}

int appr_store_program_insert(hc_store *store, const Hcap__ApprenticeshipProgram *p, hc_error *err)
{
    hc_arena *arena = hc_arena_new();
    size_t size = 0;
    uint8_t *body = arena ? hc_msg_pack(&p->base, arena, &size) : NULL;
    sqlite3_stmt *stmt = body ? hc_query_prepare(store,
                                                 "INSERT INTO programs (code, body, created_at) "
                                                 "VALUES (?1, ?2, ?3)",
                                                 err)
                              : NULL;
    int code = HC_INTERNAL;
    if (!body)
        hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    else if (stmt) {
        hc_query_bind_text(stmt, 1, p->code);
        sqlite3_bind_blob(stmt, 2, body, (int)size, SQLITE_STATIC);
        hc_query_bind_text(stmt, 3, p->created_at);
        code = hc_query_write(store, stmt, "code", NULL, err);
    }
    hc_arena_destroy(&arena);
    return code;
}

int appr_store_program_get(hc_store *store, const char *code, const char *field, hc_arena *arena,
                           Hcap__ApprenticeshipProgram **out, hc_error *err)
{
    void *msg = NULL;
    int rc = hc_query_get(store, "SELECT code, body FROM programs WHERE code = ?1", s_program_row,
                          code, field, arena, &msg, err);
    if (rc == HC_NOT_FOUND && field)
        hc_error_set(err, HC_NOT_FOUND, field, "apprenticeship program %s not found", code);
    if (rc == HC_OK && !msg)
        rc = hc_error_set(err, HC_DATA_LOSS, field, "program %s does not decode", code);
    *out = msg;
    return rc;
}

int appr_store_program_list(hc_store *store, const hc_page *page, hc_arena *arena,
                            Hcap__ApprenticeshipProgramList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              "SELECT code, body FROM programs WHERE code > ?1 "
                              "ORDER BY code LIMIT ?2",
                              s_program_row, page, NULL, arena, &out->base, err);
}

/* --- apprentices --- */

/* The recorded columns, named as the Hcap__Apprentice fields they hold. */
#define S_APP_COLS                                                                                 \
    "id, worker_id, program_code, employer_id, mentor, start_date, status, status_date, "          \
    "status_reason, completed_on, created_at, updated_at"
#define S_APP_N_COLS 12
/* A read: the recorded columns (a.*), then the progress summed. */
#define S_APP_SELECT                                                                               \
    "SELECT a.id, a.worker_id, a.program_code, a.employer_id, a.mentor, a.start_date, "            \
    "a.status, a.status_date, a.status_reason, a.completed_on, a.created_at, a.updated_at, "       \
    "(SELECT TOTAL(centihours) FROM hours WHERE apprentice_id = a.id AND kind = 1), "              \
    "(SELECT TOTAL(centihours) FROM hours WHERE apprentice_id = a.id AND kind = 2), "              \
    "(SELECT TOTAL(ojl_centihours) FROM apprentice_credits WHERE apprentice_id = a.id), "          \
    "(SELECT TOTAL(rti_centihours) FROM apprentice_credits WHERE apprentice_id = a.id), "          \
    "(SELECT json_group_array(competency) FROM (SELECT competency FROM signoffs "                  \
    "WHERE apprentice_id = a.id ORDER BY created_at, competency)) "                                \
    "FROM apprentices a "

/* Hundredths of hours in column col, as hours. */
static double s_hours(sqlite3_stmt *stmt, int col)
{
    return (double)llround(sqlite3_column_double(stmt, col)) / 100.0;
}

static void *s_apprentice_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    Hcap__Apprentice *a =
        (Hcap__Apprentice *)hc_query_row(stmt, &hcap__apprentice__descriptor, S_APP_COLS, arena);
    a->ojl_hours = s_hours(stmt, S_APP_N_COLS);
    a->rti_hours = s_hours(stmt, S_APP_N_COLS + 1);
    a->credited_ojl_hours = s_hours(stmt, S_APP_N_COLS + 2);
    a->credited_rti_hours = s_hours(stmt, S_APP_N_COLS + 3);
    hc_query_read_codes(stmt, S_APP_N_COLS + 4, arena, &a->competencies_completed,
                        &a->n_competencies_completed);
    return a;
}

int appr_store_apprentice_insert(hc_store *store, const Hcap__Apprentice *a, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO apprentices (" S_APP_COLS ") VALUES "
                                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                  &a->base, S_APP_COLS, "program_code", NULL, err);
}

int appr_store_apprentice_update(hc_store *store, const Hcap__Apprentice *a, hc_error *err)
{
    return hc_query_write_message(store,
                                  "UPDATE apprentices SET status = ?2, status_date = ?3, "
                                  "status_reason = ?4, completed_on = ?5, updated_at = ?6 "
                                  "WHERE id = ?1",
                                  &a->base,
                                  "id, status, status_date, status_reason, completed_on, "
                                  "updated_at",
                                  NULL, "id", err);
}

int appr_store_apprentice_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                              Hcap__Apprentice **out, hc_error *err)
{
    void *msg = NULL;
    int rc = hc_query_get(store, S_APP_SELECT "WHERE a.id = ?1", s_apprentice_row, id, field, arena,
                          &msg, err);
    if (rc == HC_NOT_FOUND && field)
        hc_error_set(err, HC_NOT_FOUND, field, "apprentice %s not found", id);
    *out = msg;
    return rc;
}

/* Picks the statement whose index fits the filter: worker, program, or all. */
static sqlite3_stmt *s_apprentice_list_stmt(hc_store *store, const appr_filter *f, hc_error *err)
{
#define S_APP_FILTERS                                                                              \
    "AND (?4 IS NULL OR a.program_code = ?4) AND (?5 IS NULL OR a.mentor = ?5) "                   \
    "AND (?6 = 0 OR a.status = ?6) AND a.id > ?1 ORDER BY a.id LIMIT ?2"
    if (f->worker_id)
        return hc_query_prepare(store, S_APP_SELECT "WHERE a.worker_id = ?3 " S_APP_FILTERS, err);
    if (f->program_code)
        return hc_query_prepare(store, S_APP_SELECT "WHERE a.program_code = ?4 " S_APP_FILTERS,
                                err);
    return hc_query_prepare(store, S_APP_SELECT "WHERE 1 " S_APP_FILTERS, err);
#undef S_APP_FILTERS
}

int appr_store_apprentice_list(hc_store *store, const appr_filter *filter, const hc_page *page,
                               hc_arena *arena, Hcap__ApprenticeList *out, hc_error *err)
{
    sqlite3_stmt *stmt = s_apprentice_list_stmt(store, filter, err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_page(stmt, 1, page);
    hc_query_bind_text(stmt, 3, filter->worker_id);
    hc_query_bind_text(stmt, 4, filter->program_code);
    hc_query_bind_text(stmt, 5, filter->mentor);
    sqlite3_bind_int(stmt, 6, filter->status);
    return hc_query_list(store, stmt, s_apprentice_row, page, arena, &out->base, err);
}

int appr_store_open_ids(hc_store *store, const char *worker_id, hc_arena *arena, char ***ids,
                        size_t *count, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "SELECT id FROM apprentices WHERE worker_id = ?1 AND status IN (1, 2) ORDER BY id",
        err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, worker_id);
    return hc_query_texts(store, stmt, arena, ids, count, err);
}

int appr_store_last_date(hc_store *store, const char *apprentice_id, hc_arena *arena, char **out,
                         hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_query_prepare(store,
                         "SELECT MAX(a.start_date, "
                         "COALESCE((SELECT MAX(date) FROM hours WHERE apprentice_id = a.id), ''), "
                         "COALESCE((SELECT MAX(date) FROM signoffs WHERE apprentice_id = a.id), "
                         "'')) FROM apprentices a WHERE a.id = ?1",
                         err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, apprentice_id);
    char **dates = NULL;
    size_t count = 0;
    int code = hc_query_texts(store, stmt, arena, &dates, &count, err);
    if (code == HC_OK && count != 1)
        code = hc_error_set(err, HC_NOT_FOUND, "id", "apprentice %s not found", apprentice_id);
    *out = code == HC_OK ? dates[0] : NULL;
    return code;
}

/* --- hours and sign-offs --- */

int appr_store_day_centihours(hc_store *store, const char *apprentice_id, const char *date,
                              int64_t *out, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "SELECT TOTAL(centihours) FROM hours "
                                          "WHERE apprentice_id = ?1 AND date = ?2",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, apprentice_id);
    hc_query_bind_text(stmt, 2, date);
    int rc = sqlite3_step(stmt), code = HC_OK;
    if (rc == SQLITE_ROW)
        *out = llround(sqlite3_column_double(stmt, 0));
    else
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

#define S_HOURS_COLS                                                                               \
    "id, apprentice_id, kind, date, competency, approved_by, recorded_by, created_at"
#define S_HOURS_N_COLS 8

static void *s_hours_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    Hcap__HoursEntry *h =
        (Hcap__HoursEntry *)hc_query_row(stmt, &hcap__hours_entry__descriptor, S_HOURS_COLS, arena);
    h->hours = s_hours(stmt, S_HOURS_N_COLS);
    return h;
}

int appr_store_hours_insert(hc_store *store, const Hcap__HoursEntry *h, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "INSERT INTO hours (" S_HOURS_COLS ", centihours) "
                                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_store_bind_message(stmt, 1, &h->base, S_HOURS_COLS);
    sqlite3_bind_int64(stmt, S_HOURS_N_COLS + 1, llround(h->hours * 100.0));
    return hc_query_write(store, stmt, "hours", NULL, err);
}

int appr_store_hours_list(hc_store *store, const char *apprentice_id, const hc_page *page,
                          hc_arena *arena, Hcap__HoursEntryList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              "SELECT " S_HOURS_COLS ", centihours FROM hours "
                              "WHERE apprentice_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
                              s_hours_row, page, apprentice_id, arena, &out->base, err);
}

int appr_store_signoff_insert(hc_store *store, const Hcap__Signoff *s, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO signoffs (apprentice_id, competency, signed_by, "
                                  "date, recorded_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                  &s->base,
                                  "apprentice_id, competency, signed_by, date, recorded_by, "
                                  "created_at",
                                  "competency", NULL, err);
}

/* --- prior-learning credit --- */

int appr_store_credit_put(hc_store *store, const Hcap__PriorCredit *c, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "INSERT OR REPLACE INTO prior_credits (id, worker_id, "
                                          "ojl_centihours, rti_centihours, assessed_on) "
                                          "VALUES (?1, ?2, ?3, ?4, ?5)",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, c->prior_learning_id);
    hc_query_bind_text(stmt, 2, c->worker_id);
    sqlite3_bind_int64(stmt, 3, c->has_ojl_credit_hours ? llround(c->ojl_credit_hours * 100) : 0);
    sqlite3_bind_int64(stmt, 4, c->has_rti_credit_hours ? llround(c->rti_credit_hours * 100) : 0);
    hc_query_bind_text(stmt, 5, c->assessed_on);
    return hc_query_write(store, stmt, "prior_learning_id", NULL, err);
}

int appr_store_credit_grant(hc_store *store, const char *apprentice_id, const char *worker_id,
                            bool *granted, hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_query_prepare(store,
                         "INSERT OR IGNORE INTO apprentice_credits (apprentice_id, "
                         "prior_learning_id, ojl_centihours, rti_centihours) "
                         "SELECT ?1, id, ojl_centihours, rti_centihours FROM prior_credits "
                         "WHERE worker_id = ?2",
                         err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, apprentice_id);
    hc_query_bind_text(stmt, 2, worker_id);
    int code = hc_query_write(store, stmt, NULL, NULL, err);
    *granted = code == HC_OK && sqlite3_changes(hc_store_db(store)) > 0;
    return code;
}

/* --- a read replica --- */

int appr_store_credit_total_put(hc_store *store, const char *apprentice_id, int64_t ojl_centihours,
                                int64_t rti_centihours, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "INSERT OR REPLACE INTO apprentice_credits "
                                          "(apprentice_id, prior_learning_id, ojl_centihours, "
                                          "rti_centihours) VALUES (?1, '', ?2, ?3)",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, apprentice_id);
    sqlite3_bind_int64(stmt, 2, ojl_centihours);
    sqlite3_bind_int64(stmt, 3, rti_centihours);
    return hc_query_write(store, stmt, "apprentice_id", NULL, err);
}

int appr_store_replica_clear(hc_store *store, hc_error *err)
{
    return hc_store_exec(store,
                         "DELETE FROM apprentice_credits; DELETE FROM signoffs; DELETE FROM hours; "
                         "DELETE FROM apprentices; DELETE FROM programs;",
                         err);
}

/* --- the event log --- */

int appr_store_events_each(hc_store *store, hc_query_event_fn *fn, void *arg, hc_error *err)
{
    return hc_query_events_each(store, fn, arg, err);
}
