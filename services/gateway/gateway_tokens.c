/* gateway_tokens: create, list and revoke bearer tokens. A token's text is
   shown once, at its creation; lists show ids, names, roles and dates. */
#include "gateway_tokens.h"

#include <string.h>
#include "gateway.pb-c.h"
#include "gateway_server.h"
#include "hc_arena.h"
#include "hc_call.h"
#include "hc_log.h"
#include "hc_msg.h"

static const char *s_by(const Hcap__Principal *principal)
{
    return principal && principal->token_id ? principal->token_id : "-";
}

/* The Token message of token, in arena. */
static Hcap__Token *s_token_message(hc_arena *arena, const gw_token *token)
{
    Hcap__Token *msg = (Hcap__Token *)hc_arena_message(arena, &hcap__token__descriptor);
    msg->id = hc_arena_strdup(arena, token->id);
    msg->name = hc_arena_strdup(arena, token->name);
    msg->role = (Hcap__Role)token->role;
    msg->created_at = hc_arena_strdup(arena, token->created_at);
    if (token->revoked_at[0])
        msg->revoked_at = hc_arena_strdup(arena, token->revoked_at);
    return msg;
}

static int s_create(gw_store *store, const Hcap__Principal *principal, const void *input,
                    hc_arena *arena, hc_broker_reply_fn *cb, void *arg, hc_error *err)
{
    const Hcap__CreateTokenRequest *request = input;
    char token[HC_TOKEN_SIZE];
    gw_token record;
    int rc = gw_store_token_create(store, request->role, request->name, token, &record, err);
    if (rc != HC_OK)
        return rc;
    hc_log_info("token_created", "token_id=%s role=%s by=%s", record.id,
                hc_auth_role_name(record.role), s_by(principal));
    Hcap__CreateTokenReply reply = HCAP__CREATE_TOKEN_REPLY__INIT;
    reply.token = token;
    reply.name = record.name;
    reply.role = (Hcap__Role)record.role;
    reply.id = record.id;
    gw_reply_message(&reply.base, arena, cb, arg);
    memset(token, 0, sizeof token);
    return HC_OK;
}

typedef struct {
    hc_arena *arena;
    Hcap__TokenList *list;
    uint32_t limit;
} s_page;

static void s_page_add(void *arg, const gw_token *token)
{
    s_page *page = arg;
    if (page->list->n_items < page->limit)
        page->list->items[page->list->n_items++] = s_token_message(page->arena, token);
    else /* the one row past the page: there is a next one */
        page->list->next = page->list->items[page->list->n_items - 1]->id;
}

static int s_list(gw_store *store, const void *input, hc_arena *arena, hc_broker_reply_fn *cb,
                  void *arg, hc_error *err)
{
    const Hcap__ListRequest *request = input;
    uint32_t limit = request->has_limit ? request->limit : HC_LIST_DEFAULT;
    if (limit < 1 || limit > HC_LIST_MAX)
        return hc_error_set(err, HC_INVALID_ARGUMENT, "limit", "limit must be 1 to %d",
                            HC_LIST_MAX);
    Hcap__TokenList list = HCAP__TOKEN_LIST__INIT;
    list.items = hc_arena_alloc(arena, limit * sizeof *list.items);
    s_page page = {arena, &list, limit};
    int rc = gw_store_token_each(store, request->after, limit + 1, s_page_add, &page, err);
    return rc == HC_OK ? gw_reply_message(&list.base, arena, cb, arg) : rc;
}

static int s_revoke(gw_store *store, const Hcap__Principal *principal, const void *input,
                    hc_arena *arena, hc_broker_reply_fn *cb, void *arg, hc_error *err)
{
    const Hcap__GetRequest *request = input;
    gw_token token;
    int rc = gw_store_token_revoke(store, request->id, &token, err);
    if (rc != HC_OK)
        return rc;
    hc_log_info("token_revoked", "token_id=%s role=%s by=%s", token.id,
                hc_auth_role_name(token.role), s_by(principal));
    return gw_reply_message(&s_token_message(arena, &token)->base, arena, cb, arg);
}

int gw_tokens_call(gw_store *store, const char *method, const Hcap__Principal *principal,
                   const uint8_t *body, size_t size, hc_broker_reply_fn *cb, void *arg)
{
    const ProtobufCMessageDescriptor *in =
        strcmp(method, "CreateToken") == 0   ? &hcap__create_token_request__descriptor
        : strcmp(method, "ListTokens") == 0  ? &hcap__list_request__descriptor
        : strcmp(method, "RevokeToken") == 0 ? &hcap__get_request__descriptor
                                             : NULL;
    if (!in)
        return HC_UNIMPLEMENTED;
    hc_arena *arena = hc_arena_new();
    hc_error err;
    hc_error_clear(&err);
    const void *input = hc_msg_unpack(in, body, size, arena);
    int rc;
    if (!input)
        rc = hc_error_set(&err, HC_INVALID_ARGUMENT, NULL, "%s does not decode", in->name);
    else if (in == &hcap__create_token_request__descriptor)
        rc = s_create(store, principal, input, arena, cb, arg, &err);
    else if (in == &hcap__list_request__descriptor)
        rc = s_list(store, input, arena, cb, arg, &err);
    else
        rc = s_revoke(store, principal, input, arena, cb, arg, &err);
    if (rc != HC_OK)
        gw_reply_error(&err, cb, arg);
    hc_arena_destroy(&arena);
    return rc;
}
