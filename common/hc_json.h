/* hc_json: the ONE generic walker between protobuf-c messages and jansson
   values, driven by descriptors. Field names as in the .proto; enums as the
   lower-case value name without the enum's UPPER_SNAKE prefix
   (SECTOR_LONG_TERM_CARE -> "long_term_care"; *_UNSPECIFIED is never
   accepted nor written); int64/uint64 as JSON numbers; double as numbers;
   bytes as base64; repeated as arrays; nested messages as objects. */
#ifndef HC_JSON_H
#define HC_JSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include "hc_arena.h"
#include "hc_error.h"

/* JSON object for msg (new reference). Every field is written: an unset
   optional field as null, an empty repeated field as []. */
json_t *hc_json_from_message(const ProtobufCMessage *msg);

/* Builds a message of desc from a JSON object, allocated in arena. Returns
   HC_OK and sets *out, or HC_INVALID_ARGUMENT with err->field naming the
   field by its path ("rungs[2]", "wage_steps[0].hourly_wage_cents") for: a
   value that is not an object, an unknown field, a wrong JSON type, an
   integer out of range, a bad enum name, bad base64, a missing required
   field. A JSON null counts as absent. */
int hc_json_to_message(const json_t *json, const ProtobufCMessageDescriptor *desc, hc_arena *arena,
                       ProtobufCMessage **out, hc_error *err);

/* Sets obj[name] from text (a URL path or query value) converted to the JSON
   type of desc's field `name`: numbers parsed, "true"/"false" for bools,
   enums and strings kept as strings. Returns HC_INVALID_ARGUMENT naming the
   field when there is no such field or text does not parse. */
int hc_json_set_from_text(json_t *obj, const ProtobufCMessageDescriptor *desc, const char *name,
                          const char *text, hc_error *err);

/* Lower-case JSON name of an enum value (static storage per descriptor);
   NULL when value is not in the enum. */
const char *hc_json_enum_name(const ProtobufCEnumDescriptor *desc, int value);

/* Parses a JSON enum name; returns 0 and sets *value, or -1 when unknown. */
int hc_json_enum_value(const ProtobufCEnumDescriptor *desc, const char *name, int *value);

/* JSON flags every writer of API text uses: reals with 15 significant digits,
   so 144.4 hours prints as 144.4, not as its nearest binary double. */
#define HC_JSON_DUMP_FLAGS JSON_REAL_PRECISION(15)

#endif
