/* credentialing_badge: a credential as an Open Badges 3.0
   OpenBadgeCredential (VC Data Model 2.0), signed with the node's Ed25519
   key as an eddsa-jcs-2022 Data Integrity proof. The holder appears only
   as a salted hash of the name. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "hc_time.h"
#include "credentialing_server.h"

#define S_CONTEXT_VC "https://www.w3.org/ns/credentials/v2"
#define S_CONTEXT_OB "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#define S_REVOKED    HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_REVOKED

/* The OB 3.0 achievementType of a credential kind (its vocabulary has
   License, Certification, Certificate and Badge). */
static const char *s_achievement_type(int kind)
{
    switch (kind) {
    case HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_LICENSE:
        return "License";
    case HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_CERTIFICATION:
        return "Certification";
    case HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_CERTIFICATE:
        return "Certificate";
    default:
        return "Badge";
    }
}

/* What earning the credential type means, in words. */
static char *s_narrative(hc_arena *arena, const Hcap__CredentialType *t)
{
    char *text = hc_arena_printf(arena, "Granted by %s to those who meet its requirements for %s.",
                                 t->issuer, t->name);
    for (size_t i = 0; i < t->n_competencies; i++)
        text = hc_arena_printf(arena, "%s%s%s%s", text, i == 0 ? " Competencies: " : ", ",
                               t->competencies[i], i + 1 == t->n_competencies ? "." : "");
    return text;
}

static json_t *s_achievement(cred_state *st, hc_arena *arena, const Hcap__CredentialType *t)
{
    char *id = hc_arena_printf(arena, "%s/v1/credential-types/%s", st->public_url, t->code);
    char *description = t->level
                            ? hc_arena_printf(arena, "%s (%s, level %s), issued by %s.", t->name,
                                              s_achievement_type(t->kind), t->level, t->issuer)
                            : hc_arena_printf(arena, "%s (%s), issued by %s.", t->name,
                                              s_achievement_type(t->kind), t->issuer);
    return json_pack("{s:s, s:[s], s:s, s:s, s:{s:s}, s:s, s:{s:s, s:[s], s:s}}", "id", id, "type",
                     "Achievement", "name", t->name, "description", description, "criteria",
                     "narrative", s_narrative(arena, t), "achievementType",
                     s_achievement_type(t->kind), "creator", "id",
                     hc_arena_printf(arena, "%s#issuer", id), "type", "Profile", "name", t->issuer);
}

static json_t *s_subject(json_t *achievement, const cred_holder *h, hc_arena *arena)
{
    return json_pack("{s:[s], s:[{s:s, s:s, s:s, s:b, s:s}], s:o}", "type", "AchievementSubject",
                     "identifier", "type", "IdentityObject", "identityHash",
                     hc_arena_printf(arena, "sha256$%s", h->name_hash), "identityType", "name",
                     "hashed", 1, "salt", h->salt, "achievement", achievement);
}

/* The unsigned document; NULL when jansson refuses a value (not UTF-8). */
static json_t *s_document(cred_state *st, hc_arena *arena, const Hcap__Credential *c,
                          const Hcap__CredentialType *t, const cred_holder *h)
{
    json_t *achievement = s_achievement(st, arena, t);
    json_t *subject = achievement ? s_subject(achievement, h, arena) : NULL;
    if (!subject)
        return NULL;
    json_t *doc = json_pack("{s:[s,s], s:s, s:[s,s], s:{s:s, s:[s], s:s}, s:s}", "@context",
                            S_CONTEXT_VC, S_CONTEXT_OB, "id", c->verification_url, "type",
                            "VerifiableCredential", "OpenBadgeCredential", "issuer", "id",
                            hc_proof_key_did(st->key), "type", "Profile", "name", st->node_name,
                            "validFrom", hc_arena_printf(arena, "%sT00:00:00Z", c->issued_on));
    if (!doc) {
        json_decref(subject);
        return NULL;
    }
    if (c->expires_on) {
        /* expires_on is the last valid day: valid until the next midnight */
        char after[HC_DATE_SIZE];
        hc_date_from_days(hc_date_days(c->expires_on) + 1, after);
        json_object_set_new(doc, "validUntil",
                            json_string(hc_arena_printf(arena, "%sT00:00:00Z", after)));
    }
    json_object_set_new(doc, "name", json_string(c->credential_name));
    json_object_set_new(doc, "credentialSubject", subject);
    return doc;
}

/* The proof's created time: the award's own, to the second, so the same
   credential always gives the same badge. */
static char *s_created(hc_arena *arena, const Hcap__Credential *c)
{
    if (c->created_at && strlen(c->created_at) >= 19)
        return hc_arena_printf(arena, "%.19sZ", c->created_at);
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    return hc_arena_printf(arena, "%.19sZ", now);
}

/* The credential, its type and its holder, or the call's failure. */
static int s_badge_parts(cred_state *st, hc_call *call, const char *id, Hcap__Credential **c,
                         Hcap__CredentialType **t, cred_holder **h)
{
    hc_arena *arena = hc_call_arena(call);
    hc_error err;
    if (cred_store_credential_get(st->store, id, "id", arena, c, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    if ((*c)->status == S_REVOKED)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "id", "credential %s is revoked", id);
    if (cred_store_type_get(st->store, (*c)->credential_code, "credential_code", arena, t, &err) !=
        HC_OK)
        return hc_call_fail_with(call, &err);
    /* The holder directory follows enrollment's log a few milliseconds
       behind: a worker just created is worth a retry, an erased one not. */
    int rc = cred_store_holder_get(st->store, (*c)->worker_id, arena, h, &err);
    if (rc == HC_NOT_FOUND)
        return hc_call_fail(call, HC_UNAVAILABLE, "worker_id",
                            "the holder has not reached credentialing yet: retry shortly");
    if (rc != HC_OK)
        return hc_call_fail_with(call, &err);
    if ((*h)->erased)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, "worker_id", "the holder was erased");
    cred_credential_url(st, arena, *c);
    return HC_OK;
}

int cred_get_badge(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    cred_state *st = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    hc_arena *arena = hc_call_arena(call);
    Hcap__Credential *c = NULL;
    Hcap__CredentialType *t = NULL;
    cred_holder *h = NULL;
    hc_error err;
    int rc = s_badge_parts(st, call, req->id, &c, &t, &h);
    if (rc != HC_OK)
        return rc;
    json_t *doc = s_document(st, arena, c, t, h);
    if (!doc)
        return hc_call_fail(call, HC_INTERNAL, "id", "cannot build the badge of %s", c->id);
    if ((rc = hc_proof_sign(doc, st->key, s_created(arena, c), &err)) != HC_OK) {
        json_decref(doc);
        return hc_call_fail_with(call, &err);
    }
    char *text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (!text)
        return hc_call_fail(call, HC_INTERNAL, "id", "cannot write the badge of %s", c->id);
    Hcap__Badge *badge = (Hcap__Badge *)hc_call_new(call, &hcap__badge__descriptor);
    badge->document = hc_arena_strdup(arena, text);
    free(text);
    *out = &badge->base;
    return HC_OK;
}
