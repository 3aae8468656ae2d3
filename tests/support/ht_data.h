/* ht_data: test data through the HTTP API: unique names, a fund's basic
   objects (employers, workers, programs, cohorts) and whole lists. */
#ifndef HT_DATA_H
#define HT_DATA_H

#include <jansson.h>
#include "ht_node.h"

/* prefix followed by letters unique to this process and call ("Zed" ->
   "Zedqbhfa"): names that no other test on a shared node uses. Valid until
   the process ends. */
const char *ht_uniq(const char *prefix);

/* printf into one of 64 rotating 8 KiB buffers (valid for a while). */
const char *ht_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Dates relative to today (UTC), in ht_fmt's buffers: tests that hold a
   credential active or expired must not depend on the day they run.
   ht_months_after clamps to the month's end like the services do. */
const char *ht_days_ago(int days);
const char *ht_months_after(const char *date, int months);

/* Waits until GET /v1/verify/{credential_id} names a holder: credentialing
   learns workers from enrollment's event log a few milliseconds after they
   are created. Asserts within timeout_ms. */
void ht_wait_holder(const ht_node *node, const char *credential_id, int timeout_ms);

/* Creates through POST and returns the new id (malloc'd), asserting 201. */
char *ht_new_employer(const ht_node *node, const char *name);
char *ht_new_worker(const ht_node *node, const char *given, const char *family);
char *ht_new_program(const ht_node *node, const char *code);
char *ht_new_cohort(const ht_node *node, const char *program_id, unsigned capacity);

/* GETs path (which may already hold a query) page by page with limit,
   following "next" until it is null; asserts every page is a 200 list of at
   most limit items and that it ends within max_pages. Returns all items (a
   new array). */
json_t *ht_list_all(const ht_node *node, const char *path, int limit, int max_pages);

/* The item of array whose "id" is id, or NULL (borrowed). */
json_t *ht_find_id(json_t *items, const char *id);

#endif
