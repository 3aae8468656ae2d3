/* uplink_sender: one UplinkBatch in flight toward central. The outbox is
   the sender's only memory of what to send: after an ack, a refusal, a
   timeout or a restart it sends the outbox's oldest rows again, and
   central drops what it already has. */
#include "uplink_sender.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sodium.h>
#include "hc_log.h"
#include "hc_time.h"
#include "uplink_store.h"

#define S_KEY_SIZE 32 /* a CURVE key */

struct _upl_sender {
    hc_store *store;
    zloop_t *loop;
    char *node;
    char *central;
    uint8_t public_key[S_KEY_SIZE], secret_key[S_KEY_SIZE], central_key[S_KEY_SIZE];
    int ack_timeout_ms, poll_ms, backoff_min_ms, backoff_max_ms;
    size_t max_events, max_bytes;
    zsock_t *sock;
    zsock_t *old_sock; /* closed at the next poll: zloop may still hold it this turn */
    int timer_id;
    uint64_t in_flight; /* the batch waiting for its ack; 0 when none */
    size_t in_flight_events;
    int64_t sent_at;   /* hc_clock_ms of its sending */
    int64_t resume_at; /* no batch before this (back-off) */
    int backoff_ms;    /* the next back-off */
    unsigned timeouts; /* in a row: the first is a warning, the rest debug */
    bool connected;
    char last_error[512];
    hc_arena *arena;     /* the batch being sent */
    hc_arena *ack_arena; /* the ack being read */
    void (*lost)(void *arg);
    void *lost_arg;
};

static int s_on_ack(zloop_t *loop, zsock_t *sock, void *arg);
static int s_on_poll(zloop_t *loop, int timer_id, void *arg);

/* A new CURVE client DEALER connected to central, read by the loop. */
static int s_connect(upl_sender *self)
{
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    if (!sock)
        return HC_INTERNAL;
    hc_sock_setup(sock);
    zsock_set_curve_serverkey_bin(sock, self->central_key);
    zsock_set_curve_publickey_bin(sock, self->public_key);
    zsock_set_curve_secretkey_bin(sock, self->secret_key);
    if (zsock_connect(sock, "%s", self->central) != 0 ||
        zloop_reader(self->loop, sock, s_on_ack, self) != 0) {
        zsock_destroy(&sock);
        return HC_INTERNAL;
    }
    self->sock = sock;
    hc_log_info("uplink_connecting", "central=%s node=%s", self->central, self->node);
    return HC_OK;
}

/* Leaves the current socket (closed at the next poll) for a new one:
   whatever it still queued is dropped, and a new CURVE handshake runs. */
static void s_reconnect(upl_sender *self)
{
    zsock_destroy(&self->old_sock);
    if (self->sock)
        zloop_reader_end(self->loop, self->sock);
    self->old_sock = self->sock;
    self->sock = NULL;
    if (s_connect(self) != HC_OK)
        hc_log_error("uplink_connect_failed", "central=%s", self->central);
}

static void s_set_error(upl_sender *self, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void s_set_error(upl_sender *self, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(self->last_error, sizeof self->last_error, fmt, args);
    va_end(args);
    self->connected = false;
}

/* Sends the outbox's oldest rows as one batch, when there are any. */
static void s_send(upl_sender *self)
{
    hc_arena_reset(self->arena);
    Hcap__UplinkBatch batch = HCAP__UPLINK_BATCH__INIT;
    hc_error err;
    hc_error_clear(&err);
    if (upl_store_outbox_read(self->store, self->max_events, self->max_bytes, self->arena,
                              &batch.events, &batch.n_events, &batch.batch, &err) != HC_OK) {
        char quoted[600];
        hc_log_error("uplink_outbox_read_failed", "message=%s",
                     hc_log_quote(err.message, quoted, sizeof quoted));
        return;
    }
    if (!batch.n_events || !self->sock)
        return;
    batch.node = self->node;
    zframe_t *frame = hc_msg_frame(&batch.base);
    if (!frame || zframe_send(&frame, self->sock, ZFRAME_DONTWAIT) != 0) {
        zframe_destroy(&frame);
        hc_log(self->timeouts ? HC_LOG_DEBUG : HC_LOG_WARN, "uplink_send_failed",
               "central=%s batch=%" PRIu64 " message=\"not connected\"", self->central,
               batch.batch);
    }
    /* Sent or not, the batch now waits for its ack: the timeout retries. */
    self->in_flight = batch.batch;
    self->in_flight_events = batch.n_events;
    self->sent_at = hc_clock_ms();
    hc_log_debug("uplink_batch_sent", "batch=%" PRIu64 " events=%zu", batch.batch, batch.n_events);
}

static void s_timeout(upl_sender *self)
{
    self->timeouts++;
    hc_log(self->timeouts > 1 ? HC_LOG_DEBUG : HC_LOG_WARN, "uplink_ack_timeout",
           "central=%s batch=%" PRIu64 " timeout_ms=%d timeouts=%u", self->central, self->in_flight,
           self->ack_timeout_ms, self->timeouts);
    s_set_error(self, "no ack within %d ms", self->ack_timeout_ms);
    self->in_flight = 0;
    s_reconnect(self);
    s_send(self);
}

static int s_on_poll(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    upl_sender *self = arg;
    zsock_destroy(&self->old_sock);
    int64_t now = hc_clock_ms();
    if (self->in_flight && now - self->sent_at >= self->ack_timeout_ms)
        s_timeout(self);
    else if (!self->in_flight && now >= self->resume_at)
        s_send(self);
    return 0;
}

/* A refused batch: nothing moves; the same rows go again after the back-off. */
static void s_refused(upl_sender *self, const Hcap__Status *error)
{
    const char *message = error->message ? error->message : "";
    s_set_error(self, "%s: %s%s%s", hc_code_name((int)error->code), message,
                error->field ? " field=" : "", error->field ? error->field : "");
    char quoted[600];
    hc_log_warn("uplink_batch_refused", "central=%s batch=%" PRIu64 " code=%s field=%s message=%s",
                self->central, self->in_flight, hc_code_name((int)error->code),
                error->field ? error->field : "", hc_log_quote(message, quoted, sizeof quoted));
    self->in_flight = 0;
    self->resume_at = hc_clock_ms() + self->backoff_ms;
    self->backoff_ms =
        self->backoff_ms * 2 > self->backoff_max_ms ? self->backoff_max_ms : self->backoff_ms * 2;
}

/* Whether the ack says the hub held less of a log, before this batch,
   than it acked before: central lost events (restored from a backup).
   Read before the ack raises what the uplink remembers; each such log is
   logged. */
static bool s_hub_lost(upl_sender *self, const Hcap__UplinkAck *ack)
{
    bool lost = false;
    for (size_t i = 0; i < ack->n_held; i++) {
        const Hcap__LogPosition *at = ack->held[i];
        uint64_t acked = 0;
        hc_error err;
        if (upl_store_acked_seq(self->store, at->source, at->epoch, &acked, &err) != HC_OK ||
            acked <= at->seq)
            continue;
        char source[160], epoch[160];
        hc_log_warn("uplink_central_lost_events",
                    "central=%s source=%s epoch=%s held=%" PRIu64 " acked=%" PRIu64
                    " message=\"central holds less than it acked (restored from a backup?): "
                    "every log is queued again\"",
                    self->central, hc_log_quote(at->source, source, sizeof source),
                    hc_log_quote(at->epoch, epoch, sizeof epoch), at->seq, acked);
        lost = true;
    }
    return lost;
}

/* An ack of the batch in flight: its rows leave the outbox, the next goes. */
static void s_acked(upl_sender *self, const Hcap__UplinkAck *ack)
{
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    uint64_t deleted = 0;
    hc_error err;
    hc_error_clear(&err);
    self->in_flight = 0;
    bool lost = s_hub_lost(self, ack);
    if (upl_store_outbox_acked(self->store, ack->batch, now, &deleted, &err) != HC_OK) {
        char quoted[600];
        hc_log_error("uplink_ack_not_stored", "batch=%" PRIu64 " message=%s", ack->batch,
                     hc_log_quote(err.message, quoted, sizeof quoted));
        return; /* the rows stay and go again; central drops the duplicates */
    }
    if (!self->connected)
        hc_log_info("uplink_connected", "central=%s node=%s", self->central, self->node);
    self->connected = true;
    self->last_error[0] = '\0';
    self->backoff_ms = self->backoff_min_ms;
    self->timeouts = 0;
    hc_log_debug("uplink_batch_acked",
                 "batch=%" PRIu64 " events=%" PRIu64 " accepted=%u duplicates=%u", ack->batch,
                 deleted, ack->accepted, ack->duplicates);
    if (lost && self->lost)
        self->lost(self->lost_arg);
    s_send(self);
}

static int s_on_ack(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    upl_sender *self = arg;
    zframe_t *frame = zframe_recv(sock);
    while (zsock_rcvmore(sock)) {
        zframe_t *extra = zframe_recv(sock);
        zframe_destroy(&extra);
    }
    hc_arena_reset(self->ack_arena);
    Hcap__UplinkAck *ack =
        frame ? (Hcap__UplinkAck *)hc_msg_unpack(&hcap__uplink_ack__descriptor, zframe_data(frame),
                                                 zframe_size(frame), self->ack_arena)
              : NULL;
    if (!ack)
        hc_log_warn("uplink_bad_ack", "central=%s", self->central);
    else if (!self->in_flight || ack->batch != self->in_flight)
        hc_log_debug("uplink_ack_ignored", "batch=%" PRIu64 " in_flight=%" PRIu64, ack->batch,
                     self->in_flight);
    else if (ack->error)
        s_refused(self, ack->error);
    else
        s_acked(self, ack);
    zframe_destroy(&frame);
    return 0;
}

static int s_or(int value, int fallback)
{
    return value > 0 ? value : fallback;
}

static void s_configure(upl_sender *self, const upl_sender_config *config)
{
    self->node = strdup(config->node);
    self->central = strdup(config->central);
    memcpy(self->public_key, zcert_public_key(config->cert), S_KEY_SIZE);
    memcpy(self->secret_key, zcert_secret_key(config->cert), S_KEY_SIZE);
    memcpy(self->central_key, config->central_key, S_KEY_SIZE);
    self->ack_timeout_ms = s_or(config->ack_timeout_ms, 5000);
    self->poll_ms = s_or(config->poll_ms, 100);
    self->backoff_min_ms = self->backoff_ms = s_or(config->backoff_ms, 1000);
    self->backoff_max_ms = s_or(config->backoff_max_ms, 30000);
    bool default_events = !config->max_events || config->max_events > UPL_BATCH_EVENTS;
    self->max_events = default_events ? UPL_BATCH_EVENTS : config->max_events;
    self->max_bytes = UPL_BATCH_BYTES;
    self->lost = config->lost;
    self->lost_arg = config->lost_arg;
}

upl_sender *upl_sender_new(hc_store *store, zloop_t *loop, const upl_sender_config *config,
                           hc_error *err)
{
    assert(store && loop && config && config->node && config->central && config->cert &&
           config->central_key);
    upl_sender *self = zmalloc(sizeof *self);
    self->store = store;
    self->loop = loop;
    self->arena = hc_arena_new();
    self->ack_arena = hc_arena_new();
    self->timer_id = -1;
    s_configure(self, config);
    if (s_connect(self) != HC_OK) {
        hc_error_set(err, HC_INTERNAL, "uplink/central", "cannot connect to %s", config->central);
        upl_sender_destroy(&self);
        return NULL;
    }
    if ((self->timer_id = zloop_timer(loop, (size_t)self->poll_ms, 0, s_on_poll, self)) < 0) {
        hc_error_set(err, HC_INTERNAL, NULL, "cannot start the outbox poll");
        upl_sender_destroy(&self);
        return NULL;
    }
    return self;
}

void upl_sender_destroy(upl_sender **self_p)
{
    assert(self_p);
    upl_sender *self = *self_p;
    if (!self)
        return;
    if (self->timer_id >= 0)
        zloop_timer_end(self->loop, self->timer_id);
    if (self->sock)
        zloop_reader_end(self->loop, self->sock);
    zsock_destroy(&self->sock);
    zsock_destroy(&self->old_sock);
    sodium_memzero(self->secret_key, sizeof self->secret_key);
    hc_arena_destroy(&self->arena);
    hc_arena_destroy(&self->ack_arena);
    free(self->node);
    free(self->central);
    free(self);
    *self_p = NULL;
}

bool upl_sender_connected(upl_sender *self)
{
    assert(self);
    return self->connected;
}

const char *upl_sender_last_error(upl_sender *self)
{
    assert(self);
    return self->last_error;
}
