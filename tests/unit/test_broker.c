/* Tests for hc_broker: fake service instances made of plain DEALER sockets
   register, answer, go silent or vanish; the broker runs on a zloop pumped
   by the test until a condition holds or a bounded wait ends. */
#include <criterion/criterion.h>
#include <unistd.h>
#include "hc_broker.h"
#include "hc_msg.h"

#define MAX_WORKERS 4

typedef struct {
    zsock_t *dealer;
    bool beating; /* the pump sends its heartbeats */
} fake_worker;

typedef struct {
    int calls;
    int code;
    char message[256];
    char instance[64];
    char body[64];
} result;

static char s_dir[64];
static char s_endpoint[128];
static hc_broker *s_broker;
static zloop_t *s_loop;
static fake_worker s_workers[MAX_WORKERS];
static hc_arena *s_arena;

static void s_setup(void)
{
    strcpy(s_dir, "/tmp/hc_broker_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_endpoint, sizeof s_endpoint, "ipc://%s/b.ipc", s_dir);
    hc_error err;
    s_broker = hc_broker_new(s_endpoint, &err);
    cr_assert_not_null(s_broker, "%s", err.message);
    s_loop = zloop_new();
    cr_assert_eq(hc_broker_start(s_broker, s_loop), HC_OK);
    s_arena = hc_arena_new();
}

static void s_teardown(void)
{
    for (int i = 0; i < MAX_WORKERS; i++)
        zsock_destroy(&s_workers[i].dealer);
    hc_broker_destroy(&s_broker);
    zloop_destroy(&s_loop);
    hc_arena_destroy(&s_arena);
    char path[128];
    snprintf(path, sizeof path, "%s/b.ipc", s_dir);
    unlink(path);
    rmdir(s_dir);
}

TestSuite(broker, .init = s_setup, .fini = s_teardown, .timeout = 30);

/* --- fake workers --- */

static void s_worker_send(fake_worker *w, Hcap__WorkerMessage *msg)
{
    zframe_t *frame = hc_msg_frame(&msg->base);
    cr_assert_eq(zframe_send(&frame, w->dealer, 0), 0);
}

static void s_worker_command(fake_worker *w, Hcap__WorkerMessage__Command cmd)
{
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = cmd;
    s_worker_send(w, &msg);
}

/* A fake instance; a replica when reads (NULL-terminated) is given. */
static fake_worker *s_instance_new(int index, const char *service, const char *instance,
                                   char **reads)
{
    fake_worker *w = &s_workers[index];
    w->dealer = zsock_new(ZMQ_DEALER);
    hc_sock_setup(w->dealer);
    cr_assert_eq(zsock_connect(w->dealer, "%s", s_endpoint), 0);
    w->beating = true;
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY;
    msg.service = (char *)service;
    msg.instance = (char *)instance;
    msg.role = reads ? "replica" : "primary";
    while (reads && reads[msg.n_reads])
        msg.n_reads++;
    msg.reads = reads;
    s_worker_send(w, &msg);
    return w;
}

static fake_worker *s_worker_new(int index, const char *service, const char *instance)
{
    return s_instance_new(index, service, instance, NULL);
}

/* The next message other than a heartbeat, or NULL after timeout_ms. */
static Hcap__WorkerMessage *s_worker_recv(fake_worker *w, int timeout_ms)
{
    int64_t until = zclock_mono() + timeout_ms;
    while (zclock_mono() < until) {
        zsock_set_rcvtimeo(w->dealer, (int)(until - zclock_mono()) + 1);
        zframe_t *frame = zframe_recv(w->dealer);
        if (!frame)
            return NULL;
        Hcap__WorkerMessage *msg = (Hcap__WorkerMessage *)hc_msg_unpack(
            &hcap__worker_message__descriptor, zframe_data(frame), zframe_size(frame), s_arena);
        zframe_destroy(&frame);
        cr_assert_not_null(msg, "the broker sent something that does not decode");
        if (msg->command != HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT)
            return msg;
    }
    return NULL;
}

static void s_worker_reply(fake_worker *w, uint64_t id, int code, const char *body)
{
    Hcap__Status status = HCAP__STATUS__INIT;
    status.code = (Hcap__Code)code;
    if (code != HC_OK)
        status.message = "handler said no";
    Hcap__ServiceReply reply = HCAP__SERVICE_REPLY__INIT;
    reply.id = id;
    reply.status = &status;
    if (body) {
        reply.has_body = true;
        reply.body.data = (uint8_t *)body;
        reply.body.len = strlen(body);
    }
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REPLY;
    msg.reply = &reply;
    s_worker_send(w, &msg);
}

/* --- pumping the broker's loop --- */

typedef bool(pump_fn)(void *arg);

typedef struct {
    pump_fn *done;
    void *arg;
    int64_t until;
    int64_t next_beat;
} pump;

static int s_pump_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    pump *p = arg;
    int64_t now = zclock_mono();
    if (now >= p->next_beat) {
        p->next_beat = now + 300;
        for (int i = 0; i < MAX_WORKERS; i++)
            if (s_workers[i].dealer && s_workers[i].beating)
                s_worker_command(&s_workers[i], HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT);
    }
    return (p->done && p->done(p->arg)) || now >= p->until ? -1 : 0;
}

/* Runs the loop until done(arg) or timeout_ms; returns whether done. */
static bool s_pump(pump_fn *done, void *arg, int timeout_ms)
{
    pump p = {done, arg, zclock_mono() + timeout_ms, 0};
    int id = zloop_timer(s_loop, 5, 0, s_pump_tick, &p);
    zloop_start(s_loop);
    zloop_timer_end(s_loop, id);
    return done ? done(arg) : true;
}

static bool s_called(void *arg)
{
    return ((result *)arg)->calls > 0;
}

static size_t s_want_live;
static bool s_live_is(void *arg)
{
    return hc_broker_instances(s_broker, arg) == s_want_live;
}

static void s_wait_live(const char *service, size_t live, int timeout_ms)
{
    s_want_live = live;
    cr_assert(s_pump(s_live_is, (void *)service, timeout_ms), "%s: %zu live, want %zu", service,
              hc_broker_instances(s_broker, service), live);
}

static void s_on_reply(void *arg, const hc_broker_reply *reply)
{
    result *r = arg;
    r->calls++;
    r->code = reply->code;
    snprintf(r->message, sizeof r->message, "%s", reply->message ? reply->message : "");
    snprintf(r->instance, sizeof r->instance, "%s", reply->instance ? reply->instance : "");
    snprintf(r->body, sizeof r->body, "%.*s", (int)reply->size,
             reply->body ? (const char *)reply->body : "");
}

static int s_request(result *r, const char *method, uint32_t deadline_ms, bool retryable)
{
    return hc_broker_request(s_broker, "enrollment", method, (const uint8_t *)"in", 2, NULL, NULL,
                             deadline_ms, retryable ? HC_BROKER_RETRY : 0, s_on_reply, r);
}

/* --- tests --- */

Test(broker, request_reaches_instance_and_reply_comes_back)
{
    fake_worker *w = s_worker_new(0, "enrollment", "enr-1");
    s_wait_live("enrollment", 1, 2000);
    Hcap__Principal principal = HCAP__PRINCIPAL__INIT;
    principal.name = "ana";
    principal.role = HCAP__ROLE__ROLE_STAFF;
    principal.token_id = "tok_1";
    result r = {0};
    int rc = hc_broker_request(s_broker, "enrollment", "CreateWorker", (const uint8_t *)"abc", 3,
                               &principal, "tok_1:k1", 1500, 0, s_on_reply, &r);
    cr_assert_eq(rc, HC_OK);
    Hcap__WorkerMessage *msg = s_worker_recv(w, 2000);
    cr_assert_not_null(msg);
    cr_assert_eq(msg->command, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST);
    cr_assert_str_eq(msg->request->method, "CreateWorker");
    cr_assert_eq(msg->request->body.len, 3);
    cr_assert_eq(memcmp(msg->request->body.data, "abc", 3), 0);
    cr_assert_str_eq(msg->request->principal->name, "ana");
    cr_assert_eq(msg->request->principal->role, HCAP__ROLE__ROLE_STAFF);
    cr_assert_str_eq(msg->request->idempotency_key, "tok_1:k1");
    cr_assert(msg->request->deadline_ms > 0 && msg->request->deadline_ms <= 1500);
    cr_assert_eq(r.calls, 0, "no callback before the reply");
    s_worker_reply(w, msg->request->id, HC_OK, "out");
    cr_assert(s_pump(s_called, &r, 2000));
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(r.code, HC_OK);
    cr_assert_str_eq(r.body, "out");
    cr_assert_str_eq(r.instance, "enr-1");
}

Test(broker, error_reply_carries_code_and_message)
{
    fake_worker *w = s_worker_new(0, "enrollment", "enr-1");
    s_wait_live("enrollment", 1, 2000);
    result r = {0};
    cr_assert_eq(s_request(&r, "GetWorker", 0, true), HC_OK);
    Hcap__WorkerMessage *msg = s_worker_recv(w, 2000);
    cr_assert_not_null(msg);
    s_worker_reply(w, msg->request->id, HC_NOT_FOUND, NULL);
    cr_assert(s_pump(s_called, &r, 2000));
    cr_assert_eq(r.code, HC_NOT_FOUND);
    cr_assert_str_eq(r.message, "handler said no");
}

Test(broker, no_live_instance_fails_at_once)
{
    result r = {0};
    cr_assert_eq(s_request(&r, "GetWorker", 0, true), HC_UNAVAILABLE);
    cr_assert_eq(r.calls, 1, "callback already ran");
    cr_assert_eq(r.code, HC_UNAVAILABLE);
    cr_assert_str_eq(r.message, "no live instance of enrollment");
    cr_assert_eq(hc_broker_instances(s_broker, "enrollment"), 0);
}

Test(broker, lru_rotates_across_instances)
{
    fake_worker *a = s_worker_new(0, "enrollment", "enr-a");
    fake_worker *b = s_worker_new(1, "enrollment", "enr-b");
    s_wait_live("enrollment", 2, 2000);
    result r[6] = {{0}};
    for (int i = 0; i < 6; i++)
        cr_assert_eq(s_request(&r[i], "GetWorker", 5000, true), HC_OK);
    uint64_t ids_a[6], ids_b[6];
    int na = 0, nb = 0;
    Hcap__WorkerMessage *msg;
    while ((msg = s_worker_recv(a, 300)) != NULL)
        ids_a[na++] = msg->request->id;
    while ((msg = s_worker_recv(b, 300)) != NULL)
        ids_b[nb++] = msg->request->id;
    cr_assert_eq(na, 3);
    cr_assert_eq(nb, 3);
    /* Strict alternation: consecutive ids land on the same instance 2 apart. */
    for (int i = 1; i < 3; i++) {
        cr_assert_eq(ids_a[i], ids_a[i - 1] + 2);
        cr_assert_eq(ids_b[i], ids_b[i - 1] + 2);
    }
    for (int i = 0; i < 3; i++) {
        s_worker_reply(a, ids_a[i], HC_OK, "a");
        s_worker_reply(b, ids_b[i], HC_OK, "b");
    }
    for (int i = 0; i < 6; i++) {
        cr_assert(s_pump(s_called, &r[i], 2000));
        cr_assert_eq(r[i].code, HC_OK);
    }
}

static fake_worker *s_holder(fake_worker *a, fake_worker *b, uint64_t *id)
{
    Hcap__WorkerMessage *msg = s_worker_recv(a, 300);
    fake_worker *got = a;
    if (!msg) {
        msg = s_worker_recv(b, 300);
        got = b;
    }
    cr_assert_not_null(msg, "the request reached no instance");
    *id = msg->request->id;
    return got;
}

Test(broker, silent_instance_retryable_request_goes_to_the_other)
{
    fake_worker *a = s_worker_new(0, "enrollment", "enr-a");
    fake_worker *b = s_worker_new(1, "enrollment", "enr-b");
    s_wait_live("enrollment", 2, 2000);
    result r = {0};
    cr_assert_eq(s_request(&r, "GetWorker", 10000, true), HC_OK);
    uint64_t id;
    fake_worker *first = s_holder(a, b, &id);
    fake_worker *other = first == a ? b : a;
    first->beating = false; /* alive socket, silent peer */
    int64_t start = zclock_mono();
    s_wait_live("enrollment", 1, 5000);
    int64_t silent_for = zclock_mono() - start;
    cr_assert_geq(silent_for, 2500, "declared dead after %lld ms", (long long)silent_for);
    Hcap__WorkerMessage *msg = s_worker_recv(other, 2000);
    cr_assert_not_null(msg, "retry did not reach the live instance");
    cr_assert_eq(msg->request->id, id, "same request id on retry");
    s_worker_reply(other, id, HC_OK, "retried");
    cr_assert(s_pump(s_called, &r, 2000));
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(r.code, HC_OK);
    cr_assert_str_eq(r.body, "retried");
    cr_assert_str_eq(r.instance, first == a ? "enr-b" : "enr-a");
}

Test(broker, vanished_instance_fails_a_write)
{
    fake_worker *a = s_worker_new(0, "enrollment", "enr-a");
    fake_worker *b = s_worker_new(1, "enrollment", "enr-b");
    s_wait_live("enrollment", 2, 2000);
    result r = {0};
    cr_assert_eq(s_request(&r, "CreateWorker", 10000, false), HC_OK);
    uint64_t id;
    fake_worker *first = s_holder(a, b, &id);
    fake_worker *other = first == a ? b : a;
    zsock_destroy(&first->dealer); /* gone without a word */
    cr_assert(s_pump(s_called, &r, 5000));
    cr_assert_eq(r.code, HC_UNAVAILABLE);
    cr_assert(strstr(r.message, "died"), "%s", r.message);
    cr_assert_null(s_worker_recv(other, 300), "a write is never retried");
    cr_assert_eq(hc_broker_instances(s_broker, "enrollment"), 1);
}

/* ROUTER_MANDATORY: sending to a peer that is gone fails at once; the
   instance is dead and the request (which never left) goes to the other. */
Test(broker, unreachable_instance_is_skipped_at_dispatch)
{
    fake_worker *a = s_worker_new(0, "enrollment", "enr-a");
    fake_worker *b = s_worker_new(1, "enrollment", "enr-b");
    s_wait_live("enrollment", 2, 2000);
    zsock_destroy(&a->dealer);
    zclock_sleep(100); /* the ROUTER notices the closed pipe */
    result r[2] = {{0}};
    cr_assert_eq(s_request(&r[0], "CreateWorker", 5000, false), HC_OK);
    cr_assert_eq(s_request(&r[1], "CreateWorker", 5000, false), HC_OK);
    cr_assert_eq(hc_broker_instances(s_broker, "enrollment"), 1, "no heartbeat needed");
    for (int i = 0; i < 2; i++) {
        Hcap__WorkerMessage *msg = s_worker_recv(b, 1000);
        cr_assert_not_null(msg, "request %d did not reach the live instance", i);
        s_worker_reply(b, msg->request->id, HC_OK, "b");
    }
    for (int i = 0; i < 2; i++) {
        cr_assert(s_pump(s_called, &r[i], 2000));
        cr_assert_eq(r[i].code, HC_OK);
        cr_assert_str_eq(r[i].instance, "enr-b");
    }
}

Test(broker, deadline_then_late_reply_dropped)
{
    fake_worker *w = s_worker_new(0, "enrollment", "enr-1");
    s_wait_live("enrollment", 1, 2000);
    result r = {0};
    int64_t start = zclock_mono();
    cr_assert_eq(s_request(&r, "GetWorker", 200, true), HC_OK);
    Hcap__WorkerMessage *msg = s_worker_recv(w, 1000);
    cr_assert_not_null(msg);
    cr_assert(s_pump(s_called, &r, 2000));
    int64_t took = zclock_mono() - start;
    cr_assert_eq(r.code, HC_DEADLINE_EXCEEDED);
    cr_assert(took >= 200 && took < 600, "deadline after %lld ms", (long long)took);
    s_worker_reply(w, msg->request->id, HC_OK, "late");
    s_pump(NULL, NULL, 200);
    cr_assert_eq(r.calls, 1, "callback runs exactly once");
    cr_assert_eq(hc_broker_instances(s_broker, "enrollment"), 1);
}

Test(broker, garbage_is_ignored)
{
    zsock_t *junk = zsock_new(ZMQ_DEALER);
    cr_assert_eq(zsock_connect(junk, "%s", s_endpoint), 0);
    zstr_send(junk, "this is not protobuf \xff\xff\xff");
    zstr_sendx(junk, "two", "frames", NULL);
    zframe_t *empty = zframe_new(NULL, 0);
    zframe_send(&empty, junk, 0);
    fake_worker *w = s_worker_new(0, "enrollment", "enr-1");
    s_wait_live("enrollment", 1, 2000);
    /* A registered instance sending junk stays registered and serving. */
    zstr_send(w->dealer, "\x08\x63\x12");
    zstr_send(w->dealer, "\xff");
    s_pump(NULL, NULL, 100);
    result r = {0};
    cr_assert_eq(s_request(&r, "GetWorker", 2000, true), HC_OK);
    Hcap__WorkerMessage *msg = s_worker_recv(w, 2000);
    cr_assert_not_null(msg);
    s_worker_reply(w, msg->request->id, HC_OK, "fine");
    cr_assert(s_pump(s_called, &r, 2000));
    cr_assert_eq(r.code, HC_OK);
    cr_assert_eq(hc_broker_instances(s_broker, "enrollment"), 1);
    zsock_destroy(&junk);
}

Test(broker, unknown_peer_is_told_to_register)
{
    fake_worker *w = &s_workers[0];
    w->dealer = zsock_new(ZMQ_DEALER);
    cr_assert_eq(zsock_connect(w->dealer, "%s", s_endpoint), 0);
    s_worker_command(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT);
    s_pump(NULL, NULL, 100);
    Hcap__WorkerMessage *msg = s_worker_recv(w, 1000);
    cr_assert_not_null(msg);
    cr_assert_eq(msg->command, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
    cr_assert_eq(hc_broker_instances(s_broker, "enrollment"), 0);
}

Test(broker, heartbeats_flow_and_disconnect_unregisters)
{
    fake_worker *w = s_worker_new(0, "enrollment", "enr-1");
    s_wait_live("enrollment", 1, 2000);
    s_pump(NULL, NULL, 1300);
    zsock_set_rcvtimeo(w->dealer, 500);
    zframe_t *frame = zframe_recv(w->dealer);
    cr_assert_not_null(frame, "no heartbeat from the broker within 1.8 s");
    Hcap__WorkerMessage *msg = (Hcap__WorkerMessage *)hc_msg_unpack(
        &hcap__worker_message__descriptor, zframe_data(frame), zframe_size(frame), s_arena);
    zframe_destroy(&frame);
    cr_assert_not_null(msg);
    cr_assert_eq(msg->command, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT);
    s_worker_command(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
    s_wait_live("enrollment", 0, 2000);
}

static void s_count_service(void *arg, const char *service, size_t live)
{
    cr_assert_str_eq(service, "enrollment");
    *(size_t *)arg += 1 + live * 10;
}

Test(broker, foreach_and_destroy_fail_pending)
{
    fake_worker *w = s_worker_new(0, "enrollment", "enr-1");
    s_wait_live("enrollment", 1, 2000);
    size_t seen = 0;
    hc_broker_foreach(s_broker, s_count_service, &seen);
    cr_assert_eq(seen, 11, "one service with one live instance");
    result r = {0};
    cr_assert_eq(s_request(&r, "CreateWorker", 5000, false), HC_OK);
    cr_assert_not_null(s_worker_recv(w, 1000));
    hc_broker_destroy(&s_broker);
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(r.code, HC_UNAVAILABLE);
    Hcap__WorkerMessage *msg = s_worker_recv(w, 1000);
    cr_assert_not_null(msg);
    cr_assert_eq(msg->command, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
}

/* --- what instances say of their logs and followers --- */

typedef struct {
    char service[32], instance[32];
    bool has_log_head;
    uint64_t log_head;
    size_t n_followers;
    char source[32];
    uint64_t seq, head;
    double seconds_behind;
    uint32_t dead_letters;
} seen_instance;

typedef struct {
    seen_instance items[MAX_WORKERS];
    size_t count;
} seen_instances;

static void s_on_instance(void *arg, const hc_broker_instance *inst)
{
    seen_instances *seen = arg;
    cr_assert_lt(seen->count, MAX_WORKERS);
    seen_instance *it = &seen->items[seen->count++];
    memset(it, 0, sizeof *it);
    snprintf(it->service, sizeof it->service, "%s", inst->service);
    snprintf(it->instance, sizeof it->instance, "%s", inst->instance);
    it->has_log_head = inst->has_log_head;
    it->log_head = inst->log_head;
    it->n_followers = inst->n_followers;
    if (inst->n_followers > 0) {
        snprintf(it->source, sizeof it->source, "%s", inst->followers[0].source);
        it->seq = inst->followers[0].seq;
        it->head = inst->followers[0].head;
        it->seconds_behind = inst->followers[0].seconds_behind;
        it->dead_letters = inst->followers[0].dead_letters;
    }
}

static seen_instances s_seen;

static bool s_seen_head(void *arg)
{
    memset(&s_seen, 0, sizeof s_seen);
    hc_broker_foreach_instance(s_broker, s_on_instance, &s_seen);
    return s_seen.count == 1 && s_seen.items[0].log_head == *(uint64_t *)arg;
}

/* A READY or HEARTBEAT carrying the log head and one follower. */
static void s_worker_report(fake_worker *w, Hcap__WorkerMessage__Command cmd, uint64_t log_head,
                            const char *source, uint64_t seq, uint64_t head, uint32_t dead)
{
    Hcap__FollowerStatus status = HCAP__FOLLOWER_STATUS__INIT;
    status.source = (char *)source;
    status.seq = seq;
    status.head = head;
    status.seconds_behind = head > seq ? 2.5 : 0;
    status.has_dead_letters = true;
    status.dead_letters = dead;
    Hcap__FollowerStatus *followers[] = {&status};
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = cmd;
    msg.service = "reporting";
    msg.instance = "rep-1";
    msg.role = "primary";
    msg.has_log_head = true;
    msg.log_head = log_head;
    msg.n_followers = source ? 1 : 0;
    msg.followers = source ? followers : NULL;
    s_worker_send(w, &msg);
}

Test(broker, instances_report_their_log_head_and_followers)
{
    fake_worker *w = &s_workers[0];
    w->dealer = zsock_new(ZMQ_DEALER);
    hc_sock_setup(w->dealer);
    cr_assert_eq(zsock_connect(w->dealer, "%s", s_endpoint), 0);
    w->beating = false; /* its heartbeats are the reports below */
    s_worker_report(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY, 7, "enrollment", 40, 52, 1);
    uint64_t want = 7;
    cr_assert(s_pump(s_seen_head, &want, 2000), "READY's log head is kept");
    seen_instance *it = &s_seen.items[0];
    cr_assert_str_eq(it->service, "reporting");
    cr_assert_str_eq(it->instance, "rep-1");
    cr_assert(it->has_log_head);
    cr_assert_eq(it->n_followers, 1);
    cr_assert_str_eq(it->source, "enrollment");
    cr_assert_eq(it->seq, 40);
    cr_assert_eq(it->head, 52);
    cr_assert_float_eq(it->seconds_behind, 2.5, 1e-9);
    cr_assert_eq(it->dead_letters, 1);

    s_worker_report(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT, 9, "enrollment", 52, 52,
                    0);
    want = 9;
    cr_assert(s_pump(s_seen_head, &want, 2000), "a HEARTBEAT replaces what READY said");
    cr_assert_eq(it->seq, 52);
    cr_assert_float_eq(it->seconds_behind, 0, 1e-9);
    cr_assert_eq(it->dead_letters, 0);

    s_worker_report(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT, 10, NULL, 0, 0, 0);
    want = 10;
    cr_assert(s_pump(s_seen_head, &want, 2000));
    cr_assert_eq(it->n_followers, 0, "a report without followers forgets the old ones");

    s_worker_command(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
    s_wait_live("reporting", 0, 2000);
    memset(&s_seen, 0, sizeof s_seen);
    hc_broker_foreach_instance(s_broker, s_on_instance, &s_seen);
    cr_assert_eq(s_seen.count, 0, "a gone instance reports nothing");
}

Test(broker, plain_heartbeats_report_no_head)
{
    s_worker_new(0, "enrollment", "enr-1");
    s_wait_live("enrollment", 1, 2000);
    s_pump(NULL, NULL, 400); /* the pump's plain heartbeats */
    memset(&s_seen, 0, sizeof s_seen);
    hc_broker_foreach_instance(s_broker, s_on_instance, &s_seen);
    cr_assert_eq(s_seen.count, 1);
    cr_assert_not(s_seen.items[0].has_log_head);
    cr_assert_eq(s_seen.items[0].n_followers, 0);
}

/* What the hub's last report said of its nodes, copied out of the callback. */
typedef struct {
    size_t n_nodes;
    char node[4][32];
    bool allowed[4];
    char last_seen[4][40];
    bool has_seconds[4];
    double seconds[4];
    uint64_t events[4], duplicates[4], batches[4];
} seen_nodes;

static void s_on_hub(void *arg, const hc_broker_instance *inst)
{
    seen_nodes *seen = arg;
    memset(seen, 0, sizeof *seen);
    seen->n_nodes = inst->n_nodes;
    for (size_t i = 0; i < inst->n_nodes && i < 4; i++) {
        const Hcap__NodeStatus *n = &inst->nodes[i];
        snprintf(seen->node[i], sizeof seen->node[i], "%s", n->node);
        seen->allowed[i] = n->allowed;
        snprintf(seen->last_seen[i], sizeof seen->last_seen[i], "%s",
                 n->last_seen ? n->last_seen : "-");
        seen->has_seconds[i] = n->has_seconds_since_seen;
        seen->seconds[i] = n->seconds_since_seen;
        seen->events[i] = n->events;
        seen->duplicates[i] = n->duplicates;
        seen->batches[i] = n->batches;
    }
}

static seen_nodes s_hub_seen;

static bool s_hub_nodes_are(void *arg)
{
    s_hub_seen.n_nodes = (size_t)-1;
    hc_broker_foreach_instance(s_broker, s_on_hub, &s_hub_seen);
    return s_hub_seen.n_nodes == *(size_t *)arg;
}

/* A HEARTBEAT (or READY) of the hub with nodes[0..n). */
static void s_hub_report(fake_worker *w, Hcap__WorkerMessage__Command cmd, Hcap__NodeStatus **nodes,
                         size_t n)
{
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = cmd;
    msg.service = "central";
    msg.instance = "cen-1";
    msg.role = "primary";
    msg.n_nodes = n;
    msg.nodes = nodes;
    s_worker_send(w, &msg);
}

Test(broker, the_hubs_nodes_are_kept_like_its_followers)
{
    fake_worker *w = &s_workers[0];
    w->dealer = zsock_new(ZMQ_DEALER);
    hc_sock_setup(w->dealer);
    cr_assert_eq(zsock_connect(w->dealer, "%s", s_endpoint), 0);
    w->beating = false;
    Hcap__NodeStatus west = HCAP__NODE_STATUS__INIT, north = HCAP__NODE_STATUS__INIT;
    west.node = "west";
    west.allowed = true;
    west.last_seen = "2026-11-01T10:00:00.000Z";
    west.has_seconds_since_seen = west.has_events = west.has_duplicates = west.has_batches = true;
    west.seconds_since_seen = 2.5;
    west.events = 1200;
    west.duplicates = 30;
    west.batches = 7;
    north.node = "north";
    Hcap__NodeStatus nameless = HCAP__NODE_STATUS__INIT;
    nameless.node = "";
    Hcap__NodeStatus *nodes[] = {&west, &nameless, &north};
    s_hub_report(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY, nodes, 3);
    size_t want = 2;
    cr_assert(s_pump(s_hub_nodes_are, &want, 2000), "READY's nodes are kept, a nameless one not");
    cr_assert_str_eq(s_hub_seen.node[0], "west");
    cr_assert(s_hub_seen.allowed[0]);
    cr_assert_str_eq(s_hub_seen.last_seen[0], "2026-11-01T10:00:00.000Z");
    cr_assert(s_hub_seen.has_seconds[0]);
    cr_assert_float_eq(s_hub_seen.seconds[0], 2.5, 1e-9);
    cr_assert_eq(s_hub_seen.events[0], 1200);
    cr_assert_eq(s_hub_seen.duplicates[0], 30);
    cr_assert_eq(s_hub_seen.batches[0], 7);
    cr_assert_str_eq(s_hub_seen.node[1], "north");
    cr_assert_not(s_hub_seen.allowed[1]);
    cr_assert_str_eq(s_hub_seen.last_seen[1], "-");
    cr_assert_not(s_hub_seen.has_seconds[1]);

    s_hub_report(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT, nodes, 1);
    want = 1;
    cr_assert(s_pump(s_hub_nodes_are, &want, 2000), "a HEARTBEAT replaces what READY said");
    s_hub_report(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT, NULL, 0);
    want = 0;
    cr_assert(s_pump(s_hub_nodes_are, &want, 2000), "a report without nodes forgets them");
    s_worker_command(w, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT);
    s_wait_live("central", 0, 2000);
}

/* --- replicas --- */

static int s_read(result *r, const char *method, unsigned flags)
{
    return hc_broker_request(s_broker, "enrollment", method, (const uint8_t *)"in", 2, NULL, NULL,
                             5000, flags, s_on_reply, r);
}

/* Writes and primary-only reads never reach a replica; reads it listed
   are spread over both. */
Test(broker, a_replica_takes_only_the_reads_it_listed)
{
    static char *reads[] = {"GetWorker", NULL};
    fake_worker *p = s_worker_new(0, "enrollment", "enr-1");
    fake_worker *rep = s_instance_new(1, "enrollment", "enr-replica-1", reads);
    s_wait_live("enrollment", 2, 2000);
    cr_assert_eq(hc_broker_replicas(s_broker, "enrollment"), 1);
    result r[8] = {{0}};
    s_read(&r[0], "CreateWorker", 0);
    s_read(&r[1], "CreateWorker", HC_BROKER_RETRY);
    s_read(&r[2], "GetWorker", HC_BROKER_RETRY);
    s_read(&r[3], "ListWorkers", HC_BROKER_RETRY | HC_BROKER_REPLICA);
    for (int i = 4; i < 8; i++)
        s_read(&r[i], "GetWorker", HC_BROKER_RETRY | HC_BROKER_REPLICA);
    int at_primary = 0, at_replica = 0;
    Hcap__WorkerMessage *msg;
    while ((msg = s_worker_recv(p, 300)) != NULL) {
        at_primary++;
        s_worker_reply(p, msg->request->id, HC_OK, "p");
    }
    while ((msg = s_worker_recv(rep, 300)) != NULL) {
        at_replica++;
        cr_assert_str_eq(msg->request->method, "GetWorker");
        s_worker_reply(rep, msg->request->id, HC_OK, "r");
    }
    cr_assert_eq(at_primary + at_replica, 8);
    cr_assert_eq(at_replica, 2, "the four spreadable reads alternate");
    for (int i = 0; i < 8; i++)
        cr_assert(s_pump(s_called, &r[i], 2000));
}

/* A replica that has not applied a write yet answers NOT_FOUND: the read
   is asked again at a primary, and with no primary live the replica's
   answer stands. */
Test(broker, a_replicas_not_found_is_asked_again_at_a_primary)
{
    static char *reads[] = {"GetWorker", NULL};
    fake_worker *rep = s_instance_new(1, "enrollment", "enr-replica-1", reads);
    s_wait_live("enrollment", 1, 2000);
    result r = {0};
    s_read(&r, "GetWorker", HC_BROKER_RETRY | HC_BROKER_REPLICA);
    Hcap__WorkerMessage *msg = s_worker_recv(rep, 1000);
    cr_assert_not_null(msg);
    s_worker_reply(rep, msg->request->id, HC_NOT_FOUND, NULL);
    cr_assert(s_pump(s_called, &r, 2000));
    cr_assert_eq(r.code, HC_NOT_FOUND, "no primary: the replica's answer");

    fake_worker *p = s_worker_new(0, "enrollment", "enr-1");
    s_wait_live("enrollment", 2, 2000);
    memset(&r, 0, sizeof r);
    uint64_t id = 0;
    for (int tries = 0; tries < 2 && !id; tries++) { /* LRU: make it land on the replica */
        s_read(&r, "GetWorker", HC_BROKER_RETRY | HC_BROKER_REPLICA);
        if ((msg = s_worker_recv(rep, 300)) != NULL)
            id = msg->request->id;
        else {
            msg = s_worker_recv(p, 1000);
            cr_assert_not_null(msg);
            s_worker_reply(p, msg->request->id, HC_OK, "p");
            cr_assert(s_pump(s_called, &r, 2000));
            memset(&r, 0, sizeof r);
        }
    }
    cr_assert_neq(id, 0, "no read reached the replica");
    s_worker_reply(rep, id, HC_NOT_FOUND, NULL);
    s_pump(NULL, NULL, 300); /* the broker takes the reply and asks again */
    msg = s_worker_recv(p, 2000);
    cr_assert_not_null(msg, "the primary was not asked");
    cr_assert_eq(msg->request->id, id);
    s_worker_reply(p, id, HC_OK, "found");
    cr_assert(s_pump(s_called, &r, 2000));
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(r.code, HC_OK);
    cr_assert_str_eq(r.body, "found");
    cr_assert_str_eq(r.instance, "enr-1");
}
