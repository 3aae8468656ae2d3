/* apprenticeship_server: the ApprenticeshipService handlers
   (proto/apprenticeship.proto) and the parts they share across
   apprenticeship_server.c (programs, registration, status),
   apprenticeship_progress.c (progress, hours, sign-offs, completion),
   apprenticeship_import.c (hours from CSV, the RAPIDS export) and
   apprenticeship_credits.c (prior-learning credit followed from
   credentialing). */
#ifndef APPRENTICESHIP_SERVER_H
#define APPRENTICESHIP_SERVER_H

#include "hc_call.h"
#include "hc_service.h"
#include "apprenticeship.pb-c.h"
#include "apprenticeship_store.h"

/* The service definition hc_service_main and hc_service_new_local take. */
extern const hc_service_def appr_service;

/* The embedded sql/NNN_*.sql files (generated at build time). */
extern const hc_migration apprenticeship_migrations[];

/* The event types this service appends (subject: the worker). */
#define APPR_EV_PROGRAM    "apprenticeship.program_created.v1"
#define APPR_EV_REGISTERED "apprenticeship.apprentice_registered.v1"
#define APPR_EV_HOURS      "apprenticeship.hours_logged.v1"
#define APPR_EV_SIGNOFF    "apprenticeship.competency_signed_off.v1"
#define APPR_EV_STATUS     "apprenticeship.apprentice_status_changed.v1"
#define APPR_EV_CREDITED   "apprenticeship.apprentice_credited.v1"
#define APPR_EV_COMPLETED  "apprenticeship.apprentice_completed.v1"

#define APPR_ACTIVE    HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_ACTIVE
#define APPR_SUSPENDED HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_SUSPENDED
#define APPR_COMPLETED HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED
#define APPR_CANCELLED HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_CANCELLED

/* The largest program requirement, in hours (OJL or RTI). */
#define APPR_PROGRAM_HOURS_MAX 20000.0

/* The handlers' state: the service's parts. */
typedef struct {
    hc_service *service;
    hc_store *store;
    hc_eventlog *log;
} appr_state;

/* --- shared by the handler files --- */

/* Hours as hundredths: HC_OK and *out when hours is finite, in [min, max]
   and has at most two decimals; else fails the call with
   HC_INVALID_ARGUMENT naming field. min_open: hours must be above min. */
int appr_centihours(hc_call *call, double hours, double min, bool min_open, double max,
                    const char *field, int64_t *out);

/* Reads the apprentice id with its program and derived progress filled in
   (competencies_remaining, wage_step, hourly_wage_cents,
   completion_credential_code). *program may be NULL when not wanted.
   HC_OK or the call's failure (HC_NOT_FOUND naming field). */
int appr_apprentice_read(appr_state *state, hc_call *call, const char *id, const char *field,
                         Hcap__Apprentice **out, Hcap__ApprenticeshipProgram **program);

/* Sets *program to the program code, reading it only when *program (NULL
   or a program read before) is another one: lists read each program once
   per run. HC_OK or the call's failure. */
int appr_program_cached(appr_state *state, hc_call *call, const char *code,
                        Hcap__ApprenticeshipProgram **program);

/* Fills the derived progress of a from its program p. */
void appr_progress_fill(hc_arena *arena, Hcap__Apprentice *apprentice,
                        const Hcap__ApprenticeshipProgram *program);

/* After a change to an active apprentice's record: a is its state read
   back (with progress) and p its program. When the program's requirements
   are now met, records the completion in a and the store (completed_on:
   the latest of its recorded dates and on) and emits apprentice_completed;
   *completed tells whether this call completed it. HC_OK or the call's
   failure. */
int appr_complete_if_met(appr_state *state, hc_call *call, const char *on,
                         const Hcap__ApprenticeshipProgram *program, Hcap__Apprentice *apprentice,
                         bool *completed);

/* Fails the call with HC_FAILED_PRECONDITION naming "status" unless the
   apprentice is active (hours and sign-offs need it). */
int appr_require_active(hc_call *call, const Hcap__Apprentice *apprentice);

/* The LogHours handler's work, shared with ImportHours: validates req
   against the apprentice's state, records the entry, emits hours_logged
   and completes when met. *out is the apprentice's new state; *completed
   tells whether this entry completed it. */
int appr_hours_log(appr_state *state, hc_call *call, const Hcap__LogHoursRequest *req,
                   Hcap__Apprentice **out, bool *completed);

/* The filter of a list request: HC_OK, or the call's failure naming
   "status". */
int appr_filter_read(hc_call *call, const Hcap__ListApprenticesRequest *req, appr_filter *filter);

/* Handlers (apprenticeship_progress.c, apprenticeship_import.c,
   apprenticeship_credits.c). */
hc_handler_fn appr_get_apprentice, appr_list_apprentices, appr_log_hours, appr_list_hours,
    appr_sign_off, appr_import_hours, appr_export_apprentices, appr_apply_prior_credit;

/* The follower of credentialing's log (apprenticeship_credits.c): a
   prior_learning_assessed event with credit hours runs ApplyPriorCredit;
   other types are ignored. arg is the appr_state. */
hc_follower_apply_fn appr_credits_apply;

/* Read replica mode (apprenticeship_replica.c): applies one event of the
   primary's log to a replica's store (every type the primary emits; an
   unknown type or a body that does not decode fails, so the follower
   dead-letters it), and deletes all that apply wrote when the primary's
   epoch changed. arg is unused. */
hc_follower_apply_fn appr_replica_apply;
hc_follower_reset_fn appr_replica_reset;

#endif
