/* apprenticeship_credits: prior-learning credit hours, followed from
   credentialing's log. The follower hands each assessment with credit to
   ApplyPriorCredit inside its batch transaction, so the credit, the
   apprentices' new state, their events and the cursor commit together. */
#include <string.h>
#include "hc_time.h"
#include "credentialing.pb-c.h"
#include "apprenticeship_server.h"

#define S_TYPE_PRIOR "credentialing.prior_learning_assessed.v1"

/* Gives apprentice id the credit it has not had; when it had it already,
 *changed stays NULL. */
static int s_credit_one(appr_state *st, hc_call *call, const Hcap__PriorCredit *credit,
                        const char *id, Hcap__Apprentice **changed)
{
    bool granted = false, completed = false;
    Hcap__Apprentice *a = NULL;
    Hcap__ApprenticeshipProgram *p = NULL;
    hc_error err;
    *changed = NULL;
    if (appr_store_credit_grant(st->store, id, credit->worker_id, &granted, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if (!granted)
        return HC_OK;
    int rc = appr_apprentice_read(st, call, id, "id", &a, &p);
    if (rc != HC_OK ||
        (rc = hc_call_emit(call, APPR_EV_CREDITED, a->worker_id, &a->base)) != HC_OK ||
        (rc = appr_complete_if_met(st, call, credit->assessed_on, p, a, &completed)) != HC_OK)
        return rc;
    *changed = a;
    return HC_OK;
}

static int s_credit_check(hc_call *call, const Hcap__PriorCredit *c)
{
    int64_t centi = 0;
    int rc = hc_call_required(call, c->prior_learning_id, "prior_learning_id");
    if (rc != HC_OK || (rc = hc_call_required(call, c->worker_id, "worker_id")) != HC_OK ||
        (c->has_ojl_credit_hours &&
         (rc = appr_centihours(call, c->ojl_credit_hours, 0, false, APPR_PROGRAM_HOURS_MAX,
                               "ojl_credit_hours", &centi)) != HC_OK) ||
        (c->has_rti_credit_hours &&
         (rc = appr_centihours(call, c->rti_credit_hours, 0, false, APPR_PROGRAM_HOURS_MAX,
                               "rti_credit_hours", &centi)) != HC_OK))
        return rc;
    if (!c->assessed_on || !hc_date_valid(c->assessed_on))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "assessed_on",
                            "assessed_on must be YYYY-MM-DD");
    return HC_OK;
}

int appr_apply_prior_credit(void *state, hc_call *call, const ProtobufCMessage *in,
                            ProtobufCMessage **out)
{
    appr_state *st = state;
    const Hcap__PriorCredit *credit = (const Hcap__PriorCredit *)in;
    hc_arena *arena = hc_call_arena(call);
    char **ids = NULL;
    size_t n = 0;
    hc_error err;
    int rc = s_credit_check(call, credit);
    if (rc != HC_OK)
        return rc;
    if (appr_store_credit_put(st->store, credit, &err) != HC_OK ||
        appr_store_open_ids(st->store, credit->worker_id, arena, &ids, &n, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    Hcap__ApprenticeList *list =
        (Hcap__ApprenticeList *)hc_call_new(call, &hcap__apprentice_list__descriptor);
    list->items = hc_arena_alloc(arena, (n ? n : 1) * sizeof *list->items);
    for (size_t i = 0; i < n; i++) {
        Hcap__Apprentice *changed = NULL;
        if ((rc = s_credit_one(st, call, credit, ids[i], &changed)) != HC_OK)
            return rc;
        if (changed)
            list->items[list->n_items++] = changed;
    }
    *out = &list->base;
    return HC_OK;
}

int appr_credits_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    appr_state *st = arg;
    (void)store;
    if (strcmp(event->type, S_TYPE_PRIOR) != 0)
        return HC_OK;
    Hcap__PriorLearning *p = hcap__prior_learning__unpack(NULL, event->body.len, event->body.data);
    if (!p)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "body", "%s body is not a PriorLearning",
                            event->type);
    int rc = HC_OK;
    if ((p->has_ojl_credit_hours && p->ojl_credit_hours > 0) ||
        (p->has_rti_credit_hours && p->rti_credit_hours > 0)) {
        Hcap__PriorCredit credit = HCAP__PRIOR_CREDIT__INIT;
        credit.prior_learning_id = p->id;
        credit.worker_id = p->worker_id;
        credit.has_ojl_credit_hours = p->has_ojl_credit_hours;
        credit.ojl_credit_hours = p->ojl_credit_hours;
        credit.has_rti_credit_hours = p->has_rti_credit_hours;
        credit.rti_credit_hours = p->rti_credit_hours;
        credit.assessed_on = p->assessed_on;
        hc_arena *arena = hc_arena_new();
        ProtobufCMessage *out = NULL;
        rc = arena
                 ? hc_service_apply(st->service, "ApplyPriorCredit", &credit.base, arena, &out, err)
                 : hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
        hc_arena_destroy(&arena);
    }
    hcap__prior_learning__free_unpacked(p, NULL);
    return rc;
}
