/* hc_json: the generic walker between protobuf-c messages and jansson
   values. Every HTTP body goes through here, so input is untrusted: every
   mismatch is an HC_INVALID_ARGUMENT naming the field's path. */
#include "hc_json.h"

#include "hc_field.h"
#include "hc_msg.h"

#include "hc_utf8.h"
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PATH_MAX  256
#define S_DEPTH_MAX 32

/* --- enum names --------------------------------------------------------- */

/* JSON names of one enum, index-aligned with desc->values; NULL marks the
 *_UNSPECIFIED value. Built once per descriptor and kept for the process. */
typedef struct s_enum_table {
    const ProtobufCEnumDescriptor *desc;
    char **names;
    struct s_enum_table *next;
} s_enum_table;

static pthread_mutex_t s_enum_lock = PTHREAD_MUTEX_INITIALIZER;
static s_enum_table *s_enum_tables;

/* "RaceEthnicity" -> "RACE_ETHNICITY_" into out. */
static void s_enum_prefix(const char *short_name, char *out, size_t size)
{
    size_t at = 0;
    for (size_t i = 0; short_name[i] && at + 3 < size; i++) {
        unsigned char c = (unsigned char)short_name[i];
        unsigned char prev = i ? (unsigned char)short_name[i - 1] : 0;
        unsigned char next = (unsigned char)short_name[i + 1];
        bool word = isupper(c) && i > 0 &&
                    (islower(prev) || isdigit(prev) || (isupper(prev) && islower(next)));
        if (word)
            out[at++] = '_';
        out[at++] = (char)toupper(c);
    }
    out[at++] = '_';
    out[at] = '\0';
}

/* The lower-case JSON name of one value; NULL for UNSPECIFIED. */
static char *s_enum_json_name(const char *prefix, const char *value_name)
{
    size_t len = strlen(prefix);
    const char *rest = strncmp(value_name, prefix, len) == 0 ? value_name + len : value_name;
    char *name = strdup(rest);
    assert(name);
    for (char *p = name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (strcmp(name, "unspecified") == 0) {
        free(name);
        return NULL;
    }
    return name;
}

static s_enum_table *s_enum_table_get(const ProtobufCEnumDescriptor *desc)
{
    pthread_mutex_lock(&s_enum_lock);
    s_enum_table *table = s_enum_tables;
    while (table && table->desc != desc)
        table = table->next;
    if (table == NULL) {
        char prefix[128];
        s_enum_prefix(desc->short_name, prefix, sizeof prefix);
        table = calloc(1, sizeof *table);
        assert(table);
        table->desc = desc;
        table->names = calloc(desc->n_values ? desc->n_values : 1, sizeof *table->names);
        assert(table->names);
        for (unsigned i = 0; i < desc->n_values; i++)
            table->names[i] = s_enum_json_name(prefix, desc->values[i].name);
        table->next = s_enum_tables;
        s_enum_tables = table;
    }
    pthread_mutex_unlock(&s_enum_lock);
    return table;
}

const char *hc_json_enum_name(const ProtobufCEnumDescriptor *desc, int value)
{
    const ProtobufCEnumValue *found = protobuf_c_enum_descriptor_get_value(desc, value);
    if (found == NULL)
        return NULL;
    return s_enum_table_get(desc)->names[found - desc->values];
}

int hc_json_enum_value(const ProtobufCEnumDescriptor *desc, const char *name, int *value)
{
    s_enum_table *table = s_enum_table_get(desc);
    for (unsigned i = 0; name && i < desc->n_values; i++) {
        if (table->names[i] && strcmp(table->names[i], name) == 0) {
            *value = desc->values[i].value;
            return 0;
        }
    }
    return -1;
}

/* "female, male, ..." into out, truncated to fit. */
static void s_enum_choices(const ProtobufCEnumDescriptor *desc, char *out, size_t size)
{
    s_enum_table *table = s_enum_table_get(desc);
    size_t at = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < desc->n_values && at < size; i++) {
        if (table->names[i] == NULL)
            continue;
        int n = snprintf(out + at, size - at, "%s%s", at ? ", " : "", table->names[i]);
        at += n > 0 ? (size_t)n : 0;
    }
}

/* --- message -> JSON ------------------------------------------------------ */

static json_t *s_message_to_json(const ProtobufCMessage *msg, int depth);

/* A JSON string for text; bytes that are not UTF-8 (a peer's protobuf
   strings are not checked on the wire) become U+FFFD. */
static json_t *s_string_to_json(const char *text)
{
    if (text == NULL)
        return json_null();
    size_t len = strlen(text);
    if (hc_utf8_valid(text, len))
        return json_stringn_nocheck(text, len);
    char *clean = malloc(len * 3 + 1);
    if (clean == NULL)
        return json_null();
    size_t at = 0;
    for (size_t i = 0; i < len;) {
        size_t n = hc_utf8_seq(text + i, len - i);
        if (n == 0) {
            memcpy(clean + at, "\xEF\xBF\xBD", 3);
            at += 3;
            i++;
        } else {
            memcpy(clean + at, text + i, n);
            at += n;
            i += n;
        }
    }
    json_t *value = json_stringn_nocheck(clean, at);
    free(clean);
    return value;
}

static json_t *s_bytes_to_json(const ProtobufCBinaryData *data)
{
    if (data->len > (SIZE_MAX / 4) * 3 - 3)
        return json_null();
    size_t size = sodium_base64_ENCODED_LEN(data->len, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc(size);
    if (text == NULL)
        return json_null();
    sodium_bin2base64(text, size, data->data, data->len, sodium_base64_VARIANT_ORIGINAL);
    json_t *value = json_string_nocheck(text);
    free(text);
    return value;
}

static json_t *s_uint64_to_json(uint64_t value)
{
    if (value > (uint64_t)INT64_MAX)
        return json_real((double)value);
    return json_integer((json_int_t)value);
}

/* json_real refuses NaN and infinities; they become null. */
static json_t *s_real_to_json(double value)
{
    json_t *real = isfinite(value) ? json_real(value) : NULL;
    return real ? real : json_null();
}

static json_t *s_enum_to_json(const ProtobufCFieldDescriptor *field, int value)
{
    const char *name = hc_json_enum_name(field->descriptor, value);
    return name ? json_string_nocheck(name) : json_null();
}

/* One value of field's type at member (a singular field or an element). */
static json_t *s_value_to_json(const ProtobufCFieldDescriptor *field, const void *member, int depth)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)member);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)member);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)member);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return s_uint64_to_json(*(const uint64_t *)member);
    case PROTOBUF_C_TYPE_FLOAT:
        return s_real_to_json(*(const float *)member);
    case PROTOBUF_C_TYPE_DOUBLE:
        return s_real_to_json(*(const double *)member);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)member);
    case PROTOBUF_C_TYPE_ENUM:
        return s_enum_to_json(field, *(const int *)member);
    case PROTOBUF_C_TYPE_STRING:
        return s_string_to_json(*(char *const *)member);
    case PROTOBUF_C_TYPE_BYTES:
        return s_bytes_to_json(member);
    case PROTOBUF_C_TYPE_MESSAGE:
        return s_message_to_json(*(ProtobufCMessage *const *)member, depth + 1);
    }
    return json_null();
}

/* Bytes one element of type takes in a repeated field's array. */
static json_t *s_repeated_to_json(const ProtobufCMessage *msg,
                                  const ProtobufCFieldDescriptor *field, int depth)
{
    const char *base = (const char *)msg;
    size_t count = *(const size_t *)(base + field->quantifier_offset);
    const char *items = *(const char *const *)(base + field->offset);
    json_t *array = json_array();
    size_t step = hc_msg_value_size(field->type);
    for (size_t i = 0; array && items && i < count; i++)
        json_array_append_new(array, s_value_to_json(field, items + i * step, depth));
    return array;
}

static json_t *s_message_to_json(const ProtobufCMessage *msg, int depth)
{
    if (msg == NULL || depth > S_DEPTH_MAX)
        return json_null();
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    json_t *object = json_object();
    for (unsigned i = 0; object && i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        json_t *value;
        if (field->label == PROTOBUF_C_LABEL_REPEATED)
            value = s_repeated_to_json(msg, field, depth);
        else if (hc_field_present(msg, field))
            value = s_value_to_json(field, (const char *)msg + field->offset, depth);
        else
            value = json_null();
        json_object_set_new_nocheck(object, field->name, value ? value : json_null());
    }
    return object;
}

json_t *hc_json_from_message(const ProtobufCMessage *msg)
{
    assert(msg);
    return s_message_to_json(msg, 0);
}

/* --- JSON -> message ------------------------------------------------------ */

/* Fills err; field and message are cut at a UTF-8 boundary in case the
   path or an echoed value was truncated, since both go back out as JSON. */
static int s_fail(hc_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(hc_error *err, const char *path, const char *fmt, ...)
{
    char message[sizeof err->message];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    if (err == NULL)
        return HC_INVALID_ARGUMENT;
    hc_error_set(err, HC_INVALID_ARGUMENT, path, "%s", message);
    err->field[hc_utf8_valid_prefix(err->field, strlen(err->field))] = '\0';
    err->message[hc_utf8_valid_prefix(err->message, strlen(err->message))] = '\0';
    return HC_INVALID_ARGUMENT;
}

/* Walk state shared down the recursion. */
typedef struct {
    hc_arena *arena;
    hc_error *err;
} s_walk;

static int s_message_from_json(s_walk *walk, const json_t *json,
                               const ProtobufCMessageDescriptor *desc, const char *path, int depth,
                               ProtobufCMessage **out);

static int s_int_from_json(s_walk *walk, const json_t *json, const char *path, json_int_t lo,
                           json_int_t hi, const char *type, json_int_t *value)
{
    if (!json_is_integer(json))
        return s_fail(walk->err, path, "expected an integer");
    *value = json_integer_value(json);
    if (*value < lo || *value > hi)
        return s_fail(walk->err, path, "out of range for %s", type);
    return HC_OK;
}

static int s_real_from_json(s_walk *walk, const json_t *json, const char *path, bool single,
                            double *value)
{
    if (!json_is_number(json))
        return s_fail(walk->err, path, "expected a number");
    *value = json_number_value(json);
    if (single && fabs(*value) > FLT_MAX)
        return s_fail(walk->err, path, "out of range for float");
    return HC_OK;
}

static int s_string_from_json(s_walk *walk, const json_t *json, const char *path, char **out)
{
    if (!json_is_string(json))
        return s_fail(walk->err, path, "expected a string");
    const char *text = json_string_value(json);
    size_t len = json_string_length(json);
    if (memchr(text, '\0', len) != NULL)
        return s_fail(walk->err, path, "must not contain a NUL character");
    if ((*out = hc_arena_alloc(walk->arena, len + 1)) == NULL)
        return hc_error_set(walk->err, HC_RESOURCE_EXHAUSTED, path, "out of memory");
    memcpy(*out, text, len);
    return HC_OK;
}

/* Standard base64 with padding, as written by s_bytes_to_json. */
static int s_bytes_from_json(s_walk *walk, const json_t *json, const char *path,
                             ProtobufCBinaryData *out)
{
    if (!json_is_string(json))
        return s_fail(walk->err, path, "expected a base64 string");
    const char *text = json_string_value(json);
    size_t len = json_string_length(json);
    size_t cap = len / 4 * 3 + 3;
    unsigned char *bin = hc_arena_alloc(walk->arena, cap);
    if (bin == NULL)
        return hc_error_set(walk->err, HC_RESOURCE_EXHAUSTED, path, "out of memory");
    size_t bin_len = 0;
    const char *end = NULL;
    if (sodium_base642bin(bin, cap, text, len, NULL, &bin_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text + len)
        return s_fail(walk->err, path, "invalid base64");
    out->data = bin_len ? bin : NULL;
    out->len = bin_len;
    return HC_OK;
}

static int s_enum_from_json(s_walk *walk, const json_t *json, const char *path,
                            const ProtobufCEnumDescriptor *desc, int *value)
{
    char choices[300];
    if (!json_is_string(json)) {
        s_enum_choices(desc, choices, sizeof choices);
        return s_fail(walk->err, path, "expected a string (one of: %s)", choices);
    }
    const char *name = json_string_value(json);
    size_t len = json_string_length(json);
    if (strlen(name) == len && hc_json_enum_value(desc, name, value) == 0)
        return HC_OK;
    s_enum_choices(desc, choices, sizeof choices);
    int shown = (int)hc_utf8_valid_prefix(name, len < 64 ? len : 64);
    return s_fail(walk->err, path, "unknown value \"%.*s%s\" (expected one of: %s)", shown, name,
                  (size_t)shown < len ? "..." : "", choices);
}

static int s_integer_member(s_walk *walk, const ProtobufCFieldDescriptor *field, const json_t *json,
                            const char *path, void *member)
{
    json_int_t v = 0; /* set on HC_OK; -O3 cannot see it */
    int rc;
    switch (field->type) {
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        rc = s_int_from_json(walk, json, path, 0, UINT32_MAX, "uint32", &v);
        if (rc == HC_OK)
            *(uint32_t *)member = (uint32_t)v;
        return rc;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        rc = s_int_from_json(walk, json, path, INT64_MIN, INT64_MAX, "int64", &v);
        if (rc == HC_OK)
            *(int64_t *)member = v;
        return rc;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        rc = s_int_from_json(walk, json, path, 0, INT64_MAX, "uint64", &v);
        if (rc == HC_OK)
            *(uint64_t *)member = (uint64_t)v;
        return rc;
    default: /* int32, sint32, sfixed32 */
        rc = s_int_from_json(walk, json, path, INT32_MIN, INT32_MAX, "int32", &v);
        if (rc == HC_OK)
            *(int32_t *)member = (int32_t)v;
        return rc;
    }
}

/* Converts json into one value of field's type at member. */
static int s_value_from_json(s_walk *walk, const ProtobufCFieldDescriptor *field,
                             const json_t *json, const char *path, int depth, void *member)
{
    double real = 0;
    int rc;
    switch (field->type) {
    case PROTOBUF_C_TYPE_FLOAT:
        if ((rc = s_real_from_json(walk, json, path, true, &real)) == HC_OK)
            *(float *)member = (float)real;
        return rc;
    case PROTOBUF_C_TYPE_DOUBLE:
        if ((rc = s_real_from_json(walk, json, path, false, &real)) == HC_OK)
            *(double *)member = real;
        return rc;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(json))
            return s_fail(walk->err, path, "expected true or false");
        *(protobuf_c_boolean *)member = json_is_true(json);
        return HC_OK;
    case PROTOBUF_C_TYPE_ENUM:
        return s_enum_from_json(walk, json, path, field->descriptor, member);
    case PROTOBUF_C_TYPE_STRING:
        return s_string_from_json(walk, json, path, member);
    case PROTOBUF_C_TYPE_BYTES:
        return s_bytes_from_json(walk, json, path, member);
    case PROTOBUF_C_TYPE_MESSAGE:
        return s_message_from_json(walk, json, field->descriptor, path, depth + 1, member);
    default:
        return s_integer_member(walk, field, json, path, member);
    }
}

static int s_repeated_from_json(s_walk *walk, const ProtobufCFieldDescriptor *field,
                                const json_t *json, const char *path, int depth,
                                ProtobufCMessage *msg)
{
    if (!json_is_array(json))
        return s_fail(walk->err, path, "expected an array");
    size_t count = json_array_size(json);
    size_t step = hc_msg_value_size(field->type);
    char *items = count ? hc_arena_alloc(walk->arena, count * step) : NULL;
    if (count && items == NULL)
        return hc_error_set(walk->err, HC_RESOURCE_EXHAUSTED, path, "out of memory");
    for (size_t i = 0; i < count; i++) {
        char item_path[S_PATH_MAX];
        if (snprintf(item_path, sizeof item_path, "%s[%zu]", path, i) >= (int)sizeof item_path)
            return s_fail(walk->err, path, "nested too deeply");
        int rc = s_value_from_json(walk, field, json_array_get(json, i), item_path, depth,
                                   items + i * step);
        if (rc != HC_OK)
            return rc;
    }
    *(size_t *)((char *)msg + field->quantifier_offset) = count;
    *(void **)((char *)msg + field->offset) = items;
    return HC_OK;
}

/* Sets one field of msg from json (not null). */
static int s_field_from_json(s_walk *walk, const ProtobufCFieldDescriptor *field,
                             const json_t *json, const char *path, int depth, ProtobufCMessage *msg)
{
    if (field->label == PROTOBUF_C_LABEL_REPEATED)
        return s_repeated_from_json(walk, field, json, path, depth, msg);
    int rc = s_value_from_json(walk, field, json, path, depth, (char *)msg + field->offset);
    if (rc == HC_OK)
        hc_field_mark(msg, field, true);
    return rc;
}

/* "deliverables[0]" + "target" -> "deliverables[0].target". */
static void s_join(char *out, const char *path, const char *name, size_t name_len)
{
    int shown = name_len > S_PATH_MAX ? S_PATH_MAX : (int)name_len;
    snprintf(out, S_PATH_MAX, "%s%s%.*s", path, *path ? "." : "", shown, name);
}

/* The first required field that was not set, or NULL. */
static const ProtobufCFieldDescriptor *s_missing(const ProtobufCMessageDescriptor *desc,
                                                 const bool *seen)
{
    for (unsigned i = 0; i < desc->n_fields; i++) {
        if (desc->fields[i].label == PROTOBUF_C_LABEL_REQUIRED && !seen[i])
            return &desc->fields[i];
    }
    return NULL;
}

static int s_message_from_json(s_walk *walk, const json_t *json,
                               const ProtobufCMessageDescriptor *desc, const char *path, int depth,
                               ProtobufCMessage **out)
{
    if (!json_is_object(json))
        return s_fail(walk->err, path, *path ? "expected an object" : "expected a JSON object");
    if (depth > S_DEPTH_MAX)
        return s_fail(walk->err, path, "nested too deeply");
    ProtobufCMessage *msg = hc_arena_message(walk->arena, desc);
    bool *seen = hc_arena_alloc(walk->arena, desc->n_fields * sizeof *seen);
    if (msg == NULL || seen == NULL)
        return hc_error_set(walk->err, HC_RESOURCE_EXHAUSTED, path, "out of memory");
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach((json_t *)json, key, key_len, value)
    {
        char field_path[S_PATH_MAX];
        s_join(field_path, path, key, key_len);
        const ProtobufCFieldDescriptor *field =
            strlen(key) == key_len ? protobuf_c_message_descriptor_get_field_by_name(desc, key)
                                   : NULL;
        if (field == NULL)
            return s_fail(walk->err, field_path, "unknown field");
        if (json_is_null(value))
            continue;
        int rc = s_field_from_json(walk, field, value, field_path, depth, msg);
        if (rc != HC_OK)
            return rc;
        seen[field - desc->fields] = true;
    }
    const ProtobufCFieldDescriptor *missing = s_missing(desc, seen);
    if (missing) {
        char field_path[S_PATH_MAX];
        s_join(field_path, path, missing->name, strlen(missing->name));
        return s_fail(walk->err, field_path, "required");
    }
    *out = msg;
    return HC_OK;
}

int hc_json_to_message(const json_t *json, const ProtobufCMessageDescriptor *desc, hc_arena *arena,
                       ProtobufCMessage **out, hc_error *err)
{
    assert(desc && arena && out);
    s_walk walk = {arena, err};
    ProtobufCMessage *msg = NULL;
    int rc = s_message_from_json(&walk, json, desc, "", 0, &msg);
    if (rc == HC_OK)
        *out = msg;
    return rc;
}

/* --- text (URL path and query values) -> JSON ----------------------------- */

/* Whole-text base-10 integer within [lo, hi]; NULL when it is not one. */
static json_t *s_text_integer(const char *text, long long lo, long long hi)
{
    if (*text == '\0' || isspace((unsigned char)*text))
        return NULL;
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (*end != '\0' || errno == ERANGE || value < lo || value > hi)
        return NULL;
    return json_integer(value);
}

static json_t *s_text_real(const char *text)
{
    if (*text == '\0' || isspace((unsigned char)*text))
        return NULL;
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(value))
        return NULL;
    return json_real(value);
}

/* The JSON value of text for field's type; NULL when text does not parse,
   with *what saying what was expected. */
static json_t *s_text_value(const ProtobufCFieldDescriptor *field, const char *text,
                            const char **what)
{
    *what = "expected an integer";
    switch (field->type) {
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return s_text_integer(text, 0, UINT32_MAX);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return s_text_integer(text, INT64_MIN, INT64_MAX);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return s_text_integer(text, 0, INT64_MAX);
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        *what = "expected a number";
        return s_text_real(text);
    case PROTOBUF_C_TYPE_BOOL:
        *what = "expected true or false";
        return strcmp(text, "true") == 0    ? json_true()
               : strcmp(text, "false") == 0 ? json_false()
                                            : NULL;
    case PROTOBUF_C_TYPE_MESSAGE:
        *what = "cannot be given as text";
        return NULL;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_ENUM:
        *what = "invalid UTF-8";
        return json_string(text);
    default:
        return s_text_integer(text, INT32_MIN, INT32_MAX);
    }
}

/* A repeated field collects values: ?status=a&status=b gives ["a", "b"]. */
int hc_json_set_from_text(json_t *obj, const ProtobufCMessageDescriptor *desc, const char *name,
                          const char *text, hc_error *err)
{
    assert(json_is_object(obj) && desc && name && text);
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(desc, name);
    if (field == NULL)
        return s_fail(err, name, "unknown field");
    const char *what = NULL;
    json_t *value = s_text_value(field, text, &what);
    if (value == NULL)
        return s_fail(err, name, "%s", what);
    if (field->label != PROTOBUF_C_LABEL_REPEATED) {
        json_object_set_new(obj, name, value);
        return HC_OK;
    }
    json_t *array = json_object_get(obj, name);
    if (!json_is_array(array)) {
        array = json_array();
        json_object_set_new(obj, name, array);
    }
    json_array_append_new(array, value);
    return HC_OK;
}
