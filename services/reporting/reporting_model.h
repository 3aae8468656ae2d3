/* reporting_model: the reporting process's compact in-memory copy of the
   read model (sql/001, 007) that the reports count over
   (reporting_index.h): per worker its groups as small dictionary ids, per
   fact a 16-byte row, the apprentice registrations, employers and
   programs. The store stays the truth: rep_store_model_sync
   (reporting_store.h) brings a model to what the current transaction of
   the store sees. The layouts are public because the report passes read
   them row by row; only reporting_model.c and the sync write them. */
#ifndef REPORTING_MODEL_H
#define REPORTING_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hc_error.h"
#include "hc_store.h"

/* Dates are days since 1970-01-01; hc_date_valid's years only. */
#define REP_DAY_NONE INT32_MIN
#define REP_DAY_LAST INT32_MAX
#define REP_NO_WAGE  INT32_MIN

/* Texts to dense ids (0 is SQL NULL, 1.. in order of arrival). */
typedef struct {
    char **texts; /* by id; texts[0] NULL */
    uint32_t n;   /* ids in use, NULL's included */
    uint32_t *slots;
    uint32_t n_slots; /* a power of two */
} rep_dict;

/* One fact (facts in sql/001): kind 0 marks a free slot. */
typedef struct {
    uint32_t wkey;
    int32_t day;
    uint8_t kind;
    uint8_t sub;   /* program_kind (enrollment steps) or source (credential) id */
    uint16_t code; /* program (steps, apprenticeship) or credential id */
    /* steps 1, 2: the first exit day of the same enrollment (REP_DAY_LAST
       when none); steps 3..5: the first day of its steps 1..3 (its own day
       when none); employment 40..42: the wage, REP_NO_WAGE when none. */
    int32_t link;
} rep_model_fact;

enum { REP_WORKER_ROW = 1, REP_WORKER_INCUMBENT = 2 }; /* rep_model_worker.flags */

typedef struct {
    uint32_t employer; /* employer id's id, 0 none */
    uint16_t language;
    uint16_t node; /* 0 none */
    uint8_t race, gender, age, status;
    uint8_t flags; /* REP_WORKER_ROW: a workers row exists */
} rep_model_worker;

enum {
    REP_APPR_FREE,
    REP_APPR_ACTIVE,
    REP_APPR_SUSPENDED,
    REP_APPR_COMPLETED,
    REP_APPR_CANCELLED,
    REP_APPR_OTHER
};

typedef struct {
    uint32_t wkey;
    int32_t start;
    int32_t completed_on; /* REP_DAY_NONE: none */
    uint16_t program;     /* in the code dictionary */
    uint8_t status;       /* REP_APPR_*; FREE marks a free slot */
} rep_model_apprentice;

typedef struct {
    uint32_t code;            /* code dictionary */
    bool apprenticeship;      /* origin */
    char *name;               /* label */
    uint32_t kind;            /* pkind dictionary */
    uint32_t credential_code; /* code dictionary, 0 none */
} rep_model_program;

typedef struct {
    /* where it stands: the store's generation and last change applied */
    bool loaded;
    int64_t generation;
    int64_t seq;
    /* a load refused (HC_OUT_OF_RANGE) at this state is not tried again
       until the store changes */
    bool refused;
    int64_t refused_generation, refused_seq;
    rep_dict race, gender, age, status, language, node, employer;
    rep_dict code;  /* program and credential codes */
    rep_dict pkind; /* program kind names */
    rep_dict source;
    rep_model_worker *workers; /* by wkey */
    size_t n_workers;
    rep_model_fact *facts; /* by fid */
    size_t n_facts;
    rep_model_apprentice *apprentices; /* by aid */
    size_t n_apprentices;
    /* employers rows by employer id: name (NULL: no row) and sector id */
    char **employer_names;
    uint32_t *employer_sector;
    size_t n_employer_rows;
    rep_dict sector;
    rep_model_program *programs;
    size_t n_programs;
    /* buffers the report passes reuse (rep_model_scratch) */
    struct rep_scratch *scratch;
} rep_model;

/* The scratch slots: each report takes a slot for one purpose at a time. */
enum { REP_SCRATCH_SLOTS = 7 };

rep_model *rep_model_new(void);
/* Frees everything; accepts NULL, nulls *self_p. */
void rep_model_destroy(rep_model **self_p);
/* Forgets every row and frees them (loaded false). */
void rep_model_clear(rep_model *self);

/* Sizes the arrays for keys up to wkey, fid and aid exactly (a whole load
   knows them). HC_OK, HC_OUT_OF_RANGE or HC_INTERNAL. */
int rep_model_reserve(rep_model *self, int64_t wkey, int64_t fid, int64_t aid, hc_error *err);

/* Brings the model to the read model as the store's open transaction sees
   it (reporting_model_store.c): nothing when model_changes holds nothing
   newer, the changed rows when few, else a whole load (also after a
   clear or reset: a new generation). HC_OK; HC_OUT_OF_RANGE when the
   model cannot hold the store exactly, or the mapped SQLite error; on
   error the model is cleared. */
int rep_model_sync(rep_model *self, hc_store *store, hc_error *err);

/* The id of text in dict (NULL: 0), added when missing. HC_OK, or
   HC_OUT_OF_RANGE when more than max ids would be needed, HC_INTERNAL out of
   memory. */
int rep_dict_id(rep_dict *dict, const char *text, uint32_t max, uint32_t *id, hc_error *err);
/* The id of text when known; 0 otherwise (also for NULL). */
uint32_t rep_dict_find(const rep_dict *dict, const char *text);

/* A workers row (texts as sql/001 holds them). */
typedef struct {
    int64_t wkey;
    const char *race, *gender, *age, *language, *employer, *status, *registered, *node;
} rep_model_worker_row;

typedef struct {
    int64_t fid, wkey;
    int kind;
    const char *day, *program, *program_kind, *credential, *source;
    bool has_wage;
    int64_t wage;
} rep_model_fact_row;

typedef struct {
    int64_t aid, wkey;
    const char *program, *start, *status, *completed_on;
} rep_model_apprentice_row;

/* Writes a row over its slot (growing the arrays). HC_OK; HC_OUT_OF_RANGE
   naming what the model cannot hold exactly (a key, date or wage out of
   its range, too many groups); HC_INTERNAL out of memory. A fact's link
   starts as if it had no sibling steps (rep_model_fact_link sets it). */
int rep_model_worker_put(rep_model *self, const rep_model_worker_row *row, hc_error *err);
int rep_model_fact_put(rep_model *self, const rep_model_fact_row *row, hc_error *err);
int rep_model_apprentice_put(rep_model *self, const rep_model_apprentice_row *row, hc_error *err);

/* A key's row is gone. */
void rep_model_worker_drop(rep_model *self, int64_t wkey);
void rep_model_fact_drop(rep_model *self, int64_t fid);
void rep_model_apprentice_drop(rep_model *self, int64_t aid);

/* Sets the links of the steps fids[0..n) of one enrollment (their kinds
   and days already put). */
void rep_model_steps_link(rep_model *self, const int64_t *fids, size_t n);

/* Employers and programs, reread whole: forget them, then add each. */
void rep_model_small_clear(rep_model *self);
int rep_model_employer_add(rep_model *self, const char *id, const char *name, const char *sector,
                           hc_error *err);
int rep_model_program_add(rep_model *self, const char *origin, const char *code, const char *name,
                          const char *kind, const char *credential_code, hc_error *err);

/* The wage of worker wkey's latest employment record with one dated by
   last_day, ordered as the indicators' SQL orders them (day, then entity,
   descending), into *wage with *has; read in the caller's transaction.
   HC_OK or the mapped SQLite error. */
int rep_model_wage_latest(hc_store *store, int64_t wkey, int32_t last_day, bool *has, int64_t *wage,
                          hc_error *err);

/* A buffer of at least size bytes the model keeps in slot for the
   reports (zeroed when zero): per-worker arrays of a few MiB each, kept
   so that a report does not fault fresh pages in on every call. Valid
   until the slot is taken again; NULL out of memory. */
void *rep_model_scratch(const rep_model *self, int slot, size_t size, bool zero);

/* Bytes the model holds (for the log). */
size_t rep_model_bytes(const rep_model *self);

#endif
