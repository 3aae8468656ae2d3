/* central_listen: the hub's ROUTER toward regions' uplinks: CURVE with ZAP
   enforced, one UplinkBatch in, one UplinkAck out. */
#include "central_listen.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "hc_log.h"
#include "central_batch.h"
#include "central_zap.h"

#define S_KEY_PREFIX 8 /* Z85 characters of a key shown in the log */

struct _cen_listen {
    hc_service *service;
    cen_keys *keys;
    zloop_t *loop;
    zsock_t *router;
};

/* Sends ack to the peer behind identity; a peer gone meanwhile is only
   logged (its uplink times out and resends). */
static void s_send_ack(cen_listen *self, zframe_t *identity, const Hcap__UplinkAck *ack)
{
    zframe_t *to = zframe_dup(identity);
    zframe_t *frame = hc_msg_frame(&ack->base);
    if (zframe_send(&to, self->router, ZFRAME_MORE | ZFRAME_DONTWAIT) != 0 ||
        zframe_send(&frame, self->router, ZFRAME_DONTWAIT) != 0)
        hc_log_warn("ack_undelivered", "batch=%" PRIu64 " reason=peer_gone", ack->batch);
    zframe_destroy(&to);
    zframe_destroy(&frame);
}

/* One [identity][batch] message from an uplink. */
static void s_on_batch(cen_listen *self, zframe_t *identity, zframe_t *body)
{
    cen_peer peer = {zframe_meta(body, "User-Id"), zframe_meta(body, CEN_ZAP_KEY_PROPERTY)};
    hc_arena *arena = hc_arena_new();
    Hcap__UplinkBatch *batch = (Hcap__UplinkBatch *)hc_msg_unpack(
        &hcap__uplink_batch__descriptor, zframe_data(body), zframe_size(body), arena);
    if (!peer.node || !peer.node[0] || !batch) {
        char node[160];
        hc_log_warn("batch_dropped", "node=%s size=%zu reason=%s",
                    hc_log_quote(peer.node ? peer.node : "", node, sizeof node), zframe_size(body),
                    batch ? "no_user_id" : "undecodable");
        hc_arena_destroy(&arena);
        return;
    }
    Hcap__UplinkAck ack = HCAP__UPLINK_ACK__INIT;
    int rc = cen_batch_take(self->service, self->keys, &peer, batch, arena, &ack);
    s_send_ack(self, identity, &ack);
    if (rc == HC_OK)
        hc_eventlog_ring(hc_service_log(self->service));
    hc_arena_destroy(&arena);
}

static int s_on_message(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    cen_listen *self = arg;
    zmsg_t *msg = zmsg_recv(sock);
    if (!msg)
        return 0;
    if (zmsg_size(msg) == 2) {
        zframe_t *identity = zmsg_first(msg);
        s_on_batch(self, identity, zmsg_next(msg));
    } else
        hc_log_warn("batch_dropped", "frames=%zu reason=not_one_frame", zmsg_size(msg) - 1);
    zmsg_destroy(&msg);
    return 0;
}

/* The ROUTER's options, set before it binds. */
static void s_setup(zsock_t *router, zcert_t *cert)
{
    hc_sock_setup(router);
    zsock_set_maxmsgsize(router, CEN_MAX_MSG_SIZE);
    zsock_set_zap_domain(router, CEN_ZAP_DOMAIN);
    zsock_set_zap_enforce_domain(router, 1);
    zcert_apply(cert, router);
    zsock_set_curve_server(router, 1);
}

static int s_bind(cen_listen *self, zcert_t *cert, const char *endpoint, hc_error *err)
{
    self->router = zsock_new(ZMQ_ROUTER);
    if (!self->router)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot create the listener");
    s_setup(self->router, cert);
    if (zsock_bind(self->router, "%s", endpoint) < 0)
        return hc_error_set(err, HC_UNAVAILABLE, "central/listen", "cannot listen on %s: %s",
                            endpoint, strerror(errno));
    if (zloop_reader(self->loop, self->router, s_on_message, self) != 0)
        return hc_error_set(err, HC_INTERNAL, NULL, "cannot watch the listener");
    zloop_reader_set_tolerant(self->loop, self->router);
    char *bound = zsock_last_endpoint(self->router);
    hc_log_info("listening", "endpoint=%s key=%.*s max_msg_size=%d nodes=%s",
                bound ? bound : endpoint, S_KEY_PREFIX, zcert_public_txt(cert), CEN_MAX_MSG_SIZE,
                cen_keys_dir(self->keys));
    zstr_free(&bound);
    return HC_OK;
}

cen_listen *cen_listen_new(hc_service *service, cen_keys *keys, zcert_t *cert, const char *endpoint,
                           hc_error *err)
{
    assert(service && keys && cert && endpoint);
    cen_listen *self = zmalloc(sizeof *self);
    self->service = service;
    self->keys = keys;
    self->loop = hc_service_loop(service);
    if (s_bind(self, cert, endpoint, err) != HC_OK)
        cen_listen_destroy(&self);
    return self;
}

void cen_listen_destroy(cen_listen **self_p)
{
    assert(self_p);
    cen_listen *self = *self_p;
    if (!self)
        return;
    if (self->router)
        zloop_reader_end(self->loop, self->router);
    zsock_destroy(&self->router);
    free(self);
    *self_p = NULL;
}
