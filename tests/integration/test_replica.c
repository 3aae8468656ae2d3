/* Read replicas: what is written at the primary through the gateway is
   readable at a replica within 1 s (asked directly, over a broker ROUTER
   of the test's own), and the replica refuses writes naming "replica" and
   the primary; with the primary stopped, the node's gateway answers reads
   from the replica and refuses writes with 503 naming the missing
   primary; a replica killed while writes go on catches up when hcap-node
   restarts it. */
#include "ht.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apprenticeship.pb-c.h"
#include "credentialing.pb-c.h"
#include "enrollment.pb-c.h"

#define S_VISIBLE_MS          1000 /* the MUST: a primary's write readable at the replica */
#define S_READY_MS            30000
#define S_CALL_MS             5000
#define S_DEGRADED_MS         10000 /* the broker's 3 s liveness, with room */
#define S_CATCH_UP_MS         15000
#define S_FAILED_PRECONDITION 9

static ht_node *s_node;
static ht_broker *s_broker;
static pid_t s_replica; /* started by hand */
static pid_t s_stopped; /* a process to SIGCONT before cleanup */

static void s_fini(void)
{
    if (s_stopped > 0)
        kill(s_stopped, SIGCONT);
    if (s_replica > 0)
        ht_proc_end(s_replica, SIGKILL, 10000);
    s_replica = s_stopped = 0;
    ht_broker_destroy(&s_broker);
    ht_node_destroy(&s_node);
    unsetenv("HCAP_ENROLLMENT_REPLICAS");
}

TestSuite(replica, .fini = s_fini);

/* Starts `hcap-<service> --replica` beside the node, connected to the
   test's broker; asserts its READY: role replica, listing the read
   `read` and not the write `write`. */
static void s_replica_start(const char *service, const char *read, const char *write)
{
    char endpoint[256], program[64], instance[64];
    snprintf(endpoint, sizeof endpoint, "ipc://%s/test-broker.ipc", s_node->dir);
    snprintf(program, sizeof program, "hcap-%s", service);
    snprintf(instance, sizeof instance, "%s-replica-t", service);
    s_broker = ht_broker_new(endpoint);
    cr_assert(s_broker);
    const char *args[] = {"--replica", "--instance", instance, "--broker", endpoint, NULL};
    s_replica = ht_node_spawn(s_node, program, args);
    cr_assert(s_replica > 0);
    json_t *ready = ht_broker_ready(s_broker, S_READY_MS);
    cr_assert(ready, "no READY from %s --replica within %d ms", program, S_READY_MS);
    cr_assert_str_eq(ht_jstr(ready, "role"), "replica", "%s", ht_jtext(ready));
    cr_assert_str_eq(ht_jstr(ready, "service"), service, "%s", ht_jtext(ready));
    cr_assert_str_eq(ht_jstr(ready, "instance"), instance, "%s", ht_jtext(ready));
    bool lists_read = false, lists_write = false;
    for (long i = 0; i < ht_jlen(ready, "reads"); i++) {
        lists_read |= strcmp(ht_jstr(ready, "reads.%ld", i), read) == 0;
        lists_write |= strcmp(ht_jstr(ready, "reads.%ld", i), write) == 0;
    }
    cr_assert(lists_read && !lists_write, "READY's reads: %s", ht_jtext(ready));
    json_decref(ready);
}

/* Polls method {"id": id} at the replica until it answers OK; returns
   the reply's JSON (new reference) and in *took_ms how long it took since
   written_at, asserting within S_VISIBLE_MS. */
static json_t *s_read_at_replica(const ProtobufCServiceDescriptor *service, const char *method,
                                 const char *id, int64_t written_at, int64_t *took_ms)
{
    char in[160];
    snprintf(in, sizeof in, "{\"id\":\"%s\"}", id);
    ht_broker_reply reply;
    int64_t took = 0;
    do {
        ht_broker_call(s_broker, service, method, in, &reply, S_CALL_MS);
        took = ht_now_ms() - written_at;
        if (reply.code == 0)
            break;
        cr_assert(reply.code == 5, "%s %s at the replica: code %d %s (%s)", method, id, reply.code,
                  reply.message, reply.field);
        ht_broker_reply_clear(&reply);
        ht_sleep_ms(5);
    } while (took < S_VISIBLE_MS);
    cr_assert_eq(reply.code, 0, "%s %s not readable at the replica %ld ms after it was written",
                 method, id, (long)took);
    cr_assert(took <= S_VISIBLE_MS, "%s %s readable at the replica only after %ld ms", method, id,
              (long)took);
    *took_ms = took;
    return reply.json;
}

/* POSTs body to path through the gateway (201 asserted); returns the id
   and sets *at to the moment the reply came. */
static char *s_create(const char *path, const char *body, int64_t *at)
{
    json_t *created = ht_expect(s_node, 201, "POST", path, body);
    *at = ht_now_ms();
    char *id = strdup(ht_jstr(created, "id"));
    json_decref(created);
    return id;
}

/* The same object read through the gateway (served by the primary while
   it is the only instance the gateway knows) equals the replica's, but
   for what the gateway adds on its way out (a verification URL on its
   own address). */
static void s_assert_same(const char *path, json_t *at_replica, int64_t took)
{
    json_t *at_primary = ht_expect(s_node, 200, "GET", path, NULL);
    json_object_del(at_primary, "verification_url");
    json_object_del(at_replica, "verification_url");
    cr_assert(json_equal(at_primary, at_replica), "%s: primary %s", path, ht_jtext(at_primary));
    cr_assert(json_equal(at_primary, at_replica), "%s: replica %s", path, ht_jtext(at_replica));
    json_decref(at_primary);
    cr_log_info("%s: at the replica %ld ms after the primary acknowledged it, the same", path,
                (long)took);
}

/* A write sent to the replica directly: refused, naming the replica and
   the primary. */
static void s_assert_refuses(const ProtobufCServiceDescriptor *service, const char *method,
                             const char *json_in)
{
    ht_broker_reply reply;
    int code = ht_broker_call(s_broker, service, method, json_in, &reply, S_CALL_MS);
    cr_assert_eq(code, S_FAILED_PRECONDITION, "%s at the replica: code %d %s", method, code,
                 reply.message);
    cr_assert_str_eq(reply.field, "replica", "%s", reply.message);
    cr_assert(strstr(reply.message, "replica") && strstr(reply.message, "primary"),
              "%s refused without saying writes go to the primary: %s", method, reply.message);
    cr_log_info("%s at the replica: failed_precondition (replica): %s", method, reply.message);
    ht_broker_reply_clear(&reply);
}

Test(replica, enrollment_reads_within_1s_at_the_replica_which_refuses_writes, .timeout = 300)
{
    s_node = ht_node_start(NULL, false);
    cr_assert(s_node);
    s_replica_start("enrollment", "GetWorker", "CreateWorker");
    for (int i = 0; i < 5; i++) {
        int64_t at = 0;
        char *id = s_create("/v1/workers",
                            ht_fmt("{\"given_name\":\"Rita\",\"family_name\":\"Replica%d\","
                                   "\"employment_status\":\"incumbent\",\"gender\":\"female\"}",
                                   i),
                            &at);
        int64_t took = 0;
        json_t *worker =
            s_read_at_replica(&hcap__enrollment_service__descriptor, "GetWorker", id, at, &took);
        s_assert_same(ht_fmt("/v1/workers/%s", id), worker, took);
        json_decref(worker);
        if (i == 4) {
            /* an update too: the replica holds the new state within 1 s */
            json_decref(ht_expect(s_node, 200, "PATCH", ht_fmt("/v1/workers/%s", id),
                                  "{\"job_title\":\"Replica Nurse\"}"));
            at = ht_now_ms();
            for (;;) {
                worker = s_read_at_replica(&hcap__enrollment_service__descriptor, "GetWorker", id,
                                           at, &took);
                const char *title = ht_jstr(worker, "job_title");
                bool updated = title && strcmp(title, "Replica Nurse") == 0;
                json_decref(worker);
                if (updated) {
                    cr_log_info("the update is at the replica after %ld ms", (long)took);
                    break;
                }
                cr_assert(ht_now_ms() - at <= S_VISIBLE_MS, "the update is not at the replica");
            }
        }
        free(id);
    }
    s_assert_refuses(&hcap__enrollment_service__descriptor, "CreateWorker",
                     "{\"given_name\":\"Never\",\"family_name\":\"Written\","
                     "\"employment_status\":\"incumbent\"}");
    json_t *found = ht_expect(s_node, 200, "GET", "/v1/workers?q=Written", NULL);
    cr_assert_eq(ht_jlen(found, "items"), 0, "a write refused by the replica exists: %s",
                 ht_jtext(found));
    json_decref(found);
    cr_assert_eq(ht_node_stop(s_node), 0);
}

Test(replica, credentialing_and_apprenticeship_replicas_read_within_1s_and_refuse_writes,
     .timeout = 300)
{
    s_node = ht_node_start(NULL, false);
    cr_assert(s_node);
    json_decref(ht_expect(s_node, 201, "POST", "/v1/credential-types",
                          "{\"code\":\"RP-CERT\",\"name\":\"Replica Certificate\","
                          "\"kind\":\"certificate\",\"issuer\":\"Test Board\"}"));
    json_decref(ht_expect(s_node, 201, "POST", "/v1/apprenticeship-programs",
                          "{\"code\":\"RP-APPR\",\"name\":\"Replica apprenticeship\","
                          "\"occupation\":\"CHW\",\"approach\":\"time_based\","
                          "\"ojl_hours\":2000,\"rti_hours\":144}"));
    char *employer = ht_new_employer(s_node, "Replica Care");
    char *worker = ht_new_worker(s_node, "Rhea", "Replica");
    s_replica_start("credentialing", "GetCredential", "AwardCredential");
    int64_t at = 0;
    char *credential = s_create("/v1/credentials",
                                ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"RP-CERT\","
                                       "\"issued_on\":\"2024-03-01\"}",
                                       worker),
                                &at);
    int64_t took = 0;
    json_t *read = s_read_at_replica(&hcap__credentialing_service__descriptor, "GetCredential",
                                     credential, at, &took);
    s_assert_same(ht_fmt("/v1/credentials/%s", credential), read, took);
    json_decref(read);
    s_assert_refuses(&hcap__credentialing_service__descriptor, "AwardCredential",
                     ht_fmt("{\"worker_id\":\"%s\",\"credential_code\":\"RP-CERT\","
                            "\"issued_on\":\"2024-04-01\"}",
                            worker));
    cr_assert_eq(ht_proc_end(s_replica, SIGTERM, 20000), 0);
    s_replica = 0;
    ht_broker_destroy(&s_broker);

    s_replica_start("apprenticeship", "GetApprentice", "RegisterApprentice");
    char *apprentice = s_create("/v1/apprentices",
                                ht_fmt("{\"worker_id\":\"%s\",\"program_code\":\"RP-APPR\","
                                       "\"employer_id\":\"%s\",\"start_date\":\"2024-01-02\"}",
                                       worker, employer),
                                &at);
    read = s_read_at_replica(&hcap__apprenticeship_service__descriptor, "GetApprentice", apprentice,
                             at, &took);
    s_assert_same(ht_fmt("/v1/apprentices/%s", apprentice), read, took);
    json_decref(read);
    s_assert_refuses(&hcap__apprenticeship_service__descriptor, "RegisterApprentice",
                     ht_fmt("{\"worker_id\":\"%s\",\"program_code\":\"RP-APPR\","
                            "\"employer_id\":\"%s\",\"start_date\":\"2024-02-02\"}",
                            worker, employer));
    cr_assert_eq(ht_proc_end(s_replica, SIGTERM, 20000), 0);
    s_replica = 0;
    free(credential), free(apprentice), free(worker), free(employer);
    cr_assert_eq(ht_node_stop(s_node), 0);
}

/* --- a replica run by hcap-node (HCAP_ENROLLMENT_REPLICAS=1) --- */

static void s_node_with_replica(void)
{
    setenv("HCAP_ENROLLMENT_REPLICAS", "1", 1);
    s_node = ht_node_start(NULL, false);
    unsetenv("HCAP_ENROLLMENT_REPLICAS");
    cr_assert(s_node);
}

/* The primary's log head and how far the replica's store has applied it
   (its follower's cursor), plus how many workers named family it holds. */
static int64_t s_replica_seq(void)
{
    ht_db *db = ht_db_open(s_node->dir, "enrollment-replica-1.db");
    if (!db)
        return -1;
    int64_t seq = ht_db_int(db, "SELECT coalesce(max(seq), 0) FROM hc_cursors", NULL);
    ht_db_close(&db);
    return seq;
}

static int64_t s_primary_head(void)
{
    ht_db *db = ht_db_open(s_node->dir, "enrollment.db");
    cr_assert(db);
    int64_t head = ht_db_int(db, "SELECT coalesce(max(seq), 0) FROM events", NULL);
    ht_db_close(&db);
    return head;
}

/* Waits until the replica's store has applied the primary's whole log;
   returns how long it took, asserting within timeout_ms. */
static int64_t s_replica_caught_up(int timeout_ms)
{
    int64_t start = ht_now_ms(), head = s_primary_head();
    while (s_replica_seq() < head && ht_now_ms() - start < timeout_ms)
        ht_sleep_ms(20);
    cr_assert(s_replica_seq() >= head, "the replica's store is at seq %ld of %ld after %d ms",
              (long)s_replica_seq(), (long)head, timeout_ms);
    return ht_now_ms() - start;
}

/* The /healthz row of enrollment: its status code and the row's counts. */
static int s_health(long *instances, long *replicas)
{
    json_t *health = NULL;
    int status = ht_json_call(s_node, "GET", "/healthz", NULL, NULL, &health);
    *instances = *replicas = -1;
    for (long i = 0; i < ht_jlen(health, "services"); i++) {
        const char *name = ht_jstr(health, "services.%ld.name", i);
        if (name && strcmp(name, "enrollment") == 0) {
            *instances = (long)ht_jint(health, "services.%ld.instances", i);
            *replicas = (long)ht_jint(health, "services.%ld.replicas", i);
        }
    }
    json_decref(health);
    return status;
}

static bool s_wait_health(int want_status, long want_instances, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    long instances = 0, replicas = 0;
    while (ht_now_ms() < deadline) {
        if (s_health(&instances, &replicas) == want_status && instances == want_instances &&
            replicas == 1)
            return true;
        ht_sleep_ms(50);
    }
    return false;
}

Test(replica, with_the_primary_stopped_the_gateway_reads_from_the_replica_and_refuses_writes,
     .timeout = 300)
{
    s_node_with_replica();
    cr_assert(s_wait_health(200, 2, S_READY_MS),
              "/healthz: enrollment with 2 instances, 1 replica");
    char *ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = ht_new_worker(s_node, "Sam", ht_fmt("Stopped%d", i));
    /* (read only once the replica has them: the gateway spreads reads over
       the primary and the replica, which may lag by a few milliseconds) */
    s_replica_caught_up(S_CATCH_UP_MS);
    json_t *before = ht_expect(s_node, 200, "GET", ht_fmt("/v1/workers/%s", ids[0]), NULL);
    pid_t primary = ht_node_child_arg(s_node, "hcap-enrollment", "--instance enrollment-1 ");
    cr_assert(primary > 0, "no primary enrollment-1");
    cr_assert_eq(kill(primary, SIGSTOP), 0);
    s_stopped = primary;
    cr_assert(s_wait_health(503, 1, S_DEGRADED_MS),
              "/healthz is not 503 with only the replica of enrollment live");
    for (int i = 0; i < 4; i++) {
        json_t *worker = ht_expect(s_node, 200, "GET", ht_fmt("/v1/workers/%s", ids[i]), NULL);
        cr_assert_str_eq(ht_jstr(worker, "family_name"), ht_fmt("Stopped%d", i));
        if (i == 0)
            cr_assert(json_equal(worker, before), "the replica's %s differs from the primary's %s",
                      ht_jtext(worker), ht_jtext(before));
        json_decref(worker);
    }
    json_t *list = ht_expect(s_node, 200, "GET", "/v1/workers?q=Stopped", NULL);
    cr_assert_eq(ht_jlen(list, "items"), 4, "%s", ht_jtext(list));
    json_decref(list);
    json_t *refused = NULL;
    int status = ht_json_post(s_node, "/v1/workers",
                              "{\"given_name\":\"Sam\",\"family_name\":\"Refused\","
                              "\"employment_status\":\"incumbent\"}",
                              &refused);
    ht_assert_error("POST /v1/workers with the primary stopped", status, refused, 503,
                    "unavailable", NULL);
    const char *message = ht_jstr(refused, "error.message");
    cr_assert(strstr(message, "primary") && strstr(message, "enrollment"),
              "the 503 does not name the missing primary: %s", ht_jtext(refused));
    cr_log_info("a write with the primary stopped: 503 %s", message);
    json_decref(refused);
    kill(primary, SIGCONT);
    s_stopped = 0;
    cr_assert(s_wait_health(200, 2, S_DEGRADED_MS), "the primary did not come back");
    char *after = ht_new_worker(s_node, "Sam", "Resumed");
    free(after);
    for (int i = 0; i < 4; i++)
        free(ids[i]);
    json_decref(before);
    cr_assert_eq(ht_node_stop(s_node), 0);
}

Test(replica, a_replica_killed_while_writes_go_on_catches_up, .timeout = 300)
{
    s_node_with_replica();
    cr_assert(s_wait_health(200, 2, S_READY_MS),
              "/healthz: enrollment with 2 instances, 1 replica");
    pid_t replica = ht_node_child_arg(s_node, "hcap-enrollment", "--replica ");
    cr_assert(replica > 0, "hcap-node runs no enrollment replica");
    cr_assert_eq(kill(replica, SIGSTOP), 0);
    s_stopped = replica;
    for (int i = 0; i < 20; i++)
        free(ht_new_worker(s_node, "Kit", ht_fmt("Missed%02d", i)));
    cr_assert_eq(kill(replica, SIGKILL), 0);
    s_stopped = 0;
    int64_t killed_at = ht_now_ms();
    for (int i = 20; i < 30; i++)
        free(ht_new_worker(s_node, "Kit", ht_fmt("Missed%02d", i)));
    pid_t successor = 0;
    while ((successor = ht_node_child_arg(s_node, "hcap-enrollment", "--replica ")) <= 0 ||
           successor == replica) {
        cr_assert(ht_now_ms() - killed_at < S_CATCH_UP_MS, "the replica was not restarted");
        ht_sleep_ms(20);
    }
    int64_t took = s_replica_caught_up(S_CATCH_UP_MS);
    cr_log_info("the replica restarted as %d and caught up %ld ms later", (int)successor,
                (long)took);
    ht_db *primary = ht_db_open(s_node->dir, "enrollment.db");
    ht_db *copy = ht_db_open(s_node->dir, "enrollment-replica-1.db");
    cr_assert(primary && copy);
    const char *sql = "SELECT count(*) FROM workers WHERE family_name LIKE 'Missed%'";
    int64_t at_primary = ht_db_int(primary, sql, NULL), at_replica = ht_db_int(copy, sql, NULL);
    const char *ids = "SELECT group_concat(id || family_name, ',') FROM "
                      "(SELECT id, family_name FROM workers ORDER BY id)";
    char **a = ht_db_strings(primary, ids, NULL, NULL), **b = ht_db_strings(copy, ids, NULL, NULL);
    ht_db_close(&primary);
    ht_db_close(&copy);
    cr_assert(at_primary == 30 && at_replica == 30,
              "workers: %ld at the primary, %ld at the replica", (long)at_primary,
              (long)at_replica);
    cr_assert(a && b && a[0] && b[0]);
    cr_assert_str_eq(b[0], a[0], "the replica's workers differ from the primary's");
    ht_db_strings_free(a);
    ht_db_strings_free(b);
    cr_assert(s_wait_health(200, 2, S_READY_MS), "the restarted replica is not registered");
    cr_assert_eq(ht_node_stop(s_node), 0);
}
