/* credentialing_store: the credentialing service's only SQL. Statements are
   string literals cached by hc_store_stmt; every value is a bound parameter.
   Lists of codes are stored as JSON arrays of text. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "credentialing_store.h"

/* Status numbers appear literally in the SQL below. */
_Static_assert(HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_ACTIVE == 1, "active");
_Static_assert(HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_EXPIRED == 2, "expired");

/* --- generic --- */

int cred_store_code_exists(hc_store *store, cred_code_kind kind, const char *code,
                           const char *field, hc_error *err)
{
    static const char *const sql[] = {
        [CRED_COMPETENCY] = "SELECT 1 FROM competencies WHERE code = ?1",
        [CRED_TYPE] = "SELECT 1 FROM credential_types WHERE code = ?1",
    };
    return hc_query_exists(store, sql[kind], code, field,
                           kind == CRED_TYPE ? "credential type" : "competency", err);
}

/* Binds codes as a JSON array of text to index (NULL when n is 0). */
static int s_codes_bind(sqlite3_stmt *stmt, int index, char **codes, size_t n, hc_error *err)
{
    if (n == 0)
        return sqlite3_bind_null(stmt, index) == SQLITE_OK
                   ? HC_OK
                   : hc_error_set(err, HC_INTERNAL, NULL, "cannot bind");
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(array, json_string(codes[i] ? codes[i] : ""));
    char *text = json_dumps(array, JSON_COMPACT);
    json_decref(array);
    if (!text)
        return hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "codes are not UTF-8 text");
    int rc = sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
    free(text);
    return rc == SQLITE_OK ? HC_OK : hc_error_set(err, HC_INTERNAL, NULL, "cannot bind");
}

/* Prepares sql, binds the fields of msg named in columns from ?1, the codes
   to ?codes_index, and steps it. */
static int s_write_with_codes(hc_store *store, const char *sql, const ProtobufCMessage *msg,
                              const char *columns, int codes_index, char **codes, size_t n,
                              const char *field, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    hc_store_bind_message(stmt, 1, msg, columns);
    int code = s_codes_bind(stmt, codes_index, codes, n, err);
    if (code != HC_OK) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return code;
    }
    return hc_query_write(store, stmt, field, NULL, err);
}

/* --- competencies --- */

#define S_COMPETENCY_COLS "code, name, framework, created_at"

static void *s_competency_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_query_row(stmt, &hcap__competency__descriptor, S_COMPETENCY_COLS, arena);
}

int cred_store_competency_insert(hc_store *store, const Hcap__Competency *c, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO competencies (" S_COMPETENCY_COLS ") "
                                  "VALUES (?1, ?2, ?3, ?4)",
                                  &c->base, S_COMPETENCY_COLS, "code", NULL, err);
}

int cred_store_competency_get(hc_store *store, const char *code, const char *field, hc_arena *arena,
                              Hcap__Competency **out, hc_error *err)
{
    void *msg = NULL;
    int rc = hc_query_get(store, "SELECT " S_COMPETENCY_COLS " FROM competencies WHERE code = ?1",
                          s_competency_row, code, field, arena, &msg, err);
    *out = msg;
    return rc;
}

int cred_store_competency_list(hc_store *store, const hc_page *page, hc_arena *arena,
                               Hcap__CompetencyList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              "SELECT " S_COMPETENCY_COLS " FROM competencies WHERE code > ?1 "
                              "ORDER BY code LIMIT ?2",
                              s_competency_row, page, NULL, arena, &out->base, err);
}

/* --- credential types --- */

/* The columns that hold Hcap__CredentialType fields; competencies follows
   them (column 7, ?8 of writes). */
#define S_TYPE_COLS        "code, name, kind, issuer, validity_months, level, created_at"
#define S_TYPE_SELECT      "SELECT " S_TYPE_COLS ", competencies FROM credential_types "
#define S_TYPE_COMPETENCES 7

static void *s_type_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    Hcap__CredentialType *t = (Hcap__CredentialType *)hc_query_row(
        stmt, &hcap__credential_type__descriptor, S_TYPE_COLS, arena);
    hc_query_read_codes(stmt, S_TYPE_COMPETENCES, arena, &t->competencies, &t->n_competencies);
    return t;
}

int cred_store_type_insert(hc_store *store, const Hcap__CredentialType *t, hc_error *err)
{
    return s_write_with_codes(store,
                              "INSERT INTO credential_types (" S_TYPE_COLS ", competencies) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                              &t->base, S_TYPE_COLS, S_TYPE_COMPETENCES + 1, t->competencies,
                              t->n_competencies, "code", err);
}

int cred_store_type_get(hc_store *store, const char *code, const char *field, hc_arena *arena,
                        Hcap__CredentialType **out, hc_error *err)
{
    void *msg = NULL;
    int rc = hc_query_get(store, S_TYPE_SELECT "WHERE code = ?1", s_type_row, code, field, arena,
                          &msg, err);
    *out = msg;
    return rc;
}

int cred_store_type_list(hc_store *store, const hc_page *page, hc_arena *arena,
                         Hcap__CredentialTypeList *out, hc_error *err)
{
    return hc_query_page_list(store, S_TYPE_SELECT "WHERE code > ?1 ORDER BY code LIMIT ?2",
                              s_type_row, page, NULL, arena, &out->base, err);
}

/* --- credentials --- */

/* The stored columns, named as the Hcap__Credential fields they hold. */
#define S_CRED_COLS                                                                                \
    "id, worker_id, credential_code, issued_on, expires_on, source, evidence, status, "            \
    "revoked_on, revocation_reason, prior_learning_id, created_at, updated_at, apprentice_id"
/* A read: the type's name, kind and issuer joined, the status computed. */
#define S_CRED_STATUS                                                                              \
    "CASE WHEN c.status = 1 AND c.expires_on < date('now') THEN 2 ELSE c.status END"
#define S_CRED_READ_COLS                                                                           \
    "id, worker_id, credential_code, credential_name, kind, issuer, issued_on, expires_on, "       \
    "source, evidence, status, revoked_on, revocation_reason, prior_learning_id, created_at, "     \
    "updated_at, apprentice_id"
#define S_CRED_SELECT                                                                              \
    "SELECT c.id, c.worker_id, c.credential_code, t.name, t.kind, t.issuer, c.issued_on, "         \
    "c.expires_on, c.source, c.evidence, " S_CRED_STATUS ", c.revoked_on, "                        \
    "c.revocation_reason, c.prior_learning_id, c.created_at, c.updated_at, c.apprentice_id "       \
    "FROM credentials c JOIN credential_types t ON t.code = c.credential_code "

static void *s_credential_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_query_row(stmt, &hcap__credential__descriptor, S_CRED_READ_COLS, arena);
}

int cred_store_credential_insert(hc_store *store, const Hcap__Credential *c, hc_error *err)
{
    return hc_query_write_message(store,
                                  "INSERT INTO credentials (" S_CRED_COLS ") VALUES "
                                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                                  &c->base, S_CRED_COLS, "credential_code", NULL, err);
}

int cred_store_credential_update(hc_store *store, const Hcap__Credential *c, hc_error *err)
{
    return hc_query_write_message(store,
                                  "UPDATE credentials SET status = ?2, revoked_on = ?3, "
                                  "revocation_reason = ?4, updated_at = ?5 WHERE id = ?1",
                                  &c->base, "id, status, revoked_on, revocation_reason, updated_at",
                                  NULL, "id", err);
}

int cred_store_credential_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                              Hcap__Credential **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(store, S_CRED_SELECT "WHERE c.id = ?1", s_credential_row, id, field,
                            arena, &msg, err);
    *out = msg;
    return code;
}

int cred_store_credential_by_apprentice(hc_store *store, const char *apprentice_id, hc_arena *arena,
                                        Hcap__Credential **out, hc_error *err)
{
    void *msg = NULL;
    int code = hc_query_get(store, S_CRED_SELECT "WHERE c.apprentice_id = ?1", s_credential_row,
                            apprentice_id, NULL, arena, &msg, err);
    *out = msg;
    return code;
}

/* Picks the statement whose index fits the filter: worker, code, or all. */
static sqlite3_stmt *s_credential_list_stmt(hc_store *store, const cred_credential_filter *f,
                                            hc_error *err)
{
    if (f->worker_id)
        return hc_query_prepare(store,
                                S_CRED_SELECT "WHERE c.worker_id = ?3 "
                                              "AND (?4 IS NULL OR c.credential_code = ?4) "
                                              "AND (?5 = 0 OR " S_CRED_STATUS " = ?5) "
                                              "AND c.id > ?1 ORDER BY c.id LIMIT ?2",
                                err);
    if (f->credential_code)
        return hc_query_prepare(store,
                                S_CRED_SELECT "WHERE c.credential_code = ?4 "
                                              "AND (?5 = 0 OR " S_CRED_STATUS " = ?5) "
                                              "AND c.id > ?1 ORDER BY c.id LIMIT ?2",
                                err);
    return hc_query_prepare(store,
                            S_CRED_SELECT "WHERE (?5 = 0 OR " S_CRED_STATUS " = ?5) "
                                          "AND c.id > ?1 ORDER BY c.id LIMIT ?2",
                            err);
}

int cred_store_credential_list(hc_store *store, const cred_credential_filter *filter,
                               const hc_page *page, hc_arena *arena, Hcap__CredentialList *out,
                               hc_error *err)
{
    sqlite3_stmt *stmt = s_credential_list_stmt(store, filter, err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_page(stmt, 1, page);
    hc_query_bind_text(stmt, 3, filter->worker_id);
    hc_query_bind_text(stmt, 4, filter->credential_code);
    sqlite3_bind_int(stmt, 5, filter->status);
    return hc_query_list(store, stmt, s_credential_row, page, arena, &out->base, err);
}

int cred_store_credential_due(hc_store *store, const char *today, const hc_page *page,
                              hc_arena *arena, Hcap__CredentialList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              S_CRED_SELECT "WHERE c.status = 1 AND c.expires_on < ?3 "
                                            "AND c.id > ?1 ORDER BY c.id LIMIT ?2",
                              s_credential_row, page, today, arena, &out->base, err);
}

int cred_store_worker_codes(hc_store *store, const char *worker_id, hc_arena *arena, char ***codes,
                            size_t *count, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "SELECT DISTINCT c.credential_code FROM credentials c "
                                          "WHERE c.worker_id = ?1 AND " S_CRED_STATUS " = 1",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, worker_id);
    return hc_query_texts(store, stmt, arena, codes, count, err);
}

/* --- prior learning --- */

/* The columns that hold Hcap__PriorLearning fields; competencies follows
   them (column 9, ?10 of writes). */
#define S_PRIOR_COLS                                                                               \
    "id, worker_id, evidence, credential_code, credential_id, ojl_credit_hours, "                  \
    "rti_credit_hours, assessed_on, created_at"
#define S_PRIOR_COMPETENCES 9

static void *s_prior_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    Hcap__PriorLearning *p = (Hcap__PriorLearning *)hc_query_row(
        stmt, &hcap__prior_learning__descriptor, S_PRIOR_COLS, arena);
    hc_query_read_codes(stmt, S_PRIOR_COMPETENCES, arena, &p->competencies, &p->n_competencies);
    return p;
}

int cred_store_prior_insert(hc_store *store, const Hcap__PriorLearning *p, hc_error *err)
{
    return s_write_with_codes(store,
                              "INSERT INTO prior_learning (" S_PRIOR_COLS ", competencies) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                              &p->base, S_PRIOR_COLS, S_PRIOR_COMPETENCES + 1, p->competencies,
                              p->n_competencies, "id", err);
}

int cred_store_prior_list(hc_store *store, const char *worker_id, const hc_page *page,
                          hc_arena *arena, Hcap__PriorLearningList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              "SELECT " S_PRIOR_COLS ", competencies FROM prior_learning "
                              "WHERE worker_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2",
                              s_prior_row, page, worker_id, arena, &out->base, err);
}

/* --- ladders --- */

/* The columns that hold Hcap__Ladder fields; rungs follows them (column 3,
   ?4 of writes). */
#define S_LADDER_COLS  "code, name, created_at"
#define S_LADDER_RUNGS 3

static void *s_ladder_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    Hcap__Ladder *l =
        (Hcap__Ladder *)hc_query_row(stmt, &hcap__ladder__descriptor, S_LADDER_COLS, arena);
    hc_query_read_codes(stmt, S_LADDER_RUNGS, arena, &l->rungs, &l->n_rungs);
    return l;
}

int cred_store_ladder_insert(hc_store *store, const Hcap__Ladder *l, hc_error *err)
{
    return s_write_with_codes(store,
                              "INSERT INTO ladders (" S_LADDER_COLS ", rungs) "
                              "VALUES (?1, ?2, ?3, ?4)",
                              &l->base, S_LADDER_COLS, S_LADDER_RUNGS + 1, l->rungs, l->n_rungs,
                              "code", err);
}

int cred_store_ladder_list(hc_store *store, const hc_page *page, hc_arena *arena,
                           Hcap__LadderList *out, hc_error *err)
{
    return hc_query_page_list(store,
                              "SELECT " S_LADDER_COLS ", rungs FROM ladders WHERE code > ?1 "
                              "ORDER BY code LIMIT ?2",
                              s_ladder_row, page, NULL, arena, &out->base, err);
}

/* --- the holder directory --- */

/* Binds the text arguments to ?1, ?2, ... and steps the write. */
static int s_write_texts(hc_store *store, const char *sql, const char *const *texts, int n,
                         hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    for (int i = 0; i < n; i++)
        hc_query_bind_text(stmt, i + 1, texts[i]);
    return hc_query_write(store, stmt, NULL, NULL, err);
}

int cred_store_holder_put(hc_store *store, const char *worker_id, const cred_holder *h,
                          const char *updated_at, hc_error *err)
{
    const char *texts[] = {worker_id, h->initials, h->name_hash, h->salt, updated_at};
    return s_write_texts(store,
                         "INSERT OR REPLACE INTO holders (worker_id, initials, name_hash, salt, "
                         "updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                         texts, 5, err);
}

int cred_store_holder_get(hc_store *store, const char *worker_id, hc_arena *arena,
                          cred_holder **out, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "SELECT initials, name_hash, salt, erased_at FROM holders WHERE worker_id = ?1",
        err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, worker_id);
    int rc = sqlite3_step(stmt), code = HC_OK;
    if (rc == SQLITE_ROW) {
        cred_holder *h = hc_arena_alloc(arena, sizeof *h);
        h->initials = hc_arena_strdup(arena, (const char *)sqlite3_column_text(stmt, 0));
        h->name_hash = hc_arena_strdup(arena, (const char *)sqlite3_column_text(stmt, 1));
        h->salt = hc_arena_strdup(arena, (const char *)sqlite3_column_text(stmt, 2));
        h->erased = sqlite3_column_type(stmt, 3) != SQLITE_NULL;
        *out = h;
    } else if (rc == SQLITE_DONE)
        code = HC_NOT_FOUND;
    else
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

int cred_store_holder_delete(hc_store *store, const char *worker_id, hc_error *err)
{
    return s_write_texts(store, "DELETE FROM holders WHERE worker_id = ?1", &worker_id, 1, err);
}

int cred_store_holder_erase(hc_store *store, const char *worker_id, const char *erased_at,
                            hc_error *err)
{
    const char *texts[] = {worker_id, erased_at};
    return s_write_texts(store,
                         "INSERT OR REPLACE INTO holders (worker_id, updated_at, erased_at) "
                         "VALUES (?1, ?2, ?2)",
                         texts, 2, err);
}

int cred_store_holders_clear(hc_store *store, hc_error *err)
{
    return s_write_texts(store, "DELETE FROM holders", NULL, 0, err);
}

int cred_store_evidence_clear(hc_store *store, const char *worker_id, hc_error *err)
{
    int code = s_write_texts(store, "UPDATE credentials SET evidence = NULL WHERE worker_id = ?1",
                             &worker_id, 1, err);
    if (code != HC_OK)
        return code;
    return s_write_texts(store, "UPDATE prior_learning SET evidence = NULL WHERE worker_id = ?1",
                         &worker_id, 1, err);
}

/* --- a read replica --- */

int cred_store_replica_clear(hc_store *store, hc_error *err)
{
    return hc_store_exec(
        store,
        "DELETE FROM prior_learning; DELETE FROM credentials; DELETE FROM ladders; "
        "DELETE FROM credential_types; DELETE FROM competencies;",
        err);
}

/* --- the event log, read back --- */

int cred_store_events_each(hc_store *store, cred_event_fn *fn, void *arg, hc_error *err)
{
    return hc_query_events_each(store, fn, arg, err);
}
