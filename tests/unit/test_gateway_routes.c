/* Tests for the gateway's route table: matching with path parameters, 404
   vs 405, odd paths, the frontend lookup and the table's consistency with
   the proto descriptors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "gateway_refs.h"
#include "gateway_routes.h"
#include "hc_auth.h"

static const gw_route *s_match_ok(const char *method, const char *path, gw_match *match)
{
    int rc = gw_route_match(method, path, match);
    cr_assert_eq(rc, GW_MATCH_OK, "%s %s: expected a match, got %d", method, path, rc);
    return match->route;
}

Test(gateway_routes, literal_paths_map_to_their_rpc)
{
    gw_match m;
    const gw_route *r = s_match_ok("POST", "/v1/workers", &m);
    cr_assert_str_eq(r->service, "enrollment");
    cr_assert_str_eq(r->method, "CreateWorker");
    cr_assert(r->flags & GW_ROUTE_CREATE);
    cr_assert_eq(m.n_params, 0);
    r = s_match_ok("GET", "/v1/workers", &m);
    cr_assert_str_eq(r->method, "ListWorkers");
    cr_assert(r->flags & GW_ROUTE_LIST);
    r = s_match_ok("POST", "/v1/imports/workers", &m);
    cr_assert_str_eq(r->method, "ImportWorkers");
    cr_assert(r->flags & GW_ROUTE_RAW_CSV);
    r = s_match_ok("GET", "/healthz", &m);
    cr_assert_str_eq(r->service, "gateway");
    cr_assert_str_eq(r->method, "Health");
    cr_assert(r->flags & GW_ROUTE_PUBLIC);
    r = s_match_ok("POST", "/v1/tokens", &m);
    cr_assert_str_eq(r->method, "CreateToken");
    cr_assert_eq(r->roles, HC_ROLE_BIT_ADMIN, "only admin may mint tokens");
}

Test(gateway_routes, path_parameters_are_captured_by_field_name)
{
    gw_match m;
    const gw_route *r = s_match_ok("GET", "/v1/workers/wkr_01ABC", &m);
    cr_assert_str_eq(r->method, "GetWorker");
    cr_assert_eq(m.n_params, 1);
    cr_assert_str_eq(m.params[0].name, "id");
    cr_assert_str_eq(m.params[0].value, "wkr_01ABC");

    r = s_match_ok("POST", "/v1/workers/wkr_9/employment", &m);
    cr_assert_str_eq(r->method, "RecordEmployment");
    cr_assert_str_eq(m.params[0].name, "id");
    cr_assert_str_eq(m.params[0].value, "wkr_9");

    r = s_match_ok("GET", "/v1/workers/wkr_9/employment", &m);
    cr_assert_str_eq(r->method, "ListEmployment");
    cr_assert_str_eq(m.params[0].name, "worker_id");

    r = s_match_ok("GET", "/v1/workers/wkr_9/profile", &m);
    cr_assert_str_eq(r->service, "gateway");
    cr_assert_str_eq(r->method, "GetProfile");

    r = s_match_ok("POST", "/v1/enrollments/enr_1/status", &m);
    cr_assert_str_eq(r->method, "ChangeEnrollmentStatus");
    cr_assert_str_eq(m.params[0].value, "enr_1");

    r = s_match_ok("POST", "/v1/tuition-claims/tcl_2/decision", &m);
    cr_assert_str_eq(r->method, "DecideTuitionClaim");
    r = s_match_ok("PATCH", "/v1/workers/w", &m);
    cr_assert_str_eq(r->method, "UpdateWorker");
    r = s_match_ok("DELETE", "/v1/workers/w", &m);
    cr_assert_str_eq(r->method, "EraseWorker");
}

Test(gateway_routes, known_path_with_another_method_is_405_with_allow)
{
    gw_match m;
    cr_assert_eq(gw_route_match("PUT", "/v1/workers", &m), GW_MATCH_NO_METHOD);
    cr_assert_str_eq(m.allow, "POST, GET");
    cr_assert_null(m.route);
    cr_assert_eq(gw_route_match("POST", "/v1/workers/w1", &m), GW_MATCH_NO_METHOD);
    cr_assert_not_null(strstr(m.allow, "PATCH"));
    cr_assert_not_null(strstr(m.allow, "DELETE"));
    cr_assert_eq(gw_route_match("BREW", "/healthz", &m), GW_MATCH_NO_METHOD);
    cr_assert_eq(gw_route_match("get", "/healthz", &m), GW_MATCH_NO_METHOD,
                 "methods are case-sensitive");
}

Test(gateway_routes, unknown_and_odd_paths_are_404)
{
    gw_match m;
    const char *paths[] = {"",
                           "//",
                           "/assets",
                           "/assets/",
                           "/assets/a/b",
                           "/v1",
                           "/v1/",
                           "/v1/workers/",
                           "//v1/workers",
                           "/v1/workers//profile",
                           "/v1/workers/a/b/c",
                           "/v1/nothing",
                           "v1/workers",
                           "/healthz/",
                           "/v1/workers/\xff\xfe/profile/x",
                           "/v1/\xc3\x28"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        cr_assert_eq(gw_route_match("GET", paths[i], &m), GW_MATCH_NO_PATH, "path %zu", i);
    cr_assert_eq(gw_route_match(NULL, "/healthz", &m), GW_MATCH_NO_PATH);
    cr_assert_eq(gw_route_match("GET", NULL, &m), GW_MATCH_NO_PATH);
}

Test(gateway_routes, odd_bytes_in_a_parameter_are_kept_verbatim)
{
    gw_match m;
    s_match_ok("GET", "/v1/workers/\xff\xfe", &m);
    cr_assert_str_eq(m.params[0].value, "\xff\xfe");
    char long_path[600] = "/v1/workers/";
    memset(long_path + strlen(long_path), 'a', 400);
    long_path[12 + 400] = '\0';
    cr_assert_eq(gw_route_match("GET", long_path, &m), GW_MATCH_NO_PATH,
                 "a segment longer than a parameter holds does not match");
}

Test(gateway_routes, frontend_finds_routes_by_service_and_method)
{
    const gw_route *r = gw_route_find("enrollment", "ListEnrollments");
    cr_assert_not_null(r);
    cr_assert(r->flags & GW_ROUTE_READ);
    cr_assert_not_null(gw_route_find("gateway", "Health"));
    cr_assert_null(gw_route_find("enrollment", "DropTables"));
    cr_assert_null(gw_route_find("nosuch", "GetWorker"));
    cr_assert_null(gw_route_find(NULL, NULL));
}

/* Every rpc of the enrollment, credentialing, apprenticeship and gateway
   services is reachable (but the internal ones, run by timers, followers
   and the profile's fan-out), every path parameter names a field of the rpc's input, and
   only Get/List/Export (and Health, GetProfile) are reads. */
Test(gateway_routes, table_agrees_with_the_descriptors)
{
    const char *services[] = {"enrollment", "credentialing", "apprenticeship", "gateway"};
    for (size_t s = 0; s < 4; s++) {
        const ProtobufCServiceDescriptor *desc = gw_route_service(services[s]);
        cr_assert_not_null(desc, "%s", services[s]);
        for (unsigned i = 0; i < desc->n_methods; i++) {
            const char *name = desc->methods[i].name;
            bool internal =
                strcmp(name, "SweepExpired") == 0 || strcmp(name, "ApplyPriorCredit") == 0 ||
                strcmp(name, "AwardCompletion") == 0 || strcmp(name, "GetWorkerProfile") == 0 ||
                strcmp(name, "GetCredentialProfile") == 0;
            cr_assert_eq(gw_route_find(services[s], name) != NULL, !internal, "%s.%s: %s",
                         services[s], name, internal ? "internal, must stay unrouted" : "no route");
        }
    }
    for (const gw_route *r = gw_route_table(); r->pattern; r++) {
        if (!r->service)
            continue;
        const ProtobufCMethodDescriptor *rpc = gw_route_rpc(r->service, r->method);
        cr_assert_not_null(rpc, "%s.%s", r->service, r->method);
        bool read = strncmp(r->method, "Get", 3) == 0 || strncmp(r->method, "List", 4) == 0 ||
                    strncmp(r->method, "Export", 6) == 0 || strcmp(r->method, "Health") == 0;
        cr_assert_eq(read, (r->flags & GW_ROUTE_READ) != 0, "%s read flag", r->method);
        for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
            char name[64];
            size_t length = (size_t)(strchr(p, '}') - p - 1);
            snprintf(name, sizeof name, "%.*s", (int)length, p + 1);
            cr_assert_not_null(protobuf_c_message_descriptor_get_field_by_name(rpc->input, name),
                               "%s: no field %s in %s", r->pattern, name, rpc->input->name);
        }
        if (!(r->flags & GW_ROUTE_PUBLIC))
            cr_assert(r->roles & HC_ROLE_BIT_ADMIN, "%s: admin may do everything", r->pattern);
    }
}

Test(gateway_routes, labels_name_method_and_pattern)
{
    gw_match m;
    s_match_ok("GET", "/v1/workers/x", &m);
    cr_assert_str_eq(gw_route_label(m.route), "GET /v1/workers/{id}");
    cr_assert_str_eq(gw_route_label(NULL), "unmatched");
    gw_route other = {"GET", "/x", NULL, NULL, 0, 0, NULL, NULL};
    cr_assert_str_eq(gw_route_label(&other), "unmatched");
}

Test(gateway_routes, credentialing_routes_map_to_their_rpc)
{
    const struct {
        const char *method, *path, *rpc;
        unsigned flags;
        const char *param, *value;
    } cases[] = {
        {"POST", "/v1/competencies", "CreateCompetency", GW_ROUTE_CREATE, NULL, NULL},
        {"GET", "/v1/competencies", "ListCompetencies", GW_ROUTE_LIST, NULL, NULL},
        {"POST", "/v1/credential-types", "CreateCredentialType", GW_ROUTE_CREATE, NULL, NULL},
        {"GET", "/v1/credential-types", "ListCredentialTypes", GW_ROUTE_LIST, NULL, NULL},
        {"GET", "/v1/credential-types/CNA", "GetCredentialType", GW_ROUTE_READ, "id", "CNA"},
        {"POST", "/v1/credentials", "AwardCredential", GW_ROUTE_CREATE, NULL, NULL},
        {"GET", "/v1/credentials", "ListCredentials", GW_ROUTE_LIST, NULL, NULL},
        {"GET", "/v1/credentials/crd_1", "GetCredential", GW_ROUTE_READ, "id", "crd_1"},
        {"POST", "/v1/credentials/crd_1/revoke", "RevokeCredential", 0, "id", "crd_1"},
        {"GET", "/v1/credentials/crd_1/badge", "GetBadge", GW_ROUTE_RAW_JSON, "id", "crd_1"},
        {"GET", "/v1/verify/crd_1", "GetVerification", GW_ROUTE_PUBLIC, "id", "crd_1"},
        {"POST", "/v1/prior-learning", "AssessPriorLearning", GW_ROUTE_CREATE, NULL, NULL},
        {"GET", "/v1/prior-learning", "ListPriorLearning", GW_ROUTE_LIST, NULL, NULL},
        {"POST", "/v1/ladders", "CreateLadder", GW_ROUTE_CREATE, NULL, NULL},
        {"GET", "/v1/ladders", "ListLadders", GW_ROUTE_LIST, NULL, NULL},
        {"GET", "/v1/workers/w1/ladders", "ListWorkerLadders", GW_ROUTE_LIST, "worker_id", "w1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gw_match m;
        const gw_route *r = s_match_ok(cases[i].method, cases[i].path, &m);
        cr_assert_str_eq(r->service, "credentialing", "%s", cases[i].path);
        cr_assert_str_eq(r->method, cases[i].rpc, "%s %s", cases[i].method, cases[i].path);
        cr_assert_eq(r->flags & cases[i].flags, cases[i].flags, "%s flags", cases[i].rpc);
        if (cases[i].param) {
            cr_assert_eq(m.n_params, 1);
            cr_assert_str_eq(m.params[0].name, cases[i].param);
            cr_assert_str_eq(m.params[0].value, cases[i].value);
        }
        if (!(r->flags & GW_ROUTE_PUBLIC))
            cr_assert_eq(r->roles, HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF, "%s: fund roles",
                         cases[i].rpc);
    }
    cr_assert_null(gw_route_find("credentialing", "SweepExpired"), "internal, not callable");
    cr_assert_eq(gw_route_match("DELETE", "/v1/verify/x", &(gw_match){0}), GW_MATCH_NO_METHOD);
}

Test(gateway_routes, only_verification_health_and_the_dashboard_need_no_token)
{
    size_t public_routes = 0;
    for (const gw_route *r = gw_route_table(); r->pattern; r++)
        if (r->flags & GW_ROUTE_PUBLIC) {
            public_routes++;
            cr_assert(strcmp(r->pattern, "/healthz") == 0 ||
                          strcmp(r->pattern, "/v1/verify/{id}") == 0 ||
                          ((r->flags & GW_ROUTE_STATIC) && !r->service),
                      "%s is public", r->pattern);
            cr_assert_str_eq(r->http_method, "GET");
        }
    cr_assert_eq(public_routes, 4);
    gw_match m;
    cr_assert(s_match_ok("GET", "/v1/verify/crd_01XYZ", &m)->flags & GW_ROUTE_READ);
    cr_assert(s_match_ok("GET", "/", &m)->flags & GW_ROUTE_STATIC);
    cr_assert_str_eq(s_match_ok("GET", "/assets/app.js", &m)->pattern, "/assets/{file}");
    cr_assert_str_eq(m.params[0].value, "app.js");
}

Test(gateway_routes, reference_checks_are_declared_on_the_awarding_routes)
{
    char problem[256] = "";
    cr_assert(gw_refs_check_table(problem, sizeof problem), "%s", problem);
    cr_assert_str_eq(gw_route_find("credentialing", "AwardCredential")->refs, "worker_id");
    cr_assert_str_eq(gw_route_find("credentialing", "AssessPriorLearning")->refs, "worker_id");
    cr_assert_null(gw_route_find("credentialing", "ListCredentials")->refs,
                   "a filter is not a reference: an unknown worker lists nothing");
    cr_assert_str_eq(gw_route_find("credentialing", "ListWorkerLadders")->refs, "worker_id",
                     "an unknown worker in the path is a 404");
    cr_assert_str_eq(gw_route_find("credentialing", "ListPriorLearning")->refs, "worker_id",
                     "a list by worker 404s for an unknown worker, as enrollment's do");
    const gw_ref *worker = gw_refs_find("worker_id");
    cr_assert_not_null(worker);
    cr_assert_str_eq(worker->service, "enrollment");
    cr_assert_str_eq(worker->method, "GetWorker");
    const gw_ref *employer = gw_refs_find("employer_id");
    cr_assert_not_null(employer);
    cr_assert_str_eq(employer->method, "GetEmployer");
    cr_assert_null(gw_refs_find("cohort_id"));
    cr_assert_null(gw_refs_find(NULL));
}

Test(gateway_routes, apprenticeship_routes_map_to_their_rpc_and_roles)
{
    const unsigned fund = HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF;
    const unsigned appr = fund | HC_ROLE_BIT_MENTOR;
    const struct {
        const char *method, *path, *rpc;
        unsigned flags, roles;
        const char *refs;
    } cases[] = {
        {"POST", "/v1/apprenticeship-programs", "CreateApprenticeshipProgram", GW_ROUTE_CREATE,
         fund, "completion_credential_code competencies"},
        {"GET", "/v1/apprenticeship-programs", "ListApprenticeshipPrograms", GW_ROUTE_LIST, appr,
         NULL},
        {"GET", "/v1/apprenticeship-programs/CHW-APP", "GetApprenticeshipProgram", GW_ROUTE_READ,
         appr, NULL},
        {"POST", "/v1/apprentices", "RegisterApprentice", GW_ROUTE_CREATE, fund,
         "worker_id employer_id"},
        {"GET", "/v1/apprentices", "ListApprentices", GW_ROUTE_LIST, appr, NULL},
        {"GET", "/v1/apprentices/apr_1", "GetApprentice", GW_ROUTE_READ, appr, NULL},
        {"POST", "/v1/apprentices/apr_1/hours", "LogHours", 0, appr, NULL},
        {"GET", "/v1/apprentices/apr_1/hours", "ListHours", GW_ROUTE_LIST, appr, NULL},
        {"POST", "/v1/apprentices/apr_1/signoffs", "SignOff", 0, appr, NULL},
        {"POST", "/v1/apprentices/apr_1/status", "ChangeApprenticeStatus", 0, fund, NULL},
        {"POST", "/v1/imports/apprentice-hours", "ImportHours", GW_ROUTE_RAW_CSV | GW_ROUTE_REJECTS,
         appr, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gw_match m;
        const gw_route *r = s_match_ok(cases[i].method, cases[i].path, &m);
        cr_assert_str_eq(r->service, "apprenticeship", "%s", cases[i].path);
        cr_assert_str_eq(r->method, cases[i].rpc, "%s %s", cases[i].method, cases[i].path);
        cr_assert_eq(r->flags & cases[i].flags, cases[i].flags, "%s flags", cases[i].rpc);
        cr_assert_eq(r->flags & GW_ROUTE_CREATE, cases[i].flags & GW_ROUTE_CREATE, "%s 201",
                     cases[i].rpc);
        cr_assert_eq(r->roles, cases[i].roles, "%s roles", cases[i].rpc);
        if (cases[i].refs)
            cr_assert_str_eq(r->refs, cases[i].refs, "%s refs", cases[i].rpc);
        else
            cr_assert_null(r->refs, "%s refs", cases[i].rpc);
        if (strchr(cases[i].path + 4, '_')) {
            cr_assert_eq(m.n_params, 1);
            cr_assert_str_eq(m.params[0].name, "id");
            cr_assert_str_eq(m.params[0].value, "apr_1");
        }
    }
    gw_match m;
    const gw_route *r = s_match_ok("GET", "/v1/competencies/OUTREACH", &m);
    cr_assert_str_eq(r->service, "credentialing");
    cr_assert_str_eq(r->method, "GetCompetency");
    cr_assert_str_eq(m.params[0].value, "OUTREACH");
    cr_assert_eq(gw_route_match("DELETE", "/v1/apprentices/apr_1", &m), GW_MATCH_NO_METHOD);
    cr_assert_str_eq(m.allow, "GET");
}

/* GET /v1/session: every role may ask who its own token is. */
static bool s_own_session(const gw_route *r)
{
    return r->service && strcmp(r->service, "gateway") == 0 && strcmp(r->method, "GetSession") == 0;
}

/* A mentor works with apprentices only: no worker record, no profile. */
Test(gateway_routes, mentor_reaches_apprentices_but_no_worker_records)
{
    size_t mentor_routes = 0;
    for (const gw_route *r = gw_route_table(); r->pattern; r++) {
        if (!(r->roles & HC_ROLE_BIT_MENTOR) || (r->flags & GW_ROUTE_PUBLIC) || s_own_session(r))
            continue;
        mentor_routes++;
        cr_assert_str_eq(r->service, "apprenticeship", "mentor may call %s.%s", r->service,
                         r->method);
        cr_assert(strcmp(r->method, "RegisterApprentice") != 0 &&
                      strcmp(r->method, "ChangeApprenticeStatus") != 0 &&
                      strcmp(r->method, "CreateApprenticeshipProgram") != 0 &&
                      strcmp(r->method, "ExportApprentices") != 0,
                  "mentor may call %s", r->method);
    }
    cr_assert_eq(mentor_routes, 8);
    gw_match m;
    cr_assert_eq(s_match_ok("GET", "/v1/workers/w1", &m)->roles & HC_ROLE_BIT_MENTOR, 0);
    cr_assert_eq(s_match_ok("GET", "/v1/workers/w1/profile", &m)->roles & HC_ROLE_BIT_MENTOR, 0);
}

/* GET /v1/apprentices?format=csv is the RAPIDS export: a route the
   frontend reaches by name, not HTTP, with the list's input type. */
Test(gateway_routes, csv_method_names_a_frontend_route_of_the_same_input)
{
    size_t with_csv = 0;
    for (const gw_route *r = gw_route_table(); r->pattern; r++) {
        if (!r->csv_method)
            continue;
        with_csv++;
        cr_assert(r->flags & GW_ROUTE_LIST, "%s: CSV needs a list route", r->pattern);
        const gw_route *target = gw_route_find(r->service, r->csv_method);
        cr_assert_not_null(target, "%s.%s has no route", r->service, r->csv_method);
        cr_assert(target->flags & GW_ROUTE_LIST);
        cr_assert_eq(gw_route_rpc(target->service, target->method)->input,
                     gw_route_rpc(r->service, r->method)->input, "%s: same input type",
                     r->csv_method);
    }
    cr_assert_eq(with_csv, 1);
    gw_match m;
    const gw_route *list = s_match_ok("GET", "/v1/apprentices", &m);
    cr_assert_str_eq(list->csv_method, "ExportApprentices");
    const gw_route *export = gw_route_find("apprenticeship", "ExportApprentices");
    cr_assert_not_null(export);
    cr_assert_null(export->http_method, "reachable from the frontend only");
    cr_assert_eq(export->roles, HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF);
    cr_assert_str_eq(gw_route_label(export), "ZMQ /v1/apprentices");
    cr_assert_eq(gw_route_match("GET", "/v1/apprentices", &m), GW_MATCH_OK);
    cr_assert_eq(m.route, list, "HTTP never matches the frontend-only row");
}

Test(gateway_routes, apprenticeship_references_are_checked_with_credentialing)
{
    const gw_ref *code = gw_refs_find("completion_credential_code");
    cr_assert_not_null(code);
    cr_assert_str_eq(code->service, "credentialing");
    cr_assert_str_eq(code->method, "GetCredentialType");
    const gw_ref *competencies = gw_refs_find("competencies");
    cr_assert_not_null(competencies);
    cr_assert_str_eq(competencies->method, "GetCompetency");
    char problem[256] = "";
    cr_assert(gw_refs_check_table(problem, sizeof problem), "%s", problem);
}

/* The reporting service: every rpc routed; analysts read the four reports
   and nothing else; staff and admin read grants, status and dead letters;
   only admin rebuilds and retries; mentors reach none of it. */
Test(gateway_routes, reporting_routes_map_to_their_rpc_and_roles)
{
    const unsigned fund = HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF;
    const unsigned report = fund | HC_ROLE_BIT_ANALYST;
    const struct {
        const char *method, *path, *rpc;
        unsigned flags, roles;
    } cases[] = {
        {"POST", "/v1/grants", "CreateGrant", GW_ROUTE_CREATE, fund},
        {"GET", "/v1/grants", "ListGrants", GW_ROUTE_LIST, fund},
        {"GET", "/v1/grants/SEIU-CC", "GetGrant", GW_ROUTE_READ, fund},
        {"GET", "/v1/reports/grants/SEIU-CC", "GetGrantReport", GW_ROUTE_LIST, report},
        {"GET", "/v1/reports/outcomes", "GetOutcomes", GW_ROUTE_LIST, report},
        {"GET", "/v1/reports/apprenticeship", "GetApprenticeshipReport", GW_ROUTE_LIST, report},
        {"GET", "/v1/reports/indicators", "GetIndicators", GW_ROUTE_LIST, report},
        {"GET", "/v1/reports/status", "GetStatus", GW_ROUTE_READ, fund},
        {"POST", "/v1/reports/rebuild", "Rebuild", 0, HC_ROLE_BIT_ADMIN},
        {"GET", "/v1/events/dead", "ListDeadLetters", GW_ROUTE_LIST | GW_ROUTE_BY_SERVICE, fund},
        {"POST", "/v1/events/dead/retry", "RetryDeadLetters", GW_ROUTE_BY_SERVICE,
         HC_ROLE_BIT_ADMIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gw_match m;
        const gw_route *r = s_match_ok(cases[i].method, cases[i].path, &m);
        cr_assert_str_eq(r->service, "reporting", "%s", cases[i].path);
        cr_assert_str_eq(r->method, cases[i].rpc, "%s %s", cases[i].method, cases[i].path);
        cr_assert_eq(r->flags & cases[i].flags, cases[i].flags, "%s flags", cases[i].rpc);
        cr_assert_eq(r->flags & GW_ROUTE_CREATE, cases[i].flags & GW_ROUTE_CREATE, "%s 201",
                     cases[i].rpc);
        cr_assert_eq(r->roles, cases[i].roles, "%s roles", cases[i].rpc);
        cr_assert_null(r->refs, "%s: the service checks its own codes", cases[i].rpc);
        if (strstr(cases[i].path, "SEIU-CC")) {
            cr_assert_eq(m.n_params, 1);
            cr_assert_str_eq(m.params[0].name, "id", "the grant's code is GetRequest.id");
            cr_assert_str_eq(m.params[0].value, "SEIU-CC");
        }
    }
    const ProtobufCServiceDescriptor *desc = gw_route_service("reporting");
    cr_assert_not_null(desc);
    for (unsigned i = 0; i < desc->n_methods; i++)
        cr_assert_not_null(gw_route_find("reporting", desc->methods[i].name), "%s unrouted",
                           desc->methods[i].name);
    size_t analyst_routes = 0;
    for (const gw_route *r = gw_route_table(); r->pattern; r++) {
        if (!(r->roles & HC_ROLE_BIT_ANALYST) || (r->flags & GW_ROUTE_PUBLIC) || s_own_session(r))
            continue;
        analyst_routes++;
        cr_assert(r->http_method && strcmp(r->http_method, "GET") == 0 &&
                      (strncmp(r->pattern, "/v1/reports/", 12) == 0 ||
                       strcmp(r->pattern, "/v1/nodes") == 0),
                  "analyst may call %s.%s", r->service, r->method);
        if (r->service && strcmp(r->service, "reporting") == 0)
            cr_assert_eq(r->roles & HC_ROLE_BIT_MENTOR, 0, "mentor may read %s", r->method);
    }
    cr_assert_eq(analyst_routes, 5, "the four reports and central's nodes");
    for (const gw_route *r = gw_route_table(); r->pattern; r++)
        if (r->service && strcmp(r->service, "reporting") == 0)
            cr_assert_eq(r->roles & HC_ROLE_BIT_MENTOR, 0, "mentor may call %s", r->method);
}

/* The dead letters of each following service share one path; ?service=
   picks the row, whose roles apply. */
Test(gateway_routes, dead_letters_route_to_the_service_asked_for)
{
    const char *services[] = {"reporting", "credentialing", "apprenticeship", "uplink"};
    const char *paths[] = {"/v1/events/dead", "/v1/events/dead/retry"};
    const char *methods[] = {"GET", "POST"};
    for (size_t p = 0; p < 2; p++) {
        gw_match m;
        const gw_route *base = s_match_ok(methods[p], paths[p], &m);
        cr_assert_eq(gw_route_for_service(base, NULL), base, "no ?service=: reporting's");
        cr_assert_eq(gw_route_for_service(base, ""), base);
        for (size_t s = 0; s < 4; s++) {
            const gw_route *r = gw_route_for_service(base, services[s]);
            cr_assert_not_null(r, "%s %s", paths[p], services[s]);
            cr_assert_str_eq(r->service, services[s]);
            cr_assert_str_eq(r->method, base->method);
            cr_assert_eq(r->roles, base->roles, "%s: same roles", services[s]);
            cr_assert_eq(gw_route_find(services[s], base->method), r, "the frontend reaches %s.%s",
                         services[s], base->method);
        }
        cr_assert_null(gw_route_for_service(base, "enrollment"), "enrollment follows no log");
        cr_assert_null(gw_route_for_service(base, "gateway"));
    }
    gw_match m;
    cr_assert_null(gw_route_for_service(s_match_ok("GET", "/v1/workers", &m), "reporting"),
                   "only a by-service route picks another service");
}

/* Federation: central's nodes for whoever reads reports, a region's uplink
   for the fund's staff; both methods of their services are known to the
   gateway, with every rpc of the two services routed. */
Test(gateway_routes, federation_routes_map_to_their_rpc_and_roles)
{
    gw_match m;
    const gw_route *r = s_match_ok("GET", "/v1/nodes", &m);
    cr_assert_str_eq(r->service, "central");
    cr_assert_str_eq(r->method, "ListNodes");
    cr_assert_eq(r->roles, HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF | HC_ROLE_BIT_ANALYST);
    cr_assert(r->flags & GW_ROUTE_LIST, "paged like every list");
    cr_assert_not_null(gw_route_rpc("central", "ListNodes"));

    r = s_match_ok("GET", "/v1/uplink", &m);
    cr_assert_str_eq(r->service, "uplink");
    cr_assert_str_eq(r->method, "GetStatus");
    cr_assert_eq(r->roles, HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF, "no analyst, no mentor");
    cr_assert(r->flags & GW_ROUTE_READ);
    cr_assert_eq(gw_route_match("POST", "/v1/nodes", &m), GW_MATCH_NO_METHOD);

    const char *services[] = {"central", "uplink"};
    for (size_t s = 0; s < 2; s++) {
        const ProtobufCServiceDescriptor *desc = gw_route_service(services[s]);
        cr_assert_not_null(desc, "%s", services[s]);
        for (unsigned i = 0; i < desc->n_methods; i++)
            cr_assert_not_null(gw_route_find(services[s], desc->methods[i].name), "%s.%s unrouted",
                               services[s], desc->methods[i].name);
    }
}
