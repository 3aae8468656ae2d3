/* gateway_idem: in-flight keys in memory, final replies in gateway.db. */
#include "gateway_idem.h"

#include <assert.h>
#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include "hc_log.h"

struct _gw_idem {
    gw_store *store;
    zhashx_t *inflight; /* key -> request text */
};

gw_idem *gw_idem_new(gw_store *store)
{
    assert(store);
    gw_idem *self = zmalloc(sizeof *self);
    self->store = store;
    self->inflight = zhashx_new();
    assert(self->inflight);
    zhashx_set_duplicator(self->inflight, (zhashx_duplicator_fn *)strdup);
    zhashx_set_destructor(self->inflight, (zhashx_destructor_fn *)zstr_free);
    return self;
}

void gw_idem_destroy(gw_idem **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_idem *self = *self_p;
    zhashx_destroy(&self->inflight);
    free(self);
    *self_p = NULL;
}

bool gw_idem_key_valid(const char *key)
{
    size_t length = key ? strlen(key) : 0;
    if (length == 0 || length > GW_IDEM_KEY_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        if (*p < 0x20 || *p > 0x7E)
            return false;
    return true;
}

int gw_idem_begin(gw_idem *self, const char *key, const char *request, gw_http_reply *replay)
{
    assert(self && key && request && replay);
    memset(replay, 0, sizeof *replay);
    if (zhashx_lookup(self->inflight, key))
        return GW_IDEM_BUSY;
    gw_stored_reply stored;
    int code = gw_store_reply_find(self->store, key, &stored);
    if (code == HC_NOT_FOUND) {
        zhashx_insert(self->inflight, key, (void *)request);
        return GW_IDEM_NEW;
    }
    if (code != HC_OK) {
        hc_log_error("idempotency_lookup_failed", "code=%d", code);
        return GW_IDEM_ERROR;
    }
    if (strcmp(stored.route, request) != 0) {
        gw_store_reply_clear(&stored);
        return GW_IDEM_CONFLICT;
    }
    replay->status = stored.status;
    replay->body = stored.body;
    replay->size = stored.size;
    replay->content_type = GW_CONTENT_JSON;
    return GW_IDEM_REPLAY;
}

void gw_idem_finish(gw_idem *self, const char *key, const char *request, const gw_http_reply *reply)
{
    assert(self && key && request && reply);
    hc_error err;
    if (reply->status > 0 && reply->status < 500 &&
        gw_store_reply_save(self->store, key, request, reply->status, reply->body, reply->size,
                            &err) != HC_OK) {
        char quoted[600];
        hc_log_error("idempotency_save_failed", "code=%s message=%s", hc_code_name(err.code),
                     hc_log_quote(err.message, quoted, sizeof quoted));
    }
    zhashx_delete(self->inflight, key);
}

void gw_idem_abandon(gw_idem *self, const char *key)
{
    assert(self && key);
    zhashx_delete(self->inflight, key);
}
