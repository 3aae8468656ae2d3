/* enrollment_replica: how a read replica applies its primary's log. Each
   event type writes, from the state its body carries, exactly the rows the
   read methods read; a reset (the primary's epoch changed) deletes them. */
#include <stdio.h>
#include <string.h>
#include "hc_log.h"
#include "hc_replica.h"
#include "enrollment_server.h"

#define S_APPROVED HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED

static int s_employer_created(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return enr_store_employer_insert(store, (const Hcap__Employer *)body, err);
}

static int s_worker_registered(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return enr_store_worker_insert(store, (const Hcap__Worker *)body, err);
}

static int s_worker_updated(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return enr_store_worker_update(store, (const Hcap__Worker *)body, err);
}

/* The same tombstone as the primary's: names, contact, external id, birth
   date and job titles cleared from the rows (secure_delete wipes the
   bytes). */
static int s_worker_erased(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    const Hcap__WorkerErased *erased = (const Hcap__WorkerErased *)body;
    return enr_store_worker_erase(store, erased->id, erased->erased_at, err);
}

static int s_employment_recorded(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return enr_store_employment_insert(store, (const Hcap__EmploymentRecord *)body, err);
}

static int s_program_created(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return enr_store_program_insert(store, (const Hcap__Program *)body, err);
}

static int s_cohort_created(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return enr_store_cohort_insert(store, (const Hcap__Cohort *)body, err);
}

static int s_enrollment_created(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return enr_store_enrollment_insert(store, (const Hcap__Enrollment *)body, err);
}

static int s_enrollment_changed(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return enr_store_enrollment_update(store, (const Hcap__Enrollment *)body, err);
}

static int s_claim_submitted(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return enr_store_claim_insert(store, (const Hcap__TuitionClaim *)body, err);
}

/* An approval counts against the year of its decision, as at the primary
   (no read shows cap_year; kept so the rows stay the primary's). */
static int s_claim_decided(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    const Hcap__TuitionClaim *claim = (const Hcap__TuitionClaim *)body;
    char year[8];
    const char *cap_year = NULL;
    if (claim->status == S_APPROVED && claim->decided_on) {
        snprintf(year, sizeof year, "%.4s", claim->decided_on);
        cap_year = year;
    }
    return enr_store_claim_update(store, claim, cap_year, err);
}

/* Every type the primary emits (enrollment_server.c, enrollment_worker.c,
   enrollment_import.c); each changes what some read returns. */
static const hc_replica_rule s_applies[] = {
    {"enrollment.employer_created.v1", &hcap__employer__descriptor, s_employer_created},
    {"enrollment.worker_registered.v1", &hcap__worker__descriptor, s_worker_registered},
    {"enrollment.worker_updated.v1", &hcap__worker__descriptor, s_worker_updated},
    {"enrollment.worker_erased.v1", &hcap__worker_erased__descriptor, s_worker_erased},
    {"enrollment.employment_recorded.v1", &hcap__employment_record__descriptor,
     s_employment_recorded},
    {"enrollment.program_created.v1", &hcap__program__descriptor, s_program_created},
    {"enrollment.cohort_created.v1", &hcap__cohort__descriptor, s_cohort_created},
    {"enrollment.enrollment_created.v1", &hcap__enrollment__descriptor, s_enrollment_created},
    {"enrollment.enrollment_status_changed.v1", &hcap__enrollment__descriptor,
     s_enrollment_changed},
    {"enrollment.tuition_claim_submitted.v1", &hcap__tuition_claim__descriptor, s_claim_submitted},
    {"enrollment.tuition_claim_decided.v1", &hcap__tuition_claim__descriptor, s_claim_decided},
};

int enr_replica_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    (void)arg;
    return hc_replica_apply(s_applies, sizeof s_applies / sizeof *s_applies, store, event, err);
}

int enr_replica_reset(void *arg, hc_store *store, const char *source, hc_error *err)
{
    (void)arg;
    hc_log_warn("replica_reset", "source=%s", source);
    return enr_store_replica_clear(store, err);
}
