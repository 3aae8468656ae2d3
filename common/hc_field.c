/* hc_field: presence of singular protobuf-c fields, by descriptor. */
#include "hc_field.h"

#include <stdint.h>

static bool s_is_pointer(const ProtobufCFieldDescriptor *field)
{
    return field->type == PROTOBUF_C_TYPE_STRING || field->type == PROTOBUF_C_TYPE_MESSAGE;
}

bool hc_field_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field)
{
    const char *base = (const char *)msg;
    bool pointer = s_is_pointer(field);
    if (pointer && *(void *const *)(base + field->offset) == NULL)
        return false;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + field->quantifier_offset) == field->id;
    if (field->label == PROTOBUF_C_LABEL_OPTIONAL && !pointer)
        return *(const protobuf_c_boolean *)(base + field->quantifier_offset) != 0;
    return true;
}

void hc_field_mark(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field, bool present)
{
    char *quantifier = (char *)msg + field->quantifier_offset;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        if (present)
            *(uint32_t *)quantifier = field->id;
        else if (*(uint32_t *)quantifier == field->id)
            *(uint32_t *)quantifier = 0;
    } else if (field->label == PROTOBUF_C_LABEL_OPTIONAL && !s_is_pointer(field)) {
        *(protobuf_c_boolean *)quantifier = present;
    }
}

bool hc_field_enum_valid(const ProtobufCEnumDescriptor *desc, int value)
{
    return value != 0 && protobuf_c_enum_descriptor_get_value(desc, value) != NULL;
}
