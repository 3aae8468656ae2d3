/* uplink_privacy: the allow-list of docs/federation.md, one rule per body
   message, and the rewrite that builds a new message from it. */
#include "uplink_privacy.h"

#include <assert.h>
#include <string.h>
#include <sodium.h>
#include "hc_msg.h"
#include "hc_time.h"
#include "apprenticeship.pb-c.h"
#include "credentialing.pb-c.h"
#include "enrollment.pb-c.h"

/* What happens to an allowed field; a field a rule does not name is dropped. */
typedef enum {
    S_KEEP,      /* sent as it is */
    S_PSEUDONYM, /* an id: sent as its pseudonym */
    S_AGE_BAND,  /* a birth date: its age band is sent in field `to` */
    S_BY_RULE,   /* a message (or a list of them): rewritten by its own rule */
} s_action;

typedef struct s_rule s_rule;

typedef struct {
    const char *name;
    s_action action;
    const char *to;     /* S_AGE_BAND: the field that carries the band */
    const s_rule *rule; /* S_BY_RULE */
} s_field;

struct s_rule {
    const ProtobufCMessageDescriptor *desc;
    const s_field *fields; /* ends with {NULL} */
};

/* clang-format off */
#define KEEP(f)          {#f, S_KEEP, NULL, NULL}
#define PSEUDONYM(f)     {#f, S_PSEUDONYM, NULL, NULL}
#define AGE_BAND(f, dst) {#f, S_AGE_BAND, #dst, NULL}
#define BY_RULE(f, r)    {#f, S_BY_RULE, NULL, &r}
#define RULE(name, msg, ...)                                                          \
    static const s_field name##_fields[] = {__VA_ARGS__, {NULL, S_KEEP, NULL, NULL}}; \
    static const s_rule name = {&msg, name##_fields}
/* clang-format on */

/* --- the allow-list: what leaves a region (docs/federation.md) --- */

RULE(s_worker, hcap__worker__descriptor, PSEUDONYM(id), KEEP(preferred_language),
     KEEP(race_ethnicity), KEEP(gender), KEEP(employer_id), KEEP(employment_status),
     AGE_BAND(birth_date, age_band));

RULE(s_worker_erased, hcap__worker_erased__descriptor, PSEUDONYM(id), KEEP(erased_at));

RULE(s_employer, hcap__employer__descriptor, KEEP(id), KEEP(name), KEEP(sector), KEEP(state));

RULE(s_program, hcap__program__descriptor, KEEP(id), KEEP(code), KEEP(name), KEEP(kind),
     KEEP(occupation), KEEP(credential_code), KEEP(hours), KEEP(delivery));

RULE(s_cohort, hcap__cohort__descriptor, KEEP(id), KEEP(program_id), KEEP(start_date),
     KEEP(end_date), KEEP(capacity), KEEP(language));

RULE(s_enrollment, hcap__enrollment__descriptor, PSEUDONYM(id), PSEUDONYM(worker_id),
     KEEP(cohort_id), KEEP(program_id), KEEP(status), KEEP(status_date), KEEP(hours_attended));

RULE(s_tuition_claim, hcap__tuition_claim__descriptor, PSEUDONYM(id), PSEUDONYM(worker_id),
     KEEP(amount_cents), KEEP(status), KEEP(approved_cents), KEEP(submitted_on), KEEP(decided_on));

RULE(s_employment, hcap__employment_record__descriptor, PSEUDONYM(id), PSEUDONYM(worker_id),
     KEEP(kind), KEEP(employer_id), KEEP(hourly_wage_cents), KEEP(effective_date));

RULE(s_competency, hcap__competency__descriptor, KEEP(code), KEEP(name), KEEP(framework));

RULE(s_credential_type, hcap__credential_type__descriptor, KEEP(code), KEEP(name), KEEP(kind),
     KEEP(issuer), KEEP(validity_months), KEEP(competencies), KEEP(level));

RULE(s_credential, hcap__credential__descriptor, PSEUDONYM(id), PSEUDONYM(worker_id),
     KEEP(credential_code), KEEP(credential_name), KEEP(kind), KEEP(issuer), KEEP(issued_on),
     KEEP(expires_on), KEEP(source), KEEP(status), KEEP(revoked_on), PSEUDONYM(prior_learning_id),
     PSEUDONYM(apprentice_id));

RULE(s_ladder, hcap__ladder__descriptor, KEEP(code), KEEP(name), KEEP(rungs));

RULE(s_prior_learning, hcap__prior_learning__descriptor, PSEUDONYM(id), PSEUDONYM(worker_id),
     KEEP(competencies), KEEP(credential_code), PSEUDONYM(credential_id), KEEP(ojl_credit_hours),
     KEEP(rti_credit_hours), KEEP(assessed_on));

RULE(s_wage_step, hcap__wage_step__descriptor, KEEP(after_ojl_hours), KEEP(hourly_wage_cents));

RULE(s_appr_program, hcap__apprenticeship_program__descriptor, KEEP(code), KEEP(name),
     KEEP(occupation), KEEP(onet_soc), KEEP(rapids_code), KEEP(sponsor), KEEP(approach),
     KEEP(ojl_hours), KEEP(rti_hours), KEEP(competencies), BY_RULE(wage_steps, s_wage_step),
     KEEP(completion_credential_code));

RULE(s_apprentice, hcap__apprentice__descriptor, PSEUDONYM(id), PSEUDONYM(worker_id),
     KEEP(program_code), KEEP(employer_id), KEEP(start_date), KEEP(status), KEEP(status_date),
     KEEP(ojl_hours), KEEP(rti_hours), KEEP(credited_ojl_hours), KEEP(credited_rti_hours),
     KEEP(competencies_completed), KEEP(competencies_remaining), KEEP(wage_step),
     KEEP(hourly_wage_cents), KEEP(completed_on), KEEP(completion_credential_code));

RULE(s_hours_entry, hcap__hours_entry__descriptor, PSEUDONYM(id), PSEUDONYM(apprentice_id),
     KEEP(kind), KEEP(date), KEEP(hours), KEEP(competency));

RULE(s_hours_logged, hcap__hours_logged__descriptor, BY_RULE(entry, s_hours_entry),
     BY_RULE(apprentice, s_apprentice));

RULE(s_signoff, hcap__signoff__descriptor, PSEUDONYM(apprentice_id), KEEP(competency), KEEP(date));

RULE(s_signed_off, hcap__competency_signed_off__descriptor, BY_RULE(signoff, s_signoff),
     BY_RULE(apprentice, s_apprentice));

/* Each forwarded event type and the rule of its body. */
static const struct {
    const char *type;
    const s_rule *rule;
} s_events[] = {
    {"enrollment.worker_registered.v1", &s_worker},
    {"enrollment.worker_updated.v1", &s_worker},
    {"enrollment.worker_erased.v1", &s_worker_erased},
    {"enrollment.employer_created.v1", &s_employer},
    {"enrollment.program_created.v1", &s_program},
    {"enrollment.cohort_created.v1", &s_cohort},
    {"enrollment.enrollment_created.v1", &s_enrollment},
    {"enrollment.enrollment_status_changed.v1", &s_enrollment},
    {"enrollment.tuition_claim_submitted.v1", &s_tuition_claim},
    {"enrollment.tuition_claim_decided.v1", &s_tuition_claim},
    {"enrollment.employment_recorded.v1", &s_employment},
    {"credentialing.competency_created.v1", &s_competency},
    {"credentialing.credential_type_created.v1", &s_credential_type},
    {"credentialing.credential_awarded.v1", &s_credential},
    {"credentialing.credential_expired.v1", &s_credential},
    {"credentialing.credential_revoked.v1", &s_credential},
    {"credentialing.ladder_created.v1", &s_ladder},
    {"credentialing.prior_learning_assessed.v1", &s_prior_learning},
    {"apprenticeship.program_created.v1", &s_appr_program},
    {"apprenticeship.apprentice_registered.v1", &s_apprentice},
    {"apprenticeship.apprentice_status_changed.v1", &s_apprentice},
    {"apprenticeship.apprentice_credited.v1", &s_apprentice},
    {"apprenticeship.apprentice_completed.v1", &s_apprentice},
    {"apprenticeship.hours_logged.v1", &s_hours_logged},
    {"apprenticeship.competency_signed_off.v1", &s_signed_off},
};

#define S_EVENT_RULES (sizeof s_events / sizeof s_events[0])

/* --- the rewrite --- */

typedef struct {
    const uint8_t *secret;
    const char *on_date; /* the event's occurred_at: age bands are taken on it */
    hc_arena *arena;
} s_ctx;

static const s_rule *s_rule_of(const char *type)
{
    for (size_t i = 0; type && i < S_EVENT_RULES; i++)
        if (strcmp(s_events[i].type, type) == 0)
            return s_events[i].rule;
    return NULL;
}

const ProtobufCMessageDescriptor *upl_privacy_body(const char *type)
{
    const s_rule *rule = s_rule_of(type);
    return rule ? rule->desc : NULL;
}

void upl_pseudonym(const uint8_t secret[UPL_SECRET_SIZE], const char *id,
                   char out[UPL_PSEUDONYM_SIZE])
{
    assert(secret && id && out);
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256(mac, (const uint8_t *)id, strlen(id), secret);
    sodium_bin2hex(out, UPL_PSEUDONYM_SIZE, mac, (UPL_PSEUDONYM_SIZE - 1) / 2);
}

/* The address offset bytes into msg (a field of its struct). */
static void *s_at(const ProtobufCMessage *msg, unsigned offset)
{
    return (char *)msg + offset;
}

/* Copies field fd as it is: the value (a list's pointer) and its count or
   has_ flag. Both messages live in the arena until the body is packed. */
static void s_copy(const ProtobufCFieldDescriptor *fd, const ProtobufCMessage *in,
                   ProtobufCMessage *out)
{
    bool repeated = fd->label == PROTOBUF_C_LABEL_REPEATED;
    memcpy(s_at(out, fd->offset), s_at(in, fd->offset),
           repeated ? sizeof(void *) : hc_msg_value_size(fd->type));
    if (repeated)
        memcpy(s_at(out, fd->quantifier_offset), s_at(in, fd->quantifier_offset), sizeof(size_t));
    else if (fd->quantifier_offset)
        memcpy(s_at(out, fd->quantifier_offset), s_at(in, fd->quantifier_offset),
               sizeof(protobuf_c_boolean));
}

static const ProtobufCFieldDescriptor *s_field_of(const ProtobufCMessageDescriptor *desc,
                                                  const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(desc, name);
}

static char **s_string(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *fd)
{
    return (char **)s_at(msg, fd->offset);
}

static int s_rewrite(const s_ctx *ctx, const s_rule *rule, const ProtobufCMessage *in,
                     ProtobufCMessage **out);

/* A message field (singular or a list) rewritten by its own rule. */
static int s_by_rule(const s_ctx *ctx, const s_field *f, const ProtobufCFieldDescriptor *fd,
                     const ProtobufCMessage *in, ProtobufCMessage *out)
{
    if (fd->label != PROTOBUF_C_LABEL_REPEATED) {
        ProtobufCMessage *from = *(ProtobufCMessage **)s_at(in, fd->offset);
        return from ? s_rewrite(ctx, f->rule, from, s_at(out, fd->offset)) : HC_OK;
    }
    size_t n = *(size_t *)s_at(in, fd->quantifier_offset);
    ProtobufCMessage **items = *(ProtobufCMessage ***)s_at(in, fd->offset);
    ProtobufCMessage **list = n ? hc_arena_alloc(ctx->arena, n * sizeof *list) : NULL;
    if (n && !list)
        return HC_RESOURCE_EXHAUSTED;
    for (size_t i = 0; i < n; i++) {
        int rc = s_rewrite(ctx, f->rule, items[i], &list[i]);
        if (rc != HC_OK)
            return rc;
    }
    *(ProtobufCMessage ***)s_at(out, fd->offset) = list;
    *(size_t *)s_at(out, fd->quantifier_offset) = n;
    return HC_OK;
}

/* One allowed field of in, written to out as its rule says. */
static int s_apply(const s_ctx *ctx, const s_rule *rule, const s_field *f,
                   const ProtobufCMessage *in, ProtobufCMessage *out)
{
    const ProtobufCFieldDescriptor *fd = s_field_of(rule->desc, f->name);
    if (!fd) /* upl_privacy_check names it */
        return HC_INTERNAL;
    const char *value = NULL;
    char buf[UPL_PSEUDONYM_SIZE > HC_AGE_BAND_SIZE ? UPL_PSEUDONYM_SIZE : HC_AGE_BAND_SIZE];
    switch (f->action) {
    case S_KEEP:
        s_copy(fd, in, out);
        return HC_OK;
    case S_BY_RULE:
        return s_by_rule(ctx, f, fd, in, out);
    case S_PSEUDONYM:
        if (!(value = *s_string(in, fd)))
            return HC_OK;
        if (value[0])
            upl_pseudonym(ctx->secret, value, buf);
        else
            buf[0] = '\0';
        break;
    case S_AGE_BAND:
        hc_age_band(*s_string(in, fd), ctx->on_date, buf, sizeof buf);
        if (!(fd = s_field_of(rule->desc, f->to)))
            return HC_INTERNAL;
        break;
    }
    char *copy = hc_arena_strdup(ctx->arena, buf);
    if (!copy)
        return HC_RESOURCE_EXHAUSTED;
    *s_string(out, fd) = copy;
    return HC_OK;
}

/* Required fields the rule dropped get their empty value ("" or an empty
   message), so the body still unpacks as its message. */
static int s_fill_required(hc_arena *arena, ProtobufCMessage *msg)
{
    static char empty[] = "";
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &desc->fields[i];
        if (fd->label != PROTOBUF_C_LABEL_REQUIRED)
            continue;
        if (fd->type == PROTOBUF_C_TYPE_STRING && !*s_string(msg, fd))
            *s_string(msg, fd) = empty;
        ProtobufCMessage **sub = s_at(msg, fd->offset);
        if (fd->type != PROTOBUF_C_TYPE_MESSAGE || *sub)
            continue;
        if (!(*sub = hc_arena_message(arena, fd->descriptor)) || s_fill_required(arena, *sub))
            return HC_RESOURCE_EXHAUSTED;
    }
    return HC_OK;
}

/* A new message of rule's type holding in's allowed fields only. */
static int s_rewrite(const s_ctx *ctx, const s_rule *rule, const ProtobufCMessage *in,
                     ProtobufCMessage **out)
{
    ProtobufCMessage *msg = hc_arena_message(ctx->arena, rule->desc);
    if (!msg)
        return HC_RESOURCE_EXHAUSTED;
    for (const s_field *f = rule->fields; f->name; f++) {
        int rc = s_apply(ctx, rule, f, in, msg);
        if (rc != HC_OK)
            return rc;
    }
    *out = msg;
    return s_fill_required(ctx->arena, msg);
}

int upl_privacy_rewrite(const uint8_t secret[UPL_SECRET_SIZE], const Hcap__Event *event,
                        hc_arena *arena, uint8_t **body, size_t *size, hc_error *err)
{
    assert(secret && event && arena && body && size);
    const s_rule *rule = s_rule_of(event->type);
    if (!rule)
        return hc_error_set(err, HC_NOT_FOUND, "type", "no privacy rule for event type %s",
                            event->type ? event->type : "(none)");
    ProtobufCMessage *in = hc_msg_unpack(rule->desc, event->body.data, event->body.len, arena);
    if (!in)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "body", "%s body does not decode as %s",
                            event->type, rule->desc->name);
    s_ctx ctx = {secret, event->occurred_at, arena};
    ProtobufCMessage *out = NULL;
    int rc = s_rewrite(&ctx, rule, in, &out);
    if (rc == HC_OK && !(*body = hc_msg_pack(out, arena, size)))
        rc = HC_RESOURCE_EXHAUSTED;
    if (rc != HC_OK)
        return hc_error_set(err, rc, "body", "cannot rewrite %s (%s)", event->type,
                            hc_code_name(rc));
    return HC_OK;
}

/* --- the rules' own check --- */

static bool s_singular_string(const ProtobufCFieldDescriptor *fd)
{
    return fd && fd->type == PROTOBUF_C_TYPE_STRING && fd->label != PROTOBUF_C_LABEL_REPEATED;
}

static int s_check_rule(const s_rule *rule, hc_error *err)
{
    for (const s_field *f = rule->fields; f->name; f++) {
        const ProtobufCFieldDescriptor *fd = s_field_of(rule->desc, f->name);
        bool ok = fd && !(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
        if (ok && f->action == S_KEEP) /* a message is kept by its own rule only */
            ok = fd->type != PROTOBUF_C_TYPE_MESSAGE;
        else if (ok && f->action == S_PSEUDONYM)
            ok = s_singular_string(fd);
        else if (ok && f->action == S_AGE_BAND)
            ok = s_singular_string(fd) && s_singular_string(s_field_of(rule->desc, f->to));
        else if (ok && f->action == S_BY_RULE)
            ok = fd->type == PROTOBUF_C_TYPE_MESSAGE && f->rule->desc == fd->descriptor &&
                 s_check_rule(f->rule, err) == HC_OK;
        if (!ok)
            return hc_error_set(err, HC_INTERNAL, f->name, "privacy rule of %s: bad field %s",
                                rule->desc->name, f->name);
    }
    return HC_OK;
}

int upl_privacy_check(hc_error *err)
{
    for (size_t i = 0; i < S_EVENT_RULES; i++) {
        int rc = s_check_rule(s_events[i].rule, err);
        if (rc != HC_OK)
            return rc;
    }
    return HC_OK;
}
