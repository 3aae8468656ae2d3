/* ctl_hours: `hcapctl apprentices import-hours FILE`: one ImportHours call
   with the whole file (the service takes all rows or none), rejected lines
   on stderr. */
#include <stdlib.h>
#include <string.h>
#include "apprenticeship.pb-c.h"
#include "ctl.h"
#include "hc_id.h"
#include "hc_json.h"
#include "hc_msg.h"

/* The file travels in one request: the envelope needs some room. */
#define S_FILE_MAX (HC_MAX_MSG_SIZE - 64 * 1024)
#define S_CALL_MS  120000
#define S_RETRIES  3

/* The file's text (malloc'd, NUL-terminated), or NULL with err set. */
static char *s_read(const char *path, hc_error *err)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        hc_error_set(err, HC_NOT_FOUND, NULL, "cannot read %s: %m", path);
        return NULL;
    }
    char *text = malloc(S_FILE_MAX + 1);
    size_t size = text ? fread(text, 1, S_FILE_MAX + 1, file) : 0;
    bool failed = ferror(file);
    fclose(file);
    if (!text)
        hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL, "%s: out of memory", path);
    else if (failed)
        hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "cannot read %s", path);
    else if (size > S_FILE_MAX)
        hc_error_set(err, HC_RESOURCE_EXHAUSTED, NULL,
                     "%s is larger than one import takes (%d bytes): split it", path, S_FILE_MAX);
    else {
        text[size] = '\0';
        return text;
    }
    free(text);
    return NULL;
}

/* One call, retried under the same idempotency key while the service is
   unavailable, so a lost reply never logs the hours twice. */
static int s_call(hc_client *client, Hcap__ImportHoursRequest *req, hc_arena *arena,
                  Hcap__ImportHoursReport **report, hc_error *err)
{
    char key[48];
    unsigned char random[8];
    char hex[sizeof random * 2 + 1];
    hc_random_bytes(random, sizeof random);
    hc_hex(random, sizeof random, hex);
    snprintf(key, sizeof key, "hours-%s", hex);
    ProtobufCMessage *out = NULL;
    int rc = HC_UNAVAILABLE;
    for (int attempt = 0;
         attempt < S_RETRIES && (rc == HC_UNAVAILABLE || rc == HC_DEADLINE_EXCEEDED); attempt++)
        rc = hc_client_call(client, "apprenticeship", "ImportHours", &req->base,
                            req->dry_run ? NULL : key, &hcap__import_hours_report__descriptor,
                            arena, &out, S_CALL_MS, err);
    *report = (Hcap__ImportHoursReport *)out;
    return rc;
}

static void s_print_rejections(const Hcap__ImportHoursReport *report)
{
    for (size_t i = 0; i < report->n_rejected; i++) {
        const Hcap__ImportRejection *r = report->rejected[i];
        if (r->line > 0)
            fprintf(stderr, "line %u: ", r->line);
        fprintf(stderr, "%s%s%s\n", r->field ? r->field : "", r->field ? ": " : "",
                r->message ? r->message : "rejected");
    }
}

static void s_print_summary(FILE *out, const Hcap__ImportHoursReport *report, ctl_format format)
{
    if (format != CTL_FORMAT_TABLE) {
        json_t *json = hc_json_from_message(&report->base);
        ctl_print(out, json, NULL, format);
        json_decref(json);
        return;
    }
    if (report->n_rejected > 0)
        fprintf(out, "rows %u rejected %zu: nothing logged\n", report->rows, report->n_rejected);
    else
        fprintf(out, "rows %u logged %u hours %.2f\n", report->rows, report->logged, report->hours);
    for (size_t i = 0; i < report->n_completed; i++)
        fprintf(out, "completed %s\n", report->completed[i]);
    if (report->dry_run)
        fprintf(out, "dry run: nothing written\n");
}

int ctl_import_hours(hc_client *client, const char *path, bool dry_run, ctl_format format,
                     FILE *out, hc_error *err)
{
    Hcap__ImportHoursRequest req = HCAP__IMPORT_HOURS_REQUEST__INIT;
    req.csv = s_read(path, err);
    if (!req.csv)
        return err->code;
    req.has_dry_run = true;
    req.dry_run = dry_run;
    hc_arena *arena = hc_arena_new();
    Hcap__ImportHoursReport *report = NULL;
    int rc = s_call(client, &req, arena, &report, err);
    if (rc == HC_OK) {
        s_print_rejections(report);
        s_print_summary(out, report, format);
        if (report->n_rejected > 0)
            rc = hc_error_set(err, HC_INVALID_ARGUMENT, NULL, "%zu line%s rejected; nothing logged",
                              report->n_rejected, report->n_rejected == 1 ? "" : "s");
    }
    hc_arena_destroy(&arena);
    free(req.csv);
    return rc;
}
