/* central_zap: the ZAP handler of the hub's CURVE listener: a client key
   filed as DIR/nodes/<id>.pub gets in as user <id>, any other is refused. */
#include "central_zap.h"

#include <string.h>
#include "hc_log.h"

#define S_VERSION   "1.0"
#define S_MECHANISM "CURVE"
#define S_PREFIX    8 /* Z85 characters of a key shown in the log */

struct _cen_zap {
    cen_keys *keys;
    zloop_t *loop;
    zsock_t *sock;
    zarmour_t *armour; /* Z85, for keys that are not filed */
};

/* A ZAP request's frames (ZeroMQ RFC 27), borrowed from its message. */
typedef struct {
    zframe_t *version, *request_id, *domain, *address, *identity, *mechanism, *key;
} s_request;

/* ZMTP metadata of one property: name length (1 byte), name, value length
   (4 bytes, network order), value. */
static zframe_t *s_metadata(const char *name, const char *value)
{
    size_t name_len = strlen(name), value_len = strlen(value);
    zframe_t *frame = zframe_new(NULL, 1 + name_len + 4 + value_len);
    byte *at = zframe_data(frame);
    *at++ = (byte)name_len;
    memcpy(at, name, name_len);
    at += name_len;
    for (int shift = 24; shift >= 0; shift -= 8)
        *at++ = (byte)(value_len >> shift);
    memcpy(at, value, value_len);
    return frame;
}

static zmsg_t *s_reply(const s_request *req, const char *status, const char *text, const char *user,
                       const char *key_text)
{
    zmsg_t *reply = zmsg_new();
    zmsg_addstr(reply, S_VERSION);
    zframe_t *request_id = req->request_id ? zframe_dup(req->request_id) : zframe_new_empty();
    zmsg_append(reply, &request_id);
    zmsg_addstr(reply, status);
    zmsg_addstr(reply, text);
    zmsg_addstr(reply, user ? user : "");
    zframe_t *meta = key_text ? s_metadata(CEN_ZAP_KEY_PROPERTY, key_text) : zframe_new_empty();
    zmsg_append(reply, &meta);
    return reply;
}

/* Why the request cannot be let in by its form, or NULL. */
static const char *s_malformed(const s_request *req)
{
    if (!req->key)
        return "malformed";
    if (!zframe_streq(req->version, S_VERSION))
        return "version";
    if (!zframe_streq(req->mechanism, S_MECHANISM))
        return "mechanism";
    if (!zframe_streq(req->domain, CEN_ZAP_DOMAIN))
        return "domain";
    if (zframe_size(req->key) != CEN_KEY_SIZE)
        return "key_size";
    return NULL;
}

/* The Z85 text of a client key into text (empty when it is no key). */
static void s_key_text(cen_zap *self, const s_request *req, char text[CEN_KEY_TEXT])
{
    text[0] = '\0';
    if (!req->key || zframe_size(req->key) != CEN_KEY_SIZE)
        return;
    char *encoded = zarmour_encode(self->armour, zframe_data(req->key), CEN_KEY_SIZE);
    if (encoded)
        snprintf(text, CEN_KEY_TEXT, "%s", encoded);
    zstr_free(&encoded);
}

static zmsg_t *s_answer(cen_zap *self, const s_request *req)
{
    char key_text[CEN_KEY_TEXT];
    s_key_text(self, req, key_text);
    char *address = req->address ? zframe_strdup(req->address) : strdup("");
    const char *reason = s_malformed(req);
    const char *node = NULL;
    if (!reason) {
        cen_keys_refresh(self->keys);
        node = cen_keys_node_of(self->keys, zframe_data(req->key));
        reason = node ? NULL : "key_not_filed";
    }
    char quoted[128];
    hc_log_quote(address, quoted, sizeof quoted);
    zmsg_t *reply;
    if (node) {
        hc_log_info("node_allowed", "node=%s key=%.*s address=%s", node, S_PREFIX, key_text,
                    quoted);
        reply = s_reply(req, "200", "OK", node, key_text);
    } else {
        hc_log_warn("node_refused", "key=%.*s address=%s reason=%s", S_PREFIX, key_text, quoted,
                    reason);
        reply = s_reply(req, "400", "key not allowed", NULL, NULL);
    }
    free(address);
    return reply;
}

/* Points req's fields at msg's frames, in order; missing ones stay NULL. */
static void s_parse(zmsg_t *msg, s_request *req)
{
    zframe_t **fields[] = {&req->version,  &req->request_id, &req->domain, &req->address,
                           &req->identity, &req->mechanism,  &req->key};
    zframe_t *frame = zmsg_first(msg);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && frame; i++) {
        *fields[i] = frame;
        frame = zmsg_next(msg);
    }
}

static int s_on_request(zloop_t *loop, zsock_t *sock, void *arg)
{
    (void)loop;
    cen_zap *self = arg;
    zmsg_t *msg = zmsg_recv(sock);
    if (!msg)
        return 0;
    s_request req = {NULL};
    s_parse(msg, &req);
    zmsg_t *reply = s_answer(self, &req);
    zmsg_destroy(&msg);
    if (zmsg_send(&reply, sock) != 0)
        zmsg_destroy(&reply);
    return 0;
}

cen_zap *cen_zap_new(cen_keys *keys, zloop_t *loop, hc_error *err)
{
    assert(keys && loop);
    cen_zap *self = zmalloc(sizeof *self);
    self->keys = keys;
    self->armour = zarmour_new();
    zarmour_set_mode(self->armour, ZARMOUR_MODE_Z85);
    self->sock = zsock_new(ZMQ_REP);
    if (!self->sock || zsock_bind(self->sock, CEN_ZAP_ENDPOINT) != 0) {
        hc_error_set(err, HC_UNAVAILABLE, NULL, "cannot bind the ZAP handler at %s",
                     CEN_ZAP_ENDPOINT);
        cen_zap_destroy(&self);
        return NULL;
    }
    if (zloop_reader(loop, self->sock, s_on_request, self) != 0) {
        hc_error_set(err, HC_INTERNAL, NULL, "cannot watch the ZAP handler");
        cen_zap_destroy(&self);
        return NULL;
    }
    zloop_reader_set_tolerant(loop, self->sock);
    self->loop = loop;
    return self;
}

void cen_zap_destroy(cen_zap **self_p)
{
    assert(self_p);
    cen_zap *self = *self_p;
    if (!self)
        return;
    if (self->loop)
        zloop_reader_end(self->loop, self->sock);
    zsock_destroy(&self->sock);
    zarmour_destroy(&self->armour);
    free(self);
    *self_p = NULL;
}
