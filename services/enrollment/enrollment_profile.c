/* enrollment_profile: GetWorkerProfile, a worker's record with their
   employment, enrollments and tuition claims in one request, so the
   gateway's profile asks enrollment once instead of four times. */
#include <assert.h>
#include <string.h>
#include "enrollment_server.h"

/* The handler of method in enrollment's own table. The profile runs the
   very handlers its parts ran as separate requests (the same checks,
   errors, order and pages), here inside this request's one read
   transaction, so the four parts are also consistent with each other. */
static int s_run(void *state, hc_call *call, const char *method, const ProtobufCMessage *in,
                 ProtobufCMessage **out)
{
    const hc_handler *h = enr_service.handlers;
    while (h->method && strcmp(h->method, method) != 0)
        h++;
    assert(h->fn);
    return h->fn(state, call, in, out);
}

/* Reads the three lists of worker_id (each the first HC_LIST_MAX rows)
   into profile. HC_OK or the call's failure. */
static int s_lists(void *state, hc_call *call, char *worker_id, Hcap__WorkerProfile *profile)
{
    Hcap__ListByWorkerRequest by_worker = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    by_worker.worker_id = worker_id;
    by_worker.has_limit = 1;
    by_worker.limit = HC_LIST_MAX;
    Hcap__ListEnrollmentsRequest by_enrollee = HCAP__LIST_ENROLLMENTS_REQUEST__INIT;
    by_enrollee.worker_id = worker_id;
    by_enrollee.has_limit = 1;
    by_enrollee.limit = HC_LIST_MAX;
    ProtobufCMessage *employment = NULL, *enrollments = NULL, *claims = NULL;
    int rc;
    if ((rc = s_run(state, call, "ListEmployment", &by_worker.base, &employment)) != HC_OK ||
        (rc = s_run(state, call, "ListEnrollments", &by_enrollee.base, &enrollments)) != HC_OK ||
        (rc = s_run(state, call, "ListTuitionClaims", &by_worker.base, &claims)) != HC_OK)
        return rc;
    const Hcap__EmploymentList *e = (const Hcap__EmploymentList *)employment;
    const Hcap__EnrollmentList *n = (const Hcap__EnrollmentList *)enrollments;
    const Hcap__TuitionClaimList *c = (const Hcap__TuitionClaimList *)claims;
    profile->n_employment = e->n_items;
    profile->employment = e->items;
    profile->n_enrollments = n->n_items;
    profile->enrollments = n->items;
    profile->n_tuition_claims = c->n_items;
    profile->tuition_claims = c->items;
    return HC_OK;
}

int enr_get_worker_profile(void *state, hc_call *call, const ProtobufCMessage *in,
                           ProtobufCMessage **out)
{
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    ProtobufCMessage *worker = NULL;
    int rc = s_run(state, call, "GetWorker", in, &worker);
    if (rc != HC_OK)
        return rc;
    Hcap__WorkerProfile *profile =
        (Hcap__WorkerProfile *)hc_call_new(call, &hcap__worker_profile__descriptor);
    profile->worker = (Hcap__Worker *)worker;
    if ((rc = s_lists(state, call, req->id, profile)) != HC_OK)
        return rc;
    *out = &profile->base;
    return HC_OK;
}
