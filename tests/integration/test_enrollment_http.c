/* Every enrollment route of API.md through HTTP on a real node: employers,
   workers (search, update, erasure), employment, programs, cohorts,
   enrollments with waitlists, tuition claims, lists, errors, idempotency. */
#include "ht.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string.h>

HT_SHARED_NODE(false)

#define NODE ht_shared()

/* The id of the single enrollment of worker in cohort, and its state. */
static json_t *s_enrollment(const char *worker_id, const char *cohort_id)
{
    json_t *list =
        ht_expect(NODE, 200, "GET",
                  ht_fmt("/v1/enrollments?worker_id=%s&cohort_id=%s", worker_id, cohort_id), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 1, "%s", ht_jtext(list));
    json_t *item = json_incref(ht_jget(list, "items.0"));
    json_decref(list);
    return item;
}

static json_t *s_enroll(const char *worker_id, const char *cohort_id, int want)
{
    return ht_expect(NODE, want, "POST", "/v1/enrollments",
                     ht_fmt("{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", worker_id, cohort_id));
}

static json_t *s_set_status(const char *enrollment_id, const char *status, int want)
{
    return ht_expect(NODE, want, "POST", ht_fmt("/v1/enrollments/%s/status", enrollment_id),
                     ht_fmt("{\"status\":\"%s\"}", status));
}

static void s_assert_cohort_counts(const char *cohort_id, int enrolled, int waitlisted)
{
    json_t *cohort = ht_expect(NODE, 200, "GET", ht_fmt("/v1/cohorts/%s", cohort_id), NULL);
    cr_assert_eq(ht_jint(cohort, "enrolled_count"), enrolled, "%s", ht_jtext(cohort));
    cr_assert_eq(ht_jint(cohort, "waitlist_count"), waitlisted, "%s", ht_jtext(cohort));
    json_decref(cohort);
}

/* RFC 3339 UTC: YYYY-MM-DDTHH:MM:SS[.fraction]Z */
static void s_assert_timestamp(const char *text)
{
    int y, mo, d, h, mi, sec, used = 0;
    cr_assert(
        text && sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) == 6 &&
            used == 19,
        "not an RFC 3339 timestamp: %s", text ? text : "null");
    const char *rest = text + used;
    if (*rest == '.')
        for (rest++; *rest >= '0' && *rest <= '9'; rest++)
            ;
    cr_assert_str_eq(rest, "Z", "not UTC: %s", text);
}

static bool s_has_id(json_t *list, const char *id)
{
    return ht_find_id(ht_jget(list, "items"), id) != NULL;
}

Test(employers, create_get_list)
{
    const char *name = ht_uniq("Mercy General ");
    json_t *made = ht_expect(NODE, 201, "POST", "/v1/employers",
                             ht_fmt("{\"name\":\"%s\",\"sector\":\"long_term_care\","
                                    "\"union_local\":\"SEIU 2015\",\"county\":\"Alameda\","
                                    "\"state\":\"CA\"}",
                                    name));
    const char *id = ht_jstr(made, "id");
    cr_assert(id && *id);
    cr_assert_str_eq(ht_jstr(made, "name"), name);
    cr_assert_str_eq(ht_jstr(made, "sector"), "long_term_care");
    cr_assert_str_eq(ht_jstr(made, "union_local"), "SEIU 2015");
    cr_assert_str_eq(ht_jstr(made, "county"), "Alameda");
    cr_assert_str_eq(ht_jstr(made, "state"), "CA");

    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/employers/%s", id), NULL);
    cr_assert(json_equal(got, made), "GET %s\nPOST %s", ht_jtext(got), ht_jtext(made));
    json_t *all = ht_list_all(NODE, "/v1/employers", 500, 50);
    cr_assert(ht_find_id(all, id), "the new employer is not listed");
    json_decref(all);
    json_decref(got);
    json_decref(made);
}

Test(employers, invalid_and_unknown)
{
    json_t *reply = NULL;
    int status = ht_json_post(NODE, "/v1/employers", "{\"sector\":\"acute\"}", &reply);
    ht_assert_error("employer without name", status, reply, 400, "invalid_argument", "name");
    json_decref(reply);
    status =
        ht_json_post(NODE, "/v1/employers", "{\"name\":\"X\",\"sector\":\"hospital\"}", &reply);
    ht_assert_error("employer with bad sector", status, reply, 400, "invalid_argument", "sector");
    json_decref(reply);
    status = ht_json_get(NODE, "/v1/employers/emp_00000000000000000000000000", &reply);
    ht_assert_error("unknown employer", status, reply, 404, "not_found", NULL);
    json_decref(reply);
}

Test(workers, create_with_every_field_and_get)
{
    char *employer = ht_new_employer(NODE, ht_uniq("Clinic "));
    const char *family = ht_uniq("Ortega");
    const char *external = ht_uniq("EXT-");
    json_t *made = ht_expect(
        NODE, 201, "POST", "/v1/workers",
        ht_fmt("{\"given_name\":\"Lucia\",\"family_name\":\"%s\",\"external_id\":\"%s\","
               "\"birth_date\":\"1988-04-12\",\"email\":\"lucia@example.org\","
               "\"phone\":\"+1-555-0100\",\"preferred_language\":\"es\","
               "\"race_ethnicity\":[\"hispanic_latino\",\"white\"],\"gender\":\"female\","
               "\"employer_id\":\"%s\",\"job_title\":\"CNA\",\"employment_status\":\"incumbent\","
               "\"hourly_wage_cents\":2150,\"hire_date\":\"2019-06-01\"}",
               family, external, employer));
    const char *id = ht_jstr(made, "id");
    cr_assert(id && *id);
    cr_assert_str_eq(ht_jstr(made, "given_name"), "Lucia");
    cr_assert_str_eq(ht_jstr(made, "family_name"), family);
    cr_assert_str_eq(ht_jstr(made, "external_id"), external);
    cr_assert_str_eq(ht_jstr(made, "birth_date"), "1988-04-12");
    cr_assert_str_eq(ht_jstr(made, "email"), "lucia@example.org");
    cr_assert_str_eq(ht_jstr(made, "phone"), "+1-555-0100");
    cr_assert_str_eq(ht_jstr(made, "preferred_language"), "es");
    cr_assert_eq(ht_jlen(made, "race_ethnicity"), 2);
    cr_assert_str_eq(ht_jstr(made, "race_ethnicity.0"), "hispanic_latino");
    cr_assert_str_eq(ht_jstr(made, "race_ethnicity.1"), "white");
    cr_assert_str_eq(ht_jstr(made, "gender"), "female");
    cr_assert_str_eq(ht_jstr(made, "employer_id"), employer);
    cr_assert_str_eq(ht_jstr(made, "job_title"), "CNA");
    cr_assert_str_eq(ht_jstr(made, "employment_status"), "incumbent");
    cr_assert_eq(ht_jint(made, "hourly_wage_cents"), 2150);
    cr_assert_str_eq(ht_jstr(made, "hire_date"), "2019-06-01");
    s_assert_timestamp(ht_jstr(made, "created_at"));

    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s", id), NULL);
    cr_assert(json_equal(got, made), "GET %s\nPOST %s", ht_jtext(got), ht_jtext(made));

    /* external_id is unique when given */
    json_t *reply = NULL;
    int status = ht_json_post(
        NODE, "/v1/workers",
        ht_fmt("{\"given_name\":\"Other\",\"family_name\":\"Person\",\"external_id\":\"%s\","
               "\"employment_status\":\"new_entrant\"}",
               external),
        &reply);
    ht_assert_error("duplicate external_id", status, reply, 409, "already_exists", NULL);
    json_decref(reply);
    json_decref(got);
    json_decref(made);
    free(employer);
}

Test(workers, search_by_name_prefix_external_id_and_employer)
{
    char *e1 = ht_new_employer(NODE, ht_uniq("North "));
    char *e2 = ht_new_employer(NODE, ht_uniq("South "));
    const char *tag = ht_uniq("Qz"); /* a prefix no other worker has */
    const char *ext = ht_uniq("EXT-");
    char *a = ht_create(NODE, "/v1/workers",
                        "{\"given_name\":\"Anabel\",\"family_name\":\"%sruiz\","
                        "\"employer_id\":\"%s\",\"employment_status\":\"incumbent\"}",
                        tag, e1);
    char *b = ht_create(NODE, "/v1/workers",
                        "{\"given_name\":\"%slena\",\"family_name\":\"Okafor\","
                        "\"employer_id\":\"%s\",\"employment_status\":\"incumbent\"}",
                        tag, e1);
    char *c = ht_create(NODE, "/v1/workers",
                        "{\"given_name\":\"Carmen\",\"family_name\":\"Diaz\","
                        "\"external_id\":\"%s\",\"employment_status\":\"unemployed\"}",
                        ext);
    char *d = ht_create(NODE, "/v1/workers",
                        "{\"given_name\":\"Dora\",\"family_name\":\"%sson\","
                        "\"employer_id\":\"%s\",\"employment_status\":\"new_entrant\"}",
                        tag, e2);

    /* case-insensitive prefix of given or family name */
    char upper[96];
    snprintf(upper, sizeof upper, "%s", tag);
    for (char *p = upper; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    json_t *found = ht_list_all(NODE, ht_fmt("/v1/workers?q=%s", upper), 50, 10);
    cr_assert_eq(json_array_size(found), 3, "q=%s: %s", upper, ht_jtext(found));
    cr_assert(ht_find_id(found, a) && ht_find_id(found, b) && ht_find_id(found, d));
    json_decref(found);

    /* a substring that is no prefix matches nothing */
    json_t *none = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", tag + 2), NULL);
    cr_assert(!s_has_id(none, a) && !s_has_id(none, b) && !s_has_id(none, d), "q=%s: %s", tag + 2,
              ht_jtext(none));
    json_decref(none);

    /* the whole external_id, and only the whole */
    json_t *by_ext = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", ext), NULL);
    cr_assert_eq(ht_jlen(by_ext, "items"), 1, "%s", ht_jtext(by_ext));
    cr_assert_str_eq(ht_jstr(by_ext, "items.0.id"), c);
    json_decref(by_ext);
    char part[96];
    snprintf(part, sizeof part, "%.*s", (int)strlen(ext) - 1, ext);
    json_t *by_part = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", part), NULL);
    cr_assert(!s_has_id(by_part, c), "q=%s (part of an external_id): %s", part, ht_jtext(by_part));
    json_decref(by_part);

    /* employer filter, alone and with q */
    json_t *at_e2 = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?employer_id=%s", e2), NULL);
    cr_assert_eq(ht_jlen(at_e2, "items"), 1, "%s", ht_jtext(at_e2));
    cr_assert_str_eq(ht_jstr(at_e2, "items.0.id"), d);
    json_decref(at_e2);
    json_t *at_e1 = ht_list_all(NODE, ht_fmt("/v1/workers?q=%s&employer_id=%s", tag, e1), 50, 10);
    cr_assert_eq(json_array_size(at_e1), 2, "%s", ht_jtext(at_e1));
    cr_assert(ht_find_id(at_e1, a) && ht_find_id(at_e1, b));
    json_decref(at_e1);
    free(a), free(b), free(c), free(d), free(e1), free(e2);
}

Test(workers, patch_changes_only_given_fields)
{
    char *employer = ht_new_employer(NODE, ht_uniq("Patch Clinic "));
    char *id = ht_create(NODE, "/v1/workers",
                         "{\"given_name\":\"Ines\",\"family_name\":\"%s\","
                         "\"email\":\"ines@example.org\",\"job_title\":\"Aide\","
                         "\"employment_status\":\"new_entrant\",\"hourly_wage_cents\":1800}",
                         ht_uniq("Patch"));
    json_t *before = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s", id), NULL);
    json_t *after = ht_expect(NODE, 200, "PATCH", ht_fmt("/v1/workers/%s", id),
                              ht_fmt("{\"job_title\":\"CNA\",\"hourly_wage_cents\":2300,"
                                     "\"employment_status\":\"incumbent\",\"employer_id\":\"%s\"}",
                                     employer));
    cr_assert_str_eq(ht_jstr(after, "job_title"), "CNA");
    cr_assert_eq(ht_jint(after, "hourly_wage_cents"), 2300);
    cr_assert_str_eq(ht_jstr(after, "employment_status"), "incumbent");
    cr_assert_str_eq(ht_jstr(after, "employer_id"), employer);
    cr_assert_str_eq(ht_jstr(after, "given_name"), "Ines");
    cr_assert_str_eq(ht_jstr(after, "email"), "ines@example.org");
    cr_assert_str_eq(ht_jstr(after, "family_name"), ht_jstr(before, "family_name"));
    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s", id), NULL);
    cr_assert(json_equal(got, after), "GET %s\nPATCH %s", ht_jtext(got), ht_jtext(after));

    /* an empty string clears an optional text field */
    json_t *cleared =
        ht_expect(NODE, 200, "PATCH", ht_fmt("/v1/workers/%s", id), "{\"email\":\"\"}");
    cr_assert(json_is_null(ht_jget(cleared, "email")), "%s", ht_jtext(cleared));
    cr_assert_str_eq(ht_jstr(cleared, "job_title"), "CNA");
    json_decref(after);
    after = cleared;

    json_t *reply = NULL;
    int status =
        ht_json_patch(NODE, ht_fmt("/v1/workers/%s", id), "{\"gender\":\"robot\"}", &reply);
    ht_assert_error("PATCH bad gender", status, reply, 400, "invalid_argument", "gender");
    json_decref(reply);
    status = ht_json_patch(NODE, "/v1/workers/wkr_00000000000000000000000000",
                           "{\"job_title\":\"X\"}", &reply);
    ht_assert_error("PATCH unknown worker", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    json_t *unchanged = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s", id), NULL);
    cr_assert(json_equal(unchanged, after), "a failed PATCH changed the worker: %s",
              ht_jtext(unchanged));
    json_decref(unchanged);
    json_decref(got);
    json_decref(after);
    json_decref(before);
    free(id);
    free(employer);
}

Test(workers, delete_erases_personal_data_from_the_event_log)
{
    const char *given = ht_uniq("Zelphine");
    const char *family = ht_uniq("Quarrington");
    const char *email = ht_fmt("%s.mail@example.org", ht_uniq("zq"));
    const char *email2 = ht_fmt("%s.new@example.org", ht_uniq("zq"));
    char *id = ht_create(NODE, "/v1/workers",
                         "{\"given_name\":\"%s\",\"family_name\":\"%s\",\"email\":\"%s\","
                         "\"birth_date\":\"1979-11-30\",\"employment_status\":\"incumbent\"}",
                         given, family, email);
    json_decref(ht_expect(NODE, 200, "PATCH", ht_fmt("/v1/workers/%s", id),
                          ht_fmt("{\"email\":\"%s\"}", email2)));
    ht_events log;
    cr_assert_eq(ht_events_fetch(NODE->dir, "enrollment", &log, 5000), 0);
    cr_assert(ht_events_contain(&log, given) && ht_events_contain(&log, email),
              "before erasure the log should carry the worker (else this test proves nothing)");
    ht_events_free(&log);

    json_t *erased = ht_expect(NODE, 200, "DELETE", ht_fmt("/v1/workers/%s", id), NULL);
    json_decref(erased);
    json_t *reply = NULL;
    int status = ht_json_get(NODE, ht_fmt("/v1/workers/%s", id), &reply);
    ht_assert_error("GET erased worker", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    status = ht_json_delete(NODE, ht_fmt("/v1/workers/%s", id), &reply);
    ht_assert_error("DELETE erased worker", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    json_t *search = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", given), NULL);
    cr_assert_eq(ht_jlen(search, "items"), 0, "%s", ht_jtext(search));
    json_decref(search);

    cr_assert_eq(ht_events_fetch(NODE->dir, "enrollment", &log, 5000), 0);
    cr_assert(ht_events_gapless(&log));
    cr_assert(!ht_events_contain(&log, given), "the given name survived erasure in the log");
    cr_assert(!ht_events_contain(&log, family), "the family name survived erasure in the log");
    cr_assert(!ht_events_contain(&log, email), "the email survived erasure in the log");
    cr_assert(!ht_events_contain(&log, email2), "the new email survived erasure in the log");
    cr_assert(!ht_events_contain(&log, "1979-11-30"), "the birth date survived erasure");
    cr_assert(ht_events_count(&log, "erased") >= 1, "no tombstone event");
    ht_events_free(&log);
    free(id);
}

Test(employment, record_and_errors)
{
    char *employer = ht_new_employer(NODE, ht_uniq("Hire Co "));
    char *worker = ht_new_worker(NODE, "Rosa", ht_uniq("Employed"));
    json_t *made = ht_expect(NODE, 201, "POST", ht_fmt("/v1/workers/%s/employment", worker),
                             ht_fmt("{\"kind\":\"placement\",\"employer_id\":\"%s\","
                                    "\"job_title\":\"Medical Assistant\","
                                    "\"hourly_wage_cents\":2600,\"effective_date\":\"2025-03-03\"}",
                                    employer));
    cr_assert(ht_jstr(made, "id"));
    cr_assert_str_eq(ht_jstr(made, "worker_id"), worker);
    cr_assert_str_eq(ht_jstr(made, "kind"), "placement");
    cr_assert_str_eq(ht_jstr(made, "employer_id"), employer);
    cr_assert_eq(ht_jint(made, "hourly_wage_cents"), 2600);
    cr_assert_str_eq(ht_jstr(made, "effective_date"), "2025-03-03");
    json_decref(made);

    const char *path = ht_fmt("/v1/workers/%s/employment", worker);
    json_t *reply = NULL;
    int status = ht_json_post(NODE, path, "{\"kind\":\"promotion\"}", &reply);
    ht_assert_error("employment without date", status, reply, 400, "invalid_argument",
                    "effective_date");
    json_decref(reply);
    status = ht_json_post(NODE, path, "{\"kind\":\"retirement\",\"effective_date\":\"2025-01-01\"}",
                          &reply);
    ht_assert_error("employment bad kind", status, reply, 400, "invalid_argument", "kind");
    json_decref(reply);
    status = ht_json_post(NODE, path, "{\"kind\":\"separation\",\"effective_date\":\"2025-02-30\"}",
                          &reply);
    ht_assert_error("employment bad date", status, reply, 400, "invalid_argument",
                    "effective_date");
    json_decref(reply);
    status = ht_json_post(NODE, path,
                          "{\"kind\":\"placement\",\"effective_date\":\"2025-01-01\","
                          "\"employer_id\":\"emp_00000000000000000000000000\"}",
                          &reply);
    ht_assert_error("employment unknown employer", status, reply, 404, "not_found", "employer_id");
    json_decref(reply);
    status = ht_json_post(NODE, "/v1/workers/wkr_00000000000000000000000000/employment",
                          "{\"kind\":\"placement\",\"effective_date\":\"2025-01-01\"}", &reply);
    ht_assert_error("employment of unknown worker", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    free(worker);
    free(employer);
}

Test(programs, create_list_duplicate)
{
    const char *code = ht_uniq("CNA-");
    json_t *made = ht_expect(NODE, 201, "POST", "/v1/programs",
                             ht_fmt("{\"code\":\"%s\",\"name\":\"Certified Nursing Assistant\","
                                    "\"kind\":\"credential_training\",\"occupation\":\"CNA\","
                                    "\"credential_code\":\"CA-CNA\",\"hours\":160.5,"
                                    "\"delivery\":\"hybrid\",\"provider\":\"Valley College\"}",
                                    code));
    const char *id = ht_jstr(made, "id");
    cr_assert(id);
    cr_assert_str_eq(ht_jstr(made, "code"), code);
    cr_assert_str_eq(ht_jstr(made, "kind"), "credential_training");
    cr_assert_str_eq(ht_jstr(made, "delivery"), "hybrid");
    cr_assert_float_eq(json_number_value(ht_jget(made, "hours")), 160.5, 1e-9);
    json_t *all = ht_list_all(NODE, "/v1/programs", 500, 50);
    json_t *listed = ht_find_id(all, id);
    cr_assert(listed && json_equal(listed, made), "listed %s", ht_jtext(listed));
    json_decref(all);

    json_t *reply = NULL;
    int status = ht_json_post(
        NODE, "/v1/programs",
        ht_fmt("{\"code\":\"%s\",\"name\":\"Again\",\"kind\":\"basic_skills\"}", code), &reply);
    ht_assert_error("duplicate program code", status, reply, 409, "already_exists", NULL);
    json_decref(reply);
    status = ht_json_post(NODE, "/v1/programs",
                          "{\"code\":\"X1\",\"name\":\"X\",\"kind\":\"apprenticeship\"}", &reply);
    ht_assert_error("program bad kind", status, reply, 400, "invalid_argument", "kind");
    json_decref(reply);
    status =
        ht_json_post(NODE, "/v1/programs", "{\"code\":\"X2\",\"kind\":\"basic_skills\"}", &reply);
    ht_assert_error("program without name", status, reply, 400, "invalid_argument", "name");
    json_decref(reply);
    json_decref(made);
}

Test(cohorts, create_get_filter_errors)
{
    char *program = ht_new_program(NODE, ht_uniq("MA-"));
    char *other = ht_new_program(NODE, ht_uniq("MB-"));
    json_t *made = ht_expect(NODE, 201, "POST", "/v1/cohorts",
                             ht_fmt("{\"program_id\":\"%s\",\"name\":\"Fall evening\","
                                    "\"start_date\":\"2030-09-01\",\"end_date\":\"2030-12-15\","
                                    "\"capacity\":12,\"language\":\"es\"}",
                                    program));
    const char *id = ht_jstr(made, "id");
    cr_assert(id);
    cr_assert_str_eq(ht_jstr(made, "program_id"), program);
    cr_assert_eq(ht_jint(made, "capacity"), 12);
    cr_assert_eq(ht_jint(made, "enrolled_count"), 0, "%s", ht_jtext(made));
    cr_assert_eq(ht_jint(made, "waitlist_count"), 0, "%s", ht_jtext(made));
    char *second = ht_new_cohort(NODE, program, 3);
    char *elsewhere = ht_new_cohort(NODE, other, 3);

    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/cohorts/%s", id), NULL);
    cr_assert_str_eq(ht_jstr(got, "name"), "Fall evening");
    cr_assert_str_eq(ht_jstr(got, "end_date"), "2030-12-15");
    json_decref(got);
    json_t *of_program = ht_list_all(NODE, ht_fmt("/v1/cohorts?program_id=%s", program), 50, 5);
    cr_assert_eq(json_array_size(of_program), 2, "%s", ht_jtext(of_program));
    cr_assert(ht_find_id(of_program, id) && ht_find_id(of_program, second));
    cr_assert(!ht_find_id(of_program, elsewhere));
    json_decref(of_program);

    json_t *reply = NULL;
    const char *bad[][2] = {
        {"{\"program_id\":\"%s\",\"name\":\"C\",\"start_date\":\"2030-01-01\",\"capacity\":0}",
         "capacity"},
        {"{\"program_id\":\"%s\",\"name\":\"C\",\"start_date\":\"2030-13-01\",\"capacity\":5}",
         "start_date"},
        {"{\"program_id\":\"%s\",\"name\":\"C\",\"start_date\":\"2030-01-01\"}", "capacity"},
        {"{\"program_id\":\"%s\",\"name\":\"C\",\"start_date\":\"2030-01-01\",\"capacity\":\"5\"}",
         "capacity"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int status = ht_json_post(NODE, "/v1/cohorts", ht_fmt(bad[i][0], program), &reply);
        ht_assert_error(ht_fmt(bad[i][0], program), status, reply, 400, "invalid_argument",
                        bad[i][1]);
        json_decref(reply);
    }
    int status = ht_json_post(NODE, "/v1/cohorts",
                              "{\"program_id\":\"prg_00000000000000000000000000\",\"name\":\"C\","
                              "\"start_date\":\"2030-01-01\",\"capacity\":5}",
                              &reply);
    ht_assert_error("cohort of unknown program", status, reply, 404, "not_found", "program_id");
    json_decref(reply);
    status = ht_json_get(NODE, "/v1/cohorts/coh_00000000000000000000000000", &reply);
    ht_assert_error("unknown cohort", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    json_decref(made);
    free(program), free(other), free(second), free(elsewhere);
}

Test(enrollments, seats_then_waitlist_duplicates_and_fifo_promotion)
{
    char *program = ht_new_program(NODE, ht_uniq("CHW-"));
    char *cohort = ht_new_cohort(NODE, program, 2);
    char *w[5];
    for (int i = 0; i < 5; i++)
        w[i] = ht_new_worker(NODE, "Seat", ht_uniq("Taker"));

    json_t *e[5];
    for (int i = 0; i < 4; i++)
        e[i] = s_enroll(w[i], cohort, 201);
    for (int i = 0; i < 2; i++) {
        cr_assert_str_eq(ht_jstr(e[i], "status"), "enrolled", "%s", ht_jtext(e[i]));
        cr_assert(json_is_null(ht_jget(e[i], "waitlist_position")) ||
                      !ht_jget(e[i], "waitlist_position"),
                  "an enrolled worker has no waitlist position: %s", ht_jtext(e[i]));
        cr_assert_str_eq(ht_jstr(e[i], "worker_id"), w[i]);
        cr_assert_str_eq(ht_jstr(e[i], "cohort_id"), cohort);
        cr_assert_str_eq(ht_jstr(e[i], "program_id"), program);
    }
    for (int i = 2; i < 4; i++) {
        cr_assert_str_eq(ht_jstr(e[i], "status"), "waitlisted", "%s", ht_jtext(e[i]));
        cr_assert_eq(ht_jint(e[i], "waitlist_position"), i - 1, "%s", ht_jtext(e[i]));
    }
    s_assert_cohort_counts(cohort, 2, 2);

    /* already enrolled or waitlisted in this cohort: 409, nothing changes */
    for (int i = 0; i < 4; i += 2) {
        json_t *reply = NULL;
        int status = ht_json_post(
            NODE, "/v1/enrollments",
            ht_fmt("{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", w[i], cohort), &reply);
        ht_assert_error("duplicate enrollment", status, reply, 409, NULL, NULL);
        const char *code = ht_jstr(reply, "error.code");
        cr_assert(code &&
                  (!strcmp(code, "already_exists") || !strcmp(code, "failed_precondition")));
        json_decref(reply);
    }
    s_assert_cohort_counts(cohort, 2, 2);

    /* a freed seat goes to the first waitlisted worker */
    json_t *gone = s_set_status(ht_jstr(e[0], "id"), "withdrawn", 200);
    cr_assert_str_eq(ht_jstr(gone, "status"), "withdrawn");
    json_decref(gone);
    json_t *promoted = s_enrollment(w[2], cohort);
    cr_assert_str_eq(ht_jstr(promoted, "status"), "enrolled", "%s", ht_jtext(promoted));
    json_t *still = s_enrollment(w[3], cohort);
    cr_assert_str_eq(ht_jstr(still, "status"), "waitlisted");
    cr_assert_eq(ht_jint(still, "waitlist_position"), 1, "%s", ht_jtext(still));
    s_assert_cohort_counts(cohort, 2, 1);

    /* the withdrawn worker may come back: at the end of the waitlist */
    json_t *back = s_enroll(w[0], cohort, 201);
    cr_assert_str_eq(ht_jstr(back, "status"), "waitlisted");
    cr_assert_eq(ht_jint(back, "waitlist_position"), 2, "%s", ht_jtext(back));
    s_assert_cohort_counts(cohort, 2, 2);

    json_t *by_status = ht_expect(
        NODE, 200, "GET", ht_fmt("/v1/enrollments?cohort_id=%s&status=waitlisted", cohort), NULL);
    cr_assert_eq(ht_jlen(by_status, "items"), 2, "%s", ht_jtext(by_status));
    json_decref(by_status);
    json_decref(back);
    json_decref(still);
    json_decref(promoted);
    for (int i = 0; i < 4; i++)
        json_decref(e[i]);
    for (int i = 0; i < 5; i++)
        free(w[i]);
    free(cohort);
    free(program);
}

Test(enrollments, unknown_references_name_the_field)
{
    char *program = ht_new_program(NODE, ht_uniq("REF-"));
    char *cohort = ht_new_cohort(NODE, program, 2);
    char *worker = ht_new_worker(NODE, "Ref", ht_uniq("Erence"));
    json_t *reply = NULL;
    int status = ht_json_post(
        NODE, "/v1/enrollments",
        ht_fmt("{\"worker_id\":\"wkr_00000000000000000000000000\",\"cohort_id\":\"%s\"}", cohort),
        &reply);
    ht_assert_error("enroll unknown worker", status, reply, 404, "not_found", "worker_id");
    json_decref(reply);
    status = ht_json_post(
        NODE, "/v1/enrollments",
        ht_fmt("{\"worker_id\":\"%s\",\"cohort_id\":\"coh_00000000000000000000000000\"}", worker),
        &reply);
    ht_assert_error("enroll in unknown cohort", status, reply, 404, "not_found", "cohort_id");
    json_decref(reply);
    status = ht_json_post(NODE, "/v1/enrollments/enr_00000000000000000000000000/status",
                          "{\"status\":\"active\"}", &reply);
    ht_assert_error("status of unknown enrollment", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    s_assert_cohort_counts(cohort, 0, 0);
    free(worker), free(cohort), free(program);
}

/* Walks one enrollment through the given statuses, each expected to pass. */
static char *s_enrolled(const char *cohort, const char *const *path)
{
    char *worker = ht_new_worker(NODE, "Path", ht_uniq("Walker"));
    json_t *made = s_enroll(worker, cohort, 201);
    char *id = strdup(ht_jstr(made, "id"));
    json_decref(made);
    for (int i = 0; path[i]; i++) {
        json_t *state = s_set_status(id, path[i], 200);
        cr_assert_str_eq(ht_jstr(state, "status"), path[i], "%s", ht_jtext(state));
        json_decref(state);
    }
    free(worker);
    return id;
}

static void s_assert_refused(const char *id, const char *status)
{
    json_t *reply = NULL;
    int code = ht_json_post(NODE, ht_fmt("/v1/enrollments/%s/status", id),
                            ht_fmt("{\"status\":\"%s\"}", status), &reply);
    ht_assert_error(ht_fmt("change to %s", status), code, reply, 409, "failed_precondition", NULL);
    json_decref(reply);
}

Test(enrollments, every_allowed_transition_and_forbidden_ones)
{
    char *program = ht_new_program(NODE, ht_uniq("LVN-"));
    char *cohort = ht_new_cohort(NODE, program, 20);
    const char *paths[][4] = {
        {"active", "completed", NULL},
        {"active", "withdrawn", NULL},
        {"active", "failed", NULL},
        {"withdrawn", NULL},
    };
    char *ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = s_enrolled(cohort, paths[i]);
    s_assert_refused(ids[0], "active");    /* completed -> active */
    s_assert_refused(ids[0], "enrolled");  /* completed -> enrolled */
    s_assert_refused(ids[1], "active");    /* withdrawn -> active */
    s_assert_refused(ids[2], "completed"); /* failed -> completed */
    s_assert_refused(ids[3], "enrolled");  /* withdrawn -> enrolled */

    char *fresh = s_enrolled(cohort, (const char *const[]){NULL});
    s_assert_refused(fresh, "completed"); /* enrolled -> completed */
    s_assert_refused(fresh, "failed");    /* enrolled -> failed */
    s_assert_refused(fresh, "waitlisted");

    /* date, reason and hours travel with a change */
    json_t *state = ht_expect(NODE, 200, "POST", ht_fmt("/v1/enrollments/%s/status", fresh),
                              "{\"status\":\"active\",\"date\":\"2030-09-02\","
                              "\"reason\":\"started\",\"hours_attended\":12.5}");
    cr_assert_str_eq(ht_jstr(state, "status_date"), "2030-09-02", "%s", ht_jtext(state));
    cr_assert_str_eq(ht_jstr(state, "reason"), "started");
    cr_assert_float_eq(json_number_value(ht_jget(state, "hours_attended")), 12.5, 1e-9);
    json_decref(state);
    json_t *reply = NULL;
    int code = ht_json_post(NODE, ht_fmt("/v1/enrollments/%s/status", fresh),
                            "{\"status\":\"graduated\"}", &reply);
    ht_assert_error("bad status", code, reply, 400, "invalid_argument", "status");
    json_decref(reply);

    /* waitlisted -> withdrawn; waitlisted -> active is refused */
    char *tiny = ht_new_cohort(NODE, program, 1);
    char *first = s_enrolled(tiny, (const char *const[]){NULL});
    char *second = s_enrolled(tiny, (const char *const[]){NULL});
    char *third = s_enrolled(tiny, (const char *const[]){NULL});
    s_assert_refused(second, "active");
    json_decref(s_set_status(second, "withdrawn", 200));
    s_assert_cohort_counts(tiny, 1, 1);
    /* an active worker withdrawing frees the seat too */
    json_decref(s_set_status(first, "active", 200));
    json_decref(s_set_status(first, "withdrawn", 200));
    json_t *list = ht_expect(NODE, 200, "GET", ht_fmt("/v1/enrollments?cohort_id=%s", tiny), NULL);
    json_t *promoted = ht_find_id(ht_jget(list, "items"), third);
    cr_assert_str_eq(ht_jstr(promoted, "status"), "enrolled", "%s", ht_jtext(list));
    json_decref(list);
    s_assert_cohort_counts(tiny, 1, 0);
    for (int i = 0; i < 4; i++)
        free(ids[i]);
    free(fresh), free(first), free(second), free(third), free(tiny), free(cohort), free(program);
}

static json_t *s_decide(const char *claim, const char *status, long cents, int want)
{
    return ht_expect(NODE, want, "POST", ht_fmt("/v1/tuition-claims/%s/decision", claim),
                     ht_fmt("{\"status\":\"%s\",\"approved_cents\":%ld}", status, cents));
}

static char *s_claim(const char *worker, long cents)
{
    json_t *made = ht_expect(NODE, 201, "POST", "/v1/tuition-claims",
                             ht_fmt("{\"worker_id\":\"%s\",\"institution\":\"City College\","
                                    "\"course\":\"Anatomy\",\"term\":\"Fall\","
                                    "\"amount_cents\":%ld}",
                                    worker, cents));
    cr_assert_str_eq(ht_jstr(made, "status"), "submitted", "%s", ht_jtext(made));
    cr_assert_eq(ht_jint(made, "amount_cents"), cents);
    cr_assert_str_eq(ht_jstr(made, "worker_id"), worker);
    char *id = strdup(ht_jstr(made, "id"));
    json_decref(made);
    return id;
}

Test(tuition, annual_cap_and_decisions)
{
    char *worker = ht_new_worker(NODE, "Tui", ht_uniq("Tion"));
    char *c1 = s_claim(worker, 300000);
    char *c2 = s_claim(worker, 300000);
    char *c3 = s_claim(worker, 225000);
    char *c4 = s_claim(worker, 1000);
    json_t *ok = s_decide(c1, "approved", 300000, 200);
    cr_assert_str_eq(ht_jstr(ok, "status"), "approved");
    cr_assert_eq(ht_jint(ok, "approved_cents"), 300000);
    json_decref(ok);

    json_t *reply = NULL;
    int status = ht_json_post(NODE, ht_fmt("/v1/tuition-claims/%s/decision", c2),
                              "{\"status\":\"approved\",\"approved_cents\":300000}", &reply);
    ht_assert_error("approval past the annual cap", status, reply, 409, NULL, NULL);
    json_decref(reply);
    json_t *denied = s_decide(c2, "denied", 0, 200);
    cr_assert_str_eq(ht_jstr(denied, "status"), "denied");
    json_decref(denied);
    json_t *at_cap = s_decide(c3, "approved", 225000, 200); /* exactly 525000: allowed */
    json_decref(at_cap);
    status = ht_json_post(NODE, ht_fmt("/v1/tuition-claims/%s/decision", c4),
                          "{\"status\":\"approved\",\"approved_cents\":1}", &reply);
    ht_assert_error("one cent past the cap", status, reply, 409, NULL, NULL);
    json_decref(reply);
    json_t *paid = s_decide(c1, "paid", 300000, 200);
    cr_assert_str_eq(ht_jstr(paid, "status"), "paid");
    json_decref(paid);

    /* the cap is per worker */
    char *other = ht_new_worker(NODE, "Tui", ht_uniq("Other"));
    char *c5 = s_claim(other, 300000);
    json_decref(s_decide(c5, "approved", 300000, 200));

    free(c1), free(c2), free(c3), free(c4), free(c5), free(worker), free(other);
}

Test(tuition, invalid_claims)
{
    char *worker = ht_new_worker(NODE, "Bad", ht_uniq("Claim"));
    json_t *reply = NULL;
    const char *bodies[][3] = {
        {"{\"worker_id\":\"%s\",\"institution\":\"X\",\"amount_cents\":0}", "400", "amount_cents"},
        {"{\"worker_id\":\"%s\",\"institution\":\"X\",\"amount_cents\":-5}", "400", "amount_cents"},
        {"{\"worker_id\":\"%s\",\"amount_cents\":500}", "400", "institution"},
        {"{\"worker_id\":\"%s\",\"institution\":\"X\",\"amount_cents\":1.5}", "400",
         "amount_cents"},
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        const char *body = ht_fmt(bodies[i][0], worker);
        int status = ht_json_post(NODE, "/v1/tuition-claims", body, &reply);
        ht_assert_error(body, status, reply, atoi(bodies[i][1]), "invalid_argument", bodies[i][2]);
        json_decref(reply);
    }
    int status = ht_json_post(NODE, "/v1/tuition-claims",
                              "{\"worker_id\":\"wkr_00000000000000000000000000\","
                              "\"institution\":\"X\",\"amount_cents\":500}",
                              &reply);
    ht_assert_error("claim of unknown worker", status, reply, 404, "not_found", "worker_id");
    json_decref(reply);
    char *claim = s_claim(worker, 5000);
    status = ht_json_post(NODE, ht_fmt("/v1/tuition-claims/%s/decision", claim),
                          "{\"status\":\"maybe\"}", &reply);
    ht_assert_error("bad decision", status, reply, 400, "invalid_argument", "status");
    json_decref(reply);
    status = ht_json_post(NODE, "/v1/tuition-claims/tcl_00000000000000000000000000/decision",
                          "{\"status\":\"denied\"}", &reply);
    ht_assert_error("decision on unknown claim", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    free(claim);
    free(worker);
}

Test(lists, limit_after_next_walk_every_item_once)
{
    const char *tag = ht_uniq("Pg");
    char *ids[7];
    for (int i = 0; i < 7; i++)
        ids[i] = ht_new_worker(NODE, "Page", ht_fmt("%s%c", tag, 'a' + i));
    json_t *all = ht_list_all(NODE, ht_fmt("/v1/workers?q=%s", tag), 3, 5);
    cr_assert_eq(json_array_size(all), 7, "%s", ht_jtext(all));
    for (int i = 0; i < 7; i++)
        cr_assert(ht_find_id(all, ids[i]), "worker %d missing from the pages", i);
    json_decref(all);

    json_t *first = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s&limit=3", tag), NULL);
    cr_assert_eq(ht_jlen(first, "items"), 3);
    cr_assert(json_is_string(ht_jget(first, "next")), "a full page has a next cursor: %s",
              ht_jtext(first));
    json_decref(first);
    json_t *one = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s&limit=50", tag), NULL);
    cr_assert_eq(ht_jlen(one, "items"), 7);
    cr_assert(json_is_null(ht_jget(one, "next")), "everything fit: next is null: %s",
              ht_jtext(one));
    json_decref(one);
    for (int i = 0; i < 7; i++)
        free(ids[i]);
}

Test(lists, default_limit_is_50)
{
    const char *tag = ht_uniq("Lim");
    char *csv = malloc(60 * 64 + 128);
    int len = sprintf(csv, "external_id,given_name,family_name,employment_status\n");
    for (int i = 0; i < 60; i++)
        len += sprintf(csv + len, "%s%02d,Lim,%s%02d,incumbent\n", tag, i, tag, i);
    ht_req req = {.method = "POST",
                  .path = "/v1/imports/workers",
                  .token = NODE->token,
                  .content_type = "text/csv",
                  .body = csv};
    ht_resp resp;
    cr_assert_eq(ht_http(NODE, &req, &resp), 200, "%s", resp.body);
    ht_resp_free(&resp);
    free(csv);
    json_t *page = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", tag), NULL);
    cr_assert_eq(ht_jlen(page, "items"), 50, "default page: %ld items", ht_jlen(page, "items"));
    cr_assert(json_is_string(ht_jget(page, "next")), "%s", ht_jtext(ht_jget(page, "next")));
    json_decref(page);
    json_t *all = ht_list_all(NODE, ht_fmt("/v1/workers?q=%s", tag), 500, 3);
    cr_assert_eq(json_array_size(all), 60);
    json_decref(all);
}

Test(lists, every_list_speaks_csv)
{
    char *program = ht_new_program(NODE, ht_uniq("CSV-"));
    char *cohort = ht_new_cohort(NODE, program, 2);
    char *worker = ht_new_worker(NODE, "Csv", ht_uniq("Lists"));
    free(ht_new_employer(NODE, ht_uniq("Csv Employer ")));
    free(ht_create(NODE, "/v1/enrollments", "{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", worker,
                   cohort));
    const char *paths[] = {"/v1/employers?format=csv", "/v1/programs?format=csv",
                           ht_fmt("/v1/cohorts?program_id=%s&format=csv", program),
                           ht_fmt("/v1/enrollments?cohort_id=%s&format=csv", cohort)};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        ht_req req = {.method = "GET", .path = paths[i], .token = NODE->token};
        ht_resp resp;
        cr_assert_eq(ht_http(NODE, &req, &resp), 200, "%s: %s", paths[i], resp.body);
        char type[128];
        cr_assert(ht_resp_header(&resp, "Content-Type", type, sizeof type) &&
                      strncmp(type, "text/csv", 8) == 0,
                  "%s: not text/csv", paths[i]);
        cr_assert(strncmp(resp.body, "id,", 3) == 0, "%s: header row: %s", paths[i], resp.body);
        cr_assert(strchr(resp.body, '\n') && strchr(resp.body, '\n')[1], "%s: no rows: %s",
                  paths[i], resp.body);
        ht_resp_free(&resp);
    }
    free(worker), free(cohort), free(program);
}

Test(lists, csv_format_has_a_header_row)
{
    const char *tag = ht_uniq("Csv");
    char *a = ht_new_worker(NODE, "Comma", ht_fmt("%sone", tag));
    char *b = ht_create(NODE, "/v1/workers",
                        "{\"given_name\":\"Quote, \\\"Q\\\"\",\"family_name\":\"%stwo\","
                        "\"employment_status\":\"unemployed\"}",
                        tag);
    const char *variants[][2] = {{"?format=csv&q=", NULL}, {"?q=", "text/csv"}};
    for (int v = 0; v < 2; v++) {
        ht_req req = {.method = "GET",
                      .path = ht_fmt("/v1/workers%s%s", variants[v][0], tag),
                      .token = NODE->token,
                      .accept = variants[v][1]};
        ht_resp resp;
        cr_assert_eq(ht_http(NODE, &req, &resp), 200, "%s: %s", req.path, resp.body);
        char type[128];
        cr_assert(ht_resp_header(&resp, "Content-Type", type, sizeof type) &&
                      strncmp(type, "text/csv", 8) == 0,
                  "%s: Content-Type %s", req.path, type);
        cr_assert(strncmp(resp.body, "id,", 3) == 0 || strstr(resp.body, "given_name"),
                  "no header row: %s", resp.body);
        const char *line_end = strchr(resp.body, '\n');
        cr_assert(line_end, "no header row: %s", resp.body);
        cr_assert(memmem(resp.body, (size_t)(line_end - resp.body), "family_name", 11),
                  "header row without family_name: %s", resp.body);
        cr_assert(strstr(resp.body, a) && strstr(resp.body, b), "rows missing: %s", resp.body);
        cr_assert(strstr(resp.body, "\"Quote, \"\"Q\"\"\""), "a field with , and \" is quoted: %s",
                  resp.body);
        ht_resp_free(&resp);
    }
    free(a);
    free(b);
}

Test(errors, invalid_argument_names_the_field_and_writes_nothing)
{
    int64_t head = ht_events_head(NODE->dir, "enrollment", 5000);
    cr_assert(head >= 0, "event log unreachable");
    const char *cases[][2] = {
        {"{\"family_name\":\"A\",\"employment_status\":\"incumbent\"}", "given_name"},
        {"{\"given_name\":5,\"family_name\":\"A\",\"employment_status\":\"incumbent\"}",
         "given_name"},
        {"{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":\"retired\"}",
         "employment_status"},
        {"{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":\"incumbent\","
         "\"shoe_size\":9}",
         "shoe_size"},
        {"{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":\"incumbent\","
         "\"birth_date\":\"1990-02-30\"}",
         "birth_date"},
        {"{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":\"incumbent\","
         "\"hire_date\":\"March 3\"}",
         "hire_date"},
        {"{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":\"incumbent\","
         "\"race_ethnicity\":[\"martian\"]}",
         "race_ethnicity*"},
        {"{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":\"incumbent\","
         "\"race_ethnicity\":\"asian\"}",
         "race_ethnicity*"},
        {"{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":\"incumbent\","
         "\"hourly_wage_cents\":\"lots\"}",
         "hourly_wage_cents"},
        {"{\"given_name\":\"A\",\"family_name\":\"B\",\"employment_status\":\"incumbent\","
         "\"employer_id\":\"emp_00000000000000000000000000\"}",
         NULL},
    };
    json_t *reply = NULL;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status = ht_json_post(NODE, "/v1/workers", cases[i][0], &reply);
        if (cases[i][1])
            ht_assert_error(cases[i][0], status, reply, 400, "invalid_argument", cases[i][1]);
        else
            ht_assert_error(cases[i][0], status, reply, 404, "not_found", "employer_id");
        json_decref(reply);
    }
    const char *malformed[] = {"{\"given_name\":", "[1,2]", "not json", ""};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        ht_req req = {.method = "POST",
                      .path = "/v1/workers",
                      .token = NODE->token,
                      .body = malformed[i],
                      .body_len = strlen(malformed[i])};
        req.body = *malformed[i] ? malformed[i] : NULL;
        ht_resp resp;
        int status = ht_http(NODE, &req, &resp);
        ht_assert_error(ht_fmt("malformed body '%s'", malformed[i]), status, resp.json, 400,
                        "invalid_argument", NULL);
        ht_resp_free(&resp);
    }
    cr_assert_eq(ht_events_head(NODE->dir, "enrollment", 5000), head,
                 "a request that failed wrote an event");
}

Test(errors, unauthenticated_and_permission_denied)
{
    json_t *reply = NULL;
    int status = ht_json_call(NODE, "GET", "/v1/workers", NULL, NULL, &reply);
    ht_assert_error("no token", status, reply, 401, "unauthenticated", NULL);
    json_decref(reply);
    status = ht_json_call(NODE, "GET", "/v1/workers", "hct_not_a_real_token", NULL, &reply);
    ht_assert_error("bad token", status, reply, 401, "unauthenticated", NULL);
    json_decref(reply);
    status = ht_json_call(NODE, "POST", "/v1/workers", NULL,
                          "{\"given_name\":\"A\",\"family_name\":\"B\","
                          "\"employment_status\":\"incumbent\"}",
                          &reply);
    ht_assert_error("write without token", status, reply, 401, "unauthenticated", NULL);
    json_decref(reply);

    json_t *analyst = ht_expect(NODE, 201, "POST", "/v1/tokens",
                                "{\"role\":\"analyst\",\"name\":\"grants office\"}");
    json_t *staff =
        ht_expect(NODE, 201, "POST", "/v1/tokens", "{\"role\":\"staff\",\"name\":\"front desk\"}");
    const char *analyst_token = ht_jstr(analyst, "token");
    const char *staff_token = ht_jstr(staff, "token");
    cr_assert(analyst_token && staff_token && strcmp(analyst_token, staff_token) != 0);

    const char *worker = "{\"given_name\":\"Ana\",\"family_name\":\"Role\","
                         "\"employment_status\":\"incumbent\"}";
    status = ht_json_call(NODE, "POST", "/v1/workers", analyst_token, worker, &reply);
    ht_assert_error("analyst creates a worker", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    status = ht_json_call(NODE, "GET", "/v1/workers", analyst_token, NULL, &reply);
    ht_assert_error("analyst lists workers", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    status = ht_json_call(NODE, "POST", "/v1/tokens", staff_token,
                          "{\"role\":\"admin\",\"name\":\"escalate\"}", &reply);
    ht_assert_error("staff mints a token", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    status = ht_json_call(NODE, "POST", "/v1/workers", staff_token, worker, &reply);
    cr_assert_eq(status, 201, "staff may register workers: %s", ht_jtext(reply));
    json_decref(reply);
    status = ht_json_post(NODE, "/v1/tokens", "{\"role\":\"janitor\",\"name\":\"x\"}", &reply);
    ht_assert_error("bad role", status, reply, 400, "invalid_argument", "role");
    json_decref(reply);

    /* the front desk's token is revoked: its very next request is refused */
    const char *staff_id = ht_jstr(staff, "id");
    cr_assert(staff_id && strncmp(staff_id, "tok_", 4) == 0);
    status = ht_json_call(NODE, "POST", ht_fmt("/v1/tokens/%s/revoke", staff_id), analyst_token,
                          NULL, &reply);
    ht_assert_error("analyst revokes", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    json_t *revoked = ht_expect(NODE, 200, "POST", ht_fmt("/v1/tokens/%s/revoke", staff_id), NULL);
    cr_assert_str_eq(ht_jstr(revoked, "id"), staff_id);
    cr_assert_not_null(ht_jstr(revoked, "revoked_at"));
    status = ht_json_call(NODE, "GET", "/v1/workers", staff_token, NULL, &reply);
    ht_assert_error("revoked token", status, reply, 401, "unauthenticated", NULL);
    json_decref(reply);
    json_t *listed = ht_expect(NODE, 200, "GET", "/v1/tokens?limit=500", NULL);
    size_t i;
    json_t *item;
    const char *admin_id = NULL;
    bool seen = false;
    json_array_foreach(json_object_get(listed, "items"), i, item)
    {
        cr_assert_null(json_object_get(item, "token"), "a list never shows a token's text");
        if (strcmp(ht_jstr(item, "id"), staff_id) == 0)
            seen = ht_jstr(item, "revoked_at") != NULL;
        if (strcmp(ht_jstr(item, "role"), "admin") == 0 && !ht_jstr(item, "revoked_at")) {
            cr_assert_null(admin_id, "the node's first token is its only admin");
            admin_id = ht_jstr(item, "id");
        }
    }
    cr_assert(seen, "the revoked token is listed with revoked_at");
    cr_assert_not_null(admin_id);
    status = ht_json_post(NODE, ht_fmt("/v1/tokens/%s/revoke", admin_id), "{}", &reply);
    ht_assert_error("the last admin", status, reply, 409, "failed_precondition", "id");
    json_decref(reply);
    json_decref(listed);
    json_decref(revoked);
    json_decref(analyst);
    json_decref(staff);
}

/* The dashboard needs no token, is revalidated by its ETag and carries a
   policy that lets no other site's script run in it. */
Test(errors, dashboard_is_public_cached_by_etag_and_locked_down)
{
    ht_req req = {.method = "GET", .path = "/"};
    ht_resp resp;
    cr_assert_eq(ht_http(NODE, &req, &resp), 200);
    cr_assert(strstr(resp.body, "<html"), "%s", resp.body);
    cr_assert(strcasestr(resp.head, "Content-Security-Policy: default-src 'none'"), "%s",
              resp.head);
    cr_assert(strcasestr(resp.head, "Content-Type: text/html"), "%s", resp.head);
    const char *etag = strcasestr(resp.head, "ETag: ");
    cr_assert_not_null(etag, "%s", resp.head);
    char header[128];
    snprintf(header, sizeof header, "If-None-Match: %.*s", (int)strcspn(etag + 6, "\r\n"),
             etag + 6);
    ht_resp_free(&resp);
    req.extra_header = header;
    cr_assert_eq(ht_http(NODE, &req, &resp), 304, "%s", resp.head);
    cr_assert_eq(resp.body_len, 0);
    ht_resp_free(&resp);
    ht_req script = {.method = "GET", .path = "/assets/app.js"};
    cr_assert_eq(ht_http(NODE, &script, &resp), 200);
    cr_assert(strcasestr(resp.head, "Content-Type: text/javascript"), "%s", resp.head);
    ht_resp_free(&resp);
    const char *missing[] = {"/assets/nope.js", "/assets/..%2Fadmin.token", "/assets/"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        ht_req bad = {.method = "GET", .path = missing[i]};
        cr_assert_eq(ht_http(NODE, &bad, &resp), 404, "%s", missing[i]);
        ht_resp_free(&resp);
    }
}

Test(errors, not_found_and_too_large)
{
    json_t *reply = NULL;
    int status = ht_json_get(NODE, "/v1/workers/wkr_00000000000000000000000000", &reply);
    ht_assert_error("unknown worker", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    status = ht_json_get(NODE, "/v1/workers/not-even-an-id", &reply);
    ht_assert_error("garbage worker id", status, reply, 404, "not_found", NULL);
    json_decref(reply);

    int64_t head = ht_events_head(NODE->dir, "enrollment", 5000);
    size_t size = 1024 * 1024 + 4096;
    char *big = malloc(size + 1);
    int len = snprintf(big, size,
                       "{\"given_name\":\"Big\",\"family_name\":\"Body\","
                       "\"employment_status\":\"incumbent\",\"job_title\":\"");
    memset(big + len, 'x', size - (size_t)len - 2);
    memcpy(big + size - 2, "\"}", 3);
    ht_req req = {.method = "POST", .path = "/v1/workers", .token = NODE->token, .body = big};
    ht_resp resp;
    status = ht_http(NODE, &req, &resp);
    cr_assert_eq(status, 413, "a body over 1 MiB -> %d", status);
    if (resp.json)
        ht_assert_error("body over 1 MiB", status, resp.json, 413, "resource_exhausted", NULL);
    ht_resp_free(&resp);
    free(big);
    cr_assert_eq(ht_events_head(NODE->dir, "enrollment", 5000), head);
    cr_assert(ht_node_wait_healthy(NODE, 5000), "the node is unhealthy after a huge body");
}

Test(idempotency, same_key_same_reply_one_worker)
{
    const char *family = ht_uniq("Idem");
    const char *body = ht_fmt("{\"given_name\":\"Once\",\"family_name\":\"%s\","
                              "\"employment_status\":\"incumbent\"}",
                              family);
    const char *key = ht_uniq("key-");
    ht_resp first, second;
    ht_req req = {.method = "POST",
                  .path = "/v1/workers",
                  .token = NODE->token,
                  .idempotency_key = key,
                  .body = body};
    ht_http(NODE, &req, &first);
    ht_http(NODE, &req, &second);
    cr_assert_eq(first.status, 201, "%s", first.body);
    cr_assert_eq(second.status, first.status);
    cr_assert(json_equal(first.json, second.json), "replay differs:\n%s\n%s", first.body,
              second.body);
    const char *id = ht_jstr(first.json, "id");

    json_t *found = ht_list_all(NODE, ht_fmt("/v1/workers?q=%s", family), 50, 5);
    cr_assert_eq(json_array_size(found), 1, "%s", ht_jtext(found));
    json_decref(found);
    ht_events log;
    cr_assert_eq(ht_events_fetch(NODE->dir, "enrollment", &log, 5000), 0);
    cr_assert(ht_events_gapless(&log));
    size_t registered = 0;
    for (size_t i = 0; i < log.count; i++)
        if (strstr(log.items[i].type, "worker_registered") &&
            memmem(log.items[i].body, log.items[i].size, id, strlen(id)))
            registered++;
    cr_assert_eq(registered, 1, "events registering %s: %zu", id, registered);
    ht_events_free(&log);

    /* another key is another request */
    req.idempotency_key = ht_uniq("key-");
    ht_resp third;
    cr_assert_eq(ht_http(NODE, &req, &third), 201);
    cr_assert_str_neq(ht_jstr(third.json, "id"), id);
    ht_resp_free(&third);
    ht_resp_free(&first);
    ht_resp_free(&second);
}

Test(idempotency, concurrent_repeats_create_one_worker)
{
    const char *family = ht_uniq("Race");
    const char *body = ht_fmt("{\"given_name\":\"Twin\",\"family_name\":\"%s\","
                              "\"employment_status\":\"incumbent\"}",
                              family);
    const char *key = ht_uniq("parallel-");
    enum { N = 8 };
    ht_req reqs[N];
    ht_resp resps[N];
    for (int i = 0; i < N; i++)
        reqs[i] = (ht_req){.method = "POST",
                           .path = "/v1/workers",
                           .token = NODE->token,
                           .idempotency_key = key,
                           .body = body};
    ht_http_parallel(NODE, reqs, resps, N);
    json_t *first = NULL;
    for (int i = 0; i < N; i++) {
        if (resps[i].status == 201) {
            if (!first)
                first = resps[i].json;
            cr_assert(json_equal(first, resps[i].json), "replays differ:\n%s\n%s", ht_jtext(first),
                      resps[i].body);
        } else
            ht_assert_error("a concurrent repeat", resps[i].status, resps[i].json, 409, NULL, NULL);
    }
    cr_assert(first, "no request of the %d got 201", N);
    json_t *found = ht_list_all(NODE, ht_fmt("/v1/workers?q=%s", family), 50, 5);
    cr_assert_eq(json_array_size(found), 1, "%d repeats made: %s", N, ht_jtext(found));
    json_decref(found);
    for (int i = 0; i < N; i++)
        ht_resp_free(&resps[i]);
}

Test(idempotency, keys_are_scoped_by_token)
{
    json_t *staff = ht_expect(NODE, 201, "POST", "/v1/tokens",
                              "{\"role\":\"staff\",\"name\":\"second client\"}");
    const char *key = ht_uniq("shared-");
    const char *mine = ht_uniq("Mine");
    const char *theirs = ht_uniq("Theirs");
    ht_req req = {.method = "POST", .path = "/v1/workers", .idempotency_key = key};
    ht_resp a, b, again;
    req.token = NODE->token;
    req.body = ht_fmt("{\"given_name\":\"A\",\"family_name\":\"%s\","
                      "\"employment_status\":\"incumbent\"}",
                      mine);
    cr_assert_eq(ht_http(NODE, &req, &a), 201, "%s", a.body);
    req.token = ht_jstr(staff, "token");
    req.body = ht_fmt("{\"given_name\":\"B\",\"family_name\":\"%s\","
                      "\"employment_status\":\"incumbent\"}",
                      theirs);
    cr_assert_eq(ht_http(NODE, &req, &b), 201, "%s", b.body);
    cr_assert_str_eq(ht_jstr(b.json, "family_name"), theirs,
                     "another token's key replayed someone else's reply: %s", b.body);
    cr_assert_str_neq(ht_jstr(b.json, "id"), ht_jstr(a.json, "id"));
    req.token = NODE->token;
    cr_assert_eq(ht_http(NODE, &req, &again), 201);
    cr_assert(json_equal(again.json, a.json), "%s", again.body);
    ht_resp_free(&a);
    ht_resp_free(&b);
    ht_resp_free(&again);
    json_decref(staff);
}

Test(enrollments, concurrent_enrollments_fill_the_seats_exactly)
{
    char *program = ht_new_program(NODE, ht_uniq("RUSH-"));
    char *cohort = ht_new_cohort(NODE, program, 3);
    enum { N = 10 };
    char *workers[N];
    ht_req reqs[N];
    ht_resp resps[N];
    for (int i = 0; i < N; i++) {
        workers[i] = ht_new_worker(NODE, "Rush", ht_uniq("Hour"));
        reqs[i] = (ht_req){.method = "POST",
                           .path = "/v1/enrollments",
                           .token = NODE->token,
                           .body = strdup(ht_fmt("{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}",
                                                 workers[i], cohort))};
    }
    ht_http_parallel(NODE, reqs, resps, N);
    int enrolled = 0;
    bool position_taken[N + 1] = {false};
    for (int i = 0; i < N; i++) {
        cr_assert_eq(resps[i].status, 201, "%s", resps[i].body);
        const char *status = ht_jstr(resps[i].json, "status");
        if (strcmp(status, "enrolled") == 0) {
            enrolled++;
            continue;
        }
        cr_assert_str_eq(status, "waitlisted");
        json_int_t position = ht_jint(resps[i].json, "waitlist_position");
        cr_assert(position >= 1 && position <= N - 3 && !position_taken[position],
                  "waitlist position %lld given twice or out of 1..%d", (long long)position, N - 3);
        position_taken[position] = true;
    }
    cr_assert_eq(enrolled, 3, "%d enrolled in a cohort of 3 seats", enrolled);
    s_assert_cohort_counts(cohort, 3, N - 3);
    for (int i = 0; i < N; i++) {
        ht_resp_free(&resps[i]);
        free((void *)reqs[i].body);
        free(workers[i]);
    }
    free(cohort);
    free(program);
}

Test(tuition, concurrent_approvals_respect_the_cap)
{
    char *worker = ht_new_worker(NODE, "Cap", ht_uniq("Race"));
    enum { N = 4 };
    char *claims[N];
    ht_req reqs[N];
    ht_resp resps[N];
    for (int i = 0; i < N; i++) {
        claims[i] = s_claim(worker, 200000);
        reqs[i] = (ht_req){.method = "POST",
                           .path = strdup(ht_fmt("/v1/tuition-claims/%s/decision", claims[i])),
                           .token = NODE->token,
                           .body = "{\"status\":\"approved\",\"approved_cents\":200000}"};
    }
    ht_http_parallel(NODE, reqs, resps, N);
    int approved = 0;
    for (int i = 0; i < N; i++) {
        if (resps[i].status == 200)
            approved++;
        else
            ht_assert_error("approval past the cap", resps[i].status, resps[i].json, 409, NULL,
                            NULL);
    }
    cr_assert_eq(approved, 2, "%d approvals of 200000 under a 525000 cap", approved);
    for (int i = 0; i < N; i++) {
        ht_resp_free(&resps[i]);
        free((void *)reqs[i].path);
        free(claims[i]);
    }
    free(worker);
}

Test(workers, erasure_keeps_counts_and_no_replay_shows_the_person)
{
    char *program = ht_new_program(NODE, ht_uniq("ERA-"));
    char *cohort = ht_new_cohort(NODE, program, 2);
    const char *given = ht_uniq("Wilhelmina");
    const char *email = ht_fmt("%s@example.org", ht_uniq("private"));
    const char *body = ht_fmt("{\"given_name\":\"%s\",\"family_name\":\"Private\","
                              "\"email\":\"%s\",\"employment_status\":\"incumbent\"}",
                              given, email);
    ht_req req = {.method = "POST",
                  .path = "/v1/workers",
                  .token = NODE->token,
                  .idempotency_key = ht_uniq("erase-"),
                  .body = body};
    ht_resp made;
    cr_assert_eq(ht_http(NODE, &req, &made), 201, "%s", made.body);
    char *id = strdup(ht_jstr(made.json, "id"));
    ht_resp_free(&made);
    json_decref(s_enroll(id, cohort, 201));
    s_assert_cohort_counts(cohort, 1, 0);

    json_decref(ht_expect(NODE, 200, "DELETE", ht_fmt("/v1/workers/%s", id), NULL));
    s_assert_cohort_counts(cohort, 1, 0); /* counts kept, identities gone */
    json_t *list =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/enrollments?cohort_id=%s", cohort), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 1, "%s", ht_jtext(list));
    json_decref(list);

    json_t *reply = NULL;
    int status =
        ht_json_post(NODE, "/v1/enrollments",
                     ht_fmt("{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", id, cohort), &reply);
    ht_assert_error("enrolling an erased worker", status, reply, 404, "not_found", "worker_id");
    json_decref(reply);

    ht_resp replay;
    ht_http(NODE, &req, &replay);
    cr_assert(!strstr(replay.body, given) && !strstr(replay.body, email),
              "after erasure a replayed Idempotency-Key returns the person: %d %s", replay.status,
              replay.body);
    ht_resp_free(&replay);
    free(id);
    free(cohort);
    free(program);
}

Test(events, envelope_of_the_enrollment_log)
{
    char *worker = ht_new_worker(NODE, "Env", ht_uniq("Elope"));
    ht_events log;
    cr_assert_eq(ht_events_fetch(NODE->dir, "enrollment", &log, 5000), 0);
    cr_assert(ht_events_gapless(&log), "seqs not 1..head");
    cr_assert_str_eq(log.source, "local/enrollment");
    cr_assert(log.epoch && *log.epoch);
    bool found = false;
    for (size_t i = 0; i < log.count; i++) {
        const ht_event *event = &log.items[i];
        size_t len = strlen(event->type);
        cr_assert(strncmp(event->type, "enrollment.", 11) == 0 && len > 3 &&
                      strstr(event->type, ".v"),
                  "unversioned type %s", event->type);
        s_assert_timestamp(event->occurred_at);
        found |= strstr(event->type, "worker_registered") &&
                 memmem(event->body, event->size, worker, strlen(worker));
    }
    cr_assert(found, "no worker_registered event carries %s", worker);
    ht_events_free(&log);
    free(worker);
}

Test(tuition, huge_amounts_never_pass_the_cap)
{
    char *worker = ht_new_worker(NODE, "Huge", ht_uniq("Amount"));
    char *small = s_claim(worker, 300000);
    json_decref(s_decide(small, "approved", 300000, 200));
    char *huge = s_claim(worker, 9223372036854775807L);
    json_t *reply = NULL;
    int status =
        ht_json_post(NODE, ht_fmt("/v1/tuition-claims/%s/decision", huge),
                     "{\"status\":\"approved\",\"approved_cents\":9223372036854775807}", &reply);
    /* should the service have died, let it come back before failing, so
       later tests on this node are not hit */
    bool back = false;
    for (int64_t until = ht_now_ms() + 15000; !back && ht_now_ms() < until;) {
        back = ht_json_get(NODE, ht_fmt("/v1/workers/%s", worker), NULL) == 200;
        if (!back)
            ht_sleep_ms(100);
    }
    cr_assert(back, "the enrollment service did not come back");
    ht_assert_error("approving INT64_MAX cents past the cap", status, reply, 409, NULL, NULL);
    json_decref(reply);
    status = ht_json_post(NODE, "/v1/tuition-claims",
                          ht_fmt("{\"worker_id\":\"%s\",\"institution\":\"X\","
                                 "\"amount_cents\":9223372036854775808}",
                                 worker),
                          &reply);
    /* the JSON parser may refuse the number before any field is known */
    ht_assert_error("amount past int64", status, reply, 400, "invalid_argument", NULL);
    json_decref(reply);
    cr_assert(ht_node_wait_healthy(NODE, 5000));
    json_decref(ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s", worker), NULL));
    free(huge);
    free(small);
    free(worker);
}

Test(workers, search_treats_wildcards_as_text_and_keeps_utf8)
{
    const char *family = ht_fmt("Núñez%s", ht_uniq("x"));
    char *id = ht_create(NODE, "/v1/workers",
                         "{\"given_name\":\"José\",\"family_name\":\"%s\","
                         "\"employment_status\":\"incumbent\"}",
                         family);
    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s", id), NULL);
    cr_assert_str_eq(ht_jstr(got, "given_name"), "José");
    cr_assert_str_eq(ht_jstr(got, "family_name"), family);
    json_decref(got);
    char *q = ht_urlencode("Núñ");
    json_t *found = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", q), NULL);
    cr_assert(s_has_id(found, id), "q=Núñ: %s", ht_jtext(found));
    json_decref(found);
    free(q);
    const char *wild[] = {"%25", "_", "%25%25", "%5C"};
    for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
        json_t *none = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers?q=%s", wild[i]), NULL);
        cr_assert_eq(ht_jlen(none, "items"), 0, "q=%s matched: %s", wild[i], ht_jtext(none));
        json_decref(none);
    }
    json_t *reply = NULL;
    int status = ht_json_post(NODE, "/v1/workers",
                              "{\"given_name\":\"Bad\xff\xfe\",\"family_name\":\"Utf\","
                              "\"employment_status\":\"incumbent\"}",
                              &reply);
    ht_assert_error("invalid UTF-8", status, reply, 400, "invalid_argument", NULL);
    json_decref(reply);
    free(id);
}

/* A raw TCP connection to the node's HTTP port, or -1. */
static int s_raw_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)NODE->port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

Test(errors, garbage_and_idle_connections_do_not_stop_the_gateway)
{
    int idle[40];
    for (int i = 0; i < 40; i++)
        idle[i] = s_raw_connect();
    const char *garbage[] = {
        "\x01\x02\xff garbage\r\n\r\n",
        "POST /v1/workers HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "POST /v1/workers HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET /v1/workers/%zz%00 HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        int fd = s_raw_connect();
        cr_assert(fd >= 0);
        if (send(fd, garbage[i], strlen(garbage[i]), MSG_NOSIGNAL) < 0)
            cr_log_info("send of garbage %zu failed", i);
        close(fd);
    }
    int64_t started = ht_now_ms();
    json_t *reply = ht_expect(NODE, 200, "GET", "/v1/employers?limit=1", NULL);
    cr_assert(ht_now_ms() - started < 3000, "a request took %ld ms beside idle connections",
              (long)(ht_now_ms() - started));
    json_decref(reply);
    cr_assert(ht_node_wait_healthy(NODE, 3000));
    for (int i = 0; i < 40; i++)
        if (idle[i] >= 0)
            close(idle[i]);
}
