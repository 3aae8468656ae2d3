/* demo: loads the demonstration fund through the gateway, 64 requests in
   flight, every write under a fixed idempotency key so an interrupted load
   resumes without duplicates. The fund's data is in demo_data.c, its
   credentials in demo_cred.c, its apprenticeship in demo_appr.c. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>
#include "demo.h"
#include "demo_plan.h"
#include "gateway.pb-c.h"
#include "hc_time.h"
#include "reporting.pb-c.h"

#define S_IN_FLIGHT    64
#define S_RECV_MS      15000 /* no reply at all for this long: resend what is in flight */
#define S_SLICE_MS     200   /* how often the stop flag is looked at */
#define S_RETRY_MS     250
#define S_MAX_ATTEMPTS 160 /* 40 s of an unavailable service */
#define S_SEED         4   /* seed 004: the SEIU-Community Clinics partnership */
#define S_MAX_PICKS    512
#define S_CLAIMS       40
#define S_WAIT_MS      60000 /* for reporting to catch up with the fund */
#define S_POLL_MS      100
#define S_HEARTBEAT_MS 1200 /* a producer's heads in /healthz are this fresh */

/* Idempotency key numbers: a fixed range per kind of write, so the key of a
   write depends only on what it is, never on how far an earlier run got. */
enum {
    S_KEY_EMPLOYER = 1,
    S_KEY_PROGRAM = 11,
    S_KEY_COHORT = 21,
    S_KEY_WORKER = 101,
    S_KEY_ENROLL = 1001,
    S_KEY_STATUS = 2001, /* + 3 * enrollment + step */
    S_KEY_CLAIM = 6001,
    S_KEY_DECIDE = 6101, /* + 2 * claim + step */
    S_KEY_EMPLOY = 7001,
};

typedef demo_call s_call;

/* What happens to an enrollment after it was created. */
typedef enum {
    S_STAY,               /* stays enrolled or waitlisted */
    S_ACTIVE,             /* enrolled -> active */
    S_COMPLETED,          /* enrolled -> active -> completed */
    S_FAILED,             /* enrolled -> active -> failed */
    S_WITHDRAWN_ACTIVE,   /* enrolled -> active -> withdrawn */
    S_WITHDRAWN_ENROLLED, /* enrolled -> withdrawn */
    S_WITHDRAWN_WAITLIST, /* waitlisted -> withdrawn */
} s_plan;

/* What becomes of a tuition claim. */
typedef enum { S_CLAIM_OPEN, S_CLAIM_APPROVED, S_CLAIM_PAID, S_CLAIM_DENIED } s_claim_plan;

struct demo_loader {
    hc_client *client;
    const atomic_bool *stop;
    hc_arena *arena;
    demo_stats stats;
    int64_t pause_until; /* no sends before this (a service was unavailable) */
    int64_t silent_ms;   /* how long no reply came */
    char *employer_ids[16];
    char *program_ids[16];
    char *cohort_ids[32];
    demo_worker workers[DEMO_WORKERS];
    char *worker_ids[DEMO_WORKERS];
    demo_pick picks[S_MAX_PICKS];
    size_t pick_count;
    Hcap__Enrollment *enrollments[S_MAX_PICKS];
    s_plan plans[S_MAX_PICKS];
    size_t claim_workers[S_CLAIMS];
    int64_t claim_amounts[S_CLAIMS];
    s_claim_plan claim_plans[S_CLAIMS];
    char *claim_ids[S_CLAIMS];
};
typedef demo_loader s_demo;

typedef struct {
    const char *service;
    const char *method;
    const ProtobufCMessageDescriptor *out_desc;
    s_call *calls;
    size_t count;
    size_t next; /* no waiting call below this index */
    size_t in_flight;
    size_t done;
} s_batch;

static bool s_retryable(int code)
{
    return code == HC_UNAVAILABLE || code == HC_DEADLINE_EXCEEDED;
}

static int s_send_waiting(s_demo *self, s_batch *b, hc_error *err)
{
    if (hc_clock_ms() < self->pause_until)
        return HC_OK;
    for (; b->next < b->count && b->in_flight < S_IN_FLIGHT; b->next++) {
        s_call *call = &b->calls[b->next];
        if (call->state != DEMO_WAITING)
            continue;
        char key[32];
        snprintf(key, sizeof key, "demo-%u", call->key);
        int rc = hc_client_send(self->client, b->next, b->service, b->method, call->in, key, err);
        if (rc != HC_OK)
            return rc;
        call->state = DEMO_SENT;
        b->in_flight++;
    }
    return HC_OK;
}

/* Puts a call back in the queue; gives up after S_MAX_ATTEMPTS. */
static int s_requeue(s_demo *self, s_batch *b, size_t index, const hc_error *why, hc_error *err)
{
    s_call *call = &b->calls[index];
    call->state = DEMO_WAITING;
    b->in_flight--;
    if (index < b->next)
        b->next = index;
    self->pause_until = hc_clock_ms() + S_RETRY_MS;
    if (++call->attempts < S_MAX_ATTEMPTS)
        return HC_OK;
    return hc_error_set(err, why->code, why->field[0] ? why->field : NULL, "%s demo-%u: %s",
                        b->method, call->key, why->message);
}

static int s_requeue_all(s_demo *self, s_batch *b, hc_error *err)
{
    hc_error why;
    hc_error_set(&why, HC_DEADLINE_EXCEEDED, NULL, "no reply from the gateway");
    for (size_t i = 0; i < b->count; i++)
        if (b->calls[i].state == DEMO_SENT) {
            int rc = s_requeue(self, b, i, &why, err);
            if (rc != HC_OK)
                return rc;
        }
    return HC_OK;
}

/* Waits a slice for one reply, so a stop request is seen within it. */
static int s_receive(s_demo *self, s_batch *b, hc_error *err)
{
    if (b->in_flight == 0) {
        int64_t wait = self->pause_until - hc_clock_ms();
        zclock_sleep(wait > 0 ? (int)wait : 1);
        return HC_OK;
    }
    uint64_t tag = UINT64_MAX;
    ProtobufCMessage *out = NULL;
    hc_error reply;
    int rc = hc_client_recv(self->client, &tag, b->out_desc, self->arena, &out, S_SLICE_MS, &reply);
    if (tag == UINT64_MAX && rc == HC_DEADLINE_EXCEEDED) {
        self->silent_ms += S_SLICE_MS;
        if (self->silent_ms < S_RECV_MS)
            return HC_OK;
        self->silent_ms = 0;
        return s_requeue_all(self, b, err);
    }
    self->silent_ms = 0;
    if (tag == UINT64_MAX)
        return hc_error_set(err, rc, NULL, "%s: %s", b->method, reply.message);
    if (tag >= b->count || b->calls[tag].state != DEMO_SENT)
        return HC_OK; /* a late answer to a call already resent and answered */
    s_call *call = &b->calls[tag];
    if (rc == HC_OK) {
        call->out = out;
        call->state = DEMO_DONE;
        b->in_flight--;
        b->done++;
        self->stats.requests++;
        return HC_OK;
    }
    if (s_retryable(rc))
        return s_requeue(self, b, tag, &reply, err);
    return hc_error_set(err, rc, reply.field[0] ? reply.field : NULL, "%s demo-%u: %s", b->method,
                        call->key, reply.message);
}

int demo_run(demo_loader *self, const char *service, const char *method,
             const ProtobufCMessageDescriptor *out_desc, demo_call *calls, size_t count,
             hc_error *err)
{
    s_batch b = {service, method, out_desc, calls, count, 0, 0, 0};
    while (b.done < count) {
        if (self->stop && atomic_load(self->stop))
            return hc_error_set(err, HC_CANCELLED, NULL, "demo load stopped");
        int rc = s_send_waiting(self, &b, err);
        if (rc == HC_OK)
            rc = s_receive(self, &b, err);
        if (rc != HC_OK)
            return rc;
    }
    return HC_OK;
}

/* True when every follower of status has applied its head and the head
   its producer reported in health. */
static bool s_caught_up(const Hcap__ReportingStatus *status, const Hcap__HealthReply *health)
{
    if (status->n_followers == 0)
        return false;
    for (size_t i = 0; i < status->n_followers; i++) {
        const Hcap__FollowerStatus *f = status->followers[i];
        if (f->seq < f->head)
            return false;
        for (size_t s = 0; s < health->n_services; s++)
            if (strcmp(health->services[s]->name, f->source) == 0 &&
                health->services[s]->has_log_head && f->seq < health->services[s]->log_head)
                return false;
    }
    return true;
}

/* One look: HC_OK with *done set, or a call's error. */
static int s_reporting_look(s_demo *self, bool *done, hc_error *err)
{
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *health = NULL, *status = NULL;
    int rc = hc_client_call(self->client, "gateway", "Health", NULL, NULL,
                            &hcap__health_reply__descriptor, arena, &health, S_RECV_MS, err);
    if (rc == HC_OK)
        rc = hc_client_call(self->client, "reporting", "GetStatus", NULL, NULL,
                            &hcap__reporting_status__descriptor, arena, &status, S_RECV_MS, err);
    *done = rc == HC_OK &&
            s_caught_up((const Hcap__ReportingStatus *)status, (const Hcap__HealthReply *)health);
    hc_arena_destroy(&arena);
    return rc;
}

int demo_wait_reporting(demo_loader *self, hc_error *err)
{
    int64_t start = hc_clock_ms();
    while (true) {
        if (self->stop && atomic_load(self->stop))
            return hc_error_set(err, HC_CANCELLED, NULL, "demo load stopped");
        bool done = false;
        int rc = s_reporting_look(self, &done, err);
        if (rc != HC_OK && !s_retryable(rc))
            return rc;
        int64_t waited = hc_clock_ms() - start;
        if (done && waited >= S_HEARTBEAT_MS)
            return HC_OK;
        if (waited >= S_WAIT_MS)
            return hc_error_set(err, HC_DEADLINE_EXCEEDED, NULL,
                                "the reporting service did not catch up with the fund in %d s",
                                S_WAIT_MS / 1000);
        zclock_sleep(S_POLL_MS);
    }
}

/* Writes to enrollment. */
static int s_run(s_demo *self, const char *method, const ProtobufCMessageDescriptor *out_desc,
                 s_call *calls, size_t count, hc_error *err)
{
    return demo_run(self, "enrollment", method, out_desc, calls, count, err);
}

static s_call *s_calls(s_demo *self, size_t count)
{
    return hc_arena_alloc(self->arena, (count ? count : 1) * sizeof(s_call));
}

static char *s_dup(s_demo *self, const char *text)
{
    return hc_arena_strdup(self->arena, text);
}

/* date + days, in the arena. */
static char *s_date_add(s_demo *self, const char *date, int64_t days)
{
    char out[HC_DATE_SIZE];
    hc_date_from_days(hc_date_days(date) + days, out);
    return s_dup(self, out);
}

static int s_employers(s_demo *self, hc_error *err)
{
    s_call *calls = s_calls(self, demo_employer_count);
    for (size_t i = 0; i < demo_employer_count; i++) {
        const demo_employer *e = &demo_employers[i];
        Hcap__CreateEmployerRequest *in = (Hcap__CreateEmployerRequest *)hc_arena_message(
            self->arena, &hcap__create_employer_request__descriptor);
        in->name = s_dup(self, e->name);
        in->sector = HCAP__SECTOR__SECTOR_COMMUNITY_CLINIC;
        in->union_local = s_dup(self, e->union_local);
        in->county = s_dup(self, e->county);
        in->state = s_dup(self, "CA");
        calls[i] = (s_call){&in->base, S_KEY_EMPLOYER + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc =
        s_run(self, "CreateEmployer", &hcap__employer__descriptor, calls, demo_employer_count, err);
    for (size_t i = 0; rc == HC_OK && i < demo_employer_count; i++)
        self->employer_ids[i] = ((Hcap__Employer *)calls[i].out)->id;
    self->stats.employers = rc == HC_OK ? demo_employer_count : 0;
    return rc;
}

static int s_programs(s_demo *self, hc_error *err)
{
    s_call *calls = s_calls(self, demo_program_count);
    for (size_t i = 0; i < demo_program_count; i++) {
        const demo_program *p = &demo_programs[i];
        Hcap__CreateProgramRequest *in = (Hcap__CreateProgramRequest *)hc_arena_message(
            self->arena, &hcap__create_program_request__descriptor);
        in->code = s_dup(self, p->code);
        in->name = s_dup(self, p->name);
        in->kind = p->kind;
        in->occupation = s_dup(self, p->occupation);
        in->credential_code = s_dup(self, p->credential_code);
        in->has_hours = true;
        in->hours = p->hours;
        in->has_delivery = true;
        in->delivery = p->delivery;
        in->provider = s_dup(self, p->provider);
        calls[i] = (s_call){&in->base, S_KEY_PROGRAM + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc =
        s_run(self, "CreateProgram", &hcap__program__descriptor, calls, demo_program_count, err);
    for (size_t i = 0; rc == HC_OK && i < demo_program_count; i++)
        self->program_ids[i] = ((Hcap__Program *)calls[i].out)->id;
    self->stats.programs = rc == HC_OK ? demo_program_count : 0;
    return rc;
}

static int s_cohorts(s_demo *self, hc_error *err)
{
    s_call *calls = s_calls(self, demo_cohort_count);
    for (size_t i = 0; i < demo_cohort_count; i++) {
        const demo_cohort *c = &demo_cohorts[i];
        Hcap__CreateCohortRequest *in = (Hcap__CreateCohortRequest *)hc_arena_message(
            self->arena, &hcap__create_cohort_request__descriptor);
        in->program_id = self->program_ids[c->program];
        in->name = s_dup(self, c->name);
        in->start_date = s_dup(self, c->start_date);
        in->end_date = s_dup(self, c->end_date);
        in->capacity = c->capacity;
        in->language = s_dup(self, c->language);
        calls[i] = (s_call){&in->base, S_KEY_COHORT + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc = s_run(self, "CreateCohort", &hcap__cohort__descriptor, calls, demo_cohort_count, err);
    for (size_t i = 0; rc == HC_OK && i < demo_cohort_count; i++)
        self->cohort_ids[i] = ((Hcap__Cohort *)calls[i].out)->id;
    self->stats.cohorts = rc == HC_OK ? demo_cohort_count : 0;
    return rc;
}

static ProtobufCMessage *s_worker_request(s_demo *self, const demo_worker *w)
{
    Hcap__CreateWorkerRequest *in = (Hcap__CreateWorkerRequest *)hc_arena_message(
        self->arena, &hcap__create_worker_request__descriptor);
    in->given_name = s_dup(self, w->given_name);
    in->family_name = s_dup(self, w->family_name);
    in->external_id = s_dup(self, w->external_id);
    in->birth_date = s_dup(self, w->birth_date);
    in->email = w->email[0] ? s_dup(self, w->email) : NULL;
    in->phone = w->phone[0] ? s_dup(self, w->phone) : NULL;
    in->preferred_language = s_dup(self, w->preferred_language);
    in->n_race_ethnicity = w->n_race;
    in->race_ethnicity = hc_arena_alloc(self->arena, sizeof w->race);
    memcpy(in->race_ethnicity, w->race, sizeof w->race);
    in->has_gender = w->gender != HCAP__GENDER__GENDER_UNSPECIFIED;
    in->gender = w->gender;
    in->employment_status = w->status;
    if (w->employer >= 0) {
        in->employer_id = self->employer_ids[w->employer];
        in->job_title = s_dup(self, w->job_title);
        in->has_hourly_wage_cents = true;
        in->hourly_wage_cents = w->wage_cents;
        in->hire_date = s_dup(self, w->hire_date);
    }
    return &in->base;
}

static int s_workers(s_demo *self, hc_error *err)
{
    demo_workers_make(self->workers, DEMO_WORKERS, S_SEED);
    s_call *calls = s_calls(self, DEMO_WORKERS);
    for (size_t i = 0; i < DEMO_WORKERS; i++)
        calls[i] = (s_call){s_worker_request(self, &self->workers[i]), S_KEY_WORKER + (unsigned)i,
                            NULL, DEMO_WAITING, 0};
    int rc = s_run(self, "CreateWorker", &hcap__worker__descriptor, calls, DEMO_WORKERS, err);
    for (size_t i = 0; rc == HC_OK && i < DEMO_WORKERS; i++)
        self->worker_ids[i] = ((Hcap__Worker *)calls[i].out)->id;
    self->stats.workers = rc == HC_OK ? DEMO_WORKERS : 0;
    return rc;
}

static int s_enrollments(s_demo *self, hc_error *err)
{
    self->pick_count =
        demo_picks_make(self->workers, DEMO_WORKERS, self->picks, S_MAX_PICKS, S_SEED + 1);
    if (self->pick_count == 0)
        return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    s_call *calls = s_calls(self, self->pick_count);
    for (size_t i = 0; i < self->pick_count; i++) {
        Hcap__CreateEnrollmentRequest *in = (Hcap__CreateEnrollmentRequest *)hc_arena_message(
            self->arena, &hcap__create_enrollment_request__descriptor);
        in->worker_id = self->worker_ids[self->picks[i].worker];
        in->cohort_id = self->cohort_ids[self->picks[i].cohort];
        calls[i] = (s_call){&in->base, S_KEY_ENROLL + (unsigned)i, NULL, DEMO_WAITING, 0};
    }
    int rc = s_run(self, "CreateEnrollment", &hcap__enrollment__descriptor, calls, self->pick_count,
                   err);
    for (size_t i = 0; rc == HC_OK && i < self->pick_count; i++) {
        self->enrollments[i] = (Hcap__Enrollment *)calls[i].out;
        self->stats.waitlisted +=
            self->enrollments[i]->status == HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WAITLISTED;
    }
    self->stats.enrollments = rc == HC_OK ? self->pick_count : 0;
    return rc;
}

/* What becomes of enrollment e, from how it was created and whether its
   cohort is over, running or yet to start on DEMO_AS_OF. */
static s_plan s_plan_for(size_t e, const demo_cohort *c, Hcap__EnrollmentStatus created)
{
    demo_rng rng;
    demo_rng_seed(&rng, S_SEED * 1000003u + e);
    unsigned roll = (unsigned)(demo_rng_next(&rng) % 100);
    bool ended = strcmp(c->end_date, DEMO_AS_OF) < 0;
    bool started = strcmp(c->start_date, DEMO_AS_OF) <= 0;
    if (created == HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WAITLISTED)
        return ended && roll < 35 ? S_WITHDRAWN_WAITLIST : S_STAY;
    if (created != HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ENROLLED)
        return S_STAY;
    if (!started)
        return roll < 10 ? S_WITHDRAWN_ENROLLED : S_STAY;
    if (!ended)
        return roll < 80   ? S_ACTIVE
               : roll < 90 ? S_WITHDRAWN_ACTIVE
               : roll < 95 ? S_WITHDRAWN_ENROLLED
                           : S_STAY;
    return roll < 76   ? S_COMPLETED
           : roll < 84 ? S_FAILED
           : roll < 92 ? S_WITHDRAWN_ACTIVE
                       : S_WITHDRAWN_ENROLLED;
}

static Hcap__ChangeEnrollmentStatusRequest *
s_status_request(s_demo *self, size_t e, Hcap__EnrollmentStatus status, const char *date)
{
    Hcap__ChangeEnrollmentStatusRequest *in =
        (Hcap__ChangeEnrollmentStatusRequest *)hc_arena_message(
            self->arena, &hcap__change_enrollment_status_request__descriptor);
    in->id = self->enrollments[e]->id;
    in->status = status;
    in->date = (char *)date;
    return in;
}

static void s_set_hours(Hcap__ChangeEnrollmentStatusRequest *in, double hours)
{
    in->has_hours_attended = true;
    in->hours_attended = hours;
}

/* The first step of enrollment e's plan (withdrawal from the waitlist,
   from a seat, or the start of training); NULL when it has none. */
static ProtobufCMessage *s_first_step(s_demo *self, size_t e)
{
    const demo_cohort *c = &demo_cohorts[self->picks[e].cohort];
    const char *reason = demo_withdraw_reasons[e % demo_withdraw_reason_count];
    Hcap__ChangeEnrollmentStatusRequest *in;
    switch (self->plans[e]) {
    case S_WITHDRAWN_WAITLIST:
        in = s_status_request(self, e, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN,
                              s_date_add(self, c->start_date, -10));
        in->reason = s_dup(self, reason);
        return &in->base;
    case S_WITHDRAWN_ENROLLED:
        in = s_status_request(self, e, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN,
                              s_date_add(self, c->start_date, -3));
        in->reason = s_dup(self, reason);
        return &in->base;
    case S_ACTIVE:
    case S_COMPLETED:
    case S_FAILED:
    case S_WITHDRAWN_ACTIVE:
        in = s_status_request(self, e, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_ACTIVE,
                              s_dup(self, c->start_date));
        return &in->base;
    default:
        return NULL;
    }
}

/* The second step: how active training ended; NULL when it has not. */
static ProtobufCMessage *s_second_step(s_demo *self, size_t e)
{
    const demo_cohort *c = &demo_cohorts[self->picks[e].cohort];
    double hours = demo_programs[c->program].hours;
    Hcap__ChangeEnrollmentStatusRequest *in;
    int64_t length = hc_date_days(c->end_date) - hc_date_days(c->start_date);
    switch (self->plans[e]) {
    case S_COMPLETED:
        in = s_status_request(self, e, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_COMPLETED,
                              s_dup(self, c->end_date));
        s_set_hours(in, hours);
        return &in->base;
    case S_FAILED:
        in = s_status_request(self, e, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_FAILED,
                              s_dup(self, c->end_date));
        in->reason = s_dup(self, "did not pass the final skills assessment");
        s_set_hours(in, (double)(int64_t)(hours * (55 + e % 30) / 100));
        return &in->base;
    case S_WITHDRAWN_ACTIVE:
        in = s_status_request(
            self, e, HCAP__ENROLLMENT_STATUS__ENROLLMENT_STATUS_WITHDRAWN,
            s_date_add(self, c->start_date, length * (int64_t)(20 + e % 40) / 100));
        in->reason = s_dup(self, demo_withdraw_reasons[e % demo_withdraw_reason_count]);
        s_set_hours(in, (double)(int64_t)(hours * (10 + e % 30) / 100));
        return &in->base;
    default:
        return NULL;
    }
}

/* Runs one round of status changes: step (0 or 1) of every enrollment
   whose plan has one and that is selected by waitlist (round 0 frees no
   seats: it takes workers off waitlists before any seat is freed, so the
   FIFO promotions that follow never touch an enrollment we change). */
static int s_status_round(s_demo *self, int step, int waitlist, hc_error *err)
{
    s_call *calls = s_calls(self, self->pick_count);
    size_t count = 0;
    for (size_t e = 0; e < self->pick_count; e++) {
        if (step == 0 && waitlist != (self->plans[e] == S_WITHDRAWN_WAITLIST))
            continue;
        ProtobufCMessage *in = step == 0 ? s_first_step(self, e) : s_second_step(self, e);
        if (in)
            calls[count++] = (s_call){in, S_KEY_STATUS + 3 * (unsigned)e + (unsigned)step, NULL,
                                      DEMO_WAITING, 0};
    }
    int rc =
        s_run(self, "ChangeEnrollmentStatus", &hcap__enrollment__descriptor, calls, count, err);
    self->stats.status_changes += rc == HC_OK ? count : 0;
    return rc;
}

static int s_status_changes(s_demo *self, hc_error *err)
{
    for (size_t e = 0; e < self->pick_count; e++)
        self->plans[e] =
            s_plan_for(e, &demo_cohorts[self->picks[e].cohort], self->enrollments[e]->status);
    int rc = s_status_round(self, 0, 1, err);
    if (rc == HC_OK)
        rc = s_status_round(self, 0, 0, err);
    if (rc == HC_OK)
        rc = s_status_round(self, 1, 0, err);
    return rc;
}

/* Forty incumbents ask for tuition reimbursement (nursing, social work,
   dental, behavioral health courses), each well under the annual cap. */
static void s_claims_plan(s_demo *self)
{
    demo_rng rng;
    demo_rng_seed(&rng, S_SEED + 2);
    bool taken[DEMO_WORKERS] = {false};
    for (size_t c = 0; c < S_CLAIMS;) {
        size_t w = demo_rng_next(&rng) % DEMO_WORKERS;
        if (taken[w] ||
            self->workers[w].status != HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT)
            continue;
        taken[w] = true;
        self->claim_workers[c] = w;
        self->claim_amounts[c] = demo_rng_range(&rng, 40, 250) * 1000;
        unsigned roll = (unsigned)(demo_rng_next(&rng) % 100);
        self->claim_plans[c++] = roll < 25   ? S_CLAIM_OPEN
                                 : roll < 60 ? S_CLAIM_APPROVED
                                 : roll < 82 ? S_CLAIM_PAID
                                             : S_CLAIM_DENIED;
    }
}

static int s_claims(s_demo *self, hc_error *err)
{
    s_claims_plan(self);
    s_call *calls = s_calls(self, S_CLAIMS);
    for (size_t c = 0; c < S_CLAIMS; c++) {
        Hcap__SubmitTuitionClaimRequest *in = (Hcap__SubmitTuitionClaimRequest *)hc_arena_message(
            self->arena, &hcap__submit_tuition_claim_request__descriptor);
        in->worker_id = self->worker_ids[self->claim_workers[c]];
        in->institution = s_dup(self, demo_institutions[c % demo_institution_count]);
        in->course = s_dup(self, demo_courses[(c * 5 + 1) % demo_course_count]);
        in->term = s_dup(self, c % 3 == 0 ? "Fall 2025" : "Spring 2026");
        in->amount_cents = self->claim_amounts[c];
        calls[c] = (s_call){&in->base, S_KEY_CLAIM + (unsigned)c, NULL, DEMO_WAITING, 0};
    }
    int rc =
        s_run(self, "SubmitTuitionClaim", &hcap__tuition_claim__descriptor, calls, S_CLAIMS, err);
    for (size_t c = 0; rc == HC_OK && c < S_CLAIMS; c++)
        self->claim_ids[c] = ((Hcap__TuitionClaim *)calls[c].out)->id;
    self->stats.claims = rc == HC_OK ? S_CLAIMS : 0;
    return rc;
}

/* Step 0 approves or denies; step 1 pays what was approved. */
static ProtobufCMessage *s_decision(s_demo *self, size_t c, int step)
{
    s_claim_plan plan = self->claim_plans[c];
    if (plan == S_CLAIM_OPEN || (step == 1 && plan != S_CLAIM_PAID))
        return NULL;
    Hcap__DecideTuitionClaimRequest *in = (Hcap__DecideTuitionClaimRequest *)hc_arena_message(
        self->arena, &hcap__decide_tuition_claim_request__descriptor);
    in->id = self->claim_ids[c];
    /* no date: decided the day they are loaded, as they were submitted */
    if (step == 1) {
        in->status = HCAP__CLAIM_STATUS__CLAIM_STATUS_PAID;
    } else if (plan == S_CLAIM_DENIED) {
        in->status = HCAP__CLAIM_STATUS__CLAIM_STATUS_DENIED;
    } else {
        in->status = HCAP__CLAIM_STATUS__CLAIM_STATUS_APPROVED;
        in->has_approved_cents = true;
        /* some are approved in part: books and fees are not covered */
        in->approved_cents = c % 4 == 1 ? self->claim_amounts[c] * 8 / 10 : self->claim_amounts[c];
    }
    return &in->base;
}

static int s_decisions(s_demo *self, hc_error *err)
{
    for (int step = 0; step < 2; step++) {
        s_call *calls = s_calls(self, S_CLAIMS);
        size_t count = 0;
        for (size_t c = 0; c < S_CLAIMS; c++) {
            ProtobufCMessage *in = s_decision(self, c, step);
            if (in)
                calls[count++] = (s_call){in, S_KEY_DECIDE + 2 * (unsigned)c + (unsigned)step, NULL,
                                          DEMO_WAITING, 0};
        }
        int rc =
            s_run(self, "DecideTuitionClaim", &hcap__tuition_claim__descriptor, calls, count, err);
        if (rc != HC_OK)
            return rc;
        self->stats.decisions += count;
    }
    return HC_OK;
}

static Hcap__RecordEmploymentRequest *s_employment_request(s_demo *self, size_t w,
                                                           Hcap__EmploymentKind kind, int employer,
                                                           const char *title, int64_t wage,
                                                           char *date)
{
    Hcap__RecordEmploymentRequest *in = (Hcap__RecordEmploymentRequest *)hc_arena_message(
        self->arena, &hcap__record_employment_request__descriptor);
    in->id = self->worker_ids[w];
    in->kind = kind;
    in->employer_id = employer >= 0 ? self->employer_ids[employer] : NULL;
    in->job_title = s_dup(self, title);
    in->has_hourly_wage_cents = wage > 0;
    in->hourly_wage_cents = wage;
    in->effective_date = date;
    return in;
}

/* After a credential program: a new entrant is placed at a partner clinic;
   an incumbent may get a raise or a promotion into the occupation. */
static Hcap__RecordEmploymentRequest *s_outcome(s_demo *self, size_t e, bool *placed)
{
    const demo_cohort *c = &demo_cohorts[self->picks[e].cohort];
    const demo_program *p = &demo_programs[c->program];
    size_t w = self->picks[e].worker;
    const demo_worker *wk = &self->workers[w];
    if (self->plans[e] != S_COMPLETED ||
        p->kind != HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING)
        return NULL;
    char *date = s_date_add(self, c->end_date, 21 + (int64_t)(e % 40));
    if (wk->status != HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT) {
        if (placed[w])
            return NULL;
        placed[w] = true;
        return s_employment_request(self, w, HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT,
                                    (int)(e % demo_employer_count), p->occupation,
                                    2400 + (int64_t)(e % 9) * 100, date);
    }
    if (e % 20 < 9)
        return s_employment_request(
            self, w, HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_WAGE_CHANGE, wk->employer,
            wk->job_title, wk->wage_cents * (105 + (int64_t)(e % 8)) / 100 / 25 * 25, date);
    if (e % 20 < 12)
        return s_employment_request(self, w, HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PROMOTION,
                                    wk->employer, p->occupation,
                                    wk->wage_cents * 115 / 100 / 25 * 25, date);
    return NULL;
}

static int s_employment(s_demo *self, hc_error *err)
{
    bool placed[DEMO_WORKERS] = {false};
    s_call *calls = s_calls(self, self->pick_count + DEMO_WORKERS / 50 + 1);
    size_t count = 0;
    for (size_t e = 0; e < self->pick_count; e++) {
        Hcap__RecordEmploymentRequest *in = s_outcome(self, e, placed);
        if (in)
            calls[count++] = (s_call){&in->base, S_KEY_EMPLOY + (unsigned)e, NULL, DEMO_WAITING, 0};
    }
    /* and a few incumbents leave their clinic */
    for (size_t w = 17; w < DEMO_WORKERS; w += 50) {
        const demo_worker *wk = &self->workers[w];
        if (wk->status != HCAP__EMPLOYMENT_STATUS__EMPLOYMENT_STATUS_INCUMBENT)
            continue;
        Hcap__RecordEmploymentRequest *in =
            s_employment_request(self, w, HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_SEPARATION,
                                 wk->employer, wk->job_title, 0, s_dup(self, "2026-06-30"));
        calls[count++] =
            (s_call){&in->base, S_KEY_EMPLOY + S_MAX_PICKS + (unsigned)w, NULL, DEMO_WAITING, 0};
    }
    int rc =
        s_run(self, "RecordEmployment", &hcap__employment_record__descriptor, calls, count, err);
    self->stats.employment = rc == HC_OK ? count : 0;
    return rc;
}

/* The credential and apprenticeship sides of the fund, built on who
   completed what. */
static int s_credentialing(s_demo *self, hc_error *err)
{
    bool *completed = hc_arena_alloc(self->arena, (self->pick_count + 1) * sizeof *completed);
    for (size_t e = 0; e < self->pick_count; e++)
        completed[e] = self->plans[e] == S_COMPLETED;
    demo_fund fund = {
        self,        self->arena,      self->workers, self->worker_ids, self->employer_ids,
        self->picks, self->pick_count, completed};
    int rc = demo_credentials_load(&fund, &self->stats, err);
    return rc == HC_OK ? demo_apprenticeship_load(&fund, &self->stats, err) : rc;
}

static int s_grant(s_demo *self, hc_error *err)
{
    return demo_grant_load(self, self->arena, &self->stats, err);
}

int demo_load(hc_client *client, const atomic_bool *stop, demo_stats *stats, hc_error *err)
{
    assert(client);
    s_demo *self = calloc(1, sizeof *self);
    if (!self)
        return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    self->client = client;
    self->stop = stop;
    self->arena = hc_arena_new();
    int (*const phases[])(s_demo *, hc_error *) = {
        s_employers, s_programs,  s_cohorts,    s_workers,       s_enrollments, s_status_changes,
        s_claims,    s_decisions, s_employment, s_credentialing, s_grant,
    };
    int rc = HC_OK;
    for (size_t i = 0; rc == HC_OK && i < sizeof phases / sizeof phases[0]; i++)
        rc = phases[i](self, err);
    if (stats)
        *stats = self->stats;
    hc_arena_destroy(&self->arena);
    free(self);
    return rc;
}
