/* ctl_report: hcapctl's printing of the reporting service's replies: the
   gateway's CSV (hc_msgcsv), JSON, or a table readable in a terminal, its
   scalar fields as `key: value` lines and its rows as aligned columns, an
   absent (suppressed) value shown as "-". */
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "hc_json.h"
#include "hc_msgcsv.h"

/* One aligned line; no padding after the last cell. */
static void s_line(FILE *out, const char *const *cells, const size_t *width, size_t n)
{
    for (size_t c = 0; c < n; c++) {
        fprintf(out, "%s%s", c ? "  " : "", cells[c]);
        if (c + 1 < n)
            ctl_pad(out, width[c] - ctl_width(cells[c]));
    }
    fputc('\n', out);
}

void ctl_print_columns(FILE *out, const json_t *rows, const char *const *columns, size_t n)
{
    size_t count = json_array_size(rows);
    char **cells = calloc(count * n + 1, sizeof *cells);
    size_t *width = calloc(n + 1, sizeof *width);
    for (size_t c = 0; cells && width && c < n; c++) {
        width[c] = ctl_width(columns[c]);
        for (size_t r = 0; r < count; r++) {
            char *cell = ctl_cell(json_object_get(json_array_get(rows, r), columns[c]), "-");
            cells[r * n + c] = cell ? cell : strdup("?");
            if (cells[r * n + c] && ctl_width(cells[r * n + c]) > width[c])
                width[c] = ctl_width(cells[r * n + c]);
        }
    }
    if (cells && width) {
        s_line(out, columns, width, n);
        for (size_t r = 0; r < count; r++)
            s_line(out, (const char *const *)&cells[r * n], width, n);
    }
    for (size_t i = 0; cells && i < count * n; i++)
        free(cells[i]);
    free(cells);
    free(width);
}

/* The fields of desc that are not messages as aligned `key: value` lines. */
static void s_print_scalars(FILE *out, const ProtobufCMessageDescriptor *desc, const json_t *json)
{
    size_t width = 0;
    for (unsigned i = 0; i < desc->n_fields; i++)
        if (desc->fields[i].type != PROTOBUF_C_TYPE_MESSAGE &&
            ctl_width(desc->fields[i].name) > width)
            width = ctl_width(desc->fields[i].name);
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const char *name = desc->fields[i].name;
        if (desc->fields[i].type == PROTOBUF_C_TYPE_MESSAGE)
            continue;
        char *cell = ctl_cell(json_object_get(json, name), "-");
        fprintf(out, "%s:", name);
        ctl_pad(out, width - ctl_width(name) + 1);
        fprintf(out, "%s\n", cell ? cell : "?");
        free(cell);
    }
}

/* The rows (and the total rows of the same type) as columns of every
   field of the row type. */
static void s_print_rows(FILE *out, const ProtobufCMessageDescriptor *desc,
                         const ProtobufCFieldDescriptor *rows, const json_t *json)
{
    const ProtobufCMessageDescriptor *row = rows->descriptor;
    json_t *all = json_deep_copy(json_object_get(json, rows->name));
    for (unsigned i = 0; i < desc->n_fields; i++)
        if (desc->fields[i].label != PROTOBUF_C_LABEL_REPEATED &&
            desc->fields[i].descriptor == row &&
            json_is_object(json_object_get(json, desc->fields[i].name)))
            json_array_append(all, json_object_get(json, desc->fields[i].name));
    const char **columns = calloc(row->n_fields + 1, sizeof *columns);
    for (unsigned i = 0; columns && i < row->n_fields; i++)
        columns[i] = row->fields[i].name;
    if (columns)
        ctl_print_columns(out, all, columns, row->n_fields);
    free(columns);
    json_decref(all);
}

void ctl_print_report(FILE *out, const ProtobufCMessage *msg, ctl_format format)
{
    if (format == CTL_FORMAT_CSV) {
        size_t size = 0;
        char *text = hc_msgcsv(msg, &size);
        if (text)
            fwrite(text, 1, size, out);
        free(text);
        return;
    }
    json_t *json = hc_json_from_message(msg);
    if (format == CTL_FORMAT_JSON) {
        json_dumpf(json, out, JSON_INDENT(2) | HC_JSON_DUMP_FLAGS);
        fputc('\n', out);
    } else {
        const ProtobufCMessageDescriptor *desc = msg->descriptor;
        const ProtobufCFieldDescriptor *rows = hc_msgcsv_rows_field(desc);
        bool scalars = false;
        for (unsigned i = 0; i < desc->n_fields; i++)
            scalars |= desc->fields[i].type != PROTOBUF_C_TYPE_MESSAGE;
        if (scalars)
            s_print_scalars(out, desc, json);
        if (rows && scalars)
            fputc('\n', out);
        if (rows)
            s_print_rows(out, desc, rows, json);
    }
    json_decref(json);
}
