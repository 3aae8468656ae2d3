/* replica_pair: a service's primary and its read replica in process, for
   the test_replica_<svc>.c tests: the primary's log fed to the replica as
   its follower would, each read compared byte for byte at both, the
   replica's refusal of every write. Header-only (static inline) because
   only those tests share it. */
#ifndef REPLICA_PAIR_H
#define REPLICA_PAIR_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ht_local.h"
#include "hc_msg.h"
#include "hc_query.h"

#define RP_PROBED_MAX 64

typedef struct {
    ht_local primary;
    ht_local replica;
    uint64_t fed;                      /* the last seq of the primary's log applied */
    const char *probed[RP_PROBED_MAX]; /* read methods that answered at both */
    size_t n_probed;
} rp_pair;

/* The primary in one temporary directory, the replica in another. */
static inline void rp_open(rp_pair *self, const hc_service_def *def)
{
    memset(self, 0, sizeof *self);
    ht_local_open(&self->primary, def);
    ht_local *r = &self->replica;
    r->def = def;
    snprintf(r->dir, sizeof r->dir, "/tmp/hcap-replica-XXXXXX");
    cr_assert_not_null(mkdtemp(r->dir));
    r->arena = hc_arena_new();
    hc_error err;
    r->svc = hc_service_new_local_replica(def, r->dir, "local", &err);
    cr_assert_not_null(r->svc, "%s replica: %s", def->name, err.message);
}

static inline void rp_close(rp_pair *self)
{
    ht_local_close(&self->replica);
    ht_local_close(&self->primary);
}

typedef struct {
    rp_pair *pair;
    const char *source;
    uint64_t failed; /* seq of the first event the replica refused */
    hc_error err;
} rp_feed;

/* hc_query_event_fn: applies one event of the primary's log not applied yet. */
static inline void rp_feed_one(void *arg, uint64_t seq, const char *type, const char *subject,
                               const uint8_t *body, size_t size)
{
    (void)subject;
    rp_feed *feed = arg;
    if (seq <= feed->pair->fed || feed->failed)
        return;
    Hcap__Event event = HCAP__EVENT__INIT;
    event.source = (char *)feed->source;
    event.epoch = "test-epoch";
    event.seq = seq;
    event.occurred_at = "2026-01-01T00:00:00.000Z";
    event.type = (char *)type;
    event.body.data = (uint8_t *)body;
    event.body.len = size;
    if (hc_service_replicate(feed->pair->replica.svc, &event, &feed->err) != HC_OK)
        feed->failed = seq;
    else
        feed->pair->fed = seq;
}

/* Feeds the replica every event of the primary's log after the last one
   fed; asserts each applies. Returns how many were fed. */
static inline uint64_t rp_sync(rp_pair *self)
{
    uint64_t before = self->fed;
    rp_feed feed = {
        self, hc_arena_printf(self->replica.arena, "local/%s", self->primary.def->name), 0, {0}};
    hc_error err;
    cr_assert_eq(
        hc_query_events_each(hc_service_store(self->primary.svc), rp_feed_one, &feed, &err), HC_OK,
        "%s", err.message);
    cr_assert_eq(feed.failed, 0, "event %llu: %s (field %s)", (unsigned long long)feed.failed,
                 feed.err.message, feed.err.field);
    return self->fed - before;
}

/* The replica's reset, as its follower calls it for a new primary epoch;
   the next rp_sync replays the log from seq 1. */
static inline void rp_reset(rp_pair *self)
{
    hc_store *store = hc_service_store(self->replica.svc);
    hc_error err;
    cr_assert_eq(hc_store_begin(store, &err), HC_OK, "%s", err.message);
    int rc = self->replica.def->replica_reset(hc_service_state(self->replica.svc), store,
                                              "local/primary", &err);
    cr_assert_eq(rc, HC_OK, "reset: %s", err.message);
    cr_assert_eq(hc_store_commit(store, &err), HC_OK, "%s", err.message);
    self->fed = 0;
}

static inline bool rp_is_read(const hc_service_def *def, const char *method)
{
    for (const hc_handler *h = def->handlers; h->method; h++)
        if (strcmp(h->method, method) == 0)
            return (h->flags & HC_HANDLER_READ) != 0;
    return false;
}

/* Calls method with in at both; asserts the same code, and the same packed
   reply (or error field and message). Returns the primary's reply (NULL
   when it failed). */
static inline ProtobufCMessage *rp_same(rp_pair *self, const char *method,
                                        const ProtobufCMessage *in)
{
    cr_assert(rp_is_read(self->primary.def, method), "%s is not flagged HC_HANDLER_READ", method);
    ProtobufCMessage *a = NULL, *b = NULL;
    int ra = ht_local_call(&self->primary, method, in, &a);
    int rb = ht_local_call(&self->replica, method, in, &b);
    cr_assert_eq(ra, rb, "%s: primary %s (%s), replica %s (%s)", method, hc_code_name(ra),
                 self->primary.err.message, hc_code_name(rb), self->replica.err.message);
    if (ra != HC_OK) {
        cr_assert_str_eq(self->primary.err.field, self->replica.err.field, "%s", method);
        cr_assert_str_eq(self->primary.err.message, self->replica.err.message, "%s", method);
        return NULL;
    }
    size_t na = 0, nb = 0;
    uint8_t *pa = hc_msg_pack(a, self->primary.arena, &na);
    uint8_t *pb = hc_msg_pack(b, self->replica.arena, &nb);
    cr_assert(na == nb && memcmp(pa, pb, na) == 0,
              "%s: the replica's reply (%zu bytes) differs from the primary's (%zu)", method, nb,
              na);
    if (self->n_probed < RP_PROBED_MAX)
        self->probed[self->n_probed++] = method;
    return a;
}

/* Asserts every HC_HANDLER_READ method was compared with a success. */
static inline void rp_all_reads_probed(rp_pair *self)
{
    for (const hc_handler *h = self->primary.def->handlers; h->method; h++) {
        bool found = !(h->flags & HC_HANDLER_READ);
        for (size_t i = 0; !found && i < self->n_probed; i++)
            found = strcmp(self->probed[i], h->method) == 0;
        cr_assert(found, "read %s was never compared with a success", h->method);
    }
}

/* Every method without HC_HANDLER_READ fails at the replica with
   HC_FAILED_PRECONDITION naming "replica", and nothing reaches its log. */
static inline void rp_writes_refused(rp_pair *self)
{
    const hc_service_def *def = self->replica.def;
    size_t refused = 0;
    for (const hc_handler *h = def->handlers; h->method; h++) {
        if (h->flags & HC_HANDLER_READ)
            continue;
        const ProtobufCMethodDescriptor *m =
            protobuf_c_service_descriptor_get_method_by_name(def->descriptor, h->method);
        cr_assert_not_null(m, "%s", h->method);
        ProtobufCMessage *in = hc_arena_message(self->replica.arena, m->input);
        ht_local_fails(&self->replica, h->method, in, HC_FAILED_PRECONDITION, "replica");
        refused++;
    }
    cr_assert_gt(refused, 0);
    cr_assert_eq(hc_eventlog_head(hc_service_log(self->replica.svc)), 0,
                 "a replica's own log stays empty");
}

/* An event of a type the replica does not know, and one of a known type
   whose body does not decode, each fail naming the field (the follower
   dead-letters them) and write nothing. */
static inline void rp_bad_events_refused(rp_pair *self, const char *unknown_type,
                                         const char *known_type)
{
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x0f};
    Hcap__Event event = HCAP__EVENT__INIT;
    event.source = "local/primary";
    event.epoch = "test-epoch";
    event.seq = self->fed + 1;
    event.occurred_at = "2026-01-01T00:00:00.000Z";
    event.type = (char *)unknown_type;
    event.body.data = (uint8_t *)garbage;
    event.body.len = 0;
    hc_error err;
    cr_assert_eq(hc_service_replicate(self->replica.svc, &event, &err), HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "type", "%s", err.message);
    event.type = (char *)known_type;
    event.body.len = sizeof garbage;
    cr_assert_eq(hc_service_replicate(self->replica.svc, &event, &err), HC_INVALID_ARGUMENT);
    cr_assert_str_eq(err.field, "body", "%s", err.message);
}

/* Whether needle is in the replica's store file or its WAL, after a
   checkpoint moved every committed page into the file. */
static inline bool rp_replica_holds(rp_pair *self, const char *needle)
{
    hc_store *store = hc_service_store(self->replica.svc);
    hc_error err;
    cr_assert_eq(hc_store_exec(store, "PRAGMA wal_checkpoint(TRUNCATE)", &err), HC_OK, "%s",
                 err.message);
    const char *db = hc_store_path(store);
    return ht_file_holds(db, needle) ||
           ht_file_holds(hc_arena_printf(self->replica.arena, "%s-wal", db), needle);
}

#endif
