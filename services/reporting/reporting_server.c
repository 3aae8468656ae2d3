/* reporting_server: the ReportingService definitions (a region's and
   central's), their state, and the operator's methods: status, rebuild
   and dead letters. */
#include "reporting_server.h"

#include <stdlib.h>
#include "reporting_store.h"

static int s_status(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)state;
    (void)in;
    Hcap__ReportingStatus *status =
        (Hcap__ReportingStatus *)hc_call_new(call, &hcap__reporting_status__descriptor);
    status->followers =
        hc_service_followers(hc_call_service(call), hc_call_arena(call), &status->n_followers);
    uint32_t dead = 0;
    for (size_t i = 0; i < status->n_followers; i++)
        dead += status->followers[i]->dead_letters;
    status->has_dead_letters = true;
    status->dead_letters = dead;
    *out = &status->base;
    return HC_OK;
}

/* Deletes the read model and rewinds the followers in the call's
   transaction: a crash before it commits leaves the old model whole. */
static int s_rebuild(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)in;
    rep_state *st = state;
    hc_error err;
    uint32_t count = 0;
    if (rep_store_clear(st->store, &err) != HC_OK ||
        hc_service_rewind_followers(hc_call_service(call), &count, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    Hcap__RebuildReply *reply =
        (Hcap__RebuildReply *)hc_call_new(call, &hcap__rebuild_reply__descriptor);
    reply->followers = count;
    *out = &reply->base;
    return HC_OK;
}

static void s_state_destroy(void **state_p)
{
    if (state_p && *state_p) {
        rep_model_destroy(&((rep_state *)*state_p)->model);
        free(*state_p);
        *state_p = NULL;
    }
}

static void *s_state_new(hc_service *service, hc_error *err)
{
    rep_state *st = calloc(1, sizeof *st);
    if (!st) {
        hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    st->service = service;
    st->store = hc_service_store(service);
    st->model = rep_model_new();
    /* The reports count over their model (about 32 MiB at 550,000
       workers), not over SQLite's pages: an 8 MiB page cache serves the
       projection's writes and keeps the process within 64 MiB. */
    if (!st->model || hc_store_exec(st->store, "PRAGMA cache_size = -8192", err) != HC_OK) {
        if (!st->model)
            hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
        rep_model_destroy(&st->model);
        free(st);
        return NULL;
    }
    return st;
}

static void *s_central_state_new(hc_service *service, hc_error *err)
{
    rep_state *st = s_state_new(service, err);
    if (st)
        st->central = true;
    return st;
}

static const hc_handler s_handlers[] = {
    {"CreateGrant", rep_create_grant, 0},
    {"GetGrant", rep_get_grant, HC_HANDLER_READ},
    {"ListGrants", rep_list_grants, HC_HANDLER_READ},
    {"GetGrantReport", rep_grant_report, HC_HANDLER_READ},
    {"GetOutcomes", rep_outcomes, HC_HANDLER_READ},
    {"GetApprenticeshipReport", rep_apprenticeship_report, HC_HANDLER_READ},
    {"GetIndicators", rep_indicators, HC_HANDLER_READ},
    {"GetStatus", s_status, HC_HANDLER_READ},
    {"Rebuild", s_rebuild, 0},
    /* dead letters are per store: a replica's are its own, so the list
       stays with the primary as in the other services */
    {"ListDeadLetters", hc_service_list_dead_letters, 0},
    {"RetryDeadLetters", hc_service_retry_dead_letters, 0},
    {NULL, NULL, 0},
};

static const hc_service_follow s_follows[] = {
    {"enrollment", rep_project_enrollment, rep_project_reset, false},
    {"credentialing", rep_project_credentialing, rep_project_reset, false},
    {"apprenticeship", rep_project_apprenticeship, rep_project_reset, false},
    {NULL, NULL, NULL, false},
};

/* Central follows the hub's log only: the regions' events come wrapped in it. */
static const hc_service_follow s_central_follows[] = {
    {"central", rep_project_central, rep_project_reset, false},
    {NULL, NULL, NULL, false},
};

const hc_service_def rep_service = {
    .name = "reporting",
    .descriptor = &hcap__reporting_service__descriptor,
    .handlers = s_handlers,
    .migrations = reporting_migrations,
    .state_new = s_state_new,
    .state_destroy = s_state_destroy,
    .follows = s_follows,
    .replica_apply = rep_replica_apply,
    .replica_reset = rep_replica_reset,
};

const hc_service_def rep_central_service = {
    .name = "reporting",
    .descriptor = &hcap__reporting_service__descriptor,
    .handlers = s_handlers,
    .migrations = reporting_migrations,
    .state_new = s_central_state_new,
    .state_destroy = s_state_destroy,
    .follows = s_central_follows,
    .replica_apply = rep_replica_apply,
    .replica_reset = rep_replica_reset,
};
