/* demo: the demonstration fund (six community clinic employers of the
   SEIU-Community Clinics partnership, their programs, cohorts, ~300 workers
   and what happened to them, the credentials they hold, a nursing ladder,
   a CHW registered apprenticeship with ten apprentices and the
   partnership's grant with its deliverables), loaded through the public
   API. */
#ifndef DEMO_H
#define DEMO_H

#include <stdatomic.h>
#include <stddef.h>
#include "hc_client.h"
#include "hc_error.h"

/* What a load sent and what exists afterwards. */
typedef struct {
    size_t requests;    /* writes acknowledged (replays included) */
    size_t employers;   /* 6 */
    size_t programs;    /* 9 */
    size_t cohorts;     /* 14 */
    size_t workers;     /* DEMO_WORKERS */
    size_t enrollments; /* created, before status changes */
    size_t waitlisted;  /* enrollments created as waitlisted */
    size_t status_changes;
    size_t claims;     /* tuition claims submitted */
    size_t decisions;  /* tuition decisions (approve, deny, pay) */
    size_t employment; /* employment records */
    size_t competencies;
    size_t credential_types; /* 7 */
    size_t ladders;
    size_t credentials; /* awarded directly (prior learning's come on top) */
    size_t revoked;
    size_t prior_learning; /* assessments */
    size_t apprenticeship_programs;
    size_t apprentices; /* registered */
    size_t signoffs;
    size_t hours_rows; /* hours entries imported */
    size_t apprentice_status_changes;
    size_t apprentice_placements; /* completed CHW apprentices placed as CHWs */
    size_t grants;                /* 1: the SEIU-Community Clinics grant */
} demo_stats;

#define DEMO_WORKERS 300

/* External ids of demo workers are DEMO_EXTERNAL_PREFIX + 4 digits. */
#define DEMO_EXTERNAL_PREFIX "SCC-"

/* Loads the demonstration fund through client, which must carry an admin
   (or staff) token. Deterministic: the same requests on every run, each
   write under the Idempotency-Key "demo-<n>" where n names that write (its
   kind and its place in the fund, never how far an earlier run got), so a
   load interrupted anywhere and run again resumes without duplicates.
   Requests that fail with unavailable or deadline_exceeded are retried with
   the same key. The grant is created last, once the reporting service has
   applied every event of the fund (it checks the grant's codes against
   its read model). stop (may be NULL) is polled between replies; when it turns
   true the load returns HC_CANCELLED. Returns HC_OK and fills stats (may be
   NULL), or the first failing request's code with err naming the method. */
int demo_load(hc_client *client, const atomic_bool *stop, demo_stats *stats, hc_error *err);

#endif
