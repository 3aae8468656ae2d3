/* hcapctl against a real node, as an operator types it: status, workers
   add/show/list in json, csv and table, import workers FILE (rejections
   listed, nothing written), tokens create, credentials award/verify/badge
   and the offline verify-badge, apprentices register/hours/import-hours/
   show/list/export, and errors: non-zero exit with the message on
   stderr. */
#include "ht.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hc_keys.h"
#include "hc_proof.h"

HT_SHARED_NODE(false)

#define NODE ht_shared()

/* Runs hcapctl with args, asserts exit code want (0, or non-zero for
   want < 0) and returns the result (free with ht_run_free). */
static ht_run_result s_ctl(int want, int argc, const char *const *args)
{
    ht_run_result run;
    int code = ht_hcapctl_argv(NODE, &run, argc, args);
    char line[512] = "";
    for (int i = 0; i < argc; i++)
        snprintf(line + strlen(line), sizeof line - strlen(line), " %s", args[i]);
    if (want < 0)
        cr_assert(code > 0, "hcapctl%s exited %d (want failure)\nstdout: %s\nstderr: %s", line,
                  code, run.out, run.err);
    else
        cr_assert_eq(code, want, "hcapctl%s exited %d\nstdout: %s\nstderr: %s", line, code, run.out,
                     run.err);
    return run;
}

#define S_CTL(want, ...)                                                                           \
    s_ctl(want, sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *),                      \
          (const char *[]){__VA_ARGS__})

static json_t *s_json(const ht_run_result *run)
{
    json_error_t error;
    json_t *json = json_loads(run->out, 0, &error);
    cr_assert(json, "stdout is not JSON (%s): %s", error.text, run->out);
    return json;
}

/* Adds a worker through hcapctl and returns its id (malloc'd). */
static char *s_add_worker(const char *given, const char *family)
{
    ht_run_result run = S_CTL(0, "--format", "json", "workers", "add", "--given_name", given,
                              "--family_name", family, "--employment_status", "incumbent");
    json_t *worker = s_json(&run);
    cr_assert_str_eq(ht_jstr(worker, "given_name"), given, "%s", run.out);
    cr_assert_str_eq(ht_jstr(worker, "family_name"), family);
    char *id = strdup(ht_jstr(worker, "id"));
    json_decref(worker);
    ht_run_free(&run);
    return id;
}

static size_t s_lines(const char *text)
{
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    return lines;
}

Test(hcapctl, status_reports_the_services)
{
    ht_run_result run = S_CTL(0, "status");
    cr_assert(strstr(run.out, "enrollment"), "status: %s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "json", "status");
    json_t *health = s_json(&run);
    bool found = false;
    for (long i = 0; i < ht_jlen(health, "services"); i++)
        found |= ht_jstr(health, "services.%ld.name", i) &&
                 !strcmp(ht_jstr(health, "services.%ld.name", i), "enrollment") &&
                 ht_jint(health, "services.%ld.instances", i) >= 1;
    cr_assert(found, "%s", run.out);
    json_decref(health);
    ht_run_free(&run);
}

Test(hcapctl, workers_add_show_list_in_every_format)
{
    const char *tag = ht_uniq("Ctl");
    char *a = s_add_worker("Amara", ht_fmt("%sone", tag));
    char *b = s_add_worker("Bruno", ht_fmt("%stwo", tag));

    /* the worker exists for HTTP users too */
    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s", a), NULL);
    cr_assert_str_eq(ht_jstr(got, "given_name"), "Amara");
    json_decref(got);

    ht_run_result run = S_CTL(0, "--format", "json", "workers", "show", a);
    json_t *shown = s_json(&run);
    cr_assert_str_eq(ht_jstr(shown, "id"), a);
    cr_assert_str_eq(ht_jstr(shown, "family_name"), ht_fmt("%sone", tag));
    json_decref(shown);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "table", "workers", "show", a);
    cr_assert(strstr(run.out, "Amara") && strstr(run.out, a), "table: %s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "csv", "workers", "show", a);
    cr_assert_eq(s_lines(run.out), 2, "csv: header and one record: %s", run.out);
    cr_assert(strstr(run.out, "given_name") && strstr(run.out, "Amara"), "csv: %s", run.out);
    ht_run_free(&run);

    run = S_CTL(0, "--format", "json", "workers", "list", "--q", tag);
    json_t *list = s_json(&run);
    cr_assert_eq(ht_jlen(list, "items"), 2, "%s", run.out);
    cr_assert(ht_find_id(ht_jget(list, "items"), a) && ht_find_id(ht_jget(list, "items"), b));
    json_decref(list);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "csv", "workers", "list", "--q", tag);
    cr_assert_eq(s_lines(run.out), 3, "csv: header and two records: %s", run.out);
    cr_assert(strncmp(run.out, "id", 2) == 0 || strstr(run.out, "family_name"), "%s", run.out);
    cr_assert(strstr(run.out, a) && strstr(run.out, b), "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "table", "workers", "list", "--q", tag);
    cr_assert(strstr(run.out, "Amara") && strstr(run.out, "Bruno"), "table: %s", run.out);
    cr_assert(s_lines(run.out) >= 3, "table: a header and two rows: %s", run.out);
    ht_run_free(&run);
    free(a);
    free(b);
}

Test(hcapctl, import_workers_file)
{
    const char *tag = ht_uniq("Roster");
    char *path = strdup(ht_fmt("%s/%s.csv", NODE->dir, tag));
    const char *good = ht_fmt("external_id,given_name,family_name,employment_status\n"
                              "%sa,Ana,%sa,incumbent\n"
                              "%sb,Ben,%sb,new_entrant\n"
                              "%sc,Cai,%sc,unemployed\n",
                              tag, tag, tag, tag, tag, tag);
    cr_assert_eq(ht_write_file(path, good, strlen(good)), 0);
    ht_run_result run = S_CTL(0, "import", "workers", path, "--dry-run");
    ht_run_free(&run);
    json_t *none = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", tag), NULL);
    cr_assert_eq(ht_jlen(none, "items"), 0, "--dry-run wrote workers: %s", ht_jtext(none));
    json_decref(none);

    run = S_CTL(0, "import", "workers", path);
    cr_assert(strstr(run.out, "3"), "summary: %s", run.out);
    ht_run_free(&run);
    json_t *three = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", tag), NULL);
    cr_assert_eq(ht_jlen(three, "items"), 3, "%s", ht_jtext(three));
    json_decref(three);

    const char *tag2 = ht_uniq("Broken");
    const char *bad = ht_fmt("external_id,given_name,family_name,employment_status\n"
                             "%sa,Ana,%sa,incumbent\n"
                             "%sb,Ben,,incumbent\n"
                             "%sc,Cai,%sc,incumbent\n"
                             "%sd,Dee,%sd,pensioner\n",
                             tag2, tag2, tag2, tag2, tag2, tag2, tag2);
    cr_assert_eq(ht_write_file(path, bad, strlen(bad)), 0);
    int64_t head = ht_events_head(NODE->dir, "enrollment", 5000);
    run = S_CTL(-1, "import", "workers", path);
    char *both = malloc(run.out_len + run.err_len + 2);
    sprintf(both, "%s\n%s", run.out, run.err);
    cr_assert(strstr(both, "line 3") && strstr(both, "family_name"), "line 3 not listed: %s", both);
    cr_assert(strstr(both, "line 5") && strstr(both, "employment_status"), "line 5 not listed: %s",
              both);
    free(both);
    ht_run_free(&run);
    cr_assert_eq(ht_events_head(NODE->dir, "enrollment", 5000), head,
                 "a rejected import wrote events");
    json_t *zero = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", tag2), NULL);
    cr_assert_eq(ht_jlen(zero, "items"), 0, "%s", ht_jtext(zero));
    json_decref(zero);

    run = S_CTL(-1, "import", "workers", ht_fmt("%s/no-such-file.csv", NODE->dir));
    cr_assert(run.err_len > 0, "a missing file says so on stderr");
    ht_run_free(&run);
    free(path);
}

Test(hcapctl, tokens_create_gives_a_working_token)
{
    ht_run_result run = S_CTL(0, "--format", "json", "tokens", "create", "staff", "front desk");
    json_t *made = s_json(&run);
    const char *token = ht_jstr(made, "token");
    cr_assert(token && strlen(token) >= 20, "%s", run.out);
    json_t *reply = NULL;
    cr_assert_eq(ht_json_call(NODE, "GET", "/v1/workers", token, NULL, &reply), 200, "%s",
                 ht_jtext(reply));
    json_decref(reply);
    int status = ht_json_call(NODE, "POST", "/v1/tokens", token,
                              "{\"role\":\"admin\",\"name\":\"x\"}", &reply);
    ht_assert_error("staff token mints", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);

    /* the new staff token works for hcapctl, and may not mint tokens */
    ht_run_result as_staff = S_CTL(-1, "--token", token, "tokens", "create", "admin", "again");
    cr_assert(as_staff.err_len > 0 && as_staff.out_len == 0, "stdout: %s", as_staff.out);
    ht_run_free(&as_staff);
    as_staff = S_CTL(0, "--token", token, "status");
    ht_run_free(&as_staff);

    /* listed by id and name without its text; revoked, it opens nothing */
    const char *id = ht_jstr(made, "id");
    ht_run_result listed = S_CTL(0, "tokens", "list", "--format", "csv");
    cr_assert(strstr(listed.out, id) && strstr(listed.out, "front desk"), "%s", listed.out);
    cr_assert_null(strstr(listed.out, token), "a list shows no token's text");
    ht_run_free(&listed);
    ht_run_result revoked = S_CTL(0, "--format", "json", "tokens", "revoke", id);
    json_t *state = s_json(&revoked);
    cr_assert_not_null(ht_jstr(state, "revoked_at"), "%s", revoked.out);
    json_decref(state);
    ht_run_free(&revoked);
    as_staff = S_CTL(-1, "--token", token, "workers", "list");
    cr_assert(strstr(as_staff.err, "unknown token"), "stderr: %s", as_staff.err);
    ht_run_free(&as_staff);
    json_decref(made);
    ht_run_free(&run);

    run = S_CTL(0, "tokens", "create", "analyst", "table format");
    cr_assert(strstr(run.out, "hct_"), "the token is shown: %s", run.out);
    ht_run_free(&run);
}

Test(hcapctl, errors_exit_non_zero_with_the_message_on_stderr)
{
    ht_run_result run = S_CTL(-1, "workers", "show", "wkr_00000000000000000000000000");
    cr_assert(strstr(run.err, "not_found") || strstr(run.err, "not found"), "stderr: %s", run.err);
    cr_assert_eq(run.out_len, 0, "stdout: %s", run.out);
    ht_run_free(&run);

    run = S_CTL(-1, "workers", "add", "--given_name", "Half", "--employment_status", "incumbent");
    cr_assert(strstr(run.err, "family_name"), "stderr names the field: %s", run.err);
    ht_run_free(&run);

    run = S_CTL(-1, "workers", "add", "--given_name", "A", "--family_name", "B",
                "--employment_status", "retired");
    cr_assert(strstr(run.err, "employment_status"), "stderr: %s", run.err);
    ht_run_free(&run);

    run = S_CTL(-1, "--token", "hct_bogus", "workers", "list");
    cr_assert(strstr(run.err, "unauthenticated") || strstr(run.err, "token"), "stderr: %s",
              run.err);
    ht_run_free(&run);

    run = S_CTL(-1, "frobnicate");
    cr_assert(run.err_len > 0, "an unknown command is explained on stderr");
    ht_run_free(&run);

    run = S_CTL(-1, "--format", "yaml", "status");
    cr_assert(run.err_len > 0);
    ht_run_free(&run);
}

Test(hcapctl, gateway_and_token_from_flags_or_environment)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/hcapctl", HCAP_BIN_DIR);
    char *endpoint = ht_read_file(ht_fmt("%s/gateway.endpoint", NODE->dir), NULL);
    cr_assert(endpoint);
    endpoint[strcspn(endpoint, "\r\n")] = 0;
    char *token_file = strdup(ht_fmt("%s/admin.token", NODE->dir));
    char *empty = ht_tempdir(); /* --node pointing nowhere useful */

    char *flags[] = {bin,        "--node",   empty,  "--gateway", endpoint, "--token-file",
                     token_file, "--format", "json", "workers",   "list",   "--limit",
                     "1",        NULL};
    ht_run_result run;
    cr_assert_eq(ht_run(&run, NULL, HT_RUN_TIMEOUT_MS, flags), 0, "stderr: %s", run.err);
    cr_assert(strstr(run.out, "\"items\""), "%s", run.out);
    ht_run_free(&run);

    char *no_token[] = {bin, "--node", empty, "--gateway", endpoint, "workers", "list", NULL};
    cr_assert(ht_run(&run, NULL, HT_RUN_TIMEOUT_MS, no_token) > 0,
              "a call without any token succeeded: %s", run.out);
    cr_assert(run.err_len > 0);
    ht_run_free(&run);

    setenv("HCAP_GATEWAY", endpoint, 1);
    setenv("HCAP_TOKEN", NODE->token, 1);
    char *from_env[] = {bin, "--format", "json", "status", NULL};
    char *cwd = getcwd(NULL, 0);
    cr_assert_eq(chdir(empty), 0);
    int code = ht_run(&run, NULL, HT_RUN_TIMEOUT_MS, from_env);
    cr_assert_eq(chdir(cwd), 0);
    unsetenv("HCAP_GATEWAY");
    unsetenv("HCAP_TOKEN");
    cr_assert_eq(code, 0, "HCAP_GATEWAY/HCAP_TOKEN: stderr %s", run.err);
    cr_assert(strstr(run.out, "enrollment"), "%s", run.out);
    ht_run_free(&run);
    free(cwd);
    ht_rmtree(empty);
    free(empty);
    free(token_file);
    free(endpoint);
}

/* Writes a roster of rows workers (tag-prefixed) to path; the row on file
   line bad_line (0: none) gets an unknown employment_status. */
static void s_write_roster(const char *path, const char *tag, int rows, int bad_line)
{
    size_t cap = (size_t)rows * 100 + 128, len = 0;
    char *csv = malloc(cap);
    len += (size_t)snprintf(csv, cap,
                            "external_id,given_name,family_name,employment_status,job_title\n");
    for (int i = 0; i < rows; i++)
        len += (size_t)snprintf(csv + len, cap - len,
                                "%s%06d,Given%06d,%sfamily%06d,%s,Certified Nursing Assistant\n",
                                tag, i, i, tag, i, i + 2 == bad_line ? "pensioner" : "incumbent");
    cr_assert_eq(ht_write_file(path, csv, len), 0);
    free(csv);
}

Test(hcapctl, import_of_a_roster_bigger_than_one_request)
{
    const char *tag = ht_uniq("Chunk");
    enum { ROWS = 16000 };
    char *path = strdup(ht_fmt("%s/%s.csv", NODE->dir, tag));
    s_write_roster(path, tag, ROWS, ROWS); /* the bad line is in the last chunk */
    int64_t head = ht_events_head(NODE->dir, "enrollment", 5000);
    ht_run_result run = S_CTL(-1, "import", "workers", path);
    char *both = malloc(run.out_len + run.err_len + 2);
    sprintf(both, "%s\n%s", run.out, run.err);
    cr_assert(strstr(both, ht_fmt("line %d", ROWS)), "line %d not listed: %.2000s", ROWS, both);
    free(both);
    ht_run_free(&run);
    cr_assert_eq(ht_events_head(NODE->dir, "enrollment", 5000), head,
                 "the chunks before the bad line were written");

    s_write_roster(path, tag, ROWS, 0);
    run = S_CTL(0, "import", "workers", path);
    cr_assert(strstr(run.out, ht_fmt("%d", ROWS)), "summary: %s", run.out);
    ht_run_free(&run);
    ht_events log;
    cr_assert_eq(ht_events_fetch(NODE->dir, "enrollment", &log, 10000), 0);
    cr_assert(ht_events_gapless(&log));
    size_t registered = 0;
    for (size_t i = (size_t)head; i < log.count; i++)
        registered += strstr(log.items[i].type, "worker_registered") != NULL;
    cr_assert_eq(registered, ROWS, "%zu workers registered from %d rows", registered, ROWS);
    ht_events_free(&log);
    free(path);
}

/* The badge file with its first occurrence of needle's first byte changed. */
static void s_tamper(const char *from, const char *to, const char *needle)
{
    size_t size = 0;
    char *text = ht_read_file(from, &size);
    cr_assert(text, "cannot read %s", from);
    char *at = strstr(text, needle);
    cr_assert(at, "%s not in the badge: %s", needle, text);
    at[0] = at[0] == 'X' ? 'Y' : 'X';
    cr_assert_eq(ht_write_file(to, text, size), 0);
    free(text);
}

Test(hcapctl, credentials_award_badge_and_offline_verification)
{
    const char *code = ht_uniq("CTLCRED-");
    ht_run_result run =
        S_CTL(0, "credential-types", "add", code, "--name", "Ctl Certificate", "--kind",
              "certification", "--issuer", "Ctl Board", "--validity_months", "24");
    ht_run_free(&run);
    char *worker = s_add_worker("Badge", ht_uniq("Holder"));
    run = S_CTL(0, "--format", "json", "credentials", "award", worker, code, ht_days_ago(60));
    json_t *credential = s_json(&run);
    cr_assert_str_eq(ht_jstr(credential, "credential_code"), code, "%s", run.out);
    cr_assert_str_eq(ht_jstr(credential, "status"), "active", "%s", run.out);
    char *id = strdup(ht_jstr(credential, "id"));
    json_decref(credential);
    ht_run_free(&run);

    ht_wait_holder(NODE, id, 5000);
    run = S_CTL(0, "credentials", "verify", id);
    cr_assert(strstr(run.out, "valid") && strstr(run.out, "true"), "%s", run.out);
    cr_assert(strstr(run.out, "B. H."), "the holder's initials: %s", run.out);
    ht_run_free(&run);

    /* badge > FILE, then verify-badge FILE: offline, against the node's key */
    run = S_CTL(0, "credentials", "badge", id);
    json_t *doc = s_json(&run);
    cr_assert(ht_jget(doc, "proof"), "%s", run.out);
    json_decref(doc);
    char *file = strdup(ht_fmt("%s/%s.json", NODE->dir, code));
    char *bad = strdup(ht_fmt("%s/%s-tampered.json", NODE->dir, code));
    char *key = strdup(ht_fmt("%s/signing.pub", NODE->dir));
    cr_assert_eq(ht_write_file(file, run.out, run.out_len), 0);
    ht_run_free(&run);
    run = S_CTL(0, "credentials", "verify-badge", file, "--key", key);
    cr_assert(strncmp(run.out, "valid: ", 7) == 0, "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "--node", "/nonexistent", "credentials", "verify-badge", file);
    cr_assert(strncmp(run.out, "valid: ", 7) == 0, "no gateway needed: %s", run.out);
    ht_run_free(&run);

    s_tamper(file, bad, "Ctl Board");
    run = S_CTL(-1, "credentials", "verify-badge", bad, "--key", key);
    cr_assert(run.err_len > 0 && run.out_len == 0, "stdout: %s stderr: %s", run.out, run.err);
    ht_run_free(&run);

    /* another issuer's key does not vouch for it */
    uint8_t pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    char multikey[HC_PROOF_MULTIKEY_SIZE + 1];
    hc_proof_multikey_encode(pk, multikey);
    strcat(multikey, "\n");
    char *other = strdup(ht_fmt("%s/other-%s.pub", NODE->dir, code));
    cr_assert_eq(ht_write_file(other, multikey, strlen(multikey)), 0);
    run = S_CTL(-1, "credentials", "verify-badge", file, "--key", other);
    cr_assert(run.err_len > 0, "another key: stdout %s", run.out);
    ht_run_free(&run);
    free(other), free(key), free(bad), free(file), free(id), free(worker);
}

/* An apprentice's life through hcapctl: a program, the registration, hours
   one by one and from a file (a file with a bad line logs nothing and says
   which line), then show, list and the RAPIDS export. */
Test(hcapctl, apprentices_register_hours_import_and_show)
{
    const char *competency = ht_uniq("CTLCOMP-");
    ht_run_result run = S_CTL(0, "competencies", "add", competency, "Outreach");
    ht_run_free(&run);
    char *program = strdup(ht_uniq("CTLAPP-"));
    run = S_CTL(0, "apprenticeship-programs", "add", program, "--name", "Ctl Apprenticeship",
                "--occupation", "Community Health Worker", "--approach", "hybrid", "--ojl_hours",
                "2000", "--rti_hours", "144", "--competencies", competency, "--wage-steps",
                "[{\"after_ojl_hours\":0,\"hourly_wage_cents\":2000},"
                "{\"after_ojl_hours\":10,\"hourly_wage_cents\":2100}]");
    cr_assert(strstr(run.out, program), "%s", run.out);
    ht_run_free(&run);
    char *employer = ht_new_employer(NODE, ht_uniq("Ctl Clinic "));
    char *worker = s_add_worker("Appr", ht_uniq("Entice"));
    char *start = strdup(ht_days_ago(30));
    run = S_CTL(0, "--format", "json", "apprentices", "register", worker, program, employer, start,
                "--mentor", "M. Lopez");
    json_t *apprentice = s_json(&run);
    cr_assert_str_eq(ht_jstr(apprentice, "status"), "active", "%s", run.out);
    cr_assert_str_eq(ht_jstr(apprentice, "mentor"), "M. Lopez");
    char *id = strdup(ht_jstr(apprentice, "id"));
    json_decref(apprentice);
    ht_run_free(&run);

    run = S_CTL(0, "--format", "json", "apprentices", "hours", id, "ojl", ht_days_ago(29), "8",
                "--approved-by", "M. Lopez");
    apprentice = s_json(&run);
    cr_assert_eq(json_number_value(ht_jget(apprentice, "ojl_hours")), 8, "%s", run.out);
    cr_assert_eq(ht_jint(apprentice, "wage_step"), 1, "%s", run.out);
    json_decref(apprentice);
    ht_run_free(&run);

    char *path = strdup(ht_fmt("%s/%s-hours.csv", NODE->dir, program));
    const char *bad = ht_fmt("apprentice_id,kind,date,hours,competency,approved_by\n"
                             "%s,ojl,%s,7.5,%s,M. Lopez\n"
                             "%s,rti,%s,30,,\n",
                             id, ht_days_ago(28), competency, id, ht_days_ago(28));
    cr_assert_eq(ht_write_file(path, bad, strlen(bad)), 0);
    run = S_CTL(-1, "apprentices", "import-hours", path);
    cr_assert(strstr(run.err, "line 3: hours: "), "the bad line on stderr: %s", run.err);
    cr_assert_null(strstr(run.err, "line 2"), "%s", run.err);
    ht_run_free(&run);
    const char *good = ht_fmt("apprentice_id,kind,date,hours\n"
                              "%s,ojl,%s,7.5\n"
                              "%s,rti,%s,4\n",
                              id, ht_days_ago(28), id, ht_days_ago(27));
    cr_assert_eq(ht_write_file(path, good, strlen(good)), 0);
    run = S_CTL(0, "apprentices", "import-hours", path, "--dry-run");
    cr_assert(strstr(run.out, "dry run"), "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "apprentices", "import-hours", path);
    cr_assert(strstr(run.out, "rows 2 logged 2 hours 11.50"), "%s", run.out);
    ht_run_free(&run);

    run = S_CTL(0, "--format", "json", "apprentices", "show", id);
    apprentice = s_json(&run);
    cr_assert_eq(json_number_value(ht_jget(apprentice, "ojl_hours")), 15.5,
                 "8 + 7.5: the rejected file logged nothing, the dry run nothing: %s", run.out);
    cr_assert_eq(json_number_value(ht_jget(apprentice, "rti_hours")), 4);
    cr_assert_eq(ht_jint(apprentice, "wage_step"), 2);
    cr_assert_eq(ht_jint(apprentice, "hourly_wage_cents"), 2100);
    json_decref(apprentice);
    ht_run_free(&run);
    run = S_CTL(0, "apprentices", "show", id);
    cr_assert(strstr(run.out, "status:") && strstr(run.out, "active"), "table: %s", run.out);
    ht_run_free(&run);

    run = S_CTL(0, "--format", "json", "apprentices", "list", "--worker", worker, "--program",
                program);
    json_t *list = s_json(&run);
    cr_assert_eq(ht_jlen(list, "items"), 1, "%s", run.out);
    cr_assert_str_eq(ht_jstr(list, "items.0.id"), id);
    json_decref(list);
    ht_run_free(&run);
    run = S_CTL(0, "apprentices", "export", "--program", program);
    cr_assert(strncmp(run.out, "apprentice_id,program_number,", 29) == 0, "CSV: %s", run.out);
    cr_assert(strstr(run.out, ht_fmt("%s,%s,", id, program)), "%s", run.out);
    ht_run_free(&run);
    free(path), free(id), free(start), free(worker), free(employer), free(program);
}

/* The operator's view of reporting: status per followed log, dead letters
   of the three following services (none), a retry that has nothing to do,
   a rebuild that rewinds the three followers, and a --service that follows
   nothing refused on stderr. */
Test(hcapctl, reporting_status_dead_letters_retry_and_rebuild)
{
    ht_run_result run = S_CTL(0, "reporting", "status");
    cr_assert(strstr(run.out, "dead_letters: "), "%s", run.out);
    cr_assert(strstr(run.out, "source ") && strstr(run.out, "enrollment") &&
                  strstr(run.out, "credentialing") && strstr(run.out, "apprenticeship"),
              "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "json", "reporting", "status");
    json_t *status = s_json(&run);
    cr_assert_eq(ht_jlen(status, "followers"), 3, "%s", run.out);
    json_decref(status);
    ht_run_free(&run);

    run = S_CTL(0, "events", "dead");
    cr_assert_str_eq(run.out, "no dead letters\n");
    ht_run_free(&run);
    run = S_CTL(0, "--format", "csv", "events", "dead", "--service", "credentialing");
    cr_assert_str_eq(run.out, "service,id,follower,source,epoch,seq,type,reason,failed_at,"
                              "occurred_at\r\n");
    ht_run_free(&run);
    run = S_CTL(-1, "events", "dead", "--service", "enrollment");
    cr_assert(
        strstr(run.err, "--service must be reporting, credentialing, apprenticeship or uplink"),
        "%s", run.err);
    cr_assert_str_eq(run.out, "");
    ht_run_free(&run);
    run = S_CTL(0, "events", "retry");
    cr_assert_str_eq(run.out, "service         applied  remaining\n"
                              "reporting       0        0\n"
                              "credentialing   0        0\n"
                              "apprenticeship  0        0\n");
    ht_run_free(&run);

    /* a worker, so the follower of enrollment holds a cursor to rewind */
    free(s_add_worker("Rebuilt", ht_uniq("Model")));
    run = S_CTL(0, "--format", "json", "reporting", "rebuild");
    json_t *rebuilt = s_json(&run);
    json_int_t rewound = ht_jint(rebuilt, "followers");
    cr_assert(rewound >= 1 && rewound <= 3, "%s", run.out);
    json_decref(rebuilt);
    ht_run_free(&run);
    run = S_CTL(0, "reporting", "rebuild");
    cr_assert_str_eq(run.out, ht_fmt("rewound %d followers: the read model is rebuilt from the "
                                     "start of each log\n",
                                     (int)rewound));
    ht_run_free(&run);
}

/* A grant from a JSON file and from fields, shown and listed, and every
   report in each format: a table with aligned columns, the HTTP CSV,
   JSON. */
Test(hcapctl, grants_and_reports_in_every_format)
{
    char *code = strdup(ht_uniq("CTLGRANT-"));
    char *path = strdup(ht_fmt("%s/%s.json", NODE->dir, code));
    const char *body =
        ht_fmt("{\"code\": \"%s\", \"name\": \"Ctl Grant\", \"start_date\": \"2025-01-01\","
               " \"end_date\": \"2027-12-31\", \"funder\": \"Ctl Fund\", \"deliverables\": ["
               "{\"code\": \"TUITION\", \"name\": \"Tuition\", \"metric\": "
               "\"tuition_reimbursements\", \"target\": 20}]}",
               code);
    cr_assert_eq(ht_write_file(path, body, strlen(body)), 0);
    ht_run_result run = S_CTL(0, "--format", "json", "grants", "add", path);
    json_t *grant = s_json(&run);
    cr_assert_str_eq(ht_jstr(grant, "code"), code, "%s", run.out);
    cr_assert_eq(ht_jlen(grant, "deliverables"), 1);
    json_decref(grant);
    ht_run_free(&run);
    char *second = strdup(ht_uniq("CTLGRANT-"));
    run = S_CTL(0, "grants", "add", "--code", second, "--name", "Ctl Grant Two", "--start-date",
                "2026-01-01", "--end-date", "2026-12-31", "--deliverables",
                "[{\"code\":\"PLACED\",\"name\":\"Placements\",\"metric\":\"placements\","
                "\"target\":5}]");
    cr_assert(strstr(run.out, "code:") && strstr(run.out, second), "%s", run.out);
    cr_assert(strstr(run.out, "PLACED") && strstr(run.out, "placements"), "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(-1, "grants", "add", ht_fmt("%s/missing.json", NODE->dir));
    cr_assert(strstr(run.err, "missing.json"), "%s", run.err);
    ht_run_free(&run);

    run = S_CTL(0, "grants", "show", code);
    cr_assert(strstr(run.out, "funder:") && strstr(run.out, "Ctl Fund"), "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "csv", "grants", "list", "--all");
    cr_assert_eq(strncmp(run.out, "code,name,start_date,end_date,deliverables,", 43), 0, "%s",
                 run.out);
    cr_assert(strstr(run.out, code) && strstr(run.out, second), "%s", run.out);
    ht_run_free(&run);

    run = S_CTL(0, "report", "grant", code);
    cr_assert(strstr(run.out, "elapsed_pct:"), "%s", run.out);
    cr_assert(strstr(run.out, "code     name     metric                  target"), "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "csv", "report", "grant", code);
    cr_assert_eq(strncmp(run.out,
                         "code,name,metric,target,actual,pct_of_target,on_pace,suppressed,"
                         "numerator,denominator\r\nTUITION,Tuition,tuition_reimbursements,20,",
                         124),
                 0, "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "report", "outcomes", "--by", "gender", "--from", "2025-01-01");
    cr_assert(strstr(run.out, "by:   gender\nfrom: 2025-01-01\nto:   -\n\ngroup  "), "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "csv", "report", "outcomes", "--by", "employment_status");
    cr_assert_eq(strncmp(run.out, "group,label,participants,completed,", 35), 0, "%s", run.out);
    cr_assert(strstr(run.out, "\r\ntotal,"), "the total row last: %s", run.out);
    ht_run_free(&run);
    run = S_CTL(-1, "--format", "json", "report", "apprenticeship", "--program-code", "NOSUCH");
    cr_assert(strstr(run.err, "not_found") && strstr(run.err, "program_code"), "%s", run.err);
    ht_run_free(&run);
    run = S_CTL(0, "--format", "csv", "report", "indicators", "--to", "2026-06-30");
    cr_assert_eq(strncmp(run.out, "from,to,as_of,credential_attainment_rate,", 41), 0, "%s",
                 run.out);
    cr_assert_eq(s_lines(run.out), 2, "a header and one row: %s", run.out);
    ht_run_free(&run);
    run = S_CTL(0, "report", "indicators");
    cr_assert(strstr(run.out, "credential_attainment_rate: "), "%s", run.out);
    ht_run_free(&run);
    run = S_CTL(-1, "report", "outcomes", "--by", "shoe_size");
    cr_assert(strstr(run.err, "by"), "%s", run.err);
    ht_run_free(&run);
    free(code), free(second), free(path);
}

/* keygen, offline (no gateway): NAME.pub and NAME.key (0600) in --dir, a
   pair that loads; never replaces a file; a name must be a plain file
   name. */
Test(hcapctl, keygen_writes_a_pair_and_never_replaces_one)
{
    char *dir = ht_tempdir();
    char bin[512];
    snprintf(bin, sizeof bin, "%s/hcapctl", HCAP_BIN_DIR);
    char *argv[] = {bin,        "--gateway", "ipc:///nonexistent/gateway.ipc",
                    "--format", "json",      "keygen",
                    "west",     "--dir",     dir,
                    NULL};
    ht_run_result run;
    int code = ht_run(&run, NULL, 20000, argv);
    cr_assert_eq(code, 0, "keygen exited %d: %s", code, run.err);
    json_t *made = s_json(&run);
    ht_run_free(&run);
    const char *pub = ht_fmt("%s/west.pub", dir), *key = ht_fmt("%s/west.key", dir);
    cr_assert_str_eq(ht_jstr(made, "public_file"), pub, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "secret_file"), key, "%s", ht_jtext(made));
    struct stat st;
    cr_assert_eq(stat(key, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "west.key mode %o", st.st_mode & 0777);
    hc_error err;
    zcert_t *secret = hc_keys_load_secret(key, &err);
    zcert_t *public = hc_keys_load_public(pub, &err);
    cr_assert(secret && public, "%s", err.message);
    cr_assert_str_eq(zcert_public_txt(public), zcert_public_txt(secret));
    cr_assert_str_eq(ht_jstr(made, "public_key"), zcert_public_txt(public));
    zcert_destroy(&secret);
    zcert_destroy(&public);
    json_decref(made);

    char *before = ht_read_file(key, NULL);
    code = ht_run(&run, NULL, 20000, argv);
    cr_assert(code != 0 && strstr(run.err, key) && strstr(run.err, "already exists"),
              "a second keygen exited %d: %s", code, run.err);
    ht_run_free(&run);
    char *after = ht_read_file(key, NULL);
    cr_assert(before && after && strcmp(before, after) == 0, "keygen replaced west.key");
    free(before);
    free(after);

    char *bad[] = {bin, "keygen", "../west", "--dir", dir, NULL};
    code = ht_run(&run, NULL, 20000, bad);
    cr_assert(code != 0 && strstr(run.err, "name"), "keygen ../west exited %d: %s", code, run.err);
    ht_run_free(&run);
    ht_rmtree(dir);
    free(dir);
}

/* A region without an uplink: `uplink status` fails with the reason, the
   central-only `nodes` too; both are in --help. */
Test(hcapctl, uplink_status_and_nodes_need_their_service)
{
    ht_run_result run = S_CTL(-1, "uplink", "status");
    cr_assert(strstr(run.err, "uplink"), "%s", run.err);
    cr_assert_str_eq(run.out, "");
    ht_run_free(&run);
    run = S_CTL(-1, "nodes");
    cr_assert(run.err_len > 0);
    ht_run_free(&run);
    run = S_CTL(0, "--help");
    cr_assert(strstr(run.out, "keygen") && strstr(run.out, "nodes") &&
                  strstr(run.out, "uplink status"),
              "%s", run.out);
    ht_run_free(&run);
}
