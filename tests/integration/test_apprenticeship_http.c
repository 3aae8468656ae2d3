/* Every apprenticeship route of API.md through HTTP on a real node:
   programs, registration, hours and sign-offs with their limits, status
   changes, completion for each approach, wage steps at their edges, prior
   learning credit, the completion credential (also across kill -9 of
   credentialing or apprenticeship), the mentor role, the profile, the
   RAPIDS CSV export and the hours import. */
#include "ht.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

HT_SHARED_NODE(false)

#define NODE ht_shared()

#define S_UNKNOWN_WORKER     "wkr_00000000000000000000000000"
#define S_UNKNOWN_EMPLOYER   "emp_00000000000000000000000000"
#define S_UNKNOWN_APPRENTICE "apr_00000000000000000000000000"
#define S_AWARD_WITHIN_MS    2000  /* API.md: the completion credential within 2 s */
#define S_EVENT_WAIT_MS      5000  /* prior-learning credit arrives by event */
#define S_RESTART_WAIT_MS    30000 /* a killed service back under the sanitizers */

/* --- fixtures ------------------------------------------------------------ */

static char *s_strdup(const char *text)
{
    cr_assert(text, "missing text");
    return strdup(text);
}

/* A new credentialing competency; its code (malloc'd). */
static char *s_competency(void)
{
    const char *code = ht_uniq("ACMP-");
    json_decref(ht_expect(NODE, 201, "POST", "/v1/competencies",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Skill %s\"}", code, code)));
    return strdup(code);
}

/* A new credential type; its code (malloc'd). */
static char *s_credential_type(void)
{
    const char *code = ht_uniq("ACT-");
    json_decref(ht_expect(NODE, 201, "POST", "/v1/credential-types",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Journeyworker %s\","
                                 "\"kind\":\"certificate\",\"issuer\":\"State Apprenticeship "
                                 "Agency\"}",
                                 code, code)));
    return strdup(code);
}

/* The body of a program named code with the given extra members. */
static const char *s_program_body(const char *code, const char *fields)
{
    return ht_fmt("{\"code\":\"%s\",\"name\":\"Program %s\",\"occupation\":\"Certified "
                  "Nursing Assistant\"%s%s}",
                  code, code, *fields ? "," : "", fields);
}

/* A new program with fields (JSON members after code, name, occupation);
   its code (malloc'd). */
static char *s_program(const char *fields)
{
    const char *code = ht_uniq("APP-");
    json_t *made =
        ht_expect(NODE, 201, "POST", "/v1/apprenticeship-programs", s_program_body(code, fields));
    cr_assert_str_eq(ht_jstr(made, "code"), code, "%s", ht_jtext(made));
    json_decref(made);
    return strdup(code);
}

/* A worker, their employer and their registration in a program. */
typedef struct {
    char *worker;
    char *employer;
    char *id; /* the apprentice */
} s_reg;

static json_t *s_register_json(const char *worker, const char *employer, const char *program,
                               const char *start, int want)
{
    return ht_expect(NODE, want, "POST", "/v1/apprentices",
                     ht_fmt("{\"worker_id\":\"%s\",\"program_code\":\"%s\",\"employer_id\":\"%s\","
                            "\"mentor\":\"Maria Mentor\",\"start_date\":\"%s\"}",
                            worker, program, employer, start));
}

/* A new worker and employer, registered in program from start. */
static s_reg s_register(const char *program, const char *start)
{
    s_reg reg;
    reg.worker = ht_new_worker(NODE, "Appr", ht_uniq("Entice"));
    reg.employer = ht_new_employer(NODE, ht_uniq("Teaching Hospital "));
    json_t *made = s_register_json(reg.worker, reg.employer, program, start, 201);
    reg.id = s_strdup(ht_jstr(made, "id"));
    json_decref(made);
    return reg;
}

static void s_reg_free(s_reg *reg)
{
    free(reg->worker), free(reg->employer), free(reg->id);
}

/* A number at path (asserting it is one). */
static double s_num(json_t *json, const char *path)
{
    json_t *value = ht_jget(json, "%s", path);
    cr_assert(json_is_number(value), "%s is not a number: %s", path, ht_jtext(json));
    return json_number_value(value);
}

static void s_assert_num(json_t *json, const char *path, double want)
{
    cr_assert_float_eq(s_num(json, path), want, 1e-6, "%s should be %g: %s", path, want,
                       ht_jtext(json));
}

/* A field that is absent or null. */
static bool s_none(json_t *value)
{
    return !value || json_is_null(value);
}

static bool s_array_has(json_t *array, const char *text)
{
    for (size_t i = 0; i < json_array_size(array); i++)
        if (json_is_string(json_array_get(array, i)) &&
            !strcmp(json_string_value(json_array_get(array, i)), text))
            return true;
    return false;
}

static json_t *s_get(const char *id)
{
    return ht_expect(NODE, 200, "GET", ht_fmt("/v1/apprentices/%s", id), NULL);
}

/* POST /v1/apprentices/{id}/hours; hours is the JSON number's text. */
static int s_log_status(const char *id, const char *kind, const char *date, const char *hours,
                        json_t **out)
{
    return ht_json_post(NODE, ht_fmt("/v1/apprentices/%s/hours", id),
                        ht_fmt("{\"kind\":\"%s\",\"date\":\"%s\",\"hours\":%s}", kind, date, hours),
                        out);
}

/* Logs hours, asserting 200; the apprentice's new state (new ref). */
static json_t *s_log(const char *id, const char *kind, const char *date, const char *hours)
{
    json_t *reply = NULL;
    int status = s_log_status(id, kind, date, hours, &reply);
    cr_assert_eq(status, 200, "log %s %s h on %s: %d %s", kind, hours, date, status,
                 ht_jtext(reply));
    cr_assert_str_eq(ht_jstr(reply, "id"), id, "%s", ht_jtext(reply));
    return reply;
}

static json_t *s_signoff(const char *id, const char *competency, int want)
{
    return ht_expect(NODE, want, "POST", ht_fmt("/v1/apprentices/%s/signoffs", id),
                     ht_fmt("{\"competency\":\"%s\",\"signed_by\":\"Maria Mentor\","
                            "\"date\":\"%s\"}",
                            competency, ht_days_ago(1)));
}

static json_t *s_set_status(const char *id, const char *body, int want)
{
    return ht_expect(NODE, want, "POST", ht_fmt("/v1/apprentices/%s/status", id), body);
}

static void s_post_error(const char *what, const char *path, const char *body, int want_status,
                         const char *want_code, const char *want_field)
{
    json_t *reply = NULL;
    int status = ht_json_post(NODE, path, body, &reply);
    ht_assert_error(what, status, reply, want_status, want_code, want_field);
    json_decref(reply);
}

static void s_log_error(const char *what, const char *id, const char *body, int want_status,
                        const char *want_code, const char *want_field)
{
    s_post_error(what, ht_fmt("/v1/apprentices/%s/hours", id), body, want_status, want_code,
                 want_field);
}

/* A YYYY-MM-DD date between from and to (inclusive). */
static void s_assert_date_between(const char *date, const char *from, const char *to)
{
    int y, m, d, used = 0;
    cr_assert(date && sscanf(date, "%4d-%2d-%2d%n", &y, &m, &d, &used) == 3 && used == 10 &&
                  !date[10],
              "not a date: %s", date ? date : "null");
    cr_assert(strcmp(date, from) >= 0 && strcmp(date, to) <= 0, "%s is not in %s..%s", date, from,
              to);
}

/* The worker's credentials (new ref to the items). */
static json_t *s_credentials(const char *worker)
{
    json_t *list =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials?worker_id=%s", worker), NULL);
    json_t *items = json_incref(ht_jget(list, "items"));
    cr_assert(json_is_array(items), "%s", ht_jtext(list));
    json_decref(list);
    return items;
}

/* Polls the worker's credentials until one has code, at most timeout_ms;
   the credentials (new ref) and *took_ms how long it took. */
static json_t *s_wait_credential(const char *worker, const char *code, int timeout_ms,
                                 int64_t *took_ms)
{
    int64_t start = ht_now_ms();
    for (;;) {
        json_t *reply = NULL;
        int status = ht_json_get(NODE, ht_fmt("/v1/credentials?worker_id=%s", worker), &reply);
        json_t *items = ht_jget(reply, "items");
        for (size_t i = 0; status == 200 && i < json_array_size(items); i++) {
            const char *got = ht_jstr(items, "%zu.credential_code", i);
            if (got && !strcmp(got, code)) {
                json_incref(items);
                json_decref(reply);
                if (took_ms)
                    *took_ms = ht_now_ms() - start;
                return items;
            }
        }
        json_decref(reply);
        cr_assert(ht_now_ms() - start < timeout_ms, "no %s credential for %s within %d ms", code,
                  worker, timeout_ms);
        ht_sleep_ms(20);
    }
}

/* Polls the apprentice until the number at path is want (bounded). */
static json_t *s_wait_num(const char *id, const char *path, double want, int timeout_ms)
{
    int64_t until = ht_now_ms() + timeout_ms;
    for (;;) {
        json_t *got = s_get(id);
        json_t *value = ht_jget(got, "%s", path);
        if (json_is_number(value) && json_number_value(value) > want - 1e-6 &&
            json_number_value(value) < want + 1e-6)
            return got;
        cr_assert(ht_now_ms() < until, "%s did not become %g within %d ms: %s", path, want,
                  timeout_ms, ht_jtext(got));
        json_decref(got);
        ht_sleep_ms(20);
    }
}

static json_t *s_wait_status(const char *id, const char *status, int timeout_ms)
{
    int64_t until = ht_now_ms() + timeout_ms;
    for (;;) {
        json_t *got = s_get(id);
        const char *now = ht_jstr(got, "status");
        if (now && !strcmp(now, status))
            return got;
        cr_assert(ht_now_ms() < until, "status did not become %s within %d ms: %s", status,
                  timeout_ms, ht_jtext(got));
        json_decref(got);
        ht_sleep_ms(20);
    }
}

/* A new token of role (malloc'd). */
static char *s_token(const char *role)
{
    json_t *made = ht_expect(NODE, 201, "POST", "/v1/tokens",
                             ht_fmt("{\"role\":\"%s\",\"name\":\"%s\"}", role, ht_uniq("Tok")));
    char *token = s_strdup(ht_jstr(made, "token"));
    json_decref(made);
    return token;
}

/* --- programs ---------------------------------------------------------------- */

Test(programs, create_get_list)
{
    char *a = s_competency(), *b = s_competency();
    char *credential = s_credential_type();
    const char *code = ht_uniq("APP-");
    json_t *made = ht_expect(
        NODE, 201, "POST", "/v1/apprenticeship-programs",
        s_program_body(code, ht_fmt("\"onet_soc\":\"31-1131.00\",\"rapids_code\":\"0824CB\","
                                    "\"sponsor\":\"Valley Health Consortium\","
                                    "\"approach\":\"hybrid\",\"ojl_hours\":2000,"
                                    "\"rti_hours\":144.5,\"competencies\":[\"%s\",\"%s\"],"
                                    "\"wage_steps\":[{\"after_ojl_hours\":0,"
                                    "\"hourly_wage_cents\":1800},{\"after_ojl_hours\":1000,"
                                    "\"hourly_wage_cents\":2100}],"
                                    "\"completion_credential_code\":\"%s\"",
                                    a, b, credential)));
    cr_assert_str_eq(ht_jstr(made, "code"), code, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "occupation"), "Certified Nursing Assistant");
    cr_assert_str_eq(ht_jstr(made, "onet_soc"), "31-1131.00");
    cr_assert_str_eq(ht_jstr(made, "rapids_code"), "0824CB");
    cr_assert_str_eq(ht_jstr(made, "sponsor"), "Valley Health Consortium");
    cr_assert_str_eq(ht_jstr(made, "approach"), "hybrid");
    s_assert_num(made, "ojl_hours", 2000);
    s_assert_num(made, "rti_hours", 144.5);
    cr_assert_eq(ht_jlen(made, "competencies"), 2, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "competencies.0"), a);
    cr_assert_str_eq(ht_jstr(made, "competencies.1"), b);
    cr_assert_eq(ht_jlen(made, "wage_steps"), 2, "%s", ht_jtext(made));
    s_assert_num(made, "wage_steps.1.after_ojl_hours", 1000);
    cr_assert_eq(ht_jint(made, "wage_steps.1.hourly_wage_cents"), 2100, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "completion_credential_code"), credential);

    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/apprenticeship-programs/%s", code), NULL);
    cr_assert(json_equal(got, made), "GET %s\nPOST %s", ht_jtext(got), ht_jtext(made));
    json_t *all = ht_list_all(NODE, "/v1/apprenticeship-programs", 500, 20);
    bool listed = false;
    for (size_t i = 0; i < json_array_size(all); i++)
        listed |= json_equal(json_array_get(all, i), made);
    cr_assert(listed, "%s is not listed", code);
    json_t *reply = NULL;
    int status =
        ht_json_get(NODE, ht_fmt("/v1/apprenticeship-programs/%s", ht_uniq("NOPE-")), &reply);
    ht_assert_error("unknown program", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    json_decref(all), json_decref(got), json_decref(made);
    free(a), free(b), free(credential);
}

Test(programs, errors)
{
    char *competency = s_competency();
    const char *path = "/v1/apprenticeship-programs";
    const char *fresh = ht_uniq("APP-");
    const char *comps = ht_fmt("\"competencies\":[\"%s\"]", competency);
    const struct {
        const char *what, *fields;
        int status;
        const char *code, *field;
    } cases[] = {
        {"time_based without ojl_hours", "\"approach\":\"time_based\",\"rti_hours\":10", 400,
         "invalid_argument", "ojl_hours"},
        {"hybrid without ojl_hours", ht_fmt("\"approach\":\"hybrid\",%s", comps), 400,
         "invalid_argument", "ojl_hours"},
        {"competency_based without competencies", "\"approach\":\"competency_based\"", 400,
         "invalid_argument", "competencies"},
        {"hybrid without competencies", "\"approach\":\"hybrid\",\"ojl_hours\":100", 400,
         "invalid_argument", "competencies"},
        {"a bad approach", "\"approach\":\"vibes_based\",\"ojl_hours\":100", 400,
         "invalid_argument", "approach"},
        {"no approach", "\"ojl_hours\":100", 400, "invalid_argument", "approach"},
        {"an unknown competency",
         ht_fmt("\"approach\":\"competency_based\",\"competencies\":[\"%s\",\"%s\"]", competency,
                ht_uniq("NOPE-")),
         404, "not_found", "competencies*"},
        {"an unknown completion credential",
         ht_fmt("\"approach\":\"time_based\",\"ojl_hours\":100,"
                "\"completion_credential_code\":\"%s\"",
                ht_uniq("NOPE-")),
         404, "not_found", "completion_credential_code"},
        {"wage steps out of order",
         "\"approach\":\"time_based\",\"ojl_hours\":100,\"wage_steps\":["
         "{\"after_ojl_hours\":50,\"hourly_wage_cents\":2000},"
         "{\"after_ojl_hours\":10,\"hourly_wage_cents\":1800}]",
         400, "invalid_argument", "wage_steps*"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_post_error(cases[i].what, path, s_program_body(fresh, cases[i].fields), cases[i].status,
                     cases[i].code, cases[i].field);
    s_post_error("no occupation", path,
                 ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"approach\":\"time_based\","
                        "\"ojl_hours\":10}",
                        fresh),
                 400, "invalid_argument", "occupation");
    s_post_error("no name", path,
                 ht_fmt("{\"code\":\"%s\",\"occupation\":\"X\",\"approach\":\"time_based\","
                        "\"ojl_hours\":10}",
                        fresh),
                 400, "invalid_argument", "name");
    s_post_error("no code", path,
                 "{\"name\":\"X\",\"occupation\":\"X\",\"approach\":\"time_based\","
                 "\"ojl_hours\":10}",
                 400, "invalid_argument", "code");
    json_t *reply = NULL;
    int status = ht_json_get(NODE, ht_fmt("%s/%s", path, fresh), &reply);
    ht_assert_error("the failed creates wrote nothing", status, reply, 404, "not_found", NULL);
    json_decref(reply);

    char *code = s_program("\"approach\":\"time_based\",\"ojl_hours\":100");
    s_post_error("a program again", path,
                 s_program_body(code, "\"approach\":\"time_based\",\"ojl_hours\":5"), 409,
                 "already_exists", NULL);
    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("%s/%s", path, code), NULL);
    s_assert_num(got, "ojl_hours", 100);
    json_decref(got);
    free(code), free(competency);
}

/* --- registration ------------------------------------------------------------- */

Test(apprentices, register_get_list)
{
    char *a = s_competency(), *b = s_competency();
    char *program =
        s_program(ht_fmt("\"approach\":\"hybrid\",\"ojl_hours\":500,\"rti_hours\":40,"
                         "\"competencies\":[\"%s\",\"%s\"],"
                         "\"wage_steps\":[{\"after_ojl_hours\":0,\"hourly_wage_cents\":1750}]",
                         a, b));
    char *worker = ht_new_worker(NODE, "Reg", ht_uniq("Istered"));
    char *employer = ht_new_employer(NODE, ht_uniq("Registering Clinic "));
    const char *start = ht_days_ago(30);
    json_t *made = s_register_json(worker, employer, program, start, 201);
    const char *id = ht_jstr(made, "id");
    cr_assert(id && *id, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "worker_id"), worker, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "program_code"), program);
    cr_assert_str_eq(ht_jstr(made, "employer_id"), employer);
    cr_assert_str_eq(ht_jstr(made, "mentor"), "Maria Mentor");
    cr_assert_str_eq(ht_jstr(made, "start_date"), start);
    cr_assert_str_eq(ht_jstr(made, "status"), "active");
    s_assert_num(made, "ojl_hours", 0);
    s_assert_num(made, "rti_hours", 0);
    s_assert_num(made, "credited_ojl_hours", 0);
    s_assert_num(made, "credited_rti_hours", 0);
    cr_assert_eq(ht_jlen(made, "competencies_completed"), 0, "%s", ht_jtext(made));
    cr_assert_eq(ht_jlen(made, "competencies_remaining"), 2, "%s", ht_jtext(made));
    cr_assert(s_array_has(ht_jget(made, "competencies_remaining"), a), "%s", ht_jtext(made));
    cr_assert(s_array_has(ht_jget(made, "competencies_remaining"), b), "%s", ht_jtext(made));
    cr_assert_eq(ht_jint(made, "wage_step"), 1, "a step at 0 hours is reached: %s", ht_jtext(made));
    cr_assert_eq(ht_jint(made, "hourly_wage_cents"), 1750, "%s", ht_jtext(made));
    cr_assert(s_none(ht_jget(made, "completed_on")), "%s", ht_jtext(made));

    json_t *got = s_get(id);
    cr_assert(json_equal(got, made), "GET %s\nPOST %s", ht_jtext(got), ht_jtext(made));
    const char *queries[] = {ht_fmt("worker_id=%s", worker), ht_fmt("program_code=%s", program),
                             ht_fmt("program_code=%s&status=active", program),
                             ht_fmt("worker_id=%s&mentor=Maria%%20Mentor", worker)};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        json_t *list = ht_list_all(NODE, ht_fmt("/v1/apprentices?%s", queries[i]), 500, 20);
        cr_assert_eq(json_array_size(list), 1, "?%s: %s", queries[i], ht_jtext(list));
        cr_assert(json_equal(json_array_get(list, 0), made), "?%s: %s", queries[i], ht_jtext(list));
        json_decref(list);
    }
    json_t *none = ht_list_all(
        NODE, ht_fmt("/v1/apprentices?program_code=%s&status=completed", program), 500, 20);
    cr_assert_eq(json_array_size(none), 0, "%s", ht_jtext(none));
    json_decref(none);
    json_t *reply = NULL;
    int status = ht_json_get(NODE, "/v1/apprentices/" S_UNKNOWN_APPRENTICE, &reply);
    ht_assert_error("unknown apprentice", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    json_decref(got), json_decref(made);
    free(a), free(b), free(program), free(worker), free(employer);
}

Test(apprentices, register_errors_and_one_active_registration)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":100");
    char *worker = ht_new_worker(NODE, "Once", ht_uniq("Only"));
    char *employer = ht_new_employer(NODE, ht_uniq("Once Clinic "));
    const char *path = "/v1/apprentices";
    const char *start = ht_days_ago(10);
    const char *body = "{\"worker_id\":\"%s\",\"program_code\":\"%s\",\"employer_id\":\"%s\","
                       "\"start_date\":\"%s\"}";
    s_post_error("unknown worker", path, ht_fmt(body, S_UNKNOWN_WORKER, program, employer, start),
                 404, "not_found", "worker_id");
    s_post_error("unknown employer", path, ht_fmt(body, worker, program, S_UNKNOWN_EMPLOYER, start),
                 404, "not_found", "employer_id");
    s_post_error("unknown program", path, ht_fmt(body, worker, ht_uniq("NOPE-"), employer, start),
                 404, "not_found", "program_code");
    s_post_error("a start date that does not exist", path,
                 ht_fmt(body, worker, program, employer, "2025-02-30"), 400, "invalid_argument",
                 "start_date");
    s_post_error("no start date", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"program_code\":\"%s\",\"employer_id\":\"%s\"}",
                        worker, program, employer),
                 400, "invalid_argument", "start_date");
    s_post_error("no employer", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"program_code\":\"%s\",\"start_date\":\"%s\"}",
                        worker, program, start),
                 400, "invalid_argument", "employer_id");
    json_t *list = ht_expect(NODE, 200, "GET", ht_fmt("%s?worker_id=%s", path, worker), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 0, "a failed registration wrote: %s", ht_jtext(list));
    json_decref(list);

    json_t *first = s_register_json(worker, employer, program, start, 201);
    const char *id = ht_jstr(first, "id");
    s_post_error("a second active registration", path,
                 ht_fmt(body, worker, program, employer, start), 409, NULL, NULL);
    json_decref(s_set_status(id, "{\"status\":\"suspended\",\"reason\":\"leave\"}", 200));
    s_post_error("a registration while suspended", path,
                 ht_fmt(body, worker, program, employer, start), 409, NULL, NULL);
    json_decref(s_set_status(id, "{\"status\":\"cancelled\",\"reason\":\"moved away\"}", 200));
    json_t *second = s_register_json(worker, employer, program, ht_days_ago(2), 201);
    cr_assert_str_neq(ht_jstr(second, "id"), id, "%s", ht_jtext(second));
    cr_assert_str_eq(ht_jstr(second, "status"), "active");
    list = ht_list_all(NODE, ht_fmt("%s?worker_id=%s", path, worker), 500, 20);
    cr_assert_eq(json_array_size(list), 2, "%s", ht_jtext(list));
    json_decref(list);
    /* another program for the same worker is its own registration */
    char *other = s_program("\"approach\":\"time_based\",\"ojl_hours\":100");
    json_decref(s_register_json(worker, employer, other, start, 201));
    json_decref(second), json_decref(first);
    free(program), free(other), free(worker), free(employer);
}

/* --- hours -------------------------------------------------------------------- */

Test(hours, limits_and_errors_write_nothing)
{
    char *competency = s_competency();
    char *program = s_program(ht_fmt("\"approach\":\"time_based\",\"ojl_hours\":1000,"
                                     "\"rti_hours\":100,\"competencies\":[\"%s\"]",
                                     competency));
    s_reg reg = s_register(program, ht_days_ago(20));
    const char *day = ht_days_ago(5);
    const char *body = "{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":%s}";
    const struct {
        const char *what, *body, *field;
    } cases[] = {
        {"zero hours", ht_fmt(body, day, "0"), "hours"},
        {"negative hours", ht_fmt(body, day, "-2"), "hours"},
        {"more than 24 hours", ht_fmt(body, day, "24.01"), "hours"},
        {"three decimals", ht_fmt(body, day, "1.234"), "hours"},
        {"hours as text", ht_fmt(body, day, "\"eight\""), "hours"},
        {"a date that does not exist", ht_fmt(body, "2025-02-30", "8"), "date"},
        {"a date in the future", ht_fmt(body, ht_days_ago(-1), "8"), "date"},
        {"a date before the start", ht_fmt(body, ht_days_ago(21), "8"), "date"},
        {"a bad kind", ht_fmt("{\"kind\":\"lab\",\"date\":\"%s\",\"hours\":8}", day), "kind"},
        {"no kind", ht_fmt("{\"date\":\"%s\",\"hours\":8}", day), "kind"},
        {"no date", "{\"kind\":\"ojl\",\"hours\":8}", "date"},
        {"no hours", ht_fmt("{\"kind\":\"rti\",\"date\":\"%s\"}", day), "hours"},
        {"a competency not in the program",
         ht_fmt("{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":8,\"competency\":\"%s\"}", day,
                ht_uniq("NOPE-")),
         "competency"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_log_error(cases[i].what, reg.id, cases[i].body, 400, "invalid_argument", cases[i].field);
    s_log_error("hours of an unknown apprentice", S_UNKNOWN_APPRENTICE, ht_fmt(body, day, "8"), 404,
                "not_found", NULL);
    json_t *got = s_get(reg.id);
    s_assert_num(got, "ojl_hours", 0);
    s_assert_num(got, "rti_hours", 0);
    json_t *list = ht_expect(NODE, 200, "GET", ht_fmt("/v1/apprentices/%s/hours", reg.id), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 0, "failed logs wrote: %s", ht_jtext(list));
    json_decref(list), json_decref(got);

    /* the edges themselves are accepted */
    json_decref(s_log(reg.id, "ojl", ht_days_ago(20), "24"));
    json_decref(s_log(reg.id, "rti", ht_days_ago(0), "1.25"));
    got = ht_expect(NODE, 200, "POST", ht_fmt("/v1/apprentices/%s/hours", reg.id),
                    ht_fmt("{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":0.01,\"competency\":\"%s\","
                           "\"approved_by\":\"Dana Supervisor\"}",
                           day, competency));
    s_assert_num(got, "ojl_hours", 24.01);
    s_assert_num(got, "rti_hours", 1.25);
    json_decref(got);
    s_reg_free(&reg);
    free(program), free(competency);
}

Test(hours, a_day_holds_at_most_24_hours)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":1000,\"rti_hours\":100");
    s_reg reg = s_register(program, ht_days_ago(20));
    const char *day = ht_days_ago(3);
    /* 8.1 + 8.2 + 7.7 is exactly 24 (and 23.999999999999996 in doubles) */
    json_decref(s_log(reg.id, "ojl", day, "8.1"));
    json_decref(s_log(reg.id, "ojl", day, "8.2"));
    json_t *got = s_log(reg.id, "ojl", day, "7.7");
    s_assert_num(got, "ojl_hours", 24);
    json_decref(got);
    s_log_error("a 25th hour of OJL", reg.id,
                ht_fmt("{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":0.01}", day), 409, NULL, NULL);
    s_log_error("RTI on a day already full of OJL", reg.id,
                ht_fmt("{\"kind\":\"rti\",\"date\":\"%s\",\"hours\":1}", day), 409, NULL, NULL);
    got = s_log(reg.id, "ojl", ht_days_ago(2), "24");
    s_assert_num(got, "ojl_hours", 48);
    s_assert_num(got, "rti_hours", 0);
    json_decref(got);
    s_reg_free(&reg);
    free(program);
}

Test(hours, listed_with_their_details_and_idempotent)
{
    char *competency = s_competency();
    char *program = s_program(ht_fmt("\"approach\":\"hybrid\",\"ojl_hours\":1000,"
                                     "\"competencies\":[\"%s\"]",
                                     competency));
    s_reg reg = s_register(program, ht_days_ago(20));
    const char *day = ht_days_ago(4);
    json_t *got = ht_expect(NODE, 200, "POST", ht_fmt("/v1/apprentices/%s/hours", reg.id),
                            ht_fmt("{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":7.5,"
                                   "\"competency\":\"%s\",\"approved_by\":\"Dana Supervisor\"}",
                                   day, competency));
    s_assert_num(got, "ojl_hours", 7.5);
    json_decref(got);
    /* a repeat with the same Idempotency-Key logs nothing more */
    const char *body = ht_fmt("{\"kind\":\"rti\",\"date\":\"%s\",\"hours\":3}", day);
    ht_req req = {.method = "POST",
                  .path = ht_fmt("/v1/apprentices/%s/hours", reg.id),
                  .token = NODE->token,
                  .idempotency_key = ht_uniq("hours-key-"),
                  .body = body};
    ht_resp first, second;
    cr_assert_eq(ht_http(NODE, &req, &first), 200, "%s", first.body);
    cr_assert_eq(ht_http(NODE, &req, &second), 200, "%s", second.body);
    cr_assert(json_equal(first.json, second.json), "%s\n%s", first.body, second.body);
    ht_resp_free(&first), ht_resp_free(&second);

    json_t *list = ht_list_all(NODE, ht_fmt("/v1/apprentices/%s/hours", reg.id), 500, 20);
    cr_assert_eq(json_array_size(list), 2, "%s", ht_jtext(list));
    json_t *ojl = NULL;
    for (size_t i = 0; i < 2; i++)
        if (!strcmp(ht_jstr(list, "%zu.kind", i), "ojl"))
            ojl = json_array_get(list, i);
    cr_assert(ojl, "no ojl entry: %s", ht_jtext(list));
    cr_assert_str_eq(ht_jstr(ojl, "apprentice_id"), reg.id, "%s", ht_jtext(ojl));
    cr_assert_str_eq(ht_jstr(ojl, "date"), day);
    s_assert_num(ojl, "hours", 7.5);
    cr_assert_str_eq(ht_jstr(ojl, "competency"), competency);
    cr_assert_str_eq(ht_jstr(ojl, "approved_by"), "Dana Supervisor");
    cr_assert(ht_jstr(ojl, "id"), "%s", ht_jtext(ojl));
    got = s_get(reg.id);
    s_assert_num(got, "ojl_hours", 7.5);
    s_assert_num(got, "rti_hours", 3);
    json_decref(got), json_decref(list);
    s_reg_free(&reg);
    free(program), free(competency);
}

/* --- status --------------------------------------------------------------------- */

Test(status, suspend_resume_cancel_and_illegal_changes)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":100");
    s_reg reg = s_register(program, ht_days_ago(20));
    const char *hours = ht_fmt("{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":4}", ht_days_ago(1));
    json_t *got =
        s_set_status(reg.id, "{\"status\":\"suspended\",\"reason\":\"medical leave\"}", 200);
    cr_assert_str_eq(ht_jstr(got, "status"), "suspended", "%s", ht_jtext(got));
    cr_assert_str_eq(ht_jstr(got, "status_reason"), "medical leave");
    cr_assert_str_eq(ht_jstr(got, "status_date"), ht_days_ago(0), "%s", ht_jtext(got));
    json_decref(got);
    s_log_error("hours while suspended", reg.id, hours, 409, "failed_precondition", NULL);
    got = s_set_status(reg.id, "{\"status\":\"active\"}", 200);
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "%s", ht_jtext(got));
    json_decref(got);
    got = s_log(reg.id, "ojl", ht_days_ago(1), "4");
    s_assert_num(got, "ojl_hours", 4);
    json_decref(got);

    const char *path = ht_fmt("/v1/apprentices/%s/status", reg.id);
    s_post_error("completed requested", path, "{\"status\":\"completed\"}", 409, NULL, NULL);
    s_post_error("a bad status", path, "{\"status\":\"paused\"}", 400, "invalid_argument",
                 "status");
    s_post_error("no status", path, "{\"reason\":\"x\"}", 400, "invalid_argument", "status");
    s_post_error("cancel without a reason", path, "{\"status\":\"cancelled\"}", 400,
                 "invalid_argument", "reason");
    got = s_get(reg.id);
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "the failed changes changed: %s",
                     ht_jtext(got));
    json_decref(got);
    got = s_set_status(reg.id, "{\"status\":\"cancelled\",\"reason\":\"left the employer\"}", 200);
    cr_assert_str_eq(ht_jstr(got, "status"), "cancelled", "%s", ht_jtext(got));
    cr_assert_str_eq(ht_jstr(got, "status_reason"), "left the employer");
    json_decref(got);
    s_post_error("cancelled to active", path, "{\"status\":\"active\"}", 409, NULL, NULL);
    s_post_error("cancelled to suspended", path, "{\"status\":\"suspended\",\"reason\":\"x\"}", 409,
                 NULL, NULL);
    s_post_error("cancelled again", path, "{\"status\":\"cancelled\",\"reason\":\"x\"}", 409, NULL,
                 NULL);
    s_log_error("hours once cancelled", reg.id, hours, 409, "failed_precondition", NULL);
    s_post_error("status of an unknown apprentice",
                 "/v1/apprentices/" S_UNKNOWN_APPRENTICE "/status", "{\"status\":\"suspended\"}",
                 404, "not_found", NULL);
    got = s_get(reg.id);
    s_assert_num(got, "ojl_hours", 4);
    cr_assert_str_eq(ht_jstr(got, "status"), "cancelled");
    json_decref(got);
    s_reg_free(&reg);
    free(program);
}

/* --- completion ----------------------------------------------------------------- */

static void s_assert_completed(json_t *apprentice, const char *start)
{
    cr_assert_str_eq(ht_jstr(apprentice, "status"), "completed", "%s", ht_jtext(apprentice));
    s_assert_date_between(ht_jstr(apprentice, "completed_on"), start, ht_days_ago(0));
}

/* Once completed: no more hours or status changes. */
static void s_assert_closed(const char *id)
{
    s_log_error("hours once completed", id,
                ht_fmt("{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":1}", ht_days_ago(0)), 409,
                "failed_precondition", NULL);
    const char *path = ht_fmt("/v1/apprentices/%s/status", id);
    s_post_error("completed to suspended", path, "{\"status\":\"suspended\",\"reason\":\"x\"}", 409,
                 NULL, NULL);
    s_post_error("completed to cancelled", path, "{\"status\":\"cancelled\",\"reason\":\"x\"}", 409,
                 NULL, NULL);
    s_post_error("completed to active", path, "{\"status\":\"active\"}", 409, NULL, NULL);
    json_t *got = s_get(id);
    cr_assert_str_eq(ht_jstr(got, "status"), "completed", "%s", ht_jtext(got));
    json_decref(got);
}

Test(completion, time_based_needs_ojl_and_rti)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":40,\"rti_hours\":8");
    const char *start = ht_days_ago(20);
    s_reg reg = s_register(program, start);
    json_decref(s_log(reg.id, "ojl", ht_days_ago(10), "24"));
    json_decref(s_log(reg.id, "rti", ht_days_ago(9), "7.99"));
    json_t *got = s_log(reg.id, "ojl", ht_days_ago(8), "16");
    s_assert_num(got, "ojl_hours", 40);
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "RTI is 0.01 short: %s", ht_jtext(got));
    cr_assert(s_none(ht_jget(got, "completed_on")), "%s", ht_jtext(got));
    json_decref(got);
    got = s_log(reg.id, "rti", ht_days_ago(7), "0.01");
    s_assert_num(got, "rti_hours", 8);
    s_assert_completed(got, start);
    json_decref(got);
    got = s_get(reg.id);
    s_assert_completed(got, start);
    json_decref(got);
    json_t *list = ht_list_all(
        NODE, ht_fmt("/v1/apprentices?program_code=%s&status=completed", program), 500, 20);
    cr_assert_eq(json_array_size(list), 1, "%s", ht_jtext(list));
    json_decref(list);
    s_assert_closed(reg.id);
    s_reg_free(&reg);
    free(program);
}

Test(completion, competency_based_needs_every_signoff)
{
    char *a = s_competency(), *b = s_competency();
    char *program = s_program(
        ht_fmt("\"approach\":\"competency_based\",\"competencies\":[\"%s\",\"%s\"]", a, b));
    const char *start = ht_days_ago(20);
    s_reg reg = s_register(program, start);
    json_t *got = s_signoff(reg.id, a, 200);
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "%s", ht_jtext(got));
    cr_assert_eq(ht_jlen(got, "competencies_completed"), 1, "%s", ht_jtext(got));
    cr_assert_str_eq(ht_jstr(got, "competencies_completed.0"), a);
    cr_assert_eq(ht_jlen(got, "competencies_remaining"), 1, "%s", ht_jtext(got));
    cr_assert_str_eq(ht_jstr(got, "competencies_remaining.0"), b);
    json_decref(got);

    const char *path = ht_fmt("/v1/apprentices/%s/signoffs", reg.id);
    json_t *reply = s_signoff(reg.id, a, 409);
    ht_assert_error("a second sign-off", 409, reply, 409, NULL, NULL);
    json_decref(reply);
    char *outside = s_competency();
    s_post_error("a competency not in the program", path,
                 ht_fmt("{\"competency\":\"%s\",\"signed_by\":\"M\",\"date\":\"%s\"}", outside,
                        ht_days_ago(1)),
                 400, "invalid_argument", "competency");
    s_post_error("no signed_by", path,
                 ht_fmt("{\"competency\":\"%s\",\"date\":\"%s\"}", b, ht_days_ago(1)), 400,
                 "invalid_argument", "signed_by");
    s_post_error("no date", path, ht_fmt("{\"competency\":\"%s\",\"signed_by\":\"M\"}", b), 400,
                 "invalid_argument", "date");
    s_post_error(
        "sign-off of an unknown apprentice", "/v1/apprentices/" S_UNKNOWN_APPRENTICE "/signoffs",
        ht_fmt("{\"competency\":\"%s\",\"signed_by\":\"M\",\"date\":\"%s\"}", b, ht_days_ago(1)),
        404, "not_found", NULL);
    got = s_get(reg.id);
    cr_assert_eq(ht_jlen(got, "competencies_remaining"), 1, "failed sign-offs wrote: %s",
                 ht_jtext(got));
    json_decref(got);

    got = s_signoff(reg.id, b, 200);
    cr_assert_eq(ht_jlen(got, "competencies_completed"), 2, "%s", ht_jtext(got));
    cr_assert_eq(ht_jlen(got, "competencies_remaining"), 0, "%s", ht_jtext(got));
    s_assert_completed(got, start);
    json_decref(got);
    s_assert_closed(reg.id);
    s_reg_free(&reg);
    free(program), free(a), free(b), free(outside);
}

Test(completion, hybrid_needs_both_in_either_order)
{
    char *competency = s_competency();
    char *program = s_program(ht_fmt("\"approach\":\"hybrid\",\"ojl_hours\":30,\"rti_hours\":2,"
                                     "\"competencies\":[\"%s\"]",
                                     competency));
    const char *start = ht_days_ago(20);
    /* sign-off first, hours last */
    s_reg first = s_register(program, start);
    json_t *got = s_signoff(first.id, competency, 200);
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "hours are missing: %s", ht_jtext(got));
    json_decref(got);
    json_decref(s_log(first.id, "rti", ht_days_ago(6), "2"));
    json_decref(s_log(first.id, "ojl", ht_days_ago(5), "20"));
    got = s_log(first.id, "ojl", ht_days_ago(4), "10");
    s_assert_completed(got, start);
    json_decref(got);
    s_assert_closed(first.id);
    /* hours first, sign-off last */
    s_reg second = s_register(program, start);
    json_decref(s_log(second.id, "ojl", ht_days_ago(5), "24"));
    json_decref(s_log(second.id, "ojl", ht_days_ago(4), "6"));
    got = s_log(second.id, "rti", ht_days_ago(4), "2");
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "the sign-off is missing: %s",
                     ht_jtext(got));
    json_decref(got);
    got = s_signoff(second.id, competency, 200);
    s_assert_completed(got, start);
    json_decref(got);
    s_reg_free(&first), s_reg_free(&second);
    free(program), free(competency);
}

/* --- wage steps ------------------------------------------------------------------ */

static void s_assert_step(json_t *apprentice, int step, long long cents)
{
    cr_assert_eq(ht_jint(apprentice, "wage_step"), step, "wage step %d expected at %g h: %s", step,
                 s_num(apprentice, "ojl_hours") + s_num(apprentice, "credited_ojl_hours"),
                 ht_jtext(apprentice));
    cr_assert_eq(ht_jint(apprentice, "hourly_wage_cents"), cents, "%s", ht_jtext(apprentice));
}

Test(wage_steps, reached_exactly_at_their_hours)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":1000,"
                              "\"wage_steps\":[{\"after_ojl_hours\":0,\"hourly_wage_cents\":1800},"
                              "{\"after_ojl_hours\":32,\"hourly_wage_cents\":2000},"
                              "{\"after_ojl_hours\":40,\"hourly_wage_cents\":2300}]");
    s_reg reg = s_register(program, ht_days_ago(20));
    json_t *got = s_get(reg.id);
    s_assert_step(got, 1, 1800);
    json_decref(got);
    /* in doubles these sums fall just short of 32 and 40; in hours they
       reach them exactly */
    const char *entries[][2] = {{"7.7", "1"},  {"8.2", "1"},  {"7.9", "1"}, {"8.19", "1"},
                                {"0.01", "2"}, {"7.99", "2"}, {"0.01", "3"}};
    for (int i = 0; i < 7; i++) {
        got = s_log(reg.id, "ojl", ht_days_ago(10 - i), entries[i][0]);
        int step = atoi(entries[i][1]);
        s_assert_step(got, step, step == 1 ? 1800 : step == 2 ? 2000 : 2300);
        json_decref(got);
    }
    got = s_get(reg.id);
    s_assert_num(got, "ojl_hours", 40);
    s_assert_step(got, 3, 2300);
    json_decref(got);
    s_reg_free(&reg);
    free(program);
}

Test(wage_steps, none_before_the_first_step_and_rti_does_not_count)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":1000,"
                              "\"wage_steps\":[{\"after_ojl_hours\":10,\"hourly_wage_cents\":1900},"
                              "{\"after_ojl_hours\":20,\"hourly_wage_cents\":2100}]");
    s_reg reg = s_register(program, ht_days_ago(20));
    json_t *got = s_get(reg.id);
    cr_assert(s_none(ht_jget(got, "wage_step")), "no step reached yet: %s", ht_jtext(got));
    cr_assert(s_none(ht_jget(got, "hourly_wage_cents")), "%s", ht_jtext(got));
    json_decref(got);
    got = s_log(reg.id, "rti", ht_days_ago(3), "12");
    cr_assert(s_none(ht_jget(got, "wage_step")), "RTI hours are not OJL: %s", ht_jtext(got));
    json_decref(got);
    got = s_log(reg.id, "ojl", ht_days_ago(2), "9.99");
    cr_assert(s_none(ht_jget(got, "wage_step")), "9.99 < 10: %s", ht_jtext(got));
    json_decref(got);
    got = s_log(reg.id, "ojl", ht_days_ago(1), "0.01");
    s_assert_step(got, 1, 1900);
    json_decref(got);
    got = s_log(reg.id, "ojl", ht_days_ago(0), "10");
    s_assert_step(got, 2, 2100);
    json_decref(got);
    s_reg_free(&reg);
    free(program);
}

/* --- prior learning credit ----------------------------------------------------- */

static void s_assess(const char *worker, const char *ojl, const char *rti)
{
    json_decref(ht_expect(NODE, 201, "POST", "/v1/prior-learning",
                          ht_fmt("{\"worker_id\":\"%s\",\"evidence\":\"military medic "
                                 "transcript\",\"ojl_credit_hours\":%s,\"rti_credit_hours\":%s}",
                                 worker, ojl, rti)));
}

/* Registration applies the credit apprenticeship already holds for the
   worker: a first registration (in another program) shows when it has
   arrived; the second one's 201 reply must carry it. */
Test(prior_credit, assessed_before_registration_counts)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":40,\"rti_hours\":8,"
                              "\"wage_steps\":[{\"after_ojl_hours\":0,\"hourly_wage_cents\":1800},"
                              "{\"after_ojl_hours\":25,\"hourly_wage_cents\":2000}]");
    char *sentinel = s_program("\"approach\":\"time_based\",\"ojl_hours\":1000");
    const char *start = ht_days_ago(20);
    s_reg first = s_register(sentinel, start);
    s_assess(first.worker, "20", "4.5");
    s_assess(first.worker, "10", "0");
    json_decref(s_wait_num(first.id, "credited_ojl_hours", 30, S_EVENT_WAIT_MS));

    json_t *made = s_register_json(first.worker, first.employer, program, start, 201);
    char *id = s_strdup(ht_jstr(made, "id"));
    s_assert_num(made, "credited_ojl_hours", 30);
    s_assert_num(made, "credited_rti_hours", 4.5);
    s_assert_num(made, "ojl_hours", 0);
    s_assert_step(made, 2, 2000);
    cr_assert_str_eq(ht_jstr(made, "status"), "active", "%s", ht_jtext(made));
    json_decref(made);
    json_decref(s_log(id, "ojl", ht_days_ago(3), "9.99"));
    json_decref(s_log(id, "rti", ht_days_ago(3), "3.5"));
    json_t *got = s_log(id, "ojl", ht_days_ago(2), "0.01");
    s_assert_completed(got, start);
    s_assert_num(got, "ojl_hours", 10);
    s_assert_num(got, "credited_ojl_hours", 30);
    json_decref(got);

    /* a new registration after a cancelled one is credited too */
    json_decref(s_set_status(first.id, "{\"status\":\"cancelled\",\"reason\":\"x\"}", 200));
    made = s_register_json(first.worker, first.employer, sentinel, start, 201);
    s_assert_num(made, "credited_ojl_hours", 30);
    json_decref(made);
    s_reg_free(&first);
    free(id), free(program), free(sentinel);
}

Test(prior_credit, reaches_a_suspended_apprentice_who_completes_on_resuming)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":40");
    s_reg reg = s_register(program, ht_days_ago(20));
    json_decref(s_log(reg.id, "ojl", ht_days_ago(5), "20"));
    json_decref(s_set_status(reg.id, "{\"status\":\"suspended\",\"reason\":\"leave\"}", 200));
    s_assess(reg.worker, "20", "0");
    json_t *got = s_wait_num(reg.id, "credited_ojl_hours", 20, S_EVENT_WAIT_MS);
    cr_assert_str_eq(ht_jstr(got, "status"), "suspended", "completed while suspended: %s",
                     ht_jtext(got));
    json_decref(got);
    json_decref(s_set_status(reg.id, "{\"status\":\"active\"}", 200));
    got = s_get(reg.id);
    s_assert_completed(got, ht_days_ago(20));
    json_decref(got);
    s_reg_free(&reg);
    free(program);
}

Test(prior_credit, assessed_after_registration_completes)
{
    char *credential = s_credential_type();
    char *program = s_program(ht_fmt("\"approach\":\"time_based\",\"ojl_hours\":40,"
                                     "\"completion_credential_code\":\"%s\"",
                                     credential));
    const char *start = ht_days_ago(20);
    s_reg reg = s_register(program, start);
    json_t *got = s_log(reg.id, "ojl", ht_days_ago(5), "20");
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "%s", ht_jtext(got));
    json_decref(got);
    s_assess(reg.worker, "20", "0");
    got = s_wait_status(reg.id, "completed", S_EVENT_WAIT_MS);
    s_assert_num(got, "credited_ojl_hours", 20);
    s_assert_num(got, "ojl_hours", 20);
    s_assert_completed(got, start);
    json_decref(got);
    json_t *items = s_wait_credential(reg.worker, credential, S_EVENT_WAIT_MS, NULL);
    json_decref(items);
    s_reg_free(&reg);
    free(program), free(credential);
}

/* --- the completion credential ------------------------------------------------- */

/* The credentials of worker with code (asserting their source and
   apprentice); how many. */
static size_t s_count_awards(json_t *items, const char *code, const char *apprentice)
{
    size_t count = 0;
    for (size_t i = 0; i < json_array_size(items); i++) {
        json_t *item = json_array_get(items, i);
        if (strcmp(ht_jstr(item, "credential_code"), code))
            continue;
        cr_assert_str_eq(ht_jstr(item, "source"), "apprenticeship", "%s", ht_jtext(item));
        cr_assert_str_eq(ht_jstr(item, "apprentice_id"), apprentice, "%s", ht_jtext(item));
        cr_assert_str_eq(ht_jstr(item, "status"), "active", "%s", ht_jtext(item));
        count++;
    }
    return count;
}

Test(credential, awarded_on_completion_within_2_seconds)
{
    char *credential = s_credential_type();
    char *program = s_program(ht_fmt("\"approach\":\"time_based\",\"ojl_hours\":16,"
                                     "\"rti_hours\":0,\"completion_credential_code\":\"%s\"",
                                     credential));
    s_reg reg = s_register(program, ht_days_ago(20));
    json_t *got = s_log(reg.id, "ojl", ht_days_ago(2), "8");
    cr_assert_str_eq(ht_jstr(got, "completion_credential_code"), credential, "%s", ht_jtext(got));
    json_decref(got);
    json_t *items = s_credentials(reg.worker);
    cr_assert_eq(json_array_size(items), 0, "awarded before completion: %s", ht_jtext(items));
    json_decref(items);
    got = s_log(reg.id, "ojl", ht_days_ago(1), "8");
    cr_assert_str_eq(ht_jstr(got, "status"), "completed", "%s", ht_jtext(got));
    json_decref(got);
    int64_t took = 0;
    items = s_wait_credential(reg.worker, credential, S_AWARD_WITHIN_MS, &took);
    cr_log_info("completion credential after %lld ms", (long long)took);
    cr_assert_eq(s_count_awards(items, credential, reg.id), 1, "%s", ht_jtext(items));
    cr_assert_eq(json_array_size(items), 1, "%s", ht_jtext(items));
    json_decref(items);
    ht_sleep_ms(300);
    items = s_credentials(reg.worker);
    cr_assert_eq(json_array_size(items), 1, "awarded again: %s", ht_jtext(items));
    json_decref(items);
    s_reg_free(&reg);
    free(program), free(credential);
}

Test(credential, none_without_a_completion_credential_code)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":8");
    s_reg reg = s_register(program, ht_days_ago(20));
    json_t *got = s_log(reg.id, "ojl", ht_days_ago(1), "8");
    cr_assert_str_eq(ht_jstr(got, "status"), "completed", "%s", ht_jtext(got));
    cr_assert(s_none(ht_jget(got, "completion_credential_code")), "%s", ht_jtext(got));
    json_decref(got);
    ht_sleep_ms(500);
    json_t *items = s_credentials(reg.worker);
    cr_assert_eq(json_array_size(items), 0, "%s", ht_jtext(items));
    json_decref(items);
    s_reg_free(&reg);
    free(program);
}

/* --- the mentor role ------------------------------------------------------------ */

static int s_call(const char *token, const char *method, const char *path, const char *body,
                  json_t **out)
{
    return ht_json_call(NODE, method, path, token, body, out);
}

static void s_assert_denied(const char *token, const char *method, const char *path,
                            const char *body)
{
    json_t *reply = NULL;
    int status = s_call(token, method, path, body, &reply);
    ht_assert_error(ht_fmt("%s %s as mentor", method, path), status, reply, 403,
                    "permission_denied", NULL);
    json_decref(reply);
}

static void s_assert_allowed(const char *token, const char *method, const char *path,
                             const char *body, int want)
{
    json_t *reply = NULL;
    int status = s_call(token, method, path, body, &reply);
    cr_assert_eq(status, want, "%s %s as mentor: %d %s", method, path, status, ht_jtext(reply));
    json_decref(reply);
}

Test(roles, mentor_logs_and_signs_off_but_sees_no_worker_records)
{
    char *competency = s_competency();
    char *program = s_program(ht_fmt("\"approach\":\"hybrid\",\"ojl_hours\":100,"
                                     "\"competencies\":[\"%s\"]",
                                     competency));
    s_reg reg = s_register(program, ht_days_ago(20));
    char *mentor = s_token("mentor");
    const char *hours = ht_fmt("{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":6}", ht_days_ago(1));
    s_assert_allowed(mentor, "GET", ht_fmt("/v1/apprentices/%s", reg.id), NULL, 200);
    s_assert_allowed(mentor, "GET", ht_fmt("/v1/apprentices?worker_id=%s", reg.worker), NULL, 200);
    s_assert_allowed(mentor, "GET", ht_fmt("/v1/apprenticeship-programs/%s", program), NULL, 200);
    s_assert_allowed(mentor, "POST", ht_fmt("/v1/apprentices/%s/hours", reg.id), hours, 200);
    s_assert_allowed(mentor, "GET", ht_fmt("/v1/apprentices/%s/hours", reg.id), NULL, 200);
    const char *csv =
        ht_fmt("apprentice_id,kind,date,hours\n%s,rti,%s,2\n", reg.id, ht_days_ago(2));
    ht_req import = {.method = "POST",
                     .path = "/v1/imports/apprentice-hours",
                     .token = mentor,
                     .content_type = "text/csv",
                     .body = csv};
    ht_resp resp;
    cr_assert_eq(ht_http(NODE, &import, &resp), 200, "import as mentor: %s", resp.body);
    ht_resp_free(&resp);
    s_assert_allowed(mentor, "POST", ht_fmt("/v1/apprentices/%s/signoffs", reg.id),
                     ht_fmt("{\"competency\":\"%s\",\"signed_by\":\"Maria Mentor\","
                            "\"date\":\"%s\"}",
                            competency, ht_days_ago(1)),
                     200);
    json_t *got = s_get(reg.id);
    s_assert_num(got, "ojl_hours", 6);
    s_assert_num(got, "rti_hours", 2);
    cr_assert_eq(ht_jlen(got, "competencies_completed"), 1, "%s", ht_jtext(got));
    json_decref(got);

    s_assert_denied(mentor, "GET", ht_fmt("/v1/workers/%s", reg.worker), NULL);
    s_assert_denied(mentor, "GET", ht_fmt("/v1/workers/%s/profile", reg.worker), NULL);
    s_assert_denied(mentor, "POST", "/v1/apprentices",
                    ht_fmt("{\"worker_id\":\"%s\",\"program_code\":\"%s\",\"employer_id\":\"%s\","
                           "\"start_date\":\"%s\"}",
                           reg.worker, program, reg.employer, ht_days_ago(1)));
    s_assert_denied(mentor, "POST", ht_fmt("/v1/apprentices/%s/status", reg.id),
                    "{\"status\":\"cancelled\",\"reason\":\"mentor says so\"}");
    s_assert_denied(mentor, "POST", "/v1/apprenticeship-programs",
                    s_program_body(ht_uniq("APP-"), "\"approach\":\"time_based\",\"ojl_hours\":5"));
    got = s_get(reg.id);
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "the mentor changed the status: %s",
                     ht_jtext(got));
    json_decref(got);
    json_t *list = ht_list_all(NODE, ht_fmt("/v1/apprentices?worker_id=%s", reg.worker), 500, 5);
    cr_assert_eq(json_array_size(list), 1, "the mentor registered: %s", ht_jtext(list));
    json_decref(list);

    json_t *reply = NULL;
    int status = s_call(NULL, "GET", ht_fmt("/v1/apprentices/%s", reg.id), NULL, &reply);
    ht_assert_error("apprentice without a token", status, reply, 401, "unauthenticated", NULL);
    json_decref(reply);
    char *analyst = s_token("analyst");
    status = s_call(analyst, "POST", ht_fmt("/v1/apprentices/%s/hours", reg.id), hours, &reply);
    ht_assert_error("hours as analyst", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    free(analyst), free(mentor);
    s_reg_free(&reg);
    free(program), free(competency);
}

/* --- the profile ---------------------------------------------------------------- */

Test(profile, lists_apprenticeships_with_progress)
{
    char *competency = s_competency();
    char *program = s_program(ht_fmt("\"approach\":\"hybrid\",\"ojl_hours\":100,"
                                     "\"rti_hours\":10,\"competencies\":[\"%s\"],"
                                     "\"wage_steps\":[{\"after_ojl_hours\":0,"
                                     "\"hourly_wage_cents\":1650}]",
                                     competency));
    s_reg reg = s_register(program, ht_days_ago(20));
    json_decref(s_log(reg.id, "ojl", ht_days_ago(3), "12.5"));
    json_decref(s_log(reg.id, "rti", ht_days_ago(2), "3"));
    json_decref(s_signoff(reg.id, competency, 200));
    json_t *profile =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s/profile", reg.worker), NULL);
    cr_assert_eq(ht_jlen(profile, "unavailable"), 0, "%s", ht_jtext(profile));
    cr_assert_eq(ht_jlen(profile, "apprenticeships"), 1, "%s", ht_jtext(profile));
    json_t *item = ht_jget(profile, "apprenticeships.0");
    cr_assert_str_eq(ht_jstr(item, "id"), reg.id, "%s", ht_jtext(item));
    cr_assert_str_eq(ht_jstr(item, "program_code"), program);
    cr_assert_str_eq(ht_jstr(item, "status"), "active");
    s_assert_num(item, "ojl_hours", 12.5);
    s_assert_num(item, "rti_hours", 3);
    cr_assert_eq(ht_jlen(item, "competencies_completed"), 1, "%s", ht_jtext(item));
    cr_assert_eq(ht_jint(item, "wage_step"), 1, "%s", ht_jtext(item));
    cr_assert_eq(ht_jint(item, "hourly_wage_cents"), 1650, "%s", ht_jtext(item));
    json_decref(profile);
    char *other = ht_new_worker(NODE, "No", ht_uniq("Apprentice"));
    profile = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s/profile", other), NULL);
    cr_assert_eq(ht_jlen(profile, "apprenticeships"), 0, "%s", ht_jtext(profile));
    json_decref(profile);
    s_reg_free(&reg);
    free(other), free(program), free(competency);
}

/* --- the RAPIDS-aligned CSV export ------------------------------------------------ */

/* Splits one CSV line (RFC 4180 quotes) into at most max fields in place. */
static int s_csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *in = line;
    while (n < max) {
        char *out = in;
        fields[n++] = out;
        bool quoted = *in == '"';
        in += quoted;
        for (;; in++) {
            if (quoted && *in == '"' && in[1] == '"')
                *out++ = *in++;
            else if (quoted && *in == '"')
                quoted = false;
            else if (!*in || (!quoted && *in == ','))
                break;
            else
                *out++ = *in;
        }
        bool more = *in == ',';
        *out = 0;
        if (!more)
            break;
        in++;
    }
    return n;
}

#define S_CSV_MAX 32

typedef struct {
    char *text;
    int n_cols;
    char *header[S_CSV_MAX];
    int n_rows;
    char *rows[16][S_CSV_MAX];
} s_csv;

/* GETs path as CSV and parses it (at most 16 rows). */
static void s_csv_get(const char *path, s_csv *csv)
{
    ht_req req = {.method = "GET", .path = path, .token = NODE->token};
    ht_resp resp;
    cr_assert_eq(ht_http(NODE, &req, &resp), 200, "%s: %s", path, resp.body);
    char type[128];
    cr_assert(ht_resp_header(&resp, "Content-Type", type, sizeof type) &&
                  !strncmp(type, "text/csv", 8),
              "%s: not text/csv: %s", path, resp.head);
    memset(csv, 0, sizeof *csv);
    csv->text = s_strdup(resp.body);
    ht_resp_free(&resp);
    char *save = NULL;
    for (char *line = strtok_r(csv->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r')
            line[len - 1] = 0;
        if (!csv->n_cols) {
            csv->n_cols = s_csv_split(line, csv->header, S_CSV_MAX);
            continue;
        }
        cr_assert_lt(csv->n_rows, 16, "too many rows");
        char **row = csv->rows[csv->n_rows++];
        int n = s_csv_split(line, row, S_CSV_MAX);
        cr_assert_eq(n, csv->n_cols, "row of %d fields under a header of %d", n, csv->n_cols);
    }
}

static const char *s_cell(const s_csv *csv, int row, const char *column)
{
    for (int i = 0; i < csv->n_cols; i++)
        if (!strcmp(csv->header[i], column))
            return csv->rows[row][i];
    cr_assert_fail("no column %s in the header", column);
    return NULL;
}

/* The row whose apprentice_id is id. */
static int s_csv_row(const s_csv *csv, const char *id)
{
    for (int r = 0; r < csv->n_rows; r++)
        if (!strcmp(s_cell(csv, r, "apprentice_id"), id))
            return r;
    cr_assert_fail("no row for %s", id);
    return -1;
}

Test(export, rapids_csv_has_the_agency_columns_and_values)
{
    char *program = s_program("\"onet_soc\":\"31-1131.00\",\"rapids_code\":\"0824CB\","
                              "\"approach\":\"time_based\",\"ojl_hours\":2000,\"rti_hours\":144,"
                              "\"wage_steps\":[{\"after_ojl_hours\":0,\"hourly_wage_cents\":1800},"
                              "{\"after_ojl_hours\":50,\"hourly_wage_cents\":1950}]");
    s_reg busy = s_register(program, ht_days_ago(40));
    s_reg gone = s_register(program, ht_days_ago(30));
    s_assess(busy.worker, "40", "6");
    json_decref(s_wait_num(busy.id, "credited_ojl_hours", 40, S_EVENT_WAIT_MS));
    json_decref(s_log(busy.id, "ojl", ht_days_ago(5), "12.25"));
    json_decref(s_log(busy.id, "rti", ht_days_ago(4), "3.5"));
    json_decref(s_set_status(gone.id, "{\"status\":\"cancelled\",\"reason\":\"relocated\"}", 200));

    s_csv csv;
    s_csv_get(ht_fmt("/v1/apprentices?program_code=%s&format=csv", program), &csv);
    const char *columns[] = {"apprentice_id", "program_number",   "rapids_code", "onet_soc",
                             "start_date",    "status",           "status_date", "ojl_hours",
                             "rti_hours",     "hourly_wage_cents"};
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
        (void)s_cell(&csv, 0, columns[i]);
    cr_assert_eq(csv.n_rows, 2, "%d rows", csv.n_rows);
    int r = s_csv_row(&csv, busy.id);
    cr_assert_str_eq(s_cell(&csv, r, "program_number"), program);
    cr_assert_str_eq(s_cell(&csv, r, "rapids_code"), "0824CB");
    cr_assert_str_eq(s_cell(&csv, r, "onet_soc"), "31-1131.00");
    cr_assert_str_eq(s_cell(&csv, r, "start_date"), ht_days_ago(40));
    cr_assert_str_eq(s_cell(&csv, r, "status"), "active");
    cr_assert_float_eq(strtod(s_cell(&csv, r, "ojl_hours"), NULL), 52.25, 1e-6,
                       "logged plus credited");
    cr_assert_float_eq(strtod(s_cell(&csv, r, "rti_hours"), NULL), 9.5, 1e-6,
                       "logged plus credited");
    cr_assert_str_eq(s_cell(&csv, r, "hourly_wage_cents"), "1950");
    r = s_csv_row(&csv, gone.id);
    cr_assert_str_eq(s_cell(&csv, r, "status"), "cancelled");
    cr_assert_str_eq(s_cell(&csv, r, "status_date"), ht_days_ago(0));
    cr_assert_str_eq(s_cell(&csv, r, "start_date"), ht_days_ago(30));
    cr_assert_float_eq(strtod(s_cell(&csv, r, "ojl_hours"), NULL), 0, 1e-6);
    cr_assert_str_eq(s_cell(&csv, r, "hourly_wage_cents"), "1800");
    free(csv.text);

    s_csv_get(ht_fmt("/v1/apprentices?program_code=%s&status=cancelled&format=csv", program), &csv);
    cr_assert_eq(csv.n_rows, 1, "the filters apply: %d rows", csv.n_rows);
    cr_assert_str_eq(s_cell(&csv, 0, "apprentice_id"), gone.id);
    free(csv.text);
    s_reg_free(&busy), s_reg_free(&gone);
    free(program);
}

/* --- the hours import ----------------------------------------------------------- */

#define S_IMPORT_HEADER "apprentice_id,kind,date,hours,competency,approved_by\n"

static int s_import(const char *path, const char *csv, json_t **report)
{
    ht_req req = {.method = "POST",
                  .path = path,
                  .token = NODE->token,
                  .content_type = "text/csv",
                  .body = csv,
                  .body_len = strlen(csv)};
    ht_resp resp;
    int status = ht_http(NODE, &req, &resp);
    *report = resp.json;
    resp.json = NULL;
    ht_resp_free(&resp);
    return status;
}

Test(import, a_good_file_logs_every_row)
{
    char *competency = s_competency();
    char *program = s_program(ht_fmt("\"approach\":\"time_based\",\"ojl_hours\":20,"
                                     "\"competencies\":[\"%s\"]",
                                     competency));
    s_reg a = s_register(program, ht_days_ago(20));
    s_reg b = s_register(program, ht_days_ago(20));
    const char *csv = ht_fmt(S_IMPORT_HEADER "%s,ojl,%s,8,%s,Dana Supervisor\n"
                                             "%s,rti,%s,2.5,,\n"
                                             "%s,ojl,%s,12,,\n"
                                             "%s,ojl,%s,7.75,,\n",
                             a.id, ht_days_ago(3), competency, a.id, ht_days_ago(2), a.id,
                             ht_days_ago(2), b.id, ht_days_ago(1));
    json_t *report = NULL;
    int status = s_import("/v1/imports/apprentice-hours", csv, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "rows"), 4, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "logged"), 4, "%s", ht_jtext(report));
    s_assert_num(report, "hours", 30.25);
    cr_assert_eq(ht_jlen(report, "rejected"), 0, "%s", ht_jtext(report));
    cr_assert(s_array_has(ht_jget(report, "completed"), a.id), "20 OJL completes %s: %s", a.id,
              ht_jtext(report));
    json_decref(report);
    json_t *got = s_get(a.id);
    s_assert_num(got, "ojl_hours", 20);
    s_assert_num(got, "rti_hours", 2.5);
    cr_assert_str_eq(ht_jstr(got, "status"), "completed", "%s", ht_jtext(got));
    json_decref(got);
    got = s_get(b.id);
    s_assert_num(got, "ojl_hours", 7.75);
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "%s", ht_jtext(got));
    json_decref(got);
    json_t *list = ht_list_all(NODE, ht_fmt("/v1/apprentices/%s/hours", a.id), 500, 5);
    cr_assert_eq(json_array_size(list), 3, "%s", ht_jtext(list));
    json_decref(list);
    s_reg_free(&a), s_reg_free(&b);
    free(program), free(competency);
}

/* Asserts report rejects exactly one line, naming field. */
static void s_assert_one_rejection(json_t *report, int line, const char *field)
{
    cr_assert_eq(ht_jlen(report, "rejected"), 1, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "rejected.0.line"), line, "%s", ht_jtext(report));
    const char *got = ht_jstr(report, "rejected.0.field");
    cr_assert(got && !strncmp(got, field, strlen(field)), "field %s expected: %s", field,
              ht_jtext(report));
    const char *message = ht_jstr(report, "rejected.0.message");
    cr_assert(message && *message, "%s", ht_jtext(report));
}

Test(import, one_bad_line_writes_nothing)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":100");
    s_reg reg = s_register(program, ht_days_ago(20));
    int64_t head = ht_events_head(NODE->dir, "apprenticeship", 5000);
    cr_assert_geq(head, 1, "no apprenticeship event log");
    const char *bad[][2] = {
        {ht_fmt("%s,ojl,%s,25,,\n", reg.id, ht_days_ago(2)), "hours"},
        {ht_fmt("%s,lab,%s,2,,\n", reg.id, ht_days_ago(2)), "kind"},
        {ht_fmt("%s,ojl,%s,2,,\n", reg.id, ht_days_ago(-1)), "date"},
        {ht_fmt("%s,ojl,%s,2,,\n", S_UNKNOWN_APPRENTICE, ht_days_ago(2)), "apprentice_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *csv = ht_fmt(S_IMPORT_HEADER "%s,ojl,%s,8,,\n%s%s,rti,%s,2,,\n", reg.id,
                                 ht_days_ago(4), bad[i][0], reg.id, ht_days_ago(3));
        json_t *report = NULL;
        int status = s_import("/v1/imports/apprentice-hours", csv, &report);
        cr_assert_eq(status, 422, "bad %s: %s", bad[i][1], ht_jtext(report));
        s_assert_one_rejection(report, 3, bad[i][1]);
        json_decref(report);
    }
    json_t *got = s_get(reg.id);
    s_assert_num(got, "ojl_hours", 0);
    s_assert_num(got, "rti_hours", 0);
    json_decref(got);
    cr_assert_eq(ht_events_head(NODE->dir, "apprenticeship", 5000), head,
                 "a rejected import wrote events");
    s_reg_free(&reg);
    free(program);
}

Test(import, dry_run_writes_nothing)
{
    char *program = s_program("\"approach\":\"time_based\",\"ojl_hours\":100");
    s_reg reg = s_register(program, ht_days_ago(20));
    int64_t head = ht_events_head(NODE->dir, "apprenticeship", 5000);
    const char *csv = ht_fmt("apprentice_id,kind,date,hours\n%s,ojl,%s,8\n%s,rti,%s,1.5\n", reg.id,
                             ht_days_ago(4), reg.id, ht_days_ago(3));
    json_t *report = NULL;
    int status = s_import("/v1/imports/apprentice-hours?dry_run=true", csv, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "rows"), 2, "%s", ht_jtext(report));
    s_assert_num(report, "hours", 9.5);
    cr_assert_eq(ht_jlen(report, "rejected"), 0, "%s", ht_jtext(report));
    json_decref(report);
    json_t *got = s_get(reg.id);
    s_assert_num(got, "ojl_hours", 0);
    s_assert_num(got, "rti_hours", 0);
    json_decref(got);
    cr_assert_eq(ht_events_head(NODE->dir, "apprenticeship", 5000), head, "a dry run wrote events");

    status = s_import("/v1/imports/apprentice-hours", csv, &report);
    cr_assert_eq(status, 200, "%s", ht_jtext(report));
    cr_assert_eq(ht_jint(report, "logged"), 2, "%s", ht_jtext(report));
    json_decref(report);
    got = s_get(reg.id);
    s_assert_num(got, "ojl_hours", 8);
    s_assert_num(got, "rti_hours", 1.5);
    json_decref(got);
    s_reg_free(&reg);
    free(program);
}

/* --- the completion credential across kill -9 --------------------------------- */

static pid_t s_child(const char *name)
{
    pid_t pid = ht_node_child(NODE, name);
    cr_assert_gt(pid, 0, "no %s for %s", name, NODE->dir);
    return pid;
}

static void s_wait_dead(pid_t pid)
{
    for (int64_t until = ht_now_ms() + 5000; ht_now_ms() < until && ht_pid_alive(pid);)
        ht_sleep_ms(10);
}

/* Waits until the node has restarted name (a pid other than victim) and is
   healthy again (asserts within S_RESTART_WAIT_MS). */
static void s_wait_back(const char *name, pid_t victim)
{
    int64_t start = ht_now_ms();
    for (;;) {
        pid_t successor = ht_node_child(NODE, name);
        if (successor > 0 && successor != victim && ht_node_wait_healthy(NODE, 200))
            break;
        cr_assert(ht_now_ms() - start < S_RESTART_WAIT_MS, "%s did not come back", name);
        ht_sleep_ms(50);
    }
    cr_log_info("%s back after %lld ms", name, (long long)(ht_now_ms() - start));
}

/* A program that completes at 16 OJL hours awarding a new credential type,
   and an apprentice 8 hours short of it. */
static s_reg s_almost_complete(char **credential, char **program)
{
    *credential = s_credential_type();
    *program = s_program(ht_fmt("\"approach\":\"time_based\",\"ojl_hours\":16,"
                                "\"completion_credential_code\":\"%s\"",
                                *credential));
    s_reg reg = s_register(*program, ht_days_ago(20));
    json_decref(s_log(reg.id, "ojl", ht_days_ago(2), "8"));
    return reg;
}

/* After credentialing has had time to catch up: exactly one credential,
   the completion award. */
static void s_assert_awarded_once(const s_reg *reg, const char *credential)
{
    ht_sleep_ms(1000);
    json_t *items = s_credentials(reg->worker);
    cr_assert_eq(json_array_size(items), 1, "%s", ht_jtext(items));
    cr_assert_eq(s_count_awards(items, credential, reg->id), 1, "%s", ht_jtext(items));
    json_decref(items);
}

/* hcap-node is held (SIGSTOP) so credentialing stays down while the
   apprenticeship completes; the award comes when it is back, once. */
Test(crash, credentialing_killed_the_award_comes_once_when_it_is_back)
{
    char *credential, *program;
    s_reg reg = s_almost_complete(&credential, &program);
    pid_t victim = s_child("hcap-credentialing");
    int stopped = kill(NODE->pid, SIGSTOP);
    int killed = stopped == 0 ? kill(victim, SIGKILL) : -1;
    s_wait_dead(victim);
    json_t *done = NULL;
    int status = killed == 0 ? s_log_status(reg.id, "ojl", ht_days_ago(1), "8", &done) : 0;
    kill(NODE->pid, SIGCONT);
    cr_assert(stopped == 0 && killed == 0, "could not stop the node or kill credentialing");
    cr_assert_eq(status, 200, "completing hours with credentialing down: %d %s", status,
                 ht_jtext(done));
    cr_assert_str_eq(ht_jstr(done, "status"), "completed", "%s", ht_jtext(done));
    json_decref(done);

    s_wait_back("hcap-credentialing", victim);
    json_decref(s_wait_credential(reg.worker, credential, S_RESTART_WAIT_MS, NULL));
    s_assert_awarded_once(&reg, credential);
    /* a second kill -9 of credentialing awards nothing again */
    victim = s_child("hcap-credentialing");
    cr_assert_eq(kill(victim, SIGKILL), 0);
    s_wait_back("hcap-credentialing", victim);
    s_assert_awarded_once(&reg, credential);
    s_reg_free(&reg);
    free(program), free(credential);
}

/* Credentialing is held (SIGSTOP) while the completing hours are logged,
   then apprenticeship is killed before credentialing can fetch them. */
Test(crash, apprenticeship_killed_before_the_fetch_the_award_comes_once)
{
    char *credential, *program;
    s_reg reg = s_almost_complete(&credential, &program);
    pid_t follower = s_child("hcap-credentialing");
    pid_t victim = s_child("hcap-apprenticeship");
    int held = kill(follower, SIGSTOP);
    json_t *done = NULL;
    int status = held == 0 ? s_log_status(reg.id, "ojl", ht_days_ago(1), "8", &done) : 0;
    int stopped = kill(NODE->pid, SIGSTOP);
    int killed = stopped == 0 ? kill(victim, SIGKILL) : -1;
    s_wait_dead(victim);
    kill(follower, SIGCONT);
    ht_sleep_ms(300); /* credentialing wakes to the doorbell; apprenticeship is gone */
    kill(NODE->pid, SIGCONT);
    cr_assert(held == 0 && stopped == 0 && killed == 0,
              "could not hold credentialing, stop the node or kill apprenticeship");
    cr_assert_eq(status, 200, "%d %s", status, ht_jtext(done));
    cr_assert_str_eq(ht_jstr(done, "status"), "completed", "%s", ht_jtext(done));
    json_decref(done);

    s_wait_back("hcap-apprenticeship", victim);
    json_decref(s_wait_credential(reg.worker, credential, S_RESTART_WAIT_MS, NULL));
    json_t *got = s_get(reg.id);
    cr_assert_str_eq(ht_jstr(got, "status"), "completed", "%s", ht_jtext(got));
    s_assert_num(got, "ojl_hours", 16);
    json_decref(got);
    s_assert_awarded_once(&reg, credential);
    cr_assert_eq(ht_node_child(NODE, "hcap-credentialing"), follower,
                 "credentialing was restarted: the test did not hold it");
    s_reg_free(&reg);
    free(program), free(credential);
}
