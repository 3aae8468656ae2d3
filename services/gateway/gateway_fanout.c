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
#include "gateway_codec.h"
#include "gateway_routes.h"
#include "hc_arena.h"
#include "hc_log.h"
#include "hc_msg.h"

static const gw_profile_part s_parts[] = {
    {"worker", "enrollment", "GetWorker", "id", true},
    {"employment", "enrollment", "ListEmployment", "worker_id", false},
    {"enrollments", "enrollment", "ListEnrollments", "worker_id", false},
    {"tuition_claims", "enrollment", "ListTuitionClaims", "worker_id", false},
    {"credentials", "credentialing", "ListCredentials", "worker_id", false},
    {"ladders", "credentialing", "ListWorkerLadders", "worker_id", false},
    {"apprenticeships", "apprenticeship", "ListApprentices", "worker_id", false},
    {NULL, NULL, NULL, NULL, false},
};

#define S_PARTS_MAX 16
#define S_LIST_MAX  500 /* the largest page a list method gives */

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

bool gw_fanout_check(char *problem, size_t size)
{
    const ProtobufCMessageDescriptor *profile = &hcap__profile__descriptor;
    for (const gw_profile_part *part = s_parts; part->part; part++) {
        const ProtobufCMethodDescriptor *rpc = gw_route_rpc(part->service, part->method);
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field_by_name(profile, part->part);
        const ProtobufCFieldDescriptor *items = rpc ? s_items(rpc->output) : NULL;
        const char *why = NULL;
        if ((size_t)(part - s_parts) >= S_PARTS_MAX)
            why = "too many parts";
        else if (!rpc)
            why = "unknown method";
        else if (!field || field->type != PROTOBUF_C_TYPE_MESSAGE)
            why = "no such message field in Profile";
        else if (!protobuf_c_message_descriptor_get_field_by_name(rpc->input, part->key))
            why = "the method's input has no such key field";
        else if (field->label == PROTOBUF_C_LABEL_REPEATED
                     ? !items || items->descriptor != field->descriptor
                     : rpc->output != field->descriptor)
            why = "the method returns another type";
        if (why) {
            snprintf(problem, size, "part %s (%s.%s): %s", part->part, part->service, part->method,
                     why);
            return false;
        }
    }
    return true;
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

/* Puts a decoded part reply into the Profile field the part names. */
static void s_apply(s_fanout *fanout, const gw_profile_part *part, ProtobufCMessage *msg)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(&hcap__profile__descriptor, part->part);
    char *base = (char *)fanout->profile;
    if (field->label != PROTOBUF_C_LABEL_REPEATED) {
        *(ProtobufCMessage **)(base + field->offset) = msg;
        return;
    }
    const ProtobufCFieldDescriptor *items = s_items(msg->descriptor);
    *(size_t *)(base + field->quantifier_offset) =
        *(size_t *)((char *)msg + items->quantifier_offset);
    *(void **)(base + field->offset) = *(void **)((char *)msg + items->offset);
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

/* Sends part index for worker id. */
static void s_send_part(s_fanout *fanout, hc_broker *broker, size_t index, const char *id,
                        const Hcap__Principal *principal, uint32_t deadline_ms)
{
    const gw_profile_part *part = &s_parts[index];
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(part->service, part->method);
    json_t *object = json_object();
    json_object_set_new(object, part->key, json_string(id));
    if (protobuf_c_message_descriptor_get_field_by_name(rpc->input, "limit"))
        json_object_set_new(object, "limit", json_integer(S_LIST_MAX));
    uint8_t *body = NULL;
    size_t size = 0;
    hc_error err;
    int code = gw_codec_pack_json(rpc->input, object, fanout->arena, &body, &size, &err);
    json_decref(object);
    s_ticket *ticket = calloc(1, sizeof *ticket);
    assert(ticket);
    ticket->fanout = fanout;
    ticket->index = index;
    fanout->tickets[index] = ticket;
    fanout->pending++;
    if (code != HC_OK) {
        hc_broker_reply reply = {.code = code, .field = err.field, .message = err.message};
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
    for (size_t i = 0; s_parts[i].part && i < S_PARTS_MAX; i++)
        s_send_part(fanout, broker, i, id, principal, deadline_ms);
    fanout->starting = false;
    if (fanout->pending == 0 || fanout->worker_code != HC_OK) {
        int code = fanout->worker_code;
        s_finish(fanout);
        return code;
    }
    return HC_OK;
}
