/* Tests of hc_store: pragmas, migrations and their refusals, the statement
   cache, transactions, savepoints, error mapping, busy writers, backup. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hc_store.h"
#include "hc_time.h"

static char s_dir[64];
static char s_path[128];

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/hcap-store-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_path, sizeof s_path, "%s/test.db", s_dir);
}

static void s_teardown(void)
{
    nftw(s_dir, s_remove, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(store, .init = s_setup, .fini = s_teardown, .timeout = 30);

static const hc_migration s_two[] = {
    {"001_people.sql", "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT UNIQUE);"},
    {"002_pets.sql", "CREATE TABLE pets (id INTEGER PRIMARY KEY,"
                     " owner INTEGER NOT NULL REFERENCES people (id));"},
    {NULL, NULL},
};

static const hc_migration s_three[] = {
    {"001_people.sql", "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT UNIQUE);"},
    {"002_pets.sql", "CREATE TABLE pets (id INTEGER PRIMARY KEY,"
                     " owner INTEGER NOT NULL REFERENCES people (id));"},
    {"003_toys.sql", "CREATE TABLE toys (id INTEGER PRIMARY KEY); INSERT INTO toys VALUES (7);"},
    {NULL, NULL},
};

static int64_t s_int(hc_store *store, const char *sql)
{
    sqlite3_stmt *stmt = hc_store_stmt(store, sql);
    cr_assert_not_null(stmt, "%s", sql);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW, "%s", sql);
    int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return value;
}

static const char *s_text(hc_store *store, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *stmt = hc_store_stmt(store, sql);
    cr_assert_not_null(stmt);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
    snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_reset(stmt);
    return out;
}

static int s_insert_person(hc_store *store, int id, const char *name)
{
    sqlite3_stmt *stmt = hc_store_stmt(store, "INSERT INTO people (id, name) VALUES (?1, ?2)");
    sqlite3_bind_int(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc;
}

static hc_store *s_open(const hc_migration *migrations)
{
    hc_error err;
    hc_error_clear(&err);
    hc_store *store = hc_store_open(s_path, migrations, &err);
    cr_assert_not_null(store, "open: %s", err.message);
    return store;
}

Test(store, pragmas_are_set)
{
    hc_store *store = s_open(NULL);
    char mode[16];
    cr_expect_str_eq(s_text(store, "PRAGMA journal_mode", mode, sizeof mode), "wal");
    cr_expect_eq(s_int(store, "PRAGMA synchronous"), 2, "synchronous=FULL");
    cr_expect_eq(s_int(store, "PRAGMA foreign_keys"), 1);
    cr_expect_eq(s_int(store, "PRAGMA busy_timeout"), 5000);
    cr_expect_eq(s_int(store, "SELECT count(*) FROM sqlite_master WHERE name = 'hc_meta'"), 1);
    cr_expect_str_eq(hc_store_path(store), s_path);
    hc_store_destroy(&store);
    cr_expect_null(store);
    hc_store_destroy(&store);
}

Test(store, migrations_apply_once_and_track_user_version)
{
    hc_store *store = s_open(s_two);
    cr_expect_eq(s_int(store, "PRAGMA user_version"), 2);
    cr_expect_eq(s_int(store, "SELECT count(*) FROM sqlite_master WHERE name = 'pets'"), 1);
    hc_store_destroy(&store);
    /* Re-running 001/002 would fail: CREATE TABLE without IF NOT EXISTS. */
    store = s_open(s_three);
    cr_expect_eq(s_int(store, "PRAGMA user_version"), 3);
    cr_expect_eq(s_int(store, "SELECT count(*) FROM toys"), 1);
    hc_store_destroy(&store);
    store = s_open(s_three);
    cr_expect_eq(s_int(store, "SELECT count(*) FROM toys"), 1, "003 ran twice");
    hc_store_destroy(&store);
}

Test(store, refuses_a_file_newer_than_its_migrations)
{
    hc_store *store = s_open(s_three);
    hc_store_destroy(&store);
    hc_error err;
    hc_error_clear(&err);
    cr_expect_null(hc_store_open(s_path, s_two, &err));
    cr_expect_eq(err.code, HC_FAILED_PRECONDITION, "code %d: %s", err.code, err.message);
    hc_error_clear(&err);
    cr_expect_null(hc_store_open(s_path, NULL, &err));
    cr_expect_eq(err.code, HC_FAILED_PRECONDITION);
}

Test(store, a_failing_migration_leaves_nothing_behind)
{
    static const hc_migration broken[] = {
        {"001_people.sql", "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT UNIQUE);"},
        {"002_bad.sql", "CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);"},
        {NULL, NULL},
    };
    hc_error err;
    hc_error_clear(&err);
    cr_expect_null(hc_store_open(s_path, broken, &err));
    cr_expect_eq(err.code, HC_INTERNAL);
    cr_expect(strstr(err.message, "002_bad.sql") != NULL, "message: %s", err.message);
    hc_store *store = s_open(s_two);
    cr_expect_eq(s_int(store, "PRAGMA user_version"), 2);
    cr_expect_eq(s_int(store, "SELECT count(*) FROM sqlite_master WHERE name = 'half'"), 0);
    hc_store_destroy(&store);
}

Test(store, statement_cache_hands_out_reset_statements)
{
    hc_store *store = s_open(s_two);
    const char *sql = "SELECT ?1";
    sqlite3_stmt *first = hc_store_stmt(store, sql);
    sqlite3_bind_int(first, 1, 42);
    cr_assert_eq(sqlite3_step(first), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(first, 0), 42);
    sqlite3_stmt *again = hc_store_stmt(store, sql);
    cr_expect_eq(again, first, "the same text gives the cached statement");
    cr_assert_eq(sqlite3_step(again), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_type(again, 0), SQLITE_NULL, "bindings were not cleared");
    sqlite3_reset(again);

    cr_assert_eq(s_insert_person(store, 1, "ana"), SQLITE_DONE);
    cr_assert_eq(s_insert_person(store, 2, "bo"), SQLITE_DONE);
    sqlite3_stmt *list = hc_store_stmt(store, "SELECT id FROM people ORDER BY id");
    cr_assert_eq(sqlite3_step(list), SQLITE_ROW);
    cr_assert_eq(sqlite3_step(list), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(list, 0), 2);
    list = hc_store_stmt(store, "SELECT id FROM people ORDER BY id");
    cr_assert_eq(sqlite3_step(list), SQLITE_ROW);
    cr_expect_eq(sqlite3_column_int(list, 0), 1, "statement was not reset");
    cr_expect_null(hc_store_stmt(store, "SELEC nonsense"));
    hc_store_destroy(&store);
}

Test(store, savepoint_rollback_keeps_earlier_writes_of_the_batch)
{
    hc_store *store = s_open(s_two);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_expect(hc_store_in_transaction(store));
    cr_assert_eq(hc_store_savepoint(store, &err), HC_OK);
    cr_assert_eq(s_insert_person(store, 1, "ana"), SQLITE_DONE);
    cr_assert_eq(hc_store_release(store, &err), HC_OK);
    cr_assert_eq(hc_store_savepoint(store, &err), HC_OK);
    cr_assert_eq(s_insert_person(store, 2, "bo"), SQLITE_DONE);
    hc_store_rollback_savepoint(store);
    cr_expect(hc_store_in_transaction(store), "savepoint rollback ended the batch");
    cr_assert_eq(hc_store_savepoint(store, &err), HC_OK);
    cr_assert_eq(s_insert_person(store, 3, "cy"), SQLITE_DONE);
    cr_assert_eq(hc_store_release(store, &err), HC_OK);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
    cr_expect_not(hc_store_in_transaction(store));
    cr_expect_eq(s_int(store, "SELECT count(*) FROM people"), 2);
    cr_expect_eq(s_int(store, "SELECT sum(id) FROM people"), 4);
    hc_store_destroy(&store);
}

Test(store, rollback_discards_and_is_safe_without_transaction)
{
    hc_store *store = s_open(s_two);
    hc_store_rollback(store);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_eq(s_insert_person(store, 1, "ana"), SQLITE_DONE);
    hc_store_rollback(store);
    cr_expect_not(hc_store_in_transaction(store));
    cr_expect_eq(s_int(store, "SELECT count(*) FROM people"), 0);
    hc_store_destroy(&store);
}

Test(store, errors_map_to_codes_with_the_field)
{
    hc_store *store = s_open(s_two);
    hc_error err;
    cr_assert_eq(s_insert_person(store, 1, "ana"), SQLITE_DONE);
    int rc = s_insert_person(store, 2, "ana");
    cr_assert_neq(rc, SQLITE_DONE);
    cr_expect_eq(hc_store_error(store, rc, "name", &err), HC_ALREADY_EXISTS);
    cr_expect_str_eq(err.field, "name");
    rc = s_insert_person(store, 1, "other");
    cr_expect_eq(hc_store_error(store, rc, "id", &err), HC_ALREADY_EXISTS);

    sqlite3_stmt *stmt = hc_store_stmt(store, "INSERT INTO pets (owner) VALUES (99)");
    rc = sqlite3_step(stmt);
    cr_assert_neq(rc, SQLITE_DONE);
    cr_expect_eq(hc_store_error(store, rc, "owner", &err), HC_NOT_FOUND);
    cr_expect_str_eq(err.field, "owner");
    sqlite3_reset(stmt);

    cr_expect_eq(hc_store_error(store, SQLITE_BUSY, NULL, &err), HC_UNAVAILABLE);
    cr_expect_eq(hc_store_error(store, SQLITE_CORRUPT, NULL, &err), HC_INTERNAL);
    hc_store_destroy(&store);
}

Test(store, failed_commit_rolls_back)
{
    static const hc_migration deferred[] = {
        {"001.sql", "CREATE TABLE a (id INTEGER PRIMARY KEY);"
                    "CREATE TABLE b (a INTEGER REFERENCES a (id) DEFERRABLE INITIALLY DEFERRED);"},
        {NULL, NULL},
    };
    hc_store *store = s_open(deferred);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_eq(hc_store_exec(store, "INSERT INTO b VALUES (5)", &err), HC_OK);
    cr_expect_eq(hc_store_commit(store, &err), HC_NOT_FOUND, "code %d", err.code);
    cr_expect_not(hc_store_in_transaction(store));
    cr_expect_eq(s_int(store, "SELECT count(*) FROM b"), 0);
    cr_expect_eq(hc_store_exec(store, "NOT SQL", &err), HC_INTERNAL);
    hc_store_destroy(&store);
}

Test(store, meta_values_round_trip)
{
    hc_store *store = s_open(NULL);
    hc_error err;
    cr_expect_null(hc_store_meta_get(store, "k"));
    cr_assert_eq(hc_store_meta_set(store, "k", "one", &err), HC_OK);
    cr_assert_eq(hc_store_meta_set(store, "k", "two", &err), HC_OK);
    hc_store_destroy(&store);
    store = s_open(NULL);
    char *value = hc_store_meta_get(store, "k");
    cr_expect_str_eq(value, "two");
    free(value);
    hc_store_destroy(&store);
}

typedef struct {
    hc_store *store;
    int delay_ms;
    int rc;
} s_holder;

static void *s_commit_later(void *arg)
{
    s_holder *holder = arg;
    usleep((useconds_t)holder->delay_ms * 1000);
    hc_error err;
    holder->rc = hc_store_commit(holder->store, &err);
    return NULL;
}

Test(store, a_second_writer_waits_for_the_first)
{
    hc_store *one = s_open(s_two);
    hc_store *two = s_open(s_two);
    hc_error err;
    cr_assert_eq(hc_store_begin(one, &err), HC_OK);
    cr_assert_eq(s_insert_person(one, 1, "ana"), SQLITE_DONE);
    s_holder holder = {one, 300, -1};
    pthread_t thread;
    pthread_create(&thread, NULL, s_commit_later, &holder);
    int64_t start = hc_clock_ms();
    cr_expect_eq(hc_store_begin(two, &err), HC_OK, "%s", err.message);
    cr_expect_geq(hc_clock_ms() - start, 250, "did not wait for the lock");
    pthread_join(thread, NULL);
    cr_expect_eq(holder.rc, HC_OK);
    cr_expect_eq(s_int(two, "SELECT count(*) FROM people"), 1);
    cr_expect_eq(hc_store_commit(two, &err), HC_OK);
    hc_store_destroy(&one);
    hc_store_destroy(&two);
}

Test(store, a_writer_that_stays_locked_out_gets_unavailable)
{
    hc_store *one = s_open(s_two);
    hc_store *two = s_open(s_two);
    hc_error err;
    cr_assert_eq(hc_store_begin(one, &err), HC_OK);
    int64_t start = hc_clock_ms();
    cr_expect_eq(hc_store_begin(two, &err), HC_UNAVAILABLE);
    int64_t waited = hc_clock_ms() - start;
    cr_expect(waited >= 4500 && waited < 15000, "waited %lld ms", (long long)waited);
    cr_expect_not(hc_store_in_transaction(two));
    hc_store_rollback(one);
    hc_store_destroy(&one);
    hc_store_destroy(&two);
}

Test(store, backup_copies_a_consistent_database)
{
    hc_store *store = s_open(s_two);
    cr_assert_eq(s_insert_person(store, 1, "ana"), SQLITE_DONE);
    char copy[160];
    snprintf(copy, sizeof copy, "%s/copy.db", s_dir);
    hc_error err;
    cr_assert_eq(hc_store_backup(store, copy, &err), HC_OK, "%s", err.message);
    hc_store_destroy(&store);
    store = hc_store_open(copy, s_two, &err);
    cr_assert_not_null(store);
    cr_expect_eq(s_int(store, "SELECT count(*) FROM people WHERE name = 'ana'"), 1);
    cr_expect_eq(s_int(store, "PRAGMA user_version"), 2);
    hc_store_destroy(&store);
    char bad[160];
    snprintf(bad, sizeof bad, "%s/missing/dir/copy.db", s_dir);
    store = s_open(s_two);
    cr_expect_eq(hc_store_backup(store, bad, &err), HC_INTERNAL);
    hc_store_destroy(&store);
}
