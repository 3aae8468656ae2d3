/* hc_msgcsv: any message as CSV through the JSON walker: the rows of its
   list (and a total row), or its own scalar fields as one row. */
#include "hc_msgcsv.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "hc_csv.h"
#include "hc_json.h"

/* Text of one scalar or nested JSON value for a CSV cell (malloc'd, or
   NULL for null). */
static char *s_cell_scalar(const json_t *value)
{
    char number[64];
    switch (json_typeof(value)) {
    case JSON_STRING:
        return strdup(json_string_value(value));
    case JSON_INTEGER:
        snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
        return strdup(number);
    case JSON_REAL:
        snprintf(number, sizeof number, "%.15g", json_real_value(value));
        return strdup(number);
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    case JSON_NULL:
        return NULL;
    default:
        return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | HC_JSON_DUMP_FLAGS);
    }
}

/* A CSV cell: scalars as text, arrays joined by ';'. */
static char *s_cell(const json_t *value)
{
    if (!json_is_array(value))
        return value ? s_cell_scalar(value) : NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        return NULL;
    size_t index;
    json_t *item;
    json_array_foreach(value, index, item)
    {
        char *cell = s_cell_scalar(item);
        fprintf(out, "%s%s", index ? ";" : "", cell ? cell : "");
        free(cell);
    }
    fclose(out);
    return text;
}

/* True when field is a column of a CSV row: anything but a message. */
static bool s_column(const ProtobufCFieldDescriptor *field, bool nested)
{
    return nested || field->type != PROTOBUF_C_TYPE_MESSAGE;
}

/* Writes the header: desc's field names (only its columns unless nested
   fields are kept, as in rows of a list). */
static void s_csv_header(FILE *out, const ProtobufCMessageDescriptor *desc, bool nested)
{
    const char **header = calloc(desc->n_fields ? desc->n_fields : 1, sizeof *header);
    if (!header)
        return;
    size_t count = 0;
    for (unsigned i = 0; i < desc->n_fields; i++)
        if (s_column(&desc->fields[i], nested))
            header[count++] = desc->fields[i].name;
    hc_csv_write_row(out, header, count);
    free(header);
}

/* Writes one row: desc's fields (as s_csv_header) looked up in json. */
static void s_csv_row(FILE *out, const ProtobufCMessageDescriptor *desc, const json_t *json,
                      bool nested)
{
    char **cells = calloc(desc->n_fields ? desc->n_fields : 1, sizeof *cells);
    if (!cells)
        return;
    size_t count = 0;
    for (unsigned i = 0; i < desc->n_fields; i++)
        if (s_column(&desc->fields[i], nested))
            cells[count++] = s_cell(json_object_get(json, desc->fields[i].name));
    hc_csv_write_row(out, (const char *const *)cells, count);
    for (size_t i = 0; i < count; i++)
        free(cells[i]);
    free(cells);
}

const ProtobufCFieldDescriptor *hc_msgcsv_rows_field(const ProtobufCMessageDescriptor *desc)
{
    for (unsigned i = 0; i < desc->n_fields; i++)
        if (desc->fields[i].label == PROTOBUF_C_LABEL_REPEATED &&
            desc->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
            return &desc->fields[i];
    return NULL;
}

/* The rows of field rows, then every singular field of the rows' type
   that is set (a total row), in descriptor order. */
static void s_csv_rows(FILE *out, const ProtobufCMessageDescriptor *desc,
                       const ProtobufCFieldDescriptor *rows, const json_t *json)
{
    const ProtobufCMessageDescriptor *row_desc = rows->descriptor;
    size_t index;
    json_t *item;
    json_array_foreach(json_object_get(json, rows->name), index, item)
        s_csv_row(out, row_desc, item, true);
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        json_t *value = json_object_get(json, field->name);
        if (field->label != PROTOBUF_C_LABEL_REPEATED && field->type == PROTOBUF_C_TYPE_MESSAGE &&
            field->descriptor == row_desc && json_is_object(value))
            s_csv_row(out, row_desc, value, true);
    }
}

char *hc_msgcsv(const ProtobufCMessage *msg, size_t *size)
{
    assert(msg && size);
    const ProtobufCFieldDescriptor *rows = hc_msgcsv_rows_field(msg->descriptor);
    char *text = NULL;
    FILE *out = open_memstream(&text, size);
    if (!out)
        return NULL;
    json_t *json = hc_json_from_message(msg);
    if (rows) {
        s_csv_header(out, rows->descriptor, true);
        s_csv_rows(out, msg->descriptor, rows, json);
    } else {
        s_csv_header(out, msg->descriptor, false);
        s_csv_row(out, msg->descriptor, json, false);
    }
    json_decref(json);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
