/* ctl_events: `hcapctl events dead|retry [--service S]`: the dead letters
   of the services that follow other services' logs (reporting,
   credentialing, apprenticeship; the uplink when named), listed or
   retried one service after another. */
#include <stdlib.h>
#include <string.h>
#include "ctl.h"
#include "hc_csv.h"
#include "hc_json.h"
#include "hcap.pb-c.h"

#define S_PAGE      500
#define S_MAX_PAGES 1000

static const char *const s_followers[] = {"reporting", "credentialing", "apprenticeship", "uplink"};
#define S_FOLLOWERS (sizeof s_followers / sizeof s_followers[0])
#define S_DEFAULT   3 /* without --service: the first three (a region may have no uplink) */

/* The services to ask: the one named, or all; 0 with err when unknown. */
static size_t s_services(const char *service, const char **out, hc_error *err)
{
    if (!service) {
        for (size_t i = 0; i < S_DEFAULT; i++)
            out[i] = s_followers[i];
        return S_DEFAULT;
    }
    for (size_t i = 0; i < S_FOLLOWERS; i++)
        if (strcmp(service, s_followers[i]) == 0) {
            out[0] = s_followers[i];
            return 1;
        }
    hc_error_set(err, HC_INVALID_ARGUMENT, "service",
                 "--service must be reporting, credentialing, apprenticeship or uplink, not %s",
                 service);
    return 0;
}

/* Appends every dead letter of service to items (each with "service"). */
static int s_list_one(hc_client *client, const char *service, int timeout_ms, json_t *items,
                      hc_error *err)
{
    Hcap__ListRequest in = HCAP__LIST_REQUEST__INIT;
    in.has_limit = true;
    in.limit = S_PAGE;
    char after[128] = "";
    int rc = HC_OK;
    for (size_t page = 0; rc == HC_OK && page < S_MAX_PAGES; page++) {
        hc_arena *arena = hc_arena_new();
        ProtobufCMessage *out = NULL;
        in.after = after[0] ? after : NULL;
        rc = hc_client_call(client, service, "ListDeadLetters", &in.base, NULL,
                            &hcap__dead_letter_list__descriptor, arena, &out, timeout_ms, err);
        const Hcap__DeadLetterList *list = rc == HC_OK ? (const Hcap__DeadLetterList *)out : NULL;
        for (size_t i = 0; list && i < list->n_items; i++) {
            json_t *item = json_pack("{ss}", "service", service);
            json_t *letter = hc_json_from_message(&list->items[i]->base);
            json_object_update(item, letter);
            json_decref(letter);
            json_array_append_new(items, item);
        }
        bool more = list && list->next && *list->next && strlen(list->next) < sizeof after;
        if (more)
            snprintf(after, sizeof after, "%s", list->next);
        hc_arena_destroy(&arena);
        if (!more)
            break;
    }
    return rc;
}

static void s_csv(FILE *out, const json_t *items, const char *const *columns, size_t n)
{
    hc_csv_write_row(out, columns, n);
    size_t index;
    json_t *item;
    json_array_foreach(items, index, item)
    {
        const char *cells[16];
        char *owned[16];
        for (size_t c = 0; c < n && c < 16; c++) {
            json_t *value = json_object_get(item, columns[c]);
            owned[c] = json_is_string(value) || json_is_null(value) || !value
                           ? NULL
                           : json_dumps(value, JSON_ENCODE_ANY | HC_JSON_DUMP_FLAGS);
            cells[c] = owned[c] ? owned[c] : json_string_value(value);
        }
        hc_csv_write_row(out, cells, n);
        for (size_t c = 0; c < n && c < 16; c++)
            free(owned[c]);
    }
}

/* Prints items in format: table of the table columns, csv of all. */
static void s_print(FILE *out, json_t *items, ctl_format format, const char *const *table,
                    size_t n_table, const char *const *all, size_t n_all)
{
    if (format == CTL_FORMAT_JSON) {
        json_t *root = json_pack("{sO}", "items", items);
        json_dumpf(root, out, JSON_INDENT(2) | HC_JSON_DUMP_FLAGS);
        fputc('\n', out);
        json_decref(root);
    } else if (format == CTL_FORMAT_CSV)
        s_csv(out, items, all, n_all);
    else
        ctl_print_columns(out, items, table, n_table);
}

int ctl_events_dead(hc_client *client, const char *service, ctl_format format, int timeout_ms,
                    FILE *out, hc_error *err)
{
    static const char *const table[] = {"id", "service", "source", "seq", "type", "reason"};
    static const char *const all[] = {"service", "id",   "follower", "source",    "epoch",
                                      "seq",     "type", "reason",   "failed_at", "occurred_at"};
    const char *services[S_FOLLOWERS];
    size_t count = s_services(service, services, err);
    if (count == 0)
        return err->code;
    json_t *items = json_array();
    int rc = HC_OK;
    for (size_t i = 0; i < count && rc == HC_OK; i++)
        rc = s_list_one(client, services[i], timeout_ms, items, err);
    if (rc == HC_OK && format == CTL_FORMAT_TABLE && json_array_size(items) == 0)
        fprintf(out, "no dead letters\n");
    else if (rc == HC_OK)
        s_print(out, items, format, table, 6, all, 10);
    json_decref(items);
    return rc;
}

int ctl_events_retry(hc_client *client, const char *service, ctl_format format, int timeout_ms,
                     FILE *out, hc_error *err)
{
    static const char *const columns[] = {"service", "applied", "remaining"};
    const char *services[S_FOLLOWERS];
    size_t count = s_services(service, services, err);
    if (count == 0)
        return err->code;
    json_t *items = json_array();
    int rc = HC_OK;
    for (size_t i = 0; i < count && rc == HC_OK; i++) {
        hc_arena *arena = hc_arena_new();
        ProtobufCMessage *reply = NULL;
        rc = hc_client_call(client, services[i], "RetryDeadLetters", NULL, NULL,
                            &hcap__retry_reply__descriptor, arena, &reply, timeout_ms, err);
        if (rc == HC_OK) {
            const Hcap__RetryReply *r = (const Hcap__RetryReply *)reply;
            json_array_append_new(items, json_pack("{sssIsI}", "service", services[i], "applied",
                                                   (json_int_t)r->applied, "remaining",
                                                   (json_int_t)r->remaining));
        }
        hc_arena_destroy(&arena);
    }
    s_print(out, items, format, columns, 3, columns, 3);
    json_decref(items);
    return rc;
}
