/* hc_field: protobuf-c reflection shared by the descriptor walkers (the
   JSON walker, the SQL row mapper): whether a singular field holds a value,
   and marking it so. */
#ifndef HC_FIELD_H
#define HC_FIELD_H

#include <stdbool.h>
#include <protobuf-c/protobuf-c.h>

/* Whether a singular field of msg holds a value, by protobuf-c's rules: a
   non-NULL pointer for strings and messages, then the oneof case or the
   has_ flag; a required field always does. */
bool hc_field_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field);

/* Sets (present) or clears a singular field's oneof case or has_ flag.
   Strings and messages have none: their pointer says it, set by the caller. */
void hc_field_mark(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *field, bool present);

/* True when value is a named value of desc other than its 0
   (UNSPECIFIED) value, which is never accepted or written. */
bool hc_field_enum_valid(const ProtobufCEnumDescriptor *desc, int value);

#endif
