/* Tests of hc_store: pragmas, migrations and their refusals, the statement
   cache, transactions, savepoints, error mapping, busy writers, backup, and
   the message <-> row mapper. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "enrollment.pb-c.h"
#include "hc_arena.h"
#include "hc_eventlog.h"
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
    cr_expect_eq(s_int(store, "PRAGMA secure_delete"), 1, "erased data is overwritten");
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

/* The cache finds a statement by the text's address first: one buffer
   holding different texts in turn must still get the statement of each. */
Test(store, one_buffer_with_different_texts_gets_each_its_statement)
{
    hc_store *store = s_open(s_two);
    char sql[32];
    for (int i = 0; i < 3; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        sqlite3_stmt *stmt = hc_store_stmt(store, sql);
        cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
        cr_expect_eq(sqlite3_column_int(stmt, 0), i, "the statement of another text");
        sqlite3_reset(stmt);
    }
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

Test(store, a_relaxed_commit_commits_and_leaves_the_store_durable)
{
    hc_store *store = s_open(s_two);
    hc_error err;
    cr_assert_eq(hc_store_begin_relaxed(store, &err), HC_OK, "%s", err.message);
    cr_expect_eq(s_int(store, "PRAGMA synchronous"), 1, "NORMAL inside");
    cr_assert_eq(s_insert_person(store, 1, "ana"), SQLITE_DONE);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK, "%s", err.message);
    cr_expect_not(hc_store_in_transaction(store));
    cr_expect_eq(s_int(store, "PRAGMA synchronous"), 2, "FULL again for the next commit");
    hc_store_destroy(&store);
    store = s_open(s_two);
    cr_expect_eq(s_int(store, "SELECT count(*) FROM people"), 1, "the row survived a reopen");
    hc_store_destroy(&store);
}

Test(store, a_relaxed_transaction_rolled_back_leaves_the_store_durable)
{
    hc_store *store = s_open(s_two);
    hc_error err;
    cr_assert_eq(hc_store_begin_relaxed(store, &err), HC_OK, "%s", err.message);
    hc_store_rollback(store);
    cr_expect_eq(s_int(store, "PRAGMA synchronous"), 2);
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

/* --- what hcapctl backup and restore use --- */

static hc_store *s_existing(const char *path)
{
    hc_error err;
    hc_error_clear(&err);
    hc_store *store = hc_store_open_existing(path, &err);
    cr_assert_not_null(store, "open existing %s: %s", path, err.message);
    return store;
}

/* n people with ids from first, in one transaction. */
static void s_people(hc_store *store, int first, int n)
{
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    for (int i = first; i < first + n; i++) {
        char name[32];
        snprintf(name, sizeof name, "person-%d", i);
        cr_assert_eq(s_insert_person(store, i, name), SQLITE_DONE);
    }
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
}

Test(store, open_existing_neither_creates_nor_migrates)
{
    hc_error err;
    char missing[160];
    snprintf(missing, sizeof missing, "%s/missing.db", s_dir);
    cr_expect_null(hc_store_open_existing(missing, &err));
    cr_expect_eq(err.code, HC_NOT_FOUND);
    cr_expect(strstr(err.message, missing), "names the file: %s", err.message);
    cr_expect_neq(access(missing, F_OK), 0, "the file was created");
    hc_store *store = s_open(s_two);
    hc_store_destroy(&store);
    store = s_existing(s_path);
    cr_expect_eq(s_int(store, "PRAGMA user_version"), 2, "a store of a newer binary opens as is");
    cr_expect(hc_store_has_table(store, "people"));
    cr_expect_not(hc_store_has_table(store, "nothing"));
    hc_store_destroy(&store);
}

static int s_collect(void *arg, int n, const char *const *columns)
{
    char *out = arg;
    for (int i = 0; i < n; i++)
        snprintf(out + strlen(out), 256 - strlen(out), "%s%s", i ? "," : "",
                 columns[i] ? columns[i] : "NULL");
    snprintf(out + strlen(out), 256 - strlen(out), ";");
    return strstr(out, "stop") ? 1 : 0;
}

Test(store, each_row_hands_out_text_and_stops_when_asked)
{
    hc_store *store = s_open(s_two);
    cr_assert_eq(s_insert_person(store, 1, "ana"), SQLITE_DONE);
    cr_assert_eq(s_insert_person(store, 2, "stop"), SQLITE_DONE);
    cr_assert_eq(s_insert_person(store, 3, "never"), SQLITE_DONE);
    char out[256] = "";
    hc_error err;
    cr_assert_eq(hc_store_each_row(store, "SELECT id, name, NULL FROM people ORDER BY id",
                                   s_collect, out, &err),
                 HC_OK, "%s", err.message);
    cr_expect_str_eq(out, "1,ana,NULL;2,stop,NULL;");
    out[0] = '\0';
    cr_expect_eq(hc_store_each_row(store, "SELECT nothing FROM nowhere", s_collect, out, &err),
                 HC_INTERNAL);
    cr_expect_str_eq(out, "");
    hc_store_destroy(&store);
}

/* The copy holds exactly what the pinned snapshot saw: rows committed by
   another connection after the pin are not in it, and that writer never
   waited for the backup. */
Test(store, backup_copies_the_snapshot_pinned_while_another_writer_goes_on)
{
    hc_store *writer = s_open(s_two);
    s_people(writer, 1, 2000);
    hc_error err;
    cr_assert_eq(hc_store_meta_set(writer, "eventlog_epoch", "e1", &err), HC_OK);
    hc_store *source = s_existing(s_path);
    cr_assert_eq(hc_store_begin_snapshot(source, &err), HC_OK, "%s", err.message);
    int64_t start = hc_clock_ms();
    s_people(writer, 5001, 500);
    cr_expect_lt(hc_clock_ms() - start, 2000, "the writer waited for the pinned reader");
    char copy[160];
    snprintf(copy, sizeof copy, "%s/copy.db", s_dir);
    cr_assert_eq(hc_store_backup(source, copy, &err), HC_OK, "%s", err.message);
    s_people(writer, 9001, 10);
    hc_store_rollback(source);
    hc_store_destroy(&source);
    hc_store *restored = s_existing(copy);
    cr_expect_eq(s_int(restored, "SELECT count(*) FROM people"), 2000, "not the pinned snapshot");
    cr_expect_eq(s_int(restored, "PRAGMA user_version"), 2);
    char mode[16];
    cr_expect_str_eq(s_text(restored, "PRAGMA journal_mode", mode, sizeof mode), "delete",
                     "the copy needs a -wal beside it");
    char *epoch = hc_store_meta_get(restored, "eventlog_epoch");
    cr_expect_null(epoch, "a copy carries no epoch");
    free(epoch);
    hc_store_destroy(&restored);
    epoch = hc_store_meta_get(writer, "eventlog_epoch");
    cr_expect_str_eq(epoch, "e1", "the original lost its epoch");
    free(epoch);
    cr_expect_eq(s_int(writer, "SELECT count(*) FROM people"), 2510);
    hc_store_destroy(&writer);
}

typedef struct {
    hc_store *store;
    volatile bool stop;
    int commits;
} s_busy_writer;

static void *s_write_on(void *arg)
{
    s_busy_writer *w = arg;
    for (int i = 0; !w->stop && i < 100000; i++) {
        s_people(w->store, 100000 + i * 10, 10);
        w->commits++;
    }
    return NULL;
}

/* Without a pin the backup takes its own snapshot in one step: while a
   writer commits beside it, the copy passes quick_check and holds whole
   transactions only. */
Test(store, backup_of_a_store_being_written_holds_whole_commits)
{
    hc_store *store = s_open(s_two);
    s_people(store, 1, 20000);
    hc_store_destroy(&store);
    s_busy_writer w = {.store = s_open(s_two)};
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, s_write_on, &w), 0);
    while (w.commits < 5)
        usleep(1000);
    hc_store *source = s_existing(s_path);
    char copy[160];
    snprintf(copy, sizeof copy, "%s/copy.db", s_dir);
    hc_error err;
    int before = w.commits;
    cr_assert_eq(hc_store_backup(source, copy, &err), HC_OK, "%s", err.message);
    w.stop = true;
    pthread_join(thread, NULL);
    hc_store_destroy(&source);
    hc_store_destroy(&w.store);
    hc_store *restored = s_existing(copy);
    int64_t rows = s_int(restored, "SELECT count(*) FROM people");
    cr_expect_eq((rows - 20000) % 10, 0, "a commit was copied in part: %lld rows", (long long)rows);
    cr_expect_geq(rows, 20000 + 10 * before);
    char check[16];
    cr_expect_str_eq(s_text(restored, "PRAGMA quick_check", check, sizeof check), "ok");
    hc_store_destroy(&restored);
}

/* A source whose index pages are damaged copies page for page, and the
   copy's quick_check says so: the backup fails and leaves no file. */
Test(store, backup_of_a_damaged_store_fails_its_check_and_leaves_no_copy)
{
    hc_store *store = s_open(s_two);
    s_people(store, 1, 3000);
    int64_t root = s_int(store, "SELECT rootpage FROM sqlite_master"
                                " WHERE name = 'sqlite_autoindex_people_1'");
    int64_t page = s_int(store, "PRAGMA page_size");
    cr_assert_eq(hc_store_exec(store, "PRAGMA wal_checkpoint(TRUNCATE)", NULL), HC_OK);
    hc_store_destroy(&store);
    FILE *file = fopen(s_path, "r+b");
    cr_assert_not_null(file);
    char junk[512];
    memset(junk, 0x5a, sizeof junk);
    cr_assert_eq(fseek(file, (long)((root - 1) * page + 8), SEEK_SET), 0);
    cr_assert_eq(fwrite(junk, 1, sizeof junk, file), sizeof junk);
    fclose(file);
    hc_store *source = s_existing(s_path);
    char copy[160];
    snprintf(copy, sizeof copy, "%s/copy.db", s_dir);
    hc_error err;
    cr_expect_eq(hc_store_backup(source, copy, &err), HC_DATA_LOSS, "%s", err.message);
    cr_expect(strstr(err.message, "quick_check"), "%s", err.message);
    cr_expect_neq(access(copy, F_OK), 0, "the failed copy stayed");
    hc_store_destroy(&source);
}

/* hc_eventlog's side of a backup: what inspect reads of a log, and the
   new epoch a restored store gets. */
Test(store, a_restored_log_is_inspected_and_gets_a_new_epoch)
{
    hc_store *store = s_open(NULL);
    hc_error err;
    hc_eventlog_info info;
    cr_assert_eq(hc_eventlog_inspect(store, &info, &err), HC_OK);
    cr_expect_not(info.present, "a store without a log has one");
    hc_eventlog *log = hc_eventlog_new(store, "north/enrollment", &err);
    cr_assert_not_null(log, "%s", err.message);
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    Hcap__Worker worker = HCAP__WORKER__INIT;
    worker.id = "wkr_1";
    for (int i = 0; i < 3; i++)
        cr_assert_eq(hc_eventlog_append(log, "enrollment.worker_registered.v1", "wkr_1",
                                        &worker.base, NULL, &err),
                     HC_OK);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
    char was[HC_EPOCH_SIZE];
    snprintf(was, sizeof was, "%s", hc_eventlog_epoch(log));
    hc_eventlog_destroy(&log);
    cr_assert_eq(hc_eventlog_inspect(store, &info, &err), HC_OK);
    cr_expect(info.present);
    cr_expect_str_eq(info.source, "north/enrollment");
    cr_expect_str_eq(info.epoch, was);
    cr_expect_eq(info.head, 3);
    char old[HC_EPOCH_SIZE], fresh[HC_EPOCH_SIZE];
    cr_assert_eq(hc_eventlog_renew_epoch(store, old, fresh, &err), HC_OK, "%s", err.message);
    cr_expect_str_eq(old, was);
    cr_expect_str_neq(fresh, was);
    cr_expect_eq(strlen(fresh), HC_EPOCH_SIZE - 1);
    log = hc_eventlog_new(store, "north/enrollment", &err);
    cr_assert_not_null(log);
    cr_expect_str_eq(hc_eventlog_epoch(log), fresh, "the log does not serve the new epoch");
    cr_expect_eq(hc_eventlog_head(log), 3, "the events did not stay");
    hc_eventlog_destroy(&log);
    hc_store_destroy(&store);
}

/* --- message <-> row mapper --- */

static const hc_migration s_rows[] = {
    {"001_rows.sql",
     "CREATE TABLE workers (id TEXT PRIMARY KEY, given_name TEXT, family_name TEXT,"
     " gender INTEGER, employment_status INTEGER, hourly_wage_cents INTEGER);"
     "CREATE TABLE programs (id TEXT PRIMARY KEY, kind INTEGER, hours REAL, delivery INTEGER);"
     "CREATE TABLE cohorts (id TEXT PRIMARY KEY, capacity INTEGER, enrolled_count INTEGER,"
     " waitlist_count INTEGER);"
     "CREATE TABLE flags (csv TEXT PRIMARY KEY, dry_run INTEGER, erased INTEGER);"},
    {NULL, NULL},
};

#define S_WORKER_COLS  "id, given_name, family_name, gender, employment_status, hourly_wage_cents"
#define S_PROGRAM_COLS "id, kind, hours, delivery"
#define S_COHORT_COLS  "id, capacity, enrolled_count, waitlist_count"

/* Runs sql (an INSERT) with the columns of msg bound from ?1. */
static void s_insert_message(hc_store *store, const char *sql, const ProtobufCMessage *msg,
                             const char *columns)
{
    sqlite3_stmt *stmt = hc_store_stmt(store, sql);
    cr_assert_not_null(stmt, "%s", sql);
    hc_store_bind_message(stmt, 1, msg, columns);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_DONE, "%s", sqlite3_errmsg(hc_store_db(store)));
    sqlite3_reset(stmt);
}

/* Reads the first row of sql, from column first, into msg; the statement
   is reset before returning, so text must have been copied. */
static void s_read_into(hc_store *store, const char *sql, int first, ProtobufCMessage *msg,
                        const char *columns, hc_arena *arena)
{
    sqlite3_stmt *stmt = hc_store_stmt(store, sql);
    cr_assert_not_null(stmt, "%s", sql);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW, "%s", sql);
    hc_store_read_message(stmt, first, msg, columns, arena);
    sqlite3_reset(stmt);
}

Test(store, mapper_round_trips_strings_int64_and_enums)
{
    hc_store *store = s_open(s_rows);
    hc_arena *arena = hc_arena_new();
    Hcap__Worker w = HCAP__WORKER__INIT;
    w.id = "w1";
    w.given_name = "Ana";
    w.family_name = NULL;
    w.has_gender = 1;
    w.gender = HCAP__GENDER__GENDER_FEMALE;
    w.has_hourly_wage_cents = 1;
    w.hourly_wage_cents = INT64_MAX;
    s_insert_message(store,
                     "INSERT INTO workers (" S_WORKER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     &w.base, S_WORKER_COLS);
    char types[64];
    cr_expect_str_eq(s_text(store,
                            "SELECT typeof(given_name) || typeof(family_name) || typeof(gender)"
                            " || typeof(employment_status) || typeof(hourly_wage_cents)"
                            " FROM workers",
                            types, sizeof types),
                     "textnullintegernullinteger");

    Hcap__Worker *r = (Hcap__Worker *)hc_arena_message(arena, &hcap__worker__descriptor);
    s_read_into(store, "SELECT " S_WORKER_COLS " FROM workers", 0, &r->base, S_WORKER_COLS, arena);
    cr_expect_str_eq(r->id, "w1");
    cr_expect_str_eq(r->given_name, "Ana");
    cr_expect_null(r->family_name);
    cr_expect(r->has_gender);
    cr_expect_eq(r->gender, HCAP__GENDER__GENDER_FEMALE);
    cr_expect_not(r->has_employment_status);
    cr_expect(r->has_hourly_wage_cents);
    cr_expect_eq(r->hourly_wage_cents, INT64_MAX);
    hc_arena_destroy(&arena);
    hc_store_destroy(&store);
}

Test(store, mapper_reads_null_columns_as_unset_fields)
{
    hc_store *store = s_open(s_rows);
    hc_arena *arena = hc_arena_new();
    Hcap__Worker w = HCAP__WORKER__INIT;
    w.id = "w2";
    w.given_name = "Bo";
    w.has_hourly_wage_cents = 0;
    w.hourly_wage_cents = 900;
    s_insert_message(store,
                     "INSERT INTO workers (" S_WORKER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     &w.base, S_WORKER_COLS);
    cr_expect_eq(s_int(store, "SELECT hourly_wage_cents IS NULL FROM workers"), 1,
                 "a false has_ flag binds NULL");
    /* A message that already holds values: NULL columns clear them. */
    Hcap__Worker r = HCAP__WORKER__INIT;
    r.family_name = "stale";
    r.has_gender = 1;
    r.gender = HCAP__GENDER__GENDER_MALE;
    r.has_hourly_wage_cents = 1;
    s_read_into(store,
                "SELECT 'x', family_name, gender, hourly_wage_cents, given_name FROM workers", 1,
                &r.base, " family_name,gender ,  hourly_wage_cents,given_name ", arena);
    cr_expect_null(r.family_name);
    cr_expect_not(r.has_gender);
    cr_expect_not(r.has_hourly_wage_cents);
    cr_expect_str_eq(r.given_name, "Bo");
    cr_expect_null(r.id, "a column not listed is left alone");
    hc_arena_destroy(&arena);
    hc_store_destroy(&store);
}

Test(store, mapper_round_trips_doubles_and_required_enums)
{
    hc_store *store = s_open(s_rows);
    hc_arena *arena = hc_arena_new();
    Hcap__Program p = HCAP__PROGRAM__INIT;
    p.id = "p1";
    p.kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_PRECEPTORSHIP;
    p.has_hours = 1;
    p.hours = 1234.5;
    p.has_delivery = 0;
    s_insert_message(store, "INSERT INTO programs (" S_PROGRAM_COLS ") VALUES (?1, ?2, ?3, ?4)",
                     &p.base, S_PROGRAM_COLS);
    p.id = "p2";
    p.has_hours = 0;
    p.has_delivery = 1;
    p.delivery = HCAP__DELIVERY__DELIVERY_ONLINE;
    s_insert_message(store, "INSERT INTO programs (" S_PROGRAM_COLS ") VALUES (?1, ?2, ?3, ?4)",
                     &p.base, S_PROGRAM_COLS);
    char type[16];
    cr_expect_str_eq(
        s_text(store, "SELECT typeof(hours) FROM programs WHERE id = 'p1'", type, sizeof type),
        "real");

    Hcap__Program *r = (Hcap__Program *)hc_arena_message(arena, &hcap__program__descriptor);
    s_read_into(store, "SELECT " S_PROGRAM_COLS " FROM programs WHERE id = 'p1'", 0, &r->base,
                S_PROGRAM_COLS, arena);
    cr_expect_eq(r->kind, HCAP__PROGRAM_KIND__PROGRAM_KIND_PRECEPTORSHIP);
    cr_expect(r->has_hours);
    cr_expect_float_eq(r->hours, 1234.5, 1e-9);
    cr_expect_not(r->has_delivery);
    r = (Hcap__Program *)hc_arena_message(arena, &hcap__program__descriptor);
    s_read_into(store, "SELECT " S_PROGRAM_COLS " FROM programs WHERE id = 'p2'", 0, &r->base,
                S_PROGRAM_COLS, arena);
    cr_expect_not(r->has_hours);
    cr_expect(r->has_delivery);
    cr_expect_eq(r->delivery, HCAP__DELIVERY__DELIVERY_ONLINE);
    hc_arena_destroy(&arena);
    hc_store_destroy(&store);
}

Test(store, mapper_round_trips_uint32)
{
    hc_store *store = s_open(s_rows);
    hc_arena *arena = hc_arena_new();
    Hcap__Cohort c = HCAP__COHORT__INIT;
    c.id = "c1";
    c.capacity = 4000000000u;
    c.has_enrolled_count = 1;
    c.enrolled_count = 0;
    s_insert_message(store, "INSERT INTO cohorts (" S_COHORT_COLS ") VALUES (?1, ?2, ?3, ?4)",
                     &c.base, S_COHORT_COLS);
    cr_expect_eq(s_int(store, "SELECT capacity FROM cohorts"), 4000000000);
    cr_expect_eq(s_int(store, "SELECT waitlist_count IS NULL FROM cohorts"), 1);

    Hcap__Cohort *r = (Hcap__Cohort *)hc_arena_message(arena, &hcap__cohort__descriptor);
    s_read_into(store, "SELECT " S_COHORT_COLS " FROM cohorts", 0, &r->base, S_COHORT_COLS, arena);
    cr_expect_eq(r->capacity, 4000000000u);
    cr_expect(r->has_enrolled_count, "a zero that was set stays set");
    cr_expect_eq(r->enrolled_count, 0);
    cr_expect_not(r->has_waitlist_count);
    hc_arena_destroy(&arena);
    hc_store_destroy(&store);
}

Test(store, mapper_round_trips_bools)
{
    hc_store *store = s_open(s_rows);
    hc_arena *arena = hc_arena_new();
    Hcap__ImportWorkersRequest set = HCAP__IMPORT_WORKERS_REQUEST__INIT;
    set.csv = "yes";
    set.has_dry_run = 1;
    set.dry_run = 1;
    s_insert_message(store, "INSERT INTO flags (csv, dry_run) VALUES (?1, ?2)", &set.base,
                     "csv, dry_run");
    set.csv = "unset";
    set.has_dry_run = 0;
    s_insert_message(store, "INSERT INTO flags (csv, dry_run) VALUES (?1, ?2)", &set.base,
                     "csv, dry_run");
    Hcap__EraseWorkerReply erased = HCAP__ERASE_WORKER_REPLY__INIT;
    erased.id = "no";
    erased.erased = 0;
    s_insert_message(store, "INSERT INTO flags (csv, erased) VALUES (?1, ?2)", &erased.base,
                     "id, erased");
    cr_expect_eq(s_int(store, "SELECT dry_run FROM flags WHERE csv = 'yes'"), 1);
    cr_expect_eq(s_int(store, "SELECT dry_run IS NULL FROM flags WHERE csv = 'unset'"), 1);
    cr_expect_eq(s_int(store, "SELECT erased FROM flags WHERE csv = 'no'"), 0);

    Hcap__ImportWorkersRequest r = HCAP__IMPORT_WORKERS_REQUEST__INIT;
    s_read_into(store, "SELECT csv, dry_run FROM flags WHERE csv = 'yes'", 0, &r.base,
                "csv, dry_run", arena);
    cr_expect(r.has_dry_run);
    cr_expect(r.dry_run);
    s_read_into(store, "SELECT csv, dry_run FROM flags WHERE csv = 'unset'", 0, &r.base,
                "csv, dry_run", arena);
    cr_expect_str_eq(r.csv, "unset");
    cr_expect_not(r.has_dry_run);
    Hcap__EraseWorkerReply e = HCAP__ERASE_WORKER_REPLY__INIT;
    e.erased = 1;
    s_read_into(store, "SELECT csv, erased FROM flags WHERE csv = 'no'", 0, &e.base, "id, erased",
                arena);
    cr_expect_str_eq(e.id, "no");
    cr_expect_not(e.erased);
    hc_arena_destroy(&arena);
    hc_store_destroy(&store);
}
