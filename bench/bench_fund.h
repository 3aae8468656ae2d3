/* bench_fund: the generator's state shared by bench_fund.c (logs, ids,
   dates, the catalog) and bench_fund_worker.c (one worker's events). */
#ifndef BENCH_FUND_H
#define BENCH_FUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "apprenticeship.pb-c.h"
#include "credentialing.pb-c.h"
#include "enrollment.pb-c.h"
#include "hc_arena.h"
#include "hc_eventlog.h"
#include "hc_store.h"

enum { GF_ENR, GF_CRED, GF_APPR, GF_LOGS };

#define GF_ID           40
#define GF_EMPLOYERS    2500
#define GF_PROGRAMS     60
#define GF_COHORTS      10 /* per program */
#define GF_CRED_TYPES   40
#define GF_APPR_PROGS   8
#define GF_COMPETENCIES 16

typedef struct {
    char id[GF_ID];
    char code[16];
    Hcap__ProgramKind kind;
    const char *credential; /* credential_training: the code it leads to */
} gf_program;

typedef struct {
    char code[16];
    Hcap__ApprenticeshipApproach approach;
    const char *competencies[2];
    const char *credential; /* completion credential */
} gf_appr_program;

typedef struct {
    uint64_t rng;
    uint64_t serial; /* ids are made from it: the same order every run */
    hc_store *store[GF_LOGS];
    hc_eventlog *log[GF_LOGS];
    size_t pending[GF_LOGS];
    uint64_t count[GF_LOGS];
    uint64_t digest;
    uint8_t *buf;
    size_t buf_size;
    hc_arena *arena; /* one worker's strings */
    bool failed;
    char error[512];
    int64_t day0, horizon; /* the first and last day anything happens */
    char employers[GF_EMPLOYERS][GF_ID];
    gf_program programs[GF_PROGRAMS];
    char cohorts[GF_PROGRAMS][GF_COHORTS][GF_ID];
    char cred_codes[GF_CRED_TYPES][16];
    char competencies[GF_COMPETENCIES][16];
    gf_appr_program appr[GF_APPR_PROGS];
} gf_gen;

/* A uniform 64-bit number (splitmix64 over the seed). */
uint64_t gf_rand(gf_gen *g);

/* A number in 0..n-1. */
uint32_t gf_below(gf_gen *g, uint32_t n);

/* True with probability per_mille / 1000. */
bool gf_chance(gf_gen *g, uint32_t per_mille);

/* A new id "<prefix>_<26 characters>" in the worker's arena. */
char *gf_id(gf_gen *g, const char *prefix);

/* Day number -> "YYYY-MM-DD" / "YYYY-MM-DDT09:00:00Z" in the arena. */
char *gf_date(gf_gen *g, int64_t day);
char *gf_stamp(gf_gen *g, int64_t day);

/* Appends an event to log (in a transaction committed every so often),
   folding its type and body into the digest. Sets g->failed on error. */
void gf_emit(gf_gen *g, int log, const char *type, const char *subject,
             const ProtobufCMessage *body);

/* Every event of worker number n (bench_fund_worker.c). */
void gf_worker(gf_gen *g, uint64_t n);

#endif
