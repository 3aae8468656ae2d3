/* reporting_model_store: the SQL that keeps a rep_model equal to the read
   model: a whole load, or the rows model_changes (sql/007) names since the
   model's last change, read in the caller's transaction. */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "hc_log.h"
#include "hc_query.h"
#include "hc_time.h"
#include "reporting_model.h"
#include "reporting_server.h"

/* More pending changes than a quarter of the facts: a reload is cheaper. */
#define S_RELOAD_SHARE 4
#define S_RELOAD       1000 /* s_apply: a change only a reload follows */
#define S_STEPS_MAX    16   /* steps of one enrollment: kinds 1..5 */

typedef int(s_row_fn)(rep_model *model, sqlite3_stmt *stmt, hc_error *err);

static const char *s_text(sqlite3_stmt *stmt, int col)
{
    return (const char *)sqlite3_column_text(stmt, col);
}

/* Steps stmt (bound) through its rows into fn; resets it. */
static int s_each(hc_store *store, sqlite3_stmt *stmt, s_row_fn *fn, rep_model *model,
                  hc_error *err)
{
    int rc, code = HC_OK;
    while (code == HC_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        code = fn(model, stmt, err);
    if (code == HC_OK && rc != SQLITE_DONE)
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

/* Runs sql (?1 bound to key unless key < 0) through fn. */
static int s_query(hc_store *store, const char *sql, int64_t key, s_row_fn *fn, rep_model *model,
                   hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    if (key >= 0)
        sqlite3_bind_int64(stmt, 1, key);
    return s_each(store, stmt, fn, model, err);
}

/* --- rows --- */

#define S_WORKER_COLS                                                                              \
    "SELECT wkey, race_group, gender, age_band, language, employer_id, employment_status,"         \
    " registered_status, node FROM workers"
#define S_FACT_COLS                                                                                \
    "SELECT fid, wkey, kind, day, program, program_kind, credential, source, wage_cents FROM "     \
    "facts"
#define S_APPRENTICE_COLS                                                                          \
    "SELECT aid, wkey, program, start_date, status, completed_on FROM apprentices"

static int s_worker(rep_model *model, sqlite3_stmt *stmt, hc_error *err)
{
    rep_model_worker_row row = {
        .wkey = sqlite3_column_int64(stmt, 0),
        .race = s_text(stmt, 1),
        .gender = s_text(stmt, 2),
        .age = s_text(stmt, 3),
        .language = s_text(stmt, 4),
        .employer = s_text(stmt, 5),
        .status = s_text(stmt, 6),
        .registered = s_text(stmt, 7),
        .node = s_text(stmt, 8),
    };
    return rep_model_worker_put(model, &row, err);
}

static int s_fact(rep_model *model, sqlite3_stmt *stmt, hc_error *err)
{
    rep_model_fact_row row = {
        .fid = sqlite3_column_int64(stmt, 0),
        .wkey = sqlite3_column_int64(stmt, 1),
        .kind = (int)sqlite3_column_int64(stmt, 2),
        .day = s_text(stmt, 3),
        .program = s_text(stmt, 4),
        .program_kind = s_text(stmt, 5),
        .credential = s_text(stmt, 6),
        .source = s_text(stmt, 7),
        .has_wage = sqlite3_column_type(stmt, 8) != SQLITE_NULL,
        .wage = sqlite3_column_int64(stmt, 8),
    };
    if (sqlite3_column_int64(stmt, 2) != row.kind)
        return hc_error_set(err, HC_OUT_OF_RANGE, NULL, "fact kind not held");
    return rep_model_fact_put(model, &row, err);
}

static int s_apprentice(rep_model *model, sqlite3_stmt *stmt, hc_error *err)
{
    rep_model_apprentice_row row = {
        .aid = sqlite3_column_int64(stmt, 0),
        .wkey = sqlite3_column_int64(stmt, 1),
        .program = s_text(stmt, 2),
        .start = s_text(stmt, 3),
        .status = s_text(stmt, 4),
        .completed_on = s_text(stmt, 5),
    };
    return rep_model_apprentice_put(model, &row, err);
}

static int s_employer(rep_model *model, sqlite3_stmt *stmt, hc_error *err)
{
    return rep_model_employer_add(model, s_text(stmt, 0), s_text(stmt, 1), s_text(stmt, 2), err);
}

static int s_program(rep_model *model, sqlite3_stmt *stmt, hc_error *err)
{
    return rep_model_program_add(model, s_text(stmt, 0), s_text(stmt, 1), s_text(stmt, 2),
                                 s_text(stmt, 3), s_text(stmt, 4), err);
}

static int s_small(hc_store *store, rep_model *model, hc_error *err)
{
    rep_model_small_clear(model);
    int rc = s_query(store, "SELECT id, name, sector FROM employers", -1, s_employer, model, err);
    if (rc == HC_OK)
        rc = s_query(store, "SELECT origin, code, name, kind, credential_code FROM programs", -1,
                     s_program, model, err);
    return rc;
}

/* --- the links between one enrollment's steps --- */

/* The steps of one enrollment, gathered in entity order. */
typedef struct {
    char entity[256];
    bool long_entity; /* an entity past the buffer: compared by the full text */
    int64_t fids[S_STEPS_MAX];
    size_t n;
} s_steps;

static void s_steps_flush(rep_model *model, s_steps *steps)
{
    if (steps->n)
        rep_model_steps_link(model, steps->fids, steps->n);
    steps->n = 0;
}

/* A row (entity, fid) of the steps in entity order. */
static int s_step_row(rep_model *model, sqlite3_stmt *stmt, s_steps *steps, hc_error *err)
{
    const char *entity = s_text(stmt, 0);
    size_t len = (size_t)sqlite3_column_bytes(stmt, 0);
    if (!entity || len >= sizeof steps->entity)
        return hc_error_set(err, HC_OUT_OF_RANGE, NULL, "enrollment id too long to link");
    if (steps->n && strcmp(steps->entity, entity) != 0)
        s_steps_flush(model, steps);
    if (steps->n == S_STEPS_MAX)
        return hc_error_set(err, HC_OUT_OF_RANGE, NULL, "too many steps of %s", entity);
    memcpy(steps->entity, entity, len + 1);
    steps->fids[steps->n++] = sqlite3_column_int64(stmt, 1);
    return HC_OK;
}

/* Links every enrollment's steps: one pass over facts_by_entity, which
   holds entity, kind and fid, in entity order. */
static int s_link_all(hc_store *store, rep_model *model, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "SELECT entity, fid FROM facts INDEXED BY facts_by_entity"
                                          " WHERE kind BETWEEN 1 AND 5 ORDER BY entity, kind",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    s_steps *steps = calloc(1, sizeof *steps);
    int rc, code = steps ? HC_OK : hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    while (code == HC_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        code = s_step_row(model, stmt, steps, err);
    if (code == HC_OK && rc != SQLITE_DONE)
        code = hc_store_error(store, rc, NULL, err);
    if (code == HC_OK)
        s_steps_flush(model, steps);
    sqlite3_reset(stmt);
    free(steps);
    return code;
}

/* Links the steps of fact fid's enrollment again. */
static int s_link_one(hc_store *store, rep_model *model, int64_t fid, hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_query_prepare(store,
                         "SELECT s.fid FROM facts f JOIN facts s ON s.entity = f.entity"
                         " AND s.kind BETWEEN 1 AND 5 WHERE f.fid = ?1",
                         err);
    if (!stmt)
        return HC_INTERNAL;
    sqlite3_bind_int64(stmt, 1, fid);
    int64_t fids[S_STEPS_MAX];
    size_t n = 0;
    int rc;
    while (n < S_STEPS_MAX && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        fids[n++] = sqlite3_column_int64(stmt, 0);
    int code = rc == SQLITE_ROW || rc == SQLITE_DONE ? HC_OK : hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    /* A sibling not in the model yet has its own change further on in the
       log, which links the steps again once it is in. */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (fids[i] >= 0 && (uint64_t)fids[i] < model->n_facts)
            fids[kept++] = fids[i];
    if (code == HC_OK)
        rep_model_steps_link(model, fids, kept);
    return code;
}

/* --- a whole load --- */

static int s_reserve(hc_store *store, rep_model *model, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "SELECT MAX(IFNULL((SELECT MAX(wkey) FROM workers), 0), IFNULL((SELECT MAX(wkey)"
        " FROM facts), 0)), (SELECT MAX(fid) FROM facts), (SELECT MAX(aid) FROM apprentices)",
        err);
    if (!stmt)
        return HC_INTERNAL;
    int rc = sqlite3_step(stmt);
    int64_t wkey = sqlite3_column_int64(stmt, 0), fid = sqlite3_column_int64(stmt, 1);
    int64_t aid = sqlite3_column_int64(stmt, 2);
    sqlite3_reset(stmt);
    if (rc != SQLITE_ROW)
        return hc_store_error(store, rc, NULL, err);
    return rep_model_reserve(model, wkey, fid, aid, err);
}

static int s_load(hc_store *store, rep_model *model, hc_error *err)
{
    int64_t start = hc_clock_ms();
    rep_model_clear(model);
    int rc = s_reserve(store, model, err);
    if (rc == HC_OK)
        rc = s_small(store, model, err);
    if (rc == HC_OK)
        rc = s_query(store, S_WORKER_COLS, -1, s_worker, model, err);
    if (rc == HC_OK)
        rc = s_query(store, S_FACT_COLS, -1, s_fact, model, err);
    if (rc == HC_OK)
        rc = s_link_all(store, model, err);
    if (rc == HC_OK)
        rc = s_query(store, S_APPRENTICE_COLS, -1, s_apprentice, model, err);
    if (rc == HC_OK)
        hc_log_info("report_model_loaded",
                    "workers=%zu facts=%zu apprentices=%zu bytes=%zu ms=%lld", model->n_workers,
                    model->n_facts, model->n_apprentices, rep_model_bytes(model),
                    (long long)(hc_clock_ms() - start));
    return rc;
}

/* --- changes --- */

static int s_gone(rep_model *model, sqlite3_stmt *stmt, hc_error *err)
{
    (void)model;
    (void)stmt;
    (void)err;
    return HC_OK;
}

/* Rereads one changed row of what (1 fact, 2 worker, 3 apprentice):
   written over its slot, or dropped when the store has none. */
static int s_reread(hc_store *store, rep_model *model, int what, int64_t key, hc_error *err)
{
    static const char *const sql[] = {NULL, S_FACT_COLS " WHERE fid = ?1",
                                      S_WORKER_COLS " WHERE wkey = ?1",
                                      S_APPRENTICE_COLS " WHERE aid = ?1"};
    s_row_fn *const fns[] = {s_gone, s_fact, s_worker, s_apprentice};
    sqlite3_stmt *stmt = hc_query_prepare(store, sql[what], err);
    if (!stmt)
        return HC_INTERNAL;
    sqlite3_bind_int64(stmt, 1, key);
    int rc = sqlite3_step(stmt);
    int code = rc == SQLITE_ROW    ? fns[what](model, stmt, err)
               : rc == SQLITE_DONE ? HC_OK
                                   : hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    if (code == HC_OK && rc == SQLITE_DONE)
        what == 1   ? rep_model_fact_drop(model, key)
        : what == 2 ? rep_model_worker_drop(model, key)
                    : rep_model_apprentice_drop(model, key);
    return code;
}

/* Applies one change row (4: employers and programs, reread at the end). */
static int s_change(hc_store *store, rep_model *model, int what, int64_t key, bool *small,
                    hc_error *err)
{
    if (what == 4) {
        *small = true;
        return HC_OK;
    }
    if (what < 1 || what > 3)
        return S_RELOAD;
    return s_reread(store, model, what, key, err);
}

/* Is fid's row in the model an enrollment step? */
static bool s_is_step(const rep_model *model, int64_t fid)
{
    return fid >= 0 && (uint64_t)fid < model->n_facts &&
           model->facts[fid].kind >= REP_FACT_ENROLLED && model->facts[fid].kind <= REP_FACT_FAILED;
}

/* Applies the changes after the model's seq: HC_OK, S_RELOAD, or an error. */
static int s_apply(hc_store *store, rep_model *model, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "SELECT what, key FROM model_changes WHERE seq > ?1 ORDER BY seq", err);
    if (!stmt)
        return HC_INTERNAL;
    sqlite3_bind_int64(stmt, 1, model->seq);
    bool small = false;
    int rc, code = HC_OK;
    while (code == HC_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int what = (int)sqlite3_column_int64(stmt, 0);
        int64_t key = sqlite3_column_int64(stmt, 1);
        code = s_change(store, model, what, key, &small, err);
        if (code == HC_OK && what == 1 && s_is_step(model, key))
            code = s_link_one(store, model, key, err);
    }
    if (code == HC_OK && rc != SQLITE_DONE)
        code = hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    return code == HC_OK && small ? s_small(store, model, err) : code;
}

int rep_model_sync(rep_model *model, hc_store *store, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(store,
                                          "SELECT generation, IFNULL((SELECT MAX(seq) FROM"
                                          " model_changes), 0), IFNULL((SELECT MIN(seq) FROM"
                                          " model_changes), 0) FROM model_state",
                                          err);
    if (!stmt)
        return HC_INTERNAL;
    int rc = sqlite3_step(stmt);
    int64_t generation = sqlite3_column_int64(stmt, 0), last = sqlite3_column_int64(stmt, 1);
    int64_t first = sqlite3_column_int64(stmt, 2);
    sqlite3_reset(stmt);
    if (rc != SQLITE_ROW)
        return hc_store_error(store, rc, NULL, err);
    bool same = model->loaded && generation == model->generation;
    if (same && last == model->seq)
        return HC_OK;
    if (model->refused && generation == model->refused_generation && last == model->refused_seq)
        return hc_error_set(err, HC_OUT_OF_RANGE, NULL, "the store holds what the model cannot");
    int code = S_RELOAD;
    if (same && last > model->seq && first <= model->seq + 1 &&
        (uint64_t)(last - model->seq) <= model->n_facts / S_RELOAD_SHARE + 4096)
        code = s_apply(store, model, err);
    if (code == S_RELOAD)
        code = s_load(store, model, err);
    if (code != HC_OK) {
        rep_model_clear(model);
        model->refused = code == HC_OUT_OF_RANGE;
        model->refused_generation = generation;
        model->refused_seq = last;
        return code;
    }
    model->refused = false;
    model->loaded = true;
    model->generation = generation;
    model->seq = last;
    return HC_OK;
}

int rep_model_wage_latest(hc_store *store, int64_t wkey, int32_t last_day, bool *has, int64_t *wage,
                          hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store,
        "SELECT wage_cents FROM facts WHERE wkey = ?1 AND kind BETWEEN 40 AND 42"
        " AND wage_cents IS NOT NULL AND day <= ?2 ORDER BY day DESC, entity DESC LIMIT 1",
        err);
    if (!stmt)
        return HC_INTERNAL;
    char day[HC_DATE_SIZE];
    hc_date_from_days(last_day, day);
    sqlite3_bind_int64(stmt, 1, wkey);
    hc_query_bind_text(stmt, 2, day);
    int rc = sqlite3_step(stmt);
    *has = rc == SQLITE_ROW;
    if (*has)
        *wage = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? HC_OK : hc_store_error(store, rc, NULL, err);
}
