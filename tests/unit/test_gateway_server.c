/* Tests for the whole gateway in one process: the server runs its loop on a
   thread, fake "enrollment", "credentialing" and "apprenticeship" instances (DEALERs on other
   threads) answer, hold or ignore requests, and the test talks HTTP and the
   ZeroMQ frontend to it: suspension, idempotency, fan-out, reference
   checks, raw bodies, deadlines, hang-ups, limits, garbage and the orderly
   stop on SIGTERM. */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
#include "apprenticeship.pb-c.h"
#include "credentialing.pb-c.h"
#include "enrollment.pb-c.h"
#include "gateway.pb-c.h"
#include "gateway_server.h"
#include "hc_client.h"
#include "hc_msg.h"
#include "ht_http.h"
#include "reporting.pb-c.h"

#define HELD_MAX 64

/* --- the fake service instances --- */

typedef struct {
    uint64_t id;
    char method[64];
    uint8_t body[2048];
    size_t size;
} held_request;

#define METHODS_MAX 32

typedef struct {
    const char *service;
    const char *instance;
    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    bool hold;              /* keep requests instead of answering */
    bool release;           /* answer what is held, then stop holding */
    bool stop;              /* leave (with DISCONNECT) */
    char silent[64];        /* a method never answered */
    int calls[METHODS_MAX]; /* by s_method_index */
    held_request held[HELD_MAX];
    size_t n_held;
    uint64_t log_head;   /* sent in READY and HEARTBEAT when not 0 */
    const char *follows; /* a follower reported in them, or NULL */
    uint64_t follow_seq, follow_head;
    uint32_t follow_dead;
    int last_role; /* the principal's role of the last request, -1 without one */
} fake_state;

static const char *s_methods[] = {"CreateProgram",
                                  "GetWorker",
                                  "ListEmployment",
                                  "ListEnrollments",
                                  "ListTuitionClaims",
                                  "ListPrograms",
                                  "ImportWorkers",
                                  "CreateWorker",
                                  "AwardCredential",
                                  "ListCredentials",
                                  "AssessPriorLearning",
                                  "GetBadge",
                                  "GetVerification",
                                  "ListWorkerLadders",
                                  "GetCompetency",
                                  "GetCredentialType",
                                  "CreateApprenticeshipProgram",
                                  "ListApprentices",
                                  "ExportApprentices",
                                  "ListDeadLetters",
                                  "RetryDeadLetters",
                                  "GetOutcomes",
                                  "GetWorkerProfile",
                                  "GetCredentialProfile",
                                  "other"};
#define METHOD_OTHER 24

static char s_dir[64];
static char s_broker_ep[128], s_front_ep[128], s_token_path[128];
static char s_token[HC_TOKEN_SIZE + 8];
static gw_server *s_server;
static pthread_t s_server_thread;
static bool s_server_running;
static int s_server_rc = -1;
static fake_state s_fake = {
    .service = "enrollment", .instance = "fake-1", .lock = PTHREAD_MUTEX_INITIALIZER};
static fake_state s_cred = {
    .service = "credentialing", .instance = "fake-c1", .lock = PTHREAD_MUTEX_INITIALIZER};
static fake_state s_appr = {.service = "apprenticeship",
                            .instance = "fake-a1",
                            .lock = PTHREAD_MUTEX_INITIALIZER,
                            .log_head = 9,
                            .follows = "credentialing",
                            .follow_seq = 40,
                            .follow_head = 40,
                            .follow_dead = 1};
static fake_state s_rep = {.service = "reporting",
                           .instance = "fake-r1",
                           .lock = PTHREAD_MUTEX_INITIALIZER,
                           .log_head = 3,
                           .follows = "enrollment",
                           .follow_seq = 100,
                           .follow_head = 104};
static ht_node s_node;

static int s_method_index(const char *method)
{
    for (int i = 0; i < METHOD_OTHER; i++)
        if (strcmp(s_methods[i], method) == 0)
            return i;
    return METHOD_OTHER;
}

static int s_calls_of(fake_state *fake, const char *method)
{
    pthread_mutex_lock(&fake->lock);
    int calls = fake->calls[s_method_index(method)];
    pthread_mutex_unlock(&fake->lock);
    return calls;
}

static int s_calls(const char *method)
{
    return s_calls_of(&s_fake, method);
}

static void s_fake_send(zsock_t *dealer, Hcap__WorkerMessage *msg)
{
    zframe_t *frame = hc_msg_frame(&msg->base);
    zframe_send(&frame, dealer, 0);
}

static void s_fake_command(fake_state *fake, zsock_t *dealer, Hcap__WorkerMessage__Command command)
{
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = command;
    msg.service = (char *)fake->service;
    msg.instance = (char *)fake->instance;
    msg.role = "primary";
    msg.has_log_head = fake->log_head != 0;
    msg.log_head = fake->log_head;
    Hcap__FollowerStatus status = HCAP__FOLLOWER_STATUS__INIT;
    Hcap__FollowerStatus *followers[] = {&status};
    if (fake->follows && command != HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT) {
        status.source = (char *)fake->follows;
        status.seq = fake->follow_seq;
        status.head = fake->follow_head;
        status.seconds_behind = fake->follow_head > fake->follow_seq ? 0.75 : 0;
        status.has_dead_letters = true;
        status.dead_letters = fake->follow_dead;
        msg.n_followers = 1;
        msg.followers = followers;
    }
    s_fake_send(dealer, &msg);
}

static void s_fake_reply(zsock_t *dealer, uint64_t id, int code, const ProtobufCMessage *out)
{
    hc_arena *arena = hc_arena_new();
    Hcap__Status status = HCAP__STATUS__INIT;
    status.code = (Hcap__Code)code;
    status.message = code == HC_OK ? NULL : "no such thing";
    status.field = code == HC_NOT_FOUND ? "id" : NULL;
    Hcap__ServiceReply reply = HCAP__SERVICE_REPLY__INIT;
    reply.id = id;
    reply.status = &status;
    if (out) {
        reply.has_body = true;
        reply.body.data = hc_msg_pack(out, arena, &reply.body.len);
    }
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REPLY;
    msg.reply = &reply;
    s_fake_send(dealer, &msg);
    hc_arena_destroy(&arena);
}

#define BADGE_DOCUMENT                                                                             \
    "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"type\":[\"VerifiableCredential\"," \
    "\"OpenBadgeCredential\"],\"id\":\"urn:uuid:1\", \"proof\": "                                  \
    "{\"cryptosuite\":\"eddsa-jcs-2022\"}}"

static Hcap__Credential *s_credential(hc_arena *arena, const char *worker_id, const char *code)
{
    Hcap__Credential *credential = hc_arena_alloc(arena, sizeof *credential);
    hcap__credential__init(credential);
    credential->id = "crd_1";
    credential->worker_id = (char *)worker_id;
    credential->credential_code = (char *)code;
    credential->issued_on = "2026-01-05";
    credential->source = HCAP__CREDENTIAL_SOURCE__CREDENTIAL_SOURCE_EARNED;
    credential->status = HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_ACTIVE;
    return credential;
}

/* GetCompetency knows OUTREACH and CARE-COORD, GetCredentialType CHW-CERT;
   NULL (not found) for anything else. */
static ProtobufCMessage *s_cred_lookup(const held_request *req, hc_arena *arena)
{
    Hcap__GetRequest *in = (Hcap__GetRequest *)hc_msg_unpack(&hcap__get_request__descriptor,
                                                             req->body, req->size, arena);
    if (!in)
        return NULL;
    if (strcmp(req->method, "GetCompetency") == 0 &&
        (strcmp(in->id, "OUTREACH") == 0 || strcmp(in->id, "CARE-COORD") == 0)) {
        Hcap__Competency *competency = hc_arena_alloc(arena, sizeof *competency);
        hcap__competency__init(competency);
        competency->code = in->id;
        competency->name = in->id;
        return &competency->base;
    }
    if (strcmp(req->method, "GetCredentialType") == 0 && strcmp(in->id, "CHW-CERT") == 0) {
        Hcap__CredentialType *type = hc_arena_alloc(arena, sizeof *type);
        hcap__credential_type__init(type);
        type->code = in->id;
        type->name = "Community Health Worker Certificate";
        type->kind = HCAP__CREDENTIAL_KIND__CREDENTIAL_KIND_CERTIFICATE;
        type->issuer = "LATTC";
        return &type->base;
    }
    return NULL;
}

static Hcap__Apprentice *s_apprentice(hc_arena *arena)
{
    Hcap__Apprentice *apprentice = hc_arena_alloc(arena, sizeof *apprentice);
    hcap__apprentice__init(apprentice);
    apprentice->id = "apr_1";
    apprentice->worker_id = "w1";
    apprentice->program_code = "CHW-APP";
    apprentice->employer_id = "emp_1";
    apprentice->start_date = "2026-01-05";
    apprentice->status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_ACTIVE;
    apprentice->ojl_hours = 412.5;
    return apprentice;
}

/* Canned apprenticeship answers; NULL for another method. */
static ProtobufCMessage *s_appr_answer(const held_request *req, hc_arena *arena)
{
    if (strcmp(req->method, "ListApprentices") == 0) {
        Hcap__ApprenticeList *list = hc_arena_alloc(arena, sizeof *list);
        hcap__apprentice_list__init(list);
        list->n_items = 1;
        list->items = hc_arena_alloc(arena, sizeof *list->items);
        list->items[0] = s_apprentice(arena);
        return &list->base;
    }
    if (strcmp(req->method, "ExportApprentices") == 0) {
        Hcap__RapidsRecord *record = hc_arena_alloc(arena, sizeof *record);
        hcap__rapids_record__init(record);
        record->apprentice_id = "apr_1";
        record->program_number = "CHW-APP";
        record->rapids_code = "2002HY";
        record->onet_soc = "21-1094.00";
        record->start_date = "2026-01-05";
        record->status = HCAP__APPRENTICE_STATUS__APPRENTICE_STATUS_ACTIVE;
        record->ojl_hours = 412.5;
        record->rti_hours = 24;
        record->has_hourly_wage_cents = true;
        record->hourly_wage_cents = 2000;
        Hcap__RapidsExport *export = hc_arena_alloc(arena, sizeof *export);
        hcap__rapids_export__init(export);
        export->n_items = 1;
        export->items = hc_arena_alloc(arena, sizeof *export->items);
        export->items[0] = record;
        return &export->base;
    }
    if (strcmp(req->method, "CreateApprenticeshipProgram") == 0) {
        Hcap__CreateApprenticeshipProgramRequest *in =
            (Hcap__CreateApprenticeshipProgramRequest *)hc_msg_unpack(
                &hcap__create_apprenticeship_program_request__descriptor, req->body, req->size,
                arena);
        Hcap__ApprenticeshipProgram *program = hc_arena_alloc(arena, sizeof *program);
        hcap__apprenticeship_program__init(program);
        program->code = in ? in->code : "?";
        program->name = in ? in->name : "?";
        program->occupation = in ? in->occupation : "?";
        program->approach =
            in ? in->approach : HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_HYBRID;
        program->n_competencies = in ? in->n_competencies : 0;
        program->competencies = in ? in->competencies : NULL;
        return &program->base;
    }
    return NULL;
}

static Hcap__LadderProgress *s_ladder(hc_arena *arena)
{
    Hcap__LadderProgress *ladder = hc_arena_alloc(arena, sizeof *ladder);
    hcap__ladder_progress__init(ladder);
    ladder->code = "NURSING";
    ladder->name = "Nursing";
    ladder->has_highest_rung = true;
    ladder->highest_rung = 1;
    ladder->highest = "CNA";
    ladder->next = "LVN";
    return ladder;
}

/* Canned credentialing answers; NULL for another method. */
static ProtobufCMessage *s_cred_answer(const held_request *req, hc_arena *arena)
{
    if (strcmp(req->method, "AwardCredential") == 0) {
        Hcap__AwardCredentialRequest *in = (Hcap__AwardCredentialRequest *)hc_msg_unpack(
            &hcap__award_credential_request__descriptor, req->body, req->size, arena);
        return &s_credential(arena, in ? in->worker_id : "?", in ? in->credential_code : "?")->base;
    }
    if (strcmp(req->method, "ListCredentials") == 0) {
        Hcap__CredentialList *list = hc_arena_alloc(arena, sizeof *list);
        hcap__credential_list__init(list);
        list->n_items = 1;
        list->items = hc_arena_alloc(arena, sizeof *list->items);
        list->items[0] = s_credential(arena, "w1", "CNA");
        return &list->base;
    }
    if (strcmp(req->method, "ListWorkerLadders") == 0) {
        Hcap__LadderProgressList *list = hc_arena_alloc(arena, sizeof *list);
        hcap__ladder_progress_list__init(list);
        list->n_items = 1;
        list->items = hc_arena_alloc(arena, sizeof *list->items);
        list->items[0] = s_ladder(arena);
        return &list->base;
    }
    if (strcmp(req->method, "GetCredentialProfile") == 0) {
        Hcap__CredentialProfile *profile = hc_arena_alloc(arena, sizeof *profile);
        hcap__credential_profile__init(profile);
        profile->n_credentials = profile->n_ladders = 1;
        profile->credentials = hc_arena_alloc(arena, sizeof *profile->credentials);
        profile->credentials[0] = s_credential(arena, "w1", "CNA");
        profile->ladders = hc_arena_alloc(arena, sizeof *profile->ladders);
        profile->ladders[0] = s_ladder(arena);
        return &profile->base;
    }
    if (strcmp(req->method, "AssessPriorLearning") == 0) {
        Hcap__PriorLearning *prior = hc_arena_alloc(arena, sizeof *prior);
        hcap__prior_learning__init(prior);
        prior->id = "prl_1";
        prior->worker_id = "w1";
        prior->assessed_on = "2026-01-05";
        return &prior->base;
    }
    if (strcmp(req->method, "GetBadge") == 0) {
        Hcap__Badge *badge = hc_arena_alloc(arena, sizeof *badge);
        hcap__badge__init(badge);
        badge->document = BADGE_DOCUMENT;
        return &badge->base;
    }
    if (strcmp(req->method, "GetVerification") == 0) {
        Hcap__VerifiedCredential *what = hc_arena_alloc(arena, sizeof *what);
        hcap__verified_credential__init(what);
        what->code = "CNA";
        what->name = "Certified Nursing Assistant";
        what->issuer = "State Board";
        Hcap__Verification *verification = hc_arena_alloc(arena, sizeof *verification);
        hcap__verification__init(verification);
        verification->valid = true;
        verification->status = HCAP__CREDENTIAL_STATUS__CREDENTIAL_STATUS_ACTIVE;
        verification->credential = what;
        verification->issued_on = "2026-01-05";
        verification->holder = "A. W.";
        return &verification->base;
    }
    return NULL;
}

static Hcap__OutcomeRow *s_outcome_row(hc_arena *arena, const char *group, uint32_t count)
{
    Hcap__OutcomeRow *row = hc_arena_alloc(arena, sizeof *row);
    hcap__outcome_row__init(row);
    row->group = (char *)group;
    row->has_participants = count >= 10; /* as suppressed for an analyst */
    row->participants = count;
    row->has_suppressed = count < 10;
    row->suppressed = count < 10;
    return row;
}

/* Canned reporting answers; NULL for another method. */
static ProtobufCMessage *s_rep_answer(const held_request *req, hc_arena *arena)
{
    if (strcmp(req->method, "GetOutcomes") != 0)
        return NULL;
    Hcap__OutcomesReport *report = hc_arena_alloc(arena, sizeof *report);
    hcap__outcomes_report__init(report);
    report->by = HCAP__DIMENSION__DIMENSION_GENDER;
    report->n_rows = 2;
    report->rows = hc_arena_alloc(arena, 2 * sizeof *report->rows);
    report->rows[0] = s_outcome_row(arena, "female", 40);
    report->rows[1] = s_outcome_row(arena, "nonbinary", 2);
    report->total = s_outcome_row(arena, "total", 55);
    return &report->base;
}

static Hcap__EmploymentRecord *s_employment(hc_arena *arena)
{
    Hcap__EmploymentRecord *record = hc_arena_alloc(arena, sizeof *record);
    hcap__employment_record__init(record);
    record->id = "emp_1";
    record->worker_id = "w1";
    record->kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT;
    record->effective_date = "2026-01-02";
    return record;
}

/* GetWorker: w1 (Ana); GetWorkerProfile: w1 with one employment record
   and no enrollments or claims; NULL (not found) for another id. */
static ProtobufCMessage *s_worker_answer(const held_request *req, hc_arena *arena)
{
    Hcap__GetRequest *in = (Hcap__GetRequest *)hc_msg_unpack(&hcap__get_request__descriptor,
                                                             req->body, req->size, arena);
    if (!in || strcmp(in->id, "w1") != 0)
        return NULL;
    Hcap__Worker *worker = hc_arena_alloc(arena, sizeof *worker);
    hcap__worker__init(worker);
    worker->id = "w1";
    worker->given_name = "Ana";
    if (strcmp(req->method, "GetWorker") == 0)
        return &worker->base;
    Hcap__WorkerProfile *profile = hc_arena_alloc(arena, sizeof *profile);
    hcap__worker_profile__init(profile);
    profile->worker = worker;
    profile->n_employment = 1;
    profile->employment = hc_arena_alloc(arena, sizeof *profile->employment);
    profile->employment[0] = s_employment(arena);
    return &profile->base;
}

/* Canned answers by method. */
static void s_fake_answer(zsock_t *dealer, const held_request *req)
{
    hc_arena *arena = hc_arena_new();
    int code = HC_OK;
    ProtobufCMessage *out = NULL;
    if (strcmp(req->method, "CreateProgram") == 0) {
        Hcap__CreateProgramRequest *in = (Hcap__CreateProgramRequest *)hc_msg_unpack(
            &hcap__create_program_request__descriptor, req->body, req->size, arena);
        Hcap__Program *program = hc_arena_alloc(arena, sizeof *program);
        hcap__program__init(program);
        program->id = "prg_1";
        program->code = in ? in->code : "?";
        program->name = in ? in->name : "?";
        program->kind = in ? in->kind : HCAP__PROGRAM_KIND__PROGRAM_KIND_BASIC_SKILLS;
        out = &program->base;
    } else if (strcmp(req->method, "GetWorker") == 0 ||
               strcmp(req->method, "GetWorkerProfile") == 0) {
        if (!(out = s_worker_answer(req, arena)))
            code = HC_NOT_FOUND;
    } else if (strcmp(req->method, "ListEmployment") == 0) {
        Hcap__EmploymentList *list = hc_arena_alloc(arena, sizeof *list);
        hcap__employment_list__init(list);
        list->n_items = 1;
        list->items = hc_arena_alloc(arena, sizeof *list->items);
        list->items[0] = s_employment(arena);
        out = &list->base;
    } else if (strcmp(req->method, "CreateWorker") == 0) {
        Hcap__Worker *worker = hc_arena_alloc(arena, sizeof *worker);
        hcap__worker__init(worker);
        worker->id = "wkr_erasable";
        worker->given_name = "Wilhelmina";
        out = &worker->base;
    } else if (strcmp(req->method, "EraseWorker") == 0) {
        Hcap__EraseWorkerReply *erased = hc_arena_alloc(arena, sizeof *erased);
        hcap__erase_worker_reply__init(erased);
        erased->id = "wkr_erasable";
        erased->erased = true;
        out = &erased->base;
    } else if (strcmp(req->method, "ListPrograms") == 0) {
        Hcap__ProgramList *list = hc_arena_alloc(arena, sizeof *list);
        hcap__program_list__init(list);
        Hcap__Program *programs = hc_arena_alloc(arena, 2 * sizeof *programs);
        list->items = hc_arena_alloc(arena, 2 * sizeof *list->items);
        const char *names[] = {"Nursing, Certified", "EHR \"basics\""};
        for (int i = 0; i < 2; i++) {
            hcap__program__init(&programs[i]);
            programs[i].id = i ? "prg_2" : "prg_1";
            programs[i].code = i ? "EHR" : "CNA";
            programs[i].name = (char *)names[i];
            programs[i].kind = HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING;
            list->items[i] = &programs[i];
        }
        list->n_items = 2;
        out = &list->base;
    } else if (strcmp(req->method, "ImportWorkers") == 0) {
        Hcap__ImportWorkersRequest *in = (Hcap__ImportWorkersRequest *)hc_msg_unpack(
            &hcap__import_workers_request__descriptor, req->body, req->size, arena);
        Hcap__ImportReport *report = hc_arena_alloc(arena, sizeof *report);
        hcap__import_report__init(report);
        report->rows = 1;
        report->has_dry_run = in && in->has_dry_run;
        report->dry_run = in && in->dry_run;
        if (in && strstr(in->csv, "bad")) {
            Hcap__ImportRejection *rejection = hc_arena_alloc(arena, sizeof *rejection);
            hcap__import_rejection__init(rejection);
            rejection->line = 2;
            rejection->message = in->csv; /* echoes the body for the test */
            report->n_rejected = 1;
            report->rejected = hc_arena_alloc(arena, sizeof *report->rejected);
            report->rejected[0] = rejection;
        } else
            report->created = 1;
        out = &report->base;
    } else if ((out = s_cred_answer(req, arena)) != NULL ||
               (out = s_appr_answer(req, arena)) != NULL ||
               (out = s_rep_answer(req, arena)) != NULL) {
        /* a credentialing or apprenticeship method */
    } else if (strcmp(req->method, "GetCompetency") == 0 ||
               strcmp(req->method, "GetCredentialType") == 0) {
        if (!(out = s_cred_lookup(req, arena)))
            code = HC_NOT_FOUND;
    } else if (strncmp(req->method, "List", 4) == 0) {
        Hcap__EnrollmentList *list = hc_arena_alloc(arena, sizeof *list);
        hcap__enrollment_list__init(list); /* every List reply with no items looks alike */
        out = &list->base;
    } else
        code = HC_UNIMPLEMENTED;
    s_fake_reply(dealer, req->id, code, code == HC_OK ? out : NULL);
    hc_arena_destroy(&arena);
}

/* Takes one REQUEST: answers, holds or ignores it. */
static void s_fake_take(fake_state *fake, zsock_t *dealer, const Hcap__ServiceRequest *request)
{
    held_request req = {.id = request->id};
    snprintf(req.method, sizeof req.method, "%s", request->method);
    if (request->has_body && request->body.len > 0 && request->body.len <= sizeof req.body) {
        memcpy(req.body, request->body.data, request->body.len);
        req.size = request->body.len;
    }
    pthread_mutex_lock(&fake->lock);
    fake->calls[s_method_index(req.method)]++;
    fake->last_role = request->principal ? (int)request->principal->role : -1;
    bool silent = strcmp(fake->silent, req.method) == 0;
    bool hold = fake->hold && fake->n_held < HELD_MAX;
    if (hold && !silent)
        fake->held[fake->n_held++] = req;
    pthread_mutex_unlock(&fake->lock);
    if (!silent && !hold)
        s_fake_answer(dealer, &req);
}

static void s_fake_release(fake_state *fake, zsock_t *dealer)
{
    held_request held[HELD_MAX];
    pthread_mutex_lock(&fake->lock);
    size_t n = fake->release ? fake->n_held : 0;
    memcpy(held, fake->held, n * sizeof held[0]);
    if (fake->release) {
        fake->n_held = 0;
        fake->hold = fake->release = false;
    }
    pthread_mutex_unlock(&fake->lock);
    for (size_t i = 0; i < n; i++)
        s_fake_answer(dealer, &held[i]);
}

static void *s_fake_main(void *arg)
{
    fake_state *fake = arg;
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    hc_sock_setup(dealer);
    zsock_connect(dealer, "%s", s_broker_ep);
    s_fake_command(fake, dealer, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY);
    hc_arena *arena = hc_arena_new();
    int64_t next_beat = zclock_mono() + 300;
    zsock_set_rcvtimeo(dealer, 20);
    while (true) {
        pthread_mutex_lock(&fake->lock);
        bool stop = fake->stop;
        pthread_mutex_unlock(&fake->lock);
        if (stop)
            break;
        s_fake_release(fake, dealer);
        if (zclock_mono() >= next_beat) {
            s_fake_command(fake, dealer, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT);
            next_beat = zclock_mono() + 300;
        }
        zframe_t *frame = zframe_recv(dealer);
        if (!frame)
            continue;
        hc_arena_reset(arena);
        Hcap__WorkerMessage *msg = (Hcap__WorkerMessage *)hc_msg_unpack(
            &hcap__worker_message__descriptor, zframe_data(frame), zframe_size(frame), arena);
        zframe_destroy(&frame);
        if (msg && msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST && msg->request)
            s_fake_take(fake, dealer, msg->request);
    }
    s_fake_command(fake, dealer, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
    zsock_set_linger(dealer, 200);
    zsock_destroy(&dealer);
    hc_arena_destroy(&arena);
    return NULL;
}

static void s_fake_start(fake_state *fake)
{
    fake->stop = false;
    cr_assert_eq(pthread_create(&fake->thread, NULL, s_fake_main, fake), 0);
    fake->running = true;
}

static void s_fake_stop_of(fake_state *fake)
{
    if (!fake->running)
        return;
    pthread_mutex_lock(&fake->lock);
    fake->stop = true;
    pthread_mutex_unlock(&fake->lock);
    pthread_join(fake->thread, NULL);
    fake->running = false;
}

static void s_fake_stop(void)
{
    s_fake_stop_of(&s_fake);
}

static void s_fake_set(bool hold, bool release, const char *silent)
{
    pthread_mutex_lock(&s_fake.lock);
    s_fake.hold = hold;
    s_fake.release = release;
    snprintf(s_fake.silent, sizeof s_fake.silent, "%s", silent ? silent : "");
    pthread_mutex_unlock(&s_fake.lock);
}

static size_t s_held(void)
{
    pthread_mutex_lock(&s_fake.lock);
    size_t n = s_fake.n_held;
    pthread_mutex_unlock(&s_fake.lock);
    return n;
}

/* --- the gateway on its thread --- */

static void *s_server_main(void *arg)
{
    (void)arg;
    s_server_rc = gw_server_run(s_server);
    gw_server_destroy(&s_server);
    return NULL;
}

static void s_server_stop(void)
{
    if (!s_server_running)
        return;
    raise(SIGTERM);
    pthread_join(s_server_thread, NULL);
    s_server_running = false;
}

static void s_read_token(void)
{
    FILE *file = fopen(s_token_path, "r");
    cr_assert_not_null(file);
    cr_assert_not_null(fgets(s_token, sizeof s_token, file));
    fclose(file);
    s_token[strcspn(s_token, "\n")] = '\0';
}

static bool s_wait_instances(const char *path, int want, int timeout_ms);

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/gw_srv_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_broker_ep, sizeof s_broker_ep, "ipc://%s/b.ipc", s_dir);
    snprintf(s_front_ep, sizeof s_front_ep, "ipc://%s/f.ipc", s_dir);
    snprintf(s_token_path, sizeof s_token_path, "%s/admin.token", s_dir);
    gw_options options = {.data_dir = s_dir,
                          .http = "127.0.0.1:0",
                          .broker = s_broker_ep,
                          .frontend = s_front_ep,
                          .admin_token_file = s_token_path,
                          .services = "enrollment,credentialing,apprenticeship,reporting",
                          .body_limit = 1024,
                          .deadline_ms = 1500,
                          .fanout_deadline_ms = 600,
                          .idempotency_ttl_s = 3600};
    hc_error err;
    s_server = gw_server_new(&options, &err);
    cr_assert_not_null(s_server, "%s", err.message);
    memset(&s_node, 0, sizeof s_node);
    s_node.port = gw_server_http_port(s_server);
    cr_assert_gt(s_node.port, 0);
    snprintf(s_node.http, sizeof s_node.http, "127.0.0.1:%d", s_node.port);
    s_read_token();
    snprintf(s_node.token, sizeof s_node.token, "%s", s_token);
    cr_assert_eq(pthread_create(&s_server_thread, NULL, s_server_main, NULL), 0);
    s_server_running = true;
    s_fake_start(&s_fake);
    s_fake_start(&s_cred);
    s_fake_start(&s_appr);
    s_fake_start(&s_rep);
    cr_assert(s_wait_instances("services.3.instances", 1, 5000),
              "the fake reporting instance did not register");
    cr_assert(s_wait_instances("services.2.instances", 1, 5000),
              "the fake apprenticeship instance did not register");
    cr_assert(s_wait_instances("services.0.instances", 1, 5000),
              "the fake enrollment instance did not register");
    cr_assert(s_wait_instances("services.1.instances", 1, 5000),
              "the fake credentialing instance did not register");
}

static void s_teardown(void)
{
    s_fake_set(false, true, NULL);
    s_server_stop();
    s_fake_stop();
    s_fake_stop_of(&s_cred);
    s_fake_stop_of(&s_appr);
    s_fake_stop_of(&s_rep);
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", s_dir);
    cr_assert_eq(system(command), 0);
}

TestSuite(gateway_server, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* --- helpers --- */

static int s_call(const char *method, const char *path, const char *token, const char *body,
                  ht_resp *resp)
{
    ht_req req = {
        .method = method, .path = path, .token = token, .body = body, .timeout_ms = 10000};
    return ht_http(&s_node, &req, resp);
}

/* Waits until /healthz shows want instances at path ("services.0.instances"). */
static bool s_wait_instances(const char *path, int want, int timeout_ms)
{
    int64_t until = zclock_mono() + timeout_ms;
    while (zclock_mono() < until) {
        ht_resp resp;
        s_call("GET", "/healthz", NULL, NULL, &resp);
        bool ok = resp.json && ht_jint(resp.json, "%s", path) == want;
        ht_resp_free(&resp);
        if (ok)
            return true;
        zclock_sleep(20);
    }
    return false;
}

/* A raw connection with one request written and nothing read yet. */
static int s_send_raw(const char *method, const char *path, const char *extra, const char *body)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s_node.port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    char request[4096];
    int n = snprintf(request, sizeof request,
                     "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\nAuthorization: Bearer "
                     "%s\r\n%sContent-Length: %zu\r\n\r\n%s",
                     method, path, s_token, extra ? extra : "", body ? strlen(body) : 0,
                     body ? body : "");
    cr_assert_eq(write(fd, request, (size_t)n), n);
    return fd;
}

/* Reads a raw connection to its end; returns the status and copies the body. */
static int s_read_raw(int fd, char *body, size_t size)
{
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char text[16384];
    size_t used = 0;
    ssize_t got;
    while (used + 1 < sizeof text && (got = read(fd, text + used, sizeof text - 1 - used)) > 0)
        used += (size_t)got;
    text[used] = '\0';
    close(fd);
    int status = 0;
    sscanf(text, "HTTP/1.1 %d", &status);
    const char *start = strstr(text, "\r\n\r\n");
    snprintf(body, size, "%s", start ? start + 4 : "");
    return status;
}

static void s_wait_held(size_t want)
{
    int64_t until = zclock_mono() + 5000;
    while (s_held() < want && zclock_mono() < until)
        zclock_sleep(5);
    cr_assert_eq(s_held(), want, "held %zu of %zu", s_held(), want);
}

/* --- tests --- */

Test(gateway_server, create_list_and_csv)
{
    ht_resp resp;
    cr_assert_eq(s_call("POST", "/v1/programs", s_token,
                        "{\"code\":\"CNA\",\"name\":\"CNA\",\"kind\":\"credential_training\"}",
                        &resp),
                 201, "%s", resp.body);
    cr_assert_str_eq(ht_jstr(resp.json, "id"), "prg_1");
    cr_assert_str_eq(ht_jstr(resp.json, "kind"), "credential_training");
    char type[128];
    cr_assert_str_eq(ht_resp_header(&resp, "Content-Type", type, sizeof type),
                     "application/json; charset=utf-8");
    ht_resp_free(&resp);

    cr_assert_eq(s_call("GET", "/v1/programs?format=csv", s_token, NULL, &resp), 200);
    cr_assert_str_eq(ht_resp_header(&resp, "Content-Type", type, sizeof type),
                     "text/csv; charset=utf-8");
    cr_assert_str_eq(resp.body,
                     "id,code,name,kind,occupation,credential_code,hours,delivery,provider,"
                     "created_at\r\n"
                     "prg_1,CNA,\"Nursing, Certified\",credential_training,,,,,,\r\n"
                     "prg_2,EHR,\"EHR \"\"basics\"\"\",credential_training,,,,,,\r\n");
    ht_resp_free(&resp);
    ht_req req = {.method = "GET", .path = "/v1/programs", .token = s_token, .accept = "text/csv"};
    cr_assert_eq(ht_http(&s_node, &req, &resp), 200);
    cr_assert_eq(strncmp(resp.body, "id,code,", 8), 0, "Accept: text/csv gives CSV");
    ht_resp_free(&resp);
    cr_assert_eq(s_call("GET", "/v1/programs?format=xml", s_token, NULL, &resp), 400);
    ht_assert_error("format=xml", resp.status, resp.json, 400, "invalid_argument", "format");
    ht_resp_free(&resp);
    cr_assert_eq(s_call("GET", "/v1/workers/w1?format=csv", s_token, NULL, &resp), 400,
                 "CSV only where lists are");
    ht_resp_free(&resp);
}

Test(gateway_server, errors_before_the_service)
{
    ht_resp resp;
    s_call("GET", "/v1/nothing", s_token, NULL, &resp);
    ht_assert_error("unknown path", resp.status, resp.json, 404, "not_found", NULL);
    ht_resp_free(&resp);
    s_call("PUT", "/v1/programs", s_token, "{}", &resp);
    cr_assert_eq(resp.status, 405);
    char allow[64];
    cr_assert_str_eq(ht_resp_header(&resp, "Allow", allow, sizeof allow), "POST, GET");
    ht_resp_free(&resp);
    s_call("GET", "/v1/programs", NULL, NULL, &resp);
    ht_assert_error("no token", resp.status, resp.json, 401, "unauthenticated", NULL);
    ht_resp_free(&resp);
    s_call("GET", "/v1/programs", "hct_not_a_token", NULL, &resp);
    ht_assert_error("bad token", resp.status, resp.json, 401, "unauthenticated", NULL);
    ht_resp_free(&resp);
    s_call("POST", "/v1/programs", s_token, "{\"code\":", &resp);
    ht_assert_error("malformed", resp.status, resp.json, 400, "invalid_argument", NULL);
    cr_assert_eq(strncmp(ht_jstr(resp.json, "error.message"), "malformed JSON: ", 16), 0);
    ht_resp_free(&resp);
    s_call("POST", "/v1/programs", s_token, "[1,2]", &resp);
    ht_assert_error("array body", resp.status, resp.json, 400, "invalid_argument", NULL);
    ht_resp_free(&resp);
    s_call("GET", "/v1/programs?colour=red", s_token, NULL, &resp);
    ht_assert_error("unknown query", resp.status, resp.json, 400, "invalid_argument", "colour");
    ht_resp_free(&resp);
    s_call("POST", "/v1/programs", s_token, "{\"code\":\"X\",\"name\":\"X\",\"kind\":\"nope\"}",
           &resp);
    ht_assert_error("bad enum", resp.status, resp.json, 400, "invalid_argument", "kind");
    ht_resp_free(&resp);
    s_call("POST", "/v1/programs", s_token,
           "{\"code\":\"X\",\"name\":\"X\",\"kind\":\"basic_skills\",\"hours\":1e999}", &resp);
    cr_assert_eq(resp.status, 400, "huge number: %s", resp.body);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls("CreateProgram"), 0, "none of these reached the service");
}

Test(gateway_server, roles_and_tokens)
{
    ht_resp resp;
    cr_assert_eq(
        s_call("POST", "/v1/tokens", s_token, "{\"role\":\"staff\",\"name\":\"cm\"}", &resp), 201);
    char staff[128];
    snprintf(staff, sizeof staff, "%s", ht_jstr(resp.json, "token"));
    cr_assert_str_eq(ht_jstr(resp.json, "role"), "staff");
    ht_resp_free(&resp);
    cr_assert_eq(s_call("GET", "/v1/programs", staff, NULL, &resp), 200);
    ht_resp_free(&resp);
    s_call("POST", "/v1/tokens", staff, "{\"role\":\"admin\",\"name\":\"x\"}", &resp);
    ht_assert_error("staff mints", resp.status, resp.json, 403, "permission_denied", NULL);
    ht_resp_free(&resp);
    s_call("GET", "/metrics", staff, NULL, &resp);
    ht_assert_error("staff metrics", resp.status, resp.json, 403, "permission_denied", NULL);
    ht_resp_free(&resp);
    s_call("POST", "/v1/tokens", s_token, "{\"role\":\"emperor\",\"name\":\"x\"}", &resp);
    ht_assert_error("bad role", resp.status, resp.json, 400, "invalid_argument", "role");
    ht_resp_free(&resp);
    cr_assert_eq(s_call("GET", "/metrics", s_token, NULL, &resp), 200);
    cr_assert_not_null(
        strstr(resp.body, "hcap_http_requests_total{route=\"GET /v1/programs\",status=\"200\"} 1"),
        "%s", resp.body);
    cr_assert_not_null(strstr(resp.body, "hcap_service_instances{service=\"enrollment\"} 1"));
    ht_resp_free(&resp);
}

Test(gateway_server, idempotent_repeat_never_reaches_the_service)
{
    const char *body = "{\"code\":\"LVN\",\"name\":\"LVN\",\"kind\":\"credential_training\"}";
    ht_req req = {.method = "POST",
                  .path = "/v1/programs",
                  .token = s_token,
                  .body = body,
                  .idempotency_key = "k-1"};
    ht_resp first, second;
    cr_assert_eq(ht_http(&s_node, &req, &first), 201);
    cr_assert_eq(ht_http(&s_node, &req, &second), 201);
    cr_assert_eq(first.body_len, second.body_len);
    cr_assert_eq(memcmp(first.body, second.body, first.body_len), 0);
    cr_assert_eq(s_calls("CreateProgram"), 1);
    ht_resp_free(&first);
    ht_resp_free(&second);
    req.path = "/v1/cohorts";
    req.body = "{\"program_id\":\"p\",\"name\":\"n\",\"start_date\":\"2026-01-01\",\"capacity\":1}";
    ht_http(&s_node, &req, &second);
    ht_assert_error("same key elsewhere", second.status, second.json, 409, "failed_precondition",
                    "Idempotency-Key");
    ht_resp_free(&second);
}

Test(gateway_server, erasure_drops_stored_replies_of_the_person)
{
    const char *body = "{\"given_name\":\"Wilhelmina\",\"family_name\":\"P\","
                       "\"employment_status\":\"incumbent\"}";
    ht_req req = {.method = "POST",
                  .path = "/v1/workers",
                  .token = s_token,
                  .body = body,
                  .idempotency_key = "k-erase"};
    ht_resp resp;
    cr_assert_eq(ht_http(&s_node, &req, &resp), 201);
    ht_resp_free(&resp);
    cr_assert_eq(ht_http(&s_node, &req, &resp), 201);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls("CreateWorker"), 1, "replayed by the gateway");
    cr_assert_eq(s_call("DELETE", "/v1/workers/wkr_erasable", s_token, NULL, &resp), 200);
    ht_resp_free(&resp);
    cr_assert_eq(ht_http(&s_node, &req, &resp), 201);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls("CreateWorker"), 2, "no replay of an erased person from gateway.db");
}

Test(gateway_server, repeat_while_in_flight_is_409_then_replays)
{
    s_fake_set(true, false, NULL);
    const char *body = "{\"code\":\"RN\",\"name\":\"RN\",\"kind\":\"credential_training\"}";
    int fd = s_send_raw("POST", "/v1/programs", "Idempotency-Key: k-2\r\n", body);
    s_wait_held(1);
    ht_req req = {.method = "POST",
                  .path = "/v1/programs",
                  .token = s_token,
                  .body = body,
                  .idempotency_key = "k-2"};
    ht_resp resp;
    ht_http(&s_node, &req, &resp);
    ht_assert_error("in flight", resp.status, resp.json, 409, "failed_precondition", NULL);
    cr_assert_str_eq(ht_jstr(resp.json, "error.message"),
                     "request with this Idempotency-Key is in progress");
    ht_resp_free(&resp);
    s_fake_set(false, true, NULL);
    char reply[4096];
    cr_assert_eq(s_read_raw(fd, reply, sizeof reply), 201);
    cr_assert_eq(ht_http(&s_node, &req, &resp), 201);
    cr_assert_str_eq(resp.body, reply);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls("CreateProgram"), 1);
}

Test(gateway_server, many_suspended_requests_all_answered)
{
    s_fake_set(true, false, NULL);
    enum { N = 40 };
    int fds[N];
    for (int i = 0; i < N; i++)
        fds[i] = s_send_raw("GET", "/v1/programs", NULL, NULL);
    s_wait_held(N);
    ht_resp resp;
    cr_assert_eq(s_call("GET", "/healthz", NULL, NULL, &resp), 200,
                 "the gateway serves others while requests wait");
    ht_resp_free(&resp);
    s_fake_set(false, true, NULL);
    char body[4096];
    for (int i = 0; i < N; i++)
        cr_assert_eq(s_read_raw(fds[i], body, sizeof body), 200, "request %d", i);
}

Test(gateway_server, client_gone_while_suspended_is_harmless)
{
    s_fake_set(true, false, NULL);
    const char *body = "{\"code\":\"MA\",\"name\":\"MA\",\"kind\":\"credential_training\"}";
    close(s_send_raw("POST", "/v1/programs", "Idempotency-Key: k-3\r\n", body));
    close(s_send_raw("GET", "/v1/programs", NULL, NULL));
    s_wait_held(2);
    s_fake_set(false, true, NULL);
    zclock_sleep(100);
    ht_req req = {.method = "POST",
                  .path = "/v1/programs",
                  .token = s_token,
                  .body = body,
                  .idempotency_key = "k-3"};
    ht_resp resp;
    cr_assert_eq(ht_http(&s_node, &req, &resp), 201, "the reply was kept for the key");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls("CreateProgram"), 1);
    cr_assert_eq(s_call("GET", "/v1/programs", s_token, NULL, &resp), 200);
    ht_resp_free(&resp);
}

Test(gateway_server, deadline_and_no_instance)
{
    s_fake_set(false, false, "CreateProgram");
    ht_resp resp;
    int64_t start = zclock_mono();
    s_call("POST", "/v1/programs", s_token,
           "{\"code\":\"X\",\"name\":\"X\",\"kind\":\"basic_skills\"}", &resp);
    ht_assert_error("silent service", resp.status, resp.json, 504, "deadline_exceeded", NULL);
    cr_assert_lt(zclock_mono() - start, 4000);
    ht_resp_free(&resp);
    s_fake_stop();
    cr_assert(s_wait_instances("services.0.instances", 0, 5000));
    s_call("GET", "/healthz", NULL, NULL, &resp);
    cr_assert_eq(resp.status, 503);
    cr_assert_str_eq(ht_jstr(resp.json, "status"), "degraded");
    ht_resp_free(&resp);
    s_call("GET", "/v1/programs", s_token, NULL, &resp);
    ht_assert_error("no instance", resp.status, resp.json, 503, "unavailable", NULL);
    ht_resp_free(&resp);
}

Test(gateway_server, profile_fans_out_and_names_what_is_missing)
{
    ht_resp resp;
    cr_assert_eq(s_call("GET", "/v1/workers/w1/profile", s_token, NULL, &resp), 200, "%s",
                 resp.body);
    cr_assert_str_eq(ht_jstr(resp.json, "worker.given_name"), "Ana");
    cr_assert_eq(ht_jlen(resp.json, "employment"), 1);
    cr_assert_str_eq(ht_jstr(resp.json, "employment.0.kind"), "placement");
    cr_assert_eq(ht_jlen(resp.json, "enrollments"), 0);
    cr_assert_eq(ht_jlen(resp.json, "credentials"), 1, "%s", resp.body);
    cr_assert_str_eq(ht_jstr(resp.json, "credentials.0.credential_code"), "CNA");
    cr_assert_eq(ht_jlen(resp.json, "ladders"), 1);
    cr_assert_str_eq(ht_jstr(resp.json, "ladders.0.next"), "LVN");
    cr_assert_eq(ht_jlen(resp.json, "apprenticeships"), 1, "%s", resp.body);
    cr_assert_str_eq(ht_jstr(resp.json, "apprenticeships.0.program_code"), "CHW-APP");
    cr_assert_eq(ht_jlen(resp.json, "unavailable"), 0);
    ht_resp_free(&resp);
    /* one read per owning service, none of the single parts */
    cr_assert_eq(s_calls("GetWorkerProfile"), 1);
    cr_assert_eq(s_calls_of(&s_cred, "GetCredentialProfile"), 1);
    cr_assert_eq(s_calls_of(&s_appr, "ListApprentices"), 1);
    const char *parts[] = {"GetWorker",         "ListEmployment",  "ListEnrollments",
                           "ListTuitionClaims", "ListCredentials", "ListWorkerLadders"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        cr_assert_eq(s_calls(parts[i]) + s_calls_of(&s_cred, parts[i]), 0, "%s", parts[i]);

    s_call("GET", "/v1/workers/nobody/profile", s_token, NULL, &resp);
    ht_assert_error("unknown worker", resp.status, resp.json, 404, "not_found", NULL);
    ht_resp_free(&resp);

    pthread_mutex_lock(&s_cred.lock);
    snprintf(s_cred.silent, sizeof s_cred.silent, "GetCredentialProfile");
    pthread_mutex_unlock(&s_cred.lock);
    int64_t start = zclock_mono();
    cr_assert_eq(s_call("GET", "/v1/workers/w1/profile", s_token, NULL, &resp), 200);
    int64_t took = zclock_mono() - start;
    cr_assert_geq(took, 500);
    cr_assert_lt(took, 1500, "answered at the fan-out deadline, took %lld ms", (long long)took);
    cr_assert_eq(ht_jlen(resp.json, "unavailable"), 1);
    cr_assert_str_eq(ht_jstr(resp.json, "unavailable.0"), "credentialing");
    cr_assert_str_eq(ht_jstr(resp.json, "worker.id"), "w1");
    cr_assert_eq(ht_jlen(resp.json, "employment"), 1, "%s", resp.body);
    cr_assert_eq(ht_jlen(resp.json, "credentials"), 0);
    cr_assert_eq(ht_jlen(resp.json, "ladders"), 0);
    cr_assert_eq(ht_jlen(resp.json, "apprenticeships"), 1);
    ht_resp_free(&resp);

    /* enrollment holds the worker's own record: without it, no profile */
    s_fake_set(false, false, "GetWorkerProfile");
    s_call("GET", "/v1/workers/w1/profile", s_token, NULL, &resp);
    ht_assert_error("worker missing", resp.status, resp.json, 503, "unavailable", NULL);
    ht_resp_free(&resp);
}

Test(gateway_server, bodies_over_the_limit_are_413)
{
    char big[1400];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[0] = '{';
    big[sizeof big - 2] = '}';
    ht_resp resp;
    s_call("POST", "/v1/programs", s_token, big, &resp);
    ht_assert_error("Content-Length", resp.status, resp.json, 413, "resource_exhausted", NULL);
    ht_resp_free(&resp);
    /* No Content-Length: counted as it streams, answered once it ends. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s_node.port)};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    char head[512];
    int n = snprintf(head, sizeof head,
                     "POST /v1/programs HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n",
                     s_token);
    cr_assert_eq(write(fd, head, (size_t)n), n);
    for (int i = 0; i < 8; i++) {
        n = snprintf(head, sizeof head, "100\r\n%256s\r\n", "");
        cr_assert_eq(write(fd, head, (size_t)n), n);
    }
    cr_assert_eq(write(fd, "0\r\n\r\n", 5), 5);
    char body[2048];
    cr_assert_eq(s_read_raw(fd, body, sizeof body), 413, "%s", body);
    cr_assert_eq(s_calls("CreateProgram"), 0);
}

Test(gateway_server, raw_csv_import_and_422)
{
    ht_req req = {.method = "POST",
                  .path = "/v1/imports/workers?dry_run=true",
                  .token = s_token,
                  .content_type = "text/csv",
                  .body = "given_name,family_name\nbad,row\n"};
    ht_resp resp;
    cr_assert_eq(ht_http(&s_node, &req, &resp), 422, "%s", resp.body);
    cr_assert_eq(ht_jint(resp.json, "rejected.0.line"), 2);
    cr_assert_str_eq(ht_jstr(resp.json, "rejected.0.message"), "given_name,family_name\nbad,row\n",
                     "the body went to the service verbatim in field csv");
    cr_assert(json_is_true(ht_jget(resp.json, "dry_run")));
    ht_resp_free(&resp);
    req.body = "given_name,family_name\ngood,row\n";
    req.path = "/v1/imports/workers";
    cr_assert_eq(ht_http(&s_node, &req, &resp), 200);
    ht_resp_free(&resp);
    req.body = "given_name\n\xff\xfe\n";
    ht_http(&s_node, &req, &resp);
    ht_assert_error("bad UTF-8", resp.status, resp.json, 400, "invalid_argument", "csv");
    ht_resp_free(&resp);
}

Test(gateway_server, garbage_never_hurts)
{
    const char *junk[] = {"\x01\x02\x03\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                          "GET /v1/workers/%ff%00x HTTP/1.1\r\nHost: x\r\n\r\n",
                          "POST /v1/programs HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                          "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999"
                          "\r\n\r\n"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s_node.port)};
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
        cr_assert_gt(write(fd, junk[i], strlen(junk[i])), 0);
        char body[2048];
        s_read_raw(fd, body, sizeof body);
    }
    ht_resp resp;
    s_call("POST", "/v1/programs", s_token, "{\"code\":\"a\\u0000b\",\"name\":\"x\"}", &resp);
    cr_assert_eq(resp.status, 400, "NUL in JSON: %s", resp.body);
    ht_resp_free(&resp);
    s_call("GET", "/v1/workers/%C3%28", s_token, NULL, &resp);
    ht_assert_error("bad UTF-8 id", resp.status, resp.json, 400, "invalid_argument", "id");
    ht_resp_free(&resp);
    cr_assert_eq(s_call("GET", "/healthz", NULL, NULL, &resp), 200, "still alive");
    ht_resp_free(&resp);
}

Test(gateway_server, frontend_speaks_the_same_table)
{
    hc_error err;
    hc_client *anonymous = hc_client_new(s_front_ep, NULL, &err);
    hc_client *admin = hc_client_new(s_front_ep, s_token, &err);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *out = NULL;
    cr_assert_eq(hc_client_call(anonymous, "gateway", "Health", NULL, NULL,
                                &hcap__health_reply__descriptor, arena, &out, 3000, &err),
                 HC_OK, "%s", err.message);
    cr_assert_str_eq(((Hcap__HealthReply *)out)->status, "ok");
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "w1";
    cr_assert_eq(hc_client_call(anonymous, "enrollment", "GetWorker", &get.base, NULL,
                                &hcap__worker__descriptor, arena, &out, 3000, &err),
                 HC_UNAUTHENTICATED);
    cr_assert_eq(hc_client_call(admin, "enrollment", "GetWorker", &get.base, NULL,
                                &hcap__worker__descriptor, arena, &out, 3000, &err),
                 HC_OK, "%s", err.message);
    cr_assert_str_eq(((Hcap__Worker *)out)->given_name, "Ana");
    cr_assert_eq(hc_client_call(admin, "enrollment", "DropTables", NULL, NULL, NULL, arena, NULL,
                                3000, &err),
                 HC_UNIMPLEMENTED);
    cr_assert_eq(hc_client_call(admin, "gateway", "GetProfile", &get.base, NULL,
                                &hcap__profile__descriptor, arena, &out, 3000, &err),
                 HC_OK, "%s", err.message);
    cr_assert_eq(((Hcap__Profile *)out)->n_employment, 1);
    /* the profile's parts are the gateway's to ask, with the profile route's roles */
    cr_assert_eq(hc_client_call(admin, "enrollment", "GetWorkerProfile", &get.base, NULL,
                                &hcap__worker_profile__descriptor, arena, &out, 3000, &err),
                 HC_UNIMPLEMENTED);
    cr_assert_eq(hc_client_call(admin, "credentialing", "GetCredentialProfile", &get.base, NULL,
                                &hcap__credential_profile__descriptor, arena, &out, 3000, &err),
                 HC_UNIMPLEMENTED);
    cr_assert_eq(s_calls("GetWorkerProfile"), 1, "only the profile's own");

    zsock_t *raw = zsock_new_dealer(s_front_ep);
    zstr_send(raw, "not a protobuf");
    zstr_sendx(raw, "two", "frames", NULL);
    cr_assert_eq(hc_client_call(admin, "gateway", "Health", NULL, NULL,
                                &hcap__health_reply__descriptor, arena, &out, 3000, &err),
                 HC_OK, "garbage on the frontend is dropped");
    zsock_destroy(&raw);
    hc_arena_destroy(&arena);
    hc_client_destroy(&anonymous);
    hc_client_destroy(&admin);
}

Test(gateway_server, sigterm_answers_pending_requests_503)
{
    s_fake_set(true, false, NULL);
    int fd = s_send_raw("GET", "/v1/programs", NULL, NULL);
    int fd2 = s_send_raw("GET", "/v1/workers/w1/profile", NULL, NULL);
    int fd3 = s_send_raw("POST", "/v1/credentials", NULL,
                         "{\"worker_id\":\"w1\",\"credential_code\":\"CNA\","
                         "\"issued_on\":\"2026-01-05\"}");
    s_wait_held(3); /* programs, the profile's enrollment part, the reference check */
    s_server_stop();
    cr_assert_eq(s_server_rc, 0, "exit status after SIGTERM");
    char body[2048];
    cr_assert_eq(s_read_raw(fd, body, sizeof body), 503, "%s", body);
    cr_assert_eq(s_read_raw(fd2, body, sizeof body), 503, "%s", body);
    cr_assert_eq(s_read_raw(fd3, body, sizeof body), 503, "%s", body);
    cr_assert_eq(s_calls_of(&s_cred, "AwardCredential"), 0, "not forwarded while stopping");
}

Test(gateway_server, a_second_gateway_cannot_take_a_port_in_use)
{
    char dir[300], broker[320], front[320];
    snprintf(dir, sizeof dir, "%s/second", s_dir);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(broker, sizeof broker, "ipc://%s/b.ipc", dir);
    snprintf(front, sizeof front, "ipc://%s/f.ipc", dir);
    gw_options options = {.data_dir = dir,
                          .http = s_node.http,
                          .broker = broker,
                          .frontend = front,
                          .services = "enrollment",
                          .body_limit = 1024,
                          .deadline_ms = 1500,
                          .fanout_deadline_ms = 600,
                          .idempotency_ttl_s = 3600};
    hc_error err;
    hc_error_clear(&err);
    gw_server *second = gw_server_new(&options, &err);
    cr_assert_null(second, "two gateways would split the requests on %s", s_node.http);
    cr_assert_eq(err.code, HC_UNAVAILABLE);
}

/* --- credentialing through the gateway --- */

#define AWARD_BODY(worker)                                                                         \
    "{\"worker_id\":\"" worker "\",\"credential_code\":\"CNA\",\"issued_on\":\"2026-01-05\"}"

Test(gateway_server, award_checks_the_worker_before_forwarding)
{
    ht_resp resp;
    s_call("POST", "/v1/credentials", s_token, AWARD_BODY("nobody"), &resp);
    ht_assert_error("unknown worker", resp.status, resp.json, 404, "not_found", "worker_id");
    cr_assert_not_null(strstr(ht_jstr(resp.json, "error.message"), "nobody"), "%s", resp.body);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls("GetWorker"), 1, "the owner was asked");
    cr_assert_eq(s_calls_of(&s_cred, "AwardCredential"), 0, "nothing forwarded");

    cr_assert_eq(s_call("POST", "/v1/credentials", s_token, AWARD_BODY("w1"), &resp), 201, "%s",
                 resp.body);
    cr_assert_str_eq(ht_jstr(resp.json, "id"), "crd_1");
    cr_assert_str_eq(ht_jstr(resp.json, "worker_id"), "w1", "the body reached the service");
    cr_assert_str_eq(ht_jstr(resp.json, "status"), "active");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_cred, "AwardCredential"), 1);

    s_call("POST", "/v1/prior-learning", s_token,
           "{\"worker_id\":\"ghost\",\"evidence\":\"portfolio\"}", &resp);
    ht_assert_error("prior learning, unknown worker", resp.status, resp.json, 404, "not_found",
                    "worker_id");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_cred, "AssessPriorLearning"), 0);
    cr_assert_eq(s_call("POST", "/v1/prior-learning", s_token,
                        "{\"worker_id\":\"w1\",\"evidence\":\"portfolio\"}", &resp),
                 201, "%s", resp.body);
    cr_assert_str_eq(ht_jstr(resp.json, "id"), "prl_1");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_cred, "AssessPriorLearning"), 1);

    s_call("POST", "/v1/credentials", s_token, "{\"credential_code\":\"CNA\"}", &resp);
    ht_assert_error("no worker_id", resp.status, resp.json, 400, "invalid_argument", "worker_id");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls("GetWorker"), 4, "a request the codec refuses checks nothing");
}

Test(gateway_server, reference_check_keeps_the_idempotency_key)
{
    ht_req req = {.method = "POST",
                  .path = "/v1/credentials",
                  .token = s_token,
                  .body = AWARD_BODY("w1"),
                  .idempotency_key = "award-1"};
    ht_resp first, second;
    cr_assert_eq(ht_http(&s_node, &req, &first), 201, "%s", first.body);
    cr_assert_eq(ht_http(&s_node, &req, &second), 201);
    cr_assert_str_eq(first.body, second.body);
    ht_resp_free(&first);
    ht_resp_free(&second);
    cr_assert_eq(s_calls_of(&s_cred, "AwardCredential"), 1, "the repeat was replayed");
}

Test(gateway_server, reference_owner_down_or_slow)
{
    ht_resp resp;
    s_fake_set(false, false, "GetWorker");
    int64_t start = zclock_mono();
    s_call("POST", "/v1/credentials", s_token, AWARD_BODY("w1"), &resp);
    ht_assert_error("owner silent", resp.status, resp.json, 504, "deadline_exceeded", NULL);
    cr_assert_lt(zclock_mono() - start, 3000);
    ht_resp_free(&resp);
    s_fake_stop();
    cr_assert(s_wait_instances("services.0.instances", 0, 5000));
    s_call("POST", "/v1/credentials", s_token, AWARD_BODY("w1"), &resp);
    ht_assert_error("owner down", resp.status, resp.json, 503, "unavailable", NULL);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_cred, "AwardCredential"), 0, "nothing forwarded");
    cr_assert_eq(s_call("GET", "/v1/credentials?worker_id=w1", s_token, NULL, &resp), 200,
                 "routes without references do not need the owner: %s", resp.body);
    ht_resp_free(&resp);
}

Test(gateway_server, frontend_runs_the_reference_check)
{
    hc_error err;
    hc_client *admin = hc_client_new(s_front_ep, s_token, &err);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *out = NULL;
    Hcap__AwardCredentialRequest award = HCAP__AWARD_CREDENTIAL_REQUEST__INIT;
    award.worker_id = "nobody";
    award.credential_code = "CNA";
    award.issued_on = "2026-01-05";
    cr_assert_eq(hc_client_call(admin, "credentialing", "AwardCredential", &award.base, NULL,
                                &hcap__credential__descriptor, arena, &out, 3000, &err),
                 HC_NOT_FOUND, "%s", err.message);
    cr_assert_str_eq(err.field, "worker_id");
    cr_assert_eq(s_calls_of(&s_cred, "AwardCredential"), 0);
    award.worker_id = "w1";
    cr_assert_eq(hc_client_call(admin, "credentialing", "AwardCredential", &award.base, NULL,
                                &hcap__credential__descriptor, arena, &out, 3000, &err),
                 HC_OK, "%s", err.message);
    cr_assert_str_eq(((Hcap__Credential *)out)->id, "crd_1");
    cr_assert_eq(s_calls_of(&s_cred, "AwardCredential"), 1);
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "crd_1";
    cr_assert_eq(hc_client_call(admin, "credentialing", "GetBadge", &get.base, NULL,
                                &hcap__badge__descriptor, arena, &out, 3000, &err),
                 HC_OK, "%s", err.message);
    cr_assert_str_eq(((Hcap__Badge *)out)->document, BADGE_DOCUMENT,
                     "the frontend keeps the Badge message");
    cr_assert_eq(hc_client_call(admin, "credentialing", "SweepExpired", NULL, NULL, NULL, arena,
                                NULL, 3000, &err),
                 HC_UNIMPLEMENTED, "internal methods are not callable");
    hc_arena_destroy(&arena);
    hc_client_destroy(&admin);
}

Test(gateway_server, badge_is_the_document_itself)
{
    ht_resp resp;
    cr_assert_eq(s_call("GET", "/v1/credentials/crd_1/badge", s_token, NULL, &resp), 200, "%s",
                 resp.body);
    cr_assert_str_eq(resp.body, BADGE_DOCUMENT, "verbatim, not re-encoded nor wrapped");
    char type[128];
    cr_assert_str_eq(ht_resp_header(&resp, "Content-Type", type, sizeof type),
                     "application/json; charset=utf-8");
    cr_assert_str_eq(ht_jstr(resp.json, "proof.cryptosuite"), "eddsa-jcs-2022");
    ht_resp_free(&resp);
    s_call("GET", "/v1/credentials/crd_1/badge", NULL, NULL, &resp);
    ht_assert_error("badge needs a token", resp.status, resp.json, 401, "unauthenticated", NULL);
    ht_resp_free(&resp);
    s_call("GET", "/v1/credentials/crd_1/badge?format=csv", s_token, NULL, &resp);
    ht_assert_error("no CSV", resp.status, resp.json, 400, "invalid_argument", "format");
    ht_resp_free(&resp);
}

Test(gateway_server, verification_needs_no_token)
{
    ht_resp resp;
    cr_assert_eq(s_call("GET", "/v1/verify/crd_1", NULL, NULL, &resp), 200, "%s", resp.body);
    cr_assert(json_is_true(ht_jget(resp.json, "valid")));
    cr_assert_str_eq(ht_jstr(resp.json, "status"), "active");
    cr_assert_str_eq(ht_jstr(resp.json, "credential.code"), "CNA");
    cr_assert_str_eq(ht_jstr(resp.json, "holder"), "A. W.");
    ht_resp_free(&resp);
    cr_assert_eq(s_call("GET", "/v1/verify/crd_1", "hct_not_a_token", NULL, &resp), 200,
                 "a token, even a bad one, is not looked at");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_cred, "GetVerification"), 2);
    s_call("GET", "/v1/credentials/crd_1", NULL, NULL, &resp);
    ht_assert_error("the credential itself", resp.status, resp.json, 401, "unauthenticated", NULL);
    ht_resp_free(&resp);
}

Test(gateway_server, credential_list_as_csv)
{
    ht_resp resp;
    cr_assert_eq(s_call("GET", "/v1/credentials?worker_id=w1&status=active&format=csv", s_token,
                        NULL, &resp),
                 200, "%s", resp.body);
    cr_assert_eq(strncmp(resp.body, "id,worker_id,credential_code,", 29), 0, "%s", resp.body);
    cr_assert_not_null(strstr(resp.body, "\r\ncrd_1,w1,CNA,"), "%s", resp.body);
    ht_resp_free(&resp);
    cr_assert_eq(s_call("GET", "/v1/workers/w1/ladders?format=csv", s_token, NULL, &resp), 200);
    cr_assert_eq(strncmp(resp.body, "code,name,rungs,highest_rung,highest,next\r\n", 43), 0, "%s",
                 resp.body);
    ht_resp_free(&resp);
    s_call("GET", "/v1/credentials?status=shiny", s_token, NULL, &resp);
    ht_assert_error("bad status", resp.status, resp.json, 400, "invalid_argument", "status");
    ht_resp_free(&resp);
}

Test(gateway_server, profile_without_credentialing_answers_at_once)
{
    s_fake_stop_of(&s_cred);
    cr_assert(s_wait_instances("services.1.instances", 0, 5000));
    ht_resp resp;
    int64_t start = zclock_mono();
    cr_assert_eq(s_call("GET", "/v1/workers/w1/profile", s_token, NULL, &resp), 200, "%s",
                 resp.body);
    int64_t took = zclock_mono() - start;
    cr_assert_lt(took, 300, "no live instance: no waiting for the deadline, took %lld ms",
                 (long long)took);
    cr_assert_str_eq(ht_jstr(resp.json, "worker.id"), "w1");
    cr_assert_eq(ht_jlen(resp.json, "employment"), 1);
    cr_assert_eq(ht_jlen(resp.json, "credentials"), 0);
    cr_assert_eq(ht_jlen(resp.json, "ladders"), 0);
    cr_assert_eq(ht_jlen(resp.json, "unavailable"), 1, "%s", resp.body);
    cr_assert_str_eq(ht_jstr(resp.json, "unavailable.0"), "credentialing");
    ht_resp_free(&resp);
}

/* --- apprenticeship through the gateway --- */

static void s_token_of(const char *role, char *out, size_t size)
{
    char body[96];
    snprintf(body, sizeof body, "{\"role\":\"%s\",\"name\":\"%s-1\"}", role, role);
    ht_resp resp;
    cr_assert_eq(s_call("POST", "/v1/tokens", s_token, body, &resp), 201, "%s", resp.body);
    snprintf(out, size, "%s", ht_jstr(resp.json, "token"));
    ht_resp_free(&resp);
}

#define RAPIDS_HEADER                                                                              \
    "apprentice_id,program_number,rapids_code,onet_soc,start_date,status,status_date,ojl_hours,"   \
    "rti_hours,hourly_wage_cents\r\n"

Test(gateway_server, apprentices_csv_is_the_rapids_export)
{
    ht_resp resp;
    cr_assert_eq(s_call("GET", "/v1/apprentices?status=active&format=csv", s_token, NULL, &resp),
                 200, "%s", resp.body);
    char type[128];
    cr_assert_str_eq(ht_resp_header(&resp, "Content-Type", type, sizeof type),
                     "text/csv; charset=utf-8");
    cr_assert_str_eq(resp.body,
                     RAPIDS_HEADER "apr_1,CHW-APP,2002HY,21-1094.00,2026-01-05,active,,412.5,24,"
                                   "2000\r\n");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_appr, "ExportApprentices"), 1);
    cr_assert_eq(s_calls_of(&s_appr, "ListApprentices"), 0, "CSV is the export, not the list");

    ht_req req = {
        .method = "GET", .path = "/v1/apprentices", .token = s_token, .accept = "text/csv"};
    cr_assert_eq(ht_http(&s_node, &req, &resp), 200);
    cr_assert_eq(strncmp(resp.body, RAPIDS_HEADER, strlen(RAPIDS_HEADER)), 0, "%s", resp.body);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_appr, "ExportApprentices"), 2, "Accept: text/csv too");

    cr_assert_eq(s_call("GET", "/v1/apprentices?worker_id=w1", s_token, NULL, &resp), 200);
    cr_assert_str_eq(ht_jstr(resp.json, "items.0.id"), "apr_1", "%s", resp.body);
    cr_assert_eq(json_number_value(ht_jget(resp.json, "items.0.ojl_hours")), 412.5);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_appr, "ListApprentices"), 1);
    s_call("GET", "/v1/apprentices?format=csv&colour=red", s_token, NULL, &resp);
    ht_assert_error("unknown filter", resp.status, resp.json, 400, "invalid_argument", "colour");
    ht_resp_free(&resp);
    cr_assert_eq(s_call("GET", "/metrics", s_token, NULL, &resp), 200);
    cr_assert_not_null(strstr(resp.body, "route=\"GET /v1/apprentices\",status=\"200\"} 3"), "%s",
                       resp.body);
    ht_resp_free(&resp);
}

Test(gateway_server, mentor_reads_apprentices_but_not_the_export_or_workers)
{
    char mentor[128];
    s_token_of("mentor", mentor, sizeof mentor);
    ht_resp resp;
    cr_assert_eq(s_call("GET", "/v1/apprentices", mentor, NULL, &resp), 200, "%s", resp.body);
    cr_assert_str_eq(ht_jstr(resp.json, "items.0.id"), "apr_1");
    ht_resp_free(&resp);
    s_call("GET", "/v1/apprentices?format=csv", mentor, NULL, &resp);
    ht_assert_error("mentor CSV", resp.status, resp.json, 403, "permission_denied", NULL);
    cr_assert_not_null(strstr(ht_jstr(resp.json, "error.message"), "ExportApprentices"), "%s",
                       resp.body);
    ht_resp_free(&resp);
    ht_req req = {
        .method = "GET", .path = "/v1/apprentices", .token = mentor, .accept = "text/csv"};
    ht_http(&s_node, &req, &resp);
    ht_assert_error("mentor Accept CSV", resp.status, resp.json, 403, "permission_denied", NULL);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_appr, "ExportApprentices"), 0, "nothing reached the service");
    s_call("GET", "/v1/workers/w1", mentor, NULL, &resp);
    ht_assert_error("mentor worker", resp.status, resp.json, 403, "permission_denied", NULL);
    ht_resp_free(&resp);
    s_call("GET", "/v1/workers/w1/profile", mentor, NULL, &resp);
    ht_assert_error("mentor profile", resp.status, resp.json, 403, "permission_denied", NULL);
    ht_resp_free(&resp);
    s_call("POST", "/v1/apprentices/apr_1/status", mentor, "{\"status\":\"suspended\"}", &resp);
    ht_assert_error("mentor status", resp.status, resp.json, 403, "permission_denied", NULL);
    ht_resp_free(&resp);

    hc_error err;
    hc_client *client = hc_client_new(s_front_ep, mentor, &err);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *out = NULL;
    Hcap__ListApprenticesRequest list = HCAP__LIST_APPRENTICES_REQUEST__INIT;
    cr_assert_eq(hc_client_call(client, "apprenticeship", "ExportApprentices", &list.base, NULL,
                                &hcap__rapids_export__descriptor, arena, &out, 3000, &err),
                 HC_PERMISSION_DENIED, "the frontend row has the fund's roles");
    cr_assert_eq(hc_client_call(client, "apprenticeship", "ListApprentices", &list.base, NULL,
                                &hcap__apprentice_list__descriptor, arena, &out, 3000, &err),
                 HC_OK, "%s", err.message);
    hc_client_destroy(&client);
    client = hc_client_new(s_front_ep, s_token, &err);
    cr_assert_eq(hc_client_call(client, "apprenticeship", "ExportApprentices", &list.base, NULL,
                                &hcap__rapids_export__descriptor, arena, &out, 3000, &err),
                 HC_OK, "%s", err.message);
    cr_assert_str_eq(((Hcap__RapidsExport *)out)->items[0]->rapids_code, "2002HY");
    hc_arena_destroy(&arena);
    hc_client_destroy(&client);
}

#define PROGRAM_BODY(competencies, credential)                                                     \
    "{\"code\":\"CHW-APP\",\"name\":\"CHW\",\"occupation\":\"Community Health Worker\","           \
    "\"approach\":\"hybrid\",\"competencies\":[" competencies "]" credential "}"

Test(gateway_server, program_references_are_checked_element_by_element)
{
    ht_resp resp;
    s_call("POST", "/v1/apprenticeship-programs", s_token,
           PROGRAM_BODY("\"OUTREACH\",\"NOPE\"", ""), &resp);
    ht_assert_error("unknown competency", resp.status, resp.json, 404, "not_found", "competencies");
    cr_assert_str_eq(ht_jstr(resp.json, "error.message"), "competencies NOPE not found");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_appr, "CreateApprenticeshipProgram"), 0);
    cr_assert_eq(s_calls_of(&s_cred, "GetCompetency"), 2);

    s_call("POST", "/v1/apprenticeship-programs", s_token,
           PROGRAM_BODY("\"OUTREACH\"", ",\"completion_credential_code\":\"NOPE-CERT\""), &resp);
    ht_assert_error("unknown credential", resp.status, resp.json, 404, "not_found",
                    "completion_credential_code");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_appr, "CreateApprenticeshipProgram"), 0);

    cr_assert_eq(s_call("POST", "/v1/apprenticeship-programs", s_token,
                        PROGRAM_BODY("\"OUTREACH\",\"CARE-COORD\",\"OUTREACH\",\"CARE-COORD\"",
                                     ",\"completion_credential_code\":\"CHW-CERT\""),
                        &resp),
                 201, "%s", resp.body);
    cr_assert_str_eq(ht_jstr(resp.json, "code"), "CHW-APP");
    cr_assert_eq(ht_jlen(resp.json, "competencies"), 4, "the body went on as it came");
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_appr, "CreateApprenticeshipProgram"), 1);
    cr_assert_eq(s_calls_of(&s_cred, "GetCompetency"), 2 + 1 + 2, "each distinct code once");
    cr_assert_eq(s_calls_of(&s_cred, "GetCredentialType"), 2);

    char many[1024] = "";
    for (int i = 0; i <= 64; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"C%d\"", i ? "," : "", i);
    char body[1200];
    snprintf(body, sizeof body, PROGRAM_BODY("%s", ""), many);
    s_call("POST", "/v1/apprenticeship-programs", s_token, body, &resp);
    ht_assert_error("too many", resp.status, resp.json, 400, "invalid_argument", "competencies");
    cr_assert_not_null(strstr(ht_jstr(resp.json, "error.message"), "at most 64"), "%s", resp.body);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_cred, "GetCompetency"), 5, "nothing asked for an oversized list");
    cr_assert_eq(s_calls_of(&s_appr, "CreateApprenticeshipProgram"), 1);

    cr_assert_eq(
        s_call("POST", "/v1/apprenticeship-programs", s_token, PROGRAM_BODY("", ""), &resp), 201,
        "no references, nothing to check: %s", resp.body);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_cred, "GetCompetency"), 5);
}

/* --- reporting: health lag, reports for analysts, dead letters by service --- */

static int s_last_role(fake_state *fake)
{
    pthread_mutex_lock(&fake->lock);
    int role = fake->last_role;
    pthread_mutex_unlock(&fake->lock);
    return role;
}

/* A token of role (malloc'd), minted by the admin. */
static char *s_mint(const char *role)
{
    ht_resp resp;
    char body[96];
    snprintf(body, sizeof body, "{\"role\":\"%s\",\"name\":\"%s-1\"}", role, role);
    cr_assert_eq(s_call("POST", "/v1/tokens", s_token, body, &resp), 201, "%s", resp.body);
    char *token = strdup(ht_jstr(resp.json, "token"));
    ht_resp_free(&resp);
    return token;
}

/* /healthz and /metrics show each service's log head and every follower's
   lag, the head raised to what the producer itself reported. */
Test(gateway_server, health_and_metrics_show_heads_and_follower_lag)
{
    pthread_mutex_lock(&s_fake.lock);
    s_fake.log_head = 112; /* enrollment's log is ahead of what reporting saw */
    pthread_mutex_unlock(&s_fake.lock);
    json_t *health = NULL;
    int64_t until = zclock_mono() + 5000;
    do {
        json_decref(health);
        health = NULL;
        ht_resp resp;
        s_call("GET", "/healthz", NULL, NULL, &resp);
        health = resp.json ? json_incref(resp.json) : NULL;
        ht_resp_free(&resp);
        if (health && ht_jint(health, "services.0.log_head") == 112)
            break;
        zclock_sleep(50);
    } while (zclock_mono() < until);
    cr_assert_eq(ht_jint(health, "services.0.log_head"), 112, "%s", ht_jtext(health));
    cr_assert_str_eq(ht_jstr(health, "services.2.name"), "apprenticeship");
    cr_assert_eq(ht_jint(health, "services.2.log_head"), 9);
    cr_assert(json_is_null(ht_jget(health, "services.1.log_head")),
              "credentialing reported no head: %s", ht_jtext(health));
    cr_assert_eq(ht_jlen(health, "followers"), 2, "%s", ht_jtext(health));
    cr_assert_str_eq(ht_jstr(health, "followers.0.service"), "apprenticeship");
    cr_assert_str_eq(ht_jstr(health, "followers.0.source"), "credentialing");
    cr_assert_eq(ht_jint(health, "followers.0.events_behind"), 0);
    cr_assert_eq(ht_jint(health, "followers.0.dead_letters"), 1);
    cr_assert_str_eq(ht_jstr(health, "followers.1.service"), "reporting");
    cr_assert_str_eq(ht_jstr(health, "followers.1.source"), "enrollment");
    cr_assert_eq(ht_jint(health, "followers.1.seq"), 100);
    cr_assert_eq(ht_jint(health, "followers.1.head"), 112);
    cr_assert_eq(ht_jint(health, "followers.1.events_behind"), 12);
    cr_assert_float_eq(json_real_value(ht_jget(health, "followers.1.seconds_behind")), 0.75, 1e-9);
    json_decref(health);

    ht_resp resp;
    cr_assert_eq(s_call("GET", "/metrics", s_token, NULL, &resp), 200);
    cr_assert_not_null(strstr(resp.body, "hcap_event_log_head{service=\"enrollment\"} 112\n"), "%s",
                       resp.body);
    cr_assert_not_null(
        strstr(resp.body,
               "hcap_follower_events_behind{service=\"reporting\",source=\"enrollment\"} 12\n"));
    cr_assert_not_null(
        strstr(resp.body,
               "hcap_follower_seconds_behind{service=\"reporting\",source=\"enrollment\"} 0.75\n"));
    cr_assert_not_null(strstr(
        resp.body,
        "hcap_follower_dead_letters{service=\"apprenticeship\",source=\"credentialing\"} 1\n"));
    ht_resp_free(&resp);
}

/* An analyst reads the reports (the principal travels, so the service can
   suppress) as JSON or CSV, and nothing else; a mentor not even those. */
Test(gateway_server, analyst_reads_reports_and_nothing_else)
{
    char *analyst = s_mint("analyst"), *mentor = s_mint("mentor");
    ht_resp resp;
    cr_assert_eq(s_call("GET", "/v1/reports/outcomes?by=gender", analyst, NULL, &resp), 200, "%s",
                 resp.body);
    cr_assert_eq(s_last_role(&s_rep), HCAP__ROLE__ROLE_ANALYST, "the principal reached reporting");
    cr_assert(json_is_null(ht_jget(resp.json, "rows.1.participants")), "%s", resp.body);
    cr_assert_eq(ht_jint(resp.json, "total.participants"), 55);
    ht_resp_free(&resp);
    cr_assert_eq(s_call("GET", "/v1/reports/outcomes?by=gender&format=csv", analyst, NULL, &resp),
                 200);
    cr_assert_str_eq(resp.body, "group,label,participants,completed,credentials,apprentices,"
                                "apprentices_completed,placements,suppressed\r\n"
                                "female,,40,,,,,,\r\n"
                                "nonbinary,,,,,,,,true\r\n"
                                "total,,55,,,,,,\r\n");
    ht_resp_free(&resp);
    s_call("GET", "/v1/reports/outcomes?by=shoe_size", analyst, NULL, &resp);
    ht_assert_error("bad dimension", resp.status, resp.json, 400, "invalid_argument", "by");
    ht_resp_free(&resp);
    const char *denied[][2] = {{"GET", "/v1/grants"},         {"POST", "/v1/grants"},
                               {"GET", "/v1/reports/status"}, {"POST", "/v1/reports/rebuild"},
                               {"GET", "/v1/events/dead"},    {"GET", "/v1/workers"}};
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
        s_call(denied[i][0], denied[i][1], analyst, NULL, &resp);
        ht_assert_error(denied[i][1], resp.status, resp.json, 403, "permission_denied", NULL);
        ht_resp_free(&resp);
    }
    s_call("GET", "/v1/reports/outcomes?by=gender", mentor, NULL, &resp);
    ht_assert_error("mentor report", resp.status, resp.json, 403, "permission_denied", NULL);
    ht_resp_free(&resp);
    free(analyst);
    free(mentor);
}

/* ?service= sends the dead letters' list or retry to that service, with
   the role that service's row asks for. */
Test(gateway_server, dead_letters_go_to_the_service_asked_for)
{
    char *staff = s_mint("staff");
    ht_resp resp;
    cr_assert_eq(
        s_call("GET", "/v1/events/dead?service=apprenticeship&limit=10", staff, NULL, &resp), 200,
        "%s", resp.body);
    cr_assert_eq(ht_jlen(resp.json, "items"), 0);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_appr, "ListDeadLetters"), 1);
    cr_assert_eq(s_last_role(&s_appr), HCAP__ROLE__ROLE_STAFF);
    cr_assert_eq(s_calls_of(&s_rep, "ListDeadLetters"), 0);
    cr_assert_eq(s_call("GET", "/v1/events/dead", staff, NULL, &resp), 200, "%s", resp.body);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_rep, "ListDeadLetters"), 1, "reporting's by default");
    cr_assert_eq(
        s_call("GET", "/v1/events/dead?service=credentialing&format=csv", staff, NULL, &resp), 200);
    cr_assert_eq(strncmp(resp.body, "id,follower,source,epoch,seq,type,reason,", 41), 0, "%s",
                 resp.body);
    ht_resp_free(&resp);
    cr_assert_eq(s_calls_of(&s_cred, "ListDeadLetters"), 1);
    s_call("GET", "/v1/events/dead?service=enrollment", staff, NULL, &resp);
    ht_assert_error("enrollment follows nothing", resp.status, resp.json, 400, "invalid_argument",
                    "service");
    cr_assert_not_null(
        strstr(ht_jstr(resp.json, "error.message"), "reporting, credentialing, apprenticeship"),
        "%s", resp.body);
    ht_resp_free(&resp);
    s_call("POST", "/v1/events/dead/retry?service=credentialing", staff, NULL, &resp);
    ht_assert_error("staff retry", resp.status, resp.json, 403, "permission_denied", NULL);
    ht_resp_free(&resp);
    s_call("POST", "/v1/events/dead/retry?service=credentialing", s_token, NULL, &resp);
    cr_assert_eq(s_calls_of(&s_cred, "RetryDeadLetters"), 1, "admin's retry reached it: %s",
                 resp.body);
    cr_assert_eq(s_calls_of(&s_rep, "RetryDeadLetters"), 0);
    ht_resp_free(&resp);
    free(staff);
}
