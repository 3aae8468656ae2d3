/* credentialing_store: every SQL statement of the credentialing service, as
   cached prepared statements with bound parameters, reading and writing the
   entities as their hcap.* protobuf messages. */
#ifndef CREDENTIALING_STORE_H
#define CREDENTIALING_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_query.h"
#include "hc_store.h"
#include "credentialing.pb-c.h"

/* The catalogues whose codes other records name. */
typedef enum { CRED_COMPETENCY, CRED_TYPE } cred_code_kind;

/* Readers return HC_OK and set *out (allocated in arena), or HC_NOT_FOUND
   with err naming field, or HC_INTERNAL/HC_UNAVAILABLE when SQLite fails.
   Writers return HC_OK, or the code of hc_store_error for the field named.
   A credential is read with its type's name, kind and issuer and its
   status computed: recorded active with expires_on before today (UTC)
   reads expired. */

/* HC_OK when code exists in kind's table, else HC_NOT_FOUND naming field. */
int cred_store_code_exists(hc_store *store, cred_code_kind kind, const char *code,
                           const char *field, hc_error *err);

/* --- competencies (a taken code: HC_ALREADY_EXISTS naming "code") --- */
int cred_store_competency_insert(hc_store *store, const Hcap__Competency *competency,
                                 hc_error *err);
int cred_store_competency_get(hc_store *store, const char *code, const char *field, hc_arena *arena,
                              Hcap__Competency **out, hc_error *err);
int cred_store_competency_list(hc_store *store, const hc_page *page, hc_arena *arena,
                               Hcap__CompetencyList *out, hc_error *err);

/* --- credential types (a taken code: HC_ALREADY_EXISTS naming "code") --- */
int cred_store_type_insert(hc_store *store, const Hcap__CredentialType *type, hc_error *err);
int cred_store_type_get(hc_store *store, const char *code, const char *field, hc_arena *arena,
                        Hcap__CredentialType **out, hc_error *err);
int cred_store_type_list(hc_store *store, const hc_page *page, hc_arena *arena,
                         Hcap__CredentialTypeList *out, hc_error *err);

/* --- credentials --- */
typedef struct {
    const char *worker_id;       /* NULL: any */
    const char *credential_code; /* NULL: any */
    int status;                  /* 0: any; else the computed status */
} cred_credential_filter;

/* Inserts the stored fields of c. The same worker, code and issued_on
   again, or an apprentice_id already awarded, gives HC_ALREADY_EXISTS
   naming "credential_code". */
int cred_store_credential_insert(hc_store *store, const Hcap__Credential *credential,
                                 hc_error *err);

/* Writes status, revoked_on, revocation_reason and updated_at of c->id. */
int cred_store_credential_update(hc_store *store, const Hcap__Credential *credential,
                                 hc_error *err);
int cred_store_credential_get(hc_store *store, const char *id, const char *field, hc_arena *arena,
                              Hcap__Credential **out, hc_error *err);
/* The credential awarded for completing apprentice_id: HC_OK and *out,
   HC_NOT_FOUND (err not filled) when none, or the mapped SQLite error. */
int cred_store_credential_by_apprentice(hc_store *store, const char *apprentice_id, hc_arena *arena,
                                        Hcap__Credential **out, hc_error *err);
int cred_store_credential_list(hc_store *store, const cred_credential_filter *filter,
                               const hc_page *page, hc_arena *arena, Hcap__CredentialList *out,
                               hc_error *err);

/* Credentials recorded active whose expires_on is before today, by id
   after page->after, at most page->limit (read as of the stored status,
   which is still active). */
int cred_store_credential_due(hc_store *store, const char *today, const hc_page *page,
                              hc_arena *arena, Hcap__CredentialList *out, hc_error *err);

/* The distinct credential codes worker_id holds with computed status
   active: *codes (arena) and *count. */
int cred_store_worker_codes(hc_store *store, const char *worker_id, hc_arena *arena, char ***codes,
                            size_t *count, hc_error *err);

/* --- prior learning --- */
int cred_store_prior_insert(hc_store *store, const Hcap__PriorLearning *prior, hc_error *err);
int cred_store_prior_list(hc_store *store, const char *worker_id, const hc_page *page,
                          hc_arena *arena, Hcap__PriorLearningList *out, hc_error *err);

/* --- ladders (a taken code: HC_ALREADY_EXISTS naming "code") --- */
int cred_store_ladder_insert(hc_store *store, const Hcap__Ladder *ladder, hc_error *err);
int cred_store_ladder_list(hc_store *store, const hc_page *page, hc_arena *arena,
                           Hcap__LadderList *out, hc_error *err);

/* --- the holder directory --- */
typedef struct {
    char *initials;
    char *name_hash; /* lower-case hex SHA-256 of "<given> <family>" + salt */
    char *salt;      /* hex */
    bool erased;     /* the worker was erased: the texts are NULL */
} cred_holder;

/* Inserts or replaces the holder of worker_id. */
int cred_store_holder_put(hc_store *store, const char *worker_id, const cred_holder *holder,
                          const char *updated_at, hc_error *err);

/* The holder of worker_id: HC_OK and *out, HC_NOT_FOUND (err not filled)
   when unknown, or the mapped SQLite error. */
int cred_store_holder_get(hc_store *store, const char *worker_id, hc_arena *arena,
                          cred_holder **out, hc_error *err);

/* Forgets the holder of worker_id (none is fine). */
int cred_store_holder_delete(hc_store *store, const char *worker_id, hc_error *err);

/* Erasure: keeps only that worker_id was erased at erased_at. */
int cred_store_holder_erase(hc_store *store, const char *worker_id, const char *erased_at,
                            hc_error *err);

/* Forgets every holder. */
int cred_store_holders_clear(hc_store *store, hc_error *err);

/* Erasure: clears the evidence of worker_id's credentials and prior
   learning records. */
int cred_store_evidence_clear(hc_store *store, const char *worker_id, hc_error *err);

/* --- a read replica --- */

/* Deletes every row of the tables a replica fills from its primary's log
   (competencies, credential types, credentials, prior learning, ladders;
   not the holder directory, which the replica follows from enrollment
   itself), in the caller's transaction. HC_OK or HC_INTERNAL. */
int cred_store_replica_clear(hc_store *store, hc_error *err);

/* --- the event log, read back --- */

/* Receives one event (see hc_query_event_fn). */
typedef hc_query_event_fn cred_event_fn;

/* Calls fn for every event of the service's log in seq order. For tests and
   tools that check what the log holds. HC_OK or the mapped SQLite error. */
int cred_store_events_each(hc_store *store, cred_event_fn *fn, void *arg, hc_error *err);

#endif
