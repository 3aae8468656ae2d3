/* central_batch: check, dedup and commit one uplink batch at the hub. */
#include "central_batch.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "hc_log.h"
#include "hc_time.h"
#include "central_server.h"
#include "central_store.h"

/* The services of a region whose logs its uplink forwards. */
static const char *const s_services[] = {"enrollment", "credentialing", "apprenticeship"};

static bool s_source_ok(const char *node, const char *source)
{
    size_t len = strlen(node);
    if (strncmp(source, node, len) != 0 || source[len] != '/')
        return false;
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++)
        if (strcmp(source + len + 1, s_services[i]) == 0)
            return true;
    return false;
}

/* HC_OK when event i of node's batch has the coordinates of one of the
   node's logs, else the error naming the field. */
static int s_check_event(const char *node, const Hcap__Event *event, size_t i, hc_error *err)
{
    char field[64];
    if (!s_source_ok(node, event->source)) {
        snprintf(field, sizeof field, "events[%zu].source", i);
        return hc_error_set(err, HC_PERMISSION_DENIED, field,
                            "source must be %s/enrollment, credentialing or apprenticeship", node);
    }
    const char *missing = !event->epoch[0]  ? "epoch"
                          : event->seq == 0 ? "seq"
                          : !event->type[0] ? "type"
                                            : NULL;
    if (!missing)
        return HC_OK;
    snprintf(field, sizeof field, "events[%zu].%s", i, missing);
    return hc_error_set(err, HC_INVALID_ARGUMENT, field, "%s is required (seq from 1)", missing);
}

static int s_check(cen_keys *keys, const cen_peer *peer, const Hcap__UplinkBatch *batch,
                   hc_error *err)
{
    if (strcmp(batch->node, peer->node) != 0)
        return hc_error_set(err, HC_PERMISSION_DENIED, "node",
                            "this connection's key is filed as node %s", peer->node);
    cen_keys_refresh(keys);
    if (!cen_keys_allows(keys, peer->node, peer->key_text))
        return hc_error_set(err, HC_PERMISSION_DENIED, "node",
                            "node %s is no longer allowed with this key", peer->node);
    for (size_t i = 0; i < batch->n_events; i++) {
        int rc = s_check_event(peer->node, batch->events[i], i, err);
        if (rc != HC_OK)
            return rc;
    }
    return HC_OK;
}

/* Records and appends the new events, counts the rest; inside the open
   transaction. */
static int s_append(hc_service *service, const Hcap__UplinkBatch *batch, uint32_t *accepted,
                    uint32_t *duplicates, hc_error *err)
{
    hc_store *store = hc_service_store(service);
    for (size_t i = 0; i < batch->n_events; i++) {
        const Hcap__Event *event = batch->events[i];
        bool added = false;
        int rc =
            cen_store_received_add(store, event->source, event->epoch, event->seq, &added, err);
        if (rc == HC_OK && added)
            rc = hc_eventlog_append(hc_service_log(service), CEN_EV_RECEIVED, NULL, &event->base,
                                    NULL, err);
        if (rc != HC_OK)
            return rc;
        (*(added ? accepted : duplicates))++;
    }
    char now[HC_TIMESTAMP_SIZE];
    hc_now_rfc3339(now);
    return cen_store_node_count(store, batch->node, now, *accepted, *duplicates, err);
}

/* The position of (source, epoch) in held[0..n), or n. */
static size_t s_held_find(Hcap__LogPosition *const *held, size_t n, const Hcap__Event *event)
{
    size_t k = 0;
    while (k < n && (strcmp(held[k]->source, event->source) != 0 ||
                     strcmp(held[k]->epoch, event->epoch) != 0))
        k++;
    return k;
}

/* Before the batch is taken: for each (source, epoch) of its events, the
   highest seq the hub holds, into ack->held (arena). An uplink that had
   an ack for more learns that the hub lost events (restored). */
static int s_held(hc_store *store, const Hcap__UplinkBatch *batch, hc_arena *arena,
                  Hcap__UplinkAck *ack, hc_error *err)
{
    Hcap__LogPosition **held = hc_arena_alloc(arena, (batch->n_events + 1) * sizeof *held);
    if (!held)
        return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < batch->n_events; i++) {
        const Hcap__Event *event = batch->events[i];
        if (s_held_find(held, n, event) < n)
            continue;
        Hcap__LogPosition *at =
            (Hcap__LogPosition *)hc_arena_message(arena, &hcap__log_position__descriptor);
        if (!at)
            return hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "out of memory");
        at->source = event->source;
        at->epoch = event->epoch;
        int rc = cen_store_received_max(store, event->source, event->epoch, &at->seq, err);
        if (rc != HC_OK)
            return rc;
        held[n++] = at;
    }
    ack->held = held;
    ack->n_held = n;
    return HC_OK;
}

static int s_commit(hc_service *service, const Hcap__UplinkBatch *batch, hc_arena *arena,
                    Hcap__UplinkAck *ack, uint32_t *accepted, uint32_t *duplicates, hc_error *err)
{
    hc_store *store = hc_service_store(service);
    int rc = hc_store_begin(store, err);
    if (rc != HC_OK)
        return rc;
    rc = s_held(store, batch, arena, ack, err);
    if (rc == HC_OK)
        rc = s_append(service, batch, accepted, duplicates, err);
    if (rc == HC_OK)
        return hc_store_commit(store, err);
    hc_store_rollback(store);
    return rc;
}

static void s_refuse(const cen_peer *peer, const Hcap__UplinkBatch *batch, const hc_error *err,
                     hc_arena *arena, Hcap__UplinkAck *ack)
{
    Hcap__Status *status = (Hcap__Status *)hc_arena_message(arena, &hcap__status__descriptor);
    status->code = (Hcap__Code)err->code;
    status->message = hc_arena_strdup(arena, err->message);
    status->field = hc_arena_text(arena, err->field);
    ack->error = status;
    char node[160], message[600];
    hc_log_warn("batch_refused", "node=%s batch=%" PRIu64 " code=%s field=%s message=%s",
                hc_log_quote(peer->node, node, sizeof node), batch->batch, hc_code_name(err->code),
                err->field[0] ? err->field : "-",
                hc_log_quote(err->message, message, sizeof message));
}

int cen_batch_take(hc_service *service, cen_keys *keys, const cen_peer *peer,
                   const Hcap__UplinkBatch *batch, hc_arena *arena, Hcap__UplinkAck *ack)
{
    assert(service && keys && peer && peer->node && batch && arena && ack);
    ack->batch = batch->batch;
    hc_error err;
    hc_error_clear(&err);
    uint32_t accepted = 0, duplicates = 0;
    int rc = s_check(keys, peer, batch, &err);
    if (rc == HC_OK)
        rc = s_commit(service, batch, arena, ack, &accepted, &duplicates, &err);
    if (rc != HC_OK) {
        ack->n_held = 0; /* a refused batch says nothing of what the hub holds */
        ack->held = NULL;
        s_refuse(peer, batch, &err, arena, ack);
        return rc;
    }
    ack->has_accepted = ack->has_duplicates = true;
    ack->accepted = accepted;
    ack->duplicates = duplicates;
    hc_log_debug("batch_taken",
                 "node=%s batch=%" PRIu64 " accepted=%" PRIu32 " duplicates=%" PRIu32, batch->node,
                 batch->batch, accepted, duplicates);
    return HC_OK;
}
