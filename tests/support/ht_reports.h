/* ht_reports: waiting for the reporting service to catch up with the
   node's event logs (GET /v1/reports/status against each producer's own
   head), and reading reports whole for byte-for-byte comparison. */
#ifndef HT_REPORTS_H
#define HT_REPORTS_H

#include <stdbool.h>
#include <stdint.h>
#include "hc_arena.h"
#include "ht_node.h"
#include "reporting.pb-c.h"

/* The logs reporting follows (API.md: enrollment, credentialing,
   apprenticeship). */
#define HT_REPORTS_SOURCES 3
extern const char *const ht_reports_sources[HT_REPORTS_SOURCES];

/* True when GET /v1/reports/status (admin token) lists one follower per
   source, each on the epoch its producer answered with, with seq == head
   and seq >= heads[i] (the producer's head read before). Fills
   *dead_letters (when not NULL). */
bool ht_reports_at(const ht_node *node, const int64_t heads[HT_REPORTS_SOURCES],
                   uint32_t *dead_letters);

/* Polls until reporting has applied everything the three logs held when
   the wait began and again when it ended (the heads are read from the
   producers themselves, not from reporting's view of them); asserts it
   does within timeout_ms and that nothing was dead-lettered. Returns how
   long it took in ms. */
int64_t ht_reports_wait(const ht_node *node, int timeout_ms);

/* GET path with token (NULL: admin), asserting 200; the body (malloc'd). */
char *ht_reports_body(const ht_node *node, const char *token, const char *path);

/* An outcomes report's rows (sorted in place by group, then label) and
   total, packed in arena: two reports are equal when these bytes are.
   Sets *size. */
uint8_t *ht_outcomes_packed(Hcap__OutcomeRow **rows, size_t n, Hcap__OutcomeRow *total,
                            hc_arena *arena, size_t *size);

#endif
