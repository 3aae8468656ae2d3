/* enrollment_server: the EnrollmentService handlers (proto/enrollment.proto)
   and the parts they share across enrollment_server.c, enrollment_worker.c
   and enrollment_import.c. */
#ifndef ENROLLMENT_SERVER_H
#define ENROLLMENT_SERVER_H

#include <stdbool.h>
#include "hc_call.h"
#include "hc_service.h"
#include "enrollment.pb-c.h"
#include "enrollment_store.h"

/* The service definition hc_service_main and hc_service_new_local take. */
extern const hc_service_def enr_service;

/* The embedded sql/NNN_*.sql files (generated at build time). */
extern const hc_migration enrollment_migrations[];

/* Config key and default of the per-worker, per-calendar-year cap on
   approved tuition. */
#define ENR_TUITION_CAP_KEY     "enrollment/tuition_annual_cap_cents"
#define ENR_TUITION_CAP_DEFAULT 525000

/* --- shared by the handler files --- */

/* The handlers' state: the service's parts. */
typedef struct {
    hc_service *service;
    hc_store *store;
    hc_eventlog *log;
} enr_state;

/* Receives one validation problem: code (HC_INVALID_ARGUMENT or
   HC_NOT_FOUND), the offending field, a message. */
typedef void(enr_report_fn)(void *arg, int code, const char *field, const char *message);

/* THE worker validation, used by create, update, employment records and
   import: puts w in canonical form (race_ethnicity sorted) and reports
   every problem of the complete worker state (required names and
   employment status, dates, email, wage, enums, an unknown employer).
   Returns the number of problems reported. */
int enr_worker_check(enr_state *state, Hcap__Worker *w, enr_report_fn *report, void *arg);

/* Puts w in canonical form: race_ethnicity sorted (the order of answers
   means nothing, so it never makes a change). */
void enr_worker_canonical(Hcap__Worker *w);

/* True when a and b hold the same worker data (timestamps ignored). */
bool enr_worker_same(hc_arena *arena, const Hcap__Worker *a, const Hcap__Worker *b);

/* The worker handlers (enrollment_worker.c) and the import (enrollment_import.c). */
hc_handler_fn enr_create_worker, enr_get_worker, enr_list_workers, enr_update_worker,
    enr_erase_worker, enr_record_employment, enr_list_employment, enr_import_workers;

/* GetWorkerProfile (enrollment_profile.c): the worker's record
   (GetWorker's answer, NOT_FOUND naming "id" for an unknown or erased
   worker) with the first HC_LIST_MAX rows of their employment, enrollments
   and tuition claims, as ListEmployment, ListEnrollments and
   ListTuitionClaims give them, all read in the request's transaction. */
hc_handler_fn enr_get_worker_profile;

/* Read replica mode (enrollment_replica.c): applies one event of the
   primary's log to a replica's store (every type the primary emits; an
   unknown type or a body that does not decode fails, so the follower
   dead-letters it), and deletes all that apply wrote when the primary's
   epoch changed. arg is unused. */
hc_follower_apply_fn enr_replica_apply;
hc_follower_reset_fn enr_replica_reset;

#endif
