/* reporting_project: the followers of enrollment, credentialing and
   apprenticeship into the read model, and central's follower of the hub's
   log, which unwraps each forwarded event and applies it through the same
   tables, minding the epoch of each region's log. Each event type maps to
   one apply function over its decoded body; a type not in the tables, or
   a body that does not decode, is an error the follower dead-letters.
   Only ids, dates, statuses and self-identified groups go into the model. */
#include <stdio.h>
#include <string.h>
#include "hc_json.h"
#include "hc_log.h"
#include "hc_time.h"
#include "apprenticeship.pb-c.h"
#include "credentialing.pb-c.h"
#include "enrollment.pb-c.h"
#include "reporting_server.h"
#include "reporting_store.h"

#define S_PROGRAM_TEXT 256 /* a program code or kind read back from the model */

/* Applies one decoded body of event. */
typedef int(s_apply_fn)(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                        hc_error *err);

/* One event type of a log: its body's message and how it applies. A type
   without a descriptor is known and applies as a no-op. */
typedef struct {
    const char *type;
    const ProtobufCMessageDescriptor *body;
    s_apply_fn *apply;
} s_route;

/* --- helpers --- */

/* The lower-case name of an enum value, or 'unknown' for none, 0 or a
   value this build does not know. */
static const char *s_group(const ProtobufCEnumDescriptor *desc, bool has, int value)
{
    const char *name = has ? hc_json_enum_name(desc, value) : NULL;
    return name ? name : "unknown";
}

static const char *s_text_or_unknown(const char *text)
{
    return text && *text ? text : "unknown";
}

/* A required date of the body: HC_OK, or HC_INVALID_ARGUMENT naming field. */
static int s_date(const Hcap__Event *event, const char *date, const char *field, hc_error *err)
{
    if (date && hc_date_valid(date))
        return HC_OK;
    return hc_error_set(err, HC_INVALID_ARGUMENT, field, "%s: %s must be YYYY-MM-DD", event->type,
                        field);
}

static int s_unknown_value(const Hcap__Event *event, const char *field, int value, hc_error *err)
{
    return hc_error_set(err, HC_INVALID_ARGUMENT, field, "%s: %s %d is not known", event->type,
                        field, value);
}

/* The IPEDS-style group (docs/indicators.md): hispanic_latino when chosen,
   else the one race chosen, else two_or_more for several; declined when
   that was the only answer; unknown for none. */
static const char *s_race_group(const Hcap__Worker *w)
{
    int race = 0;
    bool several = false, hispanic = false, declined = false;
    for (size_t i = 0; i < w->n_race_ethnicity; i++) {
        int value = (int)w->race_ethnicity[i];
        if (value == HCAP__RACE_ETHNICITY__RACE_ETHNICITY_HISPANIC_LATINO)
            hispanic = true;
        else if (value == HCAP__RACE_ETHNICITY__RACE_ETHNICITY_DECLINED)
            declined = true;
        else if (!hc_json_enum_name(&hcap__race_ethnicity__descriptor, value))
            continue;
        else if (race && race != value)
            several = true;
        else
            race = value;
    }
    if (hispanic)
        return "hispanic_latino";
    if (several)
        return "two_or_more";
    if (race)
        return hc_json_enum_name(&hcap__race_ethnicity__descriptor, race);
    return declined ? "declined" : "unknown";
}

/* --- enrollment --- */

static int s_employer(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                      hc_error *err)
{
    (void)event;
    const Hcap__Employer *e = (const Hcap__Employer *)body;
    return rep_store_employer_put(store, e->id, e->name,
                                  s_group(&hcap__sector__descriptor, true, e->sector), err);
}

static int s_program(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                     hc_error *err)
{
    (void)event;
    const Hcap__Program *p = (const Hcap__Program *)body;
    rep_program row = {
        .origin = "enrollment",
        .code = p->code,
        .id = p->id,
        .name = p->name,
        .kind = s_group(&hcap__program_kind__descriptor, true, p->kind),
        .credential_code = p->credential_code && *p->credential_code ? p->credential_code : NULL,
    };
    return rep_store_program_put(store, &row, err);
}

/* The worker's age band on the event's date, from the birth date; a
   worker forwarded to central has none but its band (age_band), taken as
   is when it is one of hc_age_band's. "unknown" otherwise. */
static const char *s_age_band(const Hcap__Worker *w, const Hcap__Event *event,
                              char band[HC_AGE_BAND_SIZE])
{
    if ((!w->birth_date || !*w->birth_date) && w->age_band) {
        for (size_t i = 0; rep_age_bands[i]; i++)
            if (strcmp(w->age_band, rep_age_bands[i]) == 0)
                return rep_age_bands[i];
        return "unknown";
    }
    hc_age_band(w->birth_date, event->occurred_at, band, HC_AGE_BAND_SIZE);
    return band;
}

/* The worker's groups; the age band on the event's date. Names, contact
   data, external ids and the birth date itself stay out. */
static int s_worker(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                    hc_error *err)
{
    const Hcap__Worker *w = (const Hcap__Worker *)body;
    char band[HC_AGE_BAND_SIZE];
    rep_worker row = {
        .id = w->id,
        .race_group = s_race_group(w),
        .gender = s_group(&hcap__gender__descriptor, w->has_gender, w->gender),
        .age_band = s_age_band(w, event, band),
        .language = s_text_or_unknown(w->preferred_language),
        .employer_id = w->employer_id && *w->employer_id ? w->employer_id : NULL,
        .employment_status = s_group(&hcap__employment_status__descriptor, w->has_employment_status,
                                     w->employment_status),
    };
    if (strcmp(event->type, "enrollment.worker_registered.v1") == 0)
        row.registered_status = row.employment_status;
    return rep_store_worker_put(store, &row, err);
}

static int s_worker_erased(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                           hc_error *err)
{
    (void)event;
    return rep_store_worker_erase(store, ((const Hcap__WorkerErased *)body)->id, err);
}

/* The fact kind of an enrollment status; 0 for waitlisted, -1 for a
   status this build does not know. */
static int s_step_kind(int status)
{
    switch (status) {
    case HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED:
        return REP_FACT_ENROLLED;
    case HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE:
        return REP_FACT_ACTIVE;
    case HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED:
        return REP_FACT_COMPLETED;
    case HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN:
        return REP_FACT_WITHDRAWN;
    case HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_FAILED:
        return REP_FACT_FAILED;
    case HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WAITLISTED:
        return 0;
    default:
        return -1;
    }
}

/* The step the enrollment's status names, on its status_date; the first
   day a step was reached stays. */
static int s_enrollment(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                        hc_error *err)
{
    const Hcap__Enrollment *e = (const Hcap__Enrollment *)body;
    int kind = s_step_kind(e->status);
    if (kind < 0)
        return s_unknown_value(event, "status", e->status, err);
    if (kind == 0)
        return HC_OK;
    char code[S_PROGRAM_TEXT], program_kind[S_PROGRAM_TEXT];
    int rc = s_date(event, e->status_date, "status_date", err);
    if (rc != HC_OK || (rc = rep_store_program_find(store, "enrollment", e->program_id, code,
                                                    program_kind, S_PROGRAM_TEXT, err)) != HC_OK)
        return rc;
    rep_fact fact = {.entity = e->id,
                     .kind = kind,
                     .worker_id = e->worker_id,
                     .day = e->status_date,
                     .program = code,
                     .program_kind = program_kind};
    return rep_store_fact_put(store, &fact, true, err);
}

static int s_claim(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                   hc_error *err)
{
    const Hcap__TuitionClaim *c = (const Hcap__TuitionClaim *)body;
    int kind = c->status == HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED ? REP_FACT_CLAIM_APPROVED
               : c->status == HCAP__CLAIM_STATUS__CLAIM_STATUS_PAID   ? REP_FACT_CLAIM_PAID
                                                                      : 0;
    if (c->status == HCAP__CLAIM_STATUS__CLAIM_STATUS_DENIED)
        return HC_OK;
    if (kind == 0)
        return s_unknown_value(event, "status", c->status, err);
    int rc = s_date(event, c->decided_on, "decided_on", err);
    if (rc != HC_OK)
        return rc;
    rep_fact fact = {
        .entity = c->id, .kind = kind, .worker_id = c->worker_id, .day = c->decided_on};
    return rep_store_fact_put(store, &fact, false, err);
}

static int s_employment(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                        hc_error *err)
{
    const Hcap__EmploymentRecord *r = (const Hcap__EmploymentRecord *)body;
    static const int kinds[] = {
        [HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT] = REP_FACT_PLACEMENT,
        [HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PROMOTION] = REP_FACT_PROMOTION,
        [HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_WAGE_CHANGE] = REP_FACT_WAGE_CHANGE,
        [HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_SEPARATION] = REP_FACT_SEPARATION,
    };
    int value = (int)r->kind;
    if (value <= 0 || (size_t)value >= sizeof kinds / sizeof kinds[0])
        return s_unknown_value(event, "kind", value, err);
    int rc = s_date(event, r->effective_date, "effective_date", err);
    if (rc != HC_OK)
        return rc;
    rep_fact fact = {.entity = r->id,
                     .kind = kinds[value],
                     .worker_id = r->worker_id,
                     .day = r->effective_date,
                     .has_wage = r->has_hourly_wage_cents,
                     .wage_cents = r->hourly_wage_cents};
    return rep_store_fact_put(store, &fact, false, err);
}

static const s_route s_enrollment_routes[] = {
    {"enrollment.employer_created.v1", &hcap__employer__descriptor, s_employer},
    {"enrollment.program_created.v1", &hcap__program__descriptor, s_program},
    {"enrollment.worker_registered.v1", &hcap__worker__descriptor, s_worker},
    {"enrollment.worker_updated.v1", &hcap__worker__descriptor, s_worker},
    {"enrollment.worker_erased.v1", &hcap__worker_erased__descriptor, s_worker_erased},
    {"enrollment.enrollment_created.v1", &hcap__enrollment__descriptor, s_enrollment},
    {"enrollment.enrollment_status_changed.v1", &hcap__enrollment__descriptor, s_enrollment},
    {"enrollment.tuition_claim_decided.v1", &hcap__tuition_claim__descriptor, s_claim},
    {"enrollment.employment_recorded.v1", &hcap__employment_record__descriptor, s_employment},
    {"enrollment.cohort_created.v1", NULL, NULL},
    {"enrollment.tuition_claim_submitted.v1", NULL, NULL},
    {NULL, NULL, NULL},
};

/* --- credentialing --- */

/* An award (or its expiry: an expired credential still counts) is the
   credential's fact; a revoked one has none. */
static int s_credential(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                        hc_error *err)
{
    const Hcap__Credential *c = (const Hcap__Credential *)body;
    if (c->status == HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_REVOKED)
        return rep_store_fact_delete(store, c->id, REP_FACT_CREDENTIAL, err);
    int rc = s_date(event, c->issued_on, "issued_on", err);
    if (rc != HC_OK)
        return rc;
    rep_fact fact = {.entity = c->id,
                     .kind = REP_FACT_CREDENTIAL,
                     .worker_id = c->worker_id,
                     .day = c->issued_on,
                     .credential = c->credential_code,
                     .source = s_group(&hcap__credential_source__descriptor, true, c->source)};
    return rep_store_fact_put(store, &fact, false, err);
}

static int s_credential_revoked(hc_store *store, const Hcap__Event *event,
                                const ProtobufCMessage *body, hc_error *err)
{
    (void)event;
    return rep_store_fact_delete(store, ((const Hcap__Credential *)body)->id, REP_FACT_CREDENTIAL,
                                 err);
}

static int s_credential_type(hc_store *store, const Hcap__Event *event,
                             const ProtobufCMessage *body, hc_error *err)
{
    (void)event;
    const Hcap__CredentialType *t = (const Hcap__CredentialType *)body;
    return rep_store_credential_type_put(store, t->code, t->name, err);
}

static const s_route s_credentialing_routes[] = {
    {"credentialing.credential_awarded.v1", &hcap__credential__descriptor, s_credential},
    {"credentialing.credential_expired.v1", &hcap__credential__descriptor, s_credential},
    {"credentialing.credential_revoked.v1", &hcap__credential__descriptor, s_credential_revoked},
    {"credentialing.credential_type_created.v1", &hcap__credential_type__descriptor,
     s_credential_type},
    {"credentialing.competency_created.v1", NULL, NULL},
    {"credentialing.prior_learning_assessed.v1", NULL, NULL},
    {"credentialing.ladder_created.v1", NULL, NULL},
    {NULL, NULL, NULL},
};

/* --- apprenticeship --- */

static int s_appr_program(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                          hc_error *err)
{
    (void)event;
    const Hcap__ApprenticeshipProgram *p = (const Hcap__ApprenticeshipProgram *)body;
    rep_program row = {
        .origin = "apprenticeship",
        .code = p->code,
        .id = p->code,
        .name = p->name,
        .kind = "apprenticeship",
        .credential_code = p->completion_credential_code && *p->completion_credential_code
                               ? p->completion_credential_code
                               : NULL,
    };
    return rep_store_program_put(store, &row, err);
}

/* The registration's facts: registered on start_date, completed on
   completed_on once it is. */
static int s_apprentice_facts(hc_store *store, const Hcap__Event *event, const Hcap__Apprentice *a,
                              hc_error *err)
{
    rep_fact fact = {.entity = a->id,
                     .kind = REP_FACT_APPR_REGISTERED,
                     .worker_id = a->worker_id,
                     .day = a->start_date,
                     .program = a->program_code};
    int rc = rep_store_fact_put(store, &fact, false, err);
    if (rc != HC_OK || a->status != HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_COMPLETED)
        return rc;
    if ((rc = s_date(event, a->completed_on, "completed_on", err)) != HC_OK)
        return rc;
    fact.kind = REP_FACT_APPR_COMPLETED;
    fact.day = a->completed_on;
    return rep_store_fact_put(store, &fact, false, err);
}

/* The registration's current state and its facts. */
static int s_apprentice_state(hc_store *store, const Hcap__Event *event, const Hcap__Apprentice *a,
                              hc_error *err)
{
    const char *status = hc_json_enum_name(&hcap__apprentice_status__descriptor, a->status);
    if (!status)
        return s_unknown_value(event, "status", a->status, err);
    int rc = s_date(event, a->start_date, "start_date", err);
    if (rc != HC_OK)
        return rc;
    rep_apprentice row = {
        .id = a->id,
        .worker_id = a->worker_id,
        .program = a->program_code,
        .start_date = a->start_date,
        .status = status,
        .status_date = a->status_date && *a->status_date ? a->status_date : NULL,
        .completed_on = a->completed_on && *a->completed_on ? a->completed_on : NULL,
    };
    if ((rc = rep_store_apprentice_put(store, &row, err)) != HC_OK)
        return rc;
    return s_apprentice_facts(store, event, a, err);
}

static int s_apprentice(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                        hc_error *err)
{
    return s_apprentice_state(store, event, (const Hcap__Apprentice *)body, err);
}

static int s_hours(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                   hc_error *err)
{
    return s_apprentice_state(store, event, ((const Hcap__HoursLogged *)body)->apprentice, err);
}

/* The apprentice's state and the sign-off's own fact, keyed by
   "<apprentice_id>/<competency>". */
static int s_signoff(hc_store *store, const Hcap__Event *event, const ProtobufCMessage *body,
                     hc_error *err)
{
    const Hcap__CompetencySignedOff *s = (const Hcap__CompetencySignedOff *)body;
    int rc = s_apprentice_state(store, event, s->apprentice, err);
    if (rc != HC_OK || (rc = s_date(event, s->signoff->date, "date", err)) != HC_OK)
        return rc;
    hc_arena *arena = hc_arena_new();
    rep_fact fact = {
        .entity =
            hc_arena_printf(arena, "%s/%s", s->signoff->apprentice_id, s->signoff->competency),
        .kind = REP_FACT_SIGNOFF,
        .worker_id = s->apprentice->worker_id,
        .day = s->signoff->date,
        .program = s->apprentice->program_code,
    };
    rc = rep_store_fact_put(store, &fact, false, err);
    hc_arena_destroy(&arena);
    return rc;
}

static const s_route s_apprenticeship_routes[] = {
    {"apprenticeship.program_created.v1", &hcap__apprenticeship_program__descriptor,
     s_appr_program},
    {"apprenticeship.apprentice_registered.v1", &hcap__apprentice__descriptor, s_apprentice},
    {"apprenticeship.apprentice_status_changed.v1", &hcap__apprentice__descriptor, s_apprentice},
    {"apprenticeship.apprentice_credited.v1", &hcap__apprentice__descriptor, s_apprentice},
    {"apprenticeship.apprentice_completed.v1", &hcap__apprentice__descriptor, s_apprentice},
    {"apprenticeship.hours_logged.v1", &hcap__hours_logged__descriptor, s_hours},
    {"apprenticeship.competency_signed_off.v1", &hcap__competency_signed_off__descriptor,
     s_signoff},
    {NULL, NULL, NULL},
};

/* --- central: whose rows --- */

static const char *s_apprentice_worker(const Hcap__Apprentice *a)
{
    return a ? a->worker_id : NULL;
}

/* The worker a forwarded body names: a worker's own id, else its
   worker_id, or that of the registration it carries; NULL for the
   catalog's bodies. */
static const char *s_worker_of(const ProtobufCMessage *body)
{
    const ProtobufCMessageDescriptor *desc = body->descriptor;
    if (desc == &hcap__worker__descriptor)
        return ((const Hcap__Worker *)body)->id;
    if (desc == &hcap__worker_erased__descriptor)
        return ((const Hcap__WorkerErased *)body)->id;
    if (desc == &hcap__hours_logged__descriptor)
        return s_apprentice_worker(((const Hcap__HoursLogged *)body)->apprentice);
    if (desc == &hcap__competency_signed_off__descriptor)
        return s_apprentice_worker(((const Hcap__CompetencySignedOff *)body)->apprentice);
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(desc, "worker_id");
    if (!field || field->type != PROTOBUF_C_TYPE_STRING ||
        field->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return *(const char *const *)((const char *)body + field->offset);
}

/* Records which log wrote the shared rows a catalog body writes (a code
   several regions create is one row; each region's reset must know
   whether another still has it). */
static int s_labels(hc_store *store, const ProtobufCMessage *body, const char *source,
                    hc_error *err)
{
    const ProtobufCMessageDescriptor *desc = body->descriptor;
    if (desc == &hcap__employer__descriptor)
        return rep_store_label_written(store, "employers", NULL, ((const Hcap__Employer *)body)->id,
                                       source, err);
    if (desc == &hcap__credential_type__descriptor)
        return rep_store_label_written(store, "credential_types", NULL,
                                       ((const Hcap__CredentialType *)body)->code, source, err);
    const char *origin = NULL, *code = NULL, *id = NULL;
    if (desc == &hcap__program__descriptor) {
        origin = "enrollment";
        code = ((const Hcap__Program *)body)->code;
        id = ((const Hcap__Program *)body)->id;
    } else if (desc == &hcap__apprenticeship_program__descriptor) {
        origin = "apprenticeship";
        code = id = ((const Hcap__ApprenticeshipProgram *)body)->code;
    }
    if (!origin)
        return HC_OK;
    int rc = rep_store_label_written(store, "programs", origin, code, source, err);
    return rc == HC_OK ? rep_store_label_written(store, "program_ids", origin, id, source, err)
                       : rc;
}

/* At central, after a body applied: the worker it names gets the node
   its log belongs to, the shared rows it wrote the log's name. */
static int s_central_marks(hc_store *store, const char *node, const Hcap__Event *event,
                           const ProtobufCMessage *body, hc_error *err)
{
    const char *worker = s_worker_of(body);
    int rc = worker && *worker ? rep_store_worker_node(store, worker, node, err) : HC_OK;
    return rc == HC_OK ? s_labels(store, body, event->source, err) : rc;
}

/* --- the followers --- */

/* Finds the event's route, decodes its body and applies it; with node
   (central) the worker it names also gets the node its events came from
   (s_central_marks). A type not in routes or a body that does not decode
   fails, naming it. */
static int s_project(const s_route *routes, hc_store *store, const char *node,
                     const Hcap__Event *event, hc_error *err)
{
    const char *type = event->type ? event->type : "";
    const s_route *route = routes;
    while (route->type && strcmp(route->type, type) != 0)
        route++;
    if (!route->type)
        return hc_error_set(err, HC_UNIMPLEMENTED, "type", "event type %s is not known", type);
    if (!route->body)
        return HC_OK;
    /* Unpacked with protobuf-c's own allocator: an event's few small
       allocations cost less than an arena's first chunk. */
    ProtobufCMessage *body =
        protobuf_c_message_unpack(route->body, NULL, event->body.len, event->body.data);
    if (!body)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "body", "%s body is not a %s", type,
                            route->body->name);
    int rc = route->apply(store, event, body, err);
    if (rc == HC_OK && node)
        rc = s_central_marks(store, node, event, body, err);
    protobuf_c_message_free_unpacked(body, NULL);
    return rc;
}

/* The change log's rows are trimmed every S_TRIM_EVERY events applied to
   the newest S_CHANGES_KEPT: about as many as an index applies row by row
   in the time a whole reload takes (reporting_index.c). */
#define S_TRIM_EVERY   4096
#define S_CHANGES_KEPT 524288

/* Counts an applied event in state (NULL: a test's follower) and trims. */
static int s_trim(void *state, hc_store *store, int rc, hc_error *err)
{
    rep_state *st = state;
    if (rc != HC_OK || !st || ++st->applied % S_TRIM_EVERY != 0)
        return rc;
    return rep_store_changes_trim(store, S_CHANGES_KEPT, err);
}

int rep_project_enrollment(void *state, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    return s_trim(state, store, s_project(s_enrollment_routes, store, NULL, event, err), err);
}

int rep_project_credentialing(void *state, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    return s_trim(state, store, s_project(s_credentialing_routes, store, NULL, event, err), err);
}

int rep_project_apprenticeship(void *state, hc_store *store, const Hcap__Event *event,
                               hc_error *err)
{
    return s_trim(state, store, s_project(s_apprenticeship_routes, store, NULL, event, err), err);
}

/* --- central --- */

#define S_NODE_MAX  128 /* bytes of a node id, NUL included */
#define S_EPOCH_MAX 128 /* bytes of an epoch read back, NUL included */

/* The route table of a forwarded event's service; NULL when not followed. */
static const s_route *s_routes_of(const char *service)
{
    if (strcmp(service, "enrollment") == 0)
        return s_enrollment_routes;
    if (strcmp(service, "credentialing") == 0)
        return s_credentialing_routes;
    if (strcmp(service, "apprenticeship") == 0)
        return s_apprenticeship_routes;
    return NULL;
}

/* Splits source "<node>/<service>" into node[S_NODE_MAX] and the routes of
   its service; HC_INVALID_ARGUMENT naming "source" otherwise. */
static int s_source_split(const char *source, char node[S_NODE_MAX], const s_route **routes,
                          hc_error *err)
{
    const char *slash = source ? strchr(source, '/') : NULL;
    size_t len = slash ? (size_t)(slash - source) : 0;
    *routes = slash ? s_routes_of(slash + 1) : NULL;
    if (len == 0 || len >= S_NODE_MAX || !*routes)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "source",
                            "forwarded event source %.200s is not <node>/enrollment, "
                            "credentialing or apprenticeship",
                            source ? source : "");
    memcpy(node, source, len);
    node[len] = '\0';
    return HC_OK;
}

/* Prefixes err's message with the forwarded event's own place: the dead
   letter keeps the hub's (source, seq) only. */
static void s_error_forwarded(hc_error *err, const Hcap__Event *inner)
{
    char field[sizeof err->field], message[sizeof err->message];
    snprintf(field, sizeof field, "%s", err->field);
    snprintf(message, sizeof message, "%s", err->message);
    hc_error_set(err, err->code, field[0] ? field : NULL, "forwarded %.100s seq %llu: %s",
                 inner->source, (unsigned long long)inner->seq, message);
}

/* Brings the read model to the forwarded event's epoch of its log before
   the event applies: a log's first epoch is recorded, the current one
   applies, and a new one first takes back what the old one derived (the
   region was restored or rebuilt: docs/federation.md), in the event's own
   transaction. An event of an epoch the log left (*skip) belongs to a
   history the region abandoned: it is skipped. */
static int s_epoch_enter(hc_store *store, const char *node, const Hcap__Event *inner, bool *skip,
                         hc_error *err)
{
    char current[S_EPOCH_MAX], old[S_EPOCH_MAX + 8], fresh[S_EPOCH_MAX + 8];
    rep_epoch state;
    int rc = rep_store_epoch_find(store, inner->source, inner->epoch, &state, current,
                                  sizeof current, err);
    if (rc != HC_OK || state == REP_EPOCH_CURRENT)
        return rc;
    const char *service = inner->source + strlen(node) + 1;
    hc_log_quote(inner->epoch, fresh, sizeof fresh);
    if (state == REP_EPOCH_LEFT) {
        *skip = true;
        hc_log_warn("central_epoch_left",
                    "node=%s service=%s epoch=%s seq=%llu message=\"an "
                    "event of an epoch its log left: skipped\"",
                    node, service, fresh, (unsigned long long)inner->seq);
        return HC_OK;
    }
    if (state == REP_EPOCH_NEW) {
        hc_log_warn("central_epoch_changed",
                    "node=%s service=%s epoch=%s new_epoch=%s seq=%llu message=\"the region's "
                    "log has a new epoch (restored or rebuilt): what the old one derived goes, "
                    "the new one applies from seq 1\"",
                    node, service, hc_log_quote(current, old, sizeof old), fresh,
                    (unsigned long long)inner->seq);
        rc = rep_store_reset_central(store, node, service, inner->source, err);
    }
    return rc == HC_OK ? rep_store_epoch_take(store, inner->source, inner->epoch, err) : rc;
}

int rep_project_central(void *state, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    const char *type = event->type ? event->type : "";
    if (strcmp(type, REP_EV_CENTRAL_RECEIVED) != 0)
        return hc_error_set(err, HC_UNIMPLEMENTED, "type",
                            "event type %s is not known: the hub's log holds %s", type,
                            REP_EV_CENTRAL_RECEIVED);
    Hcap__Event *inner = hcap__event__unpack(NULL, event->body.len, event->body.data);
    if (!inner)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "body", "%s body is not an hcap.Event", type);
    char node[S_NODE_MAX];
    const s_route *routes = NULL;
    bool skip = false;
    int rc = s_source_split(inner->source, node, &routes, err);
    if (rc == HC_OK) {
        rc = s_epoch_enter(store, node, inner, &skip, err);
        if (rc == HC_OK && !skip)
            rc = s_project(routes, store, node, inner, err);
        if (rc != HC_OK)
            s_error_forwarded(err, inner);
    }
    hcap__event__free_unpacked(inner, NULL);
    return s_trim(state, store, rc, err);
}

/* source is the follower's name ("enrollment") or the log's source as the
   follower knows it ("<node>/enrollment"). */
int rep_project_reset(void *state, hc_store *store, const char *source, hc_error *err)
{
    (void)state;
    const char *slash = source ? strrchr(source, '/') : NULL;
    const char *service = slash ? slash + 1 : source ? source : "";
    hc_log_warn("reporting_reset", "source=%s", service);
    if (strcmp(service, "central") == 0)
        return rep_store_clear(store, err);
    if (strcmp(service, "enrollment") == 0)
        return rep_store_reset_enrollment(store, err);
    if (strcmp(service, "credentialing") == 0)
        return rep_store_reset_credentialing(store, err);
    if (strcmp(service, "apprenticeship") == 0)
        return rep_store_reset_apprenticeship(store, err);
    return hc_error_set(err, HC_INVALID_ARGUMENT, "source", "no log %s is followed", service);
}
