/* reporting_store: the read model's writes (SQL is also in
   reporting_query.c and reporting_model_store.c). Every statement is a cached literal with bound
   parameters; every write is an upsert or a keyed delete. */
#include "reporting_store.h"

#include <string.h>
#include <sqlite3.h>
#include "hc_query.h"
#include "reporting_server.h"

/* The fact kinds each log derives appear literally in the resets below. */
_Static_assert(REP_FACT_ENROLLED == 1 && REP_FACT_FAILED == 5, "enrollment steps 1..5");
_Static_assert(REP_FACT_CLAIM_APPROVED == 30 && REP_FACT_CLAIM_PAID == 31, "claims 30, 31");
_Static_assert(REP_FACT_PLACEMENT == 40 && REP_FACT_SEPARATION == 43, "employment 40..43");
_Static_assert(REP_FACT_CREDENTIAL == 10, "credential 10");
_Static_assert(REP_FACT_APPR_REGISTERED == 20 && REP_FACT_SIGNOFF == 22, "apprenticeship 20..22");

/* --- workers --- */

int rep_store_worker_put(hc_store *store, const rep_worker *w, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "INSERT INTO workers (id, race_group, gender, age_band, language, employer_id, "
        "employment_status, registered_status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "coalesce(?8, 'unknown')) ON CONFLICT (id) DO UPDATE SET "
        "race_group = excluded.race_group, gender = excluded.gender, "
        "age_band = excluded.age_band, language = excluded.language, "
        "employer_id = excluded.employer_id, employment_status = excluded.employment_status, "
        "registered_status = coalesce(?8, registered_status)",
        err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, w->id);
    hc_query_bind_text(stmt, 2, w->race_group);
    hc_query_bind_text(stmt, 3, w->gender);
    hc_query_bind_text(stmt, 4, w->age_band);
    hc_query_bind_text(stmt, 5, w->language);
    hc_query_bind_text(stmt, 6, w->employer_id);
    hc_query_bind_text(stmt, 7, w->employment_status);
    hc_query_bind_text(stmt, 8, w->registered_status);
    return hc_query_write(store, stmt, "id", NULL, err);
}

int rep_store_worker_node(hc_store *store, const char *id, const char *node, hc_error *err)
{
    /* Only a change is written: the row's trigger logs it for the index. */
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "UPDATE workers SET node = ?2 WHERE id = ?1 AND node IS NOT ?2", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, id);
    hc_query_bind_text(stmt, 2, node);
    return hc_query_write(store, stmt, "id", NULL, err);
}

int rep_store_worker_erase(hc_store *store, const char *id, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "INSERT INTO workers (id, erased) VALUES (?1, 1) "
                                          "ON CONFLICT (id) DO UPDATE SET erased = 1",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, id);
    return hc_query_write(store, stmt, "id", NULL, err);
}

/* The key of worker id when its row exists: HC_OK with *found. */
static int s_worker_find(hc_store *store, const char *id, int64_t *wkey, bool *found, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, "SELECT wkey FROM workers WHERE id = ?1", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    *found = rc == SQLITE_ROW;
    if (*found)
        *wkey = sqlite3_column_int64(stmt, 0);
    int code = rc == SQLITE_ROW || rc == SQLITE_DONE ? HC_OK : hc_store_error(store, rc, "id", err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

int rep_store_worker_key(hc_store *store, const char *id, int64_t *wkey, hc_error *err)
{
    bool found = false;
    int rc = s_worker_find(store, id, wkey, &found, err);
    if (rc != HC_OK || found)
        return rc;
    sqlite3_stmt *stmt = hc_query_prepare(store, "INSERT INTO workers (id) VALUES (?1)", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, id);
    if ((rc = hc_query_write(store, stmt, "id", NULL, err)) != HC_OK)
        return rc;
    *wkey = sqlite3_last_insert_rowid(hc_store_db(store));
    return HC_OK;
}

/* --- employers, programs, credential types --- */

int rep_store_employer_put(hc_store *store, const char *id, const char *name, const char *sector,
                           hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "INSERT OR REPLACE INTO employers (id, name, sector) "
                                          "VALUES (?1, ?2, ?3)",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, id);
    hc_query_bind_text(stmt, 2, name);
    hc_query_bind_text(stmt, 3, sector);
    return hc_query_write(store, stmt, "id", NULL, err);
}

/* Records p's id as one of its code's. */
static int s_program_id_put(hc_store *store, const rep_program *p, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "INSERT OR REPLACE INTO program_ids (origin, id, code) VALUES (?1, ?2, ?3)", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, p->origin);
    hc_query_bind_text(stmt, 2, p->id);
    hc_query_bind_text(stmt, 3, p->code);
    return hc_query_write(store, stmt, "id", NULL, err);
}

int rep_store_program_put(hc_store *store, const rep_program *p, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "INSERT OR REPLACE INTO programs (origin, code, id, name, kind, credential_code) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, p->origin);
    hc_query_bind_text(stmt, 2, p->code);
    hc_query_bind_text(stmt, 3, p->id);
    hc_query_bind_text(stmt, 4, p->name);
    hc_query_bind_text(stmt, 5, p->kind);
    hc_query_bind_text(stmt, 6, p->credential_code);
    int rc = hc_query_write(store, stmt, "code", NULL, err);
    return rc == HC_OK ? s_program_id_put(store, p, err) : rc;
}

/* Copies column col's text into out[size]; false when it does not fit. */
static bool s_column_copy(sqlite3_stmt *stmt, int col, char *out, size_t size)
{
    const char *text = (const char *)sqlite3_column_text(stmt, col);
    size_t len = text ? (size_t)sqlite3_column_bytes(stmt, col) : 0;
    if (len >= size)
        return false;
    if (len)
        memcpy(out, text, len);
    out[len] = '\0';
    return true;
}

int rep_store_program_find(hc_store *store, const char *origin, const char *id, char *code,
                           char *kind, size_t size, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "SELECT p.code, p.kind FROM program_ids i JOIN programs p ON p.origin = i.origin"
        " AND p.code = i.code WHERE i.origin = ?1 AND i.id = ?2",
        err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, origin);
    hc_query_bind_text(stmt, 2, id);
    int rc = sqlite3_step(stmt), code_rc = HC_OK;
    if (rc == SQLITE_ROW) {
        if (!s_column_copy(stmt, 0, code, size) || !s_column_copy(stmt, 1, kind, size))
            code_rc = hc_error_set(err, HC_OUT_OF_RANGE, "program_id",
                                   "%s program %s: code or kind too long", origin, id);
    } else if (rc == SQLITE_DONE) {
        code_rc = hc_error_set(err, HC_NOT_FOUND, "program_id", "%s program %s not known", origin,
                               id ? id : "");
    } else {
        code_rc = hc_store_error(store, rc, "program_id", err);
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code_rc;
}

int rep_store_credential_type_put(hc_store *store, const char *code, const char *name,
                                  hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "INSERT OR REPLACE INTO credential_types (code, name) VALUES (?1, ?2)", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, code);
    hc_query_bind_text(stmt, 2, name);
    return hc_query_write(store, stmt, "code", NULL, err);
}

/* --- facts --- */

#define S_FACT_VALUES                                                                              \
    "(entity, kind, wkey, day, program, program_kind, credential, source, wage_cents) "            \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"

int rep_store_fact_put(hc_store *store, const rep_fact *f, bool keep_first, hc_error *err)
{
    int64_t wkey = 0;
    int rc = rep_store_worker_key(store, f->worker_id, &wkey, err);
    if (rc != HC_OK)
        return rc;
    /* An upsert, not INSERT OR REPLACE: a replaced row would get a new fid
       without its delete reaching model_changes (007). */
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        keep_first ? "INSERT OR IGNORE INTO facts " S_FACT_VALUES
                   : "INSERT INTO facts " S_FACT_VALUES
                     " ON CONFLICT (entity, kind) DO UPDATE SET wkey = excluded.wkey,"
                     " day = excluded.day, program = excluded.program,"
                     " program_kind = excluded.program_kind, credential = excluded.credential,"
                     " source = excluded.source, wage_cents = excluded.wage_cents",
        err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, f->entity);
    sqlite3_bind_int(stmt, 2, f->kind);
    sqlite3_bind_int64(stmt, 3, wkey);
    hc_query_bind_text(stmt, 4, f->day);
    hc_query_bind_text(stmt, 5, f->program);
    hc_query_bind_text(stmt, 6, f->program_kind);
    hc_query_bind_text(stmt, 7, f->credential);
    hc_query_bind_text(stmt, 8, f->source);
    if (f->has_wage)
        sqlite3_bind_int64(stmt, 9, f->wage_cents);
    return hc_query_write(store, stmt, "entity", NULL, err);
}

int rep_store_fact_delete(hc_store *store, const char *entity, int kind, hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_query_prepare(store, "DELETE FROM facts WHERE entity = ?1 AND kind = ?2", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, entity);
    sqlite3_bind_int(stmt, 2, kind);
    return hc_query_write(store, stmt, "entity", NULL, err);
}

/* --- apprentices --- */

int rep_store_apprentice_put(hc_store *store, const rep_apprentice *a, hc_error *err)
{
    int64_t wkey = 0;
    int rc = rep_store_worker_key(store, a->worker_id, &wkey, err);
    if (rc != HC_OK)
        return rc;
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "INSERT INTO apprentices (id, wkey, program, start_date, status, status_date, "
        "completed_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO UPDATE SET "
        "wkey = excluded.wkey, program = excluded.program, start_date = excluded.start_date, "
        "status = excluded.status, status_date = excluded.status_date, "
        "completed_on = excluded.completed_on",
        err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, a->id);
    sqlite3_bind_int64(stmt, 2, wkey);
    hc_query_bind_text(stmt, 3, a->program);
    hc_query_bind_text(stmt, 4, a->start_date);
    hc_query_bind_text(stmt, 5, a->status);
    hc_query_bind_text(stmt, 6, a->status_date);
    hc_query_bind_text(stmt, 7, a->completed_on);
    return hc_query_write(store, stmt, "id", NULL, err);
}

/* --- resets --- */

/* After a reset or clear: the change log restarts under a new generation,
   so every report index reloads instead of following millions of rows. */
#define S_NEW_GENERATION " DELETE FROM model_changes; UPDATE model_state SET generation = random();"

int rep_store_reset_enrollment(hc_store *store, hc_error *err)
{
    return hc_store_exec(store,
                         "DELETE FROM facts WHERE kind BETWEEN 1 AND 5;"
                         " DELETE FROM facts WHERE kind IN (30, 31, 40, 41, 42, 43);"
                         " DELETE FROM programs WHERE origin = 'enrollment';"
                         " DELETE FROM program_ids WHERE origin = 'enrollment';"
                         " DELETE FROM employers;"
                         " UPDATE workers SET race_group = 'unknown', gender = 'unknown',"
                         " age_band = 'unknown', language = 'unknown', employer_id = NULL,"
                         " employment_status = 'unknown', registered_status = 'unknown',"
                         " node = NULL, erased = 0;" S_NEW_GENERATION,
                         err);
}

int rep_store_reset_credentialing(hc_store *store, hc_error *err)
{
    return hc_store_exec(
        store, "DELETE FROM facts WHERE kind = 10; DELETE FROM credential_types;" S_NEW_GENERATION,
        err);
}

int rep_store_reset_apprenticeship(hc_store *store, hc_error *err)
{
    return hc_store_exec(store,
                         "DELETE FROM facts WHERE kind BETWEEN 20 AND 22;"
                         " DELETE FROM programs WHERE origin = 'apprenticeship';"
                         " DELETE FROM program_ids WHERE origin = 'apprenticeship';"
                         " DELETE FROM apprentices;" S_NEW_GENERATION,
                         err);
}

int rep_store_clear(hc_store *store, hc_error *err)
{
    return hc_store_exec(
        store,
        "DELETE FROM facts; DELETE FROM apprentices; DELETE FROM programs;"
        " DELETE FROM employers; DELETE FROM workers;"
        " DELETE FROM credential_types; DELETE FROM program_ids;"
        " DELETE FROM central_epochs; DELETE FROM central_labels;" S_NEW_GENERATION,
        err);
}

/* --- central: the regions' epochs and what each log derived (008) --- */

/* Steps stmt (bound) once: HC_OK with *found, or the mapped error. */
static int s_step_one(hc_store *store, sqlite3_stmt *stmt, bool *found, hc_error *err)
{
    int rc = sqlite3_step(stmt);
    *found = rc == SQLITE_ROW;
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? HC_OK : hc_store_error(store, rc, "epoch", err);
}

/* The current epoch of source into current[size]: *state REP_EPOCH_NEW
   when there is one (the caller's epoch is not in the table), else
   REP_EPOCH_FIRST. */
static int s_epoch_current(hc_store *store, const char *source, rep_epoch *state, char *current,
                           size_t size, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "SELECT epoch FROM central_epochs WHERE source = ?1 AND current", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, source);
    bool found = false;
    int code = s_step_one(store, stmt, &found, err);
    if (code == HC_OK && found && !s_column_copy(stmt, 0, current, size))
        code = hc_error_set(err, HC_OUT_OF_RANGE, "epoch", "the epoch of %s is too long", source);
    *state = found ? REP_EPOCH_NEW : REP_EPOCH_FIRST;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

int rep_store_epoch_find(hc_store *store, const char *source, const char *epoch, rep_epoch *state,
                         char *current, size_t size, hc_error *err)
{
    /* every event asks: one primary-key lookup answers all but the first
       event of an epoch */
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "SELECT current FROM central_epochs WHERE source = ?1 AND epoch = ?2", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, source);
    hc_query_bind_text(stmt, 2, epoch);
    bool found = false;
    int code = s_step_one(store, stmt, &found, err);
    bool is_current = found && sqlite3_column_int(stmt, 0);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (code != HC_OK || found) {
        *state = is_current ? REP_EPOCH_CURRENT : REP_EPOCH_LEFT;
        return code;
    }
    return s_epoch_current(store, source, state, current, size, err);
}

/* Runs the statement sql with ?1 = a and ?2 = b (as far as it uses them). */
static int s_exec2(hc_store *store, const char *sql, const char *a, const char *b, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, a);
    hc_query_bind_text(stmt, 2, b);
    return hc_query_write(store, stmt, NULL, NULL, err);
}

int rep_store_epoch_take(hc_store *store, const char *source, const char *epoch, hc_error *err)
{
    int rc = s_exec2(store, "UPDATE central_epochs SET current = 0 WHERE source = ?1 AND current",
                     source, NULL, err);
    if (rc == HC_OK)
        rc = s_exec2(store,
                     "INSERT INTO central_epochs (source, epoch, current) VALUES (?1, ?2, 1)"
                     " ON CONFLICT (source, epoch) DO UPDATE SET current = 1",
                     source, epoch, err);
    return rc;
}

int rep_store_label_written(hc_store *store, const char *tbl, const char *origin, const char *key,
                            const char *source, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "INSERT OR IGNORE INTO central_labels"
                                          " (tbl, origin, key, source) VALUES (?1, ?2, ?3, ?4)",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, tbl);
    hc_query_bind_text(stmt, 2, origin ? origin : "");
    hc_query_bind_text(stmt, 3, key);
    hc_query_bind_text(stmt, 4, source);
    return hc_query_write(store, stmt, "key", NULL, err);
}

/* The workers of node ?1 (a worker's node is the source of the events
   that named it: pseudonyms of two nodes never meet). */
#define S_OF_NODE "wkey IN (SELECT wkey FROM workers WHERE node = ?1)"

/* What each service's log derived for the workers of node ?1. */
static const char *const s_central_enrollment[] = {
    "DELETE FROM facts WHERE kind IN (1, 2, 3, 4, 5, 30, 31, 40, 41, 42, 43) AND " S_OF_NODE,
    "UPDATE workers SET race_group = 'unknown', gender = 'unknown', age_band = 'unknown',"
    " language = 'unknown', employer_id = NULL, employment_status = 'unknown',"
    " registered_status = 'unknown', erased = 0 WHERE node = ?1",
    NULL,
};
static const char *const s_central_credentialing[] = {
    "DELETE FROM facts WHERE kind = 10 AND " S_OF_NODE,
    NULL,
};
static const char *const s_central_apprenticeship[] = {
    "DELETE FROM facts WHERE kind BETWEEN 20 AND 22 AND " S_OF_NODE,
    "DELETE FROM apprentices WHERE " S_OF_NODE,
    NULL,
};

/* A shared row source (?2) wrote and no other log did. */
#define S_ONLY_BY(tbl)                                                                             \
    "SELECT l.origin, l.key FROM central_labels l WHERE l.source = ?2 AND l.tbl = '" tbl "'"       \
    " AND NOT EXISTS (SELECT 1 FROM central_labels o WHERE o.tbl = l.tbl"                          \
    " AND o.origin = l.origin AND o.key = l.key AND o.source <> ?2)"

/* After any of them: the node's workers left with nothing (every group
   unknown, no fact, no registration) are as good as absent, and the shared
   rows only source ?2 wrote go. */
static const char *const s_central_after[] = {
    "DELETE FROM workers WHERE node = ?1 AND race_group = 'unknown' AND gender = 'unknown'"
    " AND age_band = 'unknown' AND language = 'unknown' AND employer_id IS NULL"
    " AND employment_status = 'unknown' AND registered_status = 'unknown' AND erased = 0"
    " AND NOT EXISTS (SELECT 1 FROM facts f WHERE f.wkey = workers.wkey)"
    " AND wkey NOT IN (SELECT wkey FROM apprentices)",
    "DELETE FROM employers WHERE ('', id) IN (" S_ONLY_BY("employers") ")",
    "DELETE FROM programs WHERE (origin, code) IN (" S_ONLY_BY("programs") ")",
    "DELETE FROM program_ids WHERE (origin, id) IN (" S_ONLY_BY("program_ids") ")",
    "DELETE FROM credential_types WHERE ('', code) IN (" S_ONLY_BY("credential_types") ")",
    "DELETE FROM central_labels WHERE source = ?2",
    NULL,
};

static int s_exec_all(hc_store *store, const char *const *sqls, const char *node,
                      const char *source, hc_error *err)
{
    int rc = HC_OK;
    for (size_t i = 0; rc == HC_OK && sqls[i]; i++)
        rc = s_exec2(store, sqls[i], node, source, err);
    return rc;
}

int rep_store_reset_central(hc_store *store, const char *node, const char *service,
                            const char *source, hc_error *err)
{
    const char *const *sqls = strcmp(service, "enrollment") == 0       ? s_central_enrollment
                              : strcmp(service, "credentialing") == 0  ? s_central_credentialing
                              : strcmp(service, "apprenticeship") == 0 ? s_central_apprenticeship
                                                                       : NULL;
    if (!sqls)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "source", "no log %s is forwarded", service);
    int rc = s_exec_all(store, sqls, node, source, err);
    if (rc == HC_OK)
        rc = s_exec_all(store, s_central_after, node, source, err);
    return rc == HC_OK ? hc_store_exec(store, S_NEW_GENERATION, err) : rc;
}

int rep_store_changes_trim(hc_store *store, int64_t keep, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "DELETE FROM model_changes WHERE seq <= (SELECT MAX(seq) FROM model_changes) - ?1",
        err);
    if (!stmt)
        return HC_INTERNAL;
    sqlite3_bind_int64(stmt, 1, keep);
    return hc_query_write(store, stmt, NULL, NULL, err);
}
