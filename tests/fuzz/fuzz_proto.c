/* fuzz_proto: protobuf decoding (hc_msg_unpack into an arena) of every
   service method's input type, as hc_service does with a request body, and
   of every output type, as the gateway does with a reply; then what comes
   next: JSON and CSV rendering, repacking, the erasure rewrite. Input: one
   selector byte picking the type, then the packed message. */
#include <stdlib.h>
#include <string.h>
#include "fz.h"
#include "hc_arena.h"
#include "hc_msg.h"

/* The first singular string field of desc, or NULL. */
static const char *s_string_field(const ProtobufCMessageDescriptor *desc)
{
    for (unsigned i = 0; i < desc->n_fields; i++)
        if (desc->fields[i].type == PROTOBUF_C_TYPE_STRING &&
            desc->fields[i].label != PROTOBUF_C_LABEL_REPEATED)
            return desc->fields[i].name;
    return NULL;
}

/* hc_msg_repack_without (erasure drops a field from stored bodies) must
   accept what decodes and give what decodes again. */
static void s_check_rewrite(const ProtobufCMessage *msg, const uint8_t *data, size_t size,
                            hc_arena *arena)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    const char *field = s_string_field(desc);
    uint8_t *body = NULL;
    size_t body_size = 0;
    if (field == NULL)
        return;
    if (hc_msg_repack_without(desc, data, size, field, &body, &body_size) != 0)
        fz_fail("%s: decodes but hc_msg_repack_without refuses it", desc->name);
    ProtobufCMessage *again = hc_msg_unpack(desc, body, body_size, arena);
    if (again == NULL && !fz_repackable(msg)) {
        free(body);
        return;
    }
    if (again == NULL)
        fz_fail("%s: rewritten without %s, it no longer decodes", desc->name, field);
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(desc, field);
    const char *left = *(const char *const *)((const char *)again + f->offset);
    if (left && *left)
        fz_fail("%s: rewritten without %s, it still holds \"%s\"", desc->name, field, left);
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const ProtobufCMessageDescriptor *desc = fz_pick(data[0], true);
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *msg = hc_msg_unpack(desc, data + 1, size - 1, arena);
    if (msg) {
        if (msg->descriptor != desc)
            fz_fail("%s decoded as %s", desc->name, msg->descriptor->name);
        fz_exercise(msg);
        s_check_rewrite(msg, data + 1, size - 1, arena);
    }
    hc_arena_destroy(&arena);
    return 0;
}
