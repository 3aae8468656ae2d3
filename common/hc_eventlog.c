/* hc_eventlog: the transactional outbox of a service: gapless appends in the
   caller's transaction, FETCH answered from committed data, a PUB doorbell. */
#include "hc_eventlog.h"

#include <inttypes.h>
#include <sqlite3.h>
#include "hc_id.h"
#include "hc_log.h"
#include "hc_msg.h"
#include "hc_time.h"
#include "hcap.pb-c.h"

#define S_EPOCH_KEY   "eventlog_epoch"
#define S_SOURCE_KEY  "eventlog_source" /* what the log was last opened as: for backups */
#define S_EPOCH_BYTES 16
_Static_assert(2 * S_EPOCH_BYTES + 1 == HC_EPOCH_SIZE, "an epoch is hex text of its bytes");
/* A reply must fit the follower's ZMQ_MAXMSGSIZE with room for framing. */
#define S_REPLY_BUDGET (HC_MAX_MSG_SIZE - 64 * 1024)

#define S_SQL_HEAD "SELECT coalesce(max(seq), 0) FROM events"
#define S_SQL_RANGE                                                                                \
    "SELECT seq, occurred_at, type, body FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2"

static const char *s_schema = "CREATE TABLE IF NOT EXISTS events ("
                              " seq INTEGER PRIMARY KEY, occurred_at TEXT NOT NULL,"
                              " type TEXT NOT NULL, subject TEXT, body BLOB NOT NULL);"
                              "CREATE INDEX IF NOT EXISTS events_subject ON events (subject);";

struct _hc_eventlog {
    hc_store *store;
    char *source;
    char epoch[HC_EPOCH_SIZE];
    zloop_t *loop;
    zsock_t *router; /* FETCH */
    zsock_t *bell;   /* doorbell PUB */
    /* FETCH reads through a connection of its own, so it only ever sees
       committed events even while the service's batch is open. NULL when
       the store is in memory: then a FETCH that arrives while a transaction
       is open is dropped and the follower asks again. */
    sqlite3 *reader;
    sqlite3_stmt *reader_head;
    sqlite3_stmt *reader_range;
    uint64_t rung; /* head last announced on the doorbell */
    hc_arena *arena;
};

static int s_head(hc_store *store, uint64_t *head)
{
    sqlite3_stmt *stmt = hc_store_stmt(store, S_SQL_HEAD);
    if (!stmt)
        return -1;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *head = (uint64_t)sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return rc == SQLITE_ROW ? 0 : -1;
}

/* A new random epoch, as hex text. */
static void s_epoch_new(char epoch[HC_EPOCH_SIZE])
{
    uint8_t bytes[S_EPOCH_BYTES];
    hc_random_bytes(bytes, sizeof bytes);
    hc_hex(bytes, sizeof bytes, epoch);
}

/* Records the source in hc_meta when it is not there yet or changed (a
   node given another id), so a backup can name the log it copied. */
static int s_source_record(hc_eventlog *self, hc_error *err)
{
    char *recorded = hc_store_meta_get(self->store, S_SOURCE_KEY);
    bool same = recorded && strcmp(recorded, self->source) == 0;
    free(recorded);
    return same ? HC_OK : hc_store_meta_set(self->store, S_SOURCE_KEY, self->source, err);
}

/* Reads the epoch, or chooses one when the log is new. */
static int s_epoch_load(hc_eventlog *self, hc_error *err)
{
    char *epoch = hc_store_meta_get(self->store, S_EPOCH_KEY);
    if (epoch && strlen(epoch) < sizeof self->epoch) {
        snprintf(self->epoch, sizeof self->epoch, "%s", epoch);
        free(epoch);
        return HC_OK;
    }
    free(epoch);
    s_epoch_new(self->epoch);
    int rc = hc_store_meta_set(self->store, S_EPOCH_KEY, self->epoch, err);
    if (rc == HC_OK)
        hc_log_info("eventlog_created", "source=%s epoch=%s path=%s", self->source, self->epoch,
                    hc_store_path(self->store));
    return rc;
}

/* Creates the table and the epoch under the write lock when no transaction
   is open, so two processes opening one file agree on the epoch. */
static int s_prepare_log(hc_eventlog *self, hc_error *err)
{
    bool own = !hc_store_in_transaction(self->store);
    int rc = own ? hc_store_begin(self->store, err) : HC_OK;
    if (rc != HC_OK)
        return rc;
    rc = hc_store_exec(self->store, s_schema, err);
    if (rc == HC_OK)
        rc = s_epoch_load(self, err);
    if (rc == HC_OK)
        rc = s_source_record(self, err);
    if (own && rc == HC_OK)
        return hc_store_commit(self->store, err);
    if (own)
        hc_store_rollback(self->store);
    return rc;
}

hc_eventlog *hc_eventlog_new(hc_store *store, const char *source, hc_error *err)
{
    assert(store);
    assert(source);
    hc_eventlog *self = (hc_eventlog *)zmalloc(sizeof(hc_eventlog));
    assert(self);
    self->store = store;
    self->source = strdup(source);
    self->arena = hc_arena_new();
    assert(self->source);
    if (s_prepare_log(self, err) != HC_OK) {
        hc_log_error("eventlog_open_failed", "source=%s path=%s", source, hc_store_path(store));
        hc_eventlog_destroy(&self);
    }
    return self;
}

void hc_eventlog_destroy(hc_eventlog **self_p)
{
    assert(self_p);
    hc_eventlog *self = *self_p;
    if (!self)
        return;
    if (self->loop && self->router)
        zloop_reader_end(self->loop, self->router);
    zsock_destroy(&self->router);
    zsock_destroy(&self->bell);
    sqlite3_finalize(self->reader_head);
    sqlite3_finalize(self->reader_range);
    sqlite3_close_v2(self->reader);
    hc_arena_destroy(&self->arena);
    free(self->source);
    free(self);
    *self_p = NULL;
}

const char *hc_eventlog_source(hc_eventlog *self)
{
    assert(self);
    return self->source;
}

const char *hc_eventlog_epoch(hc_eventlog *self)
{
    assert(self);
    return self->epoch;
}

uint64_t hc_eventlog_head(hc_eventlog *self)
{
    assert(self);
    uint64_t head = 0;
    if (s_head(self->store, &head) != 0)
        hc_log_error("eventlog_head_failed", "source=%s", self->source);
    return head;
}

static int s_insert(hc_eventlog *self, const char *type, const char *subject, const uint8_t *data,
                    size_t size, hc_error *err)
{
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "INSERT INTO events (occurred_at, type, subject, body)"
                                   " VALUES (?2, ?3, ?4, ?5)");
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot prepare event insert");
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    sqlite3_bind_text(stmt, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, type, -1, SQLITE_STATIC);
    if (subject)
        sqlite3_bind_text(stmt, 4, subject, -1, SQLITE_STATIC);
    /* An empty message packs to zero bytes: still a blob, never NULL. */
    if (size > 0)
        sqlite3_bind_blob64(stmt, 5, data, size, SQLITE_STATIC);
    else
        sqlite3_bind_zeroblob(stmt, 5, 0);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) {
        hc_log_error("eventlog_append_failed", "source=%s type=%s rc=%d", self->source, type, rc);
        return hc_error_set(err, HC_INTERNAL, NULL, "event %s not appended: %s", type,
                            sqlite3_errmsg(hc_store_db(self->store)));
    }
    return HC_OK;
}

/* seq is the rowid SQLite gives a row inserted without one: max + 1,
   inside the caller's transaction. A rolled-back savepoint takes its seq
   with it, and writers sharing the file are serialized by BEGIN
   IMMEDIATE, so the sequence stays gapless. */
int hc_eventlog_append(hc_eventlog *self, const char *type, const char *subject,
                       const ProtobufCMessage *body, uint64_t *seq, hc_error *err)
{
    assert(self);
    assert(type);
    assert(body);
    assert(hc_store_in_transaction(self->store));
    size_t size = protobuf_c_message_get_packed_size(body);
    uint8_t small[1024];
    uint8_t *data = size <= sizeof small ? small : malloc(size);
    if (!data)
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory packing %s", type);
    if (size > 0)
        protobuf_c_message_pack(body, data);
    int rc = s_insert(self, type, subject, data, size, err);
    if (data != small)
        free(data);
    if (rc == HC_OK && seq)
        *seq = (uint64_t)sqlite3_last_insert_rowid(hc_store_db(self->store));
    return rc;
}

/* Copies hc_meta's value of key into out ("" when absent). */
static void s_meta_copy(hc_store *store, const char *key, char *out, size_t size)
{
    char *value = hc_store_meta_get(store, key);
    snprintf(out, size, "%s", value ? value : "");
    free(value);
}

int hc_eventlog_inspect(hc_store *store, hc_eventlog_info *info, hc_error *err)
{
    assert(store);
    assert(info);
    memset(info, 0, sizeof *info);
    if (!hc_store_has_table(store, "events"))
        return HC_OK;
    info->present = true;
    if (hc_store_has_table(store, "hc_meta")) {
        s_meta_copy(store, S_SOURCE_KEY, info->source, sizeof info->source);
        s_meta_copy(store, S_EPOCH_KEY, info->epoch, sizeof info->epoch);
    }
    if (s_head(store, &info->head) != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "%s: cannot read the log's head",
                            hc_store_path(store));
    return HC_OK;
}

int hc_eventlog_renew_epoch(hc_store *store, char old[HC_EPOCH_SIZE], char fresh[HC_EPOCH_SIZE],
                            hc_error *err)
{
    assert(store && old && fresh);
    int rc = hc_store_begin(store, err);
    if (rc != HC_OK)
        return rc;
    rc = hc_store_exec(
        store, "CREATE TABLE IF NOT EXISTS hc_meta (key TEXT PRIMARY KEY, value TEXT)", err);
    if (rc == HC_OK) {
        s_meta_copy(store, S_EPOCH_KEY, old, HC_EPOCH_SIZE);
        do
            s_epoch_new(fresh);
        while (strcmp(fresh, old) == 0);
        rc = hc_store_meta_set(store, S_EPOCH_KEY, fresh, err);
    }
    if (rc == HC_OK)
        return hc_store_commit(store, err);
    hc_store_rollback(store);
    return rc;
}

/* Rewrites the body of one event; HC_OK, or HC_INTERNAL. */
static int s_rewrite_one(hc_eventlog *self, uint64_t seq, hc_eventlog_rewrite_fn *rewrite,
                         void *arg, hc_error *err)
{
    sqlite3_stmt *read = hc_store_stmt(self->store, "SELECT type, body FROM events WHERE seq = ?1");
    if (!read)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot prepare event read");
    sqlite3_bind_int64(read, 1, (sqlite3_int64)seq);
    uint8_t *body = NULL;
    size_t size = 0;
    int rc = -1;
    if (sqlite3_step(read) == SQLITE_ROW)
        rc = rewrite(arg, (const char *)sqlite3_column_text(read, 0),
                     (const uint8_t *)sqlite3_column_blob(read, 1),
                     (size_t)sqlite3_column_bytes(read, 1), &body, &size);
    sqlite3_reset(read);
    if (rc != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "event %" PRIu64 " could not be rewritten",
                            seq);
    sqlite3_stmt *write = hc_store_stmt(self->store, "UPDATE events SET body = ?2 WHERE seq = ?1");
    if (write) {
        sqlite3_bind_int64(write, 1, (sqlite3_int64)seq);
        if (size > 0 && body)
            sqlite3_bind_blob64(write, 2, body, size, SQLITE_STATIC);
        else
            sqlite3_bind_zeroblob(write, 2, 0);
        rc = sqlite3_step(write) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(write);
    }
    free(body);
    if (!write || rc != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "event %" PRIu64 " not rewritten", seq);
    return HC_OK;
}

/* Collects the seqs first so the rewrite never updates under a running
   SELECT over the same table. */
int hc_eventlog_rewrite_subject(hc_eventlog *self, const char *subject,
                                hc_eventlog_rewrite_fn *rewrite, void *arg, hc_error *err)
{
    assert(self);
    assert(subject);
    assert(rewrite);
    assert(hc_store_in_transaction(self->store));
    sqlite3_stmt *stmt =
        hc_store_stmt(self->store, "SELECT seq FROM events WHERE subject = ?1 ORDER BY seq");
    if (!stmt)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot prepare subject lookup");
    sqlite3_bind_text(stmt, 1, subject, -1, SQLITE_STATIC);
    size_t count = 0, limit = 0;
    uint64_t *seqs = NULL;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (count == limit) {
            limit = limit ? 2 * limit : 16;
            uint64_t *grown = realloc(seqs, limit * sizeof *seqs);
            assert(grown);
            seqs = grown;
        }
        seqs[count++] = (uint64_t)sqlite3_column_int64(stmt, 0);
    }
    sqlite3_reset(stmt);
    int code =
        rc == SQLITE_DONE ? HC_OK : hc_error_set(err, HC_INTERNAL, NULL, "subject lookup failed");
    for (size_t i = 0; code == HC_OK && i < count; i++)
        code = s_rewrite_one(self, seqs[i], rewrite, arg, err);
    free(seqs);
    return code;
}

/* --- FETCH --- */

/* Opens the FETCH connection on the store's file; a store without a file
   (in memory) is read through its own connection instead. */
static int s_reader_open(hc_eventlog *self, hc_error *err)
{
    const char *file = sqlite3_db_filename(hc_store_db(self->store), "main");
    if (!file || !*file)
        return HC_OK;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(file, &self->reader, flags, NULL) == SQLITE_OK &&
        sqlite3_exec(self->reader, "PRAGMA query_only=ON; PRAGMA busy_timeout=5000", NULL, NULL,
                     NULL) == SQLITE_OK &&
        sqlite3_prepare_v3(self->reader, S_SQL_HEAD, -1, SQLITE_PREPARE_PERSISTENT,
                           &self->reader_head, NULL) == SQLITE_OK &&
        sqlite3_prepare_v3(self->reader, S_SQL_RANGE, -1, SQLITE_PREPARE_PERSISTENT,
                           &self->reader_range, NULL) == SQLITE_OK)
        return HC_OK;
    hc_error_set(err, HC_INTERNAL, NULL, "cannot open a reader on %s: %s", file,
                 self->reader ? sqlite3_errmsg(self->reader) : "out of memory");
    sqlite3_finalize(self->reader_head);
    sqlite3_finalize(self->reader_range);
    sqlite3_close_v2(self->reader);
    self->reader_head = self->reader_range = NULL;
    self->reader = NULL;
    return HC_INTERNAL;
}

static sqlite3_stmt *s_read_stmt(hc_eventlog *self, sqlite3_stmt *own, const char *sql)
{
    if (!self->reader)
        return hc_store_stmt(self->store, sql);
    sqlite3_reset(own);
    sqlite3_clear_bindings(own);
    return own;
}

/* BEGIN / COMMIT of the read transaction a FETCH is answered in. */
static int s_read_exec(hc_eventlog *self, const char *sql)
{
    sqlite3 *db = self->reader ? self->reader : hc_store_db(self->store);
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static Hcap__Event *s_event_row(hc_eventlog *self, sqlite3_stmt *stmt)
{
    Hcap__Event *event = hc_arena_alloc(self->arena, sizeof(Hcap__Event));
    hcap__event__init(event);
    event->source = self->source;
    event->epoch = self->epoch;
    event->seq = (uint64_t)sqlite3_column_int64(stmt, 0);
    event->occurred_at = hc_arena_strdup(self->arena, (const char *)sqlite3_column_text(stmt, 1));
    event->type = hc_arena_strdup(self->arena, (const char *)sqlite3_column_text(stmt, 2));
    size_t size = (size_t)sqlite3_column_bytes(stmt, 3);
    event->body.len = size;
    event->body.data = hc_arena_alloc(self->arena, size + 1);
    if (size > 0)
        memcpy(event->body.data, sqlite3_column_blob(stmt, 3), size);
    if (!event->occurred_at)
        event->occurred_at = "";
    if (!event->type)
        event->type = "";
    return event;
}

/* Fills reply with the head and up to max events after `after`, within
   the byte budget (at least one event when there is one). */
static int s_read_events(hc_eventlog *self, uint64_t after, uint32_t max, Hcap__FetchReply *reply)
{
    sqlite3_stmt *head = s_read_stmt(self, self->reader_head, S_SQL_HEAD);
    if (!head || sqlite3_step(head) != SQLITE_ROW)
        return -1;
    reply->head = (uint64_t)sqlite3_column_int64(head, 0);
    sqlite3_reset(head);
    if (after >= reply->head)
        return 0;
    sqlite3_stmt *range = s_read_stmt(self, self->reader_range, S_SQL_RANGE);
    if (!range)
        return -1;
    sqlite3_bind_int64(range, 1, (sqlite3_int64)after);
    sqlite3_bind_int64(range, 2, max);
    reply->events = hc_arena_alloc(self->arena, max * sizeof(Hcap__Event *));
    size_t bytes = 0;
    while (reply->n_events < max && sqlite3_step(range) == SQLITE_ROW) {
        Hcap__Event *event = s_event_row(self, range);
        bytes += protobuf_c_message_get_packed_size(&event->base) + 16;
        if (reply->n_events > 0 && bytes > S_REPLY_BUDGET)
            break;
        reply->events[reply->n_events++] = event;
    }
    sqlite3_reset(range);
    return 0;
}

/* Answers one request; returns the reply frame or NULL (logged). */
static zframe_t *s_fetch_reply(hc_eventlog *self, const Hcap__FetchRequest *request)
{
    if (!self->reader && hc_store_in_transaction(self->store)) {
        hc_log_warn("fetch_deferred", "source=%s reason=open_transaction", self->source);
        return NULL;
    }
    uint32_t max = request->has_max && request->max > 0 && request->max < HC_FETCH_MAX
                       ? request->max
                       : HC_FETCH_MAX;
    Hcap__FetchReply reply = HCAP__FETCH_REPLY__INIT;
    reply.source = self->source;
    reply.epoch = self->epoch;
    if (s_read_exec(self, "BEGIN") != 0)
        return NULL;
    int rc = s_read_events(self, request->after_seq, max, &reply);
    s_read_exec(self, "COMMIT");
    if (rc != 0) {
        hc_log_error("fetch_failed", "source=%s after=%" PRIu64, self->source, request->after_seq);
        return NULL;
    }
    return hc_msg_frame(&reply.base);
}

static void s_fetch(hc_eventlog *self, zframe_t *identity, zframe_t *body)
{
    Hcap__FetchRequest *request = (Hcap__FetchRequest *)hc_msg_unpack(
        &hcap__fetch_request__descriptor, zframe_data(body), zframe_size(body), self->arena);
    if (!request) {
        hc_log_warn("fetch_malformed", "source=%s reason=undecodable size=%zu", self->source,
                    zframe_size(body));
        return;
    }
    zframe_t *reply = s_fetch_reply(self, request);
    if (!reply)
        return;
    /* Never block the service on a slow or vanished follower. */
    if (zframe_send(&identity, self->router, ZFRAME_MORE | ZFRAME_REUSE | ZFRAME_DONTWAIT) != 0 ||
        zframe_send(&reply, self->router, ZFRAME_DONTWAIT) != 0)
        hc_log_debug("fetch_reply_dropped", "source=%s reason=%s", self->source,
                     zmq_strerror(zmq_errno()));
    zframe_destroy(&reply);
}

static int s_on_fetch(zloop_t *loop, zsock_t *router, void *arg)
{
    (void)loop;
    hc_eventlog *self = (hc_eventlog *)arg;
    zmsg_t *msg = zmsg_recv(router);
    if (!msg)
        return 0;
    zframe_t *identity = zmsg_pop(msg);
    zframe_t *body = zmsg_pop(msg);
    if (identity && body && zmsg_size(msg) == 0)
        s_fetch(self, identity, body);
    else
        hc_log_warn("fetch_malformed", "source=%s reason=frames count=%zu", self->source,
                    zmsg_size(msg) + (identity != NULL) + (body != NULL));
    zframe_destroy(&identity);
    zframe_destroy(&body);
    zmsg_destroy(&msg);
    hc_arena_reset(self->arena);
    return 0;
}

static zsock_t *s_bind(int type, const char *endpoint, hc_error *err)
{
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        hc_error_set(err, HC_UNAVAILABLE, NULL, "cannot create a socket for %s", endpoint);
        return NULL;
    }
    hc_sock_setup(sock);
    if (zsock_bind(sock, "%s", endpoint) == -1) {
        hc_error_set(err, HC_UNAVAILABLE, NULL, "cannot bind %s: %s", endpoint,
                     zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
    }
    return sock;
}

int hc_eventlog_serve(hc_eventlog *self, zloop_t *loop, const char *fetch_endpoint,
                      const char *bell_endpoint, hc_error *err)
{
    assert(self);
    assert(loop);
    assert(!self->router);
    int rc = s_reader_open(self, err);
    if (rc != HC_OK)
        return rc;
    hc_error failed;
    hc_error_set(&failed, HC_UNAVAILABLE, NULL, "cannot watch %s", fetch_endpoint);
    self->router = s_bind(ZMQ_ROUTER, fetch_endpoint, &failed);
    self->bell = self->router ? s_bind(ZMQ_PUB, bell_endpoint, &failed) : NULL;
    if (!self->bell || zloop_reader(loop, self->router, s_on_fetch, self) != 0) {
        zsock_destroy(&self->router);
        zsock_destroy(&self->bell);
        hc_log_error("eventlog_serve_failed", "source=%s fetch=%s bell=%s", self->source,
                     fetch_endpoint, bell_endpoint);
        return hc_error_set(err, HC_UNAVAILABLE, failed.field, "%s", failed.message);
    }
    zloop_reader_set_tolerant(loop, self->router);
    self->loop = loop;
    self->rung = hc_eventlog_head(self);
    hc_log_info("eventlog_serving", "source=%s epoch=%s head=%" PRIu64 " fetch=%s bell=%s",
                self->source, self->epoch, self->rung, fetch_endpoint, bell_endpoint);
    return HC_OK;
}

void hc_eventlog_ring(hc_eventlog *self)
{
    assert(self);
    if (!self->bell)
        return;
    uint64_t head = hc_eventlog_head(self);
    if (head == self->rung)
        return;
    self->rung = head;
    Hcap__Doorbell doorbell = HCAP__DOORBELL__INIT;
    doorbell.source = self->source;
    doorbell.epoch = self->epoch;
    doorbell.head = head;
    zframe_t *topic = zframe_new(self->source, strlen(self->source));
    zframe_t *frame = hc_msg_frame(&doorbell.base);
    /* PUB drops for absent or slow subscribers; followers also poll. */
    if (zframe_send(&topic, self->bell, ZFRAME_MORE | ZFRAME_DONTWAIT) == 0)
        zframe_send(&frame, self->bell, ZFRAME_DONTWAIT);
    zframe_destroy(&topic);
    zframe_destroy(&frame);
}
