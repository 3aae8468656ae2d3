/* bench_import: the roster CSV import of many workers through the product
   path (hcapctl's import: the file in chunks through the gateway to
   enrollment's ImportWorkers, a dry run of every chunk, then the writes)
   against the sqlite3 command line's .import of the same file into a
   table (WAL, synchronous=FULL, as the stores run), both in the same run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "ctl.h"
#include "hc_client.h"

static const char *s_genders[] = {"female", "female", "female", "male", "nonbinary"};
static const char *s_races[] = {"white", "black", "hispanic_latino", "asian",
                                "hispanic_latino;white"};
static const char *s_statuses[] = {"incumbent", "incumbent", "new_entrant", "unemployed"};

/* Writes rows workers (external ids unique to this run) to path. */
static int s_write_csv(const char *path, size_t rows, uint64_t run)
{
    FILE *file = fopen(path, "w");
    if (!file)
        return -1;
    fprintf(file, "external_id,given_name,family_name,birth_date,gender,race_ethnicity,"
                  "preferred_language,employment_status,job_title,hourly_wage_cents,phone\n");
    for (size_t i = 0; i < rows; i++)
        fprintf(file,
                "IMP-%llx-%07zu,Given%zu,Family%zu,19%02zu-%02zu-%02zu,%s,\"%s\",es,%s,"
                "Medical Assistant,%zu,(510) 555-%04zu\n",
                (unsigned long long)run, i, i, i % 9973, 60 + i % 40, 1 + i % 12, 1 + i % 28,
                s_genders[i % 5], s_races[i % 5], s_statuses[i % 4], 1800 + i % 2000, i % 10000);
    return fclose(file) == 0 ? 0 : -1;
}

/* sqlite3 DB -cmd ... ".import --csv CSV workers": seconds, or -1. */
static double s_sqlite_import(const char *dir, const char *csv, char *error, size_t size)
{
    char db[600], log[600], import[700];
    snprintf(db, sizeof db, "%s/sqlite-import.db", dir);
    snprintf(log, sizeof log, "%s/sqlite-import.log", dir);
    snprintf(import, sizeof import, ".import --csv %s workers", csv);
    unlink(db);
    int64_t t0 = bench_now_us();
    int pid = bench_spawn("sqlite3", log,
                          (const char *[]){"sqlite3", "-bail", "-cmd", "PRAGMA journal_mode=WAL",
                                           "-cmd", "PRAGMA synchronous=FULL", db, import, NULL});
    int status = -1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    double seconds = (double)(bench_now_us() - t0) / 1e6;
    if (pid <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(error, size, "sqlite3 .import failed (is the sqlite3 command installed? see %s)",
                 log);
        return -1;
    }
    return seconds;
}

int bench_import(const bench_node *node, const char *dir, size_t rows, bench_import_result *out)
{
    memset(out, 0, sizeof *out);
    char csv[600];
    snprintf(csv, sizeof csv, "%s/roster.csv", dir);
    if (s_write_csv(csv, rows, (uint64_t)bench_now_us()) != 0)
        return snprintf(out->error, sizeof out->error, "cannot write %s", csv), -1;
    out->rows = rows;
    out->sqlite_s = s_sqlite_import(dir, csv, out->error, sizeof out->error);
    if (out->sqlite_s < 0)
        return -1;
    hc_error err;
    hc_client *client = hc_client_new(node->endpoint, node->token, &err);
    FILE *sink = fopen("/dev/null", "w");
    int64_t t0 = bench_now_us();
    int rc = client && sink ? ctl_import_workers(client, csv, false, CTL_FORMAT_JSON, sink, &err)
                            : HC_INTERNAL;
    out->product_s = (double)(bench_now_us() - t0) / 1e6;
    if (rc != HC_OK)
        snprintf(out->error, sizeof out->error, "import workers: %s",
                 client && sink ? err.message : "no client");
    if (sink)
        fclose(sink);
    hc_client_destroy(&client);
    unlink(csv);
    return rc == HC_OK ? 0 : -1;
}
