/* Tests of hc_eventlog: gapless appends under savepoints and shared files,
   the epoch, FETCH over a real ipc:// socket, garbage requests, the doorbell,
   erasure rewrites. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include "hc_eventlog.h"
#include "hc_msg.h"
#include "hcap.pb-c.h"

static char s_dir[64];
static char s_path[128];
static char s_fetch_ep[128];
static char s_bell_ep[128];
static hc_store *s_store;
static hc_eventlog *s_log;
static zloop_t *s_loop;
static zsock_t *s_dealer;

static int s_remove(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/hcap-evlog-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_path, sizeof s_path, "%s/svc.db", s_dir);
    snprintf(s_fetch_ep, sizeof s_fetch_ep, "ipc://%s/svc-events.ipc", s_dir);
    snprintf(s_bell_ep, sizeof s_bell_ep, "ipc://%s/svc-bell.ipc", s_dir);
    hc_error err;
    s_store = hc_store_open(s_path, NULL, &err);
    cr_assert_not_null(s_store);
    s_log = hc_eventlog_new(s_store, "local/svc", &err);
    cr_assert_not_null(s_log, "%s", err.message);
}

static void s_teardown(void)
{
    zsock_destroy(&s_dealer);
    hc_eventlog_destroy(&s_log);
    zloop_destroy(&s_loop);
    hc_store_destroy(&s_store);
    nftw(s_dir, s_remove, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(eventlog, .init = s_setup, .fini = s_teardown, .timeout = 60);

static uint64_t s_append(hc_eventlog *log, const char *type, const char *subject, const char *id)
{
    Hcap__GetRequest body = HCAP__GET_REQUEST__INIT;
    body.id = (char *)id;
    uint64_t seq = 0;
    hc_error err;
    cr_assert_eq(hc_eventlog_append(log, type, subject, &body.base, &seq, &err), HC_OK, "%s",
                 err.message);
    return seq;
}

/* Appends count events in one committed transaction. */
static void s_commit_events(int count)
{
    hc_error err;
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    for (int i = 0; i < count; i++) {
        char id[32];
        snprintf(id, sizeof id, "id-%d", i);
        s_append(s_log, "test.thing_happened.v1", NULL, id);
    }
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);
}

static void s_serve(void)
{
    s_loop = zloop_new();
    hc_error err;
    cr_assert_eq(hc_eventlog_serve(s_log, s_loop, s_fetch_ep, s_bell_ep, &err), HC_OK, "%s",
                 err.message);
    s_dealer = zsock_new(ZMQ_DEALER);
    hc_sock_setup(s_dealer);
    cr_assert_eq(zsock_connect(s_dealer, "%s", s_fetch_ep), 0);
}

static int s_on_reply(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    zmsg_t *msg = zmsg_recv(sock);
    *(zframe_t **)arg = msg ? zmsg_pop(msg) : NULL;
    zmsg_destroy(&msg);
    return -1;
}

static int s_on_deadline(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    (void)arg;
    return -1;
}

/* Sends msg on the DEALER and runs the loop until a reply or wait_ms. */
static Hcap__FetchReply *s_exchange(zmsg_t *msg, int wait_ms)
{
    cr_assert_eq(zmsg_send(&msg, s_dealer), 0);
    zframe_t *frame = NULL;
    zloop_reader(s_loop, s_dealer, s_on_reply, &frame);
    int timer = zloop_timer(s_loop, (size_t)wait_ms, 1, s_on_deadline, NULL);
    zloop_start(s_loop);
    zloop_timer_end(s_loop, timer);
    zloop_reader_end(s_loop, s_dealer);
    if (!frame)
        return NULL;
    Hcap__FetchReply *reply =
        hcap__fetch_reply__unpack(NULL, zframe_size(frame), zframe_data(frame));
    zframe_destroy(&frame);
    cr_assert_not_null(reply, "reply does not decode");
    return reply;
}

static Hcap__FetchReply *s_fetch(uint64_t after, uint32_t max)
{
    Hcap__FetchRequest request = HCAP__FETCH_REQUEST__INIT;
    request.after_seq = after;
    request.has_max = max > 0;
    request.max = max;
    zmsg_t *msg = zmsg_new();
    zframe_t *frame = hc_msg_frame(&request.base);
    zmsg_append(msg, &frame);
    return s_exchange(msg, 3000);
}

static void s_expect_run(const Hcap__FetchReply *reply, uint64_t first, size_t count)
{
    cr_assert_eq(reply->n_events, count, "got %zu events", reply->n_events);
    for (size_t i = 0; i < count; i++) {
        const Hcap__Event *event = reply->events[i];
        cr_assert_eq(event->seq, first + i);
        cr_expect_str_eq(event->source, "local/svc");
        cr_expect_str_eq(event->epoch, hc_eventlog_epoch(s_log));
        cr_expect_str_eq(event->type, "test.thing_happened.v1");
        cr_expect_eq(strlen(event->occurred_at), 24);
        Hcap__GetRequest *body = hcap__get_request__unpack(NULL, event->body.len, event->body.data);
        cr_assert_not_null(body);
        char id[32];
        snprintf(id, sizeof id, "id-%d", (int)((first + i - 1) % 1000));
        cr_expect_str_eq(body->id, id);
        hcap__get_request__free_unpacked(body, NULL);
    }
}

Test(eventlog, seqs_stay_gapless_when_savepoints_and_batches_roll_back)
{
    hc_error err;
    cr_expect_eq(hc_eventlog_head(s_log), 0);
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    cr_expect_eq(s_append(s_log, "a.v1", NULL, "1"), 1);
    cr_assert_eq(hc_store_savepoint(s_store, &err), HC_OK);
    cr_expect_eq(s_append(s_log, "b.v1", NULL, "2"), 2);
    hc_store_rollback_savepoint(s_store);
    cr_assert_eq(hc_store_savepoint(s_store, &err), HC_OK);
    cr_expect_eq(s_append(s_log, "c.v1", NULL, "3"), 2, "rolled back seq left a gap");
    cr_assert_eq(hc_store_release(s_store, &err), HC_OK);
    cr_expect_eq(hc_eventlog_head(s_log), 2, "head includes the open transaction");
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);

    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    cr_expect_eq(s_append(s_log, "d.v1", NULL, "4"), 3);
    hc_store_rollback(s_store);
    cr_expect_eq(hc_eventlog_head(s_log), 2);
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    cr_expect_eq(s_append(s_log, "e.v1", NULL, "5"), 3);
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);
}

Test(eventlog, epoch_is_kept_across_reopen_and_new_per_store)
{
    char epoch[64];
    snprintf(epoch, sizeof epoch, "%s", hc_eventlog_epoch(s_log));
    cr_expect_eq(strlen(epoch), 32);
    cr_expect_eq(strspn(epoch, "0123456789abcdef"), 32);
    cr_expect_str_eq(hc_eventlog_source(s_log), "local/svc");
    s_commit_events(3);
    hc_eventlog_destroy(&s_log);
    hc_store_destroy(&s_store);

    hc_error err;
    s_store = hc_store_open(s_path, NULL, &err);
    s_log = hc_eventlog_new(s_store, "local/svc", &err);
    cr_assert_not_null(s_log);
    cr_expect_str_eq(hc_eventlog_epoch(s_log), epoch);
    cr_expect_eq(hc_eventlog_head(s_log), 3);

    char other_path[160];
    snprintf(other_path, sizeof other_path, "%s/other.db", s_dir);
    hc_store *other = hc_store_open(other_path, NULL, &err);
    hc_eventlog *other_log = hc_eventlog_new(other, "local/svc", &err);
    cr_assert_not_null(other_log);
    cr_expect_str_neq(hc_eventlog_epoch(other_log), epoch);
    hc_eventlog_destroy(&other_log);
    hc_store_destroy(&other);
}

Test(eventlog, two_connections_on_one_file_share_one_gapless_log)
{
    hc_error err;
    hc_store *second = hc_store_open(s_path, NULL, &err);
    hc_eventlog *second_log = hc_eventlog_new(second, "local/svc", &err);
    cr_assert_not_null(second_log);
    cr_expect_str_eq(hc_eventlog_epoch(second_log), hc_eventlog_epoch(s_log));
    uint64_t expected = 1;
    for (int round = 0; round < 5; round++) {
        hc_store *store = round % 2 ? second : s_store;
        hc_eventlog *log = round % 2 ? second_log : s_log;
        cr_assert_eq(hc_store_begin(store, &err), HC_OK);
        cr_expect_eq(s_append(log, "x.v1", NULL, "a"), expected++);
        cr_expect_eq(s_append(log, "x.v1", NULL, "b"), expected++);
        cr_assert_eq(hc_store_commit(store, &err), HC_OK);
    }
    cr_expect_eq(hc_eventlog_head(s_log), 10);
    cr_expect_eq(hc_eventlog_head(second_log), 10);
    hc_eventlog_destroy(&second_log);
    hc_store_destroy(&second);
}

Test(eventlog, fetch_returns_committed_events_in_order)
{
    s_commit_events(25);
    s_serve();
    Hcap__FetchReply *reply = s_fetch(0, 10);
    cr_assert_not_null(reply, "no reply to FETCH");
    cr_expect_str_eq(reply->source, "local/svc");
    cr_expect_str_eq(reply->epoch, hc_eventlog_epoch(s_log));
    cr_expect_eq(reply->head, 25);
    s_expect_run(reply, 1, 10);
    hcap__fetch_reply__free_unpacked(reply, NULL);

    reply = s_fetch(20, 0);
    cr_assert_not_null(reply);
    s_expect_run(reply, 21, 5);
    hcap__fetch_reply__free_unpacked(reply, NULL);

    reply = s_fetch(25, 100);
    cr_assert_not_null(reply);
    cr_expect_eq(reply->head, 25);
    cr_expect_eq(reply->n_events, 0);
    hcap__fetch_reply__free_unpacked(reply, NULL);
}

Test(eventlog, fetch_is_capped_at_fetch_max)
{
    s_commit_events(1000);
    s_commit_events(500);
    s_serve();
    Hcap__FetchReply *reply = s_fetch(0, 5000);
    cr_assert_not_null(reply);
    cr_expect_eq(reply->head, 1500);
    s_expect_run(reply, 1, HC_FETCH_MAX);
    hcap__fetch_reply__free_unpacked(reply, NULL);
    reply = s_fetch(1000, 0);
    cr_assert_not_null(reply);
    s_expect_run(reply, 1001, 500);
    hcap__fetch_reply__free_unpacked(reply, NULL);
}

Test(eventlog, fetch_never_sees_the_open_transaction)
{
    s_commit_events(3);
    s_serve();
    hc_error err;
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    s_append(s_log, "test.thing_happened.v1", NULL, "uncommitted");
    s_append(s_log, "test.thing_happened.v1", NULL, "uncommitted");
    Hcap__FetchReply *reply = s_fetch(0, 0);
    cr_assert_not_null(reply, "FETCH not answered while a batch is open");
    cr_expect_eq(reply->head, 3);
    cr_expect_eq(reply->n_events, 3);
    hcap__fetch_reply__free_unpacked(reply, NULL);
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);
    reply = s_fetch(3, 0);
    cr_assert_not_null(reply);
    cr_expect_eq(reply->head, 5);
    cr_expect_eq(reply->n_events, 2);
    hcap__fetch_reply__free_unpacked(reply, NULL);
}

Test(eventlog, malformed_fetch_is_ignored)
{
    s_commit_events(4);
    s_serve();
    /* Not a FetchRequest (truncated varint), no required after_seq, three
       frames, an empty message: none gets an answer, none stops the log. */
    zmsg_t *garbage = zmsg_new();
    zmsg_addmem(garbage, "\x08\xff", 2);
    cr_expect_null(s_exchange(garbage, 300));
    garbage = zmsg_new();
    zmsg_addmem(garbage, "", 0);
    cr_expect_null(s_exchange(garbage, 300));
    garbage = zmsg_new();
    zmsg_addstr(garbage, "a");
    zmsg_addstr(garbage, "b");
    cr_expect_null(s_exchange(garbage, 300));
    garbage = zmsg_new();
    zmsg_addmem(garbage, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11);
    cr_expect_null(s_exchange(garbage, 300));

    Hcap__FetchReply *reply = s_fetch(2, 0);
    cr_assert_not_null(reply, "the log stopped answering after garbage");
    s_expect_run(reply, 3, 2);
    hcap__fetch_reply__free_unpacked(reply, NULL);
}

static zmsg_t *s_bell_recv(zsock_t *sub)
{
    return zmsg_recv(sub);
}

Test(eventlog, doorbell_rings_only_when_the_head_moved)
{
    s_serve();
    zsock_t *sub = zsock_new(ZMQ_SUB);
    zsock_set_subscribe(sub, "");
    zsock_set_rcvtimeo(sub, 300);
    cr_assert_eq(zsock_connect(sub, "%s", s_bell_ep), 0);
    zclock_sleep(200); /* let the subscription reach the PUB */
    hc_eventlog_ring(s_log);
    cr_expect_null(s_bell_recv(sub), "rang without a new event");

    s_commit_events(2);
    hc_eventlog_ring(s_log);
    zmsg_t *msg = s_bell_recv(sub);
    cr_assert_not_null(msg, "no doorbell after a commit");
    cr_assert_eq(zmsg_size(msg), 2);
    char *topic = zmsg_popstr(msg);
    cr_expect_str_eq(topic, "local/svc");
    free(topic);
    zframe_t *frame = zmsg_pop(msg);
    Hcap__Doorbell *bell = hcap__doorbell__unpack(NULL, zframe_size(frame), zframe_data(frame));
    cr_assert_not_null(bell);
    cr_expect_eq(bell->head, 2);
    cr_expect_str_eq(bell->epoch, hc_eventlog_epoch(s_log));
    hcap__doorbell__free_unpacked(bell, NULL);
    zframe_destroy(&frame);
    zmsg_destroy(&msg);

    hc_eventlog_ring(s_log);
    cr_expect_null(s_bell_recv(sub), "rang twice for one head");
    zsock_destroy(&sub);
}

static int s_redact(void *arg, const char *type, const uint8_t *body, size_t size,
                    uint8_t **new_body, size_t *new_size)
{
    (void)type;
    int *calls = arg;
    (*calls)++;
    Hcap__GetRequest *old = hcap__get_request__unpack(NULL, size, body);
    if (!old)
        return -1;
    bool refuse = strcmp(old->id, "refuse") == 0;
    hcap__get_request__free_unpacked(old, NULL);
    if (refuse)
        return -1;
    Hcap__GetRequest redacted = HCAP__GET_REQUEST__INIT;
    redacted.id = "redacted";
    *new_size = hcap__get_request__get_packed_size(&redacted);
    *new_body = malloc(*new_size);
    hcap__get_request__pack(&redacted, *new_body);
    return 0;
}

static char *s_body_id(uint64_t seq)
{
    sqlite3_stmt *stmt = hc_store_stmt(s_store, "SELECT body FROM events WHERE seq = ?1");
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)seq);
    cr_assert_eq(sqlite3_step(stmt), SQLITE_ROW);
    Hcap__GetRequest *body = hcap__get_request__unpack(
        NULL, (size_t)sqlite3_column_bytes(stmt, 0), (const uint8_t *)sqlite3_column_blob(stmt, 0));
    sqlite3_reset(stmt);
    cr_assert_not_null(body);
    char *id = strdup(body->id);
    hcap__get_request__free_unpacked(body, NULL);
    return id;
}

Test(eventlog, rewrite_subject_replaces_only_that_subjects_bodies)
{
    hc_error err;
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    s_append(s_log, "w.v1", "wkr_1", "Ana Lopez");
    s_append(s_log, "w.v1", "wkr_2", "Bo Chen");
    s_append(s_log, "w.v1", "wkr_1", "Ana L.");
    int calls = 0;
    cr_expect_eq(hc_eventlog_rewrite_subject(s_log, "wkr_1", s_redact, &calls, &err), HC_OK);
    cr_assert_eq(hc_store_commit(s_store, &err), HC_OK);
    cr_expect_eq(calls, 2);
    const char *expected[] = {"redacted", "Bo Chen", "redacted"};
    for (uint64_t seq = 1; seq <= 3; seq++) {
        char *id = s_body_id(seq);
        cr_expect_str_eq(id, expected[seq - 1]);
        free(id);
    }
    cr_assert_eq(hc_store_begin(s_store, &err), HC_OK);
    s_append(s_log, "w.v1", "wkr_3", "refuse");
    cr_expect_eq(hc_eventlog_rewrite_subject(s_log, "wkr_3", s_redact, &calls, &err), HC_INTERNAL);
    hc_store_rollback(s_store);
}

Test(eventlog, serving_an_unusable_endpoint_is_unavailable)
{
    s_loop = zloop_new();
    hc_error err;
    cr_expect_eq(
        hc_eventlog_serve(s_log, s_loop, "ipc:///nonexistent-hcap-dir/x.ipc", s_bell_ep, &err),
        HC_UNAVAILABLE);
}

Test(eventlog, a_restored_backup_gets_a_new_epoch_and_keeps_the_events)
{
    s_commit_events(2);
    char copy[160];
    snprintf(copy, sizeof copy, "%s/backup.db", s_dir);
    hc_error err;
    cr_assert_eq(hc_store_backup(s_store, copy, &err), HC_OK, "%s", err.message);
    char *kept = hc_store_meta_get(s_store, "eventlog_epoch");
    cr_expect_str_eq(kept, hc_eventlog_epoch(s_log), "the original lost its epoch");
    free(kept);
    hc_store *restored = hc_store_open(copy, NULL, &err);
    cr_assert_not_null(restored);
    hc_eventlog *log = hc_eventlog_new(restored, "local/svc", &err);
    cr_assert_not_null(log);
    cr_expect_eq(hc_eventlog_head(log), 2);
    cr_expect_str_neq(hc_eventlog_epoch(log), hc_eventlog_epoch(s_log));
    hc_eventlog_destroy(&log);
    hc_store_destroy(&restored);
}
