/* credentialing_award: awarded credentials (award, get, list, revoke,
   public verification, the expiry sweep) and prior learning, which may
   award one. */
#include <math.h>
#include <string.h>
#include "hc_field.h"
#include "hc_log.h"
#include "hc_time.h"
#include "credentialing_server.h"

#define S_ACTIVE         HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_ACTIVE
#define S_EXPIRED        HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_EXPIRED
#define S_REVOKED        HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_REVOKED
#define S_EARNED         HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED
#define S_PRIOR_LEARNING HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_PRIOR_LEARNING

#define S_CREDIT_HOURS_MAX 10000.0
#define S_SWEEP_CHUNK      500

/* --- awards --- */

/* HC_OK unless apprentice_id (when given) holds a credential already:
   then HC_ALREADY_EXISTS naming apprentice_id. */
static int s_apprentice_unawarded(cred_state *st, hc_call *call, const char *apprentice_id)
{
    Hcap__Credential *held = NULL;
    hc_error err;
    if (!apprentice_id)
        return HC_OK;
    int rc = cred_store_credential_by_apprentice(st->store, apprentice_id, hc_call_arena(call),
                                                 &held, &err);
    if (rc == HC_OK)
        return hc_call_fail(call, HC_ALREADY_EXISTS, "apprentice_id",
                            "apprentice %s already holds credential %s", apprentice_id, held->id);
    return rc == HC_NOT_FOUND ? HC_OK : hc_call_fail_with(call, &err);
}

int cred_award(cred_state *st, hc_call *call, const cred_award_input *in, Hcap__Credential **out)
{
    hc_arena *arena = hc_call_arena(call);
    Hcap__CredentialType *type = NULL;
    hc_error err;
    if (cred_store_type_get(st->store, in->credential_code, "credential_code", arena, &type,
                            &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    int rc = s_apprentice_unawarded(st, call, in->apprentice_id);
    if (rc != HC_OK)
        return rc;
    Hcap__Credential *c = (Hcap__Credential *)hc_call_new(call, &hcap__credential__descriptor);
    c->id = hc_call_id(call, "cred");
    c->worker_id = hc_arena_strdup(arena, in->worker_id);
    c->credential_code = type->code;
    c->issued_on = hc_arena_strdup(arena, in->issued_on);
    if (type->validity_months > 0) {
        char expires[HC_DATE_SIZE];
        if (hc_date_add_months(in->issued_on, (int)type->validity_months, expires) != 0)
            return hc_call_fail(call, HC_INVALID_ARGUMENT, "issued_on", "issued_on is not a date");
        c->expires_on = hc_arena_strdup(arena, expires);
    }
    c->source = in->source;
    c->evidence = hc_arena_text(arena, in->evidence);
    c->status = S_ACTIVE;
    c->prior_learning_id = hc_arena_text(arena, in->prior_learning_id);
    c->apprentice_id = hc_arena_text(arena, in->apprentice_id);
    c->created_at = c->updated_at = hc_call_now(call);
    rc = cred_store_credential_insert(st->store, c, &err);
    if (rc == HC_ALREADY_EXISTS)
        return hc_call_fail(call, rc, "credential_code", "worker %s already holds %s issued on %s",
                            c->worker_id, c->credential_code, c->issued_on);
    if (rc != HC_OK || cred_store_credential_get(st->store, c->id, "id", arena, &c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    cred_credential_url(st, arena, c);
    *out = c;
    return hc_call_emit(call, CRED_EV_AWARDED, c->worker_id, &c->base);
}

int cred_award_credential(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__AwardCredentialRequest *req = (const Hcap__AwardCredentialRequest *)in;
    int rc = hc_call_required(call, req->worker_id, "worker_id");
    if (rc != HC_OK ||
        (rc = hc_call_required(call, req->credential_code, "credential_code")) != HC_OK ||
        (rc = hc_call_date_not_future(call, req->issued_on, "issued_on")) != HC_OK)
        return rc;
    if (req->has_source && !hc_field_enum_valid(&hcap__credential_source__descriptor, req->source))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "source",
                            "source must be earned, prior_learning, transfer or apprenticeship");
    cred_award_input award = {
        .worker_id = req->worker_id,
        .credential_code = req->credential_code,
        .issued_on = req->issued_on,
        .source = req->has_source ? (int)req->source : S_EARNED,
        .evidence = req->evidence,
    };
    Hcap__Credential *c = NULL;
    if ((rc = cred_award(st, call, &award, &c)) != HC_OK)
        return rc;
    *out = &c->base;
    return HC_OK;
}

int cred_get_credential(void *state, hc_call *call, const ProtobufCMessage *in,
                        ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    Hcap__Credential *c = NULL;
    hc_error err;
    if (cred_store_credential_get(st->store, req->id, "id", hc_call_arena(call), &c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    cred_credential_url(st, hc_call_arena(call), c);
    *out = &c->base;
    return HC_OK;
}

int cred_list_credentials(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__ListCredentialsRequest *req = (const Hcap__ListCredentialsRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    cred_credential_filter filter = {hc_arena_text(arena, req->worker_id),
                                     hc_arena_text(arena, req->credential_code), 0};
    hc_page page;
    hc_error err;
    Hcap__CredentialList *list = (Hcap__CredentialList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__credential_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (req->has_status && !hc_field_enum_valid(&hcap__credential_status__descriptor, req->status))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "status", "unknown status");
    filter.status = req->has_status ? (int)req->status : 0;
    if (filter.credential_code &&
        cred_store_code_exists(st->store, CRED_TYPE, filter.credential_code, "credential_code",
                               &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (cred_store_credential_list(st->store, &filter, &page, arena, list, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    for (size_t i = 0; i < list->n_items; i++)
        cred_credential_url(st, arena, list->items[i]);
    *out = &list->base;
    return HC_OK;
}

int cred_revoke_credential(void *state, hc_call *call, const ProtobufCMessage *in,
                           ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__RevokeCredentialRequest *req = (const Hcap__RevokeCredentialRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    Hcap__Credential *c = NULL;
    hc_error err;
    int rc = hc_call_required(call, req->reason, "reason");
    if (rc != HC_OK)
        return rc;
    if (cred_store_credential_get(st->store, req->id, "id", arena, &c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (c->status == S_REVOKED)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "id", "credential %s is already revoked",
                            c->id);
    c->status = S_REVOKED;
    hc_call_date_or_today(call, NULL, "revoked_on", &c->revoked_on);
    c->revocation_reason = hc_arena_strdup(arena, req->reason);
    c->updated_at = hc_call_now(call);
    if (cred_store_credential_update(st->store, c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    cred_credential_url(st, arena, c);
    *out = &c->base;
    hc_log_info("credential_revoked", "credential=%s worker=%s", c->id, c->worker_id);
    return hc_call_emit(call, CRED_EV_REVOKED, c->worker_id, &c->base);
}

/* --- public verification --- */

int cred_get_verification(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    Hcap__Credential *c = NULL;
    cred_holder *holder = NULL;
    hc_error err;
    if (cred_store_credential_get(st->store, req->id, "id", arena, &c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    int rc = cred_store_holder_get(st->store, c->worker_id, arena, &holder, &err);
    if (rc != HC_OK && rc != HC_NOT_FOUND)
        return hc_call_fail_with(call, &err);
    Hcap__VerifiedCredential *vc =
        (Hcap__VerifiedCredential *)hc_call_new(call, &hcap__verified_credential__descriptor);
    vc->code = c->credential_code;
    vc->name = c->credential_name;
    vc->issuer = c->issuer;
    Hcap__Verification *v =
        (Hcap__Verification *)hc_call_new(call, &hcap__verification__descriptor);
    v->valid = c->status == S_ACTIVE;
    v->status = c->status;
    v->credential = vc;
    v->issued_on = c->issued_on;
    v->expires_on = c->expires_on;
    v->holder = rc == HC_OK && !holder->erased ? holder->initials : NULL;
    *out = &v->base;
    return HC_OK;
}

/* --- the expiry sweep --- */

/* Records one chunk of due credentials as expired, one event each; sets
 *done when no more are due. */
static int s_sweep_chunk(cred_state *st, hc_call *call, const char *today, hc_arena *arena,
                         uint32_t *expired, bool *done)
{
    Hcap__CredentialList due = HCAP__CREDENTIAL_LIST__INIT;
    hc_page page = {NULL, S_SWEEP_CHUNK};
    hc_error err;
    if (cred_store_credential_due(st->store, today, &page, arena, &due, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    char *now = hc_call_now(call);
    for (size_t i = 0; i < due.n_items; i++) {
        Hcap__Credential *c = due.items[i];
        c->status = S_EXPIRED;
        c->updated_at = now;
        if (cred_store_credential_update(st->store, c, &err) != HC_OK)
            return hc_call_fail_with(call, &err);
        cred_credential_url(st, arena, c);
        int rc = hc_call_emit(call, CRED_EV_EXPIRED, c->worker_id, &c->base);
        if (rc != HC_OK)
            return rc;
        (*expired)++;
    }
    *done = due.next == NULL;
    return HC_OK;
}

int cred_sweep_expired(void *state, hc_call *call, const ProtobufCMessage *in,
                       ProtobufCMessage **out)
{
    (void)in;
    cred_state *st = state;
    char today[HC_DATE_SIZE];
    hc_today(today);
    uint32_t expired = 0;
    bool done = false;
    /* Each chunk reads into its own arena: a large sweep stays small. */
    hc_arena *arena = hc_arena_new();
    int rc = HC_OK;
    while (!done && rc == HC_OK) {
        rc = s_sweep_chunk(st, call, today, arena, &expired, &done);
        hc_arena_reset(arena);
    }
    hc_arena_destroy(&arena);
    if (rc != HC_OK)
        return rc;
    if (expired > 0)
        hc_log_info("credentials_expired", "count=%u today=%s", expired, today);
    Hcap__SweepReply *reply = (Hcap__SweepReply *)hc_call_new(call, &hcap__sweep_reply__descriptor);
    reply->expired = expired;
    *out = &reply->base;
    return HC_OK;
}

/* --- prior learning --- */

static int s_hours_check(hc_call *call, protobuf_c_boolean has, double hours, const char *field)
{
    if (has && (!isfinite(hours) || hours < 0 || hours > S_CREDIT_HOURS_MAX))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, field, "%s must be 0..%g", field,
                            S_CREDIT_HOURS_MAX);
    return HC_OK;
}

static int s_prior_check(cred_state *st, hc_call *call, const Hcap__AssessPriorLearningRequest *req)
{
    hc_error err;
    bool credential = req->credential_code && *req->credential_code;
    int rc = hc_call_required(call, req->worker_id, "worker_id");
    if (rc != HC_OK || (rc = hc_call_required(call, req->evidence, "evidence")) != HC_OK ||
        (rc = cred_codes_check(st, call, CRED_COMPETENCY, req->competencies, req->n_competencies,
                               "competencies")) != HC_OK)
        return rc;
    if (credential && cred_store_code_exists(st->store, CRED_TYPE, req->credential_code,
                                             "credential_code", &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if ((rc = s_hours_check(call, req->has_ojl_credit_hours, req->ojl_credit_hours,
                            "ojl_credit_hours")) != HC_OK ||
        (rc = s_hours_check(call, req->has_rti_credit_hours, req->rti_credit_hours,
                            "rti_credit_hours")) != HC_OK)
        return rc;
    bool hours = (req->has_ojl_credit_hours && req->ojl_credit_hours > 0) ||
                 (req->has_rti_credit_hours && req->rti_credit_hours > 0);
    if (req->n_competencies == 0 && !credential && !hours)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "competencies",
                            "prior learning must grant competencies, a credential or credit hours");
    return HC_OK;
}

static Hcap__PriorLearning *s_prior_new(hc_call *call, const Hcap__AssessPriorLearningRequest *req,
                                        char *assessed_on)
{
    hc_arena *arena = hc_call_arena(call);
    Hcap__PriorLearning *p =
        (Hcap__PriorLearning *)hc_call_new(call, &hcap__prior_learning__descriptor);
    p->id = hc_call_id(call, "prl");
    p->worker_id = hc_arena_strdup(arena, req->worker_id);
    p->evidence = hc_arena_strdup(arena, req->evidence);
    p->competencies = hc_arena_alloc(arena, (req->n_competencies ? req->n_competencies : 1) *
                                                sizeof *p->competencies);
    for (size_t i = 0; i < req->n_competencies; i++)
        p->competencies[i] = hc_arena_strdup(arena, req->competencies[i]);
    p->n_competencies = req->n_competencies;
    p->credential_code = hc_arena_text(arena, req->credential_code);
    p->has_ojl_credit_hours = req->has_ojl_credit_hours;
    p->ojl_credit_hours = req->ojl_credit_hours;
    p->has_rti_credit_hours = req->has_rti_credit_hours;
    p->rti_credit_hours = req->rti_credit_hours;
    p->assessed_on = assessed_on;
    p->created_at = hc_call_now(call);
    return p;
}

int cred_assess_prior_learning(void *state, hc_call *call, const ProtobufCMessage *in,
                               ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__AssessPriorLearningRequest *req = (const Hcap__AssessPriorLearningRequest *)in;
    char *assessed_on = NULL;
    hc_error err;
    int rc = s_prior_check(st, call, req);
    if (rc != HC_OK ||
        (rc = hc_call_date_or_today(call, req->assessed_on, "assessed_on", &assessed_on)) !=
            HC_OK ||
        (rc = hc_call_date_not_future(call, assessed_on, "assessed_on")) != HC_OK)
        return rc;
    Hcap__PriorLearning *p = s_prior_new(call, req, assessed_on);
    if (p->credential_code) {
        cred_award_input award = {
            .worker_id = p->worker_id,
            .credential_code = p->credential_code,
            .issued_on = assessed_on,
            .source = S_PRIOR_LEARNING,
            .evidence = p->evidence,
            .prior_learning_id = p->id,
        };
        Hcap__Credential *c = NULL;
        if ((rc = cred_award(st, call, &award, &c)) != HC_OK)
            return rc;
        p->credential_id = c->id;
    }
    if (cred_store_prior_insert(st->store, p, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &p->base;
    return hc_call_emit(call, CRED_EV_PRIOR, p->worker_id, &p->base);
}

int cred_list_prior_learning(void *state, hc_call *call, const ProtobufCMessage *in,
                             ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__ListByWorkerRequest *req = (const Hcap__ListByWorkerRequest *)in;
    hc_page page;
    hc_error err;
    int rc = hc_call_required(call, req->worker_id, "worker_id");
    if (rc != HC_OK)
        return rc;
    Hcap__PriorLearningList *list =
        (Hcap__PriorLearningList *)hc_call_list_new(call, req->has_limit, req->limit, req->after,
                                                    &hcap__prior_learning_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    if (cred_store_prior_list(st->store, req->worker_id, &page, hc_call_arena(call), list, &err) !=
        HC_OK)
        return hc_call_fail_with(call, &err);
    *out = &list->base;
    return HC_OK;
}
