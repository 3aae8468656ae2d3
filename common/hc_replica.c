/* hc_replica: a replica's apply by a table of rules (hc_replica.h). */
#include "hc_replica.h"

#include <string.h>
#include "hc_arena.h"
#include "hc_msg.h"

int hc_replica_apply(const hc_replica_rule *rules, size_t count, hc_store *store,
                     const Hcap__Event *event, hc_error *err)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(event->type, rules[i].type) != 0)
            continue;
        hc_arena *arena = hc_arena_new();
        ProtobufCMessage *body =
            hc_msg_unpack(rules[i].body, event->body.data, event->body.len, arena);
        int rc = body ? rules[i].apply(store, body, err)
                      : hc_error_set(err, HC_INVALID_ARGUMENT, "body", "%s body is not a %s",
                                     event->type, rules[i].body->name);
        hc_arena_destroy(&arena);
        return rc;
    }
    return hc_error_set(err, HC_INVALID_ARGUMENT, "type", "unknown event type %s", event->type);
}
