/* gateway_routes: the route table (HTTP and frontend), path matching with
   {name} parameters and the service descriptors the gateway knows. */
#include "gateway_routes.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "apprenticeship.pb-c.h"
#include "credentialing.pb-c.h"
#include "enrollment.pb-c.h"
#include "federation.pb-c.h"
#include "gateway.pb-c.h"
#include "hc_auth.h"
#include "reporting.pb-c.h"

#define S_FUND (HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF)
/* Mentors read programs and apprentices, log and import hours and sign
   off; everything else about apprentices is the fund's. */
#define S_APPR  (HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF | HC_ROLE_BIT_MENTOR)
#define S_ADMIN HC_ROLE_BIT_ADMIN
/* Analysts read the reports (suppressed by the reporting service from the
   principal's role) and, at central, the list of nodes; nothing else. */
#define S_REPORT (HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF | HC_ROLE_BIT_ANALYST)
#define S_ANY    (HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF | HC_ROLE_BIT_MENTOR | HC_ROLE_BIT_ANALYST)
#define S_READ   GW_ROUTE_READ
#define S_LIST   (GW_ROUTE_READ | GW_ROUTE_LIST)
#define S_NEW    GW_ROUTE_CREATE
#define S_BY     GW_ROUTE_BY_SERVICE

/* A path whose segments are all literal must come before a parameterised
   pattern of the same shape: the first match wins. */
static const gw_route s_routes[] = {
    {"POST", "/v1/employers", "enrollment", "CreateEmployer", S_FUND, S_NEW, NULL, NULL},
    {"GET", "/v1/employers", "enrollment", "ListEmployers", S_FUND, S_LIST, NULL, NULL},
    {"GET", "/v1/employers/{id}", "enrollment", "GetEmployer", S_FUND, S_READ, NULL, NULL},
    {"POST", "/v1/workers", "enrollment", "CreateWorker", S_FUND, S_NEW, NULL, NULL},
    {"GET", "/v1/workers", "enrollment", "ListWorkers", S_FUND, S_LIST, NULL, NULL},
    {"GET", "/v1/workers/{id}", "enrollment", "GetWorker", S_FUND, S_READ, NULL, NULL},
    {"PATCH", "/v1/workers/{id}", "enrollment", "UpdateWorker", S_FUND, 0, NULL, NULL},
    {"DELETE", "/v1/workers/{id}", "enrollment", "EraseWorker", S_FUND, GW_ROUTE_ERASES, NULL,
     NULL},
    {"POST", "/v1/workers/{id}/employment", "enrollment", "RecordEmployment", S_FUND, S_NEW, NULL,
     NULL},
    {"GET", "/v1/workers/{worker_id}/employment", "enrollment", "ListEmployment", S_FUND, S_LIST,
     NULL, NULL},
    {"GET", "/v1/workers/{id}/profile", "gateway", "GetProfile", S_FUND, S_READ, NULL, NULL},
    {"POST", "/v1/programs", "enrollment", "CreateProgram", S_FUND, S_NEW, NULL, NULL},
    {"GET", "/v1/programs", "enrollment", "ListPrograms", S_FUND, S_LIST, NULL, NULL},
    {"GET", "/v1/programs/{id}", "enrollment", "GetProgram", S_FUND, S_READ, NULL, NULL},
    {"POST", "/v1/cohorts", "enrollment", "CreateCohort", S_FUND, S_NEW, NULL, NULL},
    {"GET", "/v1/cohorts", "enrollment", "ListCohorts", S_FUND, S_LIST, NULL, NULL},
    {"GET", "/v1/cohorts/{id}", "enrollment", "GetCohort", S_FUND, S_READ, NULL, NULL},
    {"POST", "/v1/enrollments", "enrollment", "CreateEnrollment", S_FUND, S_NEW, NULL, NULL},
    {"GET", "/v1/enrollments", "enrollment", "ListEnrollments", S_FUND, S_LIST, NULL, NULL},
    {"GET", "/v1/enrollments/{id}", "enrollment", "GetEnrollment", S_FUND, S_READ, NULL, NULL},
    {"POST", "/v1/enrollments/{id}/status", "enrollment", "ChangeEnrollmentStatus", S_FUND, 0, NULL,
     NULL},
    {"POST", "/v1/tuition-claims", "enrollment", "SubmitTuitionClaim", S_FUND, S_NEW, NULL, NULL},
    {"GET", "/v1/tuition-claims", "enrollment", "ListTuitionClaims", S_FUND, S_LIST, NULL, NULL},
    {"POST", "/v1/tuition-claims/{id}/decision", "enrollment", "DecideTuitionClaim", S_FUND, 0,
     NULL, NULL},
    {"POST", "/v1/imports/workers", "enrollment", "ImportWorkers", S_FUND,
     GW_ROUTE_RAW_CSV | GW_ROUTE_REJECTS, NULL, NULL},
    {"POST", "/v1/competencies", "credentialing", "CreateCompetency", S_FUND, S_NEW, NULL, NULL},
    {"GET", "/v1/competencies", "credentialing", "ListCompetencies", S_FUND, S_LIST, NULL, NULL},
    {"GET", "/v1/competencies/{id}", "credentialing", "GetCompetency", S_FUND, S_READ, NULL, NULL},
    {"POST", "/v1/credential-types", "credentialing", "CreateCredentialType", S_FUND, S_NEW, NULL,
     NULL},
    {"GET", "/v1/credential-types", "credentialing", "ListCredentialTypes", S_FUND, S_LIST, NULL,
     NULL},
    {"GET", "/v1/credential-types/{id}", "credentialing", "GetCredentialType", S_FUND, S_READ, NULL,
     NULL},
    {"POST", "/v1/credentials", "credentialing", "AwardCredential", S_FUND, S_NEW, "worker_id",
     NULL},
    {"GET", "/v1/credentials", "credentialing", "ListCredentials", S_FUND, S_LIST, NULL, NULL},
    {"GET", "/v1/credentials/{id}", "credentialing", "GetCredential", S_FUND, S_READ, NULL, NULL},
    {"POST", "/v1/credentials/{id}/revoke", "credentialing", "RevokeCredential", S_FUND, 0, NULL,
     NULL},
    {"GET", "/v1/credentials/{id}/badge", "credentialing", "GetBadge", S_FUND,
     S_READ | GW_ROUTE_RAW_JSON, NULL, NULL},
    {"GET", "/v1/verify/{id}", "credentialing", "GetVerification", S_ANY, GW_ROUTE_PUBLIC | S_READ,
     NULL, NULL},
    {"POST", "/v1/prior-learning", "credentialing", "AssessPriorLearning", S_FUND, S_NEW,
     "worker_id", NULL},
    {"GET", "/v1/prior-learning", "credentialing", "ListPriorLearning", S_FUND, S_LIST, "worker_id",
     NULL},
    {"POST", "/v1/ladders", "credentialing", "CreateLadder", S_FUND, S_NEW, NULL, NULL},
    {"GET", "/v1/ladders", "credentialing", "ListLadders", S_FUND, S_LIST, NULL, NULL},
    {"GET", "/v1/workers/{worker_id}/ladders", "credentialing", "ListWorkerLadders", S_FUND, S_LIST,
     "worker_id", NULL},
    {"POST", "/v1/apprenticeship-programs", "apprenticeship", "CreateApprenticeshipProgram", S_FUND,
     S_NEW, "completion_credential_code competencies", NULL},
    {"GET", "/v1/apprenticeship-programs", "apprenticeship", "ListApprenticeshipPrograms", S_APPR,
     S_LIST, NULL, NULL},
    {"GET", "/v1/apprenticeship-programs/{id}", "apprenticeship", "GetApprenticeshipProgram",
     S_APPR, S_READ, NULL, NULL},
    {"POST", "/v1/apprentices", "apprenticeship", "RegisterApprentice", S_FUND, S_NEW,
     "worker_id employer_id", NULL},
    {"GET", "/v1/apprentices", "apprenticeship", "ListApprentices", S_APPR, S_LIST, NULL,
     "ExportApprentices"},
    {"GET", "/v1/apprentices/{id}", "apprenticeship", "GetApprentice", S_APPR, S_READ, NULL, NULL},
    {"POST", "/v1/apprentices/{id}/hours", "apprenticeship", "LogHours", S_APPR, 0, NULL, NULL},
    {"GET", "/v1/apprentices/{id}/hours", "apprenticeship", "ListHours", S_APPR, S_LIST, NULL,
     NULL},
    {"POST", "/v1/apprentices/{id}/signoffs", "apprenticeship", "SignOff", S_APPR, 0, NULL, NULL},
    {"POST", "/v1/apprentices/{id}/status", "apprenticeship", "ChangeApprenticeStatus", S_FUND, 0,
     NULL, NULL},
    {"POST", "/v1/imports/apprentice-hours", "apprenticeship", "ImportHours", S_APPR,
     GW_ROUTE_RAW_CSV | GW_ROUTE_REJECTS, NULL, NULL},
    /* GET /v1/apprentices?format=csv lands here (the RAPIDS export) */
    {NULL, "/v1/apprentices", "apprenticeship", "ExportApprentices", S_FUND, S_LIST, NULL, NULL},
    {"POST", "/v1/grants", "reporting", "CreateGrant", S_FUND, S_NEW, NULL, NULL},
    {"GET", "/v1/grants", "reporting", "ListGrants", S_FUND, S_LIST, NULL, NULL},
    {"GET", "/v1/grants/{id}", "reporting", "GetGrant", S_FUND, S_READ, NULL, NULL},
    {"GET", "/v1/reports/grants/{id}", "reporting", "GetGrantReport", S_REPORT, S_LIST, NULL, NULL},
    {"GET", "/v1/reports/outcomes", "reporting", "GetOutcomes", S_REPORT, S_LIST, NULL, NULL},
    {"GET", "/v1/reports/apprenticeship", "reporting", "GetApprenticeshipReport", S_REPORT, S_LIST,
     NULL, NULL},
    {"GET", "/v1/reports/indicators", "reporting", "GetIndicators", S_REPORT, S_LIST, NULL, NULL},
    {"GET", "/v1/reports/status", "reporting", "GetStatus", S_FUND, S_READ, NULL, NULL},
    {"POST", "/v1/reports/rebuild", "reporting", "Rebuild", S_ADMIN, 0, NULL, NULL},
    /* federation (docs/federation.md): the hub's nodes, a region's uplink */
    {"GET", "/v1/nodes", "central", "ListNodes", S_REPORT, S_LIST, NULL, NULL},
    {"GET", "/v1/uplink", "uplink", "GetStatus", S_FUND, S_READ, NULL, NULL},
    {"POST", "/v1/uplink/resend", "uplink", "Resend", S_ADMIN, 0, NULL, NULL},
    /* the dead letters of each following service: ?service= picks the row */
    {"GET", "/v1/events/dead", "reporting", "ListDeadLetters", S_FUND, S_LIST | S_BY, NULL, NULL},
    {NULL, "/v1/events/dead", "credentialing", "ListDeadLetters", S_FUND, S_LIST | S_BY, NULL,
     NULL},
    {NULL, "/v1/events/dead", "apprenticeship", "ListDeadLetters", S_FUND, S_LIST | S_BY, NULL,
     NULL},
    {NULL, "/v1/events/dead", "uplink", "ListDeadLetters", S_FUND, S_LIST | S_BY, NULL, NULL},
    {"POST", "/v1/events/dead/retry", "reporting", "RetryDeadLetters", S_ADMIN, S_BY, NULL, NULL},
    {NULL, "/v1/events/dead/retry", "credentialing", "RetryDeadLetters", S_ADMIN, S_BY, NULL, NULL},
    {NULL, "/v1/events/dead/retry", "apprenticeship", "RetryDeadLetters", S_ADMIN, S_BY, NULL,
     NULL},
    {NULL, "/v1/events/dead/retry", "uplink", "RetryDeadLetters", S_ADMIN, S_BY, NULL, NULL},
    {"POST", "/v1/tokens", "gateway", "CreateToken", S_ADMIN, S_NEW, NULL, NULL},
    {"GET", "/v1/tokens", "gateway", "ListTokens", S_ADMIN, S_LIST, NULL, NULL},
    {"POST", "/v1/tokens/{id}/revoke", "gateway", "RevokeToken", S_ADMIN, 0, NULL, NULL},
    {"GET", "/v1/session", "gateway", "GetSession", S_ANY, S_READ, NULL, NULL},
    {"GET", "/healthz", "gateway", "Health", S_ANY, GW_ROUTE_PUBLIC | S_READ | GW_ROUTE_HEALTH,
     NULL, NULL},
    {"GET", "/metrics", NULL, NULL, S_ADMIN, GW_ROUTE_METRICS, NULL, NULL},
    /* the dashboard: index.html, and its other files by name */
    {"GET", "/", NULL, NULL, S_ANY, GW_ROUTE_PUBLIC | GW_ROUTE_STATIC, NULL, NULL},
    {"GET", "/assets/{file}", NULL, NULL, S_ANY, GW_ROUTE_PUBLIC | GW_ROUTE_STATIC, NULL, NULL},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};

typedef struct {
    const char *name;
    const ProtobufCServiceDescriptor *descriptor;
} s_service;

static const s_service s_services[] = {
    {"apprenticeship", &hcap__apprenticeship_service__descriptor},
    {"central", &hcap__central_service__descriptor},
    {"credentialing", &hcap__credentialing_service__descriptor},
    {"enrollment", &hcap__enrollment_service__descriptor},
    {"gateway", &hcap__gateway_service__descriptor},
    {"reporting", &hcap__reporting_service__descriptor},
    {"uplink", &hcap__uplink_service__descriptor},
    {NULL, NULL},
};

const gw_route *gw_route_table(void)
{
    return s_routes;
}

/* Next segment of *p (after skipping one '/'): sets *seg and *len, advances
 *p. Returns false when the text is exhausted. */
static bool s_segment(const char **p, const char **seg, size_t *len)
{
    if (**p != '/')
        return false;
    (*p)++;
    *seg = *p;
    while (**p && **p != '/')
        (*p)++;
    *len = (size_t)(*p - *seg);
    return true;
}

/* Matches path against pattern, filling out's parameters. */
static bool s_path_matches(const char *pattern, const char *path, gw_match *out)
{
    const char *pp = pattern, *tp = path;
    out->n_params = 0;
    while (*pp) {
        const char *pseg, *tseg;
        size_t plen, tlen;
        if (!s_segment(&pp, &pseg, &plen) || !s_segment(&tp, &tseg, &tlen))
            return false;
        if (plen > 2 && pseg[0] == '{' && pseg[plen - 1] == '}') {
            if (tlen == 0 || tlen >= GW_PATH_VALUE_MAX || out->n_params == GW_PATH_PARAMS_MAX)
                return false;
            gw_path_param *param = &out->params[out->n_params++];
            snprintf(param->name, sizeof param->name, "%.*s", (int)(plen - 2), pseg + 1);
            memcpy(param->value, tseg, tlen);
            param->value[tlen] = '\0';
        } else if (plen != tlen || memcmp(pseg, tseg, plen) != 0)
            return false;
    }
    return *tp == '\0';
}

static void s_allow_add(gw_match *out, const char *method)
{
    if (strstr(out->allow, method))
        return;
    size_t used = strlen(out->allow);
    snprintf(out->allow + used, sizeof out->allow - used, "%s%s", used ? ", " : "", method);
}

int gw_route_match(const char *http_method, const char *path, gw_match *out)
{
    memset(out, 0, sizeof *out);
    if (!http_method || !path)
        return GW_MATCH_NO_PATH;
    bool path_known = false;
    for (const gw_route *route = s_routes; route->pattern; route++) {
        if (!route->http_method)
            continue;
        gw_match candidate;
        memset(&candidate, 0, sizeof candidate);
        if (!s_path_matches(route->pattern, path, &candidate))
            continue;
        if (strcmp(route->http_method, http_method) == 0) {
            memcpy(out->params, candidate.params, sizeof out->params);
            out->n_params = candidate.n_params;
            out->route = route;
            out->allow[0] = '\0';
            return GW_MATCH_OK;
        }
        path_known = true;
        s_allow_add(out, route->http_method);
    }
    return path_known ? GW_MATCH_NO_METHOD : GW_MATCH_NO_PATH;
}

const gw_route *gw_route_find(const char *service, const char *method)
{
    if (!service || !method)
        return NULL;
    for (const gw_route *route = s_routes; route->pattern; route++)
        if (route->service && strcmp(route->service, service) == 0 &&
            strcmp(route->method, method) == 0)
            return route;
    return NULL;
}

const gw_route *gw_route_for_service(const gw_route *route, const char *service)
{
    if (!route || !route->pattern || !(route->flags & GW_ROUTE_BY_SERVICE))
        return NULL;
    if (!service || !*service)
        return route;
    for (const gw_route *other = s_routes; other->pattern; other++)
        if ((other->flags & GW_ROUTE_BY_SERVICE) && other->service &&
            strcmp(other->pattern, route->pattern) == 0 &&
            strcmp(other->method, route->method) == 0 && strcmp(other->service, service) == 0)
            return other;
    return NULL;
}

const ProtobufCServiceDescriptor *gw_route_service(const char *service)
{
    if (!service)
        return NULL;
    for (const s_service *s = s_services; s->name; s++)
        if (strcmp(s->name, service) == 0)
            return s->descriptor;
    return NULL;
}

const ProtobufCMethodDescriptor *gw_route_rpc(const char *service, const char *method)
{
    const ProtobufCServiceDescriptor *desc = gw_route_service(service);
    if (!desc || !method)
        return NULL;
    return protobuf_c_service_descriptor_get_method_by_name(desc, method);
}

const char *gw_route_label(const gw_route *route)
{
    static char labels[sizeof s_routes / sizeof s_routes[0]][96];
    if (!route || !route->pattern)
        return "unmatched";
    uintptr_t first = (uintptr_t)s_routes, at = (uintptr_t)route;
    if (at < first || at >= first + sizeof s_routes)
        return "unmatched";
    size_t index = (at - first) / sizeof s_routes[0];
    if (!labels[index][0])
        snprintf(labels[index], sizeof labels[index], "%s %s",
                 route->http_method ? route->http_method : "ZMQ", route->pattern);
    return labels[index];
}
