/* Every credentialing route of API.md through HTTP on a real node:
   competencies, credential types, awards with expiry and revocation,
   public verification (initials only), Open Badges 3.0 documents checked
   by a signature path independent of the node's, prior learning, career
   ladders, the profile's credentials and ladders, and the profile with
   hcap-credentialing killed. */
#include "ht.h"

#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

HT_SHARED_NODE(false)

#define NODE ht_shared()

#define S_FANOUT_DEADLINE_MS 2000 /* the gateway's default fanout_deadline_ms */
#define S_UNKNOWN_WORKER     "wkr_00000000000000000000000000"
#define S_UNKNOWN_CREDENTIAL "crd_00000000000000000000000000"

/* --- fixtures ------------------------------------------------------------ */

static char *s_strdup(const char *text)
{
    cr_assert(text, "missing text");
    return strdup(text);
}

/* A new competency; returns its code (malloc'd). */
static char *s_competency(void)
{
    const char *code = ht_uniq("CMP-");
    json_decref(ht_expect(NODE, 201, "POST", "/v1/competencies",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Vital signs\"}", code)));
    return strdup(code);
}

/* A new credential type of kind and validity; returns its code (malloc'd). */
static char *s_type(const char *kind, unsigned validity_months)
{
    const char *code = ht_uniq("CT-");
    json_decref(ht_expect(NODE, 201, "POST", "/v1/credential-types",
                          ht_fmt("{\"code\":\"%s\",\"name\":\"Type %s\",\"kind\":\"%s\","
                                 "\"issuer\":\"California Board of Testing\","
                                 "\"validity_months\":%u}",
                                 code, code, kind, validity_months)));
    return strdup(code);
}

/* Awards code to worker on issued_on; returns the credential (new ref). */
static json_t *s_award(const char *worker, const char *code, const char *issued_on)
{
    return ht_expect(NODE, 201, "POST", "/v1/credentials",
                     ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\","
                            "\"issued_on\":\"%s\"}",
                            worker, code, issued_on));
}

static char *s_award_id(const char *worker, const char *code, const char *issued_on)
{
    json_t *credential = s_award(worker, code, issued_on);
    char *id = s_strdup(ht_jstr(credential, "id"));
    json_decref(credential);
    return id;
}

/* GET path without a token; the raw response (free with ht_resp_free). */
static ht_resp s_public_get(const char *path)
{
    ht_req req = {.method = "GET", .path = path};
    ht_resp resp;
    ht_http(NODE, &req, &resp);
    return resp;
}

/* A field that is absent or null: what a reply says about what is not. */
static bool s_none(json_t *value)
{
    return !value || json_is_null(value);
}

static void s_post_error(const char *what, const char *path, const char *body, int want_status,
                         const char *want_code, const char *want_field)
{
    json_t *reply = NULL;
    int status = ht_json_post(NODE, path, body, &reply);
    ht_assert_error(what, status, reply, want_status, want_code, want_field);
    json_decref(reply);
}

static void s_get_error(const char *what, const char *path, int want_status, const char *want_code,
                        const char *want_field)
{
    json_t *reply = NULL;
    int status = ht_json_get(NODE, path, &reply);
    ht_assert_error(what, status, reply, want_status, want_code, want_field);
    json_decref(reply);
}

/* --- competencies and credential types ------------------------------------ */

Test(competencies, create_list_and_errors)
{
    const char *code = ht_uniq("CMP-");
    json_t *made = ht_expect(NODE, 201, "POST", "/v1/competencies",
                             ht_fmt("{\"code\":\"%s\",\"name\":\"Infection control\","
                                    "\"framework\":\"H-CAP clinical core\"}",
                                    code));
    cr_assert_str_eq(ht_jstr(made, "code"), code, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "name"), "Infection control");
    cr_assert_str_eq(ht_jstr(made, "framework"), "H-CAP clinical core");
    json_t *all = ht_list_all(NODE, "/v1/competencies", 500, 50);
    bool listed = false;
    for (size_t i = 0; i < json_array_size(all); i++)
        listed |= !strcmp(json_string_value(json_object_get(json_array_get(all, i), "code")), code);
    cr_assert(listed, "%s is not listed", code);
    json_decref(all);
    json_decref(made);

    s_post_error("competency again", "/v1/competencies",
                 ht_fmt("{\"code\":\"%s\",\"name\":\"Twice\"}", code), 409, "already_exists", NULL);
    s_post_error("competency without name", "/v1/competencies",
                 ht_fmt("{\"code\":\"%s\"}", ht_uniq("CMP-")), 400, "invalid_argument", "name");
    s_post_error("competency without code", "/v1/competencies", "{\"name\":\"No code\"}", 400,
                 "invalid_argument", "code");
    s_post_error("competency with an unknown field", "/v1/competencies",
                 ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"colour\":\"red\"}", ht_uniq("CMP-")),
                 400, "invalid_argument", "colour");
}

Test(credential_types, create_get_list)
{
    char *competency = s_competency();
    const char *code = ht_uniq("CNA-");
    json_t *made =
        ht_expect(NODE, 201, "POST", "/v1/credential-types",
                  ht_fmt("{\"code\":\"%s\",\"name\":\"Certified Nursing Assistant\","
                         "\"kind\":\"certification\",\"issuer\":\"California Department of "
                         "Public Health\",\"validity_months\":24,\"competencies\":[\"%s\"],"
                         "\"level\":\"entry\"}",
                         code, competency));
    cr_assert_str_eq(ht_jstr(made, "code"), code, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "kind"), "certification");
    cr_assert_str_eq(ht_jstr(made, "issuer"), "California Department of Public Health");
    cr_assert_eq(ht_jint(made, "validity_months"), 24);
    cr_assert_str_eq(ht_jstr(made, "competencies.0"), competency);
    cr_assert_str_eq(ht_jstr(made, "level"), "entry");

    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/credential-types/%s", code), NULL);
    cr_assert(json_equal(got, made), "GET %s\nPOST %s", ht_jtext(got), ht_jtext(made));
    json_t *all = ht_list_all(NODE, "/v1/credential-types", 2, 500);
    bool listed = false;
    for (size_t i = 0; i < json_array_size(all); i++)
        listed |= json_equal(json_array_get(all, i), made);
    cr_assert(listed, "%s is not listed", code);
    json_decref(all);
    json_decref(got);
    json_decref(made);
    free(competency);
}

Test(credential_types, errors)
{
    const char *fresh = ht_uniq("CT-");
    s_post_error(
        "type with a bad kind", "/v1/credential-types",
        ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"kind\":\"diploma\",\"issuer\":\"Y\"}", fresh),
        400, "invalid_argument", "kind");
    s_post_error("type without kind", "/v1/credential-types",
                 ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"issuer\":\"Y\"}", fresh), 400,
                 "invalid_argument", "kind");
    s_post_error("type without issuer", "/v1/credential-types",
                 ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"kind\":\"license\"}", fresh), 400,
                 "invalid_argument", "issuer");
    s_post_error("type without name", "/v1/credential-types",
                 ht_fmt("{\"code\":\"%s\",\"kind\":\"license\",\"issuer\":\"Y\"}", fresh), 400,
                 "invalid_argument", "name");
    s_post_error("type without code", "/v1/credential-types",
                 "{\"name\":\"X\",\"kind\":\"license\",\"issuer\":\"Y\"}", 400, "invalid_argument",
                 "code");
    s_post_error("type with an unknown competency", "/v1/credential-types",
                 ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"kind\":\"badge\",\"issuer\":\"Y\","
                        "\"competencies\":[\"%s\"]}",
                        fresh, ht_uniq("NOPE-")),
                 404, "not_found", "competencies*");
    s_post_error("type with negative validity", "/v1/credential-types",
                 ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"kind\":\"badge\",\"issuer\":\"Y\","
                        "\"validity_months\":-1}",
                        fresh),
                 400, "invalid_argument", "validity_months");
    s_get_error("the failed creates wrote nothing", ht_fmt("/v1/credential-types/%s", fresh), 404,
                "not_found", NULL);
    char *code = s_type("license", 24);
    s_post_error(
        "type again", "/v1/credential-types",
        ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"kind\":\"license\",\"issuer\":\"Y\"}", code), 409,
        "already_exists", NULL);
    free(code);
}

/* --- awards ----------------------------------------------------------------- */

Test(credentials, award_get_list)
{
    char *worker = ht_new_worker(NODE, "Award", ht_uniq("Holder"));
    char *code = s_type("certification", 12);
    char issued[16];
    snprintf(issued, sizeof issued, "%s", ht_days_ago(200));
    json_t *made = s_award(worker, code, issued);
    const char *id = ht_jstr(made, "id");
    cr_assert(id && *id, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "worker_id"), worker);
    cr_assert_str_eq(ht_jstr(made, "credential_code"), code);
    cr_assert_str_eq(ht_jstr(made, "credential_name"), ht_fmt("Type %s", code));
    cr_assert_str_eq(ht_jstr(made, "kind"), "certification");
    cr_assert_str_eq(ht_jstr(made, "issuer"), "California Board of Testing");
    cr_assert_str_eq(ht_jstr(made, "issued_on"), issued);
    cr_assert_str_eq(ht_jstr(made, "expires_on"), ht_months_after(issued, 12),
                     "issued_on + 12 months: %s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "source"), "earned", "the default source");
    cr_assert_str_eq(ht_jstr(made, "status"), "active");
    cr_assert_str_eq(ht_jstr(made, "verification_url"),
                     ht_fmt("http://%s/v1/verify/%s", NODE->http, id), "%s", ht_jtext(made));

    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials/%s", id), NULL);
    cr_assert(json_equal(got, made), "GET %s\nPOST %s", ht_jtext(got), ht_jtext(made));
    json_t *list =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials?worker_id=%s", worker), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 1, "%s", ht_jtext(list));
    cr_assert(json_equal(ht_jget(list, "items.0"), made), "%s", ht_jtext(list));
    json_decref(list);
    list = ht_list_all(NODE, ht_fmt("/v1/credentials?credential_code=%s", code), 500, 5);
    cr_assert(ht_find_id(list, id), "not listed by credential_code");
    json_decref(list);
    s_get_error("unknown credential", "/v1/credentials/" S_UNKNOWN_CREDENTIAL, 404, "not_found",
                NULL);
    json_decref(got);
    json_decref(made);
    free(worker), free(code);
}

Test(credentials, never_expiring_and_sources)
{
    char *worker = ht_new_worker(NODE, "Never", ht_uniq("Expires"));
    char *code = s_type("certificate", 0);
    json_t *made = ht_expect(NODE, 201, "POST", "/v1/credentials",
                             ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\","
                                    "\"issued_on\":\"2001-06-01\",\"source\":\"transfer\","
                                    "\"evidence\":\"certificate on file\"}",
                                    worker, code));
    cr_assert(s_none(ht_jget(made, "expires_on")), "validity 0 never expires: %s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "status"), "active", "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "source"), "transfer");
    cr_assert_str_eq(ht_jstr(made, "evidence"), "certificate on file");
    json_decref(made);
    free(worker), free(code);
}

Test(credentials, award_errors)
{
    char *worker = ht_new_worker(NODE, "Err", ht_uniq("Award"));
    char *code = s_type("badge", 6);
    const char *path = "/v1/credentials";
    s_post_error("award to an unknown worker", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\","
                        "\"issued_on\":\"2026-01-02\"}",
                        S_UNKNOWN_WORKER, code),
                 404, "not_found", "worker_id");
    s_post_error("award of an unknown code", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\","
                        "\"issued_on\":\"2026-01-02\"}",
                        worker, ht_uniq("NOPE-")),
                 404, "not_found", "credential_code");
    s_post_error("award with a bad source", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\","
                        "\"issued_on\":\"2026-01-02\",\"source\":\"bought\"}",
                        worker, code),
                 400, "invalid_argument", "source");
    s_post_error("award without issued_on", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\"}", worker, code), 400,
                 "invalid_argument", "issued_on");
    s_post_error("award on a date that does not exist", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\","
                        "\"issued_on\":\"2026-02-30\"}",
                        worker, code),
                 400, "invalid_argument", "issued_on");
    s_post_error("award without credential_code", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"issued_on\":\"2026-01-02\"}", worker), 400,
                 "invalid_argument", "credential_code");
    s_post_error("award without worker_id", path,
                 ht_fmt("{\"credential_code\":\"%s\",\"issued_on\":\"2026-01-02\"}", code), 400,
                 "invalid_argument", "worker_id");
    s_post_error("award with malformed JSON", path, "{\"worker_id\":", 400, "invalid_argument",
                 NULL);
    s_get_error("list with a bad status", "/v1/credentials?status=lapsed", 400, "invalid_argument",
                "status");
    json_t *list =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials?worker_id=%s", worker), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 0, "a failed award wrote: %s", ht_jtext(list));
    json_decref(list);
    free(worker), free(code);
}

Test(credentials, idempotent_award)
{
    char *worker = ht_new_worker(NODE, "Idem", ht_uniq("Potent"));
    char *code = s_type("certification", 24);
    const char *key = ht_uniq("award-key-");
    const char *body = ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\","
                              "\"issued_on\":\"2026-04-01\"}",
                              worker, code);
    ht_req req = {.method = "POST",
                  .path = "/v1/credentials",
                  .token = NODE->token,
                  .idempotency_key = key,
                  .body = body};
    ht_resp first, second;
    cr_assert_eq(ht_http(NODE, &req, &first), 201, "%s", first.body);
    cr_assert_eq(ht_http(NODE, &req, &second), 201, "%s", second.body);
    cr_assert(json_equal(first.json, second.json), "%s\n%s", first.body, second.body);
    json_t *list =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials?worker_id=%s", worker), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 1, "the repeat awarded again: %s", ht_jtext(list));
    json_decref(list);
    ht_resp_free(&first);
    ht_resp_free(&second);
    free(worker), free(code);
}

/* --- revocation and expiry --------------------------------------------------- */

static json_t *s_verify(const char *id)
{
    ht_resp resp = s_public_get(ht_fmt("/v1/verify/%s", id));
    cr_assert_eq(resp.status, 200, "verify %s: %d %s", id, resp.status, resp.body);
    json_t *json = json_incref(resp.json);
    cr_assert(json, "verify: not JSON: %s", resp.body);
    ht_resp_free(&resp);
    return json;
}

Test(credentials, revoke_once)
{
    char *worker = ht_new_worker(NODE, "Rev", ht_uniq("Oked"));
    char *code = s_type("license", 24);
    char *id = s_award_id(worker, code, ht_days_ago(120));
    const char *path = ht_fmt("/v1/credentials/%s/revoke", id);
    s_post_error("revoke without reason", path, "{}", 400, "invalid_argument", "reason");
    json_t *revoked = ht_expect(NODE, 200, "POST", path, "{\"reason\":\"issued in error\"}");
    cr_assert_str_eq(ht_jstr(revoked, "status"), "revoked", "%s", ht_jtext(revoked));
    cr_assert_str_eq(ht_jstr(revoked, "revocation_reason"), "issued in error");
    cr_assert(ht_jstr(revoked, "revoked_on"), "%s", ht_jtext(revoked));
    s_post_error("revoke twice", path, "{\"reason\":\"again\"}", 409, NULL, NULL);
    s_post_error("revoke an unknown credential", "/v1/credentials/" S_UNKNOWN_CREDENTIAL "/revoke",
                 "{\"reason\":\"x\"}", 404, "not_found", NULL);

    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials/%s", id), NULL);
    cr_assert_str_eq(ht_jstr(got, "status"), "revoked");
    cr_assert_str_eq(ht_jstr(got, "revocation_reason"), "issued in error", "the first reason");
    json_t *list = ht_list_all(NODE, "/v1/credentials?status=revoked", 500, 20);
    cr_assert(ht_find_id(list, id), "not listed as revoked");
    json_decref(list);
    json_t *verification = s_verify(id);
    cr_assert(json_is_false(ht_jget(verification, "valid")), "%s", ht_jtext(verification));
    cr_assert_str_eq(ht_jstr(verification, "status"), "revoked");
    json_decref(verification);
    json_decref(got);
    json_decref(revoked);
    free(worker), free(code), free(id);
}

Test(credentials, expired_after_validity)
{
    char *worker = ht_new_worker(NODE, "Old", ht_uniq("Cert"));
    char *code = s_type("certification", 24);
    json_t *made = s_award(worker, code, "2020-01-15");
    const char *id = ht_jstr(made, "id");
    cr_assert_str_eq(ht_jstr(made, "expires_on"), "2022-01-15", "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "status"), "expired", "past expires_on: %s", ht_jtext(made));
    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials/%s", id), NULL);
    cr_assert_str_eq(ht_jstr(got, "status"), "expired", "%s", ht_jtext(got));
    json_t *list = ht_expect(NODE, 200, "GET",
                             ht_fmt("/v1/credentials?worker_id=%s&status=expired", worker), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 1, "%s", ht_jtext(list));
    json_t *verification = s_verify(id);
    cr_assert(json_is_false(ht_jget(verification, "valid")), "%s", ht_jtext(verification));
    cr_assert_str_eq(ht_jstr(verification, "status"), "expired");
    cr_assert_str_eq(ht_jstr(verification, "expires_on"), "2022-01-15");
    json_decref(verification);
    json_decref(list);
    json_decref(got);
    json_decref(made);
    free(worker), free(code);
}

/* --- verification --------------------------------------------------------------- */

/* A worker with every personal field set; returns the worker (new ref). */
static json_t *s_personal_worker(void)
{
    return ht_expect(NODE, 201, "POST", "/v1/workers",
                     ht_fmt("{\"given_name\":\"Lena\",\"family_name\":\"%s\","
                            "\"external_id\":\"%s\",\"birth_date\":\"1987-09-23\","
                            "\"email\":\"lena.private@example.org\",\"phone\":\"+1-555-0142\","
                            "\"employment_status\":\"incumbent\"}",
                            ht_uniq("Castillo"), ht_uniq("EXT-")));
}

static void s_assert_private(const char *body, json_t *worker)
{
    const char *fields[] = {"given_name", "family_name", "external_id", "birth_date",
                            "email",      "phone",       "id"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *value = ht_jstr(worker, "%s", fields[i]);
        cr_assert(value && !strstr(body, value), "verification shows the worker's %s (%s): %s",
                  fields[i], value, body);
    }
    cr_assert(!strstr(body, "Lena"), "%s", body);
    cr_assert(!strstr(body, "1987"), "%s", body);
}

Test(verify, public_initials_only)
{
    json_t *worker = s_personal_worker();
    char *code = s_type("license", 24);
    char issued[16];
    snprintf(issued, sizeof issued, "%s", ht_days_ago(30));
    char *id = s_award_id(ht_jstr(worker, "id"), code, issued);
    ht_wait_holder(NODE, id, 5000);
    ht_resp resp = s_public_get(ht_fmt("/v1/verify/%s", id));
    cr_assert_eq(resp.status, 200, "verify without a token: %d %s", resp.status, resp.body);
    json_t *v = resp.json;
    cr_assert(json_is_true(ht_jget(v, "valid")), "%s", resp.body);
    cr_assert_str_eq(ht_jstr(v, "status"), "active");
    cr_assert_str_eq(ht_jstr(v, "credential.code"), code);
    cr_assert_str_eq(ht_jstr(v, "credential.name"), ht_fmt("Type %s", code));
    cr_assert_str_eq(ht_jstr(v, "credential.issuer"), "California Board of Testing");
    cr_assert_str_eq(ht_jstr(v, "issued_on"), issued);
    cr_assert_str_eq(ht_jstr(v, "expires_on"), ht_months_after(issued, 24));
    cr_assert_str_eq(ht_jstr(v, "holder"), "L. C.", "%s", resp.body);
    s_assert_private(resp.body, worker);
    ht_resp_free(&resp);

    /* an analyst may verify too, like anyone */
    json_t *analyst =
        ht_expect(NODE, 201, "POST", "/v1/tokens", "{\"role\":\"analyst\",\"name\":\"verifier\"}");
    json_t *reply = NULL;
    cr_assert_eq(ht_json_call(NODE, "GET", ht_fmt("/v1/verify/%s", id), ht_jstr(analyst, "token"),
                              NULL, &reply),
                 200);
    json_decref(reply);
    json_decref(analyst);

    resp = s_public_get("/v1/verify/" S_UNKNOWN_CREDENTIAL);
    ht_assert_error("verify an unknown id", resp.status, resp.json, 404, "not_found", NULL);
    ht_resp_free(&resp);
    json_decref(worker);
    free(code), free(id);
}

Test(verify, erased_worker_has_no_holder)
{
    json_t *worker = s_personal_worker();
    char *code = s_type("certificate", 0);
    char *id = s_award_id(ht_jstr(worker, "id"), code, ht_days_ago(150));
    ht_wait_holder(NODE, id, 5000);
    json_t *before = s_verify(id);
    cr_assert_str_eq(ht_jstr(before, "holder"), "L. C.", "%s", ht_jtext(before));
    json_decref(before);
    json_decref(
        ht_expect(NODE, 200, "DELETE", ht_fmt("/v1/workers/%s", ht_jstr(worker, "id")), NULL));
    /* credentialing learns of the erasure from enrollment's log */
    json_t *after = NULL;
    for (int64_t until = ht_now_ms() + 10000; ht_now_ms() < until; ht_sleep_ms(100)) {
        json_decref(after);
        after = s_verify(id);
        if (s_none(ht_jget(after, "holder")))
            break;
    }
    cr_assert(s_none(ht_jget(after, "holder")), "still a holder 10 s after erasure: %s",
              ht_jtext(after));
    cr_assert_str_eq(ht_jstr(after, "credential.code"), code, "%s", ht_jtext(after));
    s_assert_private(ht_jtext(after), worker);
    json_decref(after);
    json_decref(worker);
    free(code), free(id);
}

/* --- auth ------------------------------------------------------------------------ */

Test(auth, token_and_role_on_every_route)
{
    char *worker = ht_new_worker(NODE, "Auth", ht_uniq("Routes"));
    char *code = s_type("badge", 12);
    char *id = s_award_id(worker, code, ht_days_ago(90));
    const struct {
        const char *method, *path, *body;
    } routes[] = {
        {"POST", "/v1/competencies", "{\"code\":\"AUTH-X\",\"name\":\"x\"}"},
        {"GET", "/v1/competencies", NULL},
        {"POST", "/v1/credential-types",
         "{\"code\":\"AUTH-X\",\"name\":\"x\",\"kind\":\"badge\",\"issuer\":\"y\"}"},
        {"GET", "/v1/credential-types", NULL},
        {"GET", ht_fmt("/v1/credential-types/%s", code), NULL},
        {"POST", "/v1/credentials",
         ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"%s\",\"issued_on\":\"2026-01-01\"}",
                worker, code)},
        {"GET", ht_fmt("/v1/credentials?worker_id=%s", worker), NULL},
        {"GET", ht_fmt("/v1/credentials/%s", id), NULL},
        {"POST", ht_fmt("/v1/credentials/%s/revoke", id), "{\"reason\":\"x\"}"},
        {"GET", ht_fmt("/v1/credentials/%s/badge", id), NULL},
        {"POST", "/v1/prior-learning", ht_fmt("{\"worker_id\":\"%s\",\"evidence\":\"x\"}", worker)},
        {"GET", ht_fmt("/v1/prior-learning?worker_id=%s", worker), NULL},
        {"POST", "/v1/ladders",
         ht_fmt("{\"code\":\"AUTH-L\",\"name\":\"x\",\"rungs\":[\"%s\"]}", code)},
        {"GET", "/v1/ladders", NULL},
        {"GET", ht_fmt("/v1/workers/%s/ladders", worker), NULL},
    };
    json_t *analyst =
        ht_expect(NODE, 201, "POST", "/v1/tokens", "{\"role\":\"analyst\",\"name\":\"reports\"}");
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const char *what = ht_fmt("%s %s", routes[i].method, routes[i].path);
        json_t *reply = NULL;
        int status =
            ht_json_call(NODE, routes[i].method, routes[i].path, NULL, routes[i].body, &reply);
        ht_assert_error(ht_fmt("%s without a token", what), status, reply, 401, "unauthenticated",
                        NULL);
        json_decref(reply);
        status = ht_json_call(NODE, routes[i].method, routes[i].path, ht_jstr(analyst, "token"),
                              routes[i].body, &reply);
        ht_assert_error(ht_fmt("%s as analyst", what), status, reply, 403, "permission_denied",
                        NULL);
        json_decref(reply);
    }
    /* nothing of that was written */
    json_t *got = ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials/%s", id), NULL);
    cr_assert_str_eq(ht_jstr(got, "status"), "active", "%s", ht_jtext(got));
    s_get_error("AUTH-X was not created", "/v1/credential-types/AUTH-X", 404, "not_found", NULL);
    json_decref(got);
    json_decref(analyst);
    free(worker), free(code), free(id);
}

/* --- badges, checked without the node's code ----------------------------------------- */

/* Base58btc (Bitcoin alphabet) into out; the byte count, or -1. */
static int s_base58_decode(const char *text, uint8_t *out, size_t cap)
{
    static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    uint8_t num[256] = {0}; /* big-endian, the last `used` bytes in use */
    size_t used = 0, zeros = 0, len = strlen(text);
    while (zeros < len && text[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < len; i++) {
        const char *at = strchr(alphabet, text[i]);
        if (!at || !text[i])
            return -1;
        unsigned carry = (unsigned)(at - alphabet);
        for (size_t j = 0; j < used || carry; j++) {
            if (j == used) {
                if (used == sizeof num)
                    return -1;
                used++;
            }
            unsigned v = num[sizeof num - 1 - j] * 58u + carry;
            num[sizeof num - 1 - j] = (uint8_t)v;
            carry = v >> 8;
        }
    }
    if (zeros + used > cap)
        return -1;
    memset(out, 0, zeros);
    memcpy(out + zeros, num + sizeof num - used, used);
    return (int)(zeros + used);
}

/* RFC 8785 for what a badge holds (ASCII, no reals): sorted keys, no
   whitespace. */
static void s_sha256_canonical(const json_t *value, uint8_t out[32])
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    cr_assert(text);
    crypto_hash_sha256(out, (const uint8_t *)text, strlen(text));
    free(text);
}

/* The node's public key from DIR/signing.pub (multikey "z6Mk..."). */
static void s_node_public_key(uint8_t pk[32], char multikey[128])
{
    char *text = ht_read_file(ht_fmt("%s/signing.pub", NODE->dir), NULL);
    cr_assert(text, "no %s/signing.pub", NODE->dir);
    snprintf(multikey, 128, "%.*s", (int)strcspn(text, " \r\n"), text);
    free(text);
    uint8_t raw[64];
    cr_assert_eq(multikey[0], 'z', "not multibase base58btc: %s", multikey);
    cr_assert_eq(s_base58_decode(multikey + 1, raw, sizeof raw), 34, "%s", multikey);
    cr_assert(raw[0] == 0xed && raw[1] == 0x01, "not an ed25519-pub multicodec: %s", multikey);
    memcpy(pk, raw + 2, 32);
}

/* True when the eddsa-jcs-2022 proof of the badge text holds for pk. */
static bool s_badge_verifies(const char *text, const uint8_t pk[32])
{
    json_t *doc = json_loads(text, 0, NULL);
    if (!doc)
        return false;
    json_t *proof = json_deep_copy(json_object_get(doc, "proof"));
    const char *value = json_string_value(json_object_get(proof, "proofValue"));
    uint8_t sig[128];
    bool ok = value && value[0] == 'z' && s_base58_decode(value + 1, sig, sizeof sig) == 64;
    if (ok) {
        json_object_del(proof, "proofValue");
        json_object_del(doc, "proof");
        if (!json_object_get(proof, "@context"))
            json_object_set(proof, "@context", json_object_get(doc, "@context"));
        uint8_t hash[64];
        s_sha256_canonical(proof, hash);
        s_sha256_canonical(doc, hash + 32);
        ok = crypto_sign_verify_detached(sig, hash, sizeof hash, pk) == 0;
    }
    json_decref(proof);
    json_decref(doc);
    return ok;
}

static bool s_is_ascii(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p >= 0x80)
            return false;
    return true;
}

static bool s_has_real(const json_t *value)
{
    const char *key;
    size_t index;
    json_t *item;
    if (json_is_real(value))
        return true;
    bool found = false;
    if (json_is_object(value)) {
        json_object_foreach((json_t *)value, key, item)
        {
            found |= s_has_real(item);
        }
    }
    if (json_is_array(value)) {
        json_array_foreach(value, index, item)
        {
            found |= s_has_real(item);
        }
    }
    return found;
}

static bool s_array_has(json_t *array, const char *text)
{
    for (size_t i = 0; i < json_array_size(array); i++)
        if (json_is_string(json_array_get(array, i)) &&
            !strcmp(json_string_value(json_array_get(array, i)), text))
            return true;
    return false;
}

Test(badge, signed_open_badge_verifies_independently)
{
    cr_assert_neq(sodium_init(), -1);
    char *worker = ht_new_worker(NODE, "Badge", ht_uniq("Owner"));
    char *code = s_type("certification", 24);
    char *id = s_award_id(worker, code, ht_days_ago(20));
    ht_wait_holder(NODE, id, 5000);
    ht_req req = {
        .method = "GET", .path = ht_fmt("/v1/credentials/%s/badge", id), .token = NODE->token};
    ht_resp resp;
    cr_assert_eq(ht_http(NODE, &req, &resp), 200, "%s", resp.body);
    json_t *doc = resp.json;
    cr_assert(doc, "the badge is not JSON: %s", resp.body);
    char type[128];
    cr_assert(ht_resp_header(&resp, "Content-Type", type, sizeof type) && strstr(type, "json"),
              "%s", resp.head);
    cr_assert(s_is_ascii(resp.body) && !s_has_real(doc),
              "the independent check assumes ASCII and no reals: %s", resp.body);
    cr_assert(s_array_has(ht_jget(doc, "type"), "VerifiableCredential"), "%s", resp.body);
    cr_assert(s_array_has(ht_jget(doc, "type"), "OpenBadgeCredential"), "%s", resp.body);
    cr_assert(s_array_has(ht_jget(doc, "@context"), "https://www.w3.org/ns/credentials/v2"), "%s",
              resp.body);
    cr_assert(ht_jget(doc, "credentialSubject.achievement"), "%s", resp.body);
    cr_assert(ht_jget(doc, "issuer"), "%s", resp.body);
    cr_assert_str_eq(ht_jstr(doc, "proof.type"), "DataIntegrityProof");
    cr_assert_str_eq(ht_jstr(doc, "proof.cryptosuite"), "eddsa-jcs-2022");
    cr_assert_str_eq(ht_jstr(doc, "proof.proofPurpose"), "assertionMethod");

    uint8_t pk[32];
    char multikey[128];
    s_node_public_key(pk, multikey);
    cr_assert_str_eq(ht_jstr(doc, "proof.verificationMethod"),
                     ht_fmt("did:key:%s#%s", multikey, multikey));
    cr_assert(s_badge_verifies(resp.body, pk), "the signature does not hold: %s", resp.body);

    /* one changed byte inside the signed document breaks it */
    char *tampered = strdup(resp.body);
    char *at = strstr(tampered, code);
    cr_assert(at, "the badge does not name %s: %s", code, resp.body);
    at[0] = at[0] == 'C' ? 'D' : 'C';
    cr_assert(!s_badge_verifies(tampered, pk), "a changed byte still verifies");
    /* and another key does not verify the original */
    uint8_t other_pk[32], other_sk[64];
    crypto_sign_keypair(other_pk, other_sk);
    cr_assert(!s_badge_verifies(resp.body, other_pk), "verifies under another key");

    s_get_error("badge of an unknown credential", "/v1/credentials/" S_UNKNOWN_CREDENTIAL "/badge",
                404, "not_found", NULL);
    free(tampered);
    ht_resp_free(&resp);
    free(worker), free(code), free(id);
}

/* --- prior learning ---------------------------------------------------------------- */

Test(prior_learning, assess_awards_and_lists)
{
    char *worker = ht_new_worker(NODE, "Prior", ht_uniq("Learner"));
    char *competency = s_competency();
    char *code = s_type("certification", 24);
    json_t *made = ht_expect(NODE, 201, "POST", "/v1/prior-learning",
                             ht_fmt("{\"worker_id\":\"%s\",\"evidence\":\"out-of-state "
                                    "certificate and skills demonstration\","
                                    "\"competencies\":[\"%s\"],\"credential_code\":\"%s\","
                                    "\"ojl_credit_hours\":160.5,\"rti_credit_hours\":24,"
                                    "\"assessed_on\":\"2026-09-14\"}",
                                    worker, competency, code));
    const char *id = ht_jstr(made, "id");
    cr_assert(id && *id, "%s", ht_jtext(made));
    cr_assert_str_eq(ht_jstr(made, "worker_id"), worker);
    cr_assert_str_eq(ht_jstr(made, "competencies.0"), competency);
    cr_assert_str_eq(ht_jstr(made, "credential_code"), code);
    cr_assert_str_eq(ht_jstr(made, "assessed_on"), "2026-09-14");
    cr_assert_float_eq(json_number_value(ht_jget(made, "ojl_credit_hours")), 160.5, 1e-9);
    cr_assert_float_eq(json_number_value(ht_jget(made, "rti_credit_hours")), 24, 1e-9);
    const char *credential_id = ht_jstr(made, "credential_id");
    cr_assert(credential_id, "a credential_code awards a credential: %s", ht_jtext(made));

    json_t *credential =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/credentials/%s", credential_id), NULL);
    cr_assert_str_eq(ht_jstr(credential, "source"), "prior_learning", "%s", ht_jtext(credential));
    cr_assert_str_eq(ht_jstr(credential, "credential_code"), code);
    cr_assert_str_eq(ht_jstr(credential, "worker_id"), worker);
    cr_assert_str_eq(ht_jstr(credential, "prior_learning_id"), id);
    json_t *list =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/prior-learning?worker_id=%s", worker), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 1, "%s", ht_jtext(list));
    cr_assert(json_equal(ht_jget(list, "items.0"), made), "%s\n%s", ht_jtext(list), ht_jtext(made));
    json_decref(list);
    json_decref(credential);
    json_decref(made);
    free(worker), free(competency), free(code);
}

Test(prior_learning, errors)
{
    char *worker = ht_new_worker(NODE, "Prior", ht_uniq("Errors"));
    const char *path = "/v1/prior-learning";
    s_post_error("assess an unknown worker", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"evidence\":\"x\"}", S_UNKNOWN_WORKER), 404,
                 "not_found", "worker_id");
    s_post_error("assess without evidence", path, ht_fmt("{\"worker_id\":\"%s\"}", worker), 400,
                 "invalid_argument", "evidence");
    s_post_error("assess without worker_id", path, "{\"evidence\":\"x\"}", 400, "invalid_argument",
                 "worker_id");
    s_post_error("assess an unknown competency", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"evidence\":\"x\",\"competencies\":[\"%s\"]}",
                        worker, ht_uniq("NOPE-")),
                 404, "not_found", "competencies*");
    s_post_error("assess toward an unknown credential", path,
                 ht_fmt("{\"worker_id\":\"%s\",\"evidence\":\"x\",\"credential_code\":\"%s\"}",
                        worker, ht_uniq("NOPE-")),
                 404, "not_found", "credential_code");
    s_post_error(
        "assess with hours as text", path,
        ht_fmt("{\"worker_id\":\"%s\",\"evidence\":\"x\",\"ojl_credit_hours\":\"ten\"}", worker),
        400, "invalid_argument", "ojl_credit_hours");
    json_t *list =
        ht_expect(NODE, 200, "GET", ht_fmt("/v1/prior-learning?worker_id=%s", worker), NULL);
    cr_assert_eq(ht_jlen(list, "items"), 0, "a failed assessment wrote: %s", ht_jtext(list));
    json_decref(list);
    free(worker);
}

/* --- ladders and the profile -------------------------------------------------------- */

/* Three credential types and a ladder of them; codes[] malloc'd. */
static char *s_ladder(char *codes[3])
{
    for (int i = 0; i < 3; i++)
        codes[i] = s_type("license", 24);
    const char *code = ht_uniq("LAD-");
    json_t *made = ht_expect(NODE, 201, "POST", "/v1/ladders",
                             ht_fmt("{\"code\":\"%s\",\"name\":\"Nursing %s\","
                                    "\"rungs\":[\"%s\",\"%s\",\"%s\"]}",
                                    code, code, codes[0], codes[1], codes[2]));
    cr_assert_str_eq(ht_jstr(made, "code"), code, "%s", ht_jtext(made));
    cr_assert_eq(ht_jlen(made, "rungs"), 3);
    cr_assert_str_eq(ht_jstr(made, "rungs.0"), codes[0], "lowest first");
    cr_assert_str_eq(ht_jstr(made, "rungs.2"), codes[2]);
    json_decref(made);
    return strdup(code);
}

/* The worker's progress on ladder (new ref), asserting it is listed. */
static json_t *s_progress(json_t *list, const char *ladder)
{
    for (size_t i = 0; i < json_array_size(list); i++)
        if (!strcmp(json_string_value(json_object_get(json_array_get(list, i), "code")), ladder))
            return json_incref(json_array_get(list, i));
    cr_assert_fail("ladder %s not in %s", ladder, ht_jtext(list));
    return NULL;
}

Test(ladders, create_list_progress_and_errors)
{
    char *codes[3];
    char *ladder = s_ladder(codes);
    json_t *all = ht_expect(NODE, 200, "GET", "/v1/ladders?limit=500", NULL);
    json_t *listed = s_progress(ht_jget(all, "items"), ladder);
    json_decref(listed);
    json_decref(all);

    char *worker = ht_new_worker(NODE, "Climb", ht_uniq("Ladder"));
    const char *path = ht_fmt("/v1/workers/%s/ladders", worker);
    json_t *list = ht_expect(NODE, 200, "GET", path, NULL);
    json_t *p = s_progress(ht_jget(list, "items"), ladder);
    cr_assert(s_none(ht_jget(p, "highest_rung")), "holds nothing yet: %s", ht_jtext(p));
    cr_assert_str_eq(ht_jstr(p, "next"), codes[0], "%s", ht_jtext(p));
    json_decref(p), json_decref(list);

    char *first = s_award_id(worker, codes[0], ht_days_ago(400));
    char *second = s_award_id(worker, codes[1], ht_days_ago(100));
    list = ht_expect(NODE, 200, "GET", path, NULL);
    p = s_progress(ht_jget(list, "items"), ladder);
    cr_assert_eq(ht_jint(p, "highest_rung"), 2, "%s", ht_jtext(p));
    cr_assert_str_eq(ht_jstr(p, "highest"), codes[1]);
    cr_assert_str_eq(ht_jstr(p, "next"), codes[2]);
    json_decref(p), json_decref(list);

    s_post_error("ladder with an unknown rung", "/v1/ladders",
                 ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"rungs\":[\"%s\",\"%s\"]}",
                        ht_uniq("LAD-"), codes[0], ht_uniq("NOPE-")),
                 404, "not_found", "rungs*");
    s_post_error("ladder without rungs", "/v1/ladders",
                 ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"rungs\":[]}", ht_uniq("LAD-")), 400,
                 "invalid_argument", "rungs");
    s_post_error("ladder without name", "/v1/ladders",
                 ht_fmt("{\"code\":\"%s\",\"rungs\":[\"%s\"]}", ht_uniq("LAD-"), codes[0]), 400,
                 "invalid_argument", "name");
    s_post_error("ladder again", "/v1/ladders",
                 ht_fmt("{\"code\":\"%s\",\"name\":\"X\",\"rungs\":[\"%s\"]}", ladder, codes[0]),
                 409, "already_exists", NULL);
    free(first), free(second), free(worker), free(ladder);
    for (int i = 0; i < 3; i++)
        free(codes[i]);
}

Test(ladders, of_an_unknown_worker_is_404)
{
    s_get_error("ladders of an unknown worker", "/v1/workers/" S_UNKNOWN_WORKER "/ladders", 404,
                "not_found", NULL);
    s_get_error("prior learning without worker_id", "/v1/prior-learning", 400, "invalid_argument",
                "worker_id");
}

Test(profile, credentials_and_ladders)
{
    char *codes[3];
    char *ladder = s_ladder(codes);
    char *worker = ht_new_worker(NODE, "Prof", ht_uniq("Ile"));
    char *id = s_award_id(worker, codes[0], ht_days_ago(60));
    json_t *profile = ht_expect(NODE, 200, "GET", ht_fmt("/v1/workers/%s/profile", worker), NULL);
    cr_assert_eq(ht_jlen(profile, "unavailable"), 0, "%s", ht_jtext(profile));
    cr_assert_eq(ht_jlen(profile, "credentials"), 1, "%s", ht_jtext(profile));
    cr_assert_str_eq(ht_jstr(profile, "credentials.0.id"), id);
    cr_assert_str_eq(ht_jstr(profile, "credentials.0.credential_code"), codes[0]);
    json_t *p = s_progress(ht_jget(profile, "ladders"), ladder);
    cr_assert_eq(ht_jint(p, "highest_rung"), 1, "%s", ht_jtext(p));
    cr_assert_str_eq(ht_jstr(p, "highest"), codes[0]);
    cr_assert_str_eq(ht_jstr(p, "next"), codes[1]);
    json_decref(p);
    json_decref(profile);
    free(id), free(worker), free(ladder);
    for (int i = 0; i < 3; i++)
        free(codes[i]);
}

/* Polls a credentialing read until it answers 200 (bounded). */
static bool s_credentialing_back(int timeout_ms)
{
    for (int64_t until = ht_now_ms() + timeout_ms; ht_now_ms() < until; ht_sleep_ms(100)) {
        json_t *reply = NULL;
        int status = ht_json_get(NODE, "/v1/competencies?limit=1", &reply);
        json_decref(reply);
        if (status == 200)
            return true;
    }
    return false;
}

/* hcap-node is held (SIGSTOP) while credentialing is down, so it cannot
   restart it before the profile is asked for. */
Test(profile, answers_without_credentialing)
{
    char *worker = ht_new_worker(NODE, "Down", ht_uniq("Service"));
    char *code = s_type("license", 24);
    free(s_award_id(worker, code, ht_days_ago(60)));
    pid_t victim = ht_node_child(NODE, "hcap-credentialing");
    cr_assert_gt(victim, 0, "no hcap-credentialing for %s", NODE->dir);
    int stopped = kill(NODE->pid, SIGSTOP);
    int killed = stopped == 0 ? kill(victim, SIGKILL) : -1;
    for (int64_t until = ht_now_ms() + 5000; ht_now_ms() < until && ht_pid_alive(victim);)
        ht_sleep_ms(10);
    int64_t started = ht_now_ms();
    json_t *profile = NULL;
    int status =
        killed == 0 ? ht_json_get(NODE, ht_fmt("/v1/workers/%s/profile", worker), &profile) : 0;
    int64_t took = ht_now_ms() - started;
    kill(NODE->pid, SIGCONT);
    cr_assert(stopped == 0 && killed == 0, "could not stop the node or kill credentialing");
    cr_assert_eq(status, 200, "%s", ht_jtext(profile));
    cr_assert_str_eq(ht_jstr(profile, "worker.id"), worker, "%s", ht_jtext(profile));
    json_t *unavailable = ht_jget(profile, "unavailable");
    cr_assert(s_array_has(unavailable, "credentialing"), "%s", ht_jtext(profile));
    cr_assert(!s_array_has(unavailable, "enrollment"), "%s", ht_jtext(profile));
    cr_assert_eq(ht_jlen(profile, "credentials"), 0, "%s", ht_jtext(profile));
    cr_assert_lt(took, S_FANOUT_DEADLINE_MS + 1000, "the profile took %lld ms", (long long)took);
    cr_log_info("profile without credentialing: %lld ms", (long long)took);
    json_decref(profile);

    cr_assert(s_credentialing_back(30000), "credentialing did not come back");
    free(worker), free(code);
}
