/* credentialing_completion: completion credentials. Follows apprenticeship's
   log and, when an apprentice completes a program that names a
   completion credential, awards it through the AwardCompletion handler,
   inside the follower's transaction: once per registration. */
#include <string.h>
#include "hc_log.h"
#include "hc_msg.h"
#include "hc_time.h"
#include "apprenticeship.pb-c.h"
#include "credentialing_server.h"

#define S_TYPE_COMPLETED "apprenticeship.apprentice_completed.v1"
#define S_COMPLETED      HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED
#define S_APPRENTICESHIP HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_APPRENTICESHIP

/* --- the handler --- */

/* The fields a completion award needs: ids, the code and a real
   completed_on. HC_OK or the call's failure. */
static int s_completion_check(hc_call *call, const Hcap__Apprentice *a)
{
    int rc = hc_call_required(call, a->id, "id");
    if (rc != HC_OK || (rc = hc_call_required(call, a->worker_id, "worker_id")) != HC_OK ||
        (rc = hc_call_required(call, a->completion_credential_code,
                               "completion_credential_code")) != HC_OK)
        return rc;
    if (a->status != S_COMPLETED)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "status",
                            "apprentice %s is not completed", a->id);
    if (!a->completed_on || !hc_date_valid(a->completed_on))
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "completed_on",
                            "completed_on must be YYYY-MM-DD");
    return HC_OK;
}

int cred_award_completion(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__Apprentice *a = (const Hcap__Apprentice *)in;
    int rc = s_completion_check(call, a);
    if (rc != HC_OK)
        return rc;
    cred_award_input award = {
        .worker_id = a->worker_id,
        .credential_code = a->completion_credential_code,
        .issued_on = a->completed_on,
        .source = S_APPRENTICESHIP,
        .evidence = hc_arena_printf(hc_call_arena(call), "completed registered apprenticeship %s",
                                    a->program_code ? a->program_code : ""),
        .apprentice_id = a->id,
    };
    Hcap__Credential *c = NULL;
    if ((rc = cred_award(st, call, &award, &c)) != HC_OK)
        return rc;
    *out = &c->base;
    return HC_OK;
}

/* --- the follower --- */

/* Awards a's completion credential in the follower's transaction. An award
   already in place is success: the event was delivered before, or the
   worker holds the credential from that date already. */
static int s_award(cred_state *st, const Hcap__Apprentice *a, hc_arena *arena, hc_error *err)
{
    ProtobufCMessage *out = NULL;
    int rc = hc_service_apply(st->service, "AwardCompletion", &a->base, arena, &out, err);
    if (rc == HC_OK) {
        const Hcap__Credential *c = (const Hcap__Credential *)out;
        hc_log_info("completion_credential_awarded", "credential=%s apprentice=%s code=%s", c->id,
                    a->id, c->credential_code);
    } else if (rc == HC_ALREADY_EXISTS) {
        hc_log_info("completion_credential_held", "apprentice=%s code=%s by=%s", a->id,
                    a->completion_credential_code, err->field);
        hc_error_clear(err);
        rc = HC_OK;
    }
    return rc;
}

int cred_completions_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    (void)store;
    cred_state *st = arg;
    if (strcmp(event->type, S_TYPE_COMPLETED) != 0)
        return HC_OK;
    hc_arena *arena = hc_arena_new();
    const Hcap__Apprentice *a = (const Hcap__Apprentice *)hc_msg_unpack(
        &hcap__apprentice__descriptor, event->body.data, event->body.len, arena);
    int rc = HC_OK;
    if (!a)
        rc = hc_error_set(err, HC_INVALID_ARGUMENT, "body", "%s body is not an Apprentice",
                          event->type);
    else if (a->completion_credential_code && *a->completion_credential_code)
        rc = s_award(st, a, arena, err);
    hc_arena_destroy(&arena);
    return rc;
}
