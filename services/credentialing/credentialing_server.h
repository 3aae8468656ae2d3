/* credentialing_server: the CredentialingService handlers
   (proto/credentialing.proto) and the parts they share across
   credentialing_server.c, credentialing_award.c, credentialing_holders.c
   and credentialing_badge.c. */
#ifndef CREDENTIALING_SERVER_H
#define CREDENTIALING_SERVER_H

#include "hc_call.h"
#include "hc_proof.h"
#include "hc_service.h"
#include "credentialing.pb-c.h"
#include "credentialing_store.h"

/* The service definition hc_service_main and hc_service_new_local take. */
extern const hc_service_def cred_service;

/* The embedded sql/NNN_*.sql files (generated at build time). */
extern const hc_migration credentialing_migrations[];

/* Config keys and defaults: the node's public base URL (verification links,
   badge ids) and its name (the badge issuer's). */
#define CRED_PUBLIC_URL_KEY     "node/public_url"
#define CRED_PUBLIC_URL_DEFAULT "http://127.0.0.1:8080"
#define CRED_NODE_NAME_KEY      "node/name"

/* The longest validity a credential type may have, in months. */
#define CRED_VALIDITY_MAX 600

/* The event types this service appends. */
#define CRED_EV_COMPETENCY "credentialing.competency_created.v1"
#define CRED_EV_TYPE       "credentialing.credential_type_created.v1"
#define CRED_EV_AWARDED    "credentialing.credential_awarded.v1"
#define CRED_EV_REVOKED    "credentialing.credential_revoked.v1"
#define CRED_EV_EXPIRED    "credentialing.credential_expired.v1"
#define CRED_EV_PRIOR      "credentialing.prior_learning_assessed.v1"
#define CRED_EV_LADDER     "credentialing.ladder_created.v1"

/* --- shared by the handler files --- */

/* The handlers' state: the service's parts, the public URL (no trailing
   '/'), the issuer name and the node's signing key. */
typedef struct {
    hc_service *service;
    hc_store *store;
    hc_eventlog *log;
    char *public_url;
    char *node_name;
    hc_proof_key *key;
} cred_state;

/* A validated award: what AwardCredential and AssessPriorLearning grant. */
typedef struct {
    const char *worker_id;
    const char *credential_code;
    const char *issued_on; /* a real date, not in the future */
    int source;            /* a valid Hcap__CredentialSource */
    const char *evidence;  /* NULL: none */
    const char *prior_learning_id;
    const char *apprentice_id; /* source apprenticeship: the registration */
} cred_award_input;

/* Awards a credential: looks the type up (HC_NOT_FOUND naming
   credential_code), sets expires_on from its validity, stores the award
   (HC_ALREADY_EXISTS naming apprentice_id when that registration holds a
   credential already, naming credential_code for the same worker, code
   and issued_on), appends credential_awarded and sets *out to the
   credential as read back, with its verification_url. HC_OK or the call's
   failure. */
int cred_award(cred_state *state, hc_call *call, const cred_award_input *award,
               Hcap__Credential **out);

/* Fills credential->verification_url: <public url>/v1/verify/<id>. */
void cred_credential_url(cred_state *state, hc_arena *arena, Hcap__Credential *credential);

/* Checks a list of codes (field names it in errors): no empty or repeated
   code (HC_INVALID_ARGUMENT), each one known in kind's table
   (HC_NOT_FOUND). HC_OK or the call's failure. */
int cred_codes_check(cred_state *state, hc_call *call, cred_code_kind kind, char **codes, size_t n,
                     const char *field);

/* The award handlers (credentialing_award.c). */
hc_handler_fn cred_award_credential, cred_get_credential, cred_list_credentials,
    cred_revoke_credential, cred_get_verification, cred_sweep_expired, cred_assess_prior_learning,
    cred_list_prior_learning;

/* Completion credentials (credentialing_completion.c): the AwardCompletion
   handler, and the follower of apprenticeship's log, whose apply runs it
   for each apprenticeship.apprentice_completed.v1 event that names a
   completion_credential_code. A completion awarded already (the same
   registration, or the worker holding that code from that date) applies
   without a second award; other event types are ignored; an undecodable
   body or a code unknown here fails (the follower dead-letters it). arg is
   the cred_state. */
hc_handler_fn cred_award_completion;
hc_follower_apply_fn cred_completions_apply;

/* GetCredentialProfile (credentialing_profile.c): the first HC_LIST_MAX
   credentials of worker id and their progress on the first HC_LIST_MAX
   ladders, as ListCredentials and ListWorkerLadders give them, read in
   the request's transaction; HC_INVALID_ARGUMENT naming "id" when empty.
   A worker credentialing has never seen has none and no rung held. */
hc_handler_fn cred_get_credential_profile;

/* The Open Badges 3.0 document (credentialing_badge.c). */
hc_handler_fn cred_get_badge;

/* The holder directory (credentialing_holders.c): follows enrollment's log.
   apply handles worker_registered / worker_updated (initials and salted
   name hash of the holder) and worker_erased (holder gone, evidence
   cleared from this service's rows, events and recorded replies); other
   types are ignored. reset clears the directory. arg is the cred_state. */
hc_follower_apply_fn cred_holders_apply;
hc_follower_reset_fn cred_holders_reset;

/* Read replica mode (credentialing_replica.c): applies one event of the
   primary's log to a replica's store (every type the primary emits; an
   unknown type or a body that does not decode fails, so the follower
   dead-letters it), and deletes all that apply wrote when the primary's
   epoch changed. The replica follows enrollment's log itself for the
   holder directory (cred_holders_apply), which also carries out erasure
   there. arg is unused. */
hc_follower_apply_fn cred_replica_apply;
hc_follower_reset_fn cred_replica_reset;

/* The initials of a name ("L. C."): the first character of each non-empty
   part, ASCII letters upper-cased, each followed by '.', joined by a space.
   In arena; NULL when both parts are empty or not UTF-8. */
char *cred_initials(hc_arena *arena, const char *given_name, const char *family_name);

#endif
