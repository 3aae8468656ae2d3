/* Tests of credentialing's read replica: catalogues, awards (earned, by
   prior learning, a completion credential driven by apprenticeship's log),
   a revocation, the expiry sweep and ladders written at a primary, carried
   by its log into a replica through cred_service.replica_apply; the holder
   directory (initials) followed from enrollment at each. Every read
   answers byte for byte as at the primary, writes are refused, a reset and
   a replay give the same, erased evidence leaves the replica's file. */
#include <criterion/criterion.h>
#include <unistd.h>
#include "replica_pair.h"
#include "apprenticeship.pb-c.h"
#include "credentialing_server.h"
#include "enrollment.pb-c.h"

#define S_REVOKED HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_REVOKED
#define S_EXPIRED HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_EXPIRED

static rp_pair s_pair;

static void s_setup(void)
{
    rp_open(&s_pair, &cred_service);
}

static void s_teardown(void)
{
    rp_close(&s_pair);
}

TestSuite(replica_credentialing, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* --- other logs, as each store's followers apply them --- */

/* Applies one event of another service's log with apply in side's store
   and state, in a transaction. */
static void s_follow(ht_local *side, hc_follower_apply_fn *apply, const char *type,
                     const ProtobufCMessage *body)
{
    size_t size = 0;
    Hcap__Event event = HCAP__EVENT__INIT;
    event.source = "local/other";
    event.epoch = "test-epoch";
    event.seq = 1;
    event.occurred_at = "2026-01-01T00:00:00.000Z";
    event.type = (char *)type;
    event.body.data = hc_msg_pack(body, side->arena, &size);
    event.body.len = size;
    hc_store *store = hc_service_store(side->svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK, "%s", err.message);
    cr_assert_eq(apply(hc_service_state(side->svc), store, &event, &err), HC_OK, "%s: %s", type,
                 err.message);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK, "%s", err.message);
}

/* enrollment's worker_registered, at the primary and at the replica. */
static void s_holder(const char *worker_id, const char *given, const char *family)
{
    Hcap__Worker w = HCAP__WORKER__INIT;
    w.id = (char *)worker_id;
    w.given_name = (char *)given;
    w.family_name = (char *)family;
    s_follow(&s_pair.primary, cred_holders_apply, "enrollment.worker_registered.v1", &w.base);
    s_follow(&s_pair.replica, cred_holders_apply, "enrollment.worker_registered.v1", &w.base);
}

static void s_erase(ht_local *side, const char *worker_id)
{
    Hcap__WorkerErased erased = HCAP__WORKER_ERASED__INIT;
    erased.id = (char *)worker_id;
    erased.erased_at = "2026-03-01T00:00:00.000Z";
    s_follow(side, cred_holders_apply, "enrollment.worker_erased.v1", &erased.base);
}

/* apprenticeship's apprentice_completed, which only the primary follows:
   the replica gets the award from the primary's log. */
static void s_completion(const char *worker_id, const char *code)
{
    Hcap__Apprentice a = HCAP__APPRENTICE__INIT;
    a.id = "appr_0001";
    a.worker_id = (char *)worker_id;
    a.program_code = "CNA-RA";
    a.status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED;
    a.completed_on = "2025-11-30";
    a.completion_credential_code = (char *)code;
    s_follow(&s_pair.primary, cred_completions_apply, "apprenticeship.apprentice_completed.v1",
             &a.base);
}

/* --- writes at the primary --- */

static void *s_write(const char *method, const ProtobufCMessage *in)
{
    void *out = NULL;
    ht_local_ok(&s_pair.primary, method, in, &out);
    return out;
}

static void s_catalogue(void)
{
    const char *codes[] = {"VS", "IC"};
    for (int i = 0; i < 2; i++) {
        Hcap__CreateCompetencyRequest req = HCAP__CREATE_COMPETENCY_REQUEST__INIT;
        req.code = (char *)codes[i];
        req.name = "Vital signs";
        req.framework = "NNAAP";
        s_write("CreateCompetency", &req.base);
    }
    const char *types[] = {"CNA", "BLS", "OLD"};
    const uint32_t months[] = {24, 0, 1};
    char *comps[] = {"VS", "IC"};
    for (int i = 0; i < 3; i++) {
        Hcap__CreateCredentialTypeRequest req = HCAP__CREATE_CREDENTIAL_TYPE_REQUEST__INIT;
        req.code = (char *)types[i];
        req.name = hc_arena_printf(s_pair.primary.arena, "%s credential", types[i]);
        req.kind = HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_CERTIFICATION;
        req.issuer = "Washington State Department of Health";
        req.has_validity_months = 1;
        req.validity_months = months[i];
        req.competencies = comps;
        req.n_competencies = i == 0 ? 2 : 0;
        s_write("CreateCredentialType", &req.base);
    }
    Hcap__CreateLadderRequest ladder = HCAP__CREATE_LADDER_REQUEST__INIT;
    char *rungs[] = {"BLS", "CNA"};
    ladder.code = "NURSING";
    ladder.name = "Nursing";
    ladder.rungs = rungs;
    ladder.n_rungs = 2;
    s_write("CreateLadder", &ladder.base);
}

static char *s_award(const char *worker_id, const char *code, const char *issued_on,
                     const char *evidence)
{
    Hcap__AwardCredentialRequest req = HCAP__AWARD_CREDENTIAL_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.credential_code = (char *)code;
    req.issued_on = (char *)issued_on;
    req.evidence = (char *)evidence;
    return ((Hcap__Credential *)s_write("AwardCredential", &req.base))->id;
}

static void s_prior(const char *worker_id, const char *evidence)
{
    Hcap__AssessPriorLearningRequest req = HCAP__ASSESS_PRIOR_LEARNING_REQUEST__INIT;
    char *comps[] = {"VS"};
    req.worker_id = (char *)worker_id;
    req.evidence = (char *)evidence;
    req.competencies = comps;
    req.n_competencies = 1;
    req.credential_code = "BLS";
    req.has_ojl_credit_hours = 1;
    req.ojl_credit_hours = 120.5;
    req.assessed_on = "2025-09-01";
    s_write("AssessPriorLearning", &req.base);
}

/* Awards, a revocation, prior learning, a completion credential and the
   sweep; ids[] gets the awards made by AwardCredential. */
static void s_history(char *ids[4])
{
    s_catalogue();
    s_holder("wkr_gone", "Philippa", "Oduya");
    s_holder("wkr_kept", "Rosa", "Mejía");
    ids[0] = s_award("wkr_gone", "CNA", "2025-06-01", "EVIDENCE-Zq81-transcript");
    ids[1] = s_award("wkr_kept", "BLS", "2024-01-01", "KEPT-evidence-44");
    ids[2] = s_award("wkr_gone", "OLD", "2020-01-01", "EVIDENCE-Zq81-old");
    ids[3] = s_award("wkr_kept", "CNA", "2025-02-01", NULL);
    Hcap__RevokeCredentialRequest revoke = HCAP__REVOKE_CREDENTIAL_REQUEST__INIT;
    revoke.id = ids[3];
    revoke.reason = "issued in error";
    s_write("RevokeCredential", &revoke.base);
    s_prior("wkr_gone", "EVIDENCE-Zq81-portfolio");
    s_completion("wkr_kept", "CNA");
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__SweepReply *swept = s_write("SweepExpired", &empty.base);
    cr_assert_eq(swept->expired, 1);
}

/* --- reads at both --- */

static void s_get(const char *method, const char *id)
{
    Hcap__GetRequest req = HCAP__GET_REQUEST__INIT;
    req.id = (char *)id;
    rp_same(&s_pair, method, &req.base);
}

static void s_list(const char *method, uint32_t limit, const char *after)
{
    Hcap__ListRequest req = HCAP__LIST_REQUEST__INIT;
    req.has_limit = limit > 0;
    req.limit = limit;
    req.after = (char *)after;
    rp_same(&s_pair, method, &req.base);
}

static void s_by_worker(const char *method, const char *worker_id)
{
    Hcap__ListByWorkerRequest req = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    rp_same(&s_pair, method, &req.base);
}

static void s_credentials(const char *worker_id, const char *code, int status, uint32_t limit)
{
    Hcap__ListCredentialsRequest req = HCAP__LIST_CREDENTIALS_REQUEST__INIT;
    req.worker_id = (char *)worker_id;
    req.credential_code = (char *)code;
    req.has_status = status != 0;
    req.status = status;
    req.has_limit = limit > 0;
    req.limit = limit;
    rp_same(&s_pair, "ListCredentials", &req.base);
}

/* Every read for every id and a set of filters and pages. */
static void s_compare(char *ids[4])
{
    const char *workers[] = {"wkr_gone", "wkr_kept", "wkr_race"};
    s_get("GetCompetency", "VS");
    s_get("GetCompetency", "XX");
    s_list("ListCompetencies", 0, NULL);
    s_list("ListCompetencies", 1, "IC");
    s_get("GetCredentialType", "CNA");
    s_list("ListCredentialTypes", 0, NULL);
    s_list("ListCredentialTypes", 2, NULL);
    for (int i = 0; i < 4; i++) {
        s_get("GetCredential", ids[i]);
        s_get("GetVerification", ids[i]);
    }
    s_get("GetCredential", "cred_missing");
    s_credentials(NULL, NULL, 0, 0);
    s_credentials(NULL, NULL, 0, 2);
    s_credentials(NULL, "CNA", 0, 0);
    s_credentials(NULL, NULL, S_EXPIRED, 0);
    s_credentials(NULL, NULL, S_REVOKED, 0);
    s_list("ListLadders", 0, NULL);
    for (int i = 0; i < 3; i++) {
        s_credentials(workers[i], NULL, 0, 0);
        s_by_worker("ListPriorLearning", workers[i]);
        s_by_worker("ListWorkerLadders", workers[i]);
        s_get("GetCredentialProfile", workers[i]);
    }
}

/* --- tests --- */

Test(replica_credentialing, every_read_answers_as_the_primary_does)
{
    char *ids[4];
    s_history(ids);
    cr_assert_gt(rp_sync(&s_pair), 0);
    s_compare(ids);
    rp_all_reads_probed(&s_pair);

    Hcap__ListCredentialsRequest req = HCAP__LIST_CREDENTIALS_REQUEST__INIT;
    req.worker_id = "wkr_kept";
    Hcap__CredentialList *held = NULL;
    ht_local_ok(&s_pair.replica, "ListCredentials", &req.base, &held);
    cr_assert_eq(held->n_items, 3, "BLS, the revoked CNA and the completion credential");
    cr_assert_str_eq(held->items[2]->apprentice_id, "appr_0001");
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = ids[0];
    Hcap__Verification *v = NULL;
    ht_local_ok(&s_pair.replica, "GetVerification", &get.base, &v);
    cr_assert_str_eq(v->holder, "P. O.");
}

Test(replica_credentialing, refuses_every_write_and_writes_nothing)
{
    char *ids[4];
    s_history(ids);
    rp_sync(&s_pair);
    rp_writes_refused(&s_pair);
    rp_bad_events_refused(&s_pair, "credentialing.credential_suspended.v1",
                          "credentialing.credential_awarded.v1");
    Hcap__GetRequest badge = HCAP__GET_REQUEST__INIT;
    badge.id = ids[0];
    ht_local_fails(&s_pair.replica, "GetBadge", &badge.base, HC_FAILED_PRECONDITION, "replica");
    Hcap__AwardCredentialRequest req = HCAP__AWARD_CREDENTIAL_REQUEST__INIT;
    req.worker_id = "wkr_kept";
    req.credential_code = "OLD";
    req.issued_on = "2025-01-01";
    ht_local_fails(&s_pair.replica, "AwardCredential", &req.base, HC_FAILED_PRECONDITION,
                   "replica");
    s_credentials("wkr_kept", NULL, 0, 0);
    cr_assert_eq(rp_sync(&s_pair), 0, "the primary wrote nothing either");
    char *key = hc_arena_printf(s_pair.replica.arena, "%s/signing.key", s_pair.replica.dir);
    cr_assert_neq(access(key, F_OK), 0, "a replica creates no signing key");
    key = hc_arena_printf(s_pair.primary.arena, "%s/signing.key", s_pair.primary.dir);
    cr_assert_eq(access(key, F_OK), 0, "the primary has its key");
}

Test(replica_credentialing, reset_then_replay_gives_the_same)
{
    char *ids[4];
    s_history(ids);
    uint64_t head = rp_sync(&s_pair);
    rp_reset(&s_pair);
    Hcap__ListRequest all = HCAP__LIST_REQUEST__INIT;
    Hcap__CompetencyList *none = NULL;
    ht_local_ok(&s_pair.replica, "ListCompetencies", &all.base, &none);
    cr_assert_eq(none->n_items, 0, "a reset deletes what the log put there");
    cr_assert_eq(rp_sync(&s_pair), head, "the replay starts at seq 1");
    s_compare(ids);
}

Test(replica_credentialing, erased_evidence_leaves_the_replica)
{
    char *ids[4];
    s_history(ids);
    rp_sync(&s_pair);
    cr_assert(rp_replica_holds(&s_pair, "EVIDENCE-Zq81"), "the scan sees what is there");
    s_erase(&s_pair.primary, "wkr_gone");
    s_erase(&s_pair.replica, "wkr_gone");
    s_compare(ids);

    /* The replica's enrollment follower ran ahead: it erased a worker
       whose award it then reads from the primary's log not yet scrubbed. */
    s_holder("wkr_race", "Ifeoma", "Baptiste");
    s_award("wkr_race", "CNA", "2025-07-01", "EVIDENCE-race-19");
    s_erase(&s_pair.replica, "wkr_race");
    rp_sync(&s_pair);
    s_erase(&s_pair.primary, "wkr_race");
    s_compare(ids);

    cr_assert_not(rp_replica_holds(&s_pair, "EVIDENCE-Zq81"));
    cr_assert_not(rp_replica_holds(&s_pair, "EVIDENCE-race-19"));
    cr_assert(rp_replica_holds(&s_pair, "KEPT-evidence-44"), "others' evidence stays");
}
