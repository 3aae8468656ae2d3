/* reporting_query: the grants and the reports counted in SQL: the
   reference the report index (reporting_index.h) equals, and its fallback
   when the model cannot hold the store. Counts of distinct workers use rep_workers(wkey), a bitmap
   COUNT(DISTINCT) registered on the connection (several times faster than
   SQLite's b-tree for the hundreds of thousands of facts a grant period
   holds); breakdowns mark each worker's facts once (rep_mark) and tally
   the workers per group (rep_tally), so no fact is joined to its worker
   row by row. */
#include "reporting_query.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "hc_json.h"
#include "hc_msg.h"
#include "hc_time.h"

/* Fact kinds appear literally in the SQL below (reporting_server.h). */
#include "reporting_server.h"
_Static_assert(REP_FACT_ENROLLED == 1 && REP_FACT_ACTIVE == 2 && REP_FACT_COMPLETED == 3, "enr");
_Static_assert(REP_FACT_WITHDRAWN == 4 && REP_FACT_FAILED == 5, "exits");
_Static_assert(REP_FACT_CREDENTIAL == 10 && REP_FACT_SIGNOFF == 22, "credential, sign-off");
_Static_assert(REP_FACT_APPR_REGISTERED == 20 && REP_FACT_APPR_COMPLETED == 21, "apprentices");
_Static_assert(REP_FACT_CLAIM_APPROVED == 30 && REP_FACT_CLAIM_PAID == 31, "claims");
_Static_assert(REP_FACT_PLACEMENT == 40 && REP_FACT_PROMOTION == 41, "employment");
_Static_assert(REP_FACT_WAGE_CHANGE == 42 && REP_FACT_SEPARATION == 43, "employment");

#define S_WKEY_MAX      (1 << 27) /* worker keys are rowids: far below this */
#define S_POINTER       "rep_marks"
#define S_OPEN_FROM     ""
#define S_OPEN_TO       "9999-12-31"
#define S_DATE_EMPTY(d) (!(d) || !*(d))

/* --- SQL functions --- */

/* A set of worker keys: one byte per key, each bit a fact the worker has
   (rep_mark: masks[kind] of each fact), or bit 0 alone for rep_workers. */
typedef struct {
    uint8_t *bits;
    size_t size;
    int64_t count;     /* rep_workers: distinct keys seen */
    bool failed;       /* a key out of range or no memory */
    uint8_t masks[64]; /* rep_mark: the bits a fact of each kind sets */
} s_marks;

/* Sets mask on key's byte; returns the bits it had, or -1 on failure. */
static int s_marks_set(s_marks *m, int64_t key, uint8_t mask)
{
    if (key < 0 || key >= S_WKEY_MAX)
        return -1;
    size_t k = (size_t)key;
    if (k >= m->size) {
        size_t size = m->size ? m->size : 65536;
        while (size <= k)
            size *= 2;
        uint8_t *bits = realloc(m->bits, size);
        if (!bits)
            return -1;
        memset(bits + m->size, 0, size - m->size);
        m->bits = bits;
        m->size = size;
    }
    int had = m->bits[k];
    m->bits[k] |= mask;
    return had;
}

/* How many keys have every bit of mask. */
static uint32_t s_marks_count(const s_marks *m, uint8_t mask)
{
    uint32_t count = 0;
    for (size_t k = 0; k < m->size; k++)
        count += (m->bits[k] & mask) == mask;
    return count;
}

/* rep_workers(wkey): the number of distinct non-NULL keys. */
static void s_workers_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    s_marks *m = sqlite3_aggregate_context(ctx, sizeof *m);
    if (!m || m->failed || sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    int had = s_marks_set(m, sqlite3_value_int64(argv[0]), 1);
    if (had < 0)
        m->failed = true;
    else if (!had)
        m->count++;
}

static void s_workers_final(sqlite3_context *ctx)
{
    s_marks *m = sqlite3_aggregate_context(ctx, 0);
    if (m && m->failed)
        sqlite3_result_error(ctx, "rep_workers: worker key out of range or out of memory", -1);
    else
        sqlite3_result_int64(ctx, m ? m->count : 0);
    if (m)
        free(m->bits);
}

/* rep_both(tag, wkey): the number of keys seen with tag 1 and with tag 2. */
static void s_both_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    s_marks *m = sqlite3_aggregate_context(ctx, sizeof *m);
    int tag = sqlite3_value_int(argv[0]);
    if (!m || m->failed || sqlite3_value_type(argv[1]) == SQLITE_NULL || tag < 1 || tag > 2)
        return;
    if (s_marks_set(m, sqlite3_value_int64(argv[1]), (uint8_t)tag) < 0)
        m->failed = true;
}

static void s_both_final(sqlite3_context *ctx)
{
    s_marks *m = sqlite3_aggregate_context(ctx, 0);
    if (m && m->failed)
        sqlite3_result_error(ctx, "rep_both: worker key out of range or out of memory", -1);
    else
        sqlite3_result_int64(ctx, m ? s_marks_count(m, 3) : 0);
    if (m)
        free(m->bits);
}

/* rep_mark(marks, kind, wkey): ORs the kind's mask into the worker's byte
   of the bound s_marks; returns how many rows it marked. */
static void s_mark_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int64_t *rows = sqlite3_aggregate_context(ctx, sizeof *rows);
    s_marks *m = sqlite3_value_pointer(argv[0], S_POINTER);
    int kind = sqlite3_value_int(argv[1]);
    if (!rows || !m || m->failed || kind < 0 || kind >= 64 ||
        sqlite3_value_type(argv[2]) == SQLITE_NULL)
        return;
    if (s_marks_set(m, sqlite3_value_int64(argv[2]), m->masks[kind]) < 0)
        m->failed = true;
    (*rows)++;
}

static void s_mark_final(sqlite3_context *ctx)
{
    int64_t *rows = sqlite3_aggregate_context(ctx, 0);
    sqlite3_result_int64(ctx, rows ? *rows : 0);
}

/* The worker's byte of the bound s_marks (0 when unmarked). */
static int s_bits(sqlite3_value *marks, sqlite3_value *wkey)
{
    const s_marks *m = sqlite3_value_pointer(marks, S_POINTER);
    int64_t key = sqlite3_value_int64(wkey);
    return m && key >= 0 && (uint64_t)key < m->size ? m->bits[key] : 0;
}

/* rep_bits(marks, wkey): the worker's byte. */
static void s_bits_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int(ctx, s_bits(argv[0], argv[1]));
}

/* rep_tally(marks, wkey, lo, hi): of the workers aggregated, how many
   have a bit of lo, plus 2^32 times how many have a bit of hi: two columns
   of a breakdown from one call per worker (decoded by S_UNPACK). */
static void s_tally_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int64_t *counts = sqlite3_aggregate_context(ctx, 2 * sizeof *counts);
    int bits = s_bits(argv[0], argv[1]);
    if (counts && bits) {
        counts[0] += (bits & sqlite3_value_int(argv[2])) != 0;
        counts[1] += (bits & sqlite3_value_int(argv[3])) != 0;
    }
}

static void s_tally_final(sqlite3_context *ctx)
{
    int64_t *counts = sqlite3_aggregate_context(ctx, 0);
    sqlite3_result_int64(ctx, counts ? counts[0] + counts[1] * 4294967296LL : 0);
}

/* Registers the functions on the store's connection once: a statement
   using them compiles only after. */
static int s_functions(hc_store *store, hc_error *err)
{
    sqlite3 *db = hc_store_db(store);
    sqlite3_stmt *probe = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT rep_workers(0), rep_both(1, 0), rep_tally(0, 0, 0, 0)",
                                -1, &probe, NULL);
    sqlite3_finalize(probe);
    if (rc == SQLITE_OK)
        return HC_OK;
    int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;
    if (sqlite3_create_function_v2(db, "rep_workers", 1, flags | SQLITE_DETERMINISTIC, NULL, NULL,
                                   s_workers_step, s_workers_final, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "rep_both", 2, flags | SQLITE_DETERMINISTIC, NULL, NULL,
                                   s_both_step, s_both_final, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "rep_mark", 3, flags, NULL, NULL, s_mark_step, s_mark_final,
                                   NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "rep_bits", 2, flags, NULL, s_bits_fn, NULL, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_create_function_v2(db, "rep_tally", 4, flags, NULL, NULL, s_tally_step,
                                   s_tally_final, NULL) != SQLITE_OK)
        return hc_error_set(err, HC_INTERNAL, NULL, "report functions: %s", sqlite3_errmsg(db));
    return HC_OK;
}

/* --- statements --- */

/* hc_query_prepare after the functions are registered. */
static sqlite3_stmt *s_prepare(hc_store *store, const char *sql, hc_error *err)
{
    if (s_functions(store, err) != HC_OK)
        return NULL;
    return hc_query_prepare(store, sql, err);
}

/* Binds the period to from_index and from_index + 1, open ends as the
   first and last dates there are. */
static void s_bind_period(sqlite3_stmt *stmt, int from_index, const char *from, const char *to)
{
    hc_query_bind_text(stmt, from_index, S_DATE_EMPTY(from) ? S_OPEN_FROM : from);
    hc_query_bind_text(stmt, from_index + 1, S_DATE_EMPTY(to) ? S_OPEN_TO : to);
}

/* Steps stmt to its one row: HC_OK (the caller reads it and resets), or
   the mapped error (stmt reset). */
static int s_row(hc_store *store, sqlite3_stmt *stmt, hc_error *err)
{
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        return HC_OK;
    int code = rc == SQLITE_DONE ? hc_error_set(err, HC_INTERNAL, NULL, "report read no row")
                                 : hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    return code;
}

static uint32_t s_u32(sqlite3_stmt *stmt, int col)
{
    int64_t value = sqlite3_column_int64(stmt, col);
    return value < 0 ? 0 : value > UINT32_MAX ? UINT32_MAX : (uint32_t)value;
}

/* Steps a statement of one row of counts into out[0..n), then resets it. */
static int s_counts(hc_store *store, sqlite3_stmt *stmt, uint32_t *out, int n, hc_error *err)
{
    int code = s_row(store, stmt, err);
    if (code != HC_OK)
        return code;
    for (int i = 0; i < n; i++)
        out[i] = s_u32(stmt, i);
    sqlite3_reset(stmt);
    return HC_OK;
}

/* Runs a rep_mark statement with marks bound to ?1 and the period to ?2,
   ?3. */
static int s_mark(hc_store *store, const char *sql, s_marks *marks, const char *from,
                  const char *to, hc_error *err)
{
    sqlite3_stmt *stmt = s_prepare(store, sql, err);
    if (!stmt)
        return HC_INTERNAL;
    sqlite3_bind_pointer(stmt, 1, marks, S_POINTER, NULL);
    s_bind_period(stmt, 2, from, to);
    int code = s_row(store, stmt, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (code == HC_OK && marks->failed)
        code = hc_error_set(err, HC_INTERNAL, NULL, "worker key out of range or out of memory");
    return code;
}

/* --- grants and references --- */

static void *s_grant_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_msg_unpack(&hcap__grant__descriptor, sqlite3_column_blob(stmt, 1),
                         (size_t)sqlite3_column_bytes(stmt, 1), arena);
}

int rep_query_grant_insert(hc_store *store, const Hcap__Grant *grant, hc_error *err)
{
    hc_arena *arena = hc_arena_new();
    size_t size = 0;
    uint8_t *body = arena ? hc_msg_pack(&grant->base, arena, &size) : NULL;
    sqlite3_stmt *stmt =
        body ? hc_query_prepare(
                   store, "INSERT INTO grants (code, body, created_at) VALUES (?1, ?2, ?3)", err)
             : NULL;
    int code = HC_INTERNAL;
    if (!body)
        hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    else if (stmt) {
        hc_query_bind_text(stmt, 1, grant->code);
        sqlite3_bind_blob(stmt, 2, body, (int)size, SQLITE_STATIC);
        hc_query_bind_text(stmt, 3, grant->created_at);
        code = hc_query_write(store, stmt, "code", NULL, err);
    }
    hc_arena_destroy(&arena);
    return code;
}

int rep_query_grant_put(hc_store *store, const char *code, const uint8_t *body, size_t size,
                        const char *created_at, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, "INSERT OR REPLACE INTO grants (code, body, created_at) VALUES (?1, ?2, ?3)", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, code);
    sqlite3_bind_blob(stmt, 2, body, (int)size, SQLITE_STATIC);
    hc_query_bind_text(stmt, 3, created_at);
    return hc_query_write(store, stmt, "code", NULL, err);
}

int rep_query_grant_clear(hc_store *store, hc_error *err)
{
    return hc_store_exec(store, "DELETE FROM grants", err);
}

int rep_query_grant_get(hc_store *store, const char *code, const char *field, hc_arena *arena,
                        Hcap__Grant **out, hc_error *err)
{
    void *msg = NULL;
    int rc = hc_query_get(store, "SELECT code, body FROM grants WHERE code = ?1", s_grant_row, code,
                          field, arena, &msg, err);
    if (rc == HC_NOT_FOUND && field)
        hc_error_set(err, HC_NOT_FOUND, field, "grant %s not found", code);
    if (rc == HC_OK && !msg)
        rc = hc_error_set(err, HC_DATA_LOSS, field, "grant %s does not decode", code);
    *out = msg;
    return rc;
}

int rep_query_grant_list(hc_store *store, const hc_page *page, hc_arena *arena,
                         Hcap__GrantList *list, hc_error *err)
{
    return hc_query_page_list(
        store, "SELECT code, body FROM grants WHERE code > ?1 ORDER BY code LIMIT ?2", s_grant_row,
        page, NULL, arena, &list->base, err);
}

int rep_query_program_exists(hc_store *store, const char *origin, const char *code,
                             const char *field, hc_error *err)
{
    bool found = false;
    sqlite3_stmt *stmt =
        hc_query_prepare(store, "SELECT 1 FROM programs WHERE origin = ?1 AND code = ?2", err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, origin);
    hc_query_bind_text(stmt, 2, code);
    int rc = hc_query_found(store, stmt, &found, err);
    if (rc == HC_OK && !found)
        rc = hc_error_set(err, HC_NOT_FOUND, field, "%s program %s not found", origin, code);
    return rc;
}

int rep_query_credential_type_exists(hc_store *store, const char *code, const char *field,
                                     hc_error *err)
{
    return hc_query_exists(store, "SELECT 1 FROM credential_types WHERE code = ?1", code, field,
                           "credential type", err);
}

/* --- grant deliverables --- */

/* A JSON array of texts (malloc'd) for json_each; NULL when n is 0 or
   memory ran out (*failed then). */
static char *s_json_texts(char **texts, size_t n, bool *failed)
{
    if (n == 0)
        return NULL;
    json_t *array = json_array();
    for (size_t i = 0; array && i < n; i++)
        json_array_append_new(array, json_string_nocheck(texts[i] ? texts[i] : ""));
    char *text = array ? json_dumps(array, JSON_COMPACT) : NULL;
    json_decref(array);
    *failed = *failed || !text;
    return text;
}

/* The same for enum values, by their names ("credential_training"). */
static char *s_json_enums(const ProtobufCEnumDescriptor *desc, const int *values, size_t n,
                          bool *failed)
{
    if (n == 0)
        return NULL;
    json_t *array = json_array();
    for (size_t i = 0; array && i < n; i++) {
        const char *name = hc_json_enum_name(desc, values[i]);
        json_array_append_new(array, json_string(name ? name : ""));
    }
    char *text = array ? json_dumps(array, JSON_COMPACT) : NULL;
    json_decref(array);
    *failed = *failed || !text;
    return text;
}

/* ?1, ?2: the period; ?3: codes (JSON); ?4: program kinds or sources. */
#define S_COUNT(where)                                                                             \
    "SELECT rep_workers(wkey) FROM facts WHERE " where " AND day BETWEEN ?1 AND ?2"
#define S_ENR_FILTERED(kinds)                                                                      \
    "SELECT rep_workers(f.wkey) FROM programs p CROSS JOIN facts f ON f.kind IN " kinds            \
    " AND f.program = p.code AND f.day BETWEEN ?1 AND ?2 WHERE p.origin = 'enrollment'"            \
    " AND (?3 IS NULL OR p.code IN (SELECT value FROM json_each(?3)))"                             \
    " AND (?4 IS NULL OR p.kind IN (SELECT value FROM json_each(?4)))"
#define S_IN_CODES(column) column " IN (SELECT value FROM json_each(?3))"

/* Credentials: by code (and source) or by source from their own indexes,
   unfiltered from facts_by_kind. */
static const char *s_credentials_sql(bool codes, bool sources)
{
    if (codes)
        return "SELECT rep_workers(wkey) FROM facts WHERE kind = 10"
               " AND " S_IN_CODES(
                   "credential") " AND day BETWEEN ?1 AND ?2"
                                 " AND (?4 IS NULL OR source IN (SELECT value FROM json_each(?4)))";
    if (sources)
        return "SELECT rep_workers(wkey) FROM facts WHERE kind = 10"
               " AND source IN (SELECT value FROM json_each(?4)) AND day BETWEEN ?1 AND ?2";
    return S_COUNT("kind = 10");
}

/* The statement counting metric's workers, filtered when codes or keys
   (?3, ?4) are given. */
static const char *s_deliverable_sql(Hcap__Metric metric, bool codes, bool keys)
{
    switch (metric) {
    case HCAP__METRIC__METRIC_PARTICIPANTS:
        return codes || keys ? S_ENR_FILTERED("(1, 2, 3)") : S_COUNT("kind IN (1, 2, 3)");
    case HCAP__METRIC__METRIC_COMPLETIONS:
        return codes || keys ? S_ENR_FILTERED("(3)") : S_COUNT("kind = 3");
    case HCAP__METRIC__METRIC_CREDENTIALS:
        return s_credentials_sql(codes, keys);
    case HCAP__METRIC__METRIC_APPRENTICES:
        return codes ? S_COUNT("kind = 20 AND " S_IN_CODES("program")) : S_COUNT("kind = 20");
    case HCAP__METRIC__METRIC_APPRENTICES_COMPLETED:
        return codes ? S_COUNT("kind = 21 AND " S_IN_CODES("program")) : S_COUNT("kind = 21");
    case HCAP__METRIC__METRIC_TUITION_REIMBURSEMENTS:
        return S_COUNT("kind IN (30, 31)");
    case HCAP__METRIC__METRIC_PLACEMENTS:
        return S_COUNT("kind = 40");
    case HCAP__METRIC__METRIC_PLACEMENT_RATE:
        /* completers in the period, and those placed 0..90 days after */
        return "SELECT rep_workers(c.wkey), rep_workers(CASE WHEN EXISTS (SELECT 1 FROM facts p"
               " WHERE p.wkey = c.wkey AND p.kind = 40 AND p.day BETWEEN c.day"
               " AND date(c.day, '+90 days')) THEN c.wkey END) FROM facts c WHERE c.kind = 21"
               " AND c.day BETWEEN ?1 AND ?2"
               " AND (?3 IS NULL OR c.program IN (SELECT value FROM json_each(?3)))";
    default:
        return NULL;
    }
}

int rep_query_deliverable(hc_store *store, const Hcap__Deliverable *d, const char *from,
                          const char *to, uint32_t *actual, uint32_t *placed, hc_error *err)
{
    const Hcap__DeliverableFilter *f = d->filter;
    bool failed = false;
    char *codes = NULL, *keys = NULL;
    if (f && d->metric == HCAP__METRIC__METRIC_CREDENTIALS) {
        codes = s_json_texts(f->credential_codes, f->n_credential_codes, &failed);
        keys = s_json_enums(&hcap__credential_source__descriptor, (const int *)f->sources,
                            f->n_sources, &failed);
    } else if (f) {
        codes = s_json_texts(f->program_codes, f->n_program_codes, &failed);
        keys = s_json_enums(&hcap__program_kind__descriptor, (const int *)f->program_kinds,
                            f->n_program_kinds, &failed);
    }
    const char *sql = s_deliverable_sql(d->metric, codes != NULL, keys != NULL);
    sqlite3_stmt *stmt = NULL;
    int code = HC_INTERNAL;
    uint32_t counts[2] = {0, 0};
    if (failed)
        hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    else if (!sql)
        hc_error_set(err, HC_INTERNAL, NULL, "metric %d has no count", (int)d->metric);
    else if ((stmt = s_prepare(store, sql, err))) {
        s_bind_period(stmt, 1, from, to);
        hc_query_bind_text(stmt, 3, codes);
        hc_query_bind_text(stmt, 4, keys);
        code = s_counts(store, stmt, counts,
                        d->metric == HCAP__METRIC__METRIC_PLACEMENT_RATE ? 2 : 1, err);
    }
    free(codes);
    free(keys);
    *actual = counts[0];
    *placed = counts[1];
    return code;
}

/* --- outcomes --- */

/* The facts of an outcome row's columns, as bits of a worker's marks. */
enum {
    S_PARTICIPATION = 1,
    S_COMPLETION = 2,
    S_CREDENTIAL = 4,
    S_REGISTRATION = 8,
    S_APPR_COMPLETION = 16,
    S_PLACEMENT = 32,
    S_ANY = 63,
};

#define S_OUTCOME_COLS                                                                             \
    "group, label, participants, completed, credentials, apprentices, apprentices_completed, "     \
    "placements"

/* Marks every worker with the facts they have in the period (?2, ?3),
   by s_outcome_masks. */
#define S_MARK_OUTCOMES                                                                            \
    "SELECT rep_mark(?1, kind, wkey) FROM facts WHERE kind IN (1, 2, 3, 10, 20, 21, 40)"           \
    " AND day BETWEEN ?2 AND ?3"

static void s_outcome_masks(s_marks *m)
{
    m->masks[REP_FACT_ENROLLED] = m->masks[REP_FACT_ACTIVE] = S_PARTICIPATION;
    m->masks[REP_FACT_COMPLETED] = S_PARTICIPATION | S_COMPLETION;
    m->masks[REP_FACT_CREDENTIAL] = S_CREDENTIAL;
    m->masks[REP_FACT_APPR_REGISTERED] = S_REGISTRATION;
    m->masks[REP_FACT_APPR_COMPLETED] = S_APPR_COMPLETION;
    m->masks[REP_FACT_PLACEMENT] = S_PLACEMENT;
}

/* The marked workers' six columns per group, as three packed tallies
   (t1, t2, t3), over a workers index so groups come in order, unsorted;
   each worker is in one group. S_UNPACK gives the columns. */
#define S_TALLIES                                                                                  \
    "rep_tally(?1, w.wkey, 1, 2) AS t1, rep_tally(?1, w.wkey, 4, 8) AS t2,"                        \
    " rep_tally(?1, w.wkey, 16, 32) AS t3"
#define S_UNPACK(t1, t2, t3)                                                                       \
    t1 " & 4294967295, " t1 " >> 32, " t2 " & 4294967295, " t2 " >> 32, " t3 " & 4294967295, " t3  \
       " >> 32"
#define S_BY(column)                                                                               \
    "SELECT g, NULL, " S_UNPACK("t1", "t2", "t3") " FROM (SELECT w." column " AS g, " S_TALLIES    \
                                                  " FROM workers w GROUP BY w." column ")"
/* Per employer (NULL: none), then labelled, or summed per sector. */
#define S_EMPLOYERS                                                                                \
    "(SELECT w.employer_id AS id, " S_TALLIES " FROM workers w"                                    \
    " GROUP BY w.employer_id) g LEFT JOIN employers e ON e.id = g.id"
#define S_BY_EMPLOYER "SELECT g.id, e.name, " S_UNPACK("g.t1", "g.t2", "g.t3") " FROM " S_EMPLOYERS
#define S_BY_SECTOR                                                                                \
    "SELECT COALESCE(e.sector, 'unknown'), NULL, SUM(g.t1 & 4294967295), SUM(g.t1 >> 32),"         \
    " SUM(g.t2 & 4294967295), SUM(g.t2 >> 32), SUM(g.t3 & 4294967295), SUM(g.t3 >> 32) "           \
    "FROM " S_EMPLOYERS " GROUP BY 1"

/* One row per program of origin: its own events in the period (?2, ?3);
   credentials of its credential code in the period to workers who ever
   had a fact of a member kind in it (rep_both: the workers in both sets);
   placements (marked) of workers who ever had a fact of the completer
   kind in it. */
#define S_PROGRAMS(origin, part, done, member, regd, apdone, completer)                            \
    "SELECT p.code, p.name, " part ", " done ", (SELECT rep_both(x.tag, x.wkey) FROM"              \
    " (SELECT 1 AS tag, c.wkey FROM facts c WHERE c.kind = 10"                                     \
    " AND c.credential = p.credential_code AND c.day BETWEEN ?2 AND ?3"                            \
    " UNION ALL SELECT 2, m.wkey FROM facts m WHERE m.kind IN " member                             \
    " AND m.program = p.code) x), " regd ", " apdone ", (SELECT rep_workers(f.wkey) FROM facts f"  \
    " WHERE f.kind = " completer " AND f.program = p.code AND rep_bits(?1, f.wkey) & 32)"          \
    " FROM programs p WHERE p.origin = '" origin "'"
#define S_IN_PERIOD(kinds)                                                                         \
    "(SELECT rep_workers(f.wkey) FROM facts f WHERE f.kind IN " kinds " AND f.program = p.code"    \
    " AND f.day BETWEEN ?2 AND ?3)"

static const char *s_groups_sql(Hcap__Dimension by)
{
    switch (by) {
    case HCAP__DIMENSION__DIMENSION_RACE_ETHNICITY:
        return S_BY("race_group");
    case HCAP__DIMENSION__DIMENSION_GENDER:
        return S_BY("gender");
    case HCAP__DIMENSION__DIMENSION_AGE_BAND:
        return S_BY("age_band");
    case HCAP__DIMENSION__DIMENSION_SECTOR:
        return S_BY_SECTOR;
    case HCAP__DIMENSION__DIMENSION_EMPLOYER:
        return S_BY_EMPLOYER;
    case HCAP__DIMENSION__DIMENSION_PREFERRED_LANGUAGE:
        return S_BY("language");
    case HCAP__DIMENSION__DIMENSION_EMPLOYMENT_STATUS:
        return S_BY("employment_status");
    case HCAP__DIMENSION__DIMENSION_NODE:
        return S_BY("node");
    case HCAP__DIMENSION__DIMENSION_PROGRAM:
        return S_PROGRAMS("enrollment", S_IN_PERIOD("(1, 2, 3)"), S_IN_PERIOD("(3)"), "(1, 2, 3)",
                          "0", "0", "3") " UNION ALL " S_PROGRAMS("apprenticeship", "0", "0",
                                                                  "(20)", S_IN_PERIOD("(20)"),
                                                                  S_IN_PERIOD("(21)"), "21");
    default:
        return NULL;
    }
}

/* A growing array of rows in arena. */
typedef struct {
    Hcap__OutcomeRow **items;
    size_t n, capacity;
} s_rows;

/* Appends row; false when memory ran out. */
static bool s_rows_push(s_rows *rows, hc_arena *arena, Hcap__OutcomeRow *row)
{
    if (rows->n == rows->capacity) {
        size_t capacity = rows->capacity ? rows->capacity * 2 : 16;
        Hcap__OutcomeRow **items = hc_arena_alloc(arena, capacity * sizeof *items);
        if (!items)
            return false;
        if (rows->n)
            memcpy(items, rows->items, rows->n * sizeof *items);
        rows->items = items;
        rows->capacity = capacity;
    }
    rows->items[rows->n++] = row;
    return true;
}

static bool s_row_zero(const Hcap__OutcomeRow *r)
{
    return !r->participants && !r->completed && !r->credentials && !r->apprentices &&
           !r->apprentices_completed && !r->placements;
}

/* Reads the rows of stmt (marks bound to ?1) into rows, all-zero ones
   left out; resets stmt. */
static int s_read_rows(hc_store *store, sqlite3_stmt *stmt, hc_arena *arena, s_rows *rows,
                       hc_error *err)
{
    int rc;
    bool full = false;
    while (!full && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        Hcap__OutcomeRow *row = (Hcap__OutcomeRow *)hc_query_row(
            stmt, &hcap__outcome_row__descriptor, S_OUTCOME_COLS, arena);
        full = !row;
        if (row && !row->group)
            row->group = hc_arena_strdup(arena, "unknown");
        if (row && !s_row_zero(row))
            full = !s_rows_push(rows, arena, row);
    }
    int code = full                ? hc_error_set(err, HC_INTERNAL, NULL, "out of memory")
               : rc == SQLITE_DONE ? HC_OK
                                   : hc_store_error(store, rc, NULL, err);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return code;
}

/* The total row: the marked workers of each column. */
static Hcap__OutcomeRow *s_total(const s_marks *m, hc_arena *arena)
{
    Hcap__OutcomeRow *t =
        (Hcap__OutcomeRow *)hc_arena_message(arena, &hcap__outcome_row__descriptor);
    if (!t)
        return NULL;
    t->group = hc_arena_strdup(arena, "total");
    t->has_participants = t->has_completed = t->has_credentials = 1;
    t->has_apprentices = t->has_apprentices_completed = t->has_placements = 1;
    t->participants = s_marks_count(m, S_PARTICIPATION);
    t->completed = s_marks_count(m, S_COMPLETION);
    t->credentials = s_marks_count(m, S_CREDENTIAL);
    t->apprentices = s_marks_count(m, S_REGISTRATION);
    t->apprentices_completed = s_marks_count(m, S_APPR_COMPLETION);
    t->placements = s_marks_count(m, S_PLACEMENT);
    return t;
}

int rep_query_outcomes(hc_store *store, Hcap__Dimension by, const char *from, const char *to,
                       hc_arena *arena, Hcap__OutcomeRow ***rows, size_t *n_rows,
                       Hcap__OutcomeRow **total, hc_error *err)
{
    const char *sql = s_groups_sql(by);
    s_marks marks = {0};
    s_rows out = {0};
    *rows = NULL;
    *n_rows = 0;
    *total = NULL;
    if (!sql)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "by", "no outcomes by dimension %d", by);
    s_outcome_masks(&marks);
    int code = s_mark(store, S_MARK_OUTCOMES, &marks, from, to, err);
    sqlite3_stmt *stmt = code == HC_OK ? s_prepare(store, sql, err) : NULL;
    if (stmt) {
        sqlite3_bind_pointer(stmt, 1, &marks, S_POINTER, NULL);
        s_bind_period(stmt, 2, from, to);
        code = s_read_rows(store, stmt, arena, &out, err);
    } else if (code == HC_OK)
        code = HC_INTERNAL;
    if (code == HC_OK) {
        *rows = out.items;
        *n_rows = out.n;
        *total = s_total(&marks, arena);
        if (!*total)
            code = hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    }
    free(marks.bits);
    return code;
}

/* --- apprenticeship --- */

/* Registrations (of ?1 when given) starting in the period ?2..?3, by
   status now; placed: completed ones placed 0..90 days after completing. */
#define S_APPRENTICES(where)                                                                       \
    "SELECT COUNT(*), COUNT(*) FILTER (WHERE a.status = 'active'),"                                \
    " COUNT(*) FILTER (WHERE a.status = 'suspended'),"                                             \
    " COUNT(*) FILTER (WHERE a.status = 'completed'),"                                             \
    " COUNT(*) FILTER (WHERE a.status = 'cancelled'),"                                             \
    " COUNT(*) FILTER (WHERE a.status = 'completed' AND EXISTS (SELECT 1 FROM facts p"             \
    " WHERE p.wkey = a.wkey AND p.kind = 40 AND p.day BETWEEN a.completed_on"                      \
    " AND date(a.completed_on, '+90 days'))) FROM apprentices a WHERE " where                      \
    "a.start_date BETWEEN ?2 AND ?3"

int rep_query_apprenticeship(hc_store *store, const char *program, const char *from, const char *to,
                             Hcap__ApprenticeshipReport *out, hc_error *err)
{
    sqlite3_stmt *stmt = hc_query_prepare(
        store, program ? S_APPRENTICES("a.program = ?1 AND ") : S_APPRENTICES(""), err);
    if (!stmt)
        return HC_INTERNAL;
    hc_query_bind_text(stmt, 1, program);
    s_bind_period(stmt, 2, from, to);
    uint32_t c[6];
    int code = s_counts(store, stmt, c, 6, err);
    if (code != HC_OK)
        return code;
    out->has_registered = out->has_active = out->has_suspended = 1;
    out->has_completed = out->has_cancelled = out->has_placed = 1;
    out->registered = c[0];
    out->active = c[1];
    out->suspended = c[2];
    out->completed = c[3];
    out->cancelled = c[4];
    out->placed = c[5];
    return HC_OK;
}

/* --- indicators --- */

/* The workers who exited in the period ?1..?2, with their exit date d (the
   last exit in the period), less those with another enrollment enrolled
   or active on d (one that started by d and had not ended by d). */
#define S_EXITED                                                                                   \
    "WITH ex AS (SELECT wkey, MAX(day) AS d FROM facts WHERE kind BETWEEN 3 AND 5"                 \
    " AND day BETWEEN ?1 AND ?2 GROUP BY wkey),"                                                   \
    " exited AS MATERIALIZED (SELECT ex.wkey, ex.d FROM ex WHERE NOT EXISTS (SELECT 1 FROM facts " \
    "a"                                                                                            \
    " WHERE a.wkey = ex.wkey AND a.kind BETWEEN 1 AND 2 AND a.day <= ex.d AND NOT EXISTS"          \
    " (SELECT 1 FROM facts x WHERE x.entity = a.entity AND x.kind BETWEEN 3 AND 5"                 \
    " AND x.day <= ex.d)))"

/* A credential_training enrollment exited in the period, of exiter e. */
#define S_TRAINING_EXIT                                                                            \
    "SELECT 1 FROM facts t WHERE t.wkey = e.wkey AND t.kind BETWEEN 3 AND 5"                       \
    " AND t.day BETWEEN ?1 AND ?2 AND t.program_kind = 'credential_training'"

/* Exiters at least a year before today (?3 = today less a year) from a
   credential_training enrollment; with attained, those awarded a
   credential from that enrollment's start to a year after the exit (a
   year later's date, clamped to its month's end: 2024-02-29 + 1 year =
   2025-02-28). */
#define S_ATTAINMENT(attained)                                                                     \
    "(SELECT COUNT(*) FROM exited e WHERE e.d <= ?3 AND EXISTS (" S_TRAINING_EXIT attained "))"
#define S_ATTAINED                                                                                 \
    " AND EXISTS (SELECT 1 FROM facts c WHERE c.wkey = e.wkey AND c.kind = 10"                     \
    " AND c.day >= COALESCE((SELECT MIN(s.day) FROM facts s WHERE s.entity = t.entity"             \
    " AND s.kind BETWEEN 1 AND 3), t.day) AND c.day <= MIN(date(e.d, '+1 year'),"                  \
    " date(e.d, 'start of month', '+13 months', '-1 day')))"

/* Whether exiter s was employed during f..l: an employment record by l
   with no separation after it before f, or a worker registered as an
   incumbent not separated before f. */
#define S_EMPLOYED(f, l)                                                                           \
    "(EXISTS (SELECT 1 FROM facts r WHERE r.wkey = s.wkey AND r.kind BETWEEN 40 AND 42"            \
    " AND r.day <= " l " AND NOT EXISTS (SELECT 1 FROM facts x WHERE x.wkey = s.wkey"              \
    " AND x.kind = 43 AND x.day > r.day AND x.day < " f "))"                                       \
    " OR (w.registered_status = 'incumbent' AND NOT EXISTS (SELECT 1 FROM facts x"                 \
    " WHERE x.wkey = s.wkey AND x.kind = 43 AND x.day < " f ")))"

/* Every indicator's counts in one pass over the exiters: the credential
   exiters and attainers; of the exiters whose second (fourth) quarter
   after the exit's quarter (f2..l2, f4..l4) ended before today (?4), how
   many, how many were employed during it; the earners (employed in Q2
   with a wage in effect: the latest record with one by l2) and the lower
   middle of their wages. */
#define S_SPAN                                                                                     \
    "span AS (SELECT wkey, date(q, '+6 months') AS f2, date(q, '+9 months', '-1 day') AS l2,"      \
    " date(q, '+12 months') AS f4, date(q, '+15 months', '-1 day') AS l4 FROM (SELECT wkey,"       \
    " date(d, 'start of month', '-' || ((CAST(substr(d, 6, 2) AS INTEGER) - 1) % 3)"               \
    " || ' months') AS q FROM exited))"
#define S_EMPLOYED_2 S_EMPLOYED("s.f2", "s.l2")
#define S_EMPLOYED_4 S_EMPLOYED("s.f4", "s.l4")
#define S_MEASURED                                                                                 \
    "measured AS MATERIALIZED (SELECT s.wkey, s.l2, s.l2 < ?4 AS ended2, s.l4 < ?4 AS ended4,"     \
    " s.l2 < ?4 AND " S_EMPLOYED_2 " AS employed2, s.l4 < ?4 AND " S_EMPLOYED_4 " AS employed4"    \
    " FROM span s JOIN workers w ON w.wkey = s.wkey)"
#define S_PAID                                                                                     \
    "paid AS MATERIALIZED (SELECT (SELECT r.wage_cents FROM facts r WHERE r.wkey = m.wkey"         \
    " AND r.kind BETWEEN 40 AND 42 AND r.wage_cents IS NOT NULL AND r.day <= m.l2"                 \
    " ORDER BY r.day DESC, r.entity DESC LIMIT 1) AS wage FROM measured m WHERE m.employed2)"
#define S_EXITERS   S_ATTAINMENT("")
#define S_ATTAINERS S_ATTAINMENT(S_ATTAINED)
#define S_INDICATOR_COLUMNS                                                                        \
    "SELECT " S_EXITERS ", " S_ATTAINERS ", (SELECT COUNT(*) FROM measured WHERE ended2),"         \
    " (SELECT COUNT(*) FROM measured WHERE employed2), (SELECT COUNT(wage) FROM paid),"            \
    " (SELECT COUNT(*) FROM measured WHERE ended4), (SELECT COUNT(*) FROM measured"                \
    " WHERE employed4), (SELECT wage FROM paid WHERE wage IS NOT NULL ORDER BY wage LIMIT 1"       \
    " OFFSET (SELECT (COUNT(wage) - 1) / 2 FROM paid))"
#define S_INDICATORS S_EXITED ", " S_SPAN ", " S_MEASURED ", " S_PAID " " S_INDICATOR_COLUMNS

/* Participation (bit 1) and skill gains (bit 2) in the period ?2..?3. */
#define S_MARK_SKILLS                                                                              \
    "SELECT rep_mark(?1, kind, wkey) FROM facts WHERE kind IN (1, 2, 3, 10, 22)"                   \
    " AND day BETWEEN ?2 AND ?3"

static int s_skill_gains(hc_store *store, const char *from, const char *to,
                         Hcap__IndicatorsReport *out, hc_error *err)
{
    s_marks marks = {0};
    marks.masks[REP_FACT_ENROLLED] = marks.masks[REP_FACT_ACTIVE] = 1;
    marks.masks[REP_FACT_COMPLETED] = 1 | 2;
    marks.masks[REP_FACT_CREDENTIAL] = marks.masks[REP_FACT_SIGNOFF] = 2;
    int code = s_mark(store, S_MARK_SKILLS, &marks, from, to, err);
    out->has_skill_participants = out->has_skill_gainers = code == HC_OK;
    out->skill_participants = s_marks_count(&marks, 1);
    out->skill_gainers = s_marks_count(&marks, 3);
    free(marks.bits);
    return code;
}

/* Sets the counts of S_INDICATORS's row and its median (column 7). */
static void s_indicator_counts(sqlite3_stmt *stmt, Hcap__IndicatorsReport *out)
{
    out->has_credential_exiters = out->has_credential_attainers = 1;
    out->credential_exiters = s_u32(stmt, 0);
    out->credential_attainers = s_u32(stmt, 1);
    out->has_exiters_q2 = out->has_employed_q2 = out->has_earners_q2 = 1;
    out->exiters_q2 = s_u32(stmt, 2);
    out->employed_q2 = s_u32(stmt, 3);
    out->earners_q2 = s_u32(stmt, 4);
    out->has_exiters_q4 = out->has_employed_q4 = 1;
    out->exiters_q4 = s_u32(stmt, 5);
    out->employed_q4 = s_u32(stmt, 6);
    out->has_median_earnings_q2_cents = sqlite3_column_type(stmt, 7) != SQLITE_NULL;
    out->median_earnings_q2_cents = sqlite3_column_int64(stmt, 7);
}

int rep_query_indicators(hc_store *store, const char *from, const char *to, const char *today,
                         Hcap__IndicatorsReport *out, hc_error *err)
{
    char year_ago[HC_DATE_SIZE];
    if (hc_date_add_months(today, -12, year_ago) != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "today %s is not a date", today);
    sqlite3_stmt *stmt = hc_query_prepare(store, S_INDICATORS, err);
    if (!stmt)
        return HC_INTERNAL;
    s_bind_period(stmt, 1, from, to);
    hc_query_bind_text(stmt, 3, year_ago);
    hc_query_bind_text(stmt, 4, today);
    int code = s_row(store, stmt, err);
    if (code != HC_OK)
        return code;
    s_indicator_counts(stmt, out);
    sqlite3_reset(stmt);
    return s_skill_gains(store, from, to, out, err);
}
