/* Tests of the gateway at a federated node, over HTTP: /healthz requires
   the services gateway/services names (a region's four by default,
   HCAP_GATEWAY_SERVICES or the option otherwise) and lists every other
   service that registered; the central hub's nodes show in /healthz and
   /metrics; an uplink's follower rows show like any other; GET /v1/nodes,
   GET /v1/uplink and the uplink's dead letters reach their services for
   the roles allowed. Fake instances are DEALERs on threads. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "federation.pb-c.h"
#include "gateway_server.h"
#include "hc_msg.h"
#include "ht_http.h"
#include "ht_os.h"

extern char **environ;

/* --- fake instances --- */

typedef struct {
    const char *service;
    const char *instance;
    bool hub;     /* reports two nodes */
    bool follows; /* reports the uplink's rows */
    bool replica; /* registers as a read replica */
    pthread_t thread;
    pthread_mutex_t lock;
    bool running, stop;
} fake;

static fake s_central = {
    .service = "central", .instance = "cen-1", .hub = true, .lock = PTHREAD_MUTEX_INITIALIZER};
static fake s_uplink = {
    .service = "uplink", .instance = "upl-1", .follows = true, .lock = PTHREAD_MUTEX_INITIALIZER};
static fake s_reporting = {
    .service = "reporting", .instance = "rep-1", .lock = PTHREAD_MUTEX_INITIALIZER};
static fake s_reporting_replica = {.service = "reporting",
                                   .instance = "rep-replica-1",
                                   .replica = true,
                                   .lock = PTHREAD_MUTEX_INITIALIZER};

static void s_send(zsock_t *dealer, Hcap__WorkerMessage *msg)
{
    zframe_t *frame = hc_msg_frame(&msg->base);
    zframe_send(&frame, dealer, 0);
}

static Hcap__FollowerStatus s_follower(const char *source, uint64_t seq, uint64_t head)
{
    Hcap__FollowerStatus f = HCAP__FOLLOWER_STATUS__INIT;
    f.source = (char *)source;
    f.seq = seq;
    f.head = head;
    f.seconds_behind = head > seq ? 3.5 : 0;
    f.has_dead_letters = true;
    return f;
}

/* READY or HEARTBEAT with what the fake reports of itself. */
static void s_report(fake *f, zsock_t *dealer, Hcap__WorkerMessage__Command command)
{
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = command;
    msg.service = (char *)f->service;
    msg.instance = (char *)f->instance;
    char *reads[] = {"GetOutcomes"};
    msg.role = f->replica ? "replica" : "primary";
    if (f->replica) {
        msg.n_reads = 1;
        msg.reads = reads;
    }
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
    Hcap__NodeStatus *nodes[] = {&west, &north};
    Hcap__FollowerStatus rows[] = {s_follower("enrollment", 40, 40),
                                   s_follower("central", 90, 100)};
    Hcap__FollowerStatus *followers[] = {&rows[0], &rows[1]};
    if (f->hub) {
        msg.n_nodes = 2;
        msg.nodes = nodes;
    }
    if (f->follows) {
        msg.n_followers = 2;
        msg.followers = followers;
    }
    s_send(dealer, &msg);
}

/* The reply of each method the fakes serve: a node list, the uplink's
   status, an empty page of dead letters. */
static void s_answer(zsock_t *dealer, const Hcap__ServiceRequest *req)
{
    hc_arena *arena = hc_arena_new();
    Hcap__NodeStatus node = HCAP__NODE_STATUS__INIT;
    node.node = "west";
    node.allowed = true;
    Hcap__NodeStatus *items[] = {&node};
    Hcap__NodeList nodes = HCAP__NODE_LIST__INIT;
    nodes.n_items = 1;
    nodes.items = items;
    Hcap__UplinkStatus status = HCAP__UPLINK_STATUS__INIT;
    status.node = "west";
    status.central = "tcp://127.0.0.1:7700";
    status.connected = true;
    status.pending = 4;
    Hcap__DeadLetterList dead = HCAP__DEAD_LETTER_LIST__INIT;
    const ProtobufCMessage *out = strcmp(req->method, "ListNodes") == 0   ? &nodes.base
                                  : strcmp(req->method, "GetStatus") == 0 ? &status.base
                                                                          : &dead.base;
    Hcap__Status ok = HCAP__STATUS__INIT;
    Hcap__ServiceReply reply = HCAP__SERVICE_REPLY__INIT;
    reply.id = req->id;
    reply.status = &ok;
    reply.has_body = true;
    reply.body.data = hc_msg_pack(out, arena, &reply.body.len);
    Hcap__WorkerMessage msg = HCAP__WORKER_MESSAGE__INIT;
    msg.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REPLY;
    msg.reply = &reply;
    s_send(dealer, &msg);
    hc_arena_destroy(&arena);
}

static char s_broker_ep[128];

static bool s_stopping(fake *f)
{
    pthread_mutex_lock(&f->lock);
    bool stop = f->stop;
    pthread_mutex_unlock(&f->lock);
    return stop;
}

/* Registers, answers requests and beats every 200 ms until stopped. */
static void *s_fake_main(void *arg)
{
    fake *f = arg;
    zsock_t *dealer = zsock_new_dealer(s_broker_ep);
    s_report(f, dealer, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_READY);
    int64_t beat = zclock_mono() + 200;
    while (!s_stopping(f)) {
        if (zsock_events(dealer) & ZMQ_POLLIN) {
            zframe_t *frame = zframe_recv(dealer);
            Hcap__WorkerMessage *msg =
                frame ? hcap__worker_message__unpack(NULL, zframe_size(frame), zframe_data(frame))
                      : NULL;
            if (msg && msg->command == HCAP__WORKER_MESSAGE__COMMAND__COMMAND_REQUEST)
                s_answer(dealer, msg->request);
            if (msg)
                hcap__worker_message__free_unpacked(msg, NULL);
            zframe_destroy(&frame);
            continue;
        }
        if (zclock_mono() >= beat) {
            s_report(f, dealer, HCAP__WORKER_MESSAGE__COMMAND__COMMAND_HEARTBEAT);
            beat = zclock_mono() + 200;
        }
        zclock_sleep(5);
    }
    Hcap__WorkerMessage bye = HCAP__WORKER_MESSAGE__INIT;
    bye.command = HCAP__WORKER_MESSAGE__COMMAND__COMMAND_DISCONNECT;
    s_send(dealer, &bye);
    zsock_set_linger(dealer, 200);
    zsock_destroy(&dealer);
    return NULL;
}

static void s_fake_start(fake *f)
{
    f->stop = false;
    cr_assert_eq(pthread_create(&f->thread, NULL, s_fake_main, f), 0);
    f->running = true;
}

static void s_fake_stop(fake *f)
{
    if (!f->running)
        return;
    pthread_mutex_lock(&f->lock);
    f->stop = true;
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    f->running = false;
}

/* --- the gateway on its thread --- */

static char *s_dir;
static char s_front_ep[128], s_token_path[160];
static gw_server *s_server;
static pthread_t s_server_thread;
static bool s_server_running;
static ht_node s_node;

static void *s_server_main(void *arg)
{
    (void)arg;
    gw_server_run(s_server);
    gw_server_destroy(&s_server);
    return NULL;
}

static void s_read_token(void)
{
    char *text = ht_read_file(s_token_path, NULL);
    cr_assert_not_null(text);
    text[strcspn(text, "\n")] = '\0';
    snprintf(s_node.token, sizeof s_node.token, "%s", text);
    free(text);
}

/* A gateway requiring services (comma-separated). */
static void s_gateway_start(const char *services)
{
    gw_options options = {.data_dir = s_dir,
                          .http = "127.0.0.1:0",
                          .broker = s_broker_ep,
                          .frontend = s_front_ep,
                          .admin_token_file = s_token_path,
                          .services = services,
                          .body_limit = 4096,
                          .deadline_ms = 2000,
                          .fanout_deadline_ms = 1000,
                          .idempotency_ttl_s = 3600};
    hc_error err;
    s_server = gw_server_new(&options, &err);
    cr_assert_not_null(s_server, "%s", err.message);
    s_node.port = gw_server_http_port(s_server);
    snprintf(s_node.http, sizeof s_node.http, "127.0.0.1:%d", s_node.port);
    s_read_token();
    cr_assert_eq(pthread_create(&s_server_thread, NULL, s_server_main, NULL), 0);
    s_server_running = true;
}

static void s_setup(void)
{
    s_dir = ht_tempdir();
    cr_assert_not_null(s_dir);
    snprintf(s_broker_ep, sizeof s_broker_ep, "ipc://%s/broker.ipc", s_dir);
    snprintf(s_front_ep, sizeof s_front_ep, "ipc://%s/gateway.ipc", s_dir);
    snprintf(s_token_path, sizeof s_token_path, "%s/admin.token", s_dir);
    memset(&s_node, 0, sizeof s_node);
}

static void s_teardown(void)
{
    if (s_server_running) {
        raise(SIGTERM);
        pthread_join(s_server_thread, NULL);
        s_server_running = false;
    }
    s_fake_stop(&s_central);
    s_fake_stop(&s_uplink);
    s_fake_stop(&s_reporting);
    s_fake_stop(&s_reporting_replica);
    ht_rmtree(s_dir);
    free(s_dir);
}

TestSuite(gateway_health, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* --- HTTP --- */

static int s_get(const char *path, const char *token, json_t **out)
{
    ht_req req = {.method = "GET", .path = path, .token = token, .timeout_ms = 10000};
    ht_resp resp;
    int status = ht_http(&s_node, &req, &resp);
    *out = resp.json ? json_incref(resp.json) : NULL;
    ht_resp_free(&resp);
    return status;
}

/* /healthz once its status is want (within 5 s); the body. */
static json_t *s_health_until(int want)
{
    int64_t until = ht_now_ms() + 5000;
    json_t *health = NULL;
    int status = 0;
    while ((status = s_get("/healthz", NULL, &health)) != want && ht_now_ms() < until) {
        json_decref(health);
        health = NULL;
        ht_sleep_ms(20);
    }
    cr_assert_eq(status, want, "/healthz %d: %s", status, health ? ht_jtext(health) : "-");
    return health;
}

/* /healthz once want services are listed and the hub's nodes are in. */
static json_t *s_health_listing(long services, long nodes)
{
    int64_t until = ht_now_ms() + 5000;
    json_t *health = NULL;
    while (ht_now_ms() < until) {
        s_get("/healthz", NULL, &health);
        if (health && ht_jlen(health, "services") == services && ht_jlen(health, "nodes") == nodes)
            return health;
        json_decref(health);
        health = NULL;
        ht_sleep_ms(20);
    }
    cr_assert_fail("/healthz never listed %ld services and %ld nodes", services, nodes);
    return NULL;
}

/* A new token of role (its JSON name). */
static char *s_token(const char *role)
{
    char body[96];
    snprintf(body, sizeof body, "{\"role\":\"%s\",\"name\":\"%s\"}", role, role);
    json_t *out = NULL;
    cr_assert_eq(ht_json_call(&s_node, "POST", "/v1/tokens", s_node.token, body, &out), 201);
    char *token = strdup(ht_jstr(out, "token"));
    json_decref(out);
    return token;
}

/* --- tests --- */

Test(gateway_health, only_the_configured_services_are_required_and_every_one_is_listed)
{
    s_gateway_start("central,reporting");
    s_fake_start(&s_central);
    s_fake_start(&s_uplink);
    json_t *health = s_health_listing(3, 2);
    cr_assert_str_eq(ht_jstr(health, "status"), "degraded", "reporting is required");
    cr_assert_str_eq(ht_jstr(health, "services.0.name"), "central");
    cr_assert_eq(ht_jint(health, "services.0.instances"), 1);
    cr_assert_str_eq(ht_jstr(health, "services.1.name"), "reporting");
    cr_assert_eq(ht_jint(health, "services.1.instances"), 0);
    cr_assert_str_eq(ht_jstr(health, "services.2.name"), "uplink", "registered, not required");
    json_decref(health);

    s_fake_start(&s_reporting);
    health = s_health_until(200);
    cr_assert_str_eq(ht_jstr(health, "status"), "ok");
    json_decref(health);
    s_fake_stop(&s_uplink);
    health = s_health_until(200);
    json_decref(health);
}

/* A replica counts as an instance but takes no writes: alone, the node
   is degraded and a write gets 503 naming the missing primary. */
Test(gateway_health, replicas_alone_leave_the_node_degraded_and_writes_unavailable)
{
    s_gateway_start("reporting");
    s_fake_start(&s_reporting_replica);
    json_t *health = s_health_listing(1, 0);
    while (ht_jint(health, "services.0.instances") != 1) {
        json_decref(health);
        health = s_health_listing(1, 0);
    }
    cr_assert_str_eq(ht_jstr(health, "status"), "degraded", "%s", ht_jtext(health));
    cr_assert_eq(ht_jint(health, "services.0.replicas"), 1);
    json_decref(health);
    json_t *out = NULL;
    const char *grant = "{\"code\":\"G-1\",\"name\":\"Grant\",\"start_date\":\"2026-01-01\","
                        "\"end_date\":\"2027-12-31\",\"deliverables\":[{\"code\":\"D1\","
                        "\"name\":\"Enrolled\",\"metric\":\"participants\",\"target\":10}]}";
    int status = ht_json_call(&s_node, "POST", "/v1/grants", s_node.token, grant, &out);
    cr_assert_eq(status, 503, "a write with only a replica: %d %s", status,
                 out ? ht_jtext(out) : "-");
    cr_assert(strstr(ht_jtext(out), "primary"), "%s", ht_jtext(out));
    json_decref(out);

    s_fake_start(&s_reporting);
    health = s_health_until(200);
    cr_assert_eq(ht_jint(health, "services.0.instances"), 2);
    cr_assert_eq(ht_jint(health, "services.0.replicas"), 1);
    json_decref(health);
}

Test(gateway_health, the_hubs_nodes_and_the_uplinks_rows_show_in_healthz_and_metrics)
{
    s_gateway_start("central");
    s_fake_start(&s_central);
    s_fake_start(&s_uplink);
    json_t *health = s_health_listing(2, 2);
    cr_assert_str_eq(ht_jstr(health, "nodes.0.node"), "north", "sorted by node");
    cr_assert(json_is_false(ht_jget(health, "nodes.0.allowed")));
    cr_assert(json_is_null(ht_jget(health, "nodes.0.last_seen")));
    cr_assert_str_eq(ht_jstr(health, "nodes.1.node"), "west");
    cr_assert(json_is_true(ht_jget(health, "nodes.1.allowed")));
    cr_assert_str_eq(ht_jstr(health, "nodes.1.last_seen"), "2026-11-01T10:00:00.000Z");
    cr_assert_float_eq(json_number_value(ht_jget(health, "nodes.1.seconds_since_seen")), 2.5, 1e-9);
    cr_assert_eq(ht_jint(health, "nodes.1.events"), 1200);
    cr_assert_eq(ht_jint(health, "nodes.1.duplicates"), 30);
    cr_assert_eq(ht_jint(health, "nodes.1.batches"), 7);
    cr_assert_eq(ht_jlen(health, "followers"), 2);
    cr_assert_str_eq(ht_jstr(health, "followers.0.service"), "uplink");
    cr_assert_str_eq(ht_jstr(health, "followers.0.source"), "central");
    cr_assert_eq(ht_jint(health, "followers.0.events_behind"), 10);
    cr_assert_str_eq(ht_jstr(health, "followers.1.source"), "enrollment");
    json_decref(health);

    ht_req req = {.method = "GET", .path = "/metrics", .token = s_node.token};
    ht_resp resp;
    cr_assert_eq(ht_http(&s_node, &req, &resp), 200);
    static const char *lines[] = {
        "hcap_central_node_events{node=\"west\"} 1200\n",
        "hcap_central_node_events{node=\"north\"} 0\n",
        "hcap_central_node_duplicates{node=\"west\"} 30\n",
        "hcap_central_node_allowed{node=\"north\"} 0\n",
        "hcap_central_node_allowed{node=\"west\"} 1\n",
        "hcap_central_node_seconds_since_seen{node=\"west\"} 2.5\n",
        "hcap_follower_events_behind{service=\"uplink\",source=\"central\"} 10\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        cr_expect_not_null(strstr(resp.body, lines[i]), "missing %s", lines[i]);
    cr_expect_null(strstr(resp.body, "hcap_central_node_seconds_since_seen{node=\"north\"}"));
    ht_resp_free(&resp);
}

Test(gateway_health, nodes_and_uplink_routes_reach_their_services_for_their_roles)
{
    s_gateway_start("central,uplink");
    s_fake_start(&s_central);
    s_fake_start(&s_uplink);
    json_decref(s_health_until(200));
    char *analyst = s_token("analyst"), *staff = s_token("staff"), *mentor = s_token("mentor");
    json_t *out = NULL;
    cr_assert_eq(s_get("/v1/nodes?limit=10", analyst, &out), 200);
    cr_assert_str_eq(ht_jstr(out, "items.0.node"), "west");
    json_decref(out);
    cr_assert_eq(s_get("/v1/nodes", mentor, &out), 403);
    json_decref(out);
    cr_assert_eq(s_get("/v1/nodes", NULL, &out), 401);
    json_decref(out);
    cr_assert_eq(s_get("/v1/uplink", staff, &out), 200);
    cr_assert_eq(ht_jint(out, "pending"), 4);
    cr_assert_str_eq(ht_jstr(out, "central"), "tcp://127.0.0.1:7700");
    json_decref(out);
    cr_assert_eq(s_get("/v1/uplink", analyst, &out), 403);
    json_decref(out);
    cr_assert_eq(s_get("/v1/events/dead?service=uplink", staff, &out), 200);
    cr_assert_eq(ht_jlen(out, "items"), 0);
    json_decref(out);
    free(analyst);
    free(staff);
    free(mentor);
}

/* --- the process's configuration --- */

/* hcap-gateway on a free port with env_extra added to the environment
   (NULL: none), until /healthz answers; its pid. */
static pid_t s_spawn_gateway(const char *env_extra)
{
    int port = ht_free_port();
    cr_assert_gt(port, 0);
    snprintf(s_node.http, sizeof s_node.http, "127.0.0.1:%d", port);
    s_node.port = port;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 2, sizeof *env);
    memcpy(env, environ, n * sizeof *env);
    env[n] = (char *)env_extra;
    char *argv[] = {HCAP_BIN_DIR "/hcap-gateway", "--data", s_dir, "--http", s_node.http, NULL};
    pid_t pid = 0;
    int rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, env);
    free(env);
    cr_assert_eq(rc, 0, "cannot run %s", argv[0]);
    int64_t until = ht_now_ms() + 20000;
    json_t *health = NULL;
    while (s_get("/healthz", NULL, &health) == 0 && ht_now_ms() < until)
        ht_sleep_ms(50);
    json_decref(health);
    return pid;
}

static void s_stop_gateway(pid_t pid)
{
    kill(pid, SIGTERM);
    cr_assert_eq(ht_wait_pid(pid, 10000), 0, "hcap-gateway exits 0 on SIGTERM");
}

Test(gateway_health, a_gateway_requires_a_regions_four_services_unless_configured)
{
    pid_t pid = s_spawn_gateway(NULL);
    json_t *health = NULL;
    cr_assert_eq(s_get("/healthz", NULL, &health), 503);
    const char *want[] = {"enrollment", "credentialing", "apprenticeship", "reporting"};
    cr_assert_eq(ht_jlen(health, "services"), 4, "%s", ht_jtext(health));
    for (int i = 0; i < 4; i++)
        cr_assert_str_eq(ht_jstr(health, "services.%d.name", i), want[i]);
    json_decref(health);
    s_stop_gateway(pid);

    pid = s_spawn_gateway("HCAP_GATEWAY_SERVICES=central,reporting");
    cr_assert_eq(s_get("/healthz", NULL, &health), 503);
    cr_assert_eq(ht_jlen(health, "services"), 2, "%s", ht_jtext(health));
    cr_assert_str_eq(ht_jstr(health, "services.0.name"), "central");
    cr_assert_str_eq(ht_jstr(health, "services.1.name"), "reporting");
    json_decref(health);
    s_stop_gateway(pid);
}
