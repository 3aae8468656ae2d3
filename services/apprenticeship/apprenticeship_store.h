/* apprenticeship_store: every SQL statement of the apprenticeship service,
   as cached prepared statements with bound parameters, reading and writing
   the entities as their hcap.* protobuf messages. Hours travel in
   hundredths (centihours) between the store and the handlers. */
#ifndef APPRENTICESHIP_STORE_H
#define APPRENTICESHIP_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_query.h"
#include "hc_store.h"
#include "apprenticeship.pb-c.h"

/* Readers return HC_OK and set *out (allocated in arena), or HC_NOT_FOUND
   with err naming field, or HC_INTERNAL/HC_UNAVAILABLE when SQLite fails.
   Writers return HC_OK, or the code of hc_store_error for the field named.

   An apprentice is read with its recorded fields and its progress: hours
   logged and credited per kind (ojl_hours ... credited_rti_hours) and the
   competencies signed off, in sign-off order. competencies_remaining,
   wage_step, hourly_wage_cents and completion_credential_code are the
   handlers' to fill from the program. */

/* --- programs (a taken code: HC_ALREADY_EXISTS naming "code") --- */
int appr_store_program_insert(hc_store *store, const Hcap__ApprenticeshipProgram *program,
                              hc_error *err);
int appr_store_program_get(hc_store *store, const char *code, const char *field, hc_arena *arena,
                           Hcap__ApprenticeshipProgram **out, hc_error *err);
int appr_store_program_list(hc_store *store, const hc_page *page, hc_arena *arena,
                            Hcap__ApprenticeshipProgramList *out, hc_error *err);

/* --- apprentices --- */
typedef struct {
    const char *worker_id;    /* NULL: any */
    const char *program_code; /* NULL: any */
    const char *mentor;       /* NULL: any */
    int status;               /* 0: any */
} appr_filter;

/* Inserts the recorded fields of a. An open registration of the same
   worker and program gives HC_ALREADY_EXISTS naming "program_code". */
int appr_store_apprentice_insert(hc_store *store, const Hcap__Apprentice *apprentice,
                                 hc_error *err);

/* Writes status, status_date, status_reason, completed_on and updated_at
   of a->id. */
int appr_store_apprentice_update(hc_store *store, const Hcap__Apprentice *apprentice,
                                 hc_error *err);
int appr_store_apprentice_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                              Hcap__Apprentice **out, hc_error *err);
int appr_store_apprentice_list(hc_store *store, const appr_filter *filter, const hc_page *page,
                               hc_arena *arena, Hcap__ApprenticeList *out, hc_error *err);

/* The ids of worker_id's open (active or suspended) registrations: *ids
   (arena) and *count. */
int appr_store_open_ids(hc_store *store, const char *worker_id, hc_arena *arena, char ***ids,
                        size_t *count, hc_error *err);

/* The latest date on which anything was recorded for the apprentice (an
   hours entry or a sign-off), or its start date: *out (arena). */
int appr_store_last_date(hc_store *store, const char *apprentice_id, hc_arena *arena, char **out,
                         hc_error *err);

/* --- hours and sign-offs --- */

/* The hundredths of hours already logged for the apprentice on date. */
int appr_store_day_centihours(hc_store *store, const char *apprentice_id, const char *date,
                              int64_t *out, hc_error *err);
int appr_store_hours_insert(hc_store *store, const Hcap__HoursEntry *entry, hc_error *err);
int appr_store_hours_list(hc_store *store, const char *apprentice_id, const hc_page *page,
                          hc_arena *arena, Hcap__HoursEntryList *out, hc_error *err);

/* The competency signed off twice gives HC_ALREADY_EXISTS naming
   "competency". */
int appr_store_signoff_insert(hc_store *store, const Hcap__Signoff *signoff, hc_error *err);

/* --- prior-learning credit --- */

/* Keeps a credit (replacing one of the same prior_learning_id). */
int appr_store_credit_put(hc_store *store, const Hcap__PriorCredit *credit, hc_error *err);

/* Grants the apprentice every kept credit of its worker it has not had
   yet; *granted tells whether any was new. */
int appr_store_credit_grant(hc_store *store, const char *apprentice_id, const char *worker_id,
                            bool *granted, hc_error *err);

/* --- a read replica --- */

/* At a read replica: the apprentice's credited hours as one row (under
   prior_learning_id ""), replacing the last. Its events carry the totals
   an apprentice is read with, not each credit, and reads only sum them. */
int appr_store_credit_total_put(hc_store *store, const char *apprentice_id, int64_t ojl_centihours,
                                int64_t rti_centihours, hc_error *err);

/* Deletes every row of the tables a replica fills from its primary's log
   (programs, apprentices, hours, sign-offs, credited hours), children
   first, in the caller's transaction. HC_OK or HC_INTERNAL. */
int appr_store_replica_clear(hc_store *store, hc_error *err);

/* --- the event log, read back --- */

/* Calls fn for every event of the service's log in seq order. For tests and
   tools that check what the log holds. HC_OK or the mapped SQLite error. */
int appr_store_events_each(hc_store *store, hc_query_event_fn *fn, void *arg, hc_error *err);

#endif
