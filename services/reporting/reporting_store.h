/* reporting_store: the read model's writes (sql/001_init.sql,
   002_credential_types.sql, 005_central.sql): workers (with their node at
   central), employers, programs (and their ids per code), credential
   types, facts and apprentices, as the followers apply the three logs; at
   central also the regions' epochs and who wrote the shared rows
   (008_central_epochs.sql).
   Grants and every report read are in reporting_query.c. Every write is an
   upsert or a keyed delete, so applying an event again rewrites the same
   rows. Group texts are lower-case enum names or 'unknown', never NULL. */
#ifndef REPORTING_STORE_H
#define REPORTING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hc_error.h"
#include "hc_store.h"

/* A worker as reports see them: an id and self-identified groups only. */
typedef struct {
    const char *id;
    const char *race_group;
    const char *gender;
    const char *age_band;
    const char *language;
    const char *employer_id; /* NULL: none */
    const char *employment_status;
    const char *registered_status; /* the status at registration; NULL: keep */
} rep_worker;

/* Writes w's groups over the worker's row (created when missing; erased
   and wkey stay). HC_OK or the mapped SQLite error. */
int rep_store_worker_put(hc_store *store, const rep_worker *w, hc_error *err);

/* Sets the node worker id's events came from (central) on its row when
   it has one (writing only a change). HC_OK or the mapped SQLite error. */
int rep_store_worker_node(hc_store *store, const char *id, const char *node, hc_error *err);

/* Marks worker id erased (creating its row, groups 'unknown', when missing). */
int rep_store_worker_erase(hc_store *store, const char *id, hc_error *err);

/* The worker's compact key, its row created with 'unknown' groups when
   the worker was not seen yet. HC_OK or the mapped SQLite error. */
int rep_store_worker_key(hc_store *store, const char *id, int64_t *wkey, hc_error *err);

/* Writes an employer (an organisation: its name is a report label). */
int rep_store_employer_put(hc_store *store, const char *id, const char *name, const char *sector,
                           hc_error *err);

typedef struct {
    const char *origin; /* "enrollment" or "apprenticeship" */
    const char *code;
    const char *id;
    const char *name;
    const char *kind;
    const char *credential_code; /* NULL: none */
} rep_program;

/* Writes a program over the row of its (origin, code), and its id as one
   of that code's (central: several regions' ids for one code). */
int rep_store_program_put(hc_store *store, const rep_program *p, hc_error *err);

/* The code and kind of program id of origin (any id the code was written
   under), copied into code[size] and
   kind[size]. HC_OK; HC_NOT_FOUND naming "program_id" when the read model
   has no such program; HC_OUT_OF_RANGE when a text does not fit; or the
   mapped SQLite error. */
int rep_store_program_find(hc_store *store, const char *origin, const char *id, char *code,
                           char *kind, size_t size, hc_error *err);

/* Writes a credential type's code and name. */
int rep_store_credential_type_put(hc_store *store, const char *code, const char *name,
                                  hc_error *err);

/* One dated fact (facts in sql/001_init.sql); NULL texts are NULL columns. */
typedef struct {
    const char *entity;
    int kind; /* REP_FACT_* */
    const char *worker_id;
    const char *day;
    const char *program;
    const char *program_kind;
    const char *credential;
    const char *source;
    bool has_wage;
    int64_t wage_cents;
} rep_fact;

/* Writes fact f, keyed by (entity, kind), for a worker created when not
   seen yet. keep_first: a row already there stays as it is (its first day
   is kept); else f replaces it. HC_OK or the mapped SQLite error. */
int rep_store_fact_put(hc_store *store, const rep_fact *f, bool keep_first, hc_error *err);

/* Deletes the fact (entity, kind); HC_OK also when there was none. */
int rep_store_fact_delete(hc_store *store, const char *entity, int kind, hc_error *err);

/* An apprentice registration's current state. */
typedef struct {
    const char *id;
    const char *worker_id;
    const char *program;
    const char *start_date;
    const char *status;       /* active, suspended, completed, cancelled */
    const char *status_date;  /* NULL: none */
    const char *completed_on; /* NULL: none */
} rep_apprentice;

/* Writes the registration over its row (the worker's row created when
   not seen yet). */
int rep_store_apprentice_put(hc_store *store, const rep_apprentice *a, hc_error *err);

/* Deletes what one log derived, for a producer rebuilt under a new epoch.
   Enrollment: its facts, programs and employers, and every worker's
   groups back to 'unknown' and node to NULL (rows and keys stay: other
   logs' facts use them). Credentialing: credential facts and types. Apprenticeship: its
   facts, programs and apprentices. HC_OK or HC_INTERNAL. */
int rep_store_reset_enrollment(hc_store *store, hc_error *err);
int rep_store_reset_credentialing(hc_store *store, hc_error *err);
int rep_store_reset_apprenticeship(hc_store *store, hc_error *err);

/* Deletes everything derived from the logs (all but grants), central's
   epochs and labels (008) included. Resets and clear empty model_changes
   and draw a new model generation (007). */
int rep_store_clear(hc_store *store, hc_error *err);

/* --- central (sql/008): the epochs of the regions' logs --- */

typedef enum {
    REP_EPOCH_FIRST,   /* the source was never applied */
    REP_EPOCH_CURRENT, /* the epoch applied now */
    REP_EPOCH_LEFT,    /* an epoch the source left for a newer one */
    REP_EPOCH_NEW,     /* another epoch is current: the region was restored or rebuilt */
} rep_epoch;

/* Where epoch of forwarded log source ("<node>/<service>") stands: *state,
   and with REP_EPOCH_NEW the current epoch copied into current[size].
   HC_OK; HC_OUT_OF_RANGE naming "epoch" when it does not fit; or the
   mapped SQLite error. */
int rep_store_epoch_find(hc_store *store, const char *source, const char *epoch, rep_epoch *state,
                         char *current, size_t size, hc_error *err);

/* Makes epoch source's current epoch, the one before (if any) left. HC_OK
   or the mapped SQLite error. */
int rep_store_epoch_take(hc_store *store, const char *source, const char *epoch, hc_error *err);

/* Records that forwarded log source wrote the row of table tbl
   ("employers", "programs", "program_ids", "credential_types") keyed by
   origin (programs' and program_ids'; NULL for the others) and key. HC_OK
   or the mapped SQLite error. */
int rep_store_label_written(hc_store *store, const char *tbl, const char *origin, const char *key,
                            const char *source, hc_error *err);

/* Deletes what forwarded log source ("<node>/<service>") derived, for its
   new epoch to be applied from seq 1: the service's facts of node's
   workers (enrollment: steps, claims and employment, and the workers'
   groups back to unknown with their node kept; credentialing: credentials;
   apprenticeship: its facts and registrations), then the node's workers
   left with nothing, and the rows of the shared tables only source wrote
   (rep_store_label_written). A new model generation. HC_OK;
   HC_INVALID_ARGUMENT naming "source" for a service that is not forwarded;
   or the mapped SQLite error. */
int rep_store_reset_central(hc_store *store, const char *node, const char *service,
                            const char *source, hc_error *err);

/* Deletes the model_changes rows older than the newest keep: a report
   index further behind reloads whole. HC_OK or the mapped SQLite error. */
int rep_store_changes_trim(hc_store *store, int64_t keep, hc_error *err);

#endif
