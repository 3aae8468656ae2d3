/* Tests of credentialing's GetCredentialProfile, the credentialing share
   of the gateway's worker profile in one read: the credentials and ladder
   progress ListCredentials and ListWorkerLadders give, only this
   worker's, nothing for a worker without any, an empty id refused, the
   same answer whatever the principal's role (the gateway checks roles)
   and the first 500 credentials of a long list. A read replica's answer
   is compared with the primary's in test_replica_credentialing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ht_local.h"
#include "hc_msg.h"
#include "hc_service.h"
#include "credentialing_server.h"

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

TestSuite(credentialing_profile, .init = s_setup, .fini = s_teardown, .timeout = 120);

#define S_OK(method, in, out) ht_local_ok(&s_local, method, &(in).base, out)

static void s_type(const char *code)
{
    Hcap__CreateCredentialTypeRequest req = HCAP__CREATE_CREDENTIAL_TYPE_REQUEST__INIT;
    req.code = (char *)code;
    req.name = (char *)code;
    req.kind = HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_CERTIFICATION;
    req.issuer = "California Department of Public Health";
    S_OK("CreateCredentialType", req, NULL);
}

static void s_award(const char *worker, const char *code, const char *issued_on)
{
    Hcap__AwardCredentialRequest req = HCAP__AWARD_CREDENTIAL_REQUEST__INIT;
    req.worker_id = (char *)worker;
    req.credential_code = (char *)code;
    req.issued_on = (char *)issued_on;
    S_OK("AwardCredential", req, NULL);
}

/* CNA < LVN < RN, and a ladder of its own for CHW. */
static void s_ladders(void)
{
    const char *codes[] = {"CNA", "LVN", "RN", "CHW"};
    for (size_t i = 0; i < 4; i++)
        s_type(codes[i]);
    char *nursing[] = {"CNA", "LVN", "RN"}, *outreach[] = {"CHW"};
    Hcap__CreateLadderRequest req = HCAP__CREATE_LADDER_REQUEST__INIT;
    req.code = "NURSING";
    req.name = "Nursing";
    req.rungs = nursing;
    req.n_rungs = 3;
    S_OK("CreateLadder", req, NULL);
    req.code = "OUTREACH";
    req.name = "Outreach";
    req.rungs = outreach;
    req.n_rungs = 1;
    S_OK("CreateLadder", req, NULL);
}

static Hcap__CredentialProfile *s_profile(const char *worker_id)
{
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = (char *)worker_id;
    Hcap__CredentialProfile *profile = NULL;
    S_OK("GetCredentialProfile", get, &profile);
    return profile;
}

/* The profile's field as a list message of desc holds method's first 500
   rows for worker_id, byte for byte. Returns whether the list has more. */
static bool s_assert_same_list(const char *method, const ProtobufCMessage *in,
                               const ProtobufCMessageDescriptor *desc, void *items, size_t n)
{
    ProtobufCMessage *want = NULL;
    ht_local_ok(&s_local, method, in, &want);
    const ProtobufCFieldDescriptor *next =
        protobuf_c_message_descriptor_get_field_by_name(desc, "next");
    bool more = *(char **)((char *)want + next->offset) != NULL;
    *(char **)((char *)want + next->offset) = NULL; /* the profile has the rows only */
    ProtobufCMessage *got = hc_arena_message(s_local.arena, desc);
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(desc, "items");
    *(size_t *)((char *)got + field->quantifier_offset) = n;
    *(void **)((char *)got + field->offset) = items;
    size_t want_size = 0, got_size = 0;
    uint8_t *a = hc_msg_pack(want, s_local.arena, &want_size);
    uint8_t *b = hc_msg_pack(got, s_local.arena, &got_size);
    cr_assert(want_size == got_size && memcmp(a, b, want_size) == 0,
              "%s: the profile's %zu rows differ from the list's", method, n);
    return more;
}

/* Returns whether the worker holds more credentials than the profile. */
static bool s_assert_as_lists(const char *worker_id, const Hcap__CredentialProfile *profile)
{
    Hcap__ListCredentialsRequest held = HCAP__LIST_CREDENTIALS_REQUEST__INIT;
    held.worker_id = (char *)worker_id;
    held.has_limit = 1;
    held.limit = 500;
    bool more =
        s_assert_same_list("ListCredentials", &held.base, &hcap__credential_list__descriptor,
                           profile->credentials, profile->n_credentials);
    Hcap__ListByWorkerRequest by_worker = HCAP__LIST_BY_WORKER_REQUEST__INIT;
    by_worker.worker_id = (char *)worker_id;
    by_worker.has_limit = 1;
    by_worker.limit = 500;
    s_assert_same_list("ListWorkerLadders", &by_worker.base,
                       &hcap__ladder_progress_list__descriptor, profile->ladders,
                       profile->n_ladders);
    return more;
}

Test(credentialing_profile, holds_the_workers_credentials_and_ladder_progress)
{
    s_ladders();
    s_award("wkr_1", "CNA", "2024-01-01");
    s_award("wkr_1", "LVN", "2025-02-01");
    s_award("wkr_2", "RN", "2025-03-01");
    Hcap__CredentialProfile *profile = s_profile("wkr_1");
    cr_assert_eq(profile->n_credentials, 2);
    for (size_t i = 0; i < 2; i++)
        cr_assert_str_eq(profile->credentials[i]->worker_id, "wkr_1");
    cr_assert_eq(profile->n_ladders, 2);
    cr_assert_str_eq(profile->ladders[0]->code, "NURSING");
    cr_assert_eq(profile->ladders[0]->highest_rung, 2);
    cr_assert_str_eq(profile->ladders[0]->next, "RN");
    cr_assert_not(profile->ladders[1]->has_highest_rung);
    s_assert_as_lists("wkr_1", profile);
}

Test(credentialing_profile, a_worker_without_credentials_has_none_and_no_rung)
{
    Hcap__CredentialProfile *profile = s_profile("wkr_new");
    cr_assert_eq(profile->n_credentials, 0);
    cr_assert_eq(profile->n_ladders, 0, "no ladders yet");
    s_ladders();
    s_award("wkr_other", "CNA", "2024-01-01");
    profile = s_profile("wkr_new");
    cr_assert_eq(profile->n_credentials, 0);
    cr_assert_eq(profile->n_ladders, 2);
    for (size_t i = 0; i < 2; i++) {
        cr_assert_not(profile->ladders[i]->has_highest_rung);
        cr_assert_not_null(profile->ladders[i]->next, "the first rung is next");
    }
    s_assert_as_lists("wkr_new", profile);
}

Test(credentialing_profile, an_empty_id_is_refused_not_everyones_credentials)
{
    s_ladders();
    s_award("wkr_1", "CNA", "2024-01-01");
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "";
    ht_local_fails(&s_local, "GetCredentialProfile", &get.base, HC_INVALID_ARGUMENT, "id");
}

/* Services answer every principal alike, as the lists did when they were
   the profile's parts; the gateway's route allows the fund's roles only. */
Test(credentialing_profile, every_role_gets_the_same_answer)
{
    s_ladders();
    s_award("wkr_1", "CHW", "2024-01-01");
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "wkr_1";
    const Hcap__Role roles[] = {HCAP__ROLE__ROLE_ADMIN, HCAP__ROLE__ROLE_STAFF,
                                HCAP__ROLE__ROLE_MENTOR, HCAP__ROLE__ROLE_ANALYST};
    uint8_t *first = NULL;
    size_t first_size = 0;
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        Hcap__Principal who = HCAP__PRINCIPAL__INIT;
        who.name = "someone";
        who.role = roles[i];
        ProtobufCMessage *out = NULL;
        hc_error err;
        cr_assert_eq(hc_service_invoke(s_local.svc, "GetCredentialProfile", &get.base, &who,
                                       s_local.arena, &out, &err),
                     HC_OK, "role %d: %s", roles[i], err.message);
        size_t size = 0;
        uint8_t *packed = hc_msg_pack(out, s_local.arena, &size);
        if (!first) {
            first = packed, first_size = size;
            continue;
        }
        cr_assert(size == first_size && memcmp(packed, first, size) == 0, "role %d", roles[i]);
    }
}

Test(credentialing_profile, a_long_list_gives_its_first_500_credentials, .timeout = 240)
{
    s_type("CEU");
    for (int i = 0; i < 501; i++) {
        char date[16];
        snprintf(date, sizeof date, "%04d-%02d-%02d", 2000 + i / 336, 1 + (i / 28) % 12,
                 1 + i % 28);
        s_award("wkr_many", "CEU", date);
    }
    Hcap__CredentialProfile *profile = s_profile("wkr_many");
    cr_assert_eq(profile->n_credentials, 500);
    cr_assert(s_assert_as_lists("wkr_many", profile), "the list has a second page");
}
