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
                           "/",
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

/* Every rpc of the enrollment, credentialing and gateway services is
   reachable (but the internal credentialing.SweepExpired), every path
   parameter names a field of the rpc's input, and only Get/List (and
   Health, GetProfile) are reads. */
Test(gateway_routes, table_agrees_with_the_descriptors)
{
    const char *services[] = {"enrollment", "credentialing", "gateway"};
    for (size_t s = 0; s < 3; s++) {
        const ProtobufCServiceDescriptor *desc = gw_route_service(services[s]);
        cr_assert_not_null(desc);
        for (unsigned i = 0; i < desc->n_methods; i++) {
            const char *name = desc->methods[i].name;
            bool internal = strcmp(name, "SweepExpired") == 0;
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
                    strcmp(r->method, "Health") == 0;
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
    gw_route other = {"GET", "/x", NULL, NULL, 0, 0, NULL};
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

Test(gateway_routes, only_verification_and_health_need_no_token)
{
    size_t public_routes = 0;
    for (const gw_route *r = gw_route_table(); r->pattern; r++)
        if (r->flags & GW_ROUTE_PUBLIC) {
            public_routes++;
            cr_assert(strcmp(r->pattern, "/healthz") == 0 ||
                          strcmp(r->pattern, "/v1/verify/{id}") == 0,
                      "%s is public", r->pattern);
            cr_assert_str_eq(r->http_method, "GET");
        }
    cr_assert_eq(public_routes, 2);
    gw_match m;
    cr_assert(s_match_ok("GET", "/v1/verify/crd_01XYZ", &m)->flags & GW_ROUTE_READ);
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
