/* Tests of the central hub run for real: its ZAP handler and CURVE
   listener on the service's loop in a thread, regions played by CURVE
   DEALERs with keys made by hc_keys_create: acks, dedup, refusals that
   write nothing, key files added and removed while it runs, garbage,
   ListNodes and the heartbeat's nodes; and the binary's start checks. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hc_keys.h"
#include "hc_msg.h"
#include "hc_query.h"
#include "ht_local.h"
#include "ht_os.h"
#include "ht_run.h"
#include "central_server.h"

#define S_ACK_MS    5000 /* an ack that should come */
#define S_SILENT_MS 1200 /* how long an ack that must not come is waited for */

static struct {
    ht_local local;
    char endpoint[128];
    char server_key[41];
    zsock_t *stop_tx, *stop_rx;
    pthread_t thread;
    bool running;
    hc_arena *arena;
} s_hub;

static int s_on_stop(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    (void)arg;
    char *text = zstr_recv(sock);
    zstr_free(&text);
    return -1;
}

static void *s_run(void *arg)
{
    (void)arg;
    zloop_start(hc_service_loop(s_hub.local.svc));
    return NULL;
}

static void s_resume(void)
{
    cr_assert_not(s_hub.running);
    cr_assert_eq(pthread_create(&s_hub.thread, NULL, s_run, NULL), 0);
    s_hub.running = true;
}

/* Stops the hub's loop, so the test may use its store. */
static void s_pause(void)
{
    if (!s_hub.running)
        return;
    zstr_send(s_hub.stop_tx, "stop");
    pthread_join(s_hub.thread, NULL);
    s_hub.running = false;
}

static char *s_path(const char *fmt, const char *name)
{
    static char path[4][256];
    static int next;
    char *out = path[next++ % 4];
    char file[128];
    snprintf(file, sizeof file, fmt, name);
    snprintf(out, 256, "%s/%s", s_hub.local.dir, file);
    return out;
}

/* A key pair DIR/keys/<name>.pub and .key. */
static void s_keygen(const char *name)
{
    hc_error err;
    cr_assert_eq(
        hc_keys_create(s_path("keys/%s.pub", name), s_path("keys/%s.key", name), name, &err), HC_OK,
        "%s", err.message);
}

/* Files key pair `key` as node `node` (DIR/nodes/<node>.pub). */
static void s_file(const char *key, const char *node)
{
    size_t size = 0;
    char *pub = ht_read_file(s_path("keys/%s.pub", key), &size);
    cr_assert_not_null(pub);
    char *tmp = s_path("nodes/.%s.tmp", node);
    cr_assert_eq(ht_write_file(tmp, pub, size), 0);
    cr_assert_eq(rename(tmp, s_path("nodes/%s.pub", node)), 0);
    free(pub);
}

static void s_unfile(const char *node)
{
    cr_assert_eq(unlink(s_path("nodes/%s.pub", node)), 0);
}

/* Opens the hub on a temporary directory and starts it on endpoint
   (NULL: ipc:// in that directory). */
static void s_start(const char *endpoint)
{
    if (endpoint)
        snprintf(s_hub.endpoint, sizeof s_hub.endpoint, "%s", endpoint);
    else
        snprintf(s_hub.endpoint, sizeof s_hub.endpoint, "ipc://%s/hub.ipc", s_hub.local.dir);
    setenv("HCAP_CENTRAL_LISTEN", s_hub.endpoint, 1);
    hc_error err;
    cr_assert_eq(hc_keys_ensure_node(s_hub.local.dir, "hub", &err), HC_OK, "%s", err.message);
    zcert_t *cert = hc_keys_load_public(s_path("%s.pub", "node"), &err);
    cr_assert_not_null(cert);
    snprintf(s_hub.server_key, sizeof s_hub.server_key, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
    hc_service *svc = s_hub.local.svc;
    cr_assert_eq(cen_service.start(hc_service_state(svc), svc, &err), HC_OK, "%s", err.message);
    s_hub.stop_rx = zsock_new_pair("@inproc://hub-stop");
    s_hub.stop_tx = zsock_new_pair(">inproc://hub-stop");
    cr_assert_eq(zloop_reader(hc_service_loop(svc), s_hub.stop_rx, s_on_stop, NULL), 0);
    s_resume();
}

static void s_setup(void)
{
    memset(&s_hub, 0, sizeof s_hub);
    ht_local_open(&s_hub.local, &cen_service);
    cr_assert_eq(mkdir(s_path("%s", "keys"), 0700), 0);
    cr_assert_eq(mkdir(s_path("%s", "nodes"), 0755), 0);
    s_hub.arena = hc_arena_new();
}

static void s_teardown(void)
{
    s_pause();
    if (s_hub.stop_rx)
        zloop_reader_end(hc_service_loop(s_hub.local.svc), s_hub.stop_rx);
    zsock_destroy(&s_hub.stop_rx);
    zsock_destroy(&s_hub.stop_tx);
    hc_arena_destroy(&s_hub.arena);
    ht_local_close(&s_hub.local);
    unsetenv("HCAP_CENTRAL_LISTEN");
}

TestSuite(central, .init = s_setup, .fini = s_teardown, .timeout = 50);

/* --- a region's side --- */

/* A DEALER toward the hub with key pair `key` (NULL: no CURVE at all). */
static zsock_t *s_client(const char *key)
{
    zsock_t *dealer = zsock_new(ZMQ_DEALER);
    cr_assert_not_null(dealer);
    zsock_set_linger(dealer, 0);
    if (key) {
        hc_error err;
        zcert_t *cert = hc_keys_load_secret(s_path("keys/%s.key", key), &err);
        cr_assert_not_null(cert, "%s", err.message);
        zcert_apply(cert, dealer);
        zsock_set_curve_serverkey(dealer, s_hub.server_key);
        zcert_destroy(&cert);
    }
    cr_assert_eq(zsock_connect(dealer, "%s", s_hub.endpoint), 0);
    return dealer;
}

/* A batch of node with n events of source from seq first on. */
static Hcap__UplinkBatch *s_batch(const char *node, uint64_t id, const char *source, uint64_t first,
                                  size_t n)
{
    hc_arena *arena = s_hub.arena;
    Hcap__UplinkBatch *batch =
        (Hcap__UplinkBatch *)hc_arena_message(arena, &hcap__uplink_batch__descriptor);
    batch->node = hc_arena_strdup(arena, node);
    batch->batch = id;
    batch->n_events = n;
    batch->events = hc_arena_alloc(arena, (n + 1) * sizeof *batch->events);
    for (size_t i = 0; i < n; i++) {
        Hcap__Event *ev = (Hcap__Event *)hc_arena_message(arena, &hcap__event__descriptor);
        ev->source = hc_arena_strdup(arena, source);
        ev->epoch = "epoch-1";
        ev->seq = first + i;
        ev->occurred_at = "2026-11-01T10:00:00.000Z";
        ev->type = "enrollment.worker_registered.v1";
        char *body = hc_arena_printf(arena, "body %s %" PRIu64, source, first + i);
        ev->body.data = (uint8_t *)body;
        ev->body.len = strlen(body);
        batch->events[i] = ev;
    }
    return batch;
}

static void s_send(zsock_t *dealer, const Hcap__UplinkBatch *batch)
{
    zframe_t *frame = hc_msg_frame(&batch->base);
    cr_assert_eq(zframe_send(&frame, dealer, 0), 0);
}

/* The next ack within timeout_ms, or NULL. */
static Hcap__UplinkAck *s_ack(zsock_t *dealer, int timeout_ms)
{
    zsock_set_rcvtimeo(dealer, timeout_ms);
    zframe_t *frame = zframe_recv(dealer);
    if (!frame)
        return NULL;
    Hcap__UplinkAck *ack = (Hcap__UplinkAck *)hc_msg_unpack(
        &hcap__uplink_ack__descriptor, zframe_data(frame), zframe_size(frame), s_hub.arena);
    zframe_destroy(&frame);
    cr_assert_not_null(ack, "the hub's answer is an UplinkAck");
    return ack;
}

static Hcap__UplinkAck *s_exchange(zsock_t *dealer, const Hcap__UplinkBatch *batch)
{
    s_send(dealer, batch);
    Hcap__UplinkAck *ack = s_ack(dealer, S_ACK_MS);
    cr_assert_not_null(ack, "batch %" PRIu64 " is acked", batch->batch);
    cr_assert_eq(ack->batch, batch->batch);
    return ack;
}

static void s_assert_counts(const Hcap__UplinkAck *ack, uint32_t accepted, uint32_t duplicates)
{
    cr_assert_null(ack->error, "refused: %s", ack->error ? ack->error->message : "");
    cr_assert(ack->has_accepted && ack->has_duplicates);
    cr_assert_eq(ack->accepted, accepted, "accepted %u, not %u", ack->accepted, accepted);
    cr_assert_eq(ack->duplicates, duplicates, "duplicates %u, not %u", ack->duplicates, duplicates);
}

static void s_assert_refused(const Hcap__UplinkAck *ack, Hcap__Code code, const char *field)
{
    cr_assert_not_null(ack->error, "refused");
    cr_assert_eq(ack->error->code, code, "code %d", ack->error->code);
    cr_assert_str_eq(ack->error->field ? ack->error->field : "", field);
    cr_assert(!ack->has_accepted || ack->accepted == 0);
}

/* --- the hub's side, read while its loop is paused --- */

typedef struct {
    size_t count;
    char items[64][96]; /* "source epoch seq body" of each forwarded event */
} s_log_view;

static void s_on_event(void *arg, uint64_t seq, const char *type, const char *subject,
                       const uint8_t *body, size_t size)
{
    s_log_view *view = arg;
    cr_assert_eq(seq, view->count + 1, "gapless");
    cr_assert_str_eq(type, CEN_EV_RECEIVED);
    cr_assert_null(subject);
    Hcap__Event *ev =
        (Hcap__Event *)hc_msg_unpack(&hcap__event__descriptor, body, size, s_hub.arena);
    cr_assert_not_null(ev, "the body is the forwarded Event");
    cr_assert_lt(view->count, 64);
    snprintf(view->items[view->count++], sizeof view->items[0], "%s %s %" PRIu64 " %.*s",
             ev->source, ev->epoch, ev->seq, (int)ev->body.len, (const char *)ev->body.data);
}

static s_log_view *s_log(void)
{
    static s_log_view view;
    memset(&view, 0, sizeof view);
    bool running = s_hub.running;
    s_pause();
    hc_error err;
    cr_assert_eq(hc_query_events_each(hc_service_store(s_hub.local.svc), s_on_event, &view, &err),
                 HC_OK);
    if (running)
        s_resume();
    return &view;
}

static Hcap__NodeList *s_nodes(uint32_t limit, const char *after)
{
    bool running = s_hub.running;
    s_pause();
    Hcap__ListRequest req = HCAP__LIST_REQUEST__INIT;
    req.has_limit = limit > 0;
    req.limit = limit;
    req.after = (char *)after;
    Hcap__NodeList *list = NULL;
    ht_local_ok(&s_hub.local, "ListNodes", &req.base, &list);
    if (running)
        s_resume();
    return list;
}

static void s_assert_node(const Hcap__NodeStatus *st, const char *node, bool allowed,
                          uint64_t events, uint64_t duplicates, uint64_t batches)
{
    cr_assert_str_eq(st->node, node);
    cr_assert_eq(st->allowed, allowed, "%s allowed", node);
    cr_assert(st->has_events && st->has_duplicates && st->has_batches);
    cr_assert_eq(st->events, events, "%s events %" PRIu64, node, st->events);
    cr_assert_eq(st->duplicates, duplicates, "%s duplicates %" PRIu64, node, st->duplicates);
    cr_assert_eq(st->batches, batches, "%s batches %" PRIu64, node, st->batches);
    if (batches == 0) {
        cr_assert_null(st->last_seen);
        cr_assert_not(st->has_seconds_since_seen);
    } else {
        cr_assert_not_null(st->last_seen);
        cr_assert(st->has_seconds_since_seen);
        cr_assert(st->seconds_since_seen >= 0 && st->seconds_since_seen < 30, "%f",
                  st->seconds_since_seen);
    }
}

/* --- tests --- */

Test(central, an_allowed_key_is_acked_and_its_events_land_once)
{
    s_keygen("west");
    s_file("west", "west");
    s_start(NULL);
    zsock_t *west = s_client("west");
    Hcap__UplinkBatch *first = s_batch("west", 3, "west/enrollment", 1, 3);
    s_assert_counts(s_exchange(west, first), 3, 0);
    s_log_view *log = s_log();
    cr_assert_eq(log->count, 3);
    cr_assert_str_eq(log->items[0], "west/enrollment epoch-1 1 body west/enrollment 1");
    cr_assert_str_eq(log->items[2], "west/enrollment epoch-1 3 body west/enrollment 3");
    /* The same batch again (an ack lost on the way): all duplicates. */
    s_assert_counts(s_exchange(west, first), 0, 3);
    cr_assert_eq(s_log()->count, 3);
    /* Overlapping, and one event twice in the batch itself. */
    Hcap__UplinkBatch *next = s_batch("west", 6, "west/enrollment", 3, 3);
    next->events[2]->seq = 4;
    s_assert_counts(s_exchange(west, next), 1, 2);
    /* Another log of the node with the same epoch and seqs is new. */
    s_assert_counts(s_exchange(west, s_batch("west", 9, "west/apprenticeship", 1, 2)), 2, 0);
    log = s_log();
    cr_assert_eq(log->count, 6);
    cr_assert_str_eq(log->items[3], "west/enrollment epoch-1 4 body west/enrollment 4");
    cr_assert_str_eq(log->items[5], "west/apprenticeship epoch-1 2 body west/apprenticeship 2");
    Hcap__NodeList *list = s_nodes(0, NULL);
    cr_assert_eq(list->n_items, 1);
    s_assert_node(list->items[0], "west", true, 6, 5, 4);
    zsock_destroy(&west);
}

/* The held entry of (source, epoch) in ack; fails when there is none. */
static uint64_t s_held(const Hcap__UplinkAck *ack, const char *source, const char *epoch)
{
    for (size_t i = 0; i < ack->n_held; i++)
        if (strcmp(ack->held[i]->source, source) == 0 && strcmp(ack->held[i]->epoch, epoch) == 0)
            return ack->held[i]->seq;
    cr_assert_fail("the ack holds no position of %s %s (%zu)", source, epoch, ack->n_held);
    return 0;
}

/* What an uplink compares with its own acks to learn that the hub lost
   events: per (source, epoch) of a batch, the highest seq held before it. */
Test(central, every_ack_says_what_the_hub_held_of_each_log_before_the_batch)
{
    s_keygen("west");
    s_file("west", "west");
    s_start(NULL);
    zsock_t *west = s_client("west");
    Hcap__UplinkAck *ack = s_exchange(west, s_batch("west", 3, "west/enrollment", 1, 3));
    cr_assert_eq(ack->n_held, 1, "one log in the batch");
    cr_assert_eq(s_held(ack, "west/enrollment", "epoch-1"), 0, "nothing before the first batch");
    ack = s_exchange(west, s_batch("west", 5, "west/enrollment", 4, 2));
    cr_assert_eq(s_held(ack, "west/enrollment", "epoch-1"), 3);
    /* Sent again (its ack was lost): the hub already held it. */
    ack = s_exchange(west, s_batch("west", 5, "west/enrollment", 4, 2));
    cr_assert_eq(s_held(ack, "west/enrollment", "epoch-1"), 5);
    /* Two logs and a new epoch in one batch. */
    Hcap__UplinkBatch *mixed = s_batch("west", 9, "west/credentialing", 1, 4);
    mixed->events[2]->source = mixed->events[3]->source = "west/enrollment";
    mixed->events[2]->seq = 6;
    mixed->events[3]->epoch = "epoch-2";
    ack = s_exchange(west, mixed);
    cr_assert_eq(ack->n_held, 3, "credentialing, enrollment, enrollment's new epoch");
    cr_assert_eq(s_held(ack, "west/credentialing", "epoch-1"), 0);
    cr_assert_eq(s_held(ack, "west/enrollment", "epoch-1"), 5);
    cr_assert_eq(s_held(ack, "west/enrollment", "epoch-2"), 0);
    /* A refused batch says nothing of what the hub holds. */
    Hcap__UplinkBatch *bad = s_batch("west", 10, "west/enrollment", 7, 2);
    bad->events[1]->seq = 0;
    ack = s_exchange(west, bad);
    s_assert_refused(ack, HCAP__CODE__CODE_INVALID_ARGUMENT, "events[1].seq");
    cr_assert_eq(ack->n_held, 0);
    zsock_destroy(&west);
}

Test(central, a_key_not_filed_gets_no_ack_and_nothing_is_written)
{
    s_keygen("west");
    s_keygen("rogue");
    s_file("west", "west");
    s_start(NULL);
    zsock_t *rogue = s_client("rogue");
    s_send(rogue, s_batch("west", 1, "west/enrollment", 1, 2));
    cr_assert_null(s_ack(rogue, S_SILENT_MS), "the handshake is refused");
    cr_assert_eq(s_log()->count, 0);
    Hcap__NodeList *list = s_nodes(0, NULL);
    cr_assert_eq(list->n_items, 1);
    s_assert_node(list->items[0], "west", true, 0, 0, 0);
    zsock_destroy(&rogue);
}

Test(central, a_plain_dealer_gets_nothing)
{
    s_keygen("west");
    s_file("west", "west");
    s_start(NULL);
    zsock_t *plain = s_client(NULL);
    s_send(plain, s_batch("west", 1, "west/enrollment", 1, 2));
    cr_assert_null(s_ack(plain, S_SILENT_MS));
    cr_assert_eq(s_log()->count, 0);
    zsock_destroy(&plain);
}

Test(central, a_batch_of_another_node_or_a_foreign_source_is_refused_whole)
{
    s_keygen("west");
    s_keygen("east");
    s_file("west", "west");
    s_file("east", "east");
    s_start(NULL);
    zsock_t *west = s_client("west");
    Hcap__UplinkBatch *batch = s_batch("east", 1, "east/enrollment", 1, 2);
    s_assert_refused(s_exchange(west, batch), HCAP__CODE__CODE_PERMISSION_DENIED, "node");
    batch = s_batch("west", 2, "west/enrollment", 1, 3);
    batch->events[1]->source = "east/enrollment";
    s_assert_refused(s_exchange(west, batch), HCAP__CODE__CODE_PERMISSION_DENIED,
                     "events[1].source");
    batch->events[1]->source = "west/reporting";
    s_assert_refused(s_exchange(west, batch), HCAP__CODE__CODE_PERMISSION_DENIED,
                     "events[1].source");
    batch->events[1]->source = "west/enrollment";
    batch->events[2]->seq = 0;
    s_assert_refused(s_exchange(west, batch), HCAP__CODE__CODE_INVALID_ARGUMENT, "events[2].seq");
    batch->events[2]->seq = 3;
    batch->events[0]->epoch = "";
    s_assert_refused(s_exchange(west, batch), HCAP__CODE__CODE_INVALID_ARGUMENT, "events[0].epoch");
    batch->events[0]->epoch = "epoch-1";
    batch->events[2]->type = "";
    s_assert_refused(s_exchange(west, batch), HCAP__CODE__CODE_INVALID_ARGUMENT, "events[2].type");
    cr_assert_eq(s_log()->count, 0, "a refused batch wrote nothing");
    Hcap__NodeList *list = s_nodes(0, NULL);
    cr_assert_eq(list->n_items, 2);
    s_assert_node(list->items[0], "east", true, 0, 0, 0);
    s_assert_node(list->items[1], "west", true, 0, 0, 0);
    /* The same connection goes on once its batch is right. */
    batch->events[2]->type = "enrollment.worker_registered.v1";
    s_assert_counts(s_exchange(west, batch), 3, 0);
    zsock_destroy(&west);
}

Test(central, key_files_added_replaced_and_removed_take_effect_while_running)
{
    s_keygen("west");
    s_keygen("other");
    s_start(NULL);
    zsock_t *early = s_client("west");
    s_send(early, s_batch("west", 1, "west/enrollment", 1, 1));
    cr_assert_null(s_ack(early, S_SILENT_MS), "not filed yet");
    zsock_destroy(&early);
    s_file("west", "west");
    zsock_t *west = s_client("west");
    s_assert_counts(s_exchange(west, s_batch("west", 1, "west/enrollment", 1, 1)), 1, 0);
    /* Another key filed under west: the connection of the old one stops. */
    s_file("other", "west");
    s_assert_refused(s_exchange(west, s_batch("west", 2, "west/enrollment", 2, 1)),
                     HCAP__CODE__CODE_PERMISSION_DENIED, "node");
    zsock_t *other = s_client("other");
    s_assert_counts(s_exchange(other, s_batch("west", 2, "west/enrollment", 2, 1)), 1, 0);
    /* Removed: the open connection's next batch is refused, a new one is not let in. */
    s_unfile("west");
    s_assert_refused(s_exchange(other, s_batch("west", 3, "west/enrollment", 3, 1)),
                     HCAP__CODE__CODE_PERMISSION_DENIED, "node");
    zsock_t *late = s_client("other");
    s_send(late, s_batch("west", 3, "west/enrollment", 3, 1));
    cr_assert_null(s_ack(late, S_SILENT_MS), "no longer filed");
    cr_assert_eq(s_log()->count, 2);
    Hcap__NodeList *list = s_nodes(0, NULL);
    cr_assert_eq(list->n_items, 1);
    s_assert_node(list->items[0], "west", false, 2, 0, 2);
    zsock_destroy(&west);
    zsock_destroy(&other);
    zsock_destroy(&late);
}

Test(central, a_file_that_is_not_a_key_is_skipped)
{
    s_keygen("west");
    s_file("west", "west");
    cr_assert_eq(ht_write_file(s_path("nodes/%s.pub", "junk"), "not a cert\n", 11), 0);
    cr_assert_eq(ht_write_file(s_path("nodes/%s.pub", "empty"), "", 0), 0);
    cr_assert_eq(mkdir(s_path("nodes/%s.pub", "dir"), 0755), 0);
    const char *bad_z85 = "curve\n    public-key = \"~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\"\n";
    cr_assert_eq(ht_write_file(s_path("nodes/%s.pub", "z85"), bad_z85, strlen(bad_z85)), 0);
    const char *short_key = "curve\n    public-key = \"abc\"\n";
    cr_assert_eq(ht_write_file(s_path("nodes/%s.pub", "short"), short_key, strlen(short_key)), 0);
    s_start(NULL);
    zsock_t *west = s_client("west");
    s_assert_counts(s_exchange(west, s_batch("west", 1, "west/credentialing", 1, 2)), 2, 0);
    Hcap__NodeList *list = s_nodes(0, NULL);
    cr_assert_eq(list->n_items, 1);
    s_assert_node(list->items[0], "west", true, 2, 0, 1);
    zsock_destroy(&west);
}

/* Raw bytes to a TCP endpoint, as a port scanner or a confused client would. */
static void s_raw_tcp(const char *endpoint, const void *data, size_t size)
{
    zsock_t *stream = zsock_new(ZMQ_STREAM);
    zsock_set_linger(stream, 100);
    cr_assert_eq(zsock_connect(stream, "%s", endpoint), 0);
    zframe_t *id = NULL;
    for (int i = 0; i < 50 && !id; i++) {
        zsock_set_rcvtimeo(stream, 100);
        zmsg_t *hello = zmsg_recv(stream); /* the connect notification */
        if (hello)
            id = zmsg_pop(hello);
        zmsg_destroy(&hello);
    }
    cr_assert_not_null(id, "connected");
    zmsg_t *msg = zmsg_new();
    zmsg_append(msg, &id);
    zmsg_addmem(msg, data, size);
    cr_assert_eq(zmsg_send(&msg, stream), 0);
    zclock_sleep(100);
    zsock_destroy(&stream);
}

Test(central, garbage_never_crashes_it)
{
    s_keygen("west");
    s_file("west", "west");
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", ht_free_port());
    s_start(endpoint);
    s_raw_tcp(endpoint, "GET / HTTP/1.0\r\n\r\n", 18);
    s_raw_tcp(endpoint, "\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x03\x00NULL", 16);
    zsock_t *west = s_client("west");
    const char junk[] = "\x0a\xff\xff\xff\xff\x0f\x10";
    zframe_t *frame = zframe_new(junk, sizeof junk - 1);
    zframe_send(&frame, west, 0);
    frame = zframe_new_empty();
    zframe_send(&frame, west, 0);
    zstr_sendx(west, "two", "frames", NULL);
    size_t big = HC_MAX_MSG_SIZE * 2;
    frame = zframe_new(NULL, big);
    memset(zframe_data(frame), 'x', big);
    zframe_send(&frame, west, 0);
    cr_assert_null(s_ack(west, S_SILENT_MS), "nothing answers garbage");
    zsock_destroy(&west);
    west = s_client("west");
    s_assert_counts(s_exchange(west, s_batch("west", 1, "west/enrollment", 1, 2)), 2, 0);
    cr_assert_eq(s_log()->count, 2);
    zsock_destroy(&west);
}

Test(central, list_nodes_pages_every_node_with_a_key_or_a_batch)
{
    const char *names[] = {"a-north", "b-south", "c-east", "d-gone"};
    for (size_t i = 0; i < 4; i++) {
        s_keygen(names[i]);
        s_file(names[i], names[i]);
    }
    s_start(NULL);
    zsock_t *south = s_client("b-south");
    s_assert_counts(s_exchange(south, s_batch("b-south", 4, "b-south/enrollment", 1, 4)), 4, 0);
    s_assert_counts(s_exchange(south, s_batch("b-south", 5, "b-south/enrollment", 3, 3)), 1, 2);
    zsock_t *gone = s_client("d-gone");
    s_assert_counts(s_exchange(gone, s_batch("d-gone", 1, "d-gone/credentialing", 1, 1)), 1, 0);
    s_unfile("d-gone");
    Hcap__NodeList *page = s_nodes(2, NULL);
    cr_assert_eq(page->n_items, 2);
    s_assert_node(page->items[0], "a-north", true, 0, 0, 0);
    s_assert_node(page->items[1], "b-south", true, 5, 2, 2);
    cr_assert_str_eq(page->next, "b-south");
    page = s_nodes(2, page->next);
    cr_assert_eq(page->n_items, 2);
    s_assert_node(page->items[0], "c-east", true, 0, 0, 0);
    s_assert_node(page->items[1], "d-gone", false, 1, 0, 1);
    cr_assert_null(page->next);
    cr_assert_eq(s_nodes(0, "d-gone")->n_items, 0);
    s_pause();
    Hcap__ListRequest req = HCAP__LIST_REQUEST__INIT;
    req.has_limit = true;
    req.limit = 0;
    ht_local_fails(&s_hub.local, "ListNodes", &req.base, HC_INVALID_ARGUMENT, "limit");
    Hcap__WorkerMessage beat = HCAP__WORKER_MESSAGE__INIT;
    cen_service.health(hc_service_state(s_hub.local.svc), s_hub.arena, &beat);
    cr_assert_eq(beat.n_nodes, 4, "the heartbeat carries every node");
    s_assert_node(beat.nodes[1], "b-south", true, 5, 2, 2);
    s_assert_node(beat.nodes[3], "d-gone", false, 1, 0, 1);
    zsock_destroy(&south);
    zsock_destroy(&gone);
}

/* --- the binary --- */

static int s_binary(ht_run_result *result, const char *listen, int timeout_ms)
{
    if (listen)
        setenv("HCAP_CENTRAL_LISTEN", listen, 1);
    else
        unsetenv("HCAP_CENTRAL_LISTEN");
    char *const argv[] = {
        HCAP_BIN_DIR "/hcap-central", "--data", s_hub.local.dir, "--node-id", "hub", NULL};
    return ht_run(result, NULL, timeout_ms, argv);
}

Test(central, the_binary_refuses_to_start_without_a_listener_or_a_key)
{
    ht_run_result run;
    cr_assert_eq(s_binary(&run, NULL, 20000), 1);
    cr_assert_not_null(strstr(run.err, "central/listen is not set"), "%s", run.err);
    ht_run_free(&run);
    char listen[160];
    snprintf(listen, sizeof listen, "ipc://%s/hub.ipc", s_hub.local.dir);
    cr_assert_eq(s_binary(&run, listen, 20000), 1);
    cr_assert_not_null(strstr(run.err, "node.key does not exist"), "%s", run.err);
    ht_run_free(&run);
    hc_error err;
    cr_assert_eq(hc_keys_ensure_node(s_hub.local.dir, "hub", &err), HC_OK);
    snprintf(listen, sizeof listen, "ipc://%s/no/such/dir/hub.ipc", s_hub.local.dir);
    cr_assert_eq(s_binary(&run, listen, 20000), 1);
    cr_assert_not_null(strstr(run.err, "cannot listen on"), "%s", run.err);
    ht_run_free(&run);
    snprintf(listen, sizeof listen, "ipc://%s/hub.ipc", s_hub.local.dir);
    s_binary(&run, listen, 2500);
    cr_assert_not_null(strstr(run.err, "event=listening endpoint=ipc://"), "%s", run.err);
    ht_run_free(&run);
}

/* hcap-central on the test's directory, its log in DIR/central.log, once
   it says it listens on endpoint. */
static pid_t s_spawn(const char *endpoint)
{
    setenv("HCAP_CENTRAL_LISTEN", endpoint, 1);
    snprintf(s_hub.endpoint, sizeof s_hub.endpoint, "%s", endpoint);
    char *log_path = s_path("%s", "central.log");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, 2) < 0)
            _exit(127);
        execl(HCAP_BIN_DIR "/hcap-central", "hcap-central", "--data", s_hub.local.dir, "--node-id",
              "hub", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200 && !ht_file_holds(log_path, "event=listening"); i++)
        ht_sleep_ms(50);
    cr_assert(ht_file_holds(log_path, "event=listening"), "hcap-central listens");
    return pid;
}

Test(central, the_binary_takes_batches_and_stops_cleanly)
{
    hc_error err;
    cr_assert_eq(hc_keys_ensure_node(s_hub.local.dir, "hub", &err), HC_OK);
    zcert_t *cert = hc_keys_load_public(s_path("%s.pub", "node"), &err);
    cr_assert_not_null(cert);
    snprintf(s_hub.server_key, sizeof s_hub.server_key, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
    s_keygen("west");
    s_keygen("east");
    s_file("west", "west");
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", ht_free_port());
    pid_t pid = s_spawn(endpoint);
    zsock_t *west = s_client("west");
    s_assert_counts(s_exchange(west, s_batch("west", 2, "west/enrollment", 1, 2)), 2, 0);
    zsock_t *east = s_client("east");
    s_send(east, s_batch("east", 1, "east/enrollment", 1, 1));
    cr_assert_null(s_ack(east, S_SILENT_MS), "east is not filed");
    s_file("east", "east");
    zsock_destroy(&east);
    east = s_client("east");
    s_assert_counts(s_exchange(east, s_batch("east", 1, "east/enrollment", 1, 1)), 1, 0);
    s_assert_counts(s_exchange(west, s_batch("west", 2, "west/enrollment", 1, 2)), 0, 2);
    cr_assert_eq(kill(pid, SIGTERM), 0);
    cr_assert_eq(ht_wait_pid(pid, 20000), 0, "a clean stop, nothing leaked");
    char *log_path = s_path("%s", "central.log");
    cr_assert(ht_file_holds(log_path, "event=node_refused"));
    cr_assert(ht_file_holds(log_path, "event=node_allowed node=east"));
    s_log_view *log = s_log();
    cr_assert_eq(log->count, 3);
    cr_assert_str_eq(log->items[2], "east/enrollment epoch-1 1 body east/enrollment 1");
    Hcap__NodeList *list = s_nodes(0, NULL);
    cr_assert_eq(list->n_items, 2);
    s_assert_node(list->items[0], "east", true, 1, 0, 1);
    s_assert_node(list->items[1], "west", true, 2, 2, 2);
    zsock_destroy(&west);
    zsock_destroy(&east);
}
