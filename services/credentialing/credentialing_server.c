/* credentialing_server: the service definition, the shared handler helpers
   and the catalogue handlers: competencies, credential types and career
   ladders (awards live in credentialing_award.c, the holder directory in
   credentialing_holders.c, completion credentials in
   credentialing_completion.c, badges in credentialing_badge.c). */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include "hc_field.h"
#include "hc_log.h"
#include "hc_time.h"
#include "credentialing_server.h"

#define S_LADDER_RUNGS_MAX 20

/* --- shared helpers --- */

void cred_credential_url(cred_state *st, hc_arena *arena, Hcap__Credential *c)
{
    c->verification_url = hc_arena_printf(arena, "%s/v1/verify/%s", st->public_url, c->id);
}

int cred_codes_check(cred_state *st, hc_call *call, cred_code_kind kind, char **codes, size_t n,
                     const char *field)
{
    hc_error err;
    for (size_t i = 0; i < n; i++) {
        if (!codes[i] || !*codes[i])
            return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s holds an empty code", field);
        for (size_t j = 0; j < i; j++)
            if (strcmp(codes[i], codes[j]) == 0)
                return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s lists %s twice", field,
                                    codes[i]);
        if (cred_store_code_exists(st->store, kind, codes[i], field, &err) != HC_OK)
            return hc_call_fail_with(call, &err);
    }
    return HC_OK;
}

/* A copy of codes[0..n) in arena. */
static char **s_codes_copy(hc_arena *arena, char **codes, size_t n)
{
    char **copy = hc_arena_alloc(arena, (n ? n : 1) * sizeof *copy);
    for (size_t i = 0; i < n; i++)
        copy[i] = hc_arena_strdup(arena, codes[i]);
    return copy;
}

/* --- competencies --- */

static int s_create_competency(void *state, hc_call *call, const ProtobufCMessage *in,
                               ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__CreateCompetencyRequest *req = (const Hcap__CreateCompetencyRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    int rc = hc_call_required(call, req->code, "code");
    if (rc != HC_OK || (rc = hc_call_required(call, req->name, "name")) != HC_OK)
        return rc;
    Hcap__Competency *c = (Hcap__Competency *)hc_call_new(call, &hcap__competency__descriptor);
    c->code = hc_arena_strdup(arena, req->code);
    c->name = hc_arena_strdup(arena, req->name);
    c->framework = hc_arena_text(arena, req->framework);
    c->created_at = hc_call_now(call);
    hc_error err;
    if ((rc = cred_store_competency_insert(st->store, c, &err)) == HC_ALREADY_EXISTS)
        return hc_call_fail(call, rc, "code", "competency code %s exists", c->code);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &c->base;
    return hc_call_emit(call, CRED_EV_COMPETENCY, NULL, &c->base);
}

static int s_get_competency(void *state, hc_call *call, const ProtobufCMessage *in,
                            ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Competency *c = NULL;
    hc_error err;
    if (cred_store_competency_get(st->store, req->id, "id", hc_call_arena(call), &c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &c->base;
    return HC_OK;
}

static int s_list_competencies(void *state, hc_call *call, const ProtobufCMessage *in,
                               ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__ListRequest *req = (const Hcap__ListRequest *)in;
    hc_page page;
    Hcap__CompetencyList *list = (Hcap__CompetencyList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__competency_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    hc_error err;
    if (cred_store_competency_list(st->store, &page, hc_call_arena(call), list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* --- credential types --- */

static int s_type_check(cred_state *st, hc_call *call, const Hcap__CreateCredentialTypeRequest *req)
{
    int rc = hc_call_required(call, req->code, "code");
    if (rc != HC_OK || (rc = hc_call_required(call, req->name, "name")) != HC_OK)
        return rc;
    if (!hc_field_enum_valid(&hcap__credential_kind__descriptor, req->kind))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "kind",
                            "kind must be license, certification, certificate or badge");
    if ((rc = hc_call_required(call, req->issuer, "issuer")) != HC_OK)
        return rc;
    if (req->has_validity_months && req->validity_months > CRED_VALIDITY_MAX)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "validity_months",
                            "validity_months must be 0..%d", CRED_VALIDITY_MAX);
    return cred_codes_check(st, call, CRED_COMPETENCY, req->competencies, req->n_competencies,
                            "competencies");
}

static int s_create_credential_type(void *state, hc_call *call, const ProtobufCMessage *in,
                                    ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__CreateCredentialTypeRequest *req = (const Hcap__CreateCredentialTypeRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    int rc = s_type_check(st, call, req);
    if (rc != HC_OK)
        return rc;
    Hcap__CredentialType *t =
        (Hcap__CredentialType *)hc_call_new(call, &hcap__credential_type__descriptor);
    t->code = hc_arena_strdup(arena, req->code);
    t->name = hc_arena_strdup(arena, req->name);
    t->kind = req->kind;
    t->issuer = hc_arena_strdup(arena, req->issuer);
    t->has_validity_months = 1;
    t->validity_months = req->has_validity_months ? req->validity_months : 0;
    t->competencies = s_codes_copy(arena, req->competencies, req->n_competencies);
    t->n_competencies = req->n_competencies;
    t->level = hc_arena_text(arena, req->level);
    t->created_at = hc_call_now(call);
    hc_error err;
    if ((rc = cred_store_type_insert(st->store, t, &err)) == HC_ALREADY_EXISTS)
        return hc_call_fail(call, rc, "code", "credential type code %s exists", t->code);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &t->base;
    return hc_call_emit(call, CRED_EV_TYPE, NULL, &t->base);
}

static int s_get_credential_type(void *state, hc_call *call, const ProtobufCMessage *in,
                                 ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__CredentialType *t = NULL;
    hc_error err;
    if (cred_store_type_get(st->store, req->id, "id", hc_call_arena(call), &t, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &t->base;
    return HC_OK;
}

static int s_list_credential_types(void *state, hc_call *call, const ProtobufCMessage *in,
                                   ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__ListRequest *req = (const Hcap__ListRequest *)in;
    hc_page page;
    Hcap__CredentialTypeList *list = (Hcap__CredentialTypeList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__credential_type_list__descriptor,
        &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    hc_error err;
    if (cred_store_type_list(st->store, &page, hc_call_arena(call), list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* --- career ladders --- */

static int s_create_ladder(void *state, hc_call *call, const ProtobufCMessage *in,
                           ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__CreateLadderRequest *req = (const Hcap__CreateLadderRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    int rc = hc_call_required(call, req->code, "code");
    if (rc != HC_OK || (rc = hc_call_required(call, req->name, "name")) != HC_OK)
        return rc;
    if (req->n_rungs == 0 || req->n_rungs > S_LADDER_RUNGS_MAX)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "rungs", "rungs must list 1..%d codes",
                            S_LADDER_RUNGS_MAX);
    if ((rc = cred_codes_check(st, call, CRED_TYPE, req->rungs, req->n_rungs, "rungs")) != HC_OK)
        return rc;
    Hcap__Ladder *l = (Hcap__Ladder *)hc_call_new(call, &hcap__ladder__descriptor);
    l->code = hc_arena_strdup(arena, req->code);
    l->name = hc_arena_strdup(arena, req->name);
    l->rungs = s_codes_copy(arena, req->rungs, req->n_rungs);
    l->n_rungs = req->n_rungs;
    l->created_at = hc_call_now(call);
    hc_error err;
    if ((rc = cred_store_ladder_insert(st->store, l, &err)) == HC_ALREADY_EXISTS)
        return hc_call_fail(call, rc, "code", "ladder code %s exists", l->code);
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &l->base;
    return hc_call_emit(call, CRED_EV_LADDER, NULL, &l->base);
}

static int s_list_ladders(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__ListRequest *req = (const Hcap__ListRequest *)in;
    hc_page page;
    Hcap__LadderList *list = (Hcap__LadderList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__ladder_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    hc_error err;
    if (cred_store_ladder_list(st->store, &page, hc_call_arena(call), list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}

/* The worker's place on ladder l, given the codes held active. */
static Hcap__LadderProgress *s_progress(hc_call *call, const Hcap__Ladder *l, char **held,
                                        size_t n_held)
{
    Hcap__LadderProgress *p =
        (Hcap__LadderProgress *)hc_call_new(call, &hcap__ladder_progress__descriptor);
    p->code = l->code;
    p->name = l->name;
    p->rungs = l->rungs;
    p->n_rungs = l->n_rungs;
    size_t top = 0; /* 1-based rung held highest; 0: none */
    for (size_t r = 0; r < l->n_rungs; r++)
        for (size_t h = 0; h < n_held; h++)
            if (strcmp(l->rungs[r], held[h]) == 0)
                top = r + 1;
    if (top > 0) {
        p->has_highest_rung = 1;
        p->highest_rung = (uint32_t)top;
        p->highest = l->rungs[top - 1];
    }
    if (top < l->n_rungs)
        p->next = l->rungs[top];
    return p;
}

static int s_list_worker_ladders(void *state, hc_call *call, const ProtobufCMessage *in,
                                 ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__ListByWorkerRequest *req = (const Hcap__ListByWorkerRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    Hcap__LadderList ladders = HCAP__LADDER_LIST__INIT;
    char **held = NULL;
    size_t n_held = 0;
    hc_page page;
    hc_error err;
    int rc = hc_call_required(call, req->worker_id, "worker_id");
    if (rc != HC_OK)
        return rc;
    Hcap__LadderProgressList *list = (Hcap__LadderProgressList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__ladder_progress_list__descriptor,
        &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (cred_store_ladder_list(st->store, &page, arena, &ladders, &err) != HC_OK ||
        cred_store_worker_codes(st->store, req->worker_id, arena, &held, &n_held, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    list->items =
        hc_arena_alloc(arena, (ladders.n_items ? ladders.n_items : 1) * sizeof *list->items);
    for (size_t i = 0; i < ladders.n_items; i++)
        list->items[i] = s_progress(call, ladders.items[i], held, n_held);
    list->n_items = ladders.n_items;
    list->next = ladders.next;
    *out = &list->base;
    return HC_OK;
}

/* --- the service --- */

static void s_state_destroy(void **state_p)
{
    if (state_p && *state_p) {
        cred_state *st = *state_p;
        hc_proof_key_destroy(&st->key);
        free(st->public_url);
        free(st->node_name);
        free(st);
        *state_p = NULL;
    }
}

/* The public URL without trailing slashes, the issuer name. */
static void s_state_config(cred_state *st)
{
    hc_config *config = hc_service_config(st->service);
    st->public_url = strdup(hc_config_get(config, CRED_PUBLIC_URL_KEY, CRED_PUBLIC_URL_DEFAULT));
    size_t len = st->public_url ? strlen(st->public_url) : 0;
    while (len > 0 && st->public_url[len - 1] == '/')
        st->public_url[--len] = '\0';
    const char *name = hc_config_get(config, CRED_NODE_NAME_KEY, NULL);
    if (name && *name)
        st->node_name = strdup(name);
    else if (asprintf(&st->node_name, "hcap node %s", hc_service_node_id(st->service)) < 0)
        st->node_name = NULL;
}

/* The signing key lives beside the store, in the node's data directory. */
static hc_proof_key *s_key_load(hc_store *store, hc_error *err)
{
    char *path = strdup(hc_store_path(store));
    if (!path) {
        hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    hc_proof_key *key = hc_proof_key_load_or_create(dirname(path), err);
    free(path);
    return key;
}

static void *s_state_new(hc_service *service, hc_error *err)
{
    cred_state *st = calloc(1, sizeof *st);
    if (!st) {
        hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
        return NULL;
    }
    st->service = service;
    st->store = hc_service_store(service);
    st->log = hc_service_log(service);
    s_state_config(st);
    /* A replica signs no badge (GetBadge goes to the primary), so it loads
       no key and, writing nothing, creates none. */
    bool keyed = !hc_service_replica(service);
    if (keyed)
        st->key = s_key_load(st->store, err);
    if (!st->public_url || !st->node_name || (keyed && !st->key)) {
        if (keyed && !st->key)
            hc_log_error("signing_key_refused", "field=%s code=%s", err->field,
                         hc_code_name(err->code));
        else
            hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
        void *p = st;
        s_state_destroy(&p);
        return NULL;
    }
    if (keyed)
        hc_log_info("signing_key", "did=%s", hc_proof_key_did(st->key));
    return st;
}

/* GetBadge and ListDeadLetters write nothing but stay with the primary: a
   badge is signed with the node's key and shows the holder's salt, which
   each store draws for itself (a replica's would differ); dead letters are
   each store's own, and RetryDeadLetters acts on the primary's. */
static const hc_handler s_handlers[] = {
    {"CreateCompetency", s_create_competency, 0},
    {"GetCompetency", s_get_competency, HC_HANDLER_READ},
    {"ListCompetencies", s_list_competencies, HC_HANDLER_READ},
    {"CreateCredentialType", s_create_credential_type, 0},
    {"GetCredentialType", s_get_credential_type, HC_HANDLER_READ},
    {"ListCredentialTypes", s_list_credential_types, HC_HANDLER_READ},
    {"AwardCredential", cred_award_credential, 0},
    {"GetCredential", cred_get_credential, HC_HANDLER_READ},
    {"ListCredentials", cred_list_credentials, HC_HANDLER_READ},
    {"RevokeCredential", cred_revoke_credential, 0},
    {"GetVerification", cred_get_verification, HC_HANDLER_READ},
    {"GetBadge", cred_get_badge, 0},
    {"AssessPriorLearning", cred_assess_prior_learning, 0},
    {"ListPriorLearning", cred_list_prior_learning, HC_HANDLER_READ},
    {"CreateLadder", s_create_ladder, 0},
    {"ListLadders", s_list_ladders, HC_HANDLER_READ},
    {"ListWorkerLadders", s_list_worker_ladders, HC_HANDLER_READ},
    {"SweepExpired", cred_sweep_expired, 0},
    {"AwardCompletion", cred_award_completion, 0},
    {"ListDeadLetters", hc_service_list_dead_letters, 0},
    {"RetryDeadLetters", hc_service_retry_dead_letters, 0},
    {"GetCredentialProfile", cred_get_credential_profile, HC_HANDLER_READ},
    {NULL, NULL, 0},
};

/* Completion credentials need no reset: after a new apprenticeship epoch
   the completions come again and each one finds its award in place. */
static const hc_service_follow s_follows[] = {
    {"enrollment", cred_holders_apply, cred_holders_reset, false},
    {"apprenticeship", cred_completions_apply, NULL, true},
    {NULL, NULL, NULL, false},
};

/* The sweep runs at start and hourly; reads compute expiry in between. */
static const hc_service_timer s_timers[] = {
    {"SweepExpired", 3600 * 1000},
    {NULL, 0},
};

const hc_service_def cred_service = {
    .name = "credentialing",
    .descriptor = &hcap__credentialing_service__descriptor,
    .handlers = s_handlers,
    .migrations = credentialing_migrations,
    .state_new = s_state_new,
    .state_destroy = s_state_destroy,
    .follows = s_follows,
    .timers = s_timers,
    .replica_apply = cred_replica_apply,
    .replica_reset = cred_replica_reset,
};
