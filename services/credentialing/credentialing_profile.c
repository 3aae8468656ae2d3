/* credentialing_profile: GetCredentialProfile, a worker's credentials and
   their place on every ladder in one request, so the gateway's profile
   asks credentialing once instead of twice. */
#include <assert.h>
#include <string.h>
#include "credentialing_server.h"

/* The handler of method in credentialing's own table. The profile runs
   the very handlers its parts ran as separate requests (the same checks,
   errors, order and pages, and the credentials' links), here inside this
   request's one read transaction. */
static int s_run(void *state, hc_call *call, const char *method, const ProtobufCMessage *in,
                 ProtobufCMessage **out)
{
    const hc_handler *h = cred_service.handlers;
    while (h->method && strcmp(h->method, method) != 0)
        h++;
    assert(h->fn);
    return h->fn(state, call, in, out);
}

int cred_get_credential_profile(void *state, hc_call *call, const ProtobufCMessage *in,
                                ProtobufCMessage **out)
{
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    /* without a worker, ListCredentials would list everyone's */
    int rc = hc_call_required(call, req->id, "id");
    if (rc != HC_OK)
        return rc;
    Hcap__ListCredentialsRequest held = HCAP__LIST_CREDENTIALS_REQUEST__INIT;
    held.worker_id = req->id;
    held.has_limit = 1;
    held.limit = HC_LIST_MAX;
    Hcap__ListByWorkerRequest by_worker = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    by_worker.worker_id = req->id;
    by_worker.has_limit = 1;
    by_worker.limit = HC_LIST_MAX;
    ProtobufCMessage *credentials = NULL, *ladders = NULL;
    if ((rc = s_run(state, call, "ListCredentials", &held.base, &credentials)) != HC_OK ||
        (rc = s_run(state, call, "ListWorkerLadders", &by_worker.base, &ladders)) != HC_OK)
        return rc;
    const Hcap__CredentialList *c = (const Hcap__CredentialList *)credentials;
    const Hcap__LadderProgressList *l = (const Hcap__LadderProgressList *)ladders;
    Hcap__CredentialProfile *profile =
        (Hcap__CredentialProfile *)hc_call_new(call, &hcap__credential_profile__descriptor);
    profile->n_credentials = c->n_items;
    profile->credentials = c->items;
    profile->n_ladders = l->n_items;
    profile->ladders = l->items;
    *out = &profile->base;
    return HC_OK;
}
