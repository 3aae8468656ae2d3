/* docs/openapi.yaml against the gateway's route table, both ways: every
   HTTP route is documented with its operationId, roles, public-ness,
   success status and CSV, every documented operation is a route, and each
   route's parameters and request body are exactly the fields of its rpc's
   input message, its reply exactly the fields of the output message (types,
   enum values, required and nullable, nested messages followed through
   $ref). HCAP_OPENAPI=FILE checks another copy of the document. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "gateway_routes.h"
#include "hc_auth.h"
#include "hc_json.h"

static yaml_document_t s_doc;
static yaml_node_t *s_root;

/* --- the document as libyaml's tree --- */

static void s_load(void)
{
    const char *path = getenv("HCAP_OPENAPI");
    if (!path || !*path)
        path = HCAP_SOURCE_DIR "/docs/openapi.yaml";
    FILE *file = fopen(path, "rb");
    cr_assert_not_null(file, "cannot open %s", path);
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, file);
    int loaded = yaml_parser_load(&parser, &s_doc);
    cr_assert(loaded, "%s: YAML error at line %zu: %s", path, parser.problem_mark.line + 1,
              parser.problem ? parser.problem : "?");
    yaml_parser_delete(&parser);
    fclose(file);
    s_root = yaml_document_get_root_node(&s_doc);
    cr_assert(s_root && s_root->type == YAML_MAPPING_NODE, "%s is not a YAML mapping", path);
}

static void s_unload(void)
{
    if (s_root)
        yaml_document_delete(&s_doc);
    s_root = NULL;
}

TestSuite(openapi, .fini = s_unload);

static const char *s_str(const yaml_node_t *node)
{
    return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

/* The value of key in a mapping; NULL when node is no mapping or lacks it. */
static yaml_node_t *s_get(const yaml_node_t *node, const char *key)
{
    if (!node || node->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
         p++) {
        const char *name = s_str(yaml_document_get_node(&s_doc, p->key));
        if (name && strcmp(name, key) == 0)
            return yaml_document_get_node(&s_doc, p->value);
    }
    return NULL;
}

static size_t s_len(const yaml_node_t *node)
{
    if (!node || node->type != YAML_SEQUENCE_NODE)
        return 0;
    return (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
}

static yaml_node_t *s_item(const yaml_node_t *seq, size_t i)
{
    return yaml_document_get_node(&s_doc, seq->data.sequence.items.start[i]);
}

/* node, or what its "$ref": "#/a/b" names (followed until no $ref). */
static yaml_node_t *s_deref(yaml_node_t *node)
{
    for (int hops = 0; hops < 8 && s_get(node, "$ref"); hops++) {
        const char *ref = s_str(s_get(node, "$ref"));
        cr_assert(ref && strncmp(ref, "#/", 2) == 0, "only local $ref are used: %s", ref);
        char path[256];
        snprintf(path, sizeof path, "%s", ref + 2);
        node = s_root;
        for (char *save = NULL, *part = strtok_r(path, "/", &save); part;
             part = strtok_r(NULL, "/", &save))
            node = s_get(node, part);
        cr_assert_not_null(node, "$ref %s names nothing", ref);
    }
    return node;
}

static bool s_seq_has(const yaml_node_t *seq, const char *text)
{
    for (size_t i = 0; i < s_len(seq); i++)
        if (s_str(s_item(seq, i)) && strcmp(s_str(s_item(seq, i)), text) == 0)
            return true;
    return false;
}

/* --- routes and operations --- */

static const char *s_where(const gw_route *route)
{
    static char text[192];
    snprintf(text, sizeof text, "%s %s (%s.%s)", route->http_method, route->pattern,
             route->service ? route->service : "gateway", route->method ? route->method : "-");
    return text;
}

/* True when a documented path and a route pattern name the same URLs:
   the same literal segments, a {parameter} where the other has one. */
static bool s_same_shape(const char *doc_path, const char *pattern)
{
    while (*doc_path && *pattern) {
        if (*doc_path == '{' && *pattern == '{') {
            doc_path = strchr(doc_path, '}');
            pattern = strchr(pattern, '}');
            if (!doc_path || !pattern)
                return false;
        } else if (*doc_path != *pattern)
            return false;
        doc_path++, pattern++;
    }
    return *doc_path == *pattern;
}

static void s_lower(const char *text, char *out, size_t size)
{
    size_t i = 0;
    for (; text[i] && i + 1 < size; i++)
        out[i] = (char)(text[i] >= 'A' && text[i] <= 'Z' ? text[i] + 32 : text[i]);
    out[i] = '\0';
}

/* The documented operation of route, or NULL. */
static yaml_node_t *s_operation(const gw_route *route)
{
    yaml_node_t *paths = s_get(s_root, "paths");
    char method[16];
    s_lower(route->http_method, method, sizeof method);
    for (yaml_node_pair_t *p = paths->data.mapping.pairs.start; p < paths->data.mapping.pairs.top;
         p++) {
        const char *path = s_str(yaml_document_get_node(&s_doc, p->key));
        if (path && s_same_shape(path, route->pattern))
            return s_get(yaml_document_get_node(&s_doc, p->value), method);
    }
    return NULL;
}

/* The operationId a route must have: its rpc's name, or "<service>.<Method>"
   when another HTTP route's rpc has the same name. */
static void s_operation_id(const gw_route *route, char *out, size_t size)
{
    int same = 0;
    for (const gw_route *r = gw_route_table(); r->pattern; r++)
        if (r->http_method && r->method && strcmp(r->method, route->method) == 0)
            same++;
    if (same > 1)
        snprintf(out, size, "%s.%s", route->service, route->method);
    else
        snprintf(out, size, "%s", route->method);
}

static const struct {
    unsigned bit;
    const char *name;
} s_roles[] = {{HC_ROLE_BIT_ADMIN, "admin"},
               {HC_ROLE_BIT_STAFF, "staff"},
               {HC_ROLE_BIT_MENTOR, "mentor"},
               {HC_ROLE_BIT_ANALYST, "analyst"}};

/* The role bits of a sequence of role names; ~0u for an unknown name. */
static unsigned s_role_bits(const yaml_node_t *seq)
{
    unsigned bits = 0;
    for (size_t i = 0; i < s_len(seq); i++) {
        unsigned bit = ~0u;
        for (size_t k = 0; k < sizeof s_roles / sizeof s_roles[0]; k++)
            if (s_str(s_item(seq, i)) && strcmp(s_str(s_item(seq, i)), s_roles[k].name) == 0)
                bit = s_roles[k].bit;
        bits |= bit;
    }
    return bits;
}

static void s_role_names(unsigned bits, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t k = 0; k < sizeof s_roles / sizeof s_roles[0]; k++)
        if (bits & s_roles[k].bit)
            snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? ", " : "",
                     s_roles[k].name);
}

/* The (dereferenced) parameter of op named name in location in, or NULL. */
static yaml_node_t *s_param(yaml_node_t *op, const char *name, const char *in)
{
    yaml_node_t *params = s_get(op, "parameters");
    for (size_t i = 0; i < s_len(params); i++) {
        yaml_node_t *param = s_deref(s_item(params, i));
        const char *pname = s_str(s_get(param, "name")), *pin = s_str(s_get(param, "in"));
        if (pname && pin && strcmp(pname, name) == 0 && strcmp(pin, in) == 0)
            return param;
    }
    return NULL;
}

static yaml_node_t *s_response(yaml_node_t *op, const char *status)
{
    return s_deref(s_get(s_get(op, "responses"), status));
}

/* The schema of a response's content of media type, dereferenced. */
static yaml_node_t *s_content_schema(yaml_node_t *response, const char *media)
{
    return s_deref(s_get(s_get(s_get(response, "content"), media), "schema"));
}

/* --- the route side: everything but the fields --- */

static void s_check_access(const gw_route *route, yaml_node_t *op)
{
    const char *where = s_where(route);
    yaml_node_t *security = s_get(op, "security");
    yaml_node_t *roles = s_get(op, "x-hcap-roles");
    if (route->flags & GW_ROUTE_PUBLIC) {
        cr_expect(security && security->type == YAML_SEQUENCE_NODE && s_len(security) == 0,
                  "%s is public: its operation needs `security: []`", where);
        cr_expect_null(roles, "%s is public: it lists no x-hcap-roles", where);
        return;
    }
    cr_expect(!security || s_len(security) > 0,
              "%s needs a token: its operation must not say `security: []`", where);
    char want[64], got[64];
    s_role_names(route->roles, want, sizeof want);
    unsigned bits = s_role_bits(roles);
    s_role_names(bits == ~0u ? 0 : bits, got, sizeof got);
    cr_expect(bits == route->roles, "%s: x-hcap-roles must be [%s], the doc says [%s]%s", where,
              want, got, bits == ~0u ? " and an unknown role" : "");
}

static void s_check_status(const gw_route *route, yaml_node_t *op)
{
    const char *where = s_where(route);
    const char *ok = (route->flags & GW_ROUTE_CREATE) ? "201" : "200";
    const char *not_ok = (route->flags & GW_ROUTE_CREATE) ? "200" : "201";
    cr_expect_not_null(s_response(op, ok), "%s: no %s response documented", where, ok);
    cr_expect_null(s_get(s_get(op, "responses"), not_ok), "%s answers %s, not %s", where, ok,
                   not_ok);
    const struct {
        unsigned flag;
        const char *status;
    } extra[] = {{GW_ROUTE_REJECTS, "422"},
                 {GW_ROUTE_HEALTH, "503"},
                 {GW_ROUTE_STATIC, "304"},
                 {GW_ROUTE_STATIC, "404"}};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (route->flags & extra[i].flag)
            cr_expect_not_null(s_response(op, extra[i].status), "%s: no %s response documented",
                               where, extra[i].status);
    cr_expect((route->flags & GW_ROUTE_REJECTS) || !s_get(s_get(op, "responses"), "422"),
              "%s never answers 422", where);
    if (!route->method)
        return;
    const char *errors[] = {"400", "503", "504", "401", "403"};
    size_t n = (route->flags & GW_ROUTE_PUBLIC) ? 3 : 5;
    yaml_node_t *error = s_deref(s_get(s_get(s_get(s_root, "components"), "schemas"), "Error"));
    cr_assert_not_null(error, "components/schemas/Error is missing");
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *response = s_response(op, errors[i]);
        if (route->flags & GW_ROUTE_HEALTH && strcmp(errors[i], "503") == 0)
            continue;
        cr_expect(s_content_schema(response, "application/json") == error,
                  "%s: response %s must be the Error schema", where, errors[i]);
    }
}

/* CSV on LIST routes only: the text/csv content and ?format=; the roles
   of a CSV method of its own. */
static void s_check_csv(const gw_route *route, yaml_node_t *op)
{
    const char *where = s_where(route);
    bool list = route->flags & GW_ROUTE_LIST;
    yaml_node_t *ok = s_response(op, (route->flags & GW_ROUTE_CREATE) ? "201" : "200");
    bool has_csv = s_get(s_get(ok, "content"), "text/csv") != NULL;
    cr_expect(has_csv == list, "%s: %s", where,
              list ? "a list: its reply must document text/csv" : "no CSV: no text/csv reply");
    cr_expect((s_param(op, "format", "query") != NULL) == list, "%s: %s", where,
              list ? "a list: ?format= must be documented" : "no CSV: no ?format= parameter");
    yaml_node_t *csv_roles = s_get(op, "x-hcap-csv-roles");
    if (!route->csv_method) {
        cr_expect_null(csv_roles, "%s: x-hcap-csv-roles without a CSV method", where);
        return;
    }
    const gw_route *export = gw_route_find(route->service, route->csv_method);
    cr_assert_not_null(export, "%s: CSV method %s has no route", where, route->csv_method);
    char want[64];
    s_role_names(export->roles, want, sizeof want);
    cr_expect(s_role_bits(csv_roles) == export->roles,
              "%s: x-hcap-csv-roles must be [%s] (the roles of %s)", where, want,
              route->csv_method);
}

/* ?service= of a BY_SERVICE route: an enum of exactly the services that
   have the route, each with its roles and messages. */
static void s_check_by_service(const gw_route *route, yaml_node_t *op)
{
    const char *where = s_where(route);
    yaml_node_t *param = s_param(op, "service", "query");
    if (!(route->flags & GW_ROUTE_BY_SERVICE)) {
        cr_expect_null(param, "%s takes no ?service=", where);
        return;
    }
    yaml_node_t *values = s_get(s_deref(s_get(param, "schema")), "enum");
    cr_expect_not_null(values, "%s: ?service= with an enum of the services is missing", where);
    size_t count = 0;
    const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route->service, route->method);
    for (const gw_route *r = gw_route_table(); r->pattern; r++) {
        if (gw_route_for_service(route, r->service) != r)
            continue;
        count++;
        cr_expect(s_seq_has(values, r->service), "%s: ?service= lacks %s", where, r->service);
        const ProtobufCMethodDescriptor *other = gw_route_rpc(r->service, r->method);
        cr_expect(r->roles == route->roles && other && other->input == rpc->input &&
                      other->output == rpc->output,
                  "%s: %s.%s differs in roles or messages, which one operation cannot show", where,
                  r->service, r->method);
    }
    cr_expect_eq(s_len(values), count, "%s: ?service= lists %zu services, the table has %zu", where,
                 s_len(values), count);
}

static void s_check_route(const gw_route *route, yaml_node_t *op)
{
    const char *where = s_where(route);
    const char *id = s_str(s_get(op, "operationId"));
    cr_expect_not_null(id, "%s: no operationId", where);
    if (route->method && id) {
        char want[128];
        s_operation_id(route, want, sizeof want);
        cr_expect_str_eq(id, want, "%s: operationId must be %s, not %s", where, want, id);
    }
    if (route->service)
        cr_expect(s_seq_has(s_get(op, "tags"), route->service), "%s: tags must include %s", where,
                  route->service);
    bool write = strcmp(route->http_method, "GET") != 0;
    if (write && route->method)
        cr_expect_not_null(s_param(op, "Idempotency-Key", "header"),
                           "%s: a write: the Idempotency-Key header must be documented", where);
    if (route->flags & GW_ROUTE_METRICS)
        cr_expect_not_null(s_get(s_get(s_response(op, "200"), "content"), "text/plain"),
                           "%s: the metrics are text/plain", where);
    s_check_access(route, op);
    s_check_status(route, op);
    s_check_csv(route, op);
    s_check_by_service(route, op);
}

Test(openapi, is_an_openapi_3_document_with_bearer_auth)
{
    s_load();
    const char *version = s_str(s_get(s_root, "openapi"));
    cr_assert(version && strncmp(version, "3.", 2) == 0, "openapi: 3.x expected");
    cr_expect_not_null(s_str(s_get(s_get(s_root, "info"), "title")), "info.title");
    cr_expect_not_null(s_str(s_get(s_get(s_root, "info"), "version")), "info.version");
    yaml_node_t *servers = s_get(s_root, "servers");
    cr_expect(s_len(servers) > 0 &&
                  strcmp(s_str(s_get(s_item(servers, 0), "url")), "http://127.0.0.1:8080") == 0,
              "the first server is http://127.0.0.1:8080 (API.md)");
    yaml_node_t *security = s_get(s_root, "security");
    cr_assert_eq(s_len(security), 1, "one global security requirement: the bearer token");
    yaml_node_t *scheme_name =
        yaml_document_get_node(&s_doc, s_item(security, 0)->data.mapping.pairs.start->key);
    yaml_node_t *scheme =
        s_get(s_get(s_get(s_root, "components"), "securitySchemes"), s_str(scheme_name));
    cr_expect_str_eq(s_str(s_get(scheme, "type")), "http");
    cr_expect_str_eq(s_str(s_get(scheme, "scheme")), "bearer");
}

Test(openapi, every_route_is_documented)
{
    s_load();
    size_t checked = 0;
    for (const gw_route *route = gw_route_table(); route->pattern; route++) {
        if (!route->http_method)
            continue;
        yaml_node_t *op = s_operation(route);
        cr_expect_not_null(op, "%s is not in docs/openapi.yaml", s_where(route));
        if (op)
            s_check_route(route, op), checked++;
    }
    cr_assert_gt(checked, 60, "the table has more HTTP routes than %zu", checked);
}

static bool s_is_method(const char *key)
{
    const char *methods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(key, methods[i]) == 0)
            return true;
    return false;
}

/* The HTTP route of a documented path and lower-case method, or NULL. */
static const gw_route *s_route_of(const char *path, const char *method)
{
    for (const gw_route *r = gw_route_table(); r->pattern; r++) {
        char lower[16];
        if (!r->http_method)
            continue;
        s_lower(r->http_method, lower, sizeof lower);
        if (strcmp(lower, method) == 0 && s_same_shape(path, r->pattern))
            return r;
    }
    return NULL;
}

Test(openapi, every_documented_operation_is_a_route_with_a_unique_id)
{
    s_load();
    yaml_node_t *paths = s_get(s_root, "paths");
    const char *ids[256];
    size_t n_ids = 0;
    for (yaml_node_pair_t *p = paths->data.mapping.pairs.start; p < paths->data.mapping.pairs.top;
         p++) {
        const char *path = s_str(yaml_document_get_node(&s_doc, p->key));
        yaml_node_t *item = yaml_document_get_node(&s_doc, p->value);
        for (yaml_node_pair_t *m = item->data.mapping.pairs.start; m < item->data.mapping.pairs.top;
             m++) {
            const char *method = s_str(yaml_document_get_node(&s_doc, m->key));
            if (!method || !s_is_method(method))
                continue;
            cr_expect_not_null(s_route_of(path, method),
                               "docs/openapi.yaml documents %s %s, which the gateway has no "
                               "route for",
                               method, path);
            const char *id = s_str(s_get(yaml_document_get_node(&s_doc, m->value), "operationId"));
            for (size_t i = 0; id && i < n_ids; i++)
                cr_expect_str_neq(ids[i], id, "operationId %s is used twice (%s %s)", id, method,
                                  path);
            if (id && n_ids < sizeof ids / sizeof ids[0])
                ids[n_ids++] = id;
        }
    }
}

/* --- the fields: documented inputs and replies against the descriptors --- */

static void s_check_message(yaml_node_t *schema, const ProtobufCMessageDescriptor *desc,
                            const char *where, bool top_optional_nullable, int depth);

/* The JSON Schema type of a field's single value. */
static const char *s_json_type(const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_BOOL:
        return "boolean";
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE:
        return "number";
    case PROTOBUF_C_TYPE_ENUM:
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
        return "string";
    case PROTOBUF_C_TYPE_MESSAGE:
        return "object";
    default:
        return "integer";
    }
}

/* Strips "anyOf/oneOf: [X, {type: null}]" or "type: [T, null]": X (or the
   schema itself), *nullable set; *type the non-null type name or NULL. */
static yaml_node_t *s_unwrap(yaml_node_t *schema, bool *nullable, const char **type)
{
    *nullable = false;
    *type = NULL;
    yaml_node_t *any = s_get(schema, "anyOf") ? s_get(schema, "anyOf") : s_get(schema, "oneOf");
    if (s_len(any) == 2) {
        for (size_t i = 0; i < 2; i++)
            if (s_str(s_get(s_item(any, i), "type")) &&
                strcmp(s_str(s_get(s_item(any, i), "type")), "null") == 0) {
                *nullable = true;
                schema = s_item(any, 1 - i);
            }
    }
    schema = s_deref(schema);
    yaml_node_t *types = s_get(schema, "type");
    for (size_t i = 0; i < s_len(types); i++) {
        const char *t = s_str(s_item(types, i));
        if (t && strcmp(t, "null") == 0)
            *nullable = true;
        else
            *type = t;
    }
    if (!*type)
        *type = s_str(types);
    return schema;
}

/* The enum of schema equals the JSON names of the field's enum values. */
static void s_check_enum(yaml_node_t *schema, const ProtobufCFieldDescriptor *field,
                         const char *where)
{
    const ProtobufCEnumDescriptor *e = field->descriptor;
    yaml_node_t *values = s_get(schema, "enum");
    size_t count = 0;
    for (unsigned i = 0; i < e->n_values; i++) {
        const char *name = hc_json_enum_name(e, e->values[i].value);
        if (!name || strstr(e->values[i].name, "_UNSPECIFIED"))
            continue;
        count++;
        cr_expect(s_seq_has(values, name), "%s: the enum lacks `%s` (%s)", where, name,
                  e->values[i].name);
    }
    cr_expect_eq(s_len(values), count, "%s: the enum has %zu values, %s has %zu", where,
                 s_len(values), e->name, count);
}

/* One documented value (a property or a parameter's schema) against field:
   type, array for repeated, nullable exactly when optional (nullable_check),
   enum values, and a nested message's own fields. */
static void s_check_field(yaml_node_t *schema, const ProtobufCFieldDescriptor *field,
                          const char *where, bool nullable_check, int depth)
{
    bool nullable;
    const char *type;
    schema = s_unwrap(schema, &nullable, &type);
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        cr_expect(type && strcmp(type, "array") == 0 && !nullable,
                  "%s: a repeated field: `type: array` (never null) expected", where);
        schema = s_unwrap(s_get(schema, "items"), &nullable, &type);
    } else if (nullable_check) {
        bool optional = field->label == PROTOBUF_C_LABEL_OPTIONAL;
        cr_expect_eq(nullable, optional, "%s: %s", where,
                     optional ? "optional: must allow null" : "required: must not allow null");
    }
    const char *want = s_json_type(field);
    cr_expect(type && strcmp(type, want) == 0, "%s: type %s expected, the doc says %s", where, want,
              type ? type : "nothing");
    if (field->type == PROTOBUF_C_TYPE_ENUM)
        s_check_enum(schema, field, where);
    else if (field->type == PROTOBUF_C_TYPE_MESSAGE && depth < 8)
        s_check_message(schema, field->descriptor, where, true, depth + 1);
}

/* " (components/schemas/NAME)" when schema is one of the components. */
static void s_schema_name(const yaml_node_t *schema, char *out, size_t size)
{
    yaml_node_t *schemas = s_get(s_get(s_root, "components"), "schemas");
    out[0] = '\0';
    for (yaml_node_pair_t *p = schemas ? schemas->data.mapping.pairs.start : NULL;
         p && p < schemas->data.mapping.pairs.top; p++)
        if (yaml_document_get_node(&s_doc, p->value) == schema)
            snprintf(out, size, " (components/schemas/%s)",
                     s_str(yaml_document_get_node(&s_doc, p->key)));
}

/* schema's properties and required list against desc's fields. */
static void s_check_message(yaml_node_t *schema, const ProtobufCMessageDescriptor *desc,
                            const char *where, bool nullable_check, int depth)
{
    yaml_node_t *props = s_get(schema, "properties");
    yaml_node_t *required = s_get(schema, "required");
    char at[512], name[160];
    s_schema_name(schema, name, sizeof name);
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        snprintf(at, sizeof at, "%s.%s", where, f->name);
        yaml_node_t *prop = s_get(props, f->name);
        cr_expect_not_null(prop, "%s: field `%s` of %s is not documented%s", where, f->name,
                           desc->name, name);
        if (prop)
            s_check_field(prop, f, at, nullable_check, depth);
        /* a repeated field is never required in the proto; the doc may say
           the service demands one (a grant's deliverables) */
        if (f->label != PROTOBUF_C_LABEL_REPEATED)
            cr_expect_eq(s_seq_has(required, f->name), f->label == PROTOBUF_C_LABEL_REQUIRED,
                         "%s: `%s` %s in `required`%s", where, f->name,
                         f->label == PROTOBUF_C_LABEL_REQUIRED ? "is required: list it"
                                                               : "is optional: not",
                         name);
    }
    for (yaml_node_pair_t *p = props ? props->data.mapping.pairs.start : NULL;
         p && p < props->data.mapping.pairs.top; p++) {
        const char *prop = s_str(yaml_document_get_node(&s_doc, p->key));
        cr_expect_not_null(protobuf_c_message_descriptor_get_field_by_name(desc, prop),
                           "%s: documents `%s`, which %s has no field of%s", where, prop,
                           desc->name, name);
    }
}

/* One documented input of an operation: the field it fills. */
typedef struct {
    const char *field;
    const char *kind; /* "path parameter", "query parameter", "body property" */
    yaml_node_t *schema;
    bool required;
} s_input;

static bool s_true(const yaml_node_t *node)
{
    return s_str(node) && strcmp(s_str(node), "true") == 0;
}

/* The parameters of op that fill fields: path ones (x-hcap-field names the
   field when the path's name differs) and query ones but those the gateway
   takes itself (format, service). */
static size_t s_param_inputs(yaml_node_t *op, s_input *out, size_t n, size_t max)
{
    yaml_node_t *params = s_get(op, "parameters");
    for (size_t i = 0; i < s_len(params) && n < max; i++) {
        yaml_node_t *param = s_deref(s_item(params, i));
        const char *name = s_str(s_get(param, "name")), *in = s_str(s_get(param, "in"));
        if (!name || !in || strcmp(in, "header") == 0 || strcmp(name, "format") == 0 ||
            strcmp(name, "service") == 0)
            continue;
        bool path = strcmp(in, "path") == 0;
        const char *field = s_str(s_get(param, "x-hcap-field"));
        out[n++] = (s_input){.field = path && field ? field : name,
                             .kind = path ? "path parameter" : "query parameter",
                             .schema = s_get(param, "schema"),
                             .required = s_true(s_get(param, "required"))};
    }
    return n;
}

/* Every documented input of route's operation: parameters, then the body
   (text/csv is field "csv"; a JSON body's properties). */
static size_t s_inputs(const gw_route *route, yaml_node_t *op, s_input *out, size_t max)
{
    size_t n = s_param_inputs(op, out, 0, max);
    yaml_node_t *body = s_deref(s_get(op, "requestBody"));
    if (!body)
        return n;
    if (route->flags & GW_ROUTE_RAW_CSV) {
        yaml_node_t *csv = s_get(s_get(body, "content"), "text/csv");
        cr_expect_not_null(csv, "%s: the body is text/csv", s_where(route));
        if (csv && n < max)
            out[n++] = (s_input){"csv", "text/csv body", s_get(csv, "schema"),
                                 s_true(s_get(body, "required"))};
        return n;
    }
    yaml_node_t *schema = s_content_schema(body, "application/json");
    cr_expect_not_null(schema, "%s: the body is application/json", s_where(route));
    yaml_node_t *props = s_get(schema, "properties");
    for (yaml_node_pair_t *p = props ? props->data.mapping.pairs.start : NULL;
         p && p < props->data.mapping.pairs.top && n < max; p++) {
        const char *name = s_str(yaml_document_get_node(&s_doc, p->key));
        out[n++] = (s_input){name, "body property", yaml_document_get_node(&s_doc, p->value),
                             s_seq_has(s_get(schema, "required"), name)};
    }
    return n;
}

static bool s_pattern_has(const char *pattern, const char *name)
{
    char param[80];
    snprintf(param, sizeof param, "{%s}", name);
    return strstr(pattern, param) != NULL;
}

/* One input field against what documents it: exactly one input, in the
   path exactly when the pattern has it, required as the field is. */
static void s_check_input(const gw_route *route, const ProtobufCFieldDescriptor *f,
                          const s_input *inputs, size_t n)
{
    const char *where = s_where(route);
    const s_input *found = NULL;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(inputs[i].field, f->name) == 0)
            found = &inputs[i], count++;
    cr_expect_eq(count, 1, "%s: input field `%s` is %s", where, f->name,
                 count ? "documented more than once"
                       : "not documented (no parameter, no body "
                         "property)");
    if (!found)
        return;
    bool in_path = strcmp(found->kind, "path parameter") == 0;
    cr_expect_eq(in_path, s_pattern_has(route->pattern, f->name),
                 "%s: `%s` is a %s, the pattern says otherwise", where, f->name, found->kind);
    bool required = in_path || f->label == PROTOBUF_C_LABEL_REQUIRED;
    if (f->label != PROTOBUF_C_LABEL_REPEATED)
        cr_expect_eq(found->required, required, "%s: %s `%s` must %sbe required", where,
                     found->kind, f->name, required ? "" : "not ");
    char at[256];
    snprintf(at, sizeof at, "%s: %s %s", where, found->kind, f->name);
    s_check_field(found->schema, f, at, strcmp(found->kind, "body property") == 0, 0);
}

Test(openapi, parameters_and_bodies_are_the_rpc_input_fields)
{
    s_load();
    for (const gw_route *route = gw_route_table(); route->pattern; route++) {
        yaml_node_t *op = route->http_method && route->method ? s_operation(route) : NULL;
        if (!op)
            continue;
        const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route->service, route->method);
        cr_assert_not_null(rpc, "%s: no such rpc", s_where(route));
        s_input inputs[64];
        size_t n = s_inputs(route, op, inputs, 64);
        for (unsigned i = 0; i < rpc->input->n_fields; i++)
            s_check_input(route, &rpc->input->fields[i], inputs, n);
        for (size_t i = 0; i < n; i++)
            cr_expect_not_null(
                protobuf_c_message_descriptor_get_field_by_name(rpc->input, inputs[i].field),
                "%s: documents %s `%s`, which the input %s has no field of", s_where(route),
                inputs[i].kind, inputs[i].field, rpc->input->name);
        if (strcmp(route->http_method, "GET") == 0)
            cr_expect_null(s_get(op, "requestBody"), "%s: a GET has no body", s_where(route));
    }
}

/* The JSON reply of each route is its rpc's output message, field by
   field, nested messages too; a 422 reply is the same message. A RAW_JSON
   route's reply is the document the output carries, not the output. */
Test(openapi, replies_are_the_rpc_output_fields)
{
    s_load();
    size_t checked = 0;
    for (const gw_route *route = gw_route_table(); route->pattern; route++) {
        yaml_node_t *op = route->http_method && route->method ? s_operation(route) : NULL;
        if (!op || (route->flags & GW_ROUTE_RAW_JSON))
            continue;
        const ProtobufCMethodDescriptor *rpc = gw_route_rpc(route->service, route->method);
        cr_assert_not_null(rpc, "%s: no such rpc", s_where(route));
        yaml_node_t *ok = s_response(op, (route->flags & GW_ROUTE_CREATE) ? "201" : "200");
        yaml_node_t *schema = s_content_schema(ok, "application/json");
        cr_expect_not_null(schema, "%s: the reply has no application/json schema", s_where(route));
        char where[256];
        snprintf(where, sizeof where, "%s reply", s_where(route));
        if (schema)
            s_check_message(schema, rpc->output, where, true, 0), checked++;
        if (route->flags & GW_ROUTE_REJECTS)
            cr_expect(s_content_schema(s_response(op, "422"), "application/json") == schema,
                      "%s: the 422 reply is the same %s", s_where(route), rpc->output->name);
    }
    cr_assert_gt(checked, 60, "only %zu replies checked", checked);
}
