/* Tests for hc_service: a small definition on the enrollment descriptor
   (CreateEmployer writes a row and an event, GetEmployer reads it) run by
   hc_service_main in a thread behind a real hc_broker pumped by the test,
   and the same definition through the local invoke API. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include "enrollment.pb-c.h"
#include "gateway.pb-c.h"
#include "hc_broker.h"
#include "hc_id.h"
#include "hc_msg.h"
#include "hc_service.h"

/* --- the test service --- */

static const hc_migration s_migrations[] = {
    {"001_employers.sql", "CREATE TABLE employers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
                          " sector INTEGER NOT NULL);"},
    {NULL, NULL}};

static atomic_int s_create_calls;
static atomic_bool s_slow_started;
static char s_dir[64];
static char s_db_path[128];
/* Employers visible to another connection when "e<N>" was created. */
static atomic_int s_outside_seen[8];

typedef struct {
    hc_service *service;
} test_state;

static void *s_state_new(hc_service *service, hc_error *err)
{
    (void)err;
    test_state *state = calloc(1, sizeof *state);
    state->service = service;
    return state;
}

static void s_state_destroy(void **state_p)
{
    free(*state_p);
    *state_p = NULL;
}

/* Runs one query through a connection of its own: committed rows only. */
static int s_query_int(const char *sql)
{
    sqlite3 *db = NULL;
    int value = -1;
    if (sqlite3_open_v2(s_db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW)
            value = sqlite3_column_int(stmt, 0);
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return value;
}

static int s_employers_outside(void)
{
    return s_query_int("SELECT count(*) FROM employers");
}

static int s_insert_employer(hc_service *service, hc_call *call,
                             const Hcap__CreateEmployerRequest *req, Hcap__Employer **employer)
{
    hc_store *store = hc_service_store(service);
    char id[HC_ID_SIZE];
    hc_id_new("emp", id);
    sqlite3_stmt *stmt =
        hc_store_stmt(store, "INSERT INTO employers (id, name, sector) VALUES (?1, ?2, ?3)");
    sqlite3_bind_text(stmt, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, req->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 3, req->sector);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) {
        hc_error err;
        hc_store_error(store, rc, "name", &err);
        return hc_call_fail_with(call, &err);
    }
    Hcap__Employer *out = (Hcap__Employer *)hc_call_new(call, &hcap__employer__descriptor);
    out->id = hc_arena_strdup(hc_call_arena(call), id);
    out->name = hc_arena_strdup(hc_call_arena(call), req->name);
    out->sector = req->sector;
    hc_error err;
    if (hc_eventlog_append(hc_service_log(service), "test.employer_created.v1", NULL, &out->base,
                           NULL, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    *employer = out;
    return HC_OK;
}

/* "slow" sleeps; "fail*" refuses before writing; "boom*" writes, then
   fails (the savepoint must take the row and the event back). */
static int s_create_employer(void *state, hc_call *call, const ProtobufCMessage *in,
                             ProtobufCMessage **out)
{
    test_state *ts = state;
    const Hcap__CreateEmployerRequest *req = (const Hcap__CreateEmployerRequest *)in;
    atomic_fetch_add(&s_create_calls, 1);
    if (strcmp(req->name, "slow") == 0) {
        atomic_store(&s_slow_started, true);
        zclock_sleep(400);
    }
    if (strncmp(req->name, "fail", 4) == 0)
        return hc_call_fail(call, HC_INVALID_ARGUMENT, "name", "name %s refused", req->name);
    if (req->name[0] == 'e' && req->name[1] >= '0' && req->name[1] <= '7')
        atomic_store(&s_outside_seen[req->name[1] - '0'], s_employers_outside());
    Hcap__Employer *employer = NULL;
    int rc = s_insert_employer(ts->service, call, req, &employer);
    if (rc != HC_OK)
        return rc;
    if (strncmp(req->name, "boom", 4) == 0)
        return hc_call_fail(call, HC_FAILED_PRECONDITION, NULL, "boom after writing");
    *out = &employer->base;
    return HC_OK;
}

static int s_get_employer(void *state, hc_call *call, const ProtobufCMessage *in,
                          ProtobufCMessage **out)
{
    test_state *ts = state;
    const Hcap__GetRequest *req = (const Hcap__GetRequest *)in;
    hc_store *store = hc_service_store(ts->service);
    sqlite3_stmt *stmt = hc_store_stmt(store, "SELECT name, sector FROM employers WHERE id = ?1");
    sqlite3_bind_text(stmt, 1, req->id, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return hc_call_fail(call, HC_NOT_FOUND, "id", "no employer %s", req->id);
    }
    Hcap__Employer *employer = (Hcap__Employer *)hc_call_new(call, &hcap__employer__descriptor);
    employer->id = hc_arena_strdup(hc_call_arena(call), req->id);
    employer->name =
        hc_arena_strdup(hc_call_arena(call), (const char *)sqlite3_column_text(stmt, 0));
    employer->sector = (Hcap__Sector)sqlite3_column_int(stmt, 1);
    sqlite3_reset(stmt);
    *out = &employer->base;
    return HC_OK;
}

static const hc_handler s_handlers[] = {{"CreateEmployer", s_create_employer, 0},
                                        {"GetEmployer", s_get_employer, HC_HANDLER_READ},
                                        {NULL, NULL, 0}};

/* A replica's apply: the employer of the event's body, as CreateEmployer
   wrote it. */
static int s_replica_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    (void)arg;
    Hcap__Employer *e = hcap__employer__unpack(NULL, event->body.len, event->body.data);
    if (!e)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "body", "not an Employer");
    sqlite3_stmt *stmt = hc_store_stmt(
        store, "INSERT OR REPLACE INTO employers (id, name, sector) VALUES (?1, ?2, ?3)");
    sqlite3_bind_text(stmt, 1, e->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, e->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 3, e->sector);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    hcap__employer__free_unpacked(e, NULL);
    return rc == SQLITE_DONE ? HC_OK : hc_store_error(store, rc, NULL, err);
}

static const hc_service_def s_def = {.name = "testsvc",
                                     .descriptor = &hcap__enrollment_service__descriptor,
                                     .handlers = s_handlers,
                                     .migrations = s_migrations,
                                     .state_new = s_state_new,
                                     .state_destroy = s_state_destroy,
                                     .replica_apply = s_replica_apply};

/* --- fixture: broker in this thread, hc_service_main in another --- */

static char s_broker_ep[128];
static hc_broker *s_broker;
static zloop_t *s_loop;
static pthread_t s_thread;
static bool s_thread_running;
static pthread_t s_thread2; /* a second instance or a replica */
static bool s_thread2_running;
static int s_thread_rc = -1;

static void *s_service_thread(void *arg)
{
    (void)arg;
    char *argv[] = {"hcap-testsvc", "--data", s_dir,     "--node-id", "n1",
                    "--instance",   "svc-1",  "--batch", "64",        NULL};
    s_thread_rc = hc_service_main(&s_def, 9, argv);
    return NULL;
}

static void s_make_dir(void)
{
    strcpy(s_dir, "/tmp/hc_svc_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_db_path, sizeof s_db_path, "%s/testsvc.db", s_dir);
    atomic_store(&s_create_calls, 0);
    atomic_store(&s_slow_started, false);
}

static void s_remove_dir(void)
{
    const char *files[] = {"testsvc.db",       "testsvc.db-wal", "testsvc.db-shm",
                           "testsvc.db.lock",  "broker.ipc",     "testsvc-events.ipc",
                           "testsvc-bell.ipc", "rep-1.db",       "rep-1.db-wal",
                           "rep-1.db-shm",     "rep-1.db.lock",  NULL};
    char path[160];
    for (int i = 0; files[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", s_dir, files[i]);
        unlink(path);
    }
    rmdir(s_dir);
}

typedef bool(pump_fn)(void *arg);

typedef struct {
    pump_fn *done;
    void *arg;
    int64_t until;
} pump;

static int s_pump_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    pump *p = arg;
    return (p->done && p->done(p->arg)) || zclock_mono() >= p->until ? -1 : 0;
}

/* Runs the broker's loop until done(arg) or timeout_ms; a signal that
   interrupts the poll does not end the wait early. */
static bool s_pump(pump_fn *done, void *arg, int timeout_ms)
{
    pump p = {done, arg, zclock_mono() + timeout_ms};
    int id = zloop_timer(s_loop, 5, 0, s_pump_tick, &p);
    while (zloop_start(s_loop) == 0 && zclock_mono() < p.until && !(done && done(arg)))
        ;
    zloop_timer_end(s_loop, id);
    return done ? done(arg) : true;
}

static size_t s_want_live;
static bool s_live_is(void *arg)
{
    (void)arg;
    return hc_broker_instances(s_broker, "testsvc") == s_want_live;
}

static void s_wait_live(size_t live, int timeout_ms)
{
    s_want_live = live;
    cr_assert(s_pump(s_live_is, NULL, timeout_ms), "live instances: %zu, want %zu",
              hc_broker_instances(s_broker, "testsvc"), live);
}

static void s_setup(void)
{
    s_make_dir();
    snprintf(s_broker_ep, sizeof s_broker_ep, "ipc://%s/broker.ipc", s_dir);
    hc_error err;
    s_broker = hc_broker_new(s_broker_ep, &err);
    cr_assert_not_null(s_broker, "%s", err.message);
    s_loop = zloop_new();
    cr_assert_eq(hc_broker_start(s_broker, s_loop), HC_OK);
    cr_assert_eq(pthread_create(&s_thread, NULL, s_service_thread, NULL), 0);
    s_thread_running = true;
    s_wait_live(1, 5000);
}

/* SIGTERM ends hc_service_main; bounded wait for the thread. */
static void s_stop_service(void)
{
    if (!s_thread_running)
        return;
    kill(getpid(), SIGTERM);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    cr_assert_eq(pthread_timedjoin_np(s_thread, NULL, &until), 0, "service did not stop");
    s_thread_running = false;
    if (s_thread2_running)
        cr_assert_eq(pthread_timedjoin_np(s_thread2, NULL, &until), 0, "instance 2 did not stop");
    s_thread2_running = false;
}

static void s_teardown(void)
{
    s_stop_service();
    hc_broker_destroy(&s_broker);
    zloop_destroy(&s_loop);
    s_remove_dir();
}

/* --- requests through the broker --- */

typedef struct {
    int calls;
    int code;
    char instance[32]; /* which instance answered */
    char field[64];
    char message[256];
    uint8_t body[512];
    size_t size;
    int outside_at_reply; /* committed employers when the reply arrived */
} result;

static void s_on_reply(void *arg, const hc_broker_reply *reply)
{
    result *r = arg;
    r->calls++;
    r->code = reply->code;
    snprintf(r->instance, sizeof r->instance, "%s", reply->instance ? reply->instance : "");
    snprintf(r->field, sizeof r->field, "%s", reply->field ? reply->field : "");
    snprintf(r->message, sizeof r->message, "%s", reply->message ? reply->message : "");
    r->size = reply->size < sizeof r->body ? reply->size : 0;
    if (r->size)
        memcpy(r->body, reply->body, r->size);
    r->outside_at_reply = s_employers_outside();
}

static bool s_called(void *arg)
{
    return ((result *)arg)->calls > 0;
}

static void s_send(result *r, const char *method, const uint8_t *body, size_t size, const char *key)
{
    Hcap__Principal principal = HCAP__PRINCIPAL__INIT;
    principal.name = "ana";
    principal.role = HCAP__ROLE__ROLE_STAFF;
    memset(r, 0, sizeof *r);
    cr_assert_eq(hc_broker_request(s_broker, "testsvc", method, body, size, &principal, key, 5000,
                                   0, s_on_reply, r),
                 HC_OK);
}

static void s_send_create(result *r, const char *name, const char *key)
{
    Hcap__CreateEmployerRequest req = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    req.name = (char *)name;
    req.sector = HCAP__SECTOR__SECTOR_ACUTE;
    uint8_t buf[256];
    size_t size = protobuf_c_message_pack(&req.base, buf);
    s_send(r, "CreateEmployer", buf, size, key);
}

static void s_wait(result *r)
{
    cr_assert(s_pump(s_called, r, 5000), "no reply");
    cr_assert_eq(r->calls, 1);
}

static Hcap__Employer *s_employer(result *r, hc_arena *arena)
{
    cr_assert_eq(r->code, HC_OK, "%s", r->message);
    Hcap__Employer *employer =
        (Hcap__Employer *)hc_msg_unpack(&hcap__employer__descriptor, r->body, r->size, arena);
    cr_assert_not_null(employer);
    return employer;
}

TestSuite(service, .init = s_setup, .fini = s_teardown, .timeout = 40);

Test(service, group_commit_rolls_back_only_the_failing_request)
{
    result slow, r[5];
    s_send_create(&slow, "slow", NULL);
    for (int i = 0; i < 200 && !atomic_load(&s_slow_started); i++)
        zclock_sleep(5);
    cr_assert(atomic_load(&s_slow_started));
    /* These wait in the socket while "slow" runs, then form one batch. */
    const char *names[5] = {"e1", "e2", "fail-3", "e4", "boom-5"};
    for (int i = 0; i < 5; i++)
        s_send_create(&r[i], names[i], NULL);
    s_wait(&slow);
    for (int i = 0; i < 5; i++)
        s_wait(&r[i]);
    cr_assert_eq(slow.code, HC_OK);
    cr_assert_eq(r[0].code, HC_OK);
    cr_assert_eq(r[1].code, HC_OK);
    cr_assert_eq(r[2].code, HC_INVALID_ARGUMENT);
    cr_assert_str_eq(r[2].field, "name");
    cr_assert_str_eq(r[2].message, "name fail-3 refused");
    cr_assert_eq(r[3].code, HC_OK);
    cr_assert_eq(r[4].code, HC_FAILED_PRECONDITION);
    /* One transaction: inside it, nothing of the batch was visible outside. */
    cr_assert_eq(atomic_load(&s_outside_seen[1]), 1);
    cr_assert_eq(atomic_load(&s_outside_seen[2]), 1);
    cr_assert_eq(atomic_load(&s_outside_seen[4]), 1);
    /* Replies only after COMMIT: the first reply already sees every row. */
    for (int i = 0; i < 5; i++)
        cr_assert_eq(r[i].outside_at_reply, 4, "reply %d before commit", i);
    cr_assert_eq(s_employers_outside(), 4);
    cr_assert_eq(s_query_int("SELECT count(*) FROM employers WHERE name = 'boom-5'"), 0);
    /* Events: gapless 1..4, none for the rolled-back request. */
    cr_assert_eq(s_query_int("SELECT count(*) FROM events"), 4);
    cr_assert_eq(s_query_int("SELECT min(seq) FROM events"), 1);
    cr_assert_eq(s_query_int("SELECT max(seq) FROM events"), 4);
}

Test(service, reply_carries_the_output)
{
    result r, got;
    s_send_create(&r, "Mercy General", NULL);
    s_wait(&r);
    hc_arena *arena = hc_arena_new();
    Hcap__Employer *employer = s_employer(&r, arena);
    cr_assert_str_eq(employer->name, "Mercy General");
    cr_assert_eq(strncmp(employer->id, "emp_", 4), 0);
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = employer->id;
    uint8_t buf[128];
    s_send(&got, "GetEmployer", buf, protobuf_c_message_pack(&get.base, buf), NULL);
    s_wait(&got);
    cr_assert_str_eq(s_employer(&got, arena)->name, "Mercy General");
    get.id = "emp_nope";
    s_send(&got, "GetEmployer", buf, protobuf_c_message_pack(&get.base, buf), NULL);
    s_wait(&got);
    cr_assert_eq(got.code, HC_NOT_FOUND);
    cr_assert_str_eq(got.field, "id");
    s_send_create(&r, "Mercy General", NULL);
    s_wait(&r);
    cr_assert_eq(r.code, HC_ALREADY_EXISTS, "unique name: %s", r.message);
    hc_arena_destroy(&arena);
}

Test(service, idempotent_replay_does_not_run_twice)
{
    result first, again, other;
    s_send_create(&first, "Kaiser", "tok_1:abc");
    s_wait(&first);
    s_send_create(&again, "Kaiser", "tok_1:abc");
    s_wait(&again);
    cr_assert_eq(atomic_load(&s_create_calls), 1, "the handler ran once");
    cr_assert_eq(again.code, HC_OK);
    cr_assert_eq(again.size, first.size);
    cr_assert_eq(memcmp(again.body, first.body, first.size), 0, "same reply replayed");
    cr_assert_eq(s_employers_outside(), 1);
    cr_assert_eq(s_query_int("SELECT count(*) FROM events"), 1);
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "x";
    uint8_t buf[64];
    s_send(&other, "GetEmployer", buf, protobuf_c_message_pack(&get.base, buf), "tok_1:abc");
    s_wait(&other);
    cr_assert_eq(other.code, HC_INVALID_ARGUMENT);
    cr_assert_str_eq(other.field, "idempotency_key");
    /* A failed keyed request is not recorded: a corrected retry runs. */
    s_send_create(&other, "fail-k", "tok_1:def");
    s_wait(&other);
    cr_assert_eq(other.code, HC_INVALID_ARGUMENT);
    cr_assert_eq(s_query_int("SELECT count(*) FROM hc_idempotency"), 1);
}

Test(service, unknown_method_and_garbage_body)
{
    result r;
    s_send(&r, "DropAllTables", (const uint8_t *)"", 0, NULL);
    s_wait(&r);
    cr_assert_eq(r.code, HC_UNIMPLEMENTED);
    s_send(&r, "ListEmployers", (const uint8_t *)"", 0, NULL);
    s_wait(&r);
    cr_assert_eq(r.code, HC_UNIMPLEMENTED, "an rpc without a handler");
    s_send(&r, "CreateEmployer", (const uint8_t *)"\xff\xff\xff\x01", 4, NULL);
    s_wait(&r);
    cr_assert_eq(r.code, HC_INVALID_ARGUMENT);
    s_send(&r, "CreateEmployer", (const uint8_t *)"", 0, NULL);
    s_wait(&r);
    cr_assert_eq(r.code, HC_INVALID_ARGUMENT, "required fields missing");
    cr_assert_eq(atomic_load(&s_create_calls), 0);
    s_send_create(&r, "still serving", NULL);
    s_wait(&r);
    cr_assert_eq(r.code, HC_OK);
}

Test(service, survives_a_gateway_restart)
{
    hc_broker_destroy(&s_broker);
    zloop_destroy(&s_loop);
    hc_error err;
    s_broker = hc_broker_new(s_broker_ep, &err);
    cr_assert_not_null(s_broker, "%s", err.message);
    s_loop = zloop_new();
    cr_assert_eq(hc_broker_start(s_broker, s_loop), HC_OK);
    s_wait_live(1, 6000);
    result r;
    s_send_create(&r, "after restart", NULL);
    s_wait(&r);
    cr_assert_eq(r.code, HC_OK);
}

/* A broker that vanished without a word (kill -9) is replaced by one that
   never answers: after 3 s of silence the service reconnects with a new
   DEALER (a new identity at the ROUTER) and sends READY again. */
Test(service, silent_broker_means_reconnect)
{
    hc_broker_destroy(&s_broker);
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    cr_assert_eq(zsock_bind(router, "%s", s_broker_ep), 0);
    zsock_set_rcvtimeo(router, 200);
    hc_arena *arena = hc_arena_new();
    char *first = NULL;
    bool reconnected = false;
    int64_t until = zclock_mono() + 6000;
    while (!reconnected && zclock_mono() < until) {
        zmsg_t *msg = zmsg_recv(router);
        if (!msg)
            continue;
        char *who = zframe_strhex(zmsg_first(msg));
        zframe_t *frame = zmsg_last(msg);
        Hcap__WorkerMessage *wm = (Hcap__WorkerMessage *)hc_msg_unpack(
            &hcap__worker_message__descriptor, zframe_data(frame), zframe_size(frame), arena);
        cr_assert_not_null(wm);
        if (!first)
            first = strdup(who);
        else if (strcmp(who, first) != 0) {
            cr_assert_eq(wm->command, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY);
            cr_assert_str_eq(wm->service, "testsvc");
            cr_assert_str_eq(wm->instance, "svc-1");
            reconnected = true;
        }
        free(who);
        zmsg_destroy(&msg);
    }
    cr_assert(reconnected, "no READY from a fresh socket within 6 s");
    free(first);
    hc_arena_destroy(&arena);
    zsock_destroy(&router);
}

Test(service, sigterm_disconnects_and_exits_zero)
{
    result r;
    s_send_create(&r, "before stop", NULL);
    s_wait(&r);
    int64_t start = zclock_mono();
    s_stop_service();
    cr_assert_eq(s_thread_rc, 0);
    s_wait_live(0, 2000);
    cr_assert_lt(zclock_mono() - start, 2500, "DISCONNECT, not the 3 s liveness timeout");
}

/* --- the local invoke API (no sockets) --- */

Test(service_local, invoke_runs_a_batch_of_one, .timeout = 20)
{
    s_make_dir();
    hc_error err;
    hc_service *service = hc_service_new_local(&s_def, s_dir, "n1", &err);
    cr_assert_not_null(service, "%s", err.message);
    cr_assert_str_eq(hc_service_node_id(service), "n1");
    cr_assert_not_null(hc_service_state(service));
    cr_assert_str_eq(hc_eventlog_source(hc_service_log(service)), "n1/testsvc");
    hc_arena *arena = hc_arena_new();
    Hcap__CreateEmployerRequest req = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    req.name = "Sutter";
    req.sector = HCAP__SECTOR__SECTOR_AMBULATORY;
    ProtobufCMessage *out = NULL;
    cr_assert_eq(hc_service_invoke(service, "CreateEmployer", &req.base, NULL, arena, &out, &err),
                 HC_OK, "%s", err.message);
    Hcap__Employer *employer = (Hcap__Employer *)out;
    cr_assert_str_eq(employer->name, "Sutter");
    cr_assert_eq(s_employers_outside(), 1, "committed");

    req.name = "boom-local";
    cr_assert_eq(hc_service_invoke(service, "CreateEmployer", &req.base, NULL, arena, &out, &err),
                 HC_FAILED_PRECONDITION);
    cr_assert_null(out);
    cr_assert_str_eq(err.message, "boom after writing");
    cr_assert_eq(s_employers_outside(), 1, "nothing written");
    cr_assert_eq(hc_eventlog_head(hc_service_log(service)), 1);

    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = employer->id;
    cr_assert_eq(hc_service_invoke(service, "GetEmployer", &get.base, NULL, arena, &out, &err),
                 HC_OK);
    cr_assert_str_eq(((Hcap__Employer *)out)->name, "Sutter");
    cr_assert_eq(hc_service_invoke(service, "ListEmployers", NULL, NULL, arena, &out, &err),
                 HC_UNIMPLEMENTED);
    cr_assert_eq(hc_service_invoke(service, "CreateEmployer", &get.base, NULL, arena, &out, &err),
                 HC_INVALID_ARGUMENT, "input of the wrong type");
    cr_assert_eq(hc_service_invoke(service, "CreateEmployer", NULL, NULL, arena, &out, &err),
                 HC_INVALID_ARGUMENT, "empty input lacks required fields");
    hc_arena_destroy(&arena);
    hc_service_destroy(&service);
    cr_assert_null(service);
    s_remove_dir();
}

/* A follower's batch: one transaction, each method in its own savepoint;
   a failing one leaves the others and the transaction as they were. */
Test(service_local, apply_runs_inside_the_callers_transaction, .timeout = 20)
{
    s_make_dir();
    hc_error err;
    hc_service *service = hc_service_new_local(&s_def, s_dir, "n1", &err);
    cr_assert_not_null(service, "%s", err.message);
    hc_store *store = hc_service_store(service);
    hc_arena *arena = hc_arena_new();
    Hcap__CreateEmployerRequest req = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    req.sector = HCAP__SECTOR__SECTOR_ACUTE;
    ProtobufCMessage *out = NULL;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK);
    req.name = "Kaiser";
    cr_assert_eq(hc_service_apply(service, "CreateEmployer", &req.base, arena, &out, &err), HC_OK,
                 "%s", err.message);
    cr_assert_str_eq(((Hcap__Employer *)out)->name, "Kaiser");
    req.name = "boom-apply";
    cr_assert_eq(hc_service_apply(service, "CreateEmployer", &req.base, arena, &out, &err),
                 HC_FAILED_PRECONDITION);
    cr_assert_null(out);
    cr_assert(hc_store_in_transaction(store), "the caller's transaction stays open");
    cr_assert_eq(s_employers_outside(), 0, "nothing is committed before the caller commits");
    cr_assert_eq(hc_store_commit(store, &err), HC_OK);
    cr_assert_eq(s_employers_outside(), 1, "the failing method's row was rolled back alone");
    cr_assert_eq(hc_eventlog_head(hc_service_log(service)), 1, "and its event");
    hc_arena_destroy(&arena);
    hc_service_destroy(&service);
    s_remove_dir();
}

Test(service_local, flags_help_and_bad_flag, .timeout = 20)
{
    char *help[] = {"hcap-testsvc", "--help", NULL};
    cr_assert_eq(hc_service_main(&s_def, 2, help), 0);
    char *bad[] = {"hcap-testsvc", "--frobnicate", NULL};
    cr_assert_eq(hc_service_main(&s_def, 2, bad), 2);
    char *extra[] = {"hcap-testsvc", "stray", NULL};
    cr_assert_eq(hc_service_main(&s_def, 2, extra), 2);
}

static void *s_refuse(hc_service *service, hc_error *err)
{
    (void)service;
    hc_error_set(err, HC_FAILED_PRECONDITION, NULL, "no signing key");
    return NULL;
}

Test(service_local, state_new_may_refuse, .timeout = 20)
{
    s_make_dir();
    hc_service_def def = s_def;
    def.state_new = s_refuse;
    hc_error err;
    cr_assert_null(hc_service_new_local(&def, s_dir, NULL, &err));
    cr_assert_eq(err.code, HC_FAILED_PRECONDITION);
    cr_assert_str_eq(err.message, "no signing key");
    s_remove_dir();
}

/* --- timers: a method the service runs on itself --- */

static atomic_int s_ticks;

static int s_tick(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)state;
    (void)in;
    atomic_fetch_add(&s_ticks, 1);
    Hcap__HealthReply *reply =
        (Hcap__HealthReply *)hc_call_new(call, &hcap__health_reply__descriptor);
    reply->status = "ok";
    *out = &reply->base;
    return HC_OK;
}

static const hc_handler s_tick_handlers[] = {{"Health", s_tick, 0}, {NULL, NULL, 0}};
static const hc_service_timer s_tick_often[] = {{"Health", 50}, {NULL, 0}};
static const hc_service_timer s_tick_hourly[] = {{"Health", 3600000}, {NULL, 0}};

static void *s_tick_thread(void *arg)
{
    char *argv[] = {"hcap-testsvc", "--data", s_dir, "--instance", "svc-t", NULL};
    s_thread_rc = hc_service_main(arg, 5, argv);
    return NULL;
}

/* Runs a service whose only timer is timers until ticks reach want (or 5 s
   pass) and stops it; returns the ticks counted while it ran. */
static int s_run_ticking(const hc_service_timer *timers, int want)
{
    hc_service_def def = {.name = "testsvc",
                          .descriptor = &hcap__gateway_service__descriptor,
                          .handlers = s_tick_handlers,
                          .migrations = s_migrations,
                          .timers = timers};
    s_make_dir();
    atomic_store(&s_ticks, 0);
    cr_assert_eq(pthread_create(&s_thread, NULL, s_tick_thread, &def), 0);
    s_thread_running = true;
    int64_t until = zclock_mono() + 5000;
    while (atomic_load(&s_ticks) < want && zclock_mono() < until)
        zclock_sleep(10);
    zclock_sleep(200);
    s_stop_service();
    cr_assert_eq(s_thread_rc, 0);
    int ticks = atomic_load(&s_ticks);
    zclock_sleep(150);
    cr_assert_eq(atomic_load(&s_ticks), ticks, "no tick once stopped");
    s_remove_dir();
    return ticks;
}

Test(service_local, a_timer_runs_once_at_start_then_every_interval, .timeout = 30)
{
    cr_assert_eq(s_run_ticking(s_tick_hourly, 1), 1, "an hourly timer runs at start, once");
    cr_assert_geq(s_run_ticking(s_tick_often, 6), 6, "a 50 ms timer keeps running");
}

Test(service_local, a_timer_method_must_take_empty, .timeout = 20)
{
    s_make_dir();
    static const hc_service_timer timers[] = {{"GetEmployer", 50}, {NULL, 0}};
    hc_service_def def = s_def;
    def.timers = timers;
    char *argv[] = {"hcap-testsvc", "--data", s_dir, NULL};
    cr_assert_eq(hc_service_main(&def, 3, argv), 1, "refuses to start");
    s_remove_dir();
}

/* --- instances and replicas --- */

static void *s_second_thread(void *arg)
{
    char **argv = arg;
    int argc = 0;
    while (argv[argc])
        argc++;
    hc_service_main(&s_def, argc, argv);
    return NULL;
}

static void s_start_second(char **argv)
{
    cr_assert_eq(pthread_create(&s_thread2, NULL, s_second_thread, argv), 0);
    s_thread2_running = true;
    s_wait_live(2, 5000);
}

static void s_send_get(result *r, const char *id, unsigned flags)
{
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = (char *)id;
    uint8_t buf[128];
    size_t size = protobuf_c_message_pack(&get.base, buf);
    memset(r, 0, sizeof *r);
    cr_assert_eq(hc_broker_request(s_broker, "testsvc", "GetEmployer", buf, size, NULL, NULL, 5000,
                                   flags, s_on_reply, r),
                 HC_OK);
}

/* Two instances on one store: both answer, writes through both leave one
   gapless log, and one of them (only) holds the store's lead. */
Test(service, a_second_instance_shares_the_store)
{
    static char *argv[] = {"hcap-testsvc", "--data",     s_dir,   "--node-id",
                           "n1",           "--instance", "svc-2", NULL};
    s_start_second(argv);
    bool seen[2] = {false, false};
    for (int i = 0; i < 12; i++) {
        result r;
        char name[16];
        snprintf(name, sizeof name, "inst-%d", i);
        s_send_create(&r, name, NULL);
        s_wait(&r);
        cr_assert_eq(r.code, HC_OK, "%s", r.message);
        seen[strcmp(r.instance, "svc-2") == 0] = true;
    }
    cr_assert(seen[0] && seen[1], "both instances took writes");
    cr_assert_eq(s_query_int("SELECT count(*) FROM events"), 12);
    cr_assert_eq(s_query_int("SELECT max(seq) - min(seq) + 1 FROM events"), 12, "gapless");
    char lock[160];
    snprintf(lock, sizeof lock, "%s.lock", s_db_path);
    int fd = open(lock, O_RDWR | O_CLOEXEC);
    cr_assert_geq(fd, 0, "no lock file");
    cr_assert_neq(flock(fd, LOCK_EX | LOCK_NB), 0, "an instance holds the lead");
    close(fd);
}

/* Waits (bounded) until the replica's store holds count employers. */
static bool s_replica_has(const char *path, int count, int timeout_ms)
{
    int64_t until = zclock_mono() + timeout_ms;
    int got = -1;
    do {
        sqlite3 *db = NULL;
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "SELECT count(*) FROM employers", -1, &stmt, NULL) ==
                SQLITE_OK &&
            sqlite3_step(stmt) == SQLITE_ROW)
            got = sqlite3_column_int(stmt, 0);
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        if (got == count)
            return true;
        zclock_sleep(20);
    } while (zclock_mono() < until);
    return false;
}

/* A replica follows the primary's log into DIR/<instance>.db, registers
   its reads, and the broker sends it reads only. */
Test(service, a_replica_follows_the_primary_and_takes_only_reads)
{
    static char *argv[] = {"hcap-testsvc", "--data",     s_dir,   "--node-id", "n1",
                           "--replica",    "--instance", "rep-1", NULL};
    s_start_second(argv);
    result r;
    s_send_create(&r, "Mercy", NULL);
    s_wait(&r);
    cr_assert_eq(r.code, HC_OK, "%s", r.message);
    hc_arena *arena = hc_arena_new();
    char *id = strdup(s_employer(&r, arena)->id);
    char path[160];
    snprintf(path, sizeof path, "%s/rep-1.db", s_dir);
    cr_assert(s_replica_has(path, 1, 1000), "the replica's store lacks the write after 1 s");
    for (int i = 0; i < 6; i++) {
        char name[16];
        snprintf(name, sizeof name, "Sutter-%d", i);
        s_send_create(&r, name, NULL);
        s_wait(&r);
        cr_assert_eq(r.code, HC_OK, "%s", r.message);
        cr_assert_str_eq(r.instance, "svc-1", "a write went to the replica");
    }
    cr_assert(s_replica_has(path, 7, 1000));
    bool replica_read = false;
    for (int i = 0; i < 6; i++) {
        s_send_get(&r, id, HC_BROKER_REPLICA);
        s_wait(&r);
        cr_assert_eq(r.code, HC_OK, "%s: %s", r.instance, r.message);
        replica_read |= strcmp(r.instance, "rep-1") == 0;
        s_send_get(&r, id, 0);
        s_wait(&r);
        cr_assert_str_eq(r.instance, "svc-1", "a read that must see the primary went elsewhere");
    }
    cr_assert(replica_read, "the replica took no read");
    free(id);
    hc_arena_destroy(&arena);
}

Test(service_local, a_replica_refuses_writes_and_applies_its_primarys_events, .timeout = 20)
{
    s_make_dir();
    hc_error err;
    hc_service *replica = hc_service_new_local_replica(&s_def, s_dir, "n1", &err);
    cr_assert_not_null(replica, "%s", err.message);
    cr_assert(hc_service_replica(replica));
    hc_arena *arena = hc_arena_new();
    Hcap__CreateEmployerRequest req = HCAP__CREATE_EMPLOYER_REQUEST__INIT;
    req.name = "Sutter";
    ProtobufCMessage *out = NULL;
    cr_assert_eq(hc_service_invoke(replica, "CreateEmployer", &req.base, NULL, arena, &out, &err),
                 HC_FAILED_PRECONDITION);
    cr_assert_str_eq(err.field, "replica");
    cr_assert(strstr(err.message, "goes to the primary"), "%s", err.message);
    cr_assert_eq(s_employers_outside(), 0, "nothing written");

    Hcap__Employer employer = HCAP__EMPLOYER__INIT;
    employer.id = "emp_1";
    employer.name = "Mercy";
    uint8_t body[64];
    Hcap__Event event = HCAP__EVENT__INIT;
    event.source = "n1/testsvc";
    event.epoch = "e1";
    event.seq = 1;
    event.type = "test.employer_created.v1";
    event.body.data = body;
    event.body.len = protobuf_c_message_pack(&employer.base, body);
    cr_assert_eq(hc_service_replicate(replica, &event, &err), HC_OK, "%s", err.message);
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = "emp_1";
    cr_assert_eq(hc_service_invoke(replica, "GetEmployer", &get.base, NULL, arena, &out, &err),
                 HC_OK, "%s", err.message);
    cr_assert_str_eq(((Hcap__Employer *)out)->name, "Mercy");
    event.body.len = 3;
    memcpy(body, "\xff\xff\xff", 3);
    cr_assert_eq(hc_service_replicate(replica, &event, &err), HC_INVALID_ARGUMENT);
    hc_arena_destroy(&arena);
    hc_service_destroy(&replica);

    hc_service *primary = hc_service_new_local(&s_def, s_dir, "n1", &err);
    cr_assert_eq(hc_service_replicate(primary, &event, &err), HC_FAILED_PRECONDITION);
    hc_service_destroy(&primary);
    hc_service_def plain = s_def;
    plain.replica_apply = NULL;
    char *argv[] = {"hcap-testsvc", "--data", s_dir, "--replica", NULL};
    cr_assert_eq(hc_service_main(&plain, 4, argv), 2, "no replica mode: a flag error");
    char *bad[] = {"hcap-testsvc", "--data", s_dir, "--replica", "--instance", "../x", NULL};
    cr_assert_eq(hc_service_main(&s_def, 6, bad), 2, "a replica's id names a file");
    s_remove_dir();
}
