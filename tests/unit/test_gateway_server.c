/* Tests for the whole gateway in one process: the server runs its loop on a
   thread, a fake "enrollment" instance (a DEALER on another thread) answers,
   holds or ignores requests, and the test talks HTTP and the ZeroMQ
   frontend to it: suspension, idempotency, fan-out, deadlines, hang-ups,
   limits, garbage and the orderly stop on SIGTERM. */
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
#include "enrollment.pb-c.h"
#include "gateway.pb-c.h"
#include "gateway_server.h"
#include "hc_client.h"
#include "hc_msg.h"
#include "ht_http.h"

#define HELD_MAX 64

/* --- the fake enrollment instance --- */

typedef struct {
    uint64_t id;
    char method[64];
    uint8_t body[2048];
    size_t size;
} held_request;

typedef struct {
    pthread_mutex_t lock;
    bool hold;       /* keep requests instead of answering */
    bool release;    /* answer what is held, then stop holding */
    bool stop;       /* leave (with DISCONNECT) */
    char silent[64]; /* a method never answered */
    int calls[9];    /* by s_method_index */
    held_request held[HELD_MAX];
    size_t n_held;
} fake_state;

static const char *s_methods[] = {"CreateProgram",   "GetWorker",         "ListEmployment",
                                  "ListEnrollments", "ListTuitionClaims", "ListPrograms",
                                  "ImportWorkers",   "CreateWorker",      "other"};

static char s_dir[64];
static char s_broker_ep[128], s_front_ep[128], s_token_path[128];
static char s_token[HC_TOKEN_SIZE + 8];
static gw_server *s_server;
static pthread_t s_server_thread, s_fake_thread;
static bool s_server_running, s_fake_running;
static int s_server_rc = -1;
static fake_state s_fake = {.lock = PTHREAD_MUTEX_INITIALIZER};
static ht_node s_node;

static int s_method_index(const char *method)
{
    for (int i = 0; i < 8; i++)
        if (strcmp(s_methods[i], method) == 0)
            return i;
    return 8;
}

static int s_calls(const char *method)
{
    pthread_mutex_lock(&s_fake.lock);
    int calls = s_fake.calls[s_method_index(method)];
    pthread_mutex_unlock(&s_fake.lock);
    return calls;
}

static void s_fake_send(zsock_t *dealer, Hcap__WorkerMessage *msg)
{
    zframe_t *frame = hc_msg_frame(&msg->base);
    zframe_send(&frame, dealer, 0);
}

static void s_fake_command(zsock_t *dealer, Hcap__WorkerMessage__Command command)
{
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = command;
    msg.service = "enrollment";
    msg.instance = "fake-1";
    msg.role = "primary";
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
    } else if (strcmp(req->method, "GetWorker") == 0) {
        Hcap__GetRequest *in = (Hcap__GetRequest *)hc_msg_unpack(&hcap__get_request__descriptor,
                                                                 req->body, req->size, arena);
        if (!in || strcmp(in->id, "w1") != 0)
            code = HC_NOT_FOUND;
        else {
            Hcap__Worker *worker = hc_arena_alloc(arena, sizeof *worker);
            hcap__worker__init(worker);
            worker->id = "w1";
            worker->given_name = "Ana";
            out = &worker->base;
        }
    } else if (strcmp(req->method, "ListEmployment") == 0) {
        Hcap__EmploymentList *list = hc_arena_alloc(arena, sizeof *list);
        hcap__employment_list__init(list);
        Hcap__EmploymentRecord *record = hc_arena_alloc(arena, sizeof *record);
        hcap__employment_record__init(record);
        record->id = "emp_1";
        record->worker_id = "w1";
        record->kind = HCAP__EMPLOYMENT_KIND__EMPLOYMENT_KIND_PLACEMENT;
        record->effective_date = "2026-01-02";
        list->n_items = 1;
        list->items = hc_arena_alloc(arena, sizeof *list->items);
        list->items[0] = record;
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
static void s_fake_take(zsock_t *dealer, const Hcap__ServiceRequest *request)
{
    held_request req = {.id = request->id};
    snprintf(req.method, sizeof req.method, "%s", request->method);
    if (request->has_body && request->body.len > 0 && request->body.len <= sizeof req.body) {
        memcpy(req.body, request->body.data, request->body.len);
        req.size = request->body.len;
    }
    pthread_mutex_lock(&s_fake.lock);
    s_fake.calls[s_method_index(req.method)]++;
    bool silent = strcmp(s_fake.silent, req.method) == 0;
    bool hold = s_fake.hold && s_fake.n_held < HELD_MAX;
    if (hold && !silent)
        s_fake.held[s_fake.n_held++] = req;
    pthread_mutex_unlock(&s_fake.lock);
    if (!silent && !hold)
        s_fake_answer(dealer, &req);
}

static void s_fake_release(zsock_t *dealer)
{
    held_request held[HELD_MAX];
    pthread_mutex_lock(&s_fake.lock);
    size_t n = s_fake.release ? s_fake.n_held : 0;
    memcpy(held, s_fake.held, n * sizeof held[0]);
    if (s_fake.release) {
        s_fake.n_held = 0;
        s_fake.hold = s_fake.release = false;
    }
    pthread_mutex_unlock(&s_fake.lock);
    for (size_t i = 0; i < n; i++)
        s_fake_answer(dealer, &held[i]);
}

static void *s_fake_main(void *arg)
{
    (void)arg;
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    hc_sock_setup(dealer);
    zsock_connect(dealer, "%s", s_broker_ep);
    s_fake_command(dealer, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY);
    hc_arena *arena = hc_arena_new();
    int64_t next_beat = zclock_mono() + 300;
    zsock_set_rcvtimeo(dealer, 20);
    while (true) {
        pthread_mutex_lock(&s_fake.lock);
        bool stop = s_fake.stop;
        pthread_mutex_unlock(&s_fake.lock);
        if (stop)
            break;
        s_fake_release(dealer);
        if (zclock_mono() >= next_beat) {
            s_fake_command(dealer, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT);
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
            s_fake_take(dealer, msg->request);
    }
    s_fake_command(dealer, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
    zsock_set_linger(dealer, 200);
    zsock_destroy(&dealer);
    hc_arena_destroy(&arena);
    return NULL;
}

static void s_fake_stop(void)
{
    if (!s_fake_running)
        return;
    pthread_mutex_lock(&s_fake.lock);
    s_fake.stop = true;
    pthread_mutex_unlock(&s_fake.lock);
    pthread_join(s_fake_thread, NULL);
    s_fake_running = false;
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

static bool s_wait_instance(int want, int timeout_ms);

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
                          .services = "enrollment",
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
    cr_assert_eq(pthread_create(&s_fake_thread, NULL, s_fake_main, NULL), 0);
    s_fake_running = true;
    cr_assert(s_wait_instance(1, 5000), "the fake instance did not register");
}

static void s_teardown(void)
{
    s_fake_set(false, true, NULL);
    s_server_stop();
    s_fake_stop();
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

static bool s_wait_instance(int want, int timeout_ms)
{
    int64_t until = zclock_mono() + timeout_ms;
    while (zclock_mono() < until) {
        ht_resp resp;
        s_call("GET", "/healthz", NULL, NULL, &resp);
        bool ok = resp.json && ht_jint(resp.json, "services.0.instances") == want;
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
    cr_assert(s_wait_instance(0, 5000));
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
    cr_assert_eq(ht_jlen(resp.json, "unavailable"), 0);
    ht_resp_free(&resp);

    s_call("GET", "/v1/workers/nobody/profile", s_token, NULL, &resp);
    ht_assert_error("unknown worker", resp.status, resp.json, 404, "not_found", NULL);
    ht_resp_free(&resp);

    s_fake_set(false, false, "ListEnrollments");
    int64_t start = zclock_mono();
    cr_assert_eq(s_call("GET", "/v1/workers/w1/profile", s_token, NULL, &resp), 200);
    int64_t took = zclock_mono() - start;
    cr_assert_geq(took, 500);
    cr_assert_lt(took, 1500, "answered at the fan-out deadline, took %lld ms", (long long)took);
    cr_assert_eq(ht_jlen(resp.json, "unavailable"), 1);
    cr_assert_str_eq(ht_jstr(resp.json, "unavailable.0"), "enrollment");
    cr_assert_str_eq(ht_jstr(resp.json, "worker.id"), "w1");
    ht_resp_free(&resp);

    s_fake_set(false, false, "GetWorker");
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
    s_wait_held(5);
    s_server_stop();
    cr_assert_eq(s_server_rc, 0, "exit status after SIGTERM");
    char body[2048];
    cr_assert_eq(s_read_raw(fd, body, sizeof body), 503, "%s", body);
    cr_assert_eq(s_read_raw(fd2, body, sizeof body), 503, "%s", body);
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
