/* central_server: the hub's definition: its state (the allow-list, the ZAP
   handler, the CURVE listener), ListNodes and the nodes in its heartbeats. */
#include "central_server.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include "hc_keys.h"
#include "hc_log.h"
#include "central_keys.h"
#include "central_listen.h"
#include "central_nodes.h"
#include "central_zap.h"

typedef struct {
    hc_service *service;
    char *data_dir;
    cen_keys *keys;
    cen_zap *zap;
    cen_listen *listen;
} cen_state;

/* The data directory: where the service's store file is (malloc'd). */
static char *s_data_dir(hc_service *service)
{
    char *dir = strdup(hc_store_path(hc_service_store(service)));
    assert(dir);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir)
        *slash = '\0';
    else if (slash)
        slash[1] = '\0';
    else
        strcpy(dir, ".");
    return dir;
}

static void *s_state_new(hc_service *service, hc_error *err)
{
    (void)err;
    cen_state *st = zmalloc(sizeof *st);
    st->service = service;
    st->data_dir = s_data_dir(service);
    char *nodes = zsys_sprintf("%s/nodes", st->data_dir);
    st->keys = cen_keys_new(hc_config_get(hc_service_config(service), "central/nodes", nodes));
    zstr_free(&nodes);
    return st;
}

static void s_state_destroy(void **state_p)
{
    cen_state *st = *state_p;
    if (!st)
        return;
    cen_listen_destroy(&st->listen);
    cen_zap_destroy(&st->zap);
    cen_keys_destroy(&st->keys);
    free(st->data_dir);
    free(st);
    *state_p = NULL;
}

/* The hub's own key pair (central/key, default DIR/node.key), or NULL + err. */
static zcert_t *s_cert(cen_state *st, hc_error *err)
{
    char *dflt = zsys_sprintf("%s/node.key", st->data_dir);
    zcert_t *cert = hc_keys_load_secret(
        hc_config_get(hc_service_config(st->service), "central/key", dflt), err);
    zstr_free(&dflt);
    return cert;
}

/* The ZAP handler, then the listener on central/listen (required). */
static int s_start(void *state, hc_service *service, hc_error *err)
{
    cen_state *st = state;
    const char *endpoint = hc_config_get(hc_service_config(service), "central/listen", "");
    if (!endpoint[0])
        return hc_error_set(err, HC_INVALID_ARGUMENT, "central/listen",
                            "central/listen is not set (hcap-node --listen, HCAP_CENTRAL_LISTEN)");
    zcert_t *cert = s_cert(st, err);
    if (!cert)
        return err->code;
    if (mkdir(cen_keys_dir(st->keys), 0755) != 0 && errno != EEXIST)
        hc_log_warn("nodes_dir_missing", "dir=%s errno=%d", cen_keys_dir(st->keys), errno);
    st->zap = cen_zap_new(st->keys, hc_service_loop(service), err);
    if (st->zap)
        st->listen = cen_listen_new(service, st->keys, cert, endpoint, err);
    zcert_destroy(&cert);
    return st->listen ? HC_OK : err->code;
}

static void s_health(void *state, hc_arena *arena, Hcap__WorkerMessage *msg)
{
    cen_state *st = state;
    hc_error err;
    hc_error_clear(&err);
    if (cen_nodes_all(hc_service_store(st->service), st->keys, arena, &msg->nodes, &msg->n_nodes,
                      &err) != HC_OK)
        hc_log_warn("nodes_unreadable", "code=%s", hc_code_name(err.code));
}

/* One page of every node's status, by node id. */
static int s_list_nodes(void *state, hc_call *call, const ProtobufCMessage *in,
                        ProtobufCMessage **out)
{
    cen_state *st = state;
    const Hcap__ListRequest *req = (const Hcap__ListRequest *)in;
    hc_page page;
    Hcap__NodeList *list = (Hcap__NodeList *)hc_call_list_new(
        call, req->has_limit, req->limit, req->after, &hcap__node_list__descriptor, &page);
    if (!list)
        return HC_INVALID_ARGUMENT;
    Hcap__NodeStatus **all = NULL;
    size_t count = 0, first = 0;
    hc_error err;
    hc_error_clear(&err);
    if (cen_nodes_all(hc_service_store(st->service), st->keys, hc_call_arena(call), &all, &count,
                      &err) != HC_OK)
        return hc_call_fail_with(call, &err);
    while (first < count && page.after && page.after[0] &&
           strcmp(all[first]->node, page.after) <= 0)
        first++;
    list->items = all + first;
    list->n_items = count - first < page.limit ? count - first : page.limit;
    if (first + list->n_items < count)
        list->next = list->items[list->n_items - 1]->node;
    *out = &list->base;
    return HC_OK;
}

static const hc_handler s_handlers[] = {
    {"ListNodes", s_list_nodes, 0},
    {NULL, NULL, 0},
};

const hc_service_def cen_service = {
    .name = "central",
    .descriptor = &hcap__central_service__descriptor,
    .handlers = s_handlers,
    .migrations = central_migrations,
    .state_new = s_state_new,
    .state_destroy = s_state_destroy,
    .start = s_start,
    .health = s_health,
};
