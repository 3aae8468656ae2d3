/* hc_follower: pulls a producer's event log by seq into the local store,
   one transaction per FETCH reply, with dead letters and lazy-pirate retry. */
#include "hc_follower.h"

#include <inttypes.h>
#include <sqlite3.h>
#include "hc_arena.h"
#include "hc_eventlog.h"
#include "hc_log.h"
#include "hc_msg.h"
#include "hc_time.h"

#define S_POLL_MS          1000 /* poll even when no doorbell rings */
#define S_REPLY_TIMEOUT_MS 3000 /* then the DEALER is recreated */
/* A doorbell waits this long before its FETCH, so that under load one
   FETCH and one transaction carry the commits of many producer batches
   instead of the follower competing with its producer after each. */
#define S_COALESCE_MS 10

static const char *s_schema =
    "CREATE TABLE IF NOT EXISTS hc_cursors ("
    " follower TEXT PRIMARY KEY, source TEXT, epoch TEXT, seq INTEGER);"
    "CREATE TABLE IF NOT EXISTS hc_dead_letters ("
    " id INTEGER PRIMARY KEY, follower TEXT, source TEXT, epoch TEXT, seq INTEGER,"
    " type TEXT, body BLOB, reason TEXT, failed_at TEXT, occurred_at TEXT);";

struct _hc_follower {
    hc_store *store;
    char *name;
    char *fetch_endpoint;
    char *bell_endpoint;
    hc_follower_apply_fn *apply;
    hc_follower_reset_fn *reset;
    void *arg;
    bool relaxed; /* batches commit without waiting for the disk */
    zloop_t *loop;
    zsock_t *dealer; /* FETCH */
    zsock_t *sub;    /* doorbell */
    /* A replaced DEALER lives one more tick: zloop may still hold it in
       the poll set of the iteration that replaced it. */
    zsock_t *stale;
    int timer;
    bool waiting; /* one FETCH outstanding */
    int64_t sent_at;
    bool again;   /* fetch again as soon as the reply is handled */
    int coalesce; /* the armed doorbell delay's timer, or -1 */
    char *source; /* the cursor; NULL until the first batch */
    char *epoch;
    uint64_t seq;
    uint64_t head;
    /* the producer as last heard (FETCH reply or doorbell); NULL until it
       answered since the follower started */
    char *producer_epoch;
    uint64_t producer_head;
    bool behind_logged;
    int64_t behind_since; /* clock ms when it fell behind; 0 while caught up */
    bool reload;          /* the stored cursor changed under us */
    hc_arena *arena;
};

static int s_cursor_load(hc_follower *self)
{
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "SELECT source, epoch, seq FROM hc_cursors WHERE follower = ?1");
    if (!stmt)
        return -1;
    sqlite3_bind_text(stmt, 1, self->name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 1) != SQLITE_NULL) {
        self->source = strdup((const char *)sqlite3_column_text(stmt, 0));
        self->epoch = strdup((const char *)sqlite3_column_text(stmt, 1));
        self->seq = (uint64_t)sqlite3_column_int64(stmt, 2);
        self->head = self->seq;
    }
    sqlite3_reset(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

hc_follower *hc_follower_new(hc_store *store, const char *name, const char *fetch_endpoint,
                             const char *bell_endpoint, hc_follower_apply_fn *apply,
                             hc_follower_reset_fn *reset, void *arg)
{
    assert(store);
    assert(name);
    assert(fetch_endpoint);
    assert(bell_endpoint);
    assert(apply);
    hc_follower *self = (hc_follower *)zmalloc(sizeof(hc_follower));
    assert(self);
    self->store = store;
    self->name = strdup(name);
    self->fetch_endpoint = strdup(fetch_endpoint);
    self->bell_endpoint = strdup(bell_endpoint);
    self->apply = apply;
    self->reset = reset;
    self->arg = arg;
    self->timer = -1;
    self->coalesce = -1;
    self->arena = hc_arena_new();
    assert(self->name && self->fetch_endpoint && self->bell_endpoint);
    hc_error err;
    if (hc_followers_schema(store, &err) != HC_OK || s_cursor_load(self) != 0) {
        hc_log_error("follower_open_failed", "follower=%s path=%s", name, hc_store_path(store));
        hc_follower_destroy(&self);
    }
    return self;
}

void hc_follower_destroy(hc_follower **self_p)
{
    assert(self_p);
    hc_follower *self = *self_p;
    if (!self)
        return;
    if (self->loop) {
        if (self->dealer)
            zloop_reader_end(self->loop, self->dealer);
        if (self->sub)
            zloop_reader_end(self->loop, self->sub);
        if (self->timer != -1)
            zloop_timer_end(self->loop, self->timer);
        if (self->coalesce != -1)
            zloop_timer_end(self->loop, self->coalesce);
    }
    zsock_destroy(&self->dealer);
    zsock_destroy(&self->sub);
    zsock_destroy(&self->stale);
    hc_arena_destroy(&self->arena);
    free(self->name);
    free(self->fetch_endpoint);
    free(self->bell_endpoint);
    free(self->source);
    free(self->epoch);
    free(self->producer_epoch);
    free(self);
    *self_p = NULL;
}

void hc_follower_set_relaxed(hc_follower *self, bool relaxed)
{
    assert(self);
    self->relaxed = relaxed;
}

uint64_t hc_follower_seq(hc_follower *self)
{
    assert(self);
    return self->seq;
}

uint64_t hc_follower_head(hc_follower *self)
{
    assert(self);
    return self->head;
}

/* Whether the producer answered since the start and is on the cursor's
   epoch (a follower without a cursor takes whatever epoch it has). */
static bool s_epoch_confirmed(const hc_follower *self)
{
    return self->producer_epoch && (!self->epoch || strcmp(self->epoch, self->producer_epoch) == 0);
}

/* Starts or stops the clock of how long the follower has been behind: an
   epoch not confirmed yet counts as behind, whatever the seqs say. */
static void s_track_lag(hc_follower *self)
{
    if (self->head <= self->seq && s_epoch_confirmed(self))
        self->behind_since = 0;
    else if (self->behind_since == 0)
        self->behind_since = hc_clock_ms();
}

static uint32_t s_dead_count(hc_follower *self)
{
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "SELECT count(*) FROM hc_dead_letters WHERE follower = ?1");
    if (!stmt)
        return 0;
    sqlite3_bind_text(stmt, 1, self->name, -1, SQLITE_STATIC);
    uint32_t count = sqlite3_step(stmt) == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_reset(stmt);
    return count;
}

void hc_follower_status(hc_follower *self, Hcap__FollowerStatus *status)
{
    assert(self);
    assert(status);
    hcap__follower_status__init(status);
    status->source = self->name;
    status->seq = self->seq;
    status->head = self->head > self->seq ? self->head : self->seq;
    status->seconds_behind =
        self->behind_since ? (double)(hc_clock_ms() - self->behind_since) / 1000.0 : 0.0;
    status->has_dead_letters = true;
    status->dead_letters = s_dead_count(self);
    status->epoch = self->epoch;
    status->producer_epoch = self->producer_epoch;
    if (self->epoch && self->producer_epoch && strcmp(self->epoch, self->producer_epoch) != 0) {
        status->seq = 0; /* the new epoch is read from seq 1 */
        status->head = self->producer_head;
    }
}

void hc_follower_reload(hc_follower *self)
{
    assert(self);
    self->reload = true;
}

/* Takes the stored cursor again (after hc_follower_reload). */
static void s_reload(hc_follower *self)
{
    self->reload = false;
    uint64_t head = self->head; /* the producer's head is still what it was */
    free(self->source);
    free(self->epoch);
    self->source = self->epoch = NULL;
    self->seq = 0;
    if (s_cursor_load(self) != 0)
        hc_log_error("follower_reload_failed", "follower=%s", self->name);
    self->head = head > self->seq ? head : self->seq;
    hc_log_info("follower_reloaded", "follower=%s seq=%" PRIu64, self->name, self->seq);
    self->behind_logged = false;
    s_track_lag(self);
}

/* --- storing --- */

static int s_cursor_save(hc_follower *self, const char *source, const char *epoch, uint64_t seq,
                         hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "INSERT INTO hc_cursors (follower, source, epoch, seq)"
                                   " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (follower) DO UPDATE"
                                   " SET source = ?2, epoch = ?3, seq = ?4");
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot prepare cursor write");
    sqlite3_bind_text(stmt, 1, self->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, epoch, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)seq);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? HC_OK : hc_store_error(self->store, rc, NULL, err);
}

/* Takes the committed cursor into memory. */
static void s_cursor_set(hc_follower *self, const char *source, const char *epoch, uint64_t seq)
{
    if (!self->source || strcmp(self->source, source) != 0) {
        free(self->source);
        self->source = strdup(source);
    }
    if (!self->epoch || strcmp(self->epoch, epoch) != 0) {
        free(self->epoch);
        self->epoch = strdup(epoch);
    }
    assert(self->source && self->epoch);
    self->seq = seq;
}

static int s_dead_letter(hc_follower *self, const Hcap__Event *event, const char *source,
                         const char *epoch, const char *reason, hc_error *err)
{
    sqlite3_stmt *stmt = hc_store_stmt(
        self->store,
        "INSERT INTO hc_dead_letters (follower, source, epoch, seq, type, body,"
        " reason, failed_at, occurred_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot prepare dead-letter write");
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    sqlite3_bind_text(stmt, 1, self->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, epoch, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, (sqlite3_int64)event->seq);
    sqlite3_bind_text(stmt, 5, event->type, -1, SQLITE_STATIC);
    if (event->body.len > 0)
        sqlite3_bind_blob64(stmt, 6, event->body.data, event->body.len, SQLITE_STATIC);
    else
        sqlite3_bind_zeroblob(stmt, 6, 0);
    sqlite3_bind_text(stmt, 7, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 8, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 9, event->occurred_at, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? HC_OK : hc_store_error(self->store, rc, NULL, err);
}

/* Runs the apply callback inside its own savepoint. Returns HC_OK when it
   applied (*failed false) or failed and was rolled back (*failed true, the
   reason in reason); anything else means the batch must be abandoned. */
static int s_apply_one(hc_follower *self, const Hcap__Event *event, bool *failed, char *reason,
                       size_t size, hc_error *err)
{
    int rc = hc_store_savepoint(self->store, err);
    if (rc != HC_OK)
        return rc;
    hc_error applied;
    hc_error_clear(&applied);
    rc = self->apply(self->arg, self->store, event, &applied);
    if (!hc_store_in_transaction(self->store))
        return hc_error_set(err, HC_INTERNAL, NULL, "apply of seq %" PRIu64 " ended the batch",
                            event->seq);
    *failed = rc != HC_OK;
    if (!*failed)
        return hc_store_release(self->store, err);
    hc_store_rollback_savepoint(self->store);
    snprintf(reason, size, "%s: %s", hc_code_name(rc), applied.message);
    return HC_OK;
}

/* Applies one event of a batch or parks it with the reason. */
static int s_apply_or_park(hc_follower *self, const Hcap__FetchReply *reply,
                           const Hcap__Event *event, hc_error *err)
{
    bool failed = false;
    char reason[700];
    int rc = s_apply_one(self, event, &failed, reason, sizeof reason, err);
    if (rc != HC_OK || !failed)
        return rc;
    char quoted[200];
    hc_log_warn("follower_dead_letter", "follower=%s source=%s seq=%" PRIu64 " type=%s reason=%s",
                self->name, reply->source, event->seq, event->type,
                hc_log_quote(reason, quoted, sizeof quoted));
    return s_dead_letter(self, event, reply->source, reply->epoch, reason, err);
}

/* Inside the batch's transaction: whether the stored cursor is no longer
   the one in memory. Another process sharing the store moved it (a
   rebuild run by another instance, or a leader this one outlived):
   applying on top would skip or repeat events. */
static bool s_cursor_moved(hc_follower *self)
{
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "SELECT epoch, seq FROM hc_cursors WHERE follower = ?1");
    if (!stmt)
        return true;
    sqlite3_bind_text(stmt, 1, self->name, -1, SQLITE_STATIC);
    bool moved = false;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        const char *epoch = (const char *)sqlite3_column_text(stmt, 0);
        moved = (uint64_t)sqlite3_column_int64(stmt, 1) != self->seq ||
                (epoch && (!self->epoch || strcmp(epoch, self->epoch) != 0));
    } else
        moved = self->seq != 0;
    sqlite3_reset(stmt);
    return moved;
}

/* Applies events[first .. first+count) and the new cursor in ONE
   transaction; on any failure nothing of it stays. */
static int s_apply_batch(hc_follower *self, const Hcap__FetchReply *reply, size_t first,
                         size_t count)
{
    hc_error err;
    hc_error_clear(&err);
    int rc = self->relaxed ? hc_store_begin_relaxed(self->store, &err)
                           : hc_store_begin(self->store, &err);
    if (rc == HC_OK && s_cursor_moved(self)) {
        hc_store_rollback(self->store);
        hc_log_info("follower_cursor_moved", "follower=%s seq=%" PRIu64, self->name, self->seq);
        self->reload = true;
        self->again = true;
        return HC_ABORTED;
    }
    for (size_t i = first; rc == HC_OK && i < first + count; i++)
        rc = s_apply_or_park(self, reply, reply->events[i], &err);
    uint64_t last = reply->events[first + count - 1]->seq;
    if (rc == HC_OK)
        rc = s_cursor_save(self, reply->source, reply->epoch, last, &err);
    if (rc == HC_OK)
        rc = hc_store_commit(self->store, &err);
    else
        hc_store_rollback(self->store);
    if (rc != HC_OK) {
        char quoted[200];
        hc_log_error("follower_batch_failed", "follower=%s source=%s after=%" PRIu64 " error=%s",
                     self->name, reply->source, self->seq,
                     hc_log_quote(err.message, quoted, sizeof quoted));
        return rc;
    }
    s_cursor_set(self, reply->source, reply->epoch, last);
    return HC_OK;
}

/* The producer was rebuilt or restored: what was derived from the old
   epoch goes, and the follower starts again from seq 0 of the new one. */
static void s_reset(hc_follower *self, const Hcap__FetchReply *reply)
{
    hc_log_error("follower_epoch_changed",
                 "follower=%s source=%s epoch=%s new_source=%s new_epoch=%s seq=%" PRIu64
                 " message=\"epoch changed: rebuilding from seq 0\"",
                 self->name, self->source, self->epoch, reply->source, reply->epoch, self->seq);
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_store_begin(self->store, &err);
    if (rc == HC_OK && self->reset)
        rc = self->reset(self->arg, self->store, self->source, &err);
    if (rc == HC_OK)
        rc = s_cursor_save(self, reply->source, reply->epoch, 0, &err);
    if (rc == HC_OK)
        rc = hc_store_commit(self->store, &err);
    else
        hc_store_rollback(self->store);
    if (rc != HC_OK) {
        char quoted[200];
        hc_log_error("follower_reset_failed", "follower=%s error=%s", self->name,
                     hc_log_quote(err.message, quoted, sizeof quoted));
        return;
    }
    s_cursor_set(self, reply->source, reply->epoch, 0);
    self->head = reply->head;
    self->behind_logged = false;
    self->again = true;
}

/* --- the reply --- */

/* How many events from first continue the cursor without a hole. */
static size_t s_run_length(hc_follower *self, const Hcap__FetchReply *reply, size_t first)
{
    size_t count = 0;
    while (first + count < reply->n_events &&
           reply->events[first + count]->seq == self->seq + 1 + count)
        count++;
    if (first + count < reply->n_events)
        hc_log_error("follower_gap",
                     "follower=%s source=%s expected=%" PRIu64 " got=%" PRIu64
                     " message=\"events missing in a FETCH reply; refetching\"",
                     self->name, reply->source, self->seq + 1 + count,
                     reply->events[first + count]->seq);
    return count;
}

/* Remembers the producer's epoch and head as it just told them (a reply
   or a doorbell; within one epoch the head only grows, a doorbell may be
   older than a reply). */
static void s_heard(hc_follower *self, const char *epoch, uint64_t head)
{
    if (!self->producer_epoch || strcmp(self->producer_epoch, epoch) != 0) {
        free(self->producer_epoch);
        self->producer_epoch = strdup(epoch);
        assert(self->producer_epoch);
        self->producer_head = head;
    } else if (head > self->producer_head) {
        self->producer_head = head;
    }
}

static void s_handle_reply(hc_follower *self, const Hcap__FetchReply *reply)
{
    s_heard(self, reply->epoch, reply->head);
    if (self->reload) {
        s_reload(self); /* the reply answered the old cursor: ask again */
        self->head = reply->head > self->head ? reply->head : self->head;
        s_track_lag(self);
        self->again = true;
        return;
    }
    if (self->epoch &&
        (strcmp(self->epoch, reply->epoch) != 0 || strcmp(self->source, reply->source) != 0)) {
        s_reset(self, reply);
        return;
    }
    self->head = reply->head;
    if (reply->head < self->seq && !self->behind_logged) {
        hc_log_error("follower_ahead_of_producer",
                     "follower=%s source=%s seq=%" PRIu64 " head=%" PRIu64, self->name,
                     reply->source, self->seq, reply->head);
        self->behind_logged = true;
    }
    size_t first = 0;
    while (first < reply->n_events && reply->events[first]->seq <= self->seq)
        first++; /* delivered before: at-least-once, applied once */
    size_t count = s_run_length(self, reply, first);
    s_track_lag(self);
    if (count == 0)
        return; /* nothing new, or a hole: the next poll asks again */
    if (s_apply_batch(self, reply, first, count) == HC_OK && first + count == reply->n_events &&
        self->head > self->seq)
        self->again = true;
    s_track_lag(self);
}

/* --- sockets --- */

static void s_send_fetch(hc_follower *self)
{
    if (self->reload)
        s_reload(self);
    Hcap__FetchRequest request = HCAP__FETCH_REQUEST__INIT;
    request.after_seq = self->seq;
    request.has_max = true;
    request.max = HC_FETCH_MAX;
    zframe_t *frame = hc_msg_frame(&request.base);
    self->waiting = frame && zframe_send(&frame, self->dealer, ZFRAME_DONTWAIT) == 0;
    zframe_destroy(&frame);
    self->sent_at = hc_clock_ms();
    if (!self->waiting)
        hc_log_debug("follower_fetch_not_sent", "follower=%s endpoint=%s", self->name,
                     self->fetch_endpoint);
}

static int s_on_reply(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    hc_follower *self = (hc_follower *)arg;
    zmsg_t *msg = zmsg_recv(sock);
    if (!msg || sock != self->dealer) {
        zmsg_destroy(&msg); /* an answer to a request already given up */
        return 0;
    }
    self->waiting = false;
    zframe_t *frame = zmsg_first(msg);
    Hcap__FetchReply *reply =
        zmsg_size(msg) == 1
            ? (Hcap__FetchReply *)hc_msg_unpack(&hcap__fetch_reply__descriptor, zframe_data(frame),
                                                zframe_size(frame), self->arena)
            : NULL;
    if (reply)
        s_handle_reply(self, reply);
    else
        hc_log_warn("follower_reply_malformed", "follower=%s endpoint=%s frames=%zu", self->name,
                    self->fetch_endpoint, zmsg_size(msg));
    zmsg_destroy(&msg);
    hc_arena_reset(self->arena);
    if (self->again && self->dealer) {
        self->again = false;
        s_send_fetch(self);
    }
    return 0;
}

/* The doorbell delay ran out: fetch now, unless a FETCH went meanwhile. */
static int s_on_coalesced(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hc_follower *self = (hc_follower *)arg;
    self->coalesce = -1;
    if (self->waiting)
        self->again = true;
    else if (self->dealer)
        s_send_fetch(self);
    return 0;
}

static int s_on_bell(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    hc_follower *self = (hc_follower *)arg;
    zmsg_t *msg = zmsg_recv(sock);
    if (!msg)
        return 0;
    zframe_t *frame = zmsg_size(msg) == 2 ? zmsg_last(msg) : NULL;
    Hcap__Doorbell *bell =
        frame ? (Hcap__Doorbell *)hc_msg_unpack(&hcap__doorbell__descriptor, zframe_data(frame),
                                                zframe_size(frame), self->arena)
              : NULL;
    if (!bell)
        hc_log_warn("follower_doorbell_malformed", "follower=%s endpoint=%s", self->name,
                    self->bell_endpoint);
    else {
        s_heard(self, bell->epoch, bell->head);
        bool same = !self->epoch || strcmp(self->epoch, bell->epoch) == 0;
        if (same && bell->head > self->head)
            self->head = bell->head;
        s_track_lag(self);
        bool news = !same || bell->head > self->seq;
        if (news && self->waiting)
            self->again = true; /* the outstanding reply may predate it */
        else if (news && self->coalesce < 0)
            self->coalesce = zloop_timer(loop, S_COALESCE_MS, 1, s_on_coalesced, self);
    }
    zmsg_destroy(&msg);
    hc_arena_reset(self->arena);
    return 0;
}

static zsock_t *s_connect(hc_follower *self, int type, const char *endpoint,
                          zloop_reader_fn *handler)
{
    zsock_t *sock = zsock_new(type);
    if (!sock)
        return NULL;
    hc_sock_setup(sock);
    if (type == ZMQ_SUB)
        zsock_set_subscribe(sock, "");
    if (zsock_connect(sock, "%s", endpoint) != 0 ||
        zloop_reader(self->loop, sock, handler, self) != 0) {
        hc_log_error("follower_connect_failed", "follower=%s endpoint=%s", self->name, endpoint);
        zsock_destroy(&sock);
        return NULL;
    }
    zloop_reader_set_tolerant(self->loop, sock);
    return sock;
}

/* Lazy pirate: a request unanswered for S_REPLY_TIMEOUT_MS is abandoned
   with its socket, so a stale answer can never arrive, and asked again. */
static int s_on_tick(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    hc_follower *self = (hc_follower *)arg;
    zsock_destroy(&self->stale);
    if (self->waiting && hc_clock_ms() - self->sent_at < S_REPLY_TIMEOUT_MS)
        return 0;
    if (self->waiting || !self->dealer) {
        if (self->waiting)
            hc_log_warn("follower_fetch_timeout", "follower=%s endpoint=%s after=%" PRIu64,
                        self->name, self->fetch_endpoint, self->seq);
        if (self->dealer)
            zloop_reader_end(self->loop, self->dealer);
        self->stale = self->dealer;
        self->dealer = s_connect(self, ZMQ_DEALER, self->fetch_endpoint, s_on_reply);
        self->waiting = false;
    }
    if (self->dealer)
        s_send_fetch(self);
    return 0;
}

int hc_follower_start(hc_follower *self, zloop_t *loop)
{
    assert(self);
    assert(loop);
    assert(!self->loop);
    self->loop = loop;
    self->dealer = s_connect(self, ZMQ_DEALER, self->fetch_endpoint, s_on_reply);
    self->sub = self->dealer ? s_connect(self, ZMQ_SUB, self->bell_endpoint, s_on_bell) : NULL;
    self->timer = self->sub ? zloop_timer(loop, S_POLL_MS, 0, s_on_tick, self) : -1;
    if (self->timer == -1)
        return HC_INTERNAL;
    s_track_lag(self); /* behind until the producer confirms the epoch */
    hc_log_info("follower_started", "follower=%s fetch=%s bell=%s epoch=%s seq=%" PRIu64,
                self->name, self->fetch_endpoint, self->bell_endpoint,
                self->epoch ? self->epoch : "-", self->seq);
    s_send_fetch(self);
    return HC_OK;
}

void hc_follower_poke(hc_follower *self)
{
    assert(self);
    if (self->reload)
        s_reload(self);
    if (self->waiting)
        self->again = true;
    else if (self->dealer)
        s_send_fetch(self);
}

/* --- dead letters --- */

/* Loads dead letter id as an event in the arena; false when it is gone. */
static bool s_dead_load(hc_follower *self, int64_t id, Hcap__Event *event)
{
    sqlite3_stmt *stmt = hc_store_stmt(
        self->store, "SELECT source, epoch, seq, type, body, coalesce(occurred_at, '')"
                     " FROM hc_dead_letters WHERE id = ?1 AND follower = ?2");
    if (!stmt)
        return false;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, self->name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(stmt) == SQLITE_ROW;
    if (found) {
        hcap__event__init(event);
        event->source = hc_arena_strdup(self->arena, (const char *)sqlite3_column_text(stmt, 0));
        event->epoch = hc_arena_strdup(self->arena, (const char *)sqlite3_column_text(stmt, 1));
        event->seq = (uint64_t)sqlite3_column_int64(stmt, 2);
        event->type = hc_arena_strdup(self->arena, (const char *)sqlite3_column_text(stmt, 3));
        event->body.len = (size_t)sqlite3_column_bytes(stmt, 4);
        event->body.data = hc_arena_alloc(self->arena, event->body.len + 1);
        if (event->body.len > 0)
            memcpy(event->body.data, sqlite3_column_blob(stmt, 4), event->body.len);
        event->occurred_at =
            hc_arena_strdup(self->arena, (const char *)sqlite3_column_text(stmt, 5));
    }
    sqlite3_reset(stmt);
    return found && event->source && event->epoch && event->type && event->occurred_at;
}

/* After a retry: removes the letter, or records why it failed again. */
static int s_dead_settle(hc_follower *self, int64_t id, const char *reason, hc_error *err)
{
    sqlite3_stmt *stmt =
        reason ? hc_store_stmt(self->store, "UPDATE hc_dead_letters SET reason = ?2,"
                                            " failed_at = ?3 WHERE id = ?1")
               : hc_store_stmt(self->store, "DELETE FROM hc_dead_letters WHERE id = ?1");
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot prepare dead-letter update");
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    sqlite3_bind_int64(stmt, 1, id);
    if (reason) {
        sqlite3_bind_text(stmt, 2, reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, now, -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? HC_OK : hc_store_error(self->store, rc, NULL, err);
}

/* One dead letter inside the caller's transaction; *applied tells
   whether it went. */
static int s_retry_one(hc_follower *self, int64_t id, bool *applied, hc_error *err)
{
    *applied = false;
    Hcap__Event event;
    bool failed = false;
    char reason[700];
    int rc = HC_OK;
    bool loaded = s_dead_load(self, id, &event);
    if (loaded)
        rc = s_apply_one(self, &event, &failed, reason, sizeof reason, err);
    if (loaded && rc == HC_OK)
        rc = s_dead_settle(self, id, failed ? reason : NULL, err);
    hc_arena_reset(self->arena);
    *applied = rc == HC_OK && loaded && !failed;
    return rc;
}

/* The ids of this follower's dead letters, oldest first; NULL on error. */
static int64_t *s_dead_ids(hc_follower *self, size_t *count)
{
    sqlite3_stmt *stmt = hc_store_stmt(
        self->store, "SELECT id FROM hc_dead_letters WHERE follower = ?1 ORDER BY id");
    if (!stmt)
        return NULL;
    sqlite3_bind_text(stmt, 1, self->name, -1, SQLITE_STATIC);
    size_t limit = 16;
    int64_t *ids = malloc(limit * sizeof *ids);
    assert(ids);
    *count = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (*count == limit) {
            limit *= 2;
            int64_t *grown = realloc(ids, limit * sizeof *ids);
            assert(grown);
            ids = grown;
        }
        ids[(*count)++] = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) {
        free(ids);
        return NULL;
    }
    return ids;
}

int hc_follower_retry_dead(hc_follower *self, uint32_t *remaining, hc_error *err)
{
    assert(self);
    assert(remaining);
    *remaining = 0;
    if (!hc_store_in_transaction(self->store)) {
        hc_error_set(err, HC_INTERNAL, NULL, "dead letters are retried inside a transaction");
        return -1;
    }
    size_t total = 0;
    int64_t *ids = s_dead_ids(self, &total);
    if (!ids) {
        hc_error_set(err, HC_INTERNAL, NULL, "cannot list dead letters");
        return -1;
    }
    int count = 0;
    for (size_t i = 0; i < total && count >= 0; i++) {
        bool applied = false;
        if (s_retry_one(self, ids[i], &applied, err) != HC_OK)
            count = -1;
        else
            count += applied;
    }
    free(ids);
    if (count >= 0)
        *remaining = (uint32_t)(total - (size_t)count);
    hc_log_info("follower_retried_dead", "follower=%s letters=%zu applied=%d", self->name, total,
                count);
    return count;
}

/* --- every follower of a store --- */

int hc_followers_schema(hc_store *store, hc_error *err)
{
    assert(store);
    return hc_store_exec(store, s_schema, err);
}

int hc_followers_rewind(hc_store *store, uint32_t *count, hc_error *err)
{
    assert(store && count);
    int rc = hc_followers_schema(store, err);
    if (rc == HC_OK)
        rc = hc_store_exec(store,
                           "UPDATE hc_cursors SET seq = 0 WHERE seq > 0;"
                           " DELETE FROM hc_dead_letters;",
                           err);
    sqlite3_stmt *stmt =
        rc == HC_OK ? hc_store_stmt(store, "SELECT count(*) FROM hc_cursors") : NULL;
    if (rc == HC_OK && !stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot count the cursors");
    if (rc == HC_OK) {
        *count = sqlite3_step(stmt) == SQLITE_ROW ? (uint32_t)sqlite3_column_int64(stmt, 0) : 0;
        sqlite3_reset(stmt);
    }
    return rc;
}
