/* gateway_refs: the reference table and the parallel existence check run
   before a route's request is forwarded. Like the profile fan-out it keeps
   no timer: each Get carries the request's deadline to the broker, which
   answers every request exactly once; a check that finished early (the
   first failure) leaves its other tickets cancelled for the broker to
   free. */
#include "gateway_refs.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hc_arena.h"
#include "hc_error.h"
#include "hc_msg.h"

static const gw_ref s_refs[] = {
    {"worker_id", "enrollment", "GetWorker"},
    {"employer_id", "enrollment", "GetEmployer"},
    {"completion_credential_code", "credentialing", "GetCredentialType"},
    {"competencies", "credentialing", "GetCompetency"},
    {NULL, NULL, NULL},
};

#define S_NAME_MAX   64
#define S_CHECKS_MAX (GW_REFS_MAX * GW_REFS_IDS_MAX)

/* A route's refs text split into field names. */
typedef struct {
    char names[GW_REFS_MAX][S_NAME_MAX];
    size_t count;
} s_names;

typedef struct s_check s_check;

/* One Get in flight; owned by the broker callback, which frees it. check
   is NULL once the check finished without it. */
typedef struct {
    s_check *check;
    size_t index;
} s_ticket;

struct s_check {
    const gw_ref *refs[S_CHECKS_MAX];
    char *ids[S_CHECKS_MAX];
    s_ticket *tickets[S_CHECKS_MAX];
    size_t count, pending;
    bool starting;
    int code; /* HC_OK until a reference failed */
    const char *field;
    char message[256];
    hc_broker_reply_fn *cb;
    void *arg;
};

const gw_ref *gw_refs_find(const char *field)
{
    if (!field)
        return NULL;
    for (const gw_ref *ref = s_refs; ref->field; ref++)
        if (strcmp(ref->field, field) == 0)
            return ref;
    return NULL;
}

/* Splits "a b" / "a,b" into out; false when there are more than
   GW_REFS_MAX names or one is too long. */
static bool s_split(const char *refs, s_names *out)
{
    memset(out, 0, sizeof *out);
    const char *p = refs ? refs : "";
    while (*p) {
        size_t skip = strspn(p, " ,"), length;
        p += skip;
        if (!*p)
            break;
        length = strcspn(p, " ,");
        if (out->count == GW_REFS_MAX || length >= S_NAME_MAX)
            return false;
        memcpy(out->names[out->count++], p, length);
        p += length;
    }
    return true;
}

/* The string field (singular or repeated) name of desc, or NULL. */
static const ProtobufCFieldDescriptor *s_string_field(const ProtobufCMessageDescriptor *desc,
                                                      const char *name)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(desc, name);
    return field && field->type == PROTOBUF_C_TYPE_STRING ? field : NULL;
}

/* Why route's refs do not fit, or NULL. */
static const char *s_route_problem(const gw_route *route)
{
    s_names names;
    if (!s_split(route->refs, &names))
        return "too many reference fields, or one too long";
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route->service, route->method);
    for (size_t i = 0; i < names.count; i++) {
        if (!gw_refs_find(names.names[i]))
            return "a reference field has no row in the reference table";
        if (!rpc || !s_string_field(rpc->input, names.names[i]))
            return "a reference field is not a string field of the input";
    }
    return NULL;
}

bool gw_refs_check_table(char *problem, size_t size)
{
    for (const gw_ref *ref = s_refs; ref->field; ref++) {
        const ProtobufCMethodDescriptor *rpc = gw_route_rpc(ref->service, ref->method);
        if (!rpc || rpc->input != &hcap__get_request__descriptor) {
            snprintf(problem, size, "reference %s (%s.%s): %s", ref->field, ref->service,
                     ref->method, rpc ? "does not take a GetRequest" : "unknown method");
            return false;
        }
    }
    for (const gw_route *route = gw_route_table(); route->pattern; route++) {
        const char *why = route->refs ? s_route_problem(route) : NULL;
        if (why) {
            snprintf(problem, size, "route %s refs \"%s\": %s", gw_route_label(route), route->refs,
                     why);
            return false;
        }
    }
    return true;
}

/* Replies once and frees the check. */
static void s_finish(s_check *check)
{
    for (size_t i = 0; i < check->count; i++) {
        if (check->tickets[i])
            check->tickets[i]->check = NULL;
        free(check->ids[i]);
    }
    hc_broker_reply reply = {.code = check->code};
    if (check->code != HC_OK) {
        reply.field = check->field;
        reply.message = check->message;
    }
    check->cb(check->arg, &reply);
    free(check);
}

/* Reference index failed as reply says. */
static void s_fail(s_check *check, size_t index, const hc_broker_reply *reply)
{
    const gw_ref *ref = check->refs[index];
    const char *said = reply->message && *reply->message ? reply->message : "no reason given";
    check->code = reply->code;
    check->field = NULL;
    if (reply->code == HC_NOT_FOUND || reply->code == HC_INVALID_ARGUMENT) {
        check->field = ref->field;
        if (reply->code == HC_NOT_FOUND)
            snprintf(check->message, sizeof check->message, "%s %.100s not found", ref->field,
                     check->ids[index]);
        else
            snprintf(check->message, sizeof check->message, "%s: %s", ref->field, said);
    } else
        snprintf(check->message, sizeof check->message, "cannot check %s with %s: %s", ref->field,
                 ref->service, said);
}

static void s_on_ref(void *arg, const hc_broker_reply *reply)
{
    s_ticket *ticket = arg;
    s_check *check = ticket->check;
    size_t index = ticket->index;
    free(ticket);
    if (!check)
        return;
    check->tickets[index] = NULL;
    check->pending--;
    if (reply->code != HC_OK && check->code == HC_OK)
        s_fail(check, index, reply);
    if (!check->starting && (check->pending == 0 || check->code != HC_OK))
        s_finish(check);
}

/* Sends the Get of reference index. */
static void s_send(s_check *check, size_t index, hc_broker *broker,
                   const Hcap__Principal *principal, uint32_t deadline_ms)
{
    const gw_ref *ref = check->refs[index];
    Hcap__GetRequest get = HCAP__GET_REQUEST__INIT;
    get.id = check->ids[index];
    hc_arena *arena = hc_arena_new();
    size_t size = 0;
    uint8_t *body = hc_msg_pack(&get.base, arena, &size);
    s_ticket *ticket = calloc(1, sizeof *ticket);
    assert(ticket);
    ticket->check = check;
    ticket->index = index;
    check->tickets[index] = ticket;
    check->pending++;
    if (!body) {
        hc_broker_reply reply = {.code = HC_RESOURCE_EXHAUSTED, .message = "out of memory"};
        s_on_ref(ticket, &reply);
    } else
        hc_broker_request(broker, ref->service, ref->method, body, size, principal, NULL,
                          deadline_ms, HC_BROKER_RETRY, s_on_ref, ticket);
    hc_arena_destroy(&arena);
}

/* Adds the id of ref to check unless it is empty or already there. */
static void s_add(s_check *check, const gw_ref *ref, const char *id)
{
    if (!id || !*id)
        return;
    for (size_t i = 0; i < check->count; i++)
        if (check->refs[i] == ref && strcmp(check->ids[i], id) == 0)
            return;
    assert(check->count < S_CHECKS_MAX);
    check->refs[check->count] = ref;
    check->ids[check->count] = strdup(id);
    assert(check->ids[check->count]);
    check->count++;
}

/* Adds the ids of one field of msg; false (check->code set) when a
   repeated field holds too many. */
static bool s_add_field(s_check *check, const ProtobufCMessage *msg,
                        const ProtobufCFieldDescriptor *field, const gw_ref *ref)
{
    const char *base = (const char *)msg;
    if (field->label != PROTOBUF_C_LABEL_REPEATED) {
        s_add(check, ref, *(const char *const *)(base + field->offset));
        return true;
    }
    size_t n = *(const size_t *)(base + field->quantifier_offset);
    char *const *values = *(char *const *const *)(base + field->offset);
    if (n > GW_REFS_IDS_MAX) {
        check->code = HC_INVALID_ARGUMENT;
        check->field = ref->field;
        snprintf(check->message, sizeof check->message, "%s: at most %d ids, got %zu", ref->field,
                 GW_REFS_IDS_MAX, n);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        s_add(check, ref, values[i]);
    return true;
}

/* Collects the references present in body into check; false when there
   is nothing to check or a field holds too many (check->code set). */
static bool s_collect(s_check *check, const gw_route *route, const uint8_t *body, size_t size)
{
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route->service, route->method);
    s_names names;
    if (!rpc || !s_split(route->refs, &names))
        return false;
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *msg = hc_msg_unpack(rpc->input, body, size, arena);
    bool ok = true;
    for (size_t i = 0; msg && ok && i < names.count; i++) {
        const ProtobufCFieldDescriptor *field = s_string_field(rpc->input, names.names[i]);
        const gw_ref *ref = gw_refs_find(names.names[i]);
        if (field && ref)
            ok = s_add_field(check, msg, field, ref);
    }
    hc_arena_destroy(&arena);
    return ok && check->count > 0;
}

int gw_refs_verify(hc_broker *broker, const gw_route *route, const uint8_t *body, size_t size,
                   const Hcap__Principal *principal, uint32_t deadline_ms, hc_broker_reply_fn *cb,
                   void *arg)
{
    assert(broker && route && cb);
    s_check *check = calloc(1, sizeof *check);
    assert(check);
    check->cb = cb;
    check->arg = arg;
    check->code = HC_OK;
    if (!route->refs || !s_collect(check, route, body, size)) {
        int code = check->code;
        s_finish(check);
        return code;
    }
    check->starting = true;
    for (size_t i = 0; i < check->count && check->code == HC_OK; i++)
        s_send(check, i, broker, principal, deadline_ms);
    check->starting = false;
    if (check->pending == 0 || check->code != HC_OK) {
        int code = check->code;
        s_finish(check);
        return code;
    }
    return HC_OK;
}
