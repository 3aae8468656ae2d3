/* enrollment_store: the enrollment service's only SQL. Statements are string
   literals cached by hc_store_stmt; every value is a bound parameter. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "enrollment_store.h"

/* Status numbers appear literally in the SQL below (seat-holding statuses
   1,3,4,6; waitlisted 2; open 1,2,3; approved/paid claims 2,4). */
_Static_assert(HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED == 1, "enrolled");
_Static_assert(HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WAITLISTED == 2, "waitlisted");
_Static_assert(HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE == 3, "active");
_Static_assert(HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED == 4, "completed");
_Static_assert(HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_FAILED == 6, "failed");
_Static_assert(HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED == 2, "approved");
_Static_assert(HCAP__CLAIM_STATUS__CLAIM_STATUS_PAID == 4, "paid");

/* --- generic --- */

int enr_store_exists(hc_store *store, enr_kind kind, const char *id, const char *field,
                     hc_error *err)
{
    static const char *const sql[] = {
        [ENR_EMPLOYER] = "SELECT 1 FROM employers WHERE id = ?1",
        [ENR_WORKER] = "SELECT 1 FROM workers WHERE id = ?1 AND erased_at IS NULL",
        [ENR_PROGRAM] = "SELECT 1 FROM programs WHERE id = ?1",
        [ENR_COHORT] = "SELECT 1 FROM cohorts WHERE id = ?1",
    };
    return hc_query_exists(store, sql[kind], id, field, field, err);
}

/* --- employers --- */

/* The columns, named as the Hcap__Employer fields they hold. */
#define S_EMPLOYER_COLS "id, name, sector, union_local, county, state, created_at"

static void *s_employer_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_query_row(stmt, &hcap__employer__descriptor, S_EMPLOYER_COLS, arena);
}

int enr_store_employer_insert(hc_store *store, const Hcap__Employer *e, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO employers (" S_EMPLOYER_COLS ") "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                  &e->base, S_EMPLOYER_COLS, "id", NULL, err);
}

int enr_store_employer_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                           Hcap__Employer **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(store, "SELECT " S_EMPLOYER_COLS " FROM employers WHERE id = ?1",
                            s_employer_row, id, field, arena, &msg, err);
    *out = msg;
    return code;
}

int enr_store_employer_list(hc_store *store, const hc_page *page, hc_arena *arena,
                            Hcap__EmployerList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              "SELECT " S_EMPLOYER_COLS " FROM employers WHERE id > ?1 "
                              "ORDER BY id LIMIT ?2",
                              s_employer_row, page, NULL, arena, &out->base, err);
}

/* --- workers --- */

/* The columns that hold Hcap__Worker fields, named as the fields. The
   repeated race_ethnicity is stored encoded in the column after them (?17);
   given_lc / family_lc are written from the names. */
#define S_WORKER_COLS                                                                              \
    "id, given_name, family_name, external_id, birth_date, email, phone, preferred_language, "     \
    "gender, employer_id, job_title, employment_status, hourly_wage_cents, hire_date, "            \
    "created_at, updated_at"
#define S_WORKER_SELECT "SELECT " S_WORKER_COLS ", race_ethnicity FROM workers "
#define S_WORKER_RACE   16 /* race_ethnicity: column of S_WORKER_SELECT, ?17 of writes */

/* race_ethnicity is stored as its enum numbers joined by ','. */
static int s_race_encode(const Hcap__Worker *w, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < w->n_race_ethnicity; i++) {
        int n = snprintf(buf + used, size - used, "%s%d", i ? "," : "", (int)w->race_ethnicity[i]);
        if (n < 0 || (size_t)n >= size - used)
            return -1;
        used += (size_t)n;
    }
    return 0;
}

static void s_race_decode(Hcap__Worker *w, const char *text, hc_arena *arena)
{
    if (!text || !*text)
        return;
    size_t n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    w->race_ethnicity = hc_arena_alloc(arena, n * sizeof(Hcap__RaceEthnicity));
    char *p = (char *)text;
    for (size_t i = 0; i < n; i++) {
        w->race_ethnicity[i] = (Hcap__RaceEthnicity)strtol(p, &p, 10);
        if (*p == ',')
            p++;
    }
    w->n_race_ethnicity = n;
}

static void *s_worker_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    Hcap__Worker *w =
        (Hcap__Worker *)hc_query_row(stmt, &hcap__worker__descriptor, S_WORKER_COLS, arena);
    s_race_decode(w, (const char *)sqlite3_column_text(stmt, S_WORKER_RACE), arena);
    return w;
}

/* An optional whole number or enum: its value, or NULL when unset. */
static void s_bind_optional(sqlite3_stmt *stmt, int index, bool has, int64_t value)
{
    if (has)
        sqlite3_bind_int64(stmt, index, value);
    else
        sqlite3_bind_null(stmt, index);
}

/* Binds S_WORKER_COLS as ?1..?16, as hc_store_bind_message would: written
   out because a roster import binds a worker per row, and resolving the
   column names to fields again for each one cost more than the binds. */
static void s_worker_bind(sqlite3_stmt *stmt, const Hcap__Worker *w)
{
    const char *text[] = {w->id,         w->given_name, w->family_name, w->external_id,
                          w->birth_date, w->email,      w->phone,       w->preferred_language};
    for (int i = 0; i < 8; i++)
        hc_query_bind_text(stmt, i + 1, text[i]);
    s_bind_optional(stmt, 9, w->has_gender, w->gender);
    hc_query_bind_text(stmt, 10, w->employer_id);
    hc_query_bind_text(stmt, 11, w->job_title);
    s_bind_optional(stmt, 12, w->has_employment_status, w->employment_status);
    s_bind_optional(stmt, 13, w->has_hourly_wage_cents, w->hourly_wage_cents);
    hc_query_bind_text(stmt, 14, w->hire_date);
    hc_query_bind_text(stmt, 15, w->created_at);
    hc_query_bind_text(stmt, 16, w->updated_at);
}

static int s_worker_write(hc_store *store, const char *sql, const Hcap__Worker *w,
                          const char *not_found, hc_error *err)
{
    char race[128];
    if (s_race_encode(w, race, sizeof race) != 0)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "race_ethnicity", "too many values");
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    s_worker_bind(stmt, w);
    hc_query_bind_text(stmt, S_WORKER_RACE + 1, *race ? race : NULL);
    return hc_query_write(store, stmt, "external_id", not_found, err);
}

int enr_store_worker_insert(hc_store *store, const Hcap__Worker *w, hc_error *err)
{
    return s_worker_write(store,
                          "INSERT INTO workers (" S_WORKER_COLS ", race_ethnicity, given_lc, "
                          "family_lc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                          "?13, ?14, ?15, ?16, ?17, lower(?2), lower(?3))",
                          w, NULL, err);
}

int enr_store_worker_update(hc_store *store, const Hcap__Worker *w, hc_error *err)
{
    return s_worker_write(
        store,
        "UPDATE workers SET given_name = ?2, family_name = ?3, external_id = ?4, "
        "birth_date = ?5, email = ?6, phone = ?7, preferred_language = ?8, gender = ?9, "
        "employer_id = ?10, job_title = ?11, employment_status = ?12, hourly_wage_cents = ?13, "
        "hire_date = ?14, updated_at = ?16, race_ethnicity = ?17, given_lc = lower(?2), "
        "family_lc = lower(?3) WHERE id = ?1 AND erased_at IS NULL",
        w, "id", err);
}

int enr_store_worker_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                         Hcap__Worker **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(store, S_WORKER_SELECT "WHERE id = ?1 AND erased_at IS NULL",
                            s_worker_row, id, field, arena, &msg, err);
    *out = msg;
    return code;
}

int enr_store_worker_by_external(hc_store *store, const char *external_id, hc_arena *arena,
                                 Hcap__Worker **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(store,
                            S_WORKER_SELECT "WHERE external_id = ?1 "
                                            "AND erased_at IS NULL",
                            s_worker_row, external_id, NULL, arena, &msg, err);
    *out = msg;
    return code;
}

int enr_store_import_begin(hc_store *store, hc_error *err)
{
    return hc_store_exec(store, "SAVEPOINT enr_import", err);
}

int enr_store_import_end(hc_store *store, bool keep, hc_error *err)
{
    return hc_store_exec(
        store, keep ? "RELEASE enr_import" : "ROLLBACK TO enr_import; RELEASE enr_import", err);
}

/* The statement for a worker list: q goes through the IN list so SQLite
   walks the two name indexes and the external_id index, never the table. */
static sqlite3_stmt *s_worker_list_stmt(hc_store *store, bool by_q, bool by_employer, hc_error *err)
{
    if (by_q)
        return hc_query_prepare(
            store,
            S_WORKER_SELECT
            "WHERE id IN ("
            "SELECT id FROM workers WHERE given_lc >= ?3 AND given_lc < ?4 "
            "UNION ALL SELECT id FROM workers WHERE family_lc >= ?3 AND family_lc < ?4 "
            "UNION ALL SELECT id FROM workers WHERE external_id = ?5) "
            "AND id > ?1 AND erased_at IS NULL AND (?6 IS NULL OR employer_id = ?6) "
            "ORDER BY id LIMIT ?2",
            err);
    if (by_employer)
        return hc_query_prepare(store,
                                S_WORKER_SELECT "WHERE employer_id = ?6 "
                                                "AND id > ?1 AND erased_at IS NULL "
                                                "ORDER BY id LIMIT ?2",
                                err);
    return hc_query_prepare(store,
                            S_WORKER_SELECT "WHERE id > ?1 AND erased_at IS NULL "
                                            "ORDER BY id LIMIT ?2",
                            err);
}

int enr_store_worker_list(hc_store *store, const char *q, const char *employer_id,
                          const hc_page *page, hc_arena *arena, Hcap__WorkerList *out,
                          hc_error *err)
{
    sqlite3_stmt *stmt = s_worker_list_stmt(store, q != NULL, employer_id != NULL, err);
    if (!stmt)
        return HC_INTERNAL;
    char *lo = NULL, *hi = NULL;
    if (q) {
        lo = hc_arena_strdup(arena, q);
        for (char *p = lo; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        /* 0xFF never occurs in UTF-8, so every text with prefix lo sorts below hi. */
        hi = hc_arena_printf(arena, "%s\xff", lo);
    }
    hc_query_bind_page(stmt, 1, page);
    hc_query_bind_text(stmt, 3, lo);
    hc_query_bind_text(stmt, 4, hi);
    hc_query_bind_text(stmt, 5, q);
    hc_query_bind_text(stmt, 6, employer_id);
    return hc_query_list(store, stmt, s_worker_row, page, arena, &out->base, err);
}

int enr_store_worker_erase(hc_store *store, const char *id, const char *erased_at, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "UPDATE workers SET given_name = NULL, family_name = NULL, given_lc = NULL, "
        "family_lc = NULL, external_id = NULL, birth_date = NULL, email = NULL, "
        "phone = NULL, job_title = NULL, erased_at = ?2, updated_at = ?2 "
        "WHERE id = ?1 AND erased_at IS NULL",
        err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, id);
    hc_query_bind_text(stmt, 2, erased_at);
    int code = hc_query_write(store, stmt, NULL, "id", err);
    if (code != HC_OK)
        return code;
    stmt = hc_query_prepare(
        store, "UPDATE employment_records SET job_title = NULL WHERE worker_id = ?1", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, id);
    return hc_query_write(store, stmt, NULL, NULL, err);
}

/* --- programs --- */

/* The columns, named as the Hcap__Program fields they hold. */
#define S_PROGRAM_COLS                                                                             \
    "id, code, name, kind, occupation, credential_code, hours, delivery, provider, created_at"

static void *s_program_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_query_row(stmt, &hcap__program__descriptor, S_PROGRAM_COLS, arena);
}

int enr_store_program_insert(hc_store *store, const Hcap__Program *p, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO programs (" S_PROGRAM_COLS ") "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                                  &p->base, S_PROGRAM_COLS, "code", NULL, err);
}

int enr_store_program_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                          Hcap__Program **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(store, "SELECT " S_PROGRAM_COLS " FROM programs WHERE id = ?1",
                            s_program_row, id, field, arena, &msg, err);
    *out = msg;
    return code;
}

int enr_store_program_list(hc_store *store, const hc_page *page, hc_arena *arena,
                           Hcap__ProgramList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              "SELECT " S_PROGRAM_COLS " FROM programs WHERE id > ?1 "
                              "ORDER BY id LIMIT ?2",
                              s_program_row, page, NULL, arena, &out->base, err);
}

/* --- cohorts --- */

/* The columns, named as the Hcap__Cohort fields they hold; a read adds
   enrolled_count and waitlist_count after them. */
#define S_COHORT_COLS "id, program_id, name, start_date, end_date, capacity, language, created_at"
#define S_COHORT_COUNTS                                                                            \
    "(SELECT count(*) FROM enrollments e WHERE e.cohort_id = c.id "                                \
    "AND e.status IN (1, 3, 4, 6)), (SELECT count(*) FROM enrollments e "                          \
    "WHERE e.cohort_id = c.id AND e.status = 2)"
#define S_COHORT_SELECT "SELECT " S_COHORT_COLS ", " S_COHORT_COUNTS " FROM cohorts c "

static void *s_cohort_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    ProtobufCMessage *c = hc_query_row(stmt, &hcap__cohort__descriptor, S_COHORT_COLS, arena);
    hc_store_read_message(stmt, 8, c, "enrolled_count, waitlist_count", arena);
    return c;
}

int enr_store_cohort_insert(hc_store *store, const Hcap__Cohort *c, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO cohorts (" S_COHORT_COLS ") "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                  &c->base, S_COHORT_COLS, "program_id", NULL, err);
}

int enr_store_cohort_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                         Hcap__Cohort **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(store, S_COHORT_SELECT "WHERE c.id = ?1", s_cohort_row, id, field,
                            arena, &msg, err);
    *out = msg;
    return code;
}

int enr_store_cohort_list(hc_store *store, const char *program_id, const hc_page *page,
                          hc_arena *arena, Hcap__CohortList *out, hc_error *err)
{
    const char *sql = program_id ? S_COHORT_SELECT
                          "WHERE "
                          "c.program_id = ?3 AND c.id > ?1 ORDER BY c.id LIMIT ?2"
                                 : S_COHORT_SELECT "WHERE c.id > ?1 "
                                                   "ORDER BY c.id LIMIT ?2";
    return hc_query_page_list(store, sql, s_cohort_row, page, program_id, arena, &out->base, err);
}

/* --- enrollments --- */

/* The columns, named as the Hcap__Enrollment fields they hold; a read adds
   the derived waitlist_position after them. */
#define S_ENROLLMENT_COLS                                                                          \
    "id, worker_id, cohort_id, program_id, status, status_date, reason, hours_attended, "          \
    "created_at, updated_at"
#define S_ENROLLMENT_POSITION                                                                      \
    "CASE WHEN e.status = 2 THEN (SELECT count(*) FROM enrollments w "                             \
    "WHERE w.cohort_id = e.cohort_id AND w.status = 2 AND w.id <= e.id) END"
#define S_ENROLLMENT_SELECT                                                                        \
    "SELECT " S_ENROLLMENT_COLS ", " S_ENROLLMENT_POSITION " FROM enrollments e "

static void *s_enrollment_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    ProtobufCMessage *e =
        hc_query_row(stmt, &hcap__enrollment__descriptor, S_ENROLLMENT_COLS, arena);
    hc_store_read_message(stmt, 10, e, "waitlist_position", arena);
    return e;
}

int enr_store_enrollment_insert(hc_store *store, const Hcap__Enrollment *e, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO enrollments (" S_ENROLLMENT_COLS ") "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                                  &e->base, S_ENROLLMENT_COLS, "id", NULL, err);
}

int enr_store_enrollment_update(hc_store *store, const Hcap__Enrollment *e, hc_error *err)
{
    return hc_query_write_message(
        store,
        "UPDATE enrollments SET status = ?2, status_date = ?3, "
        "reason = ?4, hours_attended = ?5, updated_at = ?6 WHERE id = ?1",
        &e->base, "id, status, status_date, reason, hours_attended, updated_at", NULL, "id", err);
}

int enr_store_enrollment_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                             Hcap__Enrollment **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(store, S_ENROLLMENT_SELECT "WHERE e.id = ?1", s_enrollment_row, id,
                            field, arena, &msg, err);
    *out = msg;
    return code;
}

/* Picks the statement whose index fits the filter: worker, cohort, status,
   or all. */
static sqlite3_stmt *s_enrollment_list_stmt(hc_store *store, const enr_enrollment_filter *f,
                                            hc_error *err)
{
    if (f->worker_id)
        return hc_query_prepare(
            store,
            S_ENROLLMENT_SELECT
            "WHERE e.worker_id = ?3 "
            "AND (?4 IS NULL OR e.cohort_id = ?4) AND (?5 = 0 OR e.status = ?5) "
            "AND e.id > ?1 ORDER BY e.id LIMIT ?2",
            err);
    if (f->cohort_id)
        return hc_query_prepare(store,
                                S_ENROLLMENT_SELECT "WHERE e.cohort_id = ?4 "
                                                    "AND (?5 = 0 OR e.status = ?5) AND e.id > ?1 "
                                                    "ORDER BY e.id LIMIT ?2",
                                err);
    if (f->status)
        return hc_query_prepare(store,
                                S_ENROLLMENT_SELECT "WHERE e.status = ?5 "
                                                    "AND e.id > ?1 ORDER BY e.id LIMIT ?2",
                                err);
    return hc_query_prepare(store,
                            S_ENROLLMENT_SELECT "WHERE e.id > ?1 "
                                                "ORDER BY e.id LIMIT ?2",
                            err);
}

int enr_store_enrollment_list(hc_store *store, const enr_enrollment_filter *filter,
                              const hc_page *page, hc_arena *arena, Hcap__EnrollmentList *out,
                              hc_error *err)
{
    sqlite3_stmt *stmt = s_enrollment_list_stmt(store, filter, err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_page(stmt, 1, page);
    hc_query_bind_text(stmt, 3, filter->worker_id);
    hc_query_bind_text(stmt, 4, filter->cohort_id);
    sqlite3_bind_int(stmt, 5, filter->status);
    return hc_query_list(store, stmt, s_enrollment_row, page, arena, &out->base, err);
}

int enr_store_enrollment_open(hc_store *store, const char *worker_id, const char *cohort_id,
                              bool *found, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "SELECT 1 FROM enrollments WHERE worker_id = ?1 "
                                          "AND cohort_id = ?2 AND status IN (1, 2, 3) LIMIT 1",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, worker_id);
    hc_query_bind_text(stmt, 2, cohort_id);
    return hc_query_found(store, stmt, found, err);
}

int enr_store_enrollment_first_waiting(hc_store *store, const char *cohort_id, hc_arena *arena,
                                       Hcap__Enrollment **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(
        store, S_ENROLLMENT_SELECT "WHERE e.cohort_id = ?1 AND e.status = 2 ORDER BY e.id LIMIT 1",
        s_enrollment_row, cohort_id, NULL, arena, &msg, err);
    *out = msg;
    return code;
}

/* --- tuition claims --- */

/* The columns but cap_year, named as the Hcap__TuitionClaim fields they hold. */
#define S_CLAIM_COLS                                                                               \
    "id, worker_id, institution, course, term, amount_cents, status, approved_cents, "             \
    "submitted_on, decided_on, created_at, updated_at"

static void *s_claim_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_query_row(stmt, &hcap__tuition_claim__descriptor, S_CLAIM_COLS, arena);
}

int enr_store_claim_insert(hc_store *store, const Hcap__TuitionClaim *c, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO tuition_claims (" S_CLAIM_COLS ") VALUES "
                                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                                  &c->base, S_CLAIM_COLS, "id", NULL, err);
}

int enr_store_claim_update(hc_store *store, const Hcap__TuitionClaim *c, const char *cap_year,
                           hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_query_prepare(store,
                         "UPDATE tuition_claims SET status = ?2, approved_cents = ?3, "
                         "decided_on = ?4, updated_at = ?5, "
                         "cap_year = coalesce(?6, cap_year) WHERE id = ?1",
                         err);
    if (!stmt)
        return HC_INTERNAL;
    hc_store_bind_message(stmt, 1, &c->base, "id, status, approved_cents, decided_on, updated_at");
    hc_query_bind_text(stmt, 6, cap_year);
    return hc_query_write(store, stmt, NULL, "id", err);
}

int enr_store_claim_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                        Hcap__TuitionClaim **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(store, "SELECT " S_CLAIM_COLS " FROM tuition_claims WHERE id = ?1",
                            s_claim_row, id, field, arena, &msg, err);
    *out = msg;
    return code;
}

int enr_store_claim_list(hc_store *store, const char *worker_id, const hc_page *page,
                         hc_arena *arena, Hcap__TuitionClaimList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              "SELECT " S_CLAIM_COLS " FROM tuition_claims WHERE worker_id = ?3 "
                              "AND id > ?1 ORDER BY id LIMIT ?2",
                              s_claim_row, page, worker_id, arena, &out->base, err);
}

int enr_store_claim_year_total(hc_store *store, const char *worker_id, const char *year,
                               int64_t *total, hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_query_prepare(store,
                         "SELECT coalesce(sum(approved_cents), 0) FROM tuition_claims "
                         "WHERE worker_id = ?1 AND cap_year = ?2 AND status IN (2, 4)",
                         err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, worker_id);
    hc_query_bind_text(stmt, 2, year);
    int rc = sqlite3_step(stmt);
    int code = HC_OK;
    if (rc == SQLITE_ROW)
        *total = sqlite3_column_int64(stmt, 0);
    else
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

/* --- employment records --- */

/* The columns, named as the Hcap__EmploymentRecord fields they hold. */
#define S_EMPLOYMENT_COLS                                                                          \
    "id, worker_id, kind, employer_id, job_title, hourly_wage_cents, effective_date, created_at"

static void *s_employment_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_query_row(stmt, &hcap__employment_record__descriptor, S_EMPLOYMENT_COLS, arena);
}

int enr_store_employment_insert(hc_store *store, const Hcap__EmploymentRecord *r, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO employment_records (" S_EMPLOYMENT_COLS ") "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                  &r->base, S_EMPLOYMENT_COLS, "employer_id", NULL, err);
}

int enr_store_employment_list(hc_store *store, const char *worker_id, const hc_page *page,
                              hc_arena *arena, Hcap__EmploymentList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              "SELECT " S_EMPLOYMENT_COLS " FROM employment_records "
                              "WHERE worker_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
                              s_employment_row, page, worker_id, arena, &out->base, err);
}

/* --- a read replica --- */

int enr_store_replica_clear(hc_store *store, hc_error *err)
{
    return hc_store_exec(store,
                         "DELETE FROM employment_records; DELETE FROM tuition_claims; "
                         "DELETE FROM enrollments; DELETE FROM cohorts; DELETE FROM programs; "
                         "DELETE FROM workers; DELETE FROM employers;",
                         err);
}

/* --- the event log, read back --- */

int enr_store_events_each(hc_store *store, enr_event_fn *fn, void *arg, hc_error *err)
{
    return hc_query_events_each(store, fn, arg, err);
}
