/* ht_events: a FETCH client of an event log (Hcap__FetchRequest over a
   DEALER, Hcap__FetchReply back), collecting the whole log in memory. */
#include "ht_events.h"

#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hcap.pb-c.h"

static zsock_t *s_connect(const char *dir, const char *service)
{
    zsys_handler_set(NULL);
    char endpoint[256];
    snprintf(endpoint, sizeof endpoint, "ipc://%s/%s-events.ipc", dir, service);
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    if (!sock)
        return NULL;
    zsock_set_linger(sock, 0);
    if (zsock_connect(sock, "%s", endpoint) != 0) {
        fprintf(stderr, "ht_events: cannot connect %s\n", endpoint);
        zsock_destroy(&sock);
    }
    return sock;
}

/* One FETCH round trip; the reply (free with hcap__fetch_reply__free_unpacked)
   or NULL on timeout or garbage. */
static Hcap__FetchReply *s_fetch(zsock_t *sock, uint64_t after, int timeout_ms)
{
    Hcap__FetchRequest req = HCAP__FETCH_REQUEST__INIT;
    req.after_seq = after;
    req.has_max = true;
    req.max = 1000;
    size_t size = hcap__fetch_request__get_packed_size(&req);
    zframe_t *frame = zframe_new(NULL, size);
    hcap__fetch_request__pack(&req, zframe_data(frame));
    if (zframe_send(&frame, sock, 0) != 0) {
        zframe_destroy(&frame);
        return NULL;
    }
    zpoller_t *poller = zpoller_new(sock, NULL);
    void *ready = zpoller_wait(poller, timeout_ms);
    zpoller_destroy(&poller);
    if (!ready)
        return NULL;
    zmsg_t *msg = zmsg_recv(sock);
    zframe_t *last = msg ? zmsg_last(msg) : NULL;
    Hcap__FetchReply *reply =
        last ? hcap__fetch_reply__unpack(NULL, zframe_size(last), zframe_data(last)) : NULL;
    zmsg_destroy(&msg);
    return reply;
}

static void s_take(ht_events *out, const Hcap__FetchReply *reply)
{
    if (!out->source) {
        out->source = strdup(reply->source);
        out->epoch = strdup(reply->epoch);
    }
    out->head = reply->head;
    out->items = realloc(out->items, (out->count + reply->n_events + 1) * sizeof *out->items);
    for (size_t i = 0; i < reply->n_events; i++) {
        const Hcap__Event *event = reply->events[i];
        ht_event *item = &out->items[out->count++];
        item->seq = event->seq;
        item->type = strdup(event->type);
        item->occurred_at = strdup(event->occurred_at);
        item->size = event->body.len;
        item->body = malloc(item->size + 1);
        if (item->size)
            memcpy(item->body, event->body.data, item->size);
    }
}

int ht_events_fetch(const char *dir, const char *service, ht_events *out, int timeout_ms)
{
    memset(out, 0, sizeof *out);
    zsock_t *sock = s_connect(dir, service);
    if (!sock)
        return -1;
    uint64_t after = 0;
    int rc = 0;
    for (int round = 0; round < 100000; round++) {
        Hcap__FetchReply *reply = s_fetch(sock, after, timeout_ms);
        if (!reply) {
            fprintf(stderr, "ht_events: no FETCH reply from %s after seq %lu\n", service,
                    (unsigned long)after);
            rc = -1;
            break;
        }
        s_take(out, reply);
        size_t n = reply->n_events;
        if (n > 0)
            after = reply->events[n - 1]->seq;
        bool done = n == 0 || after >= reply->head;
        hcap__fetch_reply__free_unpacked(reply, NULL);
        if (done)
            break;
    }
    zsock_destroy(&sock);
    return rc;
}

int64_t ht_events_head(const char *dir, const char *service, int timeout_ms)
{
    zsock_t *sock = s_connect(dir, service);
    if (!sock)
        return -1;
    Hcap__FetchReply *reply = s_fetch(sock, UINT64_MAX / 2, timeout_ms);
    int64_t head = reply ? (int64_t)reply->head : -1;
    if (reply)
        hcap__fetch_reply__free_unpacked(reply, NULL);
    zsock_destroy(&sock);
    return head;
}

void ht_events_free(ht_events *events)
{
    for (size_t i = 0; i < events->count; i++) {
        free(events->items[i].type);
        free(events->items[i].occurred_at);
        free(events->items[i].body);
    }
    free(events->items);
    free(events->source);
    free(events->epoch);
    memset(events, 0, sizeof *events);
}

bool ht_events_gapless(const ht_events *events)
{
    for (size_t i = 0; i < events->count; i++)
        if (events->items[i].seq != i + 1)
            return false;
    return events->count == events->head;
}

size_t ht_events_count(const ht_events *events, const char *type_part)
{
    size_t count = 0;
    for (size_t i = 0; i < events->count; i++)
        if (strstr(events->items[i].type, type_part))
            count++;
    return count;
}

bool ht_events_contain(const ht_events *events, const char *needle)
{
    size_t len = strlen(needle);
    for (size_t i = 0; i < events->count; i++) {
        const ht_event *event = &events->items[i];
        if (strstr(event->type, needle) || memmem(event->body, event->size, needle, len))
            return true;
    }
    return false;
}
