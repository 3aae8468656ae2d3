/* ctl: the parts of hcapctl beyond its command table: printing replies as
   tables, CSV or JSON, the chunked worker import, the apprentice hours
   import and the offline badge check. */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include "hc_client.h"
#include "hc_error.h"

typedef enum { CTL_FORMAT_TABLE, CTL_FORMAT_JSON, CTL_FORMAT_CSV } ctl_format;

/* Parses "table", "json" or "csv"; 0, or -1 when it is none of them. */
int ctl_format_parse(const char *text, ctl_format *format);

/* Prints a reply (a JSON object as hc_json_from_message writes it) to out.
   A list ({"items": [...], "next": ...}) prints as rows: table = aligned
   columns of the items' fields (columns empty in every row left out), csv
   = header and one record per item, json = the object. Any other object:
   table = `key: value` lines (nested objects and lists indented), csv =
   header and one record, json = the object. empty_item (may be NULL) is
   an item of the list's type whose keys head the CSV of an empty list. */
void ctl_print(FILE *out, const json_t *reply, const json_t *empty_item, ctl_format format);

/* Prints a reply of the reporting service: csv = the gateway's CSV of
   it (hc_msgcsv: its rows and total row, or one row of its fields), json
   = its JSON object, table = its fields that are not messages as aligned
   `key: value` lines, then (after a blank line) its rows and any total
   row as aligned columns of every field of the row type. In a table an
   absent value (null: suppressed, or not given) is "-". */
void ctl_print_report(FILE *out, const ProtobufCMessage *msg, ctl_format format);

/* A JSON value as one cell of text (malloc'd; NULL when out of memory):
   scalars as written, lists joined with commas, objects as compact JSON,
   null (or a missing value) as absent. */
char *ctl_cell(const json_t *value, const char *absent);

/* The display width of UTF-8 text (its code points), and n spaces. */
size_t ctl_width(const char *text);
void ctl_pad(FILE *out, size_t n);

/* rows (a JSON array of objects) as aligned columns of the n columns
   named, with a header line; a value as in ctl_print_report's table. */
void ctl_print_columns(FILE *out, const json_t *rows, const char *const *columns, size_t n);

/* `hcapctl events dead [--service S]`: every dead letter of service (one
   of reporting, credentialing, apprenticeship, uplink; NULL: the first
   three, in that order), every page of ListDeadLetters. table = columns id, service,
   source, seq, type, reason ("no dead letters" when there are none); csv
   = service and every DeadLetter field; json = {"items": [...]} with
   "service" added to each. Returns HC_OK, HC_INVALID_ARGUMENT for another
   service, or the first call's error (err filled; nothing printed). */
int ctl_events_dead(hc_client *client, const char *service, ctl_format format, int timeout_ms,
                    FILE *out, hc_error *err);

/* `hcapctl events retry [--service S]`: RetryDeadLetters of each service
   as above; prints service, applied, remaining per service that answered.
   Returns HC_OK or the first error (err filled). */
int ctl_events_retry(hc_client *client, const char *service, ctl_format format, int timeout_ms,
                     FILE *out, hc_error *err);

/* Prints `hcapctl: <code>: <message> (field <f>)` on stderr. */
void ctl_print_error(const hc_error *err);

/* Imports the workers in the CSV file at path through client (enrollment
   ImportWorkers). The file is sent in chunks of whole records under the
   gateway's message limit, each with the header repeated; first every
   chunk as a dry run, and only when no line is rejected (and dry_run is
   false) every chunk for real, so a bad line means nothing is written.
   Rejections carry line numbers of the whole file. Prints the summary
   (`rows N created N updated N unchanged N`, rejected lines as
   `line L: field: message`) to out in format, a progress bar on stderr when
   it is a terminal. Returns HC_OK, HC_INVALID_ARGUMENT when a line was
   rejected, or the error that stopped it (err filled). */
int ctl_import_workers(hc_client *client, const char *path, bool dry_run, ctl_format format,
                       FILE *out, hc_error *err);

/* Logs the apprentice hours in the CSV file at path (header
   apprentice_id,kind,date,hours[,competency,approved_by]) through client
   (apprenticeship ImportHours) in one request, which the service takes
   whole or not at all; a file too large for one request is refused
   before anything is sent. Rejected lines go to stderr as
   `line L: field: message`; the summary (`rows N logged N hours H`, the
   apprentices the hours completed) to out in format. Returns HC_OK,
   HC_INVALID_ARGUMENT when a line was rejected (nothing logged), or the
   error that stopped it (err filled). */
int ctl_import_hours(hc_client *client, const char *path, bool dry_run, ctl_format format,
                     FILE *out, hc_error *err);

/* `hcapctl credentials verify-badge FILE [--key PUBFILE]`, offline: parses
   the Open Badges 3.0 document in FILE and checks its eddsa-jcs-2022 proof
   (hc_proof_verify); with key_path (a multikey, did:key or verification
   method file such as DIR/signing.pub) the proof's key must be that one.
   Prints `valid: ...` (what was signed, by which key) to out and returns
   0; otherwise prints the reason on stderr and returns 1. */
int ctl_verify_badge(const char *path, const char *key_path, FILE *out);

/* `hcapctl keygen NAME [--dir D]`, offline: writes a new CurveZMQ key pair
   to D/NAME.pub and D/NAME.key (mode 0600) and prints name, public_file,
   secret_file and public_key (Z85) to out in format. NAME is one file name
   (letters, digits, '.', '_', '-'); an existing file is never replaced.
   Returns 0, or 1 after printing the error (naming the path) on stderr. */
int ctl_keygen(const char *name, const char *dir, ctl_format format, FILE *out);

#endif
