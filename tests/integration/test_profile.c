/* GET /v1/workers/{id}/profile on a real node: the worker with their
   employment, enrollments and tuition claims gathered from the owning
   service, their apprenticeships with progress, nothing unavailable; an
   unknown or erased worker is 404; only the fund's roles may read it. */
#include "ht.h"

#include <stdlib.h>
#include <string.h>

HT_SHARED_NODE(false)

#define NODE ht_shared()

static json_t *s_profile(const char *worker_id, int want)
{
    return ht_expect(NODE, want, "GET", ht_fmt("/v1/workers/%s/profile", worker_id), NULL);
}

Test(profile, gathers_the_workers_records)
{
    char *employer = ht_new_employer(NODE, ht_uniq("Profile Clinic "));
    char *worker = ht_new_worker(NODE, "Pia", ht_uniq("Profile"));
    char *other = ht_new_worker(NODE, "Oli", ht_uniq("Other"));
    char *program = ht_new_program(NODE, ht_uniq("PRF-"));
    char *cohort = ht_new_cohort(NODE, program, 5);
    char *employment = ht_create(NODE, ht_fmt("/v1/workers/%s/employment", worker),
                                 "{\"kind\":\"placement\",\"employer_id\":\"%s\","
                                 "\"effective_date\":\"2025-05-01\"}",
                                 employer);
    char *enrollment = ht_create(NODE, "/v1/enrollments",
                                 "{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", worker, cohort);
    char *claim = ht_create(NODE, "/v1/tuition-claims",
                            "{\"worker_id\":\"%s\",\"institution\":\"Valley College\","
                            "\"amount_cents\":120000}",
                            worker);
    /* the other worker's records must not leak into this profile */
    free(ht_create(NODE, "/v1/enrollments", "{\"worker_id\":\"%s\",\"cohort_id\":\"%s\"}", other,
                   cohort));
    free(ht_create(NODE, "/v1/tuition-claims",
                   "{\"worker_id\":\"%s\",\"institution\":\"X\",\"amount_cents\":100}", other));

    json_t *profile = s_profile(worker, 200);
    cr_assert_str_eq(ht_jstr(profile, "worker.id"), worker, "%s", ht_jtext(profile));
    cr_assert_str_eq(ht_jstr(profile, "worker.given_name"), "Pia");
    cr_assert_eq(ht_jlen(profile, "employment"), 1, "%s", ht_jtext(profile));
    cr_assert_str_eq(ht_jstr(profile, "employment.0.id"), employment);
    cr_assert_str_eq(ht_jstr(profile, "employment.0.kind"), "placement");
    cr_assert_eq(ht_jlen(profile, "enrollments"), 1, "%s", ht_jtext(profile));
    cr_assert_str_eq(ht_jstr(profile, "enrollments.0.id"), enrollment);
    cr_assert_str_eq(ht_jstr(profile, "enrollments.0.status"), "enrolled");
    cr_assert_eq(ht_jlen(profile, "tuition_claims"), 1, "%s", ht_jtext(profile));
    cr_assert_str_eq(ht_jstr(profile, "tuition_claims.0.id"), claim);
    cr_assert_eq(ht_jint(profile, "tuition_claims.0.amount_cents"), 120000);
    cr_assert_eq(ht_jlen(profile, "unavailable"), 0, "unavailable: %s", ht_jtext(profile));

    /* the profile follows changes */
    json_decref(ht_expect(NODE, 200, "POST", ht_fmt("/v1/enrollments/%s/status", enrollment),
                          "{\"status\":\"active\"}"));
    json_decref(profile);
    profile = s_profile(worker, 200);
    cr_assert_str_eq(ht_jstr(profile, "enrollments.0.status"), "active", "%s", ht_jtext(profile));
    json_decref(profile);
    free(employer), free(worker), free(other), free(program), free(cohort);
    free(employment), free(enrollment), free(claim);
}

Test(profile, a_new_worker_has_empty_parts)
{
    char *worker = ht_new_worker(NODE, "Nia", ht_uniq("Fresh"));
    json_t *profile = s_profile(worker, 200);
    cr_assert_str_eq(ht_jstr(profile, "worker.id"), worker);
    cr_assert_eq(ht_jlen(profile, "employment"), 0, "%s", ht_jtext(profile));
    cr_assert_eq(ht_jlen(profile, "enrollments"), 0, "%s", ht_jtext(profile));
    cr_assert_eq(ht_jlen(profile, "tuition_claims"), 0, "%s", ht_jtext(profile));
    cr_assert_eq(ht_jlen(profile, "apprenticeships"), 0, "%s", ht_jtext(profile));
    cr_assert_eq(ht_jlen(profile, "unavailable"), 0, "%s", ht_jtext(profile));
    json_decref(profile);
    free(worker);
}

Test(profile, shows_the_workers_apprenticeships_with_progress)
{
    const char *competency = ht_uniq("PRFCOMP-");
    json_decref(ht_expect(NODE, 201, "POST", "/v1/competencies",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Outreach\"}", competency)));
    const char *code = ht_uniq("PRFAPP-");
    json_decref(ht_expect(NODE, 201, "POST", "/v1/apprenticeship-programs",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Profile Apprenticeship\","
                                 "\"occupation\":\"Community Health Worker\","
                                 "\"approach\":\"hybrid\",\"ojl_hours\":100,"
                                 "\"rti_hours\":10,\"competencies\":[\"%s\"]}",
                                 code, competency)));
    char *employer = ht_new_employer(NODE, ht_uniq("Profile Clinic "));
    char *worker = ht_new_worker(NODE, "Ada", ht_uniq("Apprentice"));
    char *other = ht_new_worker(NODE, "Ole", ht_uniq("Apprentice"));
    char *apprentice = ht_create(NODE, "/v1/apprentices",
                                 "{\"worker_id\":\"%s\",\"program_code\":\"%s\","
                                 "\"employer_id\":\"%s\",\"start_date\":\"%s\"}",
                                 worker, code, employer, ht_days_ago(20));
    free(ht_create(NODE, "/v1/apprentices",
                   "{\"worker_id\":\"%s\",\"program_code\":\"%s\",\"employer_id\":\"%s\","
                   "\"start_date\":\"%s\"}",
                   other, code, employer, ht_days_ago(20)));
    json_decref(
        ht_expect(NODE, 200, "POST", ht_fmt("/v1/apprentices/%s/hours", apprentice),
                  ht_fmt("{\"kind\":\"ojl\",\"date\":\"%s\",\"hours\":7.5}", ht_days_ago(19))));

    json_t *profile = s_profile(worker, 200);
    cr_assert_eq(ht_jlen(profile, "apprenticeships"), 1, "%s", ht_jtext(profile));
    cr_assert_str_eq(ht_jstr(profile, "apprenticeships.0.id"), apprentice);
    cr_assert_str_eq(ht_jstr(profile, "apprenticeships.0.program_code"), code);
    cr_assert_str_eq(ht_jstr(profile, "apprenticeships.0.status"), "active");
    cr_assert_eq(json_number_value(ht_jget(profile, "apprenticeships.0.ojl_hours")), 7.5, "%s",
                 ht_jtext(profile));
    cr_assert_eq(ht_jlen(profile, "apprenticeships.0.competencies_remaining"), 1);
    cr_assert_eq(ht_jlen(profile, "unavailable"), 0, "%s", ht_jtext(profile));
    json_decref(profile);
    free(employer), free(worker), free(other), free(apprentice);
}

Test(profile, unknown_or_erased_worker_is_404)
{
    json_t *reply = NULL;
    int status = ht_json_get(NODE, "/v1/workers/wkr_00000000000000000000000000/profile", &reply);
    ht_assert_error("profile of an unknown worker", status, reply, 404, "not_found", NULL);
    json_decref(reply);

    char *worker = ht_new_worker(NODE, "Gone", ht_uniq("Soon"));
    json_decref(ht_expect(NODE, 200, "DELETE", ht_fmt("/v1/workers/%s", worker), NULL));
    status = ht_json_get(NODE, ht_fmt("/v1/workers/%s/profile", worker), &reply);
    ht_assert_error("profile of an erased worker", status, reply, 404, "not_found", NULL);
    json_decref(reply);
    free(worker);
}

Test(profile, needs_a_fund_role)
{
    char *worker = ht_new_worker(NODE, "Role", ht_uniq("Check"));
    json_t *reply = NULL;
    int status =
        ht_json_call(NODE, "GET", ht_fmt("/v1/workers/%s/profile", worker), NULL, NULL, &reply);
    ht_assert_error("profile without a token", status, reply, 401, "unauthenticated", NULL);
    json_decref(reply);
    json_t *analyst =
        ht_expect(NODE, 201, "POST", "/v1/tokens", "{\"role\":\"analyst\",\"name\":\"reports\"}");
    status = ht_json_call(NODE, "GET", ht_fmt("/v1/workers/%s/profile", worker),
                          ht_jstr(analyst, "token"), NULL, &reply);
    ht_assert_error("profile as analyst", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    json_decref(analyst);
    json_t *mentor =
        ht_expect(NODE, 201, "POST", "/v1/tokens", "{\"role\":\"mentor\",\"name\":\"mentor\"}");
    status = ht_json_call(NODE, "GET", ht_fmt("/v1/workers/%s/profile", worker),
                          ht_jstr(mentor, "token"), NULL, &reply);
    ht_assert_error("profile as mentor", status, reply, 403, "permission_denied", NULL);
    json_decref(reply);
    json_decref(mentor);
    free(worker);
}
