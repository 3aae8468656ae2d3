/* uplink_server: the uplink's definition, its state (the pseudonym secret,
   the sender), the followers' apply, its health row and GetStatus. */
#include "uplink_server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "hc_keys.h"
#include "hc_log.h"
#include "uplink_privacy.h"
#include "uplink_secret.h"
#include "uplink_sender.h"
#include "uplink_store.h"

typedef struct {
    hc_service *service;
    hc_store *store;
    uint8_t secret[UPL_SECRET_SIZE];
    hc_arena *arena;    /* one event's rewrite */
    upl_sender *sender; /* from start on; NULL in a local service */
} upl_state;

/* Wall-clock unix seconds: when a row was queued, how old it is. */
static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int upl_outbox_apply(void *arg, hc_store *store, const Hcap__Event *event, hc_error *err)
{
    upl_state *st = arg;
    Hcap__Event out = HCAP__EVENT__INIT;
    out.source = event->source;
    out.epoch = event->epoch;
    out.seq = event->seq;
    out.occurred_at = event->occurred_at;
    out.type = event->type;
    hc_arena_reset(st->arena);
    int rc = upl_privacy_rewrite(st->secret, event, st->arena, &out.body.data, &out.body.len, err);
    /* A single event larger than a batch may carry would block the outbox. */
    if (rc == HC_OK && protobuf_c_message_get_packed_size(&out.base) + 16 > UPL_BATCH_BYTES)
        rc = hc_error_set(err, HC_RESOURCE_EXHAUSTED, "body", "%s is too large to forward",
                          event->type);
    if (rc == HC_OK)
        rc = upl_store_outbox_add(store, &out, s_now(), err);
    hc_arena_reset(st->arena);
    return rc;
}

/* --- status --- */

/* The age of the oldest pending row; 0 when none waits. */
static double s_behind(const upl_outbox_stats *stats)
{
    double age = s_now() - stats->oldest_queued_at;
    return stats->pending && age > 0 ? age : 0;
}

/* The outbox as one more follower row: source "central". */
static Hcap__FollowerStatus *s_central_row(upl_state *st, hc_arena *arena)
{
    upl_outbox_stats stats;
    hc_error err;
    if (upl_store_outbox_stats(st->store, &stats, &err) != HC_OK)
        return NULL;
    Hcap__FollowerStatus *row =
        (Hcap__FollowerStatus *)hc_arena_message(arena, &hcap__follower_status__descriptor);
    if (!row)
        return NULL;
    row->source = "central";
    row->seq = stats.acked;
    row->head = stats.head;
    row->seconds_behind = s_behind(&stats);
    return row;
}

static void s_health(void *state, hc_arena *arena, Hcap__WorkerMessage *msg)
{
    Hcap__FollowerStatus *row = s_central_row(state, arena);
    Hcap__FollowerStatus **rows = hc_arena_alloc(arena, (msg->n_followers + 1) * sizeof *rows);
    if (!row || !rows)
        return;
    if (msg->n_followers)
        memcpy(rows, msg->followers, msg->n_followers * sizeof *rows);
    rows[msg->n_followers] = row;
    msg->followers = rows;
    msg->n_followers++;
}

static int s_status(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)in;
    upl_state *st = state;
    upl_outbox_stats stats;
    hc_error err;
    if (upl_store_outbox_stats(st->store, &stats, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    Hcap__UplinkStatus *s =
        (Hcap__UplinkStatus *)hc_call_new(call, &hcap__uplink_status__descriptor);
    hc_arena *arena = hc_call_arena(call);
    s->node = (char *)hc_service_node_id(st->service);
    s->central =
        hc_arena_strdup(arena, hc_config_get(hc_service_config(st->service), "uplink/central", ""));
    s->connected = st->sender && upl_sender_connected(st->sender);
    s->pending = stats.pending;
    s->forwarded = stats.forwarded;
    s->last_ack_at = hc_arena_text(arena, stats.last_ack_at);
    s->seconds_behind = s_behind(&stats);
    s->last_error = st->sender ? hc_arena_text(arena, upl_sender_last_error(st->sender)) : NULL;
    *out = &s->base;
    return HC_OK;
}

/* Resend (admin): every follower back to seq 0, so the uplink queues its
   logs again from seq 1 and central takes what it lacks, dropping what it
   holds (docs/federation.md, "Restores"). What central acked is forgotten
   with it: while the resend runs, central holding less than was acked
   before is no new loss. */
static int s_resend(void *state, hc_call *call, const ProtobufCMessage *in, ProtobufCMessage **out)
{
    (void)in;
    upl_state *st = state;
    uint32_t count = 0;
    hc_error err;
    if (hc_service_rewind_followers(hc_call_service(call), &count, &err) != HC_OK ||
        upl_store_acked_forget(st->store, &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    char who[160];
    hc_log_warn("uplink_resend",
                "followers=%u by=%s message=\"every log queued again from seq 1: central drops "
                "what it holds\"",
                count, hc_log_quote(hc_call_principal(call)->name, who, sizeof who));
    Hcap__UplinkResendReply *reply =
        (Hcap__UplinkResendReply *)hc_call_new(call, &hcap__uplink_resend_reply__descriptor);
    reply->followers = count;
    *out = &reply->base;
    return HC_OK;
}

/* The sender saw central hold less than it had acked: resend, as the
   operator would (in a transaction of its own, as the internal caller). */
static void s_central_lost(void *arg)
{
    upl_state *st = arg;
    hc_arena *arena = hc_arena_new();
    Hcap__Empty empty = HCAP__EMPTY__INIT;
    ProtobufCMessage *out = NULL;
    hc_error err;
    if (hc_service_invoke(st->service, "Resend", &empty.base, NULL, arena, &out, &err) != HC_OK) {
        char quoted[600];
        hc_log_error("uplink_resend_failed", "message=%s",
                     hc_log_quote(err.message, quoted, sizeof quoted));
    }
    hc_arena_destroy(&arena);
}

/* --- state --- */

/* DIR/file, DIR being the store's directory (the data directory). */
static char *s_data_path(upl_state *st, const char *file)
{
    const char *db = hc_store_path(st->store);
    const char *slash = strrchr(db, '/');
    return slash ? zsys_sprintf("%.*s/%s", (int)(slash - db), db, file) : strdup(file);
}

static void s_state_destroy(void **state_p)
{
    upl_state *st = state_p ? *state_p : NULL;
    if (!st)
        return;
    upl_sender_destroy(&st->sender);
    hc_arena_destroy(&st->arena);
    sodium_memzero(st->secret, sizeof st->secret);
    free(st);
    *state_p = NULL;
}

static void *s_state_new(hc_service *service, hc_error *err)
{
    if (upl_privacy_check(err) != HC_OK)
        return NULL;
    upl_state *st = zmalloc(sizeof *st);
    st->service = service;
    st->store = hc_service_store(service);
    st->arena = hc_arena_new();
    char *dflt = s_data_path(st, "uplink.secret");
    const char *path = hc_config_get(hc_service_config(service), "uplink/secret", dflt);
    int rc = upl_secret_load(path, st->secret, err);
    zstr_free(&dflt);
    if (rc != HC_OK) {
        void *state = st;
        s_state_destroy(&state);
        return NULL;
    }
    return st;
}

/* --- serving: the connection to central --- */

/* The value of a config key the uplink cannot serve without. */
static const char *s_required(hc_config *config, const char *key, hc_error *err)
{
    const char *value = hc_config_get(config, key, NULL);
    if (!value || !value[0]) {
        hc_log_error("uplink_not_configured",
                     "key=%s message=\"the uplink needs %s (hcap-node --uplink ENDPOINT "
                     "--central-key FILE)\"",
                     key, key);
        hc_error_set(err, HC_FAILED_PRECONDITION, key, "%s is not set", key);
        return NULL;
    }
    return value;
}

static int s_start(void *state, hc_service *service, hc_error *err)
{
    upl_state *st = state;
    hc_config *config = hc_service_config(service);
    const char *central = s_required(config, "uplink/central", err);
    const char *central_key = central ? s_required(config, "uplink/central_key", err) : NULL;
    if (!central_key)
        return err->code;
    char *dflt = s_data_path(st, "node.key");
    zcert_t *cert = hc_keys_load_secret(hc_config_get(config, "uplink/key", dflt), err);
    zcert_t *hub = cert ? hc_keys_load_public(central_key, err) : NULL;
    zstr_free(&dflt);
    if (hub) {
        upl_sender_config sc = {
            .node = hc_service_node_id(service),
            .central = central,
            .cert = cert,
            .central_key = zcert_public_key(hub),
            .ack_timeout_ms = (int)hc_config_int(config, "uplink/ack_timeout_ms", 5000),
            .lost = s_central_lost,
            .lost_arg = st,
        };
        st->sender = upl_sender_new(st->store, hc_service_loop(service), &sc, err);
    }
    zcert_destroy(&cert);
    zcert_destroy(&hub);
    return st->sender ? HC_OK : err->code;
}

static const hc_handler s_handlers[] = {
    {"GetStatus", s_status, 0},
    {"Resend", s_resend, 0},
    {"ListDeadLetters", hc_service_list_dead_letters, 0},
    {"RetryDeadLetters", hc_service_retry_dead_letters, 0},
    {NULL, NULL, 0},
};

/* Reporting's own log (grants) stays at the region. */
static const hc_service_follow s_follows[] = {
    {"enrollment", upl_outbox_apply, NULL, false},
    {"credentialing", upl_outbox_apply, NULL, false},
    {"apprenticeship", upl_outbox_apply, NULL, false},
    {NULL, NULL, NULL, false},
};

const hc_service_def upl_service = {
    .name = "uplink",
    .descriptor = &hcap__uplink_service__descriptor,
    .handlers = s_handlers,
    .migrations = uplink_migrations,
    .state_new = s_state_new,
    .state_destroy = s_state_destroy,
    .follows = s_follows,
    .start = s_start,
    .health = s_health,
};
