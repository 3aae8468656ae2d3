/* enrollment_store: every SQL statement of the enrollment service, as cached
   prepared statements with bound parameters, reading and writing the
   entities as their hcap.* protobuf messages. */
#ifndef ENROLLMENT_STORE_H
#define ENROLLMENT_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_query.h"
#include "hc_store.h"
#include "enrollment.pb-c.h"

/* What enr_store_exists looks up. A worker exists while not erased. */
typedef enum { ENR_EMPLOYER, ENR_WORKER, ENR_PROGRAM, ENR_COHORT } enr_kind;

/* Readers return HC_OK and set *out (allocated in arena), or HC_NOT_FOUND
   with err naming field, or HC_INTERNAL/HC_UNAVAILABLE when SQLite fails.
   Writers return HC_OK, or the code of hc_store_error for field. */

/* HC_OK when a row of kind with id exists, else HC_NOT_FOUND naming field. */
int enr_store_exists(hc_store *store, enr_kind kind, const char *id, const char *field,
                     hc_error *err);

/* --- employers --- */
int enr_store_employer_insert(hc_store *store, const Hcap__Employer *employer, hc_error *err);
int enr_store_employer_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                           Hcap__Employer **out, hc_error *err);
int enr_store_employer_list(hc_store *store, const hc_page *page, hc_arena *arena,
                            Hcap__EmployerList *out, hc_error *err);

/* --- workers --- */

/* Inserts a worker (every field of w, created_at and updated_at set). A
   taken external_id gives HC_ALREADY_EXISTS naming "external_id". */
int enr_store_worker_insert(hc_store *store, const Hcap__Worker *worker, hc_error *err);

/* Replaces every field of the live worker w->id but created_at. */
int enr_store_worker_update(hc_store *store, const Hcap__Worker *worker, hc_error *err);

/* A live (not erased) worker by id. */
int enr_store_worker_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                         Hcap__Worker **out, hc_error *err);

/* The live worker holding external_id: HC_OK, or HC_NOT_FOUND (err not filled). */
int enr_store_worker_by_external(hc_store *store, const char *external_id, hc_arena *arena,
                                 Hcap__Worker **out, hc_error *err);

/* Live workers by id. q (NULL: any) matches a case-insensitive (ASCII)
   prefix of the given or family name, or the whole external_id; employer_id
   (NULL: any) filters. Uses the name and employer indexes. */
int enr_store_worker_list(hc_store *store, const char *q, const char *employer_id,
                          const hc_page *page, hc_arena *arena, Hcap__WorkerList *out,
                          hc_error *err);

/* Turns the live worker id into a tombstone at erased_at: names, external
   id, birth date, contact and job title cleared (also the job titles of
   its employment records). HC_NOT_FOUND naming "id" when not live. */
int enr_store_worker_erase(hc_store *store, const char *id, const char *erased_at, hc_error *err);

/* A savepoint of its own around an import's writes, inside the request's:
   the import writes each row as soon as it is checked and, when a later
   row is rejected, rolls all of them back (keep false) while the request
   still replies with the rejections. begin: HC_OK or HC_INTERNAL. end
   releases the savepoint after rolling back to it unless keep; HC_OK or
   HC_INTERNAL. */
int enr_store_import_begin(hc_store *store, hc_error *err);
int enr_store_import_end(hc_store *store, bool keep, hc_error *err);

/* --- programs --- */

/* A taken code gives HC_ALREADY_EXISTS naming "code". */
int enr_store_program_insert(hc_store *store, const Hcap__Program *program, hc_error *err);
int enr_store_program_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                          Hcap__Program **out, hc_error *err);
int enr_store_program_list(hc_store *store, const hc_page *page, hc_arena *arena,
                           Hcap__ProgramList *out, hc_error *err);

/* --- cohorts (read with enrolled_count and waitlist_count) --- */
int enr_store_cohort_insert(hc_store *store, const Hcap__Cohort *cohort, hc_error *err);
int enr_store_cohort_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                         Hcap__Cohort **out, hc_error *err);
int enr_store_cohort_list(hc_store *store, const char *program_id, const hc_page *page,
                          hc_arena *arena, Hcap__CohortList *out, hc_error *err);

/* --- enrollments (read with waitlist_position while waitlisted) --- */
typedef struct {
    const char *worker_id; /* NULL: any */
    const char *cohort_id; /* NULL: any */
    int status;            /* 0: any */
} enr_enrollment_filter;

/* Inserts every field of e (waitlist_position is derived, not stored). */
int enr_store_enrollment_insert(hc_store *store, const Hcap__Enrollment *enrollment, hc_error *err);

/* Writes status, status_date, reason, hours_attended and updated_at of e->id. */
int enr_store_enrollment_update(hc_store *store, const Hcap__Enrollment *enrollment, hc_error *err);
int enr_store_enrollment_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                             Hcap__Enrollment **out, hc_error *err);
int enr_store_enrollment_list(hc_store *store, const enr_enrollment_filter *filter,
                              const hc_page *page, hc_arena *arena, Hcap__EnrollmentList *out,
                              hc_error *err);

/* True when worker_id holds an enrolled, waitlisted or active enrollment in
   cohort_id. HC_OK and *found set, or an error. */
int enr_store_enrollment_open(hc_store *store, const char *worker_id, const char *cohort_id,
                              bool *found, hc_error *err);

/* The cohort's first waitlisted enrollment (oldest): HC_OK, or HC_NOT_FOUND
   (err not filled) when nobody waits. */
int enr_store_enrollment_first_waiting(hc_store *store, const char *cohort_id, hc_arena *arena,
                                       Hcap__Enrollment **out, hc_error *err);

/* --- tuition claims --- */

/* cap_year is the year the claim counts against (NULL until approved). */
int enr_store_claim_insert(hc_store *store, const Hcap__TuitionClaim *claim, hc_error *err);
int enr_store_claim_update(hc_store *store, const Hcap__TuitionClaim *claim, const char *cap_year,
                           hc_error *err);
int enr_store_claim_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                        Hcap__TuitionClaim **out, hc_error *err);
int enr_store_claim_list(hc_store *store, const char *worker_id, const hc_page *page,
                         hc_arena *arena, Hcap__TuitionClaimList *out, hc_error *err);

/* Sum of approved_cents of worker_id's approved or paid claims counted
   against year ("2026"). HC_OK and *total set, or an error. */
int enr_store_claim_year_total(hc_store *store, const char *worker_id, const char *year,
                               int64_t *total, hc_error *err);

/* --- employment records --- */
int enr_store_employment_insert(hc_store *store, const Hcap__EmploymentRecord *record,
                                hc_error *err);
int enr_store_employment_list(hc_store *store, const char *worker_id, const hc_page *page,
                              hc_arena *arena, Hcap__EmploymentList *out, hc_error *err);

/* --- a read replica --- */

/* Deletes every row of the tables a replica fills from its primary's log
   (all of the above), children first, in the caller's transaction. HC_OK
   or HC_INTERNAL. */
int enr_store_replica_clear(hc_store *store, hc_error *err);

/* --- the event log, read back --- */

/* Receives one event (see hc_query_event_fn). */
typedef hc_query_event_fn enr_event_fn;

/* Calls fn for every event of the service's log (the `events` table that
   hc_eventlog keeps in this store) in seq order, as this connection sees
   them. For tests and tools that check what the log holds. HC_OK or the
   mapped SQLite error. */
int enr_store_events_each(hc_store *store, enr_event_fn *fn, void *arg, hc_error *err);

#endif
