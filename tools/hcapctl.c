/* hcapctl: the command-line client of a node's gateway (ZeroMQ/protobuf).
   Every command is one row of ctl_commands: the method's input is built from
   positional arguments and `--field value` pairs through the JSON walker,
   and the reply printed as a table, CSV or JSON, so a new method needs a
   row, not code. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apprenticeship.pb-c.h"
#include "credentialing.pb-c.h"
#include "ctl.h"
#include "ctl_backup.h"
#include "ctl_commands.h"
#include "enrollment.pb-c.h"
#include "federation.pb-c.h"
#include "gateway.pb-c.h"
#include "hc_client.h"
#include "hc_json.h"
#include "reporting.pb-c.h"

#define S_TIMEOUT_MS 10000
#define S_MAX_WORDS  8
#define S_MAX_FIELDS 64
#define S_MAX_PAGES  100000

static const struct {
    const char *name;
    const ProtobufCServiceDescriptor *descriptor;
} s_services[] = {
    {"gateway", &hcap__gateway_service__descriptor},
    {"enrollment", &hcap__enrollment_service__descriptor},
    {"credentialing", &hcap__credentialing_service__descriptor},
    {"apprenticeship", &hcap__apprenticeship_service__descriptor},
    {"reporting", &hcap__reporting_service__descriptor},
    {"central", &hcap__central_service__descriptor},
    {"uplink", &hcap__uplink_service__descriptor},
};

typedef struct {
    const char *node;
    bool node_given;
    const char *gateway;
    const char *token;
    const char *token_file;
    ctl_format format;
    bool format_given;
    int timeout_ms;
    const char *idempotency_key;
    bool all;
    bool dry_run;
    bool help;
    const char *words[S_MAX_WORDS];
    size_t n_words;
    const char *fields[S_MAX_FIELDS][2]; /* --name value */
    size_t n_fields;
} s_opts;

static void s_usage(FILE *out)
{
    fprintf(out, "usage: hcapctl [--node DIR] [--gateway ENDPOINT] [--token TOKEN|--token-file F]\n"
                 "               [--format table|json|csv] [--timeout MS] [--idempotency-key K]\n"
                 "               COMMAND [ARGS] [--FIELD VALUE ...]\n\ncommands:\n");
    for (size_t i = 0; ctl_commands[i].words; i++) {
        char args[128] = "";
        const char *p = ctl_commands[i].positional;
        for (size_t n = 0; *p && n + 2 < sizeof args; p++)
            args[n++] = *p == ' ' ? ' ' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        fprintf(out, "  %-29s %-36s [--FIELD VALUE ...]\n", ctl_commands[i].words, args);
    }
    fprintf(out, "  %-29s %-36s [--key PUBFILE]\n", "credentials verify-badge", "FILE");
    fprintf(out, "  %-29s %-36s [--dry-run]\n", "import workers", "FILE");
    fprintf(out, "  %-29s %-36s [--dry-run]\n", "apprentices import-hours", "FILE");
    fprintf(out, "  %-29s %-36s [--service S]\n", "events dead|retry", "");
    fprintf(out, "  %-29s %-36s [--dir D]\n", "keygen", "NAME");
    fprintf(out, "  %-29s %-36s [--config FILE]\n", "backup", "DIR");
    fprintf(out, "  %-29s %s\n", "restore", "DIR");
    fprintf(out, "\nlists take --all (every page); `hcapctl COMMAND --help` lists its fields;\n"
                 "repeated fields take comma-separated values; --worker and --program are\n"
                 "--worker_id and --program_code; `apprentices export` prints every page as "
                 "CSV;\n`grants add` takes a JSON file (the body of POST /v1/grants) and/or "
                 "fields;\nreports print as tables (\"-\": suppressed or absent), "
                 "--format csv as the HTTP CSV;\n`nodes` lists the regions a central node "
                 "knows, `uplink status` where a region's\nuplink stands; `keygen` writes "
                 "D/NAME.pub and D/NAME.key (default D: .) without a gateway;\n`backup` copies the "
                 "node's stores and keys (online) into DIR, `restore`\nputs them back into a "
                 "stopped node's empty --node DIR (docs/backup.md).\n");
}

static int s_usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "hcapctl: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, " (hcapctl --help)\n");
    return 2;
}

/* A global option: 1 when arg was one (consuming *i's value), 0 when not,
   -1 on a bad value. */
static int s_global(s_opts *o, const char *name, const char *value)
{
    if (strcmp(name, "format") == 0) {
        o->format_given = true;
        return value && ctl_format_parse(value, &o->format) == 0 ? 1 : -1;
    }
    if (strcmp(name, "timeout") == 0) {
        char *end;
        long ms = value ? strtol(value, &end, 10) : 0;
        o->timeout_ms = (int)ms;
        return value && *end == '\0' && ms > 0 && ms < INT_MAX ? 1 : -1;
    }
    const char **slot = strcmp(name, "node") == 0              ? &o->node
                        : strcmp(name, "gateway") == 0         ? &o->gateway
                        : strcmp(name, "token") == 0           ? &o->token
                        : strcmp(name, "token-file") == 0      ? &o->token_file
                        : strcmp(name, "idempotency-key") == 0 ? &o->idempotency_key
                                                               : NULL;
    if (!slot)
        return 0;
    o->node_given |= slot == &o->node;
    *slot = value;
    return value ? 1 : -1;
}

static bool s_switch(s_opts *o, const char *name)
{
    bool *flag = strcmp(name, "all") == 0       ? &o->all
                 : strcmp(name, "dry-run") == 0 ? &o->dry_run
                 : strcmp(name, "help") == 0    ? &o->help
                                                : NULL;
    if (flag)
        *flag = true;
    return flag != NULL;
}

/* Splits argv into options, words and --field value pairs. 0 or the exit
   code of a usage error. */
static int s_parse(int argc, char **argv, s_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-h") == 0) {
            o->help = true;
            continue;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (o->n_words == S_MAX_WORDS)
                return s_usage_error("too many arguments at %s", arg);
            o->words[o->n_words++] = arg;
            continue;
        }
        char name[128];
        const char *eq = strchr(arg, '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq ? eq - arg - 2 : (int)strlen(arg) - 2),
                 arg + 2);
        if (!eq && s_switch(o, name))
            continue;
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
        i += eq || !value ? 0 : 1;
        int global = s_global(o, name, value);
        if (global < 0)
            return s_usage_error(value ? "bad value for %s" : "%s needs a value", arg);
        if (global > 0)
            continue;
        if (!value)
            return s_usage_error("%s needs a value", arg);
        if (o->n_fields == S_MAX_FIELDS)
            return s_usage_error("too many fields at %s", arg);
        o->fields[o->n_fields][0] = arg + 2;
        o->fields[o->n_fields++][1] = value;
    }
    return 0;
}

/* The command whose words start o->words (the longest such); sets *used
   to the number of words it took. NULL when none. */
static const ctl_command *s_find(const s_opts *o, size_t *used)
{
    const ctl_command *best = NULL;
    for (size_t i = 0; ctl_commands[i].words; i++) {
        char words[64];
        snprintf(words, sizeof words, "%s", ctl_commands[i].words);
        size_t n = 0;
        bool match = true;
        for (char *w = strtok(words, " "); w && match; w = strtok(NULL, " "), n++)
            match = n < o->n_words && strcmp(w, o->words[n]) == 0;
        if (match && (!best || n > *used)) {
            best = &ctl_commands[i];
            *used = n;
        }
    }
    return best;
}

static const ProtobufCMethodDescriptor *s_method(const ctl_command *cmd)
{
    for (size_t i = 0; i < sizeof s_services / sizeof s_services[0]; i++)
        if (strcmp(s_services[i].name, cmd->service) == 0)
            return protobuf_c_service_descriptor_get_method_by_name(s_services[i].descriptor,
                                                                    cmd->method);
    return NULL;
}

/* Reads the first line of path (malloc'd, without the line end). */
static char *s_read_line(const char *path)
{
    FILE *file = fopen(path, "re");
    if (!file)
        return NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, file);
    fclose(file);
    if (n <= 0) {
        free(line);
        return NULL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return line;
}

/* Endpoint and token: flags, then an explicit --node, then HCAP_GATEWAY /
   HCAP_TOKEN, then the node directory (default ./var). */
static hc_client *s_connect(const s_opts *o, hc_error *err)
{
    char path[PATH_MAX];
    char *endpoint = o->gateway ? strdup(o->gateway) : NULL;
    if (!endpoint && !o->node_given && getenv("HCAP_GATEWAY"))
        endpoint = strdup(getenv("HCAP_GATEWAY"));
    snprintf(path, sizeof path, "%s/gateway.endpoint", o->node);
    if (!endpoint && !(endpoint = s_read_line(path))) {
        hc_error_set(err, HC_UNAVAILABLE, NULL,
                     "no gateway endpoint: cannot read %s (is hcap-node running there? "
                     "use --node DIR or --gateway ENDPOINT)",
                     path);
        return NULL;
    }
    char *token = o->token ? strdup(o->token) : NULL;
    if (!token && o->token_file && !(token = s_read_line(o->token_file))) {
        free(endpoint);
        hc_error_set(err, HC_UNAUTHENTICATED, NULL, "cannot read token file %s", o->token_file);
        return NULL;
    }
    if (!token && !o->node_given && getenv("HCAP_TOKEN"))
        token = strdup(getenv("HCAP_TOKEN"));
    snprintf(path, sizeof path, "%s/admin.token", o->node);
    if (!token)
        token = s_read_line(path); /* none is fine: Health needs no token */
    hc_client *client = hc_client_new(endpoint, token, err);
    free(endpoint);
    free(token);
    return client;
}

/* obj[name] from text: numbers, bools and enum names converted by the
   walker; a repeated field from comma-separated values; a message field
   from JSON text. */
static int s_set_field(json_t *obj, const ProtobufCMessageDescriptor *desc, const char *flag,
                       const char *text, hc_error *err)
{
    char name[128];
    snprintf(name, sizeof name, "%s", flag);
    for (char *p = name; *p; p++)
        *p = *p == '-' ? '_' : *p;
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(desc, name);
    /* a short flag only when the input has no field of its own name */
    const char *alias = field ? NULL : ctl_command_alias(name);
    if (alias) {
        snprintf(name, sizeof name, "%s", alias);
        field = protobuf_c_message_descriptor_get_field_by_name(desc, name);
    }
    if (!field)
        return hc_error_set(err, HC_INVALID_ARGUMENT, name, "%s has no field %s", desc->name, name);
    if (field->type == PROTOBUF_C_TYPE_MESSAGE) {
        json_error_t jerr;
        json_t *value = json_loads(text, JSON_DECODE_ANY, &jerr);
        if (!value)
            return hc_error_set(err, HC_INVALID_ARGUMENT, name, "not JSON: %s", jerr.text);
        json_object_set_new(obj, name, value);
        return HC_OK;
    }
    if (field->label != PROTOBUF_C_LABEL_REPEATED)
        return hc_json_set_from_text(obj, desc, name, text, err);
    json_t *array = json_array();
    int rc = HC_OK;
    char *copy = strdup(text), *save = NULL;
    for (char *part = strtok_r(copy, ",", &save); part && rc == HC_OK;
         part = strtok_r(NULL, ",", &save)) {
        json_t *one = json_object();
        rc = hc_json_set_from_text(one, desc, name, part, err);
        json_t *value = json_object_get(one, name);
        if (rc == HC_OK && json_is_array(value))
            json_array_extend(array, value);
        else if (rc == HC_OK)
            json_array_append(array, value);
        json_decref(one);
    }
    free(copy);
    if (rc == HC_OK)
        json_object_set(obj, name, array);
    json_decref(array);
    return rc;
}

/* Sets obj's fields from the JSON object in the file at path. */
static int s_input_file(const char *path, json_t *obj, hc_error *err)
{
    json_error_t jerr;
    json_t *file = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!file)
        return hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "%s: line %d: %s", path, jerr.line,
                            jerr.text);
    int rc = HC_OK;
    if (!json_is_object(file))
        rc = hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "%s: not a JSON object", path);
    else
        json_object_update(obj, file);
    json_decref(file);
    return rc;
}

/* The input as JSON: a JSON file for the commands that take one, then
   positional arguments, then --field value pairs. */
static int s_input_json(const ctl_command *cmd, const ProtobufCMessageDescriptor *desc,
                        const s_opts *o, size_t used, json_t *obj, hc_error *err)
{
    char names[128];
    snprintf(names, sizeof names, "%s", cmd->positional);
    size_t n = used;
    if (ctl_command_json_input(cmd) && n < o->n_words) {
        int rc = s_input_file(o->words[n++], obj, err);
        if (rc != HC_OK)
            return rc;
    }
    char *save = NULL;
    for (char *name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
        if (n == o->n_words)
            break; /* may come as --field */
        int rc = s_set_field(obj, desc, name, o->words[n++], err);
        if (rc != HC_OK)
            return rc;
    }
    if (n < o->n_words)
        return hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "unexpected argument %s", o->words[n]);
    for (size_t i = 0; i < o->n_fields; i++) {
        int rc = s_set_field(obj, desc, o->fields[i][0], o->fields[i][1], err);
        if (rc != HC_OK)
            return rc;
    }
    return HC_OK;
}

/* One call with the input JSON; on HC_OK *reply is the output as JSON. */
static int s_call(hc_client *client, const ctl_command *cmd, const ProtobufCMethodDescriptor *m,
                  const s_opts *o, const json_t *input, json_t **reply, hc_error *err)
{
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *in = NULL, *out = NULL;
    int rc = hc_json_to_message(input, m->input, arena, &in, err);
    if (rc == HC_OK)
        rc = hc_client_call(client, cmd->service, cmd->method, in, o->idempotency_key, m->output,
                            arena, &out, o->timeout_ms, err);
    if (rc == HC_OK)
        *reply = hc_json_from_message(out);
    hc_arena_destroy(&arena);
    return rc;
}

static bool s_is_list(const ProtobufCMessageDescriptor *desc)
{
    const ProtobufCFieldDescriptor *items =
        protobuf_c_message_descriptor_get_field_by_name(desc, "items");
    return items && items->label == PROTOBUF_C_LABEL_REPEATED &&
           items->type == PROTOBUF_C_TYPE_MESSAGE;
}

/* Calls a list method page after page (following "next" through "after")
   while --all asks for it, gathering the items into the first reply. */
static int s_call_pages(hc_client *client, const ctl_command *cmd,
                        const ProtobufCMethodDescriptor *m, const s_opts *o, json_t *input,
                        json_t **reply, hc_error *err)
{
    int rc = s_call(client, cmd, m, o, input, reply, err);
    bool pages = o->all && s_is_list(m->output) &&
                 protobuf_c_message_descriptor_get_field_by_name(m->input, "after");
    for (size_t page = 1; rc == HC_OK && pages && page < S_MAX_PAGES; page++) {
        const char *next = json_string_value(json_object_get(*reply, "next"));
        if (!next || !*next)
            break;
        json_object_set_new(input, "after", json_string(next));
        json_t *more = NULL;
        rc = s_call(client, cmd, m, o, input, &more, err);
        if (rc != HC_OK)
            break;
        json_array_extend(json_object_get(*reply, "items"), json_object_get(more, "items"));
        json_object_set(*reply, "next", json_object_get(more, "next"));
        json_decref(more);
    }
    return rc;
}

/* An item of a list's type with every field null: the CSV header of an
   empty list. NULL when the output is not a list. */
static json_t *s_empty_item(const ProtobufCMessageDescriptor *desc)
{
    if (!s_is_list(desc))
        return NULL;
    const ProtobufCMessageDescriptor *item =
        protobuf_c_message_descriptor_get_field_by_name(desc, "items")->descriptor;
    json_t *obj = json_object();
    for (unsigned i = 0; i < item->n_fields; i++)
        json_object_set_new(obj, item->fields[i].name, json_null());
    return obj;
}

static const char *s_type_name(const ProtobufCFieldDescriptor *f)
{
    static const char *const names[] = {
        [PROTOBUF_C_TYPE_INT32] = "integer",    [PROTOBUF_C_TYPE_SINT32] = "integer",
        [PROTOBUF_C_TYPE_SFIXED32] = "integer", [PROTOBUF_C_TYPE_INT64] = "integer",
        [PROTOBUF_C_TYPE_SINT64] = "integer",   [PROTOBUF_C_TYPE_SFIXED64] = "integer",
        [PROTOBUF_C_TYPE_UINT32] = "integer",   [PROTOBUF_C_TYPE_FIXED32] = "integer",
        [PROTOBUF_C_TYPE_UINT64] = "integer",   [PROTOBUF_C_TYPE_FIXED64] = "integer",
        [PROTOBUF_C_TYPE_FLOAT] = "number",     [PROTOBUF_C_TYPE_DOUBLE] = "number",
        [PROTOBUF_C_TYPE_BOOL] = "true|false",  [PROTOBUF_C_TYPE_ENUM] = "enum",
        [PROTOBUF_C_TYPE_STRING] = "text",      [PROTOBUF_C_TYPE_BYTES] = "base64",
        [PROTOBUF_C_TYPE_MESSAGE] = "JSON",
    };
    return f->type < sizeof names / sizeof names[0] && names[f->type] ? names[f->type] : "?";
}

/* `hcapctl COMMAND --help`: the input's fields. */
static int ctl_command_help(const ctl_command *cmd, const ProtobufCMethodDescriptor *m)
{
    printf("hcapctl %s: %s.%s (%s -> %s)\nfields:\n", cmd->words, cmd->service, cmd->method,
           m->input->name, m->output->name);
    for (unsigned i = 0; i < m->input->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &m->input->fields[i];
        printf("  --%-22s %s%s%s", f->name, s_type_name(f),
               f->label == PROTOBUF_C_LABEL_REPEATED ? ", comma-separated" : "",
               f->label == PROTOBUF_C_LABEL_REQUIRED ? ", required" : "");
        if (f->type == PROTOBUF_C_TYPE_ENUM) {
            const ProtobufCEnumDescriptor *e = f->descriptor;
            printf(":");
            for (unsigned v = 0; v < e->n_values; v++) {
                const char *name = hc_json_enum_name(e, e->values[v].value);
                if (name)
                    printf(" %s", name);
            }
        }
        printf("\n");
    }
    return 0;
}

/* Health: exit 1 unless every service has a live instance. */
static int s_status_code(const ctl_command *cmd, const json_t *reply)
{
    if (strcmp(cmd->method, "Health") != 0)
        return 0;
    const char *status = json_string_value(json_object_get(reply, "status"));
    return status && strcmp(status, "ok") == 0 ? 0 : 1;
}

/* A reply of the reporting service, printed as a report; Rebuild's table
   says what happened. HC_OK, or the error of a reply that does not fit
   its type (err filled). */
static int s_print_reporting(const ctl_command *cmd, const ProtobufCMethodDescriptor *m,
                             const json_t *reply, ctl_format format, hc_error *err)
{
    hc_arena *arena = hc_arena_new();
    ProtobufCMessage *msg = NULL;
    int rc = hc_json_to_message(reply, m->output, arena, &msg, err);
    if (rc == HC_OK && strcmp(cmd->method, "Rebuild") == 0 && format == CTL_FORMAT_TABLE)
        printf("rewound %u followers: the read model is rebuilt from the start of each log\n",
               ((const Hcap__RebuildReply *)msg)->followers);
    else if (rc == HC_OK)
        ctl_print_report(stdout, msg, format);
    hc_arena_destroy(&arena);
    return rc;
}

static bool s_is_reporting(const ctl_command *cmd)
{
    return strcmp(cmd->service, "reporting") == 0;
}

static int s_run_command(const ctl_command *cmd, size_t used, s_opts *o)
{
    if (ctl_command_is_report(cmd)) {
        o->all = true;
        o->format = o->format_given ? o->format : CTL_FORMAT_CSV;
    }
    const ProtobufCMethodDescriptor *m = s_method(cmd);
    if (!m)
        return s_usage_error("no method %s", cmd->method);
    if (o->help)
        return ctl_command_help(cmd, m);
    hc_error err;
    hc_error_clear(&err);
    json_t *input = json_object(), *reply = NULL;
    int rc = s_input_json(cmd, m->input, o, used, input, &err);
    hc_client *client = rc == HC_OK ? s_connect(o, &err) : NULL;
    if (client)
        rc = s_call_pages(client, cmd, m, o, input, &reply, &err);
    else if (rc == HC_OK)
        rc = err.code;
    int code = 1;
    if (rc == HC_OK && ctl_command_raw_field(cmd)) {
        const char *text = json_string_value(json_object_get(reply, ctl_command_raw_field(cmd)));
        fprintf(stdout, "%s\n", text ? text : "");
        code = 0;
    } else if (rc == HC_OK && s_is_reporting(cmd)) {
        rc = s_print_reporting(cmd, m, reply, o->format, &err);
        if (rc != HC_OK)
            ctl_print_error(&err);
        code = rc == HC_OK ? 0 : 1;
    } else if (rc == HC_OK) {
        json_t *empty = s_empty_item(m->output);
        ctl_print(stdout, reply, empty, o->format);
        json_decref(empty);
        const char *next = json_string_value(json_object_get(reply, "next"));
        if (next && *next && !o->all && o->format == CTL_FORMAT_TABLE)
            fprintf(stderr, "more: --after %s (or --all)\n", next);
        code = s_status_code(cmd, reply);
    } else {
        ctl_print_error(&err);
    }
    json_decref(reply);
    json_decref(input);
    hc_client_destroy(&client);
    return code;
}

static int s_import(const s_opts *o)
{
    if (o->n_words != 3 || strcmp(o->words[1], "workers") != 0)
        return s_usage_error("%s", "usage: hcapctl import workers FILE [--dry-run]");
    if (o->n_fields > 0)
        return s_usage_error("import takes no field %s", o->fields[0][0]);
    hc_error err;
    hc_error_clear(&err);
    hc_client *client = s_connect(o, &err);
    int rc = client ? ctl_import_workers(client, o->words[2], o->dry_run, o->format, stdout, &err)
                    : err.code;
    hc_client_destroy(&client);
    if (rc != HC_OK)
        ctl_print_error(&err);
    return rc == HC_OK ? 0 : 1;
}

/* `apprentices import-hours FILE [--dry-run]`. */
static int s_import_hours(const s_opts *o)
{
    if (o->help) {
        printf("usage: hcapctl apprentices import-hours FILE [--dry-run]\n"
               "logs the hours in FILE (CSV: apprentice_id,kind,date,hours[,competency,"
               "approved_by]);\nall rows or none: rejected lines are listed on stderr\n");
        return 0;
    }
    if (o->n_words != 3)
        return s_usage_error("%s", "usage: hcapctl apprentices import-hours FILE [--dry-run]");
    if (o->n_fields > 0)
        return s_usage_error("import-hours takes no field %s", o->fields[0][0]);
    hc_error err;
    hc_error_clear(&err);
    hc_client *client = s_connect(o, &err);
    int rc = client ? ctl_import_hours(client, o->words[2], o->dry_run, o->format, stdout, &err)
                    : err.code;
    hc_client_destroy(&client);
    if (rc != HC_OK)
        ctl_print_error(&err);
    return rc == HC_OK ? 0 : 1;
}

/* `events dead|retry [--service S]`. */
static int s_events(const s_opts *o)
{
    bool dead = o->n_words == 2 && strcmp(o->words[1], "dead") == 0;
    bool retry = o->n_words == 2 && strcmp(o->words[1], "retry") == 0;
    const char *usage = "usage: hcapctl events dead|retry [--service "
                        "reporting|credentialing|apprenticeship|uplink]";
    if (o->help) {
        printf("%s\nlists (dead) or re-applies (retry) the events a service's followers could "
               "not apply;\nwithout --service, of all three\n",
               usage);
        return 0;
    }
    if (!dead && !retry)
        return s_usage_error("%s", usage);
    const char *service = NULL;
    for (size_t i = 0; i < o->n_fields; i++) {
        if (strcmp(o->fields[i][0], "service") != 0)
            return s_usage_error("events takes no field %s", o->fields[i][0]);
        service = o->fields[i][1];
    }
    hc_error err;
    hc_error_clear(&err);
    hc_client *client = s_connect(o, &err);
    int rc = !client ? err.code
             : dead  ? ctl_events_dead(client, service, o->format, o->timeout_ms, stdout, &err)
                     : ctl_events_retry(client, service, o->format, o->timeout_ms, stdout, &err);
    hc_client_destroy(&client);
    if (rc != HC_OK)
        ctl_print_error(&err);
    return rc == HC_OK ? 0 : 1;
}

/* `keygen NAME [--dir D]`: offline, no gateway. */
static int s_keygen(const s_opts *o)
{
    const char *usage = "usage: hcapctl keygen NAME [--dir D]";
    if (o->help) {
        printf("%s\nwrites a new CurveZMQ key pair: D/NAME.pub (public: give it to the other "
               "side)\nand D/NAME.key (secret, mode 0600); never replaces a file (default D: .)\n",
               usage);
        return 0;
    }
    if (o->n_words != 2)
        return s_usage_error("%s", usage);
    const char *dir = ".";
    for (size_t i = 0; i < o->n_fields; i++) {
        if (strcmp(o->fields[i][0], "dir") != 0)
            return s_usage_error("keygen takes no field %s", o->fields[i][0]);
        dir = o->fields[i][1];
    }
    return ctl_keygen(o->words[1], dir, o->format, stdout);
}

/* `backup DIR [--config FILE]` and `restore DIR`: on the node's machine,
   reading --node DIR itself; no gateway. */
static int s_backup(const s_opts *o)
{
    bool backup = strcmp(o->words[0], "backup") == 0;
    const char *usage = backup ? "usage: hcapctl [--node NODEDIR] backup DIR [--config FILE]"
                               : "usage: hcapctl [--node NODEDIR] restore DIR";
    if (o->help) {
        printf("%s\n%s", usage,
               backup ? "copies every store of NODEDIR (default ./var) while the node runs, "
                        "its key files\nand FILE (the node's config) into DIR (new or empty), "
                        "manifest.json last\n"
                      : "with the node stopped and NODEDIR holding no store: checks DIR "
                        "against its\nmanifest, copies it into NODEDIR and gives each log a "
                        "new epoch\n");
        return 0;
    }
    if (o->n_words != 2)
        return s_usage_error("%s", usage);
    const char *config = NULL;
    for (size_t i = 0; i < o->n_fields; i++) {
        if (!backup || strcmp(o->fields[i][0], "config") != 0)
            return s_usage_error(backup ? "backup takes no field %s" : "restore takes no field %s",
                                 o->fields[i][0]);
        config = o->fields[i][1];
    }
    return backup ? ctl_backup(o->node, o->words[1], config, stdout)
                  : ctl_restore(o->node, o->words[1], stdout);
}

/* Offline: no gateway, no token. */
static int s_verify_badge(const s_opts *o)
{
    if (o->help) {
        printf("usage: hcapctl credentials verify-badge FILE [--key PUBFILE]\n"
               "checks a badge's proof offline; --key: the issuer's key (DIR/signing.pub)\n");
        return 0;
    }
    if (o->n_words != 3)
        return s_usage_error("%s", "usage: hcapctl credentials verify-badge FILE [--key PUBFILE]");
    const char *key = NULL;
    for (size_t i = 0; i < o->n_fields; i++) {
        if (strcmp(o->fields[i][0], "key") != 0)
            return s_usage_error("verify-badge takes no field %s", o->fields[i][0]);
        key = o->fields[i][1];
    }
    return ctl_verify_badge(o->words[2], key, stdout);
}

int main(int argc, char **argv)
{
    s_opts o = {.node = "var", .format = CTL_FORMAT_TABLE, .timeout_ms = S_TIMEOUT_MS};
    int code = s_parse(argc, argv, &o);
    if (code != 0)
        return code;
    if (o.n_words == 0 || (o.help && o.n_words == 0) || strcmp(o.words[0], "help") == 0) {
        s_usage(o.n_words || o.help ? stdout : stderr);
        return o.n_words || o.help ? 0 : 2;
    }
    if (strcmp(o.words[0], "import") == 0)
        return s_import(&o);
    if (strcmp(o.words[0], "events") == 0)
        return s_events(&o);
    if (strcmp(o.words[0], "keygen") == 0)
        return s_keygen(&o);
    if (strcmp(o.words[0], "backup") == 0 || strcmp(o.words[0], "restore") == 0)
        return s_backup(&o);
    if (o.n_words >= 2 && strcmp(o.words[0], "credentials") == 0 &&
        strcmp(o.words[1], "verify-badge") == 0)
        return s_verify_badge(&o);
    if (o.n_words >= 2 && strcmp(o.words[0], "apprentices") == 0 &&
        strcmp(o.words[1], "import-hours") == 0)
        return s_import_hours(&o);
    size_t used = 0;
    const ctl_command *cmd = s_find(&o, &used);
    if (!cmd)
        return s_usage_error("unknown command %s", o.words[0]);
    return s_run_command(cmd, used, &o);
}
