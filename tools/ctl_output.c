/* ctl_output: hcapctl's printing of replies as aligned tables, `key: value`
   lines, CSV (hc_csv_write_row) or pretty JSON, all from the JSON form of
   a reply so that a new method needs no printing code. */
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "hc_csv.h"

#define S_MAX_COLUMNS 64

int ctl_format_parse(const char *text, ctl_format *format)
{
    static const char *const names[] = {"table", "json", "csv"};
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) {
            *format = (ctl_format)i;
            return 0;
        }
    return -1;
}

void ctl_print_error(const hc_error *err)
{
    if (err->field[0])
        fprintf(stderr, "hcapctl: %s: %s (field %s)\n", hc_code_name(err->code), err->message,
                err->field);
    else
        fprintf(stderr, "hcapctl: %s: %s\n", hc_code_name(err->code), err->message);
}

char *ctl_cell(const json_t *value, const char *absent)
{
    char *text = NULL;
    if (!value)
        return strdup(absent);
    switch (json_typeof(value)) {
    case JSON_STRING:
        return strdup(json_string_value(value));
    case JSON_INTEGER:
        return asprintf(&text, "%" JSON_INTEGER_FORMAT, json_integer_value(value)) < 0 ? NULL
                                                                                       : text;
    case JSON_REAL:
        return asprintf(&text, "%.15g", json_real_value(value)) < 0 ? NULL : text;
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    case JSON_NULL:
        return strdup(absent);
    case JSON_ARRAY:
        break;
    default:
        return json_dumps(value, JSON_COMPACT);
    }
    size_t index;
    json_t *item;
    char *joined = strdup("");
    json_array_foreach(value, index, item)
    {
        char *cell = ctl_cell(item, absent), *next = NULL;
        if (!cell || !joined || asprintf(&next, "%s%s%s", joined, index ? "," : "", cell) < 0)
            next = NULL;
        free(cell);
        free(joined);
        joined = next;
    }
    return joined;
}

size_t ctl_width(const char *text)
{
    size_t width = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        width += (*p & 0xC0) != 0x80;
    return width;
}

void ctl_pad(FILE *out, size_t n)
{
    while (n-- > 0)
        fputc(' ', out);
}

static bool s_is_list(const json_t *reply)
{
    return json_is_object(reply) && json_is_array(json_object_get(reply, "items")) &&
           json_object_size(reply) <= 2;
}

/* Column names: the keys of every item, in order of first appearance. */
static size_t s_columns(const json_t *items, const char **names)
{
    size_t count = 0, index;
    json_t *item;
    json_array_foreach(items, index, item)
    {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)item, key, value)
        {
            bool seen = false;
            for (size_t c = 0; c < count && !seen; c++)
                seen = strcmp(names[c], key) == 0;
            if (!seen && count < S_MAX_COLUMNS)
                names[count++] = key;
        }
    }
    return count;
}

/* Cells of every row (rows x columns, malloc'd strings). */
static char **s_cells(const json_t *items, const char **names, size_t columns)
{
    size_t rows = json_array_size(items);
    char **cells = calloc(rows * columns + 1, sizeof *cells);
    for (size_t r = 0; cells && r < rows; r++)
        for (size_t c = 0; c < columns; c++) {
            json_t *value = json_object_get(json_array_get(items, r), names[c]);
            cells[r * columns + c] = value ? ctl_cell(value, "") : strdup("");
        }
    return cells;
}

static void s_cells_free(char **cells, size_t count)
{
    for (size_t i = 0; cells && i < count; i++)
        free(cells[i]);
    free(cells);
}

/* One line of a table: the shown columns padded to their width, nothing
   after the last non-empty cell. */
static void s_print_row(FILE *out, const char **texts, size_t columns, const bool *shown,
                        const size_t *width, size_t indent)
{
    size_t last = 0;
    for (size_t c = 0; c < columns; c++)
        last = shown[c] && texts[c] && texts[c][0] ? c : last;
    ctl_pad(out, indent);
    for (size_t c = 0, first = 1; c <= last && c < columns; c++) {
        if (!shown[c])
            continue;
        const char *text = texts[c] ? texts[c] : "";
        fprintf(out, "%s%s", first ? "" : "  ", text);
        if (c != last)
            ctl_pad(out, width[c] - ctl_width(text));
        first = 0;
    }
    fputc('\n', out);
}

/* Rows as aligned columns, each line indented; columns empty in every row
   are left out. */
static void s_print_rows(FILE *out, const json_t *items, size_t indent)
{
    const char *names[S_MAX_COLUMNS];
    size_t columns = s_columns(items, names), rows = json_array_size(items);
    char **cells = s_cells(items, names, columns);
    if (!cells)
        return;
    size_t width[S_MAX_COLUMNS];
    bool shown[S_MAX_COLUMNS];
    for (size_t c = 0; c < columns; c++) {
        width[c] = ctl_width(names[c]);
        shown[c] = false;
        for (size_t r = 0; r < rows; r++) {
            const char *cell = cells[r * columns + c] ? cells[r * columns + c] : "";
            shown[c] |= cell[0] != '\0';
            width[c] = ctl_width(cell) > width[c] ? ctl_width(cell) : width[c];
        }
    }
    for (size_t r = 0; r <= rows; r++)
        s_print_row(out, r == 0 ? names : (const char **)&cells[(r - 1) * columns], columns, shown,
                    width, indent);
    s_cells_free(cells, rows * columns);
}

static bool s_is_object_list(const json_t *value)
{
    return json_is_array(value) && json_array_size(value) > 0 &&
           json_is_object(json_array_get(value, 0));
}

/* `key: value` lines, keys aligned; null fields left out, nested objects
   and lists of objects indented under their key. */
static void s_print_object(FILE *out, const json_t *obj, size_t indent)
{
    const char *key;
    json_t *value;
    size_t width = 0;
    json_object_foreach((json_t *)obj, key, value)
    {
        if (!json_is_null(value) && ctl_width(key) > width)
            width = ctl_width(key);
    }
    json_object_foreach((json_t *)obj, key, value)
    {
        if (json_is_null(value))
            continue;
        ctl_pad(out, indent);
        if (json_is_object(value) || s_is_object_list(value)) {
            fprintf(out, "%s:\n", key);
            if (json_is_object(value))
                s_print_object(out, value, indent + 2);
            else
                s_print_rows(out, value, indent + 2);
            continue;
        }
        char *cell = ctl_cell(value, "");
        fprintf(out, "%s:", key);
        ctl_pad(out, width - ctl_width(key) + 1);
        fprintf(out, "%s\n",
                json_is_array(value) && json_array_size(value) == 0 ? "-"
                : cell                                              ? cell
                                                                    : "");
        free(cell);
    }
}

static void s_print_csv(FILE *out, const json_t *items, const json_t *empty_item)
{
    const char *names[S_MAX_COLUMNS];
    size_t rows = json_array_size(items);
    json_t *header = rows == 0 && empty_item ? json_pack("[O]", empty_item) : NULL;
    size_t columns = s_columns(header ? header : items, names);
    char **cells = s_cells(items, names, columns);
    if (!cells)
        return;
    hc_csv_write_row(out, names, columns);
    for (size_t r = 0; r < rows; r++)
        hc_csv_write_row(out, (const char *const *)&cells[r * columns], columns);
    s_cells_free(cells, rows * columns);
    json_decref(header);
}

void ctl_print(FILE *out, const json_t *reply, const json_t *empty_item, ctl_format format)
{
    if (format == CTL_FORMAT_JSON) {
        json_dumpf(reply, out, JSON_INDENT(2));
        fputc('\n', out);
        return;
    }
    bool list = s_is_list(reply);
    json_t *items = list ? json_incref(json_object_get(reply, "items")) : json_array();
    if (!list)
        json_array_append(items, (json_t *)reply);
    if (format == CTL_FORMAT_CSV)
        s_print_csv(out, items, empty_item);
    else if (list)
        s_print_rows(out, items, 0);
    else
        s_print_object(out, reply, 0);
    json_decref(items);
}
