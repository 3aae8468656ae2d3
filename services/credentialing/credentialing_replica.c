/* credentialing_replica: how a read replica applies its primary's log. Each
   event type writes, from the state its body carries, exactly the rows the
   read methods read; a reset (the primary's epoch changed) deletes them.
   Completion credentials need nothing of their own: the primary awards
   them from apprenticeship's log and emits credential_awarded. */
#include <string.h>
#include "hc_log.h"
#include "hc_replica.h"
#include "credentialing_server.h"

#define S_ACTIVE HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_ACTIVE

/* The replica follows enrollment's log on its own, so it may have erased a
   worker before the primary did and scrubbed its log: evidence about a
   holder erased here is never stored. */
static int s_evidence_erased(hc_store *store, const char *worker_id, bool *erased, hc_error *err)
{
    hc_arena *arena = hc_arena_new();
    cred_holder *holder = NULL;
    int rc = cred_store_holder_get(store, worker_id, arena, &holder, err);
    *erased = rc == HC_OK && holder->erased;
    hc_arena_destroy(&arena);
    return rc == HC_NOT_FOUND ? HC_OK : rc;
}

static int s_competency_created(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return cred_store_competency_insert(store, (Hcap__Competency *)body, err);
}

static int s_type_created(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return cred_store_type_insert(store, (Hcap__CredentialType *)body, err);
}

/* The body's status is as read (expired when past expires_on); the
   primary records every award active and computes expiry on reading. */
static int s_awarded(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    Hcap__Credential *c = (Hcap__Credential *)body;
    bool erased = false;
    int rc = s_evidence_erased(store, c->worker_id, &erased, err);
    if (rc != HC_OK)
        return rc;
    if (erased)
        c->evidence = NULL;
    c->status = S_ACTIVE;
    return cred_store_credential_insert(store, c, err);
}

/* Revoked and expired: the recorded status and revocation. */
static int s_changed(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return cred_store_credential_update(store, (Hcap__Credential *)body, err);
}

static int s_prior_assessed(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    Hcap__PriorLearning *p = (Hcap__PriorLearning *)body;
    bool erased = false;
    int rc = s_evidence_erased(store, p->worker_id, &erased, err);
    if (rc != HC_OK)
        return rc;
    if (erased)
        p->evidence = NULL;
    return cred_store_prior_insert(store, p, err);
}

static int s_ladder_created(hc_store *store, ProtobufCMessage *body, hc_error *err)
{
    return cred_store_ladder_insert(store, (Hcap__Ladder *)body, err);
}

/* Every type the primary emits (credentialing_server.h CRED_EV_*); each
   changes what some read returns. */
static const hc_replica_rule s_applies[] = {
    {CRED_EV_COMPETENCY, &hcap__competency__descriptor, s_competency_created},
    {CRED_EV_TYPE, &hcap__credential_type__descriptor, s_type_created},
    {CRED_EV_AWARDED, &hcap__credential__descriptor, s_awarded},
    {CRED_EV_REVOKED, &hcap__credential__descriptor, s_changed},
    {CRED_EV_EXPIRED, &hcap__credential__descriptor, s_changed},
    {CRED_EV_PRIOR, &hcap__prior_learning__descriptor, s_prior_assessed},
    {CRED_EV_LADDER, &hcap__ladder__descriptor, s_ladder_created},
};

int cred_replica_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    (void)arg;
    return hc_replica_apply(s_applies, sizeof s_applies / sizeof *s_applies, store, event, err);
}

int cred_replica_reset(void *arg, hc_store *store, const char *source, hc_error *err)
{
    (void)arg;
    hc_log_warn("replica_reset", "source=%s", source);
    return cred_store_replica_clear(store, err);
}
