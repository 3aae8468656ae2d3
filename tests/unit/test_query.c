/* Tests of hc_query: paging through a list message, key filters, one-row
   reads and existence checks, writes and their error mapping, and reading
   the event log back. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "enrollment.pb-c.h"
#include "hc_arena.h"
#include "hc_eventlog.h"
#include "hc_query.h"
#include "hc_store.h"
#include "hcap.pb-c.h"

#define COLUMNS "id, name, sector"
#define PAGE_SQL                                                                                   \
    "SELECT id, name, sector FROM items WHERE id > ?1 AND (?3 IS NULL OR county = ?3)"             \
    " ORDER BY id LIMIT ?2"
#define GET_SQL "SELECT id, name, sector FROM items WHERE id = ?1"

static char s_dir[64];
static char s_path[128];
static hc_store *s_store;
static hc_arena *s_arena;

static const hc_migration s_migrations[] = {
    {"001_items.sql", "CREATE TABLE items (id TEXT PRIMARY KEY, name TEXT, sector INTEGER,"
                      " county TEXT, n INTEGER);"},
    {NULL, NULL},
};

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/hcap-query-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_path, sizeof s_path, "%s/test.db", s_dir);
    hc_error err;
    hc_error_clear(&err);
    s_store = hc_store_open(s_path, s_migrations, &err);
    cr_assert_not_null(s_store, "%s", err.message);
    s_arena = hc_arena_new();
    cr_assert_not_null(s_arena);
}

static void s_teardown(void)
{
    hc_arena_destroy(&s_arena);
    hc_store_destroy(&s_store);
    nftw(s_dir, s_remove, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(query, .init = s_setup, .fini = s_teardown, .timeout = 30);

static void *s_employer_row(sqlite3_stmt *stmt, hc_arena *arena)
{
    return hc_query_row(stmt, &hcap__employer__descriptor, COLUMNS, arena);
}

/* Seven employers e1..e7; odd ones in county "kings", even ones in "queens". */
static void s_seed(void)
{
    hc_error err;
    int rc = hc_store_exec(s_store,
                           "INSERT INTO items (id, name, sector, county, n) VALUES"
                           " ('e1', 'one', 1, 'kings', 1), ('e2', 'two', 2, 'queens', 2),"
                           " ('e3', 'three', 3, 'kings', 3), ('e4', 'four', 4, 'queens', 4),"
                           " ('e5', 'five', 5, 'kings', 5), ('e6', 'six', 6, 'queens', 6),"
                           " ('e7', 'seven', 7, 'kings', 7);",
                           &err);
    cr_assert_eq(rc, HC_OK, "%s", err.message);
}

static Hcap__EmployerList *s_page(const char *after, uint32_t limit, const char *key)
{
    Hcap__EmployerList *list =
        (Hcap__EmployerList *)hc_arena_message(s_arena, &hcap__employer_list__descriptor);
    hc_page page = {after, limit};
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_query_page_list(s_store, PAGE_SQL, s_employer_row, &page, key, s_arena, &list->base,
                                &err);
    cr_assert_eq(rc, HC_OK, "%s", err.message);
    return list;
}

static void s_assert_ids(const Hcap__EmployerList *list, const char *const *ids, size_t count)
{
    cr_assert_eq(list->n_items, count, "got %zu items, want %zu", list->n_items, count);
    for (size_t i = 0; i < count; i++)
        cr_assert_str_eq(list->items[i]->id, ids[i]);
}

Test(query, page_list_pages_through_seven_rows_by_three)
{
    s_seed();
    Hcap__EmployerList *list = s_page(NULL, 3, NULL);
    s_assert_ids(list, (const char *[]){"e1", "e2", "e3"}, 3);
    cr_assert_str_eq(list->items[1]->name, "two");
    cr_assert_eq(list->items[1]->sector, HCAP__SECTOR__SECTOR_AMBULATORY);
    cr_assert_str_eq(list->next, "e3");

    list = s_page(list->next, 3, NULL);
    s_assert_ids(list, (const char *[]){"e4", "e5", "e6"}, 3);
    cr_assert_str_eq(list->next, "e6");

    list = s_page(list->next, 3, NULL);
    s_assert_ids(list, (const char *[]){"e7"}, 1);
    cr_assert_str_eq(list->items[0]->name, "seven");
    cr_assert_null(list->next, "the last page has no next");
}

Test(query, page_list_full_last_page_has_no_next)
{
    s_seed();
    Hcap__EmployerList *list = s_page(NULL, 7, NULL);
    cr_assert_eq(list->n_items, 7);
    cr_assert_null(list->next, "no eighth row, so no next");
    list = s_page("e4", 3, NULL);
    s_assert_ids(list, (const char *[]){"e5", "e6", "e7"}, 3);
    cr_assert_null(list->next);
    list = s_page("e7", 3, NULL);
    cr_assert_eq(list->n_items, 0);
    cr_assert_null(list->next);
}

Test(query, page_list_key_bound_to_third_parameter_filters)
{
    s_seed();
    Hcap__EmployerList *list = s_page(NULL, 3, "kings");
    s_assert_ids(list, (const char *[]){"e1", "e3", "e5"}, 3);
    cr_assert_str_eq(list->next, "e5");
    list = s_page(list->next, 3, "kings");
    s_assert_ids(list, (const char *[]){"e7"}, 1);
    cr_assert_null(list->next);

    list = s_page(NULL, 10, "queens");
    s_assert_ids(list, (const char *[]){"e2", "e4", "e6"}, 3);
    cr_assert_null(list->next);
    list = s_page(NULL, 10, "bronx");
    cr_assert_eq(list->n_items, 0);
    cr_assert_null(list->next);
}

Test(query, page_list_without_third_parameter_ignores_key)
{
    s_seed();
    Hcap__EmployerList *list =
        (Hcap__EmployerList *)hc_arena_message(s_arena, &hcap__employer_list__descriptor);
    hc_page page = {"e5", 5};
    hc_error err;
    int rc = hc_query_page_list(s_store,
                                "SELECT id, name, sector FROM items WHERE id > ?1"
                                " ORDER BY id LIMIT ?2",
                                s_employer_row, &page, "kings", s_arena, &list->base, &err);
    cr_assert_eq(rc, HC_OK, "%s", err.message);
    s_assert_ids(list, (const char *[]){"e6", "e7"}, 2);
    cr_assert_null(list->next);
}

static int s_list_prepared(Hcap__EmployerList *list, const hc_page *page, const char *min_name)
{
    hc_error err;
    hc_error_clear(&err);
    sqlite3_stmt *stmt = hc_query_prepare(s_store,
                                          "SELECT id, name, sector FROM items WHERE id > ?1"
                                          " AND name >= ?3 ORDER BY id LIMIT ?2",
                                          &err);
    cr_assert_not_null(stmt, "%s", err.message);
    hc_query_bind_page(stmt, 1, page);
    hc_query_bind_text(stmt, 3, min_name);
    return hc_query_list(s_store, stmt, s_employer_row, page, s_arena, &list->base, &err);
}

Test(query, list_with_a_prepared_statement)
{
    s_seed();
    /* names >= "s": two, three, six, seven -> e2, e3, e6, e7. */
    hc_page page = {NULL, 3};
    Hcap__EmployerList *list =
        (Hcap__EmployerList *)hc_arena_message(s_arena, &hcap__employer_list__descriptor);
    cr_assert_eq(s_list_prepared(list, &page, "s"), HC_OK);
    s_assert_ids(list, (const char *[]){"e2", "e3", "e6"}, 3);
    cr_assert_str_eq(list->next, "e6");

    /* The statement was reset: the next page runs on the same cached one. */
    page.after = list->next;
    list = (Hcap__EmployerList *)hc_arena_message(s_arena, &hcap__employer_list__descriptor);
    cr_assert_eq(s_list_prepared(list, &page, "s"), HC_OK);
    s_assert_ids(list, (const char *[]){"e7"}, 1);
    cr_assert_null(list->next);
}

Test(query, get_found_and_not_found)
{
    s_seed();
    hc_error err;
    hc_error_clear(&err);
    void *out = NULL;
    int rc =
        hc_query_get(s_store, GET_SQL, s_employer_row, "e4", "employer_id", s_arena, &out, &err);
    cr_assert_eq(rc, HC_OK, "%s", err.message);
    Hcap__Employer *employer = out;
    cr_assert_not_null(employer);
    cr_assert_str_eq(employer->id, "e4");
    cr_assert_str_eq(employer->name, "four");
    cr_assert_eq(employer->sector, HCAP__SECTOR__SECTOR_HOME_CARE);
    cr_assert_null(employer->county, "county is not in the column list");

    out = NULL;
    rc = hc_query_get(s_store, GET_SQL, s_employer_row, "e9", "employer_id", s_arena, &out, &err);
    cr_assert_eq(rc, HC_NOT_FOUND);
    cr_assert_eq(err.code, HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "employer_id");
    cr_assert_not_null(strstr(err.message, "e9"), "message names the id: %s", err.message);
    cr_assert_null(out);
}

Test(query, get_not_found_without_field_is_silent)
{
    s_seed();
    hc_error err;
    hc_error_clear(&err);
    void *out = NULL;
    int rc = hc_query_get(s_store, GET_SQL, s_employer_row, "nope", NULL, s_arena, &out, &err);
    cr_assert_eq(rc, HC_NOT_FOUND);
    cr_assert_eq(err.code, HC_OK, "err untouched");
    cr_assert_str_empty(err.field);
    cr_assert_str_empty(err.message);
    cr_assert_null(out);
}

Test(query, exists_names_field_and_what)
{
    s_seed();
    hc_error err;
    hc_error_clear(&err);
    const char *sql = "SELECT 1 FROM items WHERE id = ?1";
    cr_assert_eq(hc_query_exists(s_store, sql, "e1", "employer_id", "employer", &err), HC_OK);
    cr_assert_eq(err.code, HC_OK);
    cr_assert_eq(hc_query_exists(s_store, sql, "e8", "employer_id", "employer", &err),
                 HC_NOT_FOUND);
    cr_assert_eq(err.code, HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "employer_id");
    cr_assert_str_eq(err.message, "employer e8 not found");
    hc_error_clear(&err);
    cr_assert_eq(hc_query_exists(s_store, sql, NULL, "employer_id", "employer", &err), HC_NOT_FOUND,
                 "a NULL id matches nothing");
}

Test(query, found_steps_once_and_resets)
{
    s_seed();
    hc_error err;
    sqlite3_stmt *stmt =
        hc_query_prepare(s_store, "SELECT id FROM items WHERE county = ?1 ORDER BY id", &err);
    cr_assert_not_null(stmt);
    bool found = false;
    hc_query_bind_text(stmt, 1, "kings");
    cr_assert_eq(hc_query_found(s_store, stmt, &found, &err), HC_OK);
    cr_assert(found);
    hc_query_bind_text(stmt, 1, "bronx");
    cr_assert_eq(hc_query_found(s_store, stmt, &found, &err), HC_OK);
    cr_assert_not(found);
    /* Bindings were cleared: the parameter is NULL, which matches nothing. */
    found = true;
    cr_assert_eq(hc_query_found(s_store, stmt, &found, &err), HC_OK);
    cr_assert_not(found);
}

Test(query, write_maps_unique_violation_and_unchanged_update)
{
    hc_error err;
    hc_error_clear(&err);
    const char *insert = "INSERT INTO items (id, name, n) VALUES (?1, ?2, 1)";
    sqlite3_stmt *stmt = hc_query_prepare(s_store, insert, &err);
    cr_assert_not_null(stmt);
    hc_query_bind_text(stmt, 1, "e1");
    hc_query_bind_text(stmt, 2, "one");
    cr_assert_eq(hc_query_write(s_store, stmt, "employer_id", NULL, &err), HC_OK, "%s",
                 err.message);

    hc_query_bind_text(stmt, 1, "e1");
    hc_query_bind_text(stmt, 2, "again");
    cr_assert_eq(hc_query_write(s_store, stmt, "employer_id", NULL, &err), HC_ALREADY_EXISTS);
    cr_assert_eq(err.code, HC_ALREADY_EXISTS);
    cr_assert_str_eq(err.field, "employer_id");

    const char *update = "UPDATE items SET n = n + 1 WHERE id = ?1";
    stmt = hc_query_prepare(s_store, update, &err);
    hc_query_bind_text(stmt, 1, "e1");
    hc_error_clear(&err);
    cr_assert_eq(hc_query_write(s_store, stmt, "n", "employer_id", &err), HC_OK, "%s", err.message);
    hc_query_bind_text(stmt, 1, "e2");
    cr_assert_eq(hc_query_write(s_store, stmt, "n", "employer_id", &err), HC_NOT_FOUND);
    cr_assert_eq(err.code, HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "employer_id");
    /* Without not_found, an update of nothing is fine. */
    hc_query_bind_text(stmt, 1, "e2");
    cr_assert_eq(hc_query_write(s_store, stmt, "n", NULL, &err), HC_OK);

    bool found = false;
    stmt = hc_query_prepare(s_store, "SELECT 1 FROM items WHERE id = 'e1' AND n = 2", &err);
    cr_assert_eq(hc_query_found(s_store, stmt, &found, &err), HC_OK);
    cr_assert(found, "the first update changed the row once, the duplicate insert nothing");
}

Test(query, write_message_binds_columns_in_order)
{
    Hcap__Employer employer = HCAP__EMPLOYER__INIT;
    employer.id = "e5";
    employer.name = "five";
    employer.sector = HCAP__SECTOR__SECTOR_BEHAVIORAL_HEALTH;
    hc_error err;
    hc_error_clear(&err);
    const char *insert = "INSERT INTO items (id, name, sector) VALUES (?1, ?2, ?3)";
    cr_assert_eq(
        hc_query_write_message(s_store, insert, &employer.base, COLUMNS, "employer_id", NULL, &err),
        HC_OK, "%s", err.message);
    void *out = NULL;
    cr_assert_eq(
        hc_query_get(s_store, GET_SQL, s_employer_row, "e5", "employer_id", s_arena, &out, &err),
        HC_OK);
    Hcap__Employer *back = out;
    cr_assert_str_eq(back->name, "five");
    cr_assert_eq(back->sector, HCAP__SECTOR__SECTOR_BEHAVIORAL_HEALTH);

    cr_assert_eq(
        hc_query_write_message(s_store, insert, &employer.base, COLUMNS, "employer_id", NULL, &err),
        HC_ALREADY_EXISTS);
    cr_assert_str_eq(err.field, "employer_id");

    employer.id = "e6";
    const char *rename = "UPDATE items SET name = ?2, sector = ?3 WHERE id = ?1";
    cr_assert_eq(hc_query_write_message(s_store, rename, &employer.base, COLUMNS, "employer_id",
                                        "employer_id", &err),
                 HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "employer_id");
}

typedef struct {
    size_t count;
    uint64_t seqs[8];
    char *types[8];
    char *subjects[8];
    char *ids[8];
} s_events;

static void s_collect(void *arg, uint64_t seq, const char *type, const char *subject,
                      const uint8_t *body, size_t size)
{
    s_events *events = arg;
    cr_assert_lt(events->count, 8);
    size_t i = events->count++;
    events->seqs[i] = seq;
    events->types[i] = hc_arena_strdup(s_arena, type);
    events->subjects[i] = hc_arena_strdup(s_arena, subject);
    Hcap__GetRequest *req = hcap__get_request__unpack(NULL, size, body);
    cr_assert_not_null(req, "body %zu bytes decodes", size);
    events->ids[i] = hc_arena_strdup(s_arena, req->id);
    hcap__get_request__free_unpacked(req, NULL);
}

static void s_append(hc_eventlog *log, const char *type, const char *subject, const char *id)
{
    Hcap__GetRequest body = HCAP__GET_REQUEST__INIT;
    body.id = (char *)id;
    hc_error err;
    cr_assert_eq(hc_eventlog_append(log, type, subject, &body.base, NULL, &err), HC_OK, "%s",
                 err.message);
}

Test(query, events_each_reads_the_log_in_seq_order)
{
    hc_error err;
    hc_error_clear(&err);
    hc_eventlog *log = hc_eventlog_new(s_store, "local/svc", &err);
    cr_assert_not_null(log, "%s", err.message);
    s_events events = {0};
    cr_assert_eq(hc_query_events_each(s_store, s_collect, &events, &err), HC_OK);
    cr_assert_eq(events.count, 0, "an empty log calls nothing");

    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    s_append(log, "svc.made.v1", "w1", "a");
    s_append(log, "svc.other.v1", NULL, "b");
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    s_append(log, "svc.made.v1", "w2", "c");
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);

    cr_assert_eq(hc_query_events_each(s_store, s_collect, &events, &err), HC_OK, "%s", err.message);
    cr_assert_eq(events.count, 3);
    const char *ids[] = {"a", "b", "c"};
    const char *types[] = {"svc.made.v1", "svc.other.v1", "svc.made.v1"};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(events.seqs[i], i + 1);
        cr_assert_str_eq(events.types[i], types[i]);
        cr_assert_str_eq(events.ids[i], ids[i]);
    }
    cr_assert_str_eq(events.subjects[0], "w1");
    cr_assert_null(events.subjects[1], "no subject reads back as NULL");
    cr_assert_str_eq(events.subjects[2], "w2");
    hc_eventlog_destroy(&log);
}

Test(query, sql_that_does_not_compile_is_internal)
{
    hc_error err;
    hc_error_clear(&err);
    cr_assert_null(hc_query_prepare(s_store, "SELEC nothing FROM nowhere", &err));
    cr_assert_eq(err.code, HC_INTERNAL);

    void *out = NULL;
    hc_error_clear(&err);
    cr_assert_eq(hc_query_get(s_store, "SELECT id FROM missing_table WHERE id = ?1", s_employer_row,
                              "e1", "employer_id", s_arena, &out, &err),
                 HC_INTERNAL);
    cr_assert_eq(err.code, HC_INTERNAL);
    cr_assert_null(out);
    cr_assert_eq(hc_query_exists(s_store, "SELECT 1 FROM missing_table WHERE id = ?1", "e1",
                                 "employer_id", "employer", &err),
                 HC_INTERNAL);
    Hcap__EmployerList list = HCAP__EMPLOYER_LIST__INIT;
    hc_page page = {NULL, 3};
    cr_assert_eq(hc_query_page_list(s_store, "SELECT id FROM missing_table LIMIT ?2",
                                    s_employer_row, &page, NULL, s_arena, &list.base, &err),
                 HC_INTERNAL);
    cr_assert_eq(list.n_items, 0);
    Hcap__Employer employer = HCAP__EMPLOYER__INIT;
    cr_assert_eq(hc_query_write_message(s_store, "INSERT INTO missing_table VALUES (?1)",
                                        &employer.base, "id", "employer_id", NULL, &err),
                 HC_INTERNAL);
}

Test(query, texts_and_code_lists_read_back)
{
    hc_error err;
    sqlite3_stmt *stmt = hc_query_prepare(
        s_store, "SELECT value FROM json_each('[\"CNA\",\"LVN\",\"RN\"]') ORDER BY key", &err);
    cr_assert_not_null(stmt);
    char **texts = NULL;
    size_t count = 0;
    cr_assert_eq(hc_query_texts(s_store, stmt, s_arena, &texts, &count, &err), HC_OK);
    cr_assert_eq(count, 3);
    cr_assert_str_eq(texts[2], "RN");

    stmt = hc_query_prepare(s_store, "SELECT '[\"A\",\"B\"]', NULL, '{\"not\":\"a list\"}'", &err);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
    hc_query_read_codes(stmt, 0, s_arena, &texts, &count);
    cr_assert_eq(count, 2);
    cr_assert_str_eq(texts[1], "B");
    hc_query_read_codes(stmt, 1, s_arena, &texts, &count);
    cr_assert_eq(count, 0, "NULL is an empty list");
    hc_query_read_codes(stmt, 2, s_arena, &texts, &count);
    cr_assert_eq(count, 0, "anything but an array is an empty list");
    sqlite3_reset(stmt);
}
