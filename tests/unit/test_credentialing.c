/* Tests of the credentialing service: every handler through
   hc_service_invoke on a temporary store and its errors (code and field),
   expiry computed on read and recorded once by the sweep, revocation,
   public verification, the holder directory fed enrollment's events
   (erasure leaves no evidence anywhere in the file), completion credentials
   fed apprenticeship's events (once per registration; what cannot be
   applied is refused for the dead-letter table), the 002 migration on an
   older store, prior learning, ladders and the signed Open Badges 3.0
   document. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ht_local.h"
#include "hc_id.h"
#include "hc_idempotency.h"
#include "hc_jcs.h"
#include "hc_msg.h"
#include "hc_proof.h"
#include "hc_service.h"
#include "hc_time.h"
#include "apprenticeship.pb-c.h"
#include "enrollment.pb-c.h"
#include "credentialing_server.h"

#define S_ACTIVE    HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_ACTIVE
#define S_EXPIRED   HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_EXPIRED
#define S_REVOKED   HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_REVOKED
#define S_LICENSE   HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_LICENSE
#define S_CERTIFIED HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_CERTIFICATION

static ht_local s_local;

static void s_setup(void)
{
    unsetenv("HCAP_NODE_PUBLIC_URL");
    unsetenv("HCAP_NODE_NAME");
    ht_local_open(&s_local, &cred_service);
}

static void s_teardown(void)
{
    ht_local_close(&s_local);
}

TestSuite(credentialing, .init = s_setup, .fini = s_teardown, .timeout = 120);

#define S_OK(method, in, out)            ht_local_ok(&s_local, method, &(in).base, out)
#define S_FAILS(method, in, code, field) ht_local_fails(&s_local, method, &(in).base, code, field)

/* --- the event log --- */

typedef struct {
    size_t count;
    const char *type;   /* count only these (NULL: all) */
    const char *needle; /* when set: count bodies holding it */
} s_tally;

static void s_count(void *arg, uint64_t seq, const char *type, const char *subject,
                    const uint8_t *body, size_t size)
{
    (void)seq;
    (void)subject;
    s_tally *t = arg;
    if ((!t->type || strcmp(type, t->type) == 0) &&
        (!t->needle || ht_bytes_in(body, size, t->needle)))
        t->count++;
}

/* Events of type (NULL: any) whose body holds needle (NULL: any). */
static size_t s_events(const char *type, const char *needle)
{
    s_tally t = {0, type, needle};
    hc_error err;
    cr_assert_eq(cred_store_events_each(hc_service_store(s_local.svc), s_count, &t, &err), HC_OK);
    return t.count;
}

/* --- fixtures --- */

static void s_competency(const char *code)
{
    Hcap__CreateCompetencyRequest req = HCAP__CREATE_COMPETENCY_REQUEST__INIT;
    req.code = (char *)code;
    req.name = "Vital signs";
    S_OK("CreateCompetency", req, NULL);
}

static Hcap__CredentialType *s_type(const char *code, uint32_t months)
{
    Hcap__CreateCredentialTypeRequest req = HCAP__CREATE_CREDENTIAL_TYPE_REQUEST__INIT;
    Hcap__CredentialType *t = NULL;
    req.code = (char *)code;
    req.name = hc_arena_printf(s_local.arena, "%s credential", code);
    req.kind = S_CERTIFIED;
    req.issuer = "California Department of Public Health";
    req.has_validity_months = months > 0;
    req.validity_months = months;
    S_OK("CreateCredentialType", req, &t);
    return t;
}

static Hcap__AwardCredentialRequest s_award_req(const char *worker, const char *code,
                                                const char *issued_on)
{
    Hcap__AwardCredentialRequest req = HCAP__AWARD_CREDENTIAL_REQUEST__INIT;
    req.worker_id = (char *)worker;
    req.credential_code = (char *)code;
    req.issued_on = (char *)issued_on;
    return req;
}

static Hcap__Credential *s_award(const char *worker, const char *code, const char *issued_on)
{
    Hcap__AwardCredentialRequest req = s_award_req(worker, code, issued_on);
    Hcap__Credential *c = NULL;
    S_OK("AwardCredential", req, &c);
    return c;
}

static Hcap__Credential *s_get(const char *id)
{
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Credential *c = NULL;
    get.id = (char *)id;
    S_OK("GetCredential", get, &c);
    return c;
}

static char *s_date_days_ago(int days)
{
    char today[HC_DATE_SIZE], out[HC_DATE_SIZE];
    hc_today(today);
    hc_date_from_days(hc_date_days(today) - days, out);
    return hc_arena_strdup(s_local.arena, out);
}

/* Applies events[0..n) to apply as the follower does: one transaction,
   each event in its own savepoint (rolled back when apply fails, as before
   parking it), then commit. codes[i] gets each result; err the last
   failure's error. */
static void s_apply_batch(hc_follower_apply_fn *apply, const Hcap__Event *const *events, size_t n,
                          int *codes, hc_error *err)
{
    hc_store *store = hc_service_store(s_local.svc);
    hc_error tx;
    cr_assert_eq(hc_store_begin(store, &tx), HC_OK, "%s", tx.message);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(hc_store_savepoint(store, &tx), HC_OK, "%s", tx.message);
        hc_error applied;
        hc_error_clear(&applied);
        codes[i] = apply(hc_service_state(s_local.svc), store, events[i], &applied);
        cr_assert(hc_store_in_transaction(store), "apply never ends the follower's transaction");
        if (codes[i] == HC_OK) {
            cr_assert_eq(hc_store_release(store, &tx), HC_OK, "%s", tx.message);
        } else {
            hc_store_rollback_savepoint(store);
            if (err)
                *err = applied;
        }
    }
    cr_assert_eq(hc_store_commit(store, &tx), HC_OK, "%s", tx.message);
}

/* An event of source's log with body packed in the test arena. */
static Hcap__Event *s_event(const char *source, uint64_t seq, const char *type,
                            const ProtobufCMessage *body)
{
    Hcap__Event *event = (Hcap__Event *)hc_arena_message(s_local.arena, &hcap__event__descriptor);
    event->source = hc_arena_printf(s_local.arena, "local/%s", source);
    event->epoch = "e1";
    event->seq = seq;
    event->occurred_at = "2026-01-01T00:00:00.000Z";
    event->type = (char *)type;
    event->body.data = hc_msg_pack(body, s_local.arena, &event->body.len);
    return event;
}

/* Feeds one enrollment event to the holder directory, in a transaction as
   the follower would. Returns the apply result. */
static int s_feed(const char *type, const ProtobufCMessage *body)
{
    const Hcap__Event *event = s_event("enrollment", 1, type, body);
    int rc;
    s_apply_batch(cred_holders_apply, &event, 1, &rc, NULL);
    return rc;
}

static void s_holder(const char *type, const char *worker_id, const char *given, const char *family)
{
    Hcap__Worker w = HCAP__WORKER__INIT;
    w.id = (char *)worker_id;
    w.given_name = (char *)given;
    w.family_name = (char *)family;
    w.email = "someone@example.org";
    cr_assert_eq(s_feed(type, &w.base), HC_OK);
}

static void s_register(const char *worker_id, const char *given, const char *family)
{
    s_holder("enrollment.worker_registered.v1", worker_id, given, family);
}

static Hcap__Verification *s_verify(const char *id)
{
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Verification *v = NULL;
    get.id = (char *)id;
    S_OK("GetVerification", get, &v);
    return v;
}

/* --- competencies --- */

Test(credentialing, competencies_are_created_listed_and_unique)
{
    Hcap__CreateCompetencyRequest req = HCAP__CREATE_COMPETENCY_REQUEST__INIT;
    Hcap__Competency *c = NULL;
    req.code = "VS";
    req.name = "Vital signs";
    req.framework = "CNA skills";
    S_OK("CreateCompetency", req, &c);
    cr_assert_str_eq(c->code, "VS");
    cr_assert_str_eq(c->framework, "CNA skills");
    cr_assert_not_null(c->created_at);
    S_FAILS("CreateCompetency", req, HC_ALREADY_EXISTS, "code");
    cr_assert(strstr(s_local.err.message, "VS"), "%s", s_local.err.message);
    req.code = "";
    S_FAILS("CreateCompetency", req, HC_INVALID_ARGUMENT, "code");
    req.code = "IC";
    req.name = "";
    S_FAILS("CreateCompetency", req, HC_INVALID_ARGUMENT, "name");
    s_competency("IC");

    Hcap__ListRequest list = HCAP__LIST_REQUEST__INIT;
    Hcap__CompetencyList *page = NULL;
    list.has_limit = 1;
    list.limit = 1;
    S_OK("ListCompetencies", list, &page);
    cr_assert_eq(page->n_items, 1);
    cr_assert_str_eq(page->items[0]->code, "IC");
    cr_assert_str_eq(page->next, "IC");
    list.after = page->next;
    S_OK("ListCompetencies", list, &page);
    cr_assert_eq(page->n_items, 1);
    cr_assert_str_eq(page->items[0]->code, "VS");
    cr_assert_null(page->next);
    list.limit = 501;
    S_FAILS("ListCompetencies", list, HC_INVALID_ARGUMENT, "limit");
    cr_assert_eq(s_events("credentialing.competency_created.v1", NULL), 2);
}

/* --- credential types --- */

Test(credentialing, credential_types_check_every_field)
{
    s_competency("VS");
    s_competency("IC");
    Hcap__CreateCredentialTypeRequest req = HCAP__CREATE_CREDENTIAL_TYPE_REQUEST__INIT;
    char *comps[] = {"VS", "IC"};
    req.code = "CNA";
    req.name = "Certified Nursing Assistant";
    req.kind = S_CERTIFIED;
    req.issuer = "CDPH";
    req.has_validity_months = 1;
    req.validity_months = 24;
    req.competencies = comps;
    req.n_competencies = 2;
    req.level = "entry";
    Hcap__CredentialType *t = NULL;
    S_OK("CreateCredentialType", req, &t);
    cr_assert_eq(t->n_competencies, 2);
    cr_assert_str_eq(t->competencies[1], "IC");
    S_FAILS("CreateCredentialType", req, HC_ALREADY_EXISTS, "code");

    req.code = "LVN";
    req.kind = 0;
    S_FAILS("CreateCredentialType", req, HC_INVALID_ARGUMENT, "kind");
    req.kind = 9;
    S_FAILS("CreateCredentialType", req, HC_INVALID_ARGUMENT, "kind");
    req.kind = S_LICENSE;
    req.issuer = "";
    S_FAILS("CreateCredentialType", req, HC_INVALID_ARGUMENT, "issuer");
    req.issuer = "BVNPT";
    req.name = NULL;
    S_FAILS("CreateCredentialType", req, HC_INVALID_ARGUMENT, "name");
    req.name = "Licensed Vocational Nurse";
    req.validity_months = 601;
    S_FAILS("CreateCredentialType", req, HC_INVALID_ARGUMENT, "validity_months");
    req.validity_months = 600;
    comps[1] = "XX";
    S_FAILS("CreateCredentialType", req, HC_NOT_FOUND, "competencies");
    comps[1] = "VS";
    S_FAILS("CreateCredentialType", req, HC_INVALID_ARGUMENT, "competencies");
    req.n_competencies = 1;
    S_OK("CreateCredentialType", req, NULL);

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "CNA";
    S_OK("GetCredentialType", get, &t);
    cr_assert_str_eq(t->name, "Certified Nursing Assistant");
    cr_assert_eq(t->validity_months, 24);
    cr_assert_str_eq(t->level, "entry");
    cr_assert_eq(t->n_competencies, 2);
    get.id = "RN";
    S_FAILS("GetCredentialType", get, HC_NOT_FOUND, "id");

    Hcap__ListRequest list = HCAP__LIST_REQUEST__INIT;
    Hcap__CredentialTypeList *types = NULL;
    S_OK("ListCredentialTypes", list, &types);
    cr_assert_eq(types->n_items, 2);
    cr_assert_str_eq(types->items[1]->code, "LVN");
    cr_assert_eq(s_events("credentialing.credential_type_created.v1", NULL), 2);
}

/* --- awards --- */

Test(credentialing, an_award_carries_expiry_type_fields_and_a_verification_url)
{
    s_type("CNA", 24);
    s_type("BLS", 0);
    char *issued = s_date_days_ago(10);
    Hcap__AwardCredentialRequest req = s_award_req("wkr_1", "CNA", issued);
    req.evidence = "Skills exam passed";
    Hcap__Credential *c = NULL;
    S_OK("AwardCredential", req, &c);
    char expires[HC_DATE_SIZE];
    hc_date_add_months(issued, 24, expires);
    cr_assert_str_eq(c->expires_on, expires);
    cr_assert_str_eq(c->credential_name, "CNA credential");
    cr_assert_eq(c->kind, S_CERTIFIED);
    cr_assert_str_eq(c->issuer, "California Department of Public Health");
    cr_assert_eq(c->source, HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED);
    cr_assert_eq(c->status, S_ACTIVE);
    cr_assert_str_eq(c->evidence, "Skills exam passed");
    char *url = hc_arena_printf(s_local.arena, "http://127.0.0.1:8080/v1/verify/%s", c->id);
    cr_assert_str_eq(c->verification_url, url);
    cr_assert_str_eq(s_get(c->id)->verification_url, url);

    Hcap__Credential *forever = s_award("wkr_1", "BLS", issued);
    cr_assert_null(forever->expires_on);
    cr_assert_eq(s_events("credentialing.credential_awarded.v1", NULL), 2);
    cr_assert_eq(s_events("credentialing.credential_awarded.v1", "wkr_1"), 2);
}

Test(credentialing, the_public_url_comes_from_the_node_config)
{
    hc_service_destroy(&s_local.svc);
    setenv("HCAP_NODE_PUBLIC_URL", "https://fund.example.org/", 1);
    ht_local_reopen(&s_local);
    s_type("CNA", 0);
    Hcap__Credential *c = s_award("wkr_1", "CNA", "2024-05-01");
    cr_assert_str_eq(
        c->verification_url,
        hc_arena_printf(s_local.arena, "https://fund.example.org/v1/verify/%s", c->id));
}

Test(credentialing, award_errors_name_their_field)
{
    s_type("CNA", 24);
    Hcap__AwardCredentialRequest req = s_award_req("", "CNA", "2024-01-01");
    S_FAILS("AwardCredential", req, HC_INVALID_ARGUMENT, "worker_id");
    req = s_award_req("wkr_1", "", "2024-01-01");
    S_FAILS("AwardCredential", req, HC_INVALID_ARGUMENT, "credential_code");
    req = s_award_req("wkr_1", "RN", "2024-01-01");
    S_FAILS("AwardCredential", req, HC_NOT_FOUND, "credential_code");
    req = s_award_req("wkr_1", "CNA", "");
    S_FAILS("AwardCredential", req, HC_INVALID_ARGUMENT, "issued_on");
    req = s_award_req("wkr_1", "CNA", "2024-02-30");
    S_FAILS("AwardCredential", req, HC_INVALID_ARGUMENT, "issued_on");
    char today[HC_DATE_SIZE], tomorrow[HC_DATE_SIZE];
    hc_today(today);
    hc_date_from_days(hc_date_days(today) + 1, tomorrow);
    req = s_award_req("wkr_1", "CNA", tomorrow);
    S_FAILS("AwardCredential", req, HC_INVALID_ARGUMENT, "issued_on");
    req = s_award_req("wkr_1", "CNA", today);
    req.has_source = 1;
    req.source = 7;
    S_FAILS("AwardCredential", req, HC_INVALID_ARGUMENT, "source");
    req.source = HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_TRANSFER;
    Hcap__Credential *c = NULL;
    S_OK("AwardCredential", req, &c);
    cr_assert_eq(c->source, HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_TRANSFER);
    S_FAILS("AwardCredential", req, HC_ALREADY_EXISTS, "credential_code");
    cr_assert_eq(s_events(NULL, NULL), 2, "type created and one award, nothing from the errors");
}

Test(credentialing, an_unknown_worker_is_not_the_services_to_reject)
{
    s_type("CNA", 0);
    Hcap__Credential *c = s_award("wkr_nobody_knows", "CNA", "2025-01-01");
    cr_assert_str_eq(c->worker_id, "wkr_nobody_knows");
}

/* --- expiry --- */

Test(credentialing, expiry_is_computed_on_read)
{
    s_type("CPR", 12);
    s_type("CNA", 24);
    Hcap__Credential *old = s_award("wkr_1", "CPR", "2020-01-01");
    cr_assert_str_eq(old->expires_on, "2021-01-01");
    cr_assert_eq(s_get(old->id)->status, S_EXPIRED);
    Hcap__Credential *fresh = s_award("wkr_1", "CNA", s_date_days_ago(1));
    cr_assert_eq(fresh->status, S_ACTIVE);

    Hcap__ListCredentialsRequest list = HCAP__LIST_CREDENTIALS_REQUEST__INIT;
    Hcap__CredentialList *page = NULL;
    list.worker_id = "wkr_1";
    S_OK("ListCredentials", list, &page);
    cr_assert_eq(page->n_items, 2);
    cr_assert_eq(page->items[0]->status, S_EXPIRED);
    cr_assert_eq(page->items[1]->status, S_ACTIVE);
    list.has_status = 1;
    list.status = S_EXPIRED;
    S_OK("ListCredentials", list, &page);
    cr_assert_eq(page->n_items, 1);
    cr_assert_str_eq(page->items[0]->id, old->id);
    list.status = S_ACTIVE;
    S_OK("ListCredentials", list, &page);
    cr_assert_eq(page->n_items, 1);
    cr_assert_str_eq(page->items[0]->id, fresh->id);
    cr_assert_eq(s_verify(old->id)->valid, 0);
    cr_assert_eq(s_verify(fresh->id)->valid, 1);
}

Test(credentialing, the_sweep_records_each_expired_credential_once)
{
    s_type("CPR", 12);
    s_type("BLS", 0);
    Hcap__Credential *a = s_award("wkr_1", "CPR", "2020-01-01");
    s_award("wkr_2", "CPR", "2021-06-30");
    s_award("wkr_3", "CPR", s_date_days_ago(3));
    s_award("wkr_4", "BLS", "2020-01-01");
    Hcap__Credential *revoked = s_award("wkr_5", "CPR", "2019-03-01");
    Hcap__RevokeCredentialRequest revoke = HCAP__REVOKE_CREDENTIAL_REQUEST__INIT;
    revoke.id = revoked->id;
    revoke.reason = "issued in error";
    S_OK("RevokeCredential", revoke, NULL);

    Hcap__Empty empty = HCAP__EMPTY__INIT;
    Hcap__SweepReply *reply = NULL;
    S_OK("SweepExpired", empty, &reply);
    cr_assert_eq(reply->expired, 2);
    cr_assert_eq(s_events("credentialing.credential_expired.v1", NULL), 2);
    cr_assert_eq(s_events("credentialing.credential_expired.v1", a->id), 1);
    S_OK("SweepExpired", empty, &reply);
    cr_assert_eq(reply->expired, 0);
    cr_assert_eq(s_events("credentialing.credential_expired.v1", NULL), 2, "exactly once ever");
    cr_assert_eq(s_get(a->id)->status, S_EXPIRED);
    cr_assert_eq(s_get(revoked->id)->status, S_REVOKED, "revoked wins");
}

/* --- revocation --- */

Test(credentialing, revocation_takes_a_reason_and_happens_once)
{
    s_type("CNA", 12);
    Hcap__Credential *c = s_award("wkr_1", "CNA", s_date_days_ago(5));
    Hcap__RevokeCredentialRequest req = HCAP__REVOKE_CREDENTIAL_REQUEST__INIT;
    req.id = c->id;
    req.reason = "";
    S_FAILS("RevokeCredential", req, HC_INVALID_ARGUMENT, "reason");
    req.reason = "license surrendered";
    Hcap__Credential *r = NULL;
    S_OK("RevokeCredential", req, &r);
    cr_assert_eq(r->status, S_REVOKED);
    char today[HC_DATE_SIZE];
    hc_today(today);
    cr_assert_str_eq(r->revoked_on, today);
    cr_assert_str_eq(r->revocation_reason, "license surrendered");
    S_FAILS("RevokeCredential", req, HC_FAILED_PRECONDITION, "id");
    req.id = "cred_none";
    S_FAILS("RevokeCredential", req, HC_NOT_FOUND, "id");
    cr_assert_eq(s_get(c->id)->status, S_REVOKED);
    Hcap__Verification *v = s_verify(c->id);
    cr_assert_eq(v->valid, 0);
    cr_assert_eq(v->status, S_REVOKED);
    cr_assert_eq(s_events("credentialing.credential_revoked.v1", "wkr_1"), 1);

    Hcap__Credential *old = s_award("wkr_1", "CNA", "2020-01-01");
    req.id = old->id;
    S_OK("RevokeCredential", req, &r);
    cr_assert_eq(r->status, S_REVOKED, "an expired credential may be revoked");
}

/* --- lists --- */

Test(credentialing, credential_lists_filter_and_page)
{
    s_type("CNA", 0);
    s_type("CPR", 0);
    s_award("wkr_1", "CNA", "2024-01-01");
    s_award("wkr_1", "CPR", "2024-01-01");
    s_award("wkr_2", "CNA", "2024-01-01");
    Hcap__ListCredentialsRequest list = HCAP__LIST_CREDENTIALS_REQUEST__INIT;
    Hcap__CredentialList *page = NULL;
    list.credential_code = "CNA";
    S_OK("ListCredentials", list, &page);
    cr_assert_eq(page->n_items, 2);
    list.worker_id = "wkr_1";
    S_OK("ListCredentials", list, &page);
    cr_assert_eq(page->n_items, 1);
    cr_assert(strstr(page->items[0]->verification_url, page->items[0]->id));
    list.worker_id = NULL;
    list.credential_code = "RN";
    S_FAILS("ListCredentials", list, HC_NOT_FOUND, "credential_code");
    list.credential_code = NULL;
    list.has_status = 1;
    list.status = 12;
    S_FAILS("ListCredentials", list, HC_INVALID_ARGUMENT, "status");
    list.has_status = 0;
    list.has_limit = 1;
    list.limit = 2;
    S_OK("ListCredentials", list, &page);
    cr_assert_eq(page->n_items, 2);
    cr_assert_not_null(page->next);
    list.after = page->next;
    S_OK("ListCredentials", list, &page);
    cr_assert_eq(page->n_items, 1);
    cr_assert_null(page->next);
    list.limit = 0;
    S_FAILS("ListCredentials", list, HC_INVALID_ARGUMENT, "limit");
}

/* --- verification and the holder directory --- */

Test(credentialing, initials_are_utf8_aware_and_ascii_upper_cased)
{
    cr_assert_str_eq(cred_initials(s_local.arena, "lucía", "castro"), "L. C.");
    cr_assert_str_eq(cred_initials(s_local.arena, "Ángela", "Núñez"), "Á. N.");
    cr_assert_str_eq(cred_initials(s_local.arena, "", "Nguyễn"), "N.");
    cr_assert_str_eq(cred_initials(s_local.arena, "李", "小龙"), "李. 小.");
    cr_assert_null(cred_initials(s_local.arena, "", NULL));
    cr_assert_null(cred_initials(s_local.arena, "\xff", ""));
}

Test(credentialing, verification_shows_the_credential_and_initials_only)
{
    s_type("CNA", 24);
    char *issued = s_date_days_ago(30);
    Hcap__AwardCredentialRequest req = s_award_req("wkr_ang", "CNA", issued);
    req.evidence = "Exam 2291";
    Hcap__Credential *c = NULL;
    S_OK("AwardCredential", req, &c);
    Hcap__Verification *v = s_verify(c->id);
    cr_assert_null(v->holder, "not followed yet");
    s_register("wkr_ang", "Ángela", "Núñez");
    v = s_verify(c->id);
    cr_assert_eq(v->valid, 1);
    cr_assert_eq(v->status, S_ACTIVE);
    cr_assert_str_eq(v->credential->code, "CNA");
    cr_assert_str_eq(v->credential->name, "CNA credential");
    cr_assert_str_eq(v->credential->issuer, "California Department of Public Health");
    cr_assert_str_eq(v->issued_on, issued);
    cr_assert_str_eq(v->expires_on, c->expires_on);
    cr_assert_str_eq(v->holder, "Á. N.");
    size_t size = 0;
    uint8_t *bytes = hc_msg_pack(&v->base, s_local.arena, &size);
    cr_assert_not(ht_bytes_in(bytes, size, "wkr_ang"), "no worker id");
    cr_assert_not(ht_bytes_in(bytes, size, "Ángela"), "no name");
    cr_assert_not(ht_bytes_in(bytes, size, "Exam 2291"), "no evidence");
    cr_assert_not(ht_bytes_in(bytes, size, "example.org"), "no email");

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "cred_unknown";
    S_FAILS("GetVerification", get, HC_NOT_FOUND, "id");
}

Test(credentialing, holders_follow_registration_and_updates_and_ignore_the_rest)
{
    s_type("CNA", 0);
    Hcap__Credential *c = s_award("wkr_1", "CNA", "2024-01-01");
    s_register("wkr_1", "lucía", "castro");
    cr_assert_str_eq(s_verify(c->id)->holder, "L. C.");
    s_holder("enrollment.worker_updated.v1", "wkr_1", "María", "Castro");
    cr_assert_str_eq(s_verify(c->id)->holder, "M. C.");

    Hcap__Empty empty = HCAP__EMPTY__INIT;
    cr_assert_eq(s_feed("enrollment.cohort_created.v1", &empty.base), HC_OK);
    Hcap__Event garbage = HCAP__EVENT__INIT;
    hc_store *store = hc_service_store(s_local.svc);
    hc_error err;
    garbage.type = "enrollment.worker_registered.v1";
    garbage.body.data = (uint8_t *)"\xff\xff\xff";
    garbage.body.len = 3;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_neq(cred_holders_apply(hc_service_state(s_local.svc), store, &garbage, &err), HC_OK,
                  "an undecodable body is refused (dead-lettered), never a crash");
    hc_store_rollback(store);

    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    cr_assert_eq(cred_holders_reset(hc_service_state(s_local.svc), store, "enrollment", &err),
                 HC_OK);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
    cr_assert_null(s_verify(c->id)->holder, "a new enrollment epoch clears the directory");
}

/* Records reply as the runtime does for a keyed request. */
static void s_record(const char *key, const char *method, const ProtobufCMessage *reply)
{
    size_t size = 0;
    uint8_t *body = hc_msg_pack(reply, s_local.arena, &size);
    hc_store *store = hc_service_store(s_local.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK, "%s", err.message);
    cr_assert_eq(hc_idempotency_record(store, key, method, body, size, &err), HC_OK);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK, "%s", err.message);
}

Test(credentialing, erasure_leaves_no_evidence_in_rows_events_replies_or_the_file)
{
    s_type("CNA", 12);
    s_competency("VS");
    s_register("wkr_gone", "Philippa", "Oduya");
    s_register("wkr_kept", "Rosa", "Mejía");
    Hcap__AwardCredentialRequest req = s_award_req("wkr_gone", "CNA", "2020-01-01");
    req.evidence = "EVIDENCE-Zq81-transcript";
    Hcap__Credential *c = NULL;
    S_OK("AwardCredential", req, &c);
    s_record("tok:k1", "AwardCredential", &c->base);
    req = s_award_req("wkr_kept", "CNA", "2024-01-01");
    req.evidence = "KEPT-evidence-44";
    Hcap__Credential *kept = NULL;
    S_OK("AwardCredential", req, &kept);
    Hcap__AssessPriorLearningRequest prior = HCAP__ASSESS_PRIOR_LEARNING_REQUEST__INIT;
    char *comps[] = {"VS"};
    prior.worker_id = "wkr_gone";
    prior.evidence = "EVIDENCE-Zq81-portfolio";
    prior.competencies = comps;
    prior.n_competencies = 1;
    Hcap__PriorLearning *p = NULL;
    S_OK("AssessPriorLearning", prior, &p);
    s_record("tok:k2", "AssessPriorLearning", &p->base);
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    S_OK("SweepExpired", empty, NULL);
    cr_assert_eq(s_events(NULL, "EVIDENCE-Zq81"), 3, "awarded, expired, prior learning");
    cr_assert_eq(ht_local_replies_holding(&s_local, "EVIDENCE-Zq81"), 2);

    Hcap__WorkerErased erased = HCAP__WORKER_ERASED__INIT;
    erased.id = "wkr_gone";
    erased.erased_at = "2026-01-01T00:00:00.000Z";
    cr_assert_eq(s_feed("enrollment.worker_erased.v1", &erased.base), HC_OK);

    cr_assert_null(s_verify(c->id)->holder);
    cr_assert_null(s_get(c->id)->evidence);
    Hcap__GetRequest badge = HCAP__GET_REQUEST__INIT;
    badge.id = c->id;
    S_FAILS("GetBadge", badge, HC_FAILED_PRECONDITION, "worker_id");
    cr_assert(strstr(s_local.err.message, "erased"), "an erased holder is final: %s",
              s_local.err.message);
    Hcap__ListByWorkerRequest by = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    Hcap__PriorLearningList *priors = NULL;
    by.worker_id = "wkr_gone";
    S_OK("ListPriorLearning", by, &priors);
    cr_assert_eq(priors->n_items, 1);
    cr_assert_null(priors->items[0]->evidence);
    cr_assert_eq(s_events(NULL, "EVIDENCE-Zq81"), 0);
    cr_assert_eq(s_events(NULL, "wkr_gone"), 3, "the events themselves stay");
    cr_assert_eq(ht_local_replies_holding(&s_local, "EVIDENCE-Zq81"), 0);
    cr_assert_eq(ht_local_replies_holding(&s_local, "wkr_gone"), 2);
    cr_assert_str_eq(s_get(kept->id)->evidence, "KEPT-evidence-44");
    cr_assert_str_eq(s_verify(kept->id)->holder, "R. M.");
    hc_error err;
    cr_assert_eq(
        hc_store_exec(hc_service_store(s_local.svc), "PRAGMA wal_checkpoint(TRUNCATE)", &err),
        HC_OK, "%s", err.message);
    char *db = hc_arena_printf(s_local.arena, "%s/credentialing.db", s_local.dir);
    cr_assert(ht_file_holds(db, "KEPT-evidence-44"), "the scan sees what is there");
    cr_assert_not(ht_file_holds(db, "EVIDENCE-Zq81"), "erased evidence is gone from the file");
    cr_assert_not(ht_file_holds(hc_arena_printf(s_local.arena, "%s-wal", db), "EVIDENCE-Zq81"));
    cr_assert_not(ht_file_holds(db, "Philippa"), "names are never stored");
    cr_assert_not(ht_file_holds(db, "Mejía"), "names are never stored");
}

/* --- completion credentials --- */

#define S_COMPLETED_EV "apprenticeship.apprentice_completed.v1"
#define S_SOURCE_APPR  HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_APPRENTICESHIP

/* The apply function credentialing follows source's log with. */
static hc_follower_apply_fn *s_follow_apply(const char *source)
{
    for (const hc_service_follow *f = cred_service.follows; f && f->source; f++)
        if (strcmp(f->source, source) == 0)
            return f->apply;
    cr_assert_fail("credentialing does not follow %s", source);
    return NULL;
}

/* A completed apprentice of program CNA-RA, completed on 2025-06-30;
   code NULL: the program names no completion credential. */
static Hcap__Apprentice *s_apprentice(const char *id, const char *worker_id, const char *code)
{
    Hcap__Apprentice *a =
        (Hcap__Apprentice *)hc_arena_message(s_local.arena, &hcap__apprentice__descriptor);
    a->id = (char *)id;
    a->worker_id = (char *)worker_id;
    a->program_code = "CNA-RA";
    a->employer_id = "emp_1";
    a->start_date = "2024-01-08";
    a->status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED;
    a->status_date = "2025-06-30";
    a->ojl_hours = 2000;
    a->rti_hours = 144;
    a->completed_on = "2025-06-30";
    a->completion_credential_code = (char *)code;
    return a;
}

/* Applies one apprenticeship event through credentialing's follow; err
   (may be NULL) gets the failure. */
static int s_appr_feed(const char *type, const ProtobufCMessage *body, hc_error *err)
{
    const Hcap__Event *event = s_event("apprenticeship", 1, type, body);
    int rc;
    s_apply_batch(s_follow_apply("apprenticeship"), &event, 1, &rc, err);
    return rc;
}

static Hcap__CredentialList *s_worker_credentials(const char *worker_id)
{
    Hcap__ListCredentialsRequest list = HCAP__LIST_CREDENTIALS_REQUEST__INIT;
    Hcap__CredentialList *page = NULL;
    list.worker_id = (char *)worker_id;
    S_OK("ListCredentials", list, &page);
    return page;
}

Test(credentialing, get_competency_finds_a_code_and_404s_naming_id)
{
    s_competency("VS");
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Competency *c = NULL;
    get.id = "VS";
    S_OK("GetCompetency", get, &c);
    cr_assert_str_eq(c->code, "VS");
    cr_assert_str_eq(c->name, "Vital signs");
    cr_assert_not_null(c->created_at);
    get.id = "IC";
    S_FAILS("GetCompetency", get, HC_NOT_FOUND, "id");
    cr_assert(strstr(s_local.err.message, "IC"), "%s", s_local.err.message);
    get.id = "";
    S_FAILS("GetCompetency", get, HC_NOT_FOUND, "id");
}

Test(credentialing, a_completion_awards_its_credential_once)
{
    s_type("CNA", 24);
    Hcap__Apprentice *a = s_apprentice("apr_1", "wkr_7", "CNA");
    cr_assert_eq(s_appr_feed(S_COMPLETED_EV, &a->base, NULL), HC_OK);
    Hcap__CredentialList *held = s_worker_credentials("wkr_7");
    cr_assert_eq(held->n_items, 1);
    Hcap__Credential *c = held->items[0];
    cr_assert_str_eq(c->credential_code, "CNA");
    cr_assert_eq(c->source, S_SOURCE_APPR);
    cr_assert_str_eq(c->apprentice_id, "apr_1");
    cr_assert_str_eq(c->issued_on, "2025-06-30");
    cr_assert_str_eq(c->expires_on, "2027-06-30");
    cr_assert_eq(c->status, S_ACTIVE);
    cr_assert_str_eq(c->evidence, "completed registered apprenticeship CNA-RA");
    cr_assert_str_eq(s_get(c->id)->apprentice_id, "apr_1");
    cr_assert_eq(s_events(CRED_EV_AWARDED, NULL), 1);
    cr_assert_eq(s_events(CRED_EV_AWARDED, "apr_1"), 1, "the event carries the registration");

    cr_assert_eq(s_appr_feed(S_COMPLETED_EV, &a->base, NULL), HC_OK, "a redelivery applies");
    cr_assert_eq(s_worker_credentials("wkr_7")->n_items, 1);
    cr_assert_eq(s_events(CRED_EV_AWARDED, NULL), 1);
    Hcap__AwardCredentialRequest req = s_award_req("wkr_7", "CNA", "2025-06-30");
    S_FAILS("AwardCredential", req, HC_ALREADY_EXISTS, "credential_code");

    /* The same completion twice in one batch (one transaction). */
    Hcap__Apprentice *b = s_apprentice("apr_2", "wkr_8", "CNA");
    const Hcap__Event *twice[] = {s_event("apprenticeship", 2, S_COMPLETED_EV, &b->base),
                                  s_event("apprenticeship", 3, S_COMPLETED_EV, &b->base)};
    int codes[2];
    s_apply_batch(s_follow_apply("apprenticeship"), twice, 2, codes, NULL);
    cr_assert_eq(codes[0], HC_OK);
    cr_assert_eq(codes[1], HC_OK);
    cr_assert_eq(s_worker_credentials("wkr_8")->n_items, 1);
    cr_assert_eq(s_events(CRED_EV_AWARDED, "apr_2"), 1);
    cr_assert_eq(s_events(CRED_EV_AWARDED, NULL), 2);
}

Test(credentialing, a_completion_the_worker_holds_already_awards_nothing_more)
{
    s_type("CNA", 0);
    Hcap__Credential *earned = s_award("wkr_7", "CNA", "2025-06-30");
    cr_assert_null(earned->apprentice_id, "an award through the API names no registration");
    Hcap__Apprentice *a = s_apprentice("apr_1", "wkr_7", "CNA");
    cr_assert_eq(s_appr_feed(S_COMPLETED_EV, &a->base, NULL), HC_OK);
    Hcap__CredentialList *held = s_worker_credentials("wkr_7");
    cr_assert_eq(held->n_items, 1);
    cr_assert_str_eq(held->items[0]->id, earned->id);
    cr_assert_null(held->items[0]->apprentice_id);
    cr_assert_eq(s_events(CRED_EV_AWARDED, NULL), 1);
}

Test(credentialing, completions_without_a_code_and_other_events_award_nothing)
{
    s_type("CNA", 0);
    Hcap__Apprentice *none = s_apprentice("apr_1", "wkr_7", NULL);
    cr_assert_eq(s_appr_feed(S_COMPLETED_EV, &none->base, NULL), HC_OK);
    Hcap__Apprentice *empty = s_apprentice("apr_2", "wkr_7", "");
    cr_assert_eq(s_appr_feed(S_COMPLETED_EV, &empty->base, NULL), HC_OK);
    Hcap__Apprentice *active = s_apprentice("apr_3", "wkr_7", "CNA");
    active->status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_ACTIVE;
    cr_assert_eq(s_appr_feed("apprenticeship.apprentice_registered.v1", &active->base, NULL),
                 HC_OK);
    cr_assert_eq(s_appr_feed("apprenticeship.apprentice_status_changed.v1", &active->base, NULL),
                 HC_OK);
    Hcap__Event *garbage =
        s_event("apprenticeship", 4, "apprenticeship.hours_logged.v1", &active->base);
    garbage->body.data = (uint8_t *)"\xff\xff\xff";
    garbage->body.len = 3;
    int rc;
    s_apply_batch(s_follow_apply("apprenticeship"), (const Hcap__Event *const *)&garbage, 1, &rc,
                  NULL);
    cr_assert_eq(rc, HC_OK, "a type credentialing does not use is ignored, body unread");
    cr_assert_eq(s_worker_credentials("wkr_7")->n_items, 0);
    cr_assert_eq(s_events(CRED_EV_AWARDED, NULL), 0);
}

Test(credentialing, an_unknown_code_or_a_broken_completion_is_refused_for_the_dead_letters)
{
    s_type("CNA", 0);
    hc_error err;
    Hcap__Apprentice *unknown = s_apprentice("apr_1", "wkr_7", "RN");
    cr_assert_eq(s_appr_feed(S_COMPLETED_EV, &unknown->base, &err), HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "credential_code");
    cr_assert(strstr(err.message, "RN"), "%s", err.message);

    Hcap__Apprentice *undated = s_apprentice("apr_2", "wkr_7", "CNA");
    undated->completed_on = NULL;
    cr_assert_eq(s_appr_feed(S_COMPLETED_EV, &undated->base, &err), HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "completed_on");

    Hcap__Event *garbage = s_event("apprenticeship", 3, S_COMPLETED_EV, &undated->base);
    garbage->body.data = (uint8_t *)"\xff\xff\xff";
    garbage->body.len = 3;
    Hcap__Apprentice *good = s_apprentice("apr_3", "wkr_7", "CNA");
    const Hcap__Event *batch[] = {garbage,
                                  s_event("apprenticeship", 4, S_COMPLETED_EV, &good->base)};
    int codes[2];
    s_apply_batch(s_follow_apply("apprenticeship"), batch, 2, codes, &err);
    cr_assert_eq(codes[0], HC_INVALID_ARGUMENT, "an undecodable body is refused, never a crash");
    cr_assert_eq(codes[1], HC_OK, "the next event of the batch still applies");
    Hcap__CredentialList *held = s_worker_credentials("wkr_7");
    cr_assert_eq(held->n_items, 1);
    cr_assert_str_eq(held->items[0]->apprentice_id, "apr_3");
    cr_assert_eq(s_events(CRED_EV_AWARDED, NULL), 1);
}

Test(credentialing, award_completion_checks_the_apprentice)
{
    s_type("CNA", 0);
    Hcap__Apprentice *a = s_apprentice("apr_1", "wkr_7", "CNA");
    a->status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_ACTIVE;
    S_FAILS("AwardCompletion", *a, HC_FAILED_PRECONDITION, "status");
    a->status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED;
    a->completed_on = "2025-02-30";
    S_FAILS("AwardCompletion", *a, HC_INVALID_ARGUMENT, "completed_on");
    a->completed_on = "2025-06-30";
    a->worker_id = "";
    S_FAILS("AwardCompletion", *a, HC_INVALID_ARGUMENT, "worker_id");
    a->worker_id = "wkr_7";
    cr_assert_eq(s_events(CRED_EV_AWARDED, NULL), 0, "a refused call writes nothing");
    Hcap__Credential *c = NULL;
    S_OK("AwardCompletion", *a, &c);
    cr_assert_eq(c->source, S_SOURCE_APPR);
    cr_assert_str_eq(c->apprentice_id, "apr_1");
    cr_assert(strstr(c->verification_url, c->id));
    a->completed_on = "2025-07-01";
    S_FAILS("AwardCompletion", *a, HC_ALREADY_EXISTS, "apprentice_id");
    cr_assert_eq(s_events(CRED_EV_AWARDED, NULL), 1);
}

/* The store as issue 3 left it: 001 only, one type and one award. */
static void s_issue3_store(void)
{
    hc_service_destroy(&s_local.svc);
    char *path = hc_arena_printf(s_local.arena, "%s/credentialing.db", s_local.dir);
    unlink(path);
    unlink(hc_arena_printf(s_local.arena, "%s-wal", path));
    unlink(hc_arena_printf(s_local.arena, "%s-shm", path));
    const hc_migration only_001[] = {credentialing_migrations[0], {NULL, NULL}};
    cr_assert_str_eq(only_001[0].name, "001_init.sql");
    hc_error err;
    hc_store *store = hc_store_open(path, only_001, &err);
    cr_assert_not_null(store, "%s", err.message);
    cr_assert_eq(hc_store_exec(store,
                               "INSERT INTO credential_types (code, name, kind, issuer, "
                               "validity_months, created_at) VALUES ('CNA', 'Nurse assistant', 2, "
                               "'CDPH', 0, '2024-01-01T00:00:00.000Z');"
                               "INSERT INTO credentials (id, worker_id, credential_code, "
                               "issued_on, source, status, created_at, updated_at) VALUES "
                               "('cred_old', 'wkr_7', 'CNA', '2024-02-01', 1, 1, "
                               "'2024-02-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z')",
                               &err),
                 HC_OK, "%s", err.message);
    hc_store_destroy(&store);
}

Test(credentialing, the_apprentice_migration_upgrades_an_issue_3_store)
{
    s_issue3_store();
    ht_local_reopen(&s_local);
    Hcap__Credential *old = s_get("cred_old");
    cr_assert_str_eq(old->worker_id, "wkr_7");
    cr_assert_str_eq(old->credential_name, "Nurse assistant");
    cr_assert_null(old->apprentice_id);
    Hcap__Apprentice *a = s_apprentice("apr_1", "wkr_7", "CNA");
    cr_assert_eq(s_appr_feed(S_COMPLETED_EV, &a->base, NULL), HC_OK);
    cr_assert_eq(s_appr_feed(S_COMPLETED_EV, &a->base, NULL), HC_OK);
    ht_local_reopen(&s_local);
    Hcap__CredentialList *held = s_worker_credentials("wkr_7");
    cr_assert_eq(held->n_items, 2);
    Hcap__Credential *completion =
        strcmp(held->items[0]->id, "cred_old") == 0 ? held->items[1] : held->items[0];
    cr_assert_str_eq(completion->apprentice_id, "apr_1");
    cr_assert_eq(completion->source, S_SOURCE_APPR);
    Hcap__Credential *api = s_award("wkr_7", "CNA", "2025-07-01");
    cr_assert_null(api->apprentice_id);
    cr_assert_eq(s_events(CRED_EV_AWARDED, NULL), 2);
}

/* --- prior learning --- */

Test(credentialing, prior_learning_with_a_credential_links_both_ways)
{
    s_competency("VS");
    s_competency("IC");
    s_type("CNA", 24);
    Hcap__AssessPriorLearningRequest req = HCAP__ASSESS_PRIOR_LEARNING_REQUEST__INIT;
    char *comps[] = {"VS", "IC"};
    req.worker_id = "wkr_1";
    req.evidence = "Military medic, 4 years";
    req.competencies = comps;
    req.n_competencies = 2;
    req.credential_code = "CNA";
    req.has_ojl_credit_hours = 1;
    req.ojl_credit_hours = 500.5;
    req.has_rti_credit_hours = 1;
    req.rti_credit_hours = 40;
    req.assessed_on = "2025-09-15";
    Hcap__PriorLearning *p = NULL;
    S_OK("AssessPriorLearning", req, &p);
    cr_assert_not_null(p->credential_id);
    cr_assert_eq(p->ojl_credit_hours, 500.5);
    cr_assert_eq(p->n_competencies, 2);
    Hcap__Credential *c = s_get(p->credential_id);
    cr_assert_str_eq(c->prior_learning_id, p->id);
    cr_assert_eq(c->source, HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_PRIOR_LEARNING);
    cr_assert_str_eq(c->issued_on, "2025-09-15");
    cr_assert_str_eq(c->expires_on, "2027-09-15");
    cr_assert_eq(s_events("credentialing.prior_learning_assessed.v1", "wkr_1"), 1);
    cr_assert_eq(s_events("credentialing.credential_awarded.v1", "wkr_1"), 1);

    Hcap__ListByWorkerRequest by = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    Hcap__PriorLearningList *list = NULL;
    by.worker_id = "wkr_1";
    S_OK("ListPriorLearning", by, &list);
    cr_assert_eq(list->n_items, 1);
    cr_assert_str_eq(list->items[0]->credential_id, c->id);
    cr_assert_str_eq(list->items[0]->competencies[1], "IC");
    cr_assert_eq(list->items[0]->rti_credit_hours, 40);
    by.worker_id = "";
    S_FAILS("ListPriorLearning", by, HC_INVALID_ARGUMENT, "worker_id");
}

Test(credentialing, prior_learning_errors_name_their_field)
{
    s_competency("VS");
    s_type("CNA", 0);
    Hcap__AssessPriorLearningRequest req = HCAP__ASSESS_PRIOR_LEARNING_REQUEST__INIT;
    char *comps[] = {"VS", "VS"};
    req.worker_id = "wkr_1";
    req.evidence = "";
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "evidence");
    req.evidence = "Portfolio";
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "competencies");
    req.has_ojl_credit_hours = 1;
    req.ojl_credit_hours = 0;
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "competencies");
    req.ojl_credit_hours = 10000.5;
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "ojl_credit_hours");
    req.ojl_credit_hours = 12;
    req.has_rti_credit_hours = 1;
    req.rti_credit_hours = -1;
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "rti_credit_hours");
    req.rti_credit_hours = NAN;
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "rti_credit_hours");
    req.has_rti_credit_hours = 0;
    req.competencies = comps;
    req.n_competencies = 2;
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "competencies");
    comps[1] = "XX";
    S_FAILS("AssessPriorLearning", req, HC_NOT_FOUND, "competencies");
    req.n_competencies = 1;
    req.credential_code = "RN";
    S_FAILS("AssessPriorLearning", req, HC_NOT_FOUND, "credential_code");
    req.credential_code = "CNA";
    req.assessed_on = "2099-01-01";
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "assessed_on");
    req.assessed_on = "yesterday";
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "assessed_on");
    req.assessed_on = NULL;
    req.worker_id = NULL;
    S_FAILS("AssessPriorLearning", req, HC_INVALID_ARGUMENT, "worker_id");
    req.worker_id = "wkr_1";
    Hcap__PriorLearning *p = NULL;
    S_OK("AssessPriorLearning", req, &p);
    char today[HC_DATE_SIZE];
    hc_today(today);
    cr_assert_str_eq(p->assessed_on, today);
    S_FAILS("AssessPriorLearning", req, HC_ALREADY_EXISTS, "credential_code");
    cr_assert_eq(s_events("credentialing.prior_learning_assessed.v1", NULL), 1);
}

/* --- ladders --- */

Test(credentialing, ladders_check_their_rungs)
{
    s_type("CNA", 0);
    s_type("LVN", 0);
    Hcap__CreateLadderRequest req = HCAP__CREATE_LADDER_REQUEST__INIT;
    char *rungs[21] = {"CNA", "LVN"};
    req.code = "NURSING";
    req.name = "Nursing";
    S_FAILS("CreateLadder", req, HC_INVALID_ARGUMENT, "rungs");
    req.rungs = rungs;
    req.n_rungs = 21;
    for (int i = 2; i < 21; i++)
        rungs[i] = "LVN";
    S_FAILS("CreateLadder", req, HC_INVALID_ARGUMENT, "rungs");
    req.n_rungs = 3;
    S_FAILS("CreateLadder", req, HC_INVALID_ARGUMENT, "rungs");
    rungs[2] = "RN";
    S_FAILS("CreateLadder", req, HC_NOT_FOUND, "rungs");
    req.n_rungs = 2;
    req.name = "";
    S_FAILS("CreateLadder", req, HC_INVALID_ARGUMENT, "name");
    req.name = "Nursing";
    req.code = NULL;
    S_FAILS("CreateLadder", req, HC_INVALID_ARGUMENT, "code");
    req.code = "NURSING";
    Hcap__Ladder *l = NULL;
    S_OK("CreateLadder", req, &l);
    cr_assert_eq(l->n_rungs, 2);
    S_FAILS("CreateLadder", req, HC_ALREADY_EXISTS, "code");
    Hcap__ListRequest list = HCAP__LIST_REQUEST__INIT;
    Hcap__LadderList *ladders = NULL;
    S_OK("ListLadders", list, &ladders);
    cr_assert_eq(ladders->n_items, 1);
    cr_assert_str_eq(ladders->items[0]->rungs[1], "LVN");
    cr_assert_eq(s_events("credentialing.ladder_created.v1", NULL), 1);
}

static Hcap__LadderProgress *s_progress(const char *worker_id)
{
    Hcap__ListByWorkerRequest by = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    Hcap__LadderProgressList *list = NULL;
    by.worker_id = (char *)worker_id;
    S_OK("ListWorkerLadders", by, &list);
    cr_assert_eq(list->n_items, 1);
    return list->items[0];
}

Test(credentialing, ladder_progress_counts_active_credentials_only)
{
    s_type("CNA", 0);
    s_type("LVN", 12);
    s_type("RN", 0);
    Hcap__CreateLadderRequest req = HCAP__CREATE_LADDER_REQUEST__INIT;
    char *rungs[] = {"CNA", "LVN", "RN"};
    req.code = "NURSING";
    req.name = "Nursing";
    req.rungs = rungs;
    req.n_rungs = 3;
    S_OK("CreateLadder", req, NULL);

    Hcap__LadderProgress *p = s_progress("wkr_1");
    cr_assert_not(p->has_highest_rung);
    cr_assert_null(p->highest);
    cr_assert_str_eq(p->next, "CNA");
    s_award("wkr_1", "CNA", "2024-01-01");
    s_award("wkr_1", "LVN", "2020-01-01"); /* expired: does not count */
    p = s_progress("wkr_1");
    cr_assert_eq(p->highest_rung, 1);
    cr_assert_str_eq(p->highest, "CNA");
    cr_assert_str_eq(p->next, "LVN");
    cr_assert_eq(p->n_rungs, 3);
    Hcap__Credential *rn = s_award("wkr_1", "RN", "2025-01-01");
    p = s_progress("wkr_1");
    cr_assert_eq(p->highest_rung, 3);
    cr_assert_str_eq(p->highest, "RN");
    cr_assert_null(p->next, "at the top");
    Hcap__RevokeCredentialRequest revoke = HCAP__REVOKE_CREDENTIAL_REQUEST__INIT;
    revoke.id = rn->id;
    revoke.reason = "board action";
    S_OK("RevokeCredential", revoke, NULL);
    cr_assert_eq(s_progress("wkr_1")->highest_rung, 1, "revoked does not count");
    Hcap__ListByWorkerRequest by = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    S_FAILS("ListWorkerLadders", by, HC_INVALID_ARGUMENT, "worker_id");
}

/* --- the Open Badges 3.0 document --- */

static json_t *s_badge(const char *id)
{
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    Hcap__Badge *badge = NULL;
    get.id = (char *)id;
    S_OK("GetBadge", get, &badge);
    json_error_t jerr;
    json_t *doc = json_loads(badge->document, 0, &jerr);
    cr_assert_not_null(doc, "%s", jerr.text);
    return doc;
}

static const char *s_text(const json_t *doc, const char *path)
{
    json_t *at = json_object_get(doc, path);
    cr_assert(json_is_string(at), "%s is not a string", path);
    return json_string_value(at);
}

static void s_badge_shape(json_t *doc, const Hcap__Credential *c)
{
    json_t *ctx = json_object_get(doc, "@context");
    cr_assert_str_eq(json_string_value(json_array_get(ctx, 0)),
                     "https://www.w3.org/ns/credentials/v2");
    cr_assert_str_eq(json_string_value(json_array_get(ctx, 1)),
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json");
    cr_assert_str_eq(s_text(doc, "id"), c->verification_url);
    json_t *type = json_object_get(doc, "type");
    cr_assert_str_eq(json_string_value(json_array_get(type, 1)), "OpenBadgeCredential");
    json_t *issuer = json_object_get(doc, "issuer");
    cr_assert_eq(strncmp(s_text(issuer, "id"), "did:key:z6Mk", 12), 0);
    cr_assert_str_eq(s_text(issuer, "name"), "Bay Area Training Fund");
    cr_assert_str_eq(s_text(doc, "validFrom"), "2025-03-10T00:00:00Z");
    cr_assert_str_eq(s_text(doc, "validUntil"), "2027-03-11T00:00:00Z");
    cr_assert_str_eq(s_text(doc, "name"), "CNA credential");
    json_t *subject = json_object_get(doc, "credentialSubject");
    json_t *ident = json_array_get(json_object_get(subject, "identifier"), 0);
    cr_assert_str_eq(s_text(ident, "type"), "IdentityObject");
    cr_assert_str_eq(s_text(ident, "identityType"), "name");
    cr_assert(json_is_true(json_object_get(ident, "hashed")));
    cr_assert_eq(strncmp(s_text(ident, "identityHash"), "sha256$", 7), 0);
    cr_assert_eq(strlen(s_text(ident, "identityHash")), 7 + 64);
    json_t *ach = json_object_get(subject, "achievement");
    cr_assert_str_eq(s_text(ach, "id"), "http://127.0.0.1:8080/v1/credential-types/CNA");
    cr_assert_str_eq(s_text(ach, "achievementType"), "Certification");
    cr_assert_not_null(s_text(json_object_get(ach, "criteria"), "narrative"));
    cr_assert_str_eq(s_text(json_object_get(ach, "creator"), "name"),
                     "California Department of Public Health");
}

/* eddsa-jcs-2022 checked without hc_proof_verify: hashData = SHA-256(JCS(proof
   options)) || SHA-256(JCS(document without proof)), proofValue = 'z' +
   base58btc(signature), checked with libsodium. */
static bool s_signature_holds(const json_t *doc, const uint8_t pk[32])
{
    json_t *copy = json_deep_copy(doc);
    json_t *proof = json_incref(json_object_get(copy, "proof"));
    json_object_del(copy, "proof");
    const char *value = json_string_value(json_object_get(proof, "proofValue"));
    cr_assert(value && value[0] == 'z');
    uint8_t sig[64], hash[64];
    cr_assert_eq(hc_proof_base58_decode(value + 1, strlen(value + 1), sig, sizeof sig), 64);
    json_object_del(proof, "proofValue");
    hc_error err;
    char *options = hc_jcs_dump(proof, &err), *body = hc_jcs_dump(copy, &err);
    cr_assert(options && body, "%s", err.message);
    crypto_hash_sha256(hash, (const uint8_t *)options, strlen(options));
    crypto_hash_sha256(hash + 32, (const uint8_t *)body, strlen(body));
    bool holds = crypto_sign_verify_detached(sig, hash, sizeof hash, pk) == 0;
    free(options);
    free(body);
    json_decref(proof);
    json_decref(copy);
    return holds;
}

Test(credentialing, the_badge_is_an_open_badge_signed_by_the_node_key)
{
    hc_service_destroy(&s_local.svc);
    setenv("HCAP_NODE_NAME", "Bay Area Training Fund", 1);
    ht_local_reopen(&s_local);
    s_type("CNA", 24);
    s_register("wkr_1", "Ángela", "Núñez");
    Hcap__Credential *c = s_award("wkr_1", "CNA", "2025-03-10");
    json_t *doc = s_badge(c->id);
    s_badge_shape(doc, c);
    /* the identity hash is SHA-256 of the name and the salt */
    json_t *ident =
        json_array_get(json_object_get(json_object_get(doc, "credentialSubject"), "identifier"), 0);
    char *text = hc_arena_printf(s_local.arena, "Ángela Núñez%s", s_text(ident, "salt"));
    uint8_t digest[32];
    char hex[65];
    crypto_hash_sha256(digest, (const uint8_t *)text, strlen(text));
    hc_hex(digest, sizeof digest, hex);
    cr_assert_str_eq(s_text(ident, "identityHash") + 7, hex);

    uint8_t pk[32];
    hc_error err;
    char why[256] = "";
    char *pub = hc_arena_printf(s_local.arena, "%s/signing.pub", s_local.dir);
    cr_assert_eq(hc_proof_public_key_read(pub, pk, &err), HC_OK, "%s", err.message);
    cr_assert_eq(hc_proof_verify(doc, pk, why, sizeof why), HC_OK, "%s", why);
    cr_assert(s_signature_holds(doc, pk));
    json_t *proof = json_object_get(doc, "proof");
    cr_assert_str_eq(s_text(proof, "cryptosuite"), "eddsa-jcs-2022");
    cr_assert_str_eq(s_text(proof, "created"),
                     hc_arena_printf(s_local.arena, "%.19sZ", c->created_at));
    json_object_set_new(doc, "name", json_string("RN credential"));
    cr_assert_neq(hc_proof_verify(doc, pk, why, sizeof why), HC_OK, "a changed badge fails");
    cr_assert_not(s_signature_holds(doc, pk));
    json_decref(doc);
}

Test(credentialing, no_badge_for_a_revoked_credential_or_an_unknown_holder)
{
    s_type("CNA", 0);
    Hcap__Credential *c = s_award("wkr_1", "CNA", "2025-03-10");
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = c->id;
    S_FAILS("GetBadge", get, HC_UNAVAILABLE, "worker_id");
    cr_assert(strstr(s_local.err.message, "retry"), "not followed yet is worth a retry: %s",
              s_local.err.message);
    s_register("wkr_1", "Lucía", "Castro");
    json_t *doc = s_badge(c->id);
    cr_assert_null(json_object_get(doc, "validUntil"), "it never expires");
    json_decref(doc);
    Hcap__RevokeCredentialRequest revoke = HCAP__REVOKE_CREDENTIAL_REQUEST__INIT;
    revoke.id = c->id;
    revoke.reason = "fraud";
    S_OK("RevokeCredential", revoke, NULL);
    S_FAILS("GetBadge", get, HC_FAILED_PRECONDITION, "id");
    get.id = "cred_none";
    S_FAILS("GetBadge", get, HC_NOT_FOUND, "id");
}

Test(credentialing, the_signing_key_is_private_and_a_broken_one_refuses_to_start)
{
    char *key = hc_arena_printf(s_local.arena, "%s/signing.key", s_local.dir);
    struct stat st;
    cr_assert_eq(stat(key, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    hc_service_destroy(&s_local.svc);
    FILE *f = fopen(key, "w");
    fputs("not a key\n", f);
    fclose(f);
    hc_error err;
    s_local.svc = hc_service_new_local(&cred_service, s_local.dir, "local", &err);
    cr_assert_null(s_local.svc);
    cr_assert_eq(err.code, HC_INVALID_ARGUMENT, "%s", err.message);
}
