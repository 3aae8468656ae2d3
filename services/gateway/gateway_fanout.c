/* gateway_fanout: the worker profile, one broker request per part, all in
   flight at once, merged into one Profile message by descriptor. Each part
   carries the fan-out deadline to the broker, which answers every request
   exactly once (DEADLINE_EXCEEDED at the latest), so the fan-out needs no
   timer of its own: a zloop timer ended from another handler of the same
   loop turn can still fire, and would then touch a freed fan-out. */
#include "gateway_fanout.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gateway.pb-c.h"
#include "gateway_routes.h"
#include "hc_arena.h"
#include "hc_log.h"
#include "hc_msg.h"

/* One read per owning service: each answers its whole share from one
   transaction, and the profile waits on three replies instead of seven. */
static const gw_profile_part s_parts[] = {
    {"enrollment", "GetWorkerProfile", "id", NULL, true},
    {"credentialing", "GetCredentialProfile", "id", NULL, false},
    {"apprenticeship", "ListApprentices", "worker_id", "apprenticeships", false},
    {NULL, NULL, NULL, NULL, false},
};

#define S_PARTS_MAX 16
#define S_LIST_MAX  500 /* the largest page a list method gives (HC_LIST_MAX) */

typedef struct s_fanout s_fanout;

/* One part's broker request; owned by the broker callback, which frees it.
   fanout is NULL once the fanout finished without it. */
typedef struct {
    s_fanout *fanout;
    size_t index;
} s_ticket;

struct s_fanout {
    hc_arena *arena;
    Hcap__Profile *profile;
    size_t pending;
    bool starting;
    s_ticket *tickets[S_PARTS_MAX];
    char *unavailable[S_PARTS_MAX];
    int worker_code; /* HC_OK until the required part failed */
    char message[256];
    hc_broker_reply_fn *cb;
    void *arg;
};

const gw_profile_part *gw_fanout_parts(void)
{
    return s_parts;
}

/* The `items` field of a list reply type, or NULL. */
static const ProtobufCFieldDescriptor *s_items(const ProtobufCMessageDescriptor *desc)
{
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(desc, "items");
    return items && items->label == PROTOBUF_C_LABEL_REPEATED &&
                   items->type == PROTOBUF_C_TYPE_MESSAGE
               ? items
               : NULL;
}

static const ProtobufCFieldDescriptor *s_profile_field(const char *name)
{
    return protobuf_c_message_descriptor_get_field_by_name(&hcap__profile__descriptor, name);
}

static bool s_repeated(const ProtobufCFieldDescriptor *field)
{
    return field->label == PROTOBUF_C_LABEL_REPEATED;
}

/* Why the reply's field from cannot fill Profile field to (in filled, the
   Profile fields filled so far, counted by index), or NULL. */
static const char *s_fill_problem(const ProtobufCFieldDescriptor *to,
                                  const ProtobufCFieldDescriptor *from, unsigned *filled)
{
    if (!to || to->type != PROTOBUF_C_TYPE_MESSAGE)
        return "no such message field in Profile";
    if (!from || from->type != PROTOBUF_C_TYPE_MESSAGE || from->descriptor != to->descriptor ||
        s_repeated(from) != s_repeated(to))
        return "the method returns another type";
    if (filled[to - hcap__profile__descriptor.fields]++)
        return "a Profile field filled twice";
    return NULL;
}

/* Why part's method cannot take the worker id (and a page size), or NULL. */
static const char *s_input_problem(const gw_profile_part *part,
                                   const ProtobufCMethodDescriptor *rpc)
{
    const ProtobufCFieldDescriptor *key =
        protobuf_c_message_descriptor_get_field_by_name(rpc->input, part->key);
    const ProtobufCFieldDescriptor *limit =
        protobuf_c_message_descriptor_get_field_by_name(rpc->input, "limit");
    if (!key || key->type != PROTOBUF_C_TYPE_STRING || s_repeated(key))
        return "the method's input has no such key field";
    if (limit &&
        (limit->type != PROTOBUF_C_TYPE_UINT32 || limit->label != PROTOBUF_C_LABEL_OPTIONAL))
        return "the method's limit is not an optional uint32";
    return NULL;
}

/* Why part does not fit the descriptors, or NULL. */
static const char *s_part_problem(const gw_profile_part *part, unsigned *filled)
{
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(part->service, part->method);
    if (!rpc)
        return "unknown method";
    const char *why = s_input_problem(part, rpc);
    if (why || part->into)
        return why ? why
                   : s_fill_problem(s_profile_field(part->into), s_items(rpc->output), filled);
    for (unsigned i = 0; !why && i < rpc->output->n_fields; i++) {
        const ProtobufCFieldDescriptor *from = &rpc->output->fields[i];
        why = s_fill_problem(s_profile_field(from->name), from, filled);
    }
    return why;
}

/* The first Profile field no part fills (but unavailable), or NULL. */
static const char *s_unfilled(const unsigned *filled)
{
    for (unsigned i = 0; i < hcap__profile__descriptor.n_fields; i++) {
        const char *name = hcap__profile__descriptor.fields[i].name;
        if (!filled[i] && strcmp(name, "unavailable") != 0)
            return name;
    }
    return NULL;
}

bool gw_fanout_check(char *problem, size_t size)
{
    unsigned filled[64] = {0};
    assert(hcap__profile__descriptor.n_fields <= 64);
    for (const gw_profile_part *part = s_parts; part->service; part++) {
        const char *why = (size_t)(part - s_parts) >= S_PARTS_MAX ? "too many parts"
                                                                  : s_part_problem(part, filled);
        if (why) {
            snprintf(problem, size, "part %s.%s: %s", part->service, part->method, why);
            return false;
        }
    }
    const char *unfilled = s_unfilled(filled);
    if (unfilled)
        snprintf(problem, size, "no part fills Profile field %s", unfilled);
    return !unfilled;
}

static void s_ticket_cancel_all(s_fanout *fanout)
{
    for (size_t i = 0; i < S_PARTS_MAX; i++)
        if (fanout->tickets[i]) {
            fanout->tickets[i]->fanout = NULL;
            fanout->tickets[i] = NULL;
        }
}

/* Replies once and frees the fanout. */
static void s_finish(s_fanout *fanout)
{
    s_ticket_cancel_all(fanout);
    hc_broker_reply reply = {.code = fanout->worker_code};
    if (fanout->worker_code == HC_OK) {
        size_t n = 0;
        while (n < S_PARTS_MAX && fanout->unavailable[n])
            n++;
        fanout->profile->n_unavailable = n;
        fanout->profile->unavailable = fanout->unavailable;
        reply.body = hc_msg_pack(&fanout->profile->base, fanout->arena, &reply.size);
    } else {
        reply.field = fanout->worker_code == HC_UNAVAILABLE ? NULL : "id";
        reply.message = fanout->message;
    }
    fanout->cb(fanout->arg, &reply);
    hc_arena_destroy(&fanout->arena);
    free(fanout);
}

static void s_mark_unavailable(s_fanout *fanout, const char *service)
{
    size_t i = 0;
    while (i < S_PARTS_MAX && fanout->unavailable[i] && strcmp(fanout->unavailable[i], service))
        i++;
    if (i < S_PARTS_MAX && !fanout->unavailable[i])
        fanout->unavailable[i] = hc_arena_strdup(fanout->arena, service);
}

/* The required part failed with code: the whole profile fails. */
static void s_fail_worker(s_fanout *fanout, int code, const char *message)
{
    if (code == HC_NOT_FOUND || code == HC_INVALID_ARGUMENT) {
        fanout->worker_code = code;
        snprintf(fanout->message, sizeof fanout->message, "%s",
                 message && *message ? message : "no such worker");
    } else {
        fanout->worker_code = HC_UNAVAILABLE;
        snprintf(fanout->message, sizeof fanout->message, "the worker's record is unavailable: %s",
                 message ? message : "no answer");
    }
}

/* Points Profile field to at the value of field from of msg (the arena
   holds both). */
static void s_fill(Hcap__Profile *profile, const ProtobufCFieldDescriptor *to,
                   const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *from)
{
    char *base = (char *)profile;
    const char *src = (const char *)msg;
    if (!to || !from)
        return; /* a table gw_fanout_check refuses */
    if (s_repeated(to))
        *(size_t *)(base + to->quantifier_offset) =
            *(const size_t *)(src + from->quantifier_offset);
    *(void **)(base + to->offset) = *(void *const *)(src + from->offset);
}

/* Puts a decoded part reply into the Profile fields the part fills. */
static void s_apply(s_fanout *fanout, const gw_profile_part *part, const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    if (part->into) {
        s_fill(fanout->profile, s_profile_field(part->into), msg, s_items(desc));
        return;
    }
    for (unsigned i = 0; i < desc->n_fields; i++)
        s_fill(fanout->profile, s_profile_field(desc->fields[i].name), msg, &desc->fields[i]);
}

static void s_on_part(void *arg, const hc_broker_reply *reply)
{
    s_ticket *ticket = arg;
    s_fanout *fanout = ticket->fanout;
    size_t index = ticket->index;
    free(ticket);
    if (!fanout)
        return;
    fanout->tickets[index] = NULL;
    fanout->pending--;
    const gw_profile_part *part = &s_parts[index];
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(part->service, part->method);
    ProtobufCMessage *msg = NULL;
    if (reply->code == HC_OK) {
        msg = hc_msg_unpack(rpc->output, reply->body, reply->size, fanout->arena);
        if (!msg)
            hc_log_warn("fanout_bad_reply", "service=%s method=%s", part->service, part->method);
    }
    if (msg)
        s_apply(fanout, part, msg);
    else if (part->required)
        s_fail_worker(fanout, reply->code == HC_OK ? HC_INTERNAL : reply->code, reply->message);
    else if (reply->code != HC_NOT_FOUND)
        s_mark_unavailable(fanout, part->service);
    if (!fanout->starting && (fanout->pending == 0 || fanout->worker_code != HC_OK))
        s_finish(fanout);
}

/* The packed input of rpc for worker id (in its key field, and the
   largest page when it takes a limit), in arena; NULL when out of memory.
   Built by descriptor: no JSON on the way. */
static uint8_t *s_input(const ProtobufCMethodDescriptor *rpc, const char *key, const char *id,
                        hc_arena *arena, size_t *size)
{
    ProtobufCMessage *in = hc_arena_message(arena, rpc->input);
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(rpc->input, key);
    const ProtobufCFieldDescriptor *limit =
        protobuf_c_message_descriptor_get_field_by_name(rpc->input, "limit");
    if (!in || !field)
        return NULL;
    *(const char **)((char *)in + field->offset) = id;
    if (limit) {
        *(protobuf_c_boolean *)((char *)in + limit->quantifier_offset) = 1;
        *(uint32_t *)((char *)in + limit->offset) = S_LIST_MAX;
    }
    return hc_msg_pack(in, arena, size);
}

/* Sends part index for worker id. */
static void s_send_part(s_fanout *fanout, hc_broker *broker, size_t index, const char *id,
                        const Hcap__Principal *principal, uint32_t deadline_ms)
{
    const gw_profile_part *part = &s_parts[index];
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(part->service, part->method);
    size_t size = 0;
    uint8_t *body = rpc ? s_input(rpc, part->key, id, fanout->arena, &size) : NULL;
    s_ticket *ticket = calloc(1, sizeof *ticket);
    assert(ticket);
    ticket->fanout = fanout;
    ticket->index = index;
    fanout->tickets[index] = ticket;
    fanout->pending++;
    if (!body) {
        hc_broker_reply reply = {.code = HC_INTERNAL, .message = "cannot build the part's request"};
        s_on_part(ticket, &reply);
        return;
    }
    hc_broker_request(broker, part->service, part->method, body, size, principal, NULL, deadline_ms,
                      HC_BROKER_RETRY | HC_BROKER_REPLICA, s_on_part, ticket);
}

/* The worker id of a packed GetRequest, in arena; NULL when absent. */
static const char *s_worker_id(const uint8_t *body, size_t size, hc_arena *arena)
{
    Hcap__GetRequest *request =
        (Hcap__GetRequest *)hc_msg_unpack(&hcap__get_request__descriptor, body, size, arena);
    return request && request->id && *request->id ? request->id : NULL;
}

int gw_fanout_profile(hc_broker *broker, const Hcap__Principal *principal, const uint8_t *body,
                      size_t size, uint32_t deadline_ms, hc_broker_reply_fn *cb, void *arg)
{
    assert(broker && cb);
    s_fanout *fanout = calloc(1, sizeof *fanout);
    assert(fanout);
    fanout->arena = hc_arena_new();
    fanout->cb = cb;
    fanout->arg = arg;
    fanout->profile = (Hcap__Profile *)hc_arena_message(fanout->arena, &hcap__profile__descriptor);
    const char *id = s_worker_id(body, size, fanout->arena);
    if (!id) {
        s_fail_worker(fanout, HC_INVALID_ARGUMENT, "id is required");
        s_finish(fanout);
        return HC_INVALID_ARGUMENT;
    }
    fanout->starting = true;
    for (size_t i = 0; s_parts[i].service && i < S_PARTS_MAX; i++)
        s_send_part(fanout, broker, i, id, principal, deadline_ms);
    fanout->starting = false;
    if (fanout->pending == 0 || fanout->worker_code != HC_OK) {
        int code = fanout->worker_code;
        s_finish(fanout);
        return code;
    }
    return HC_OK;
}
