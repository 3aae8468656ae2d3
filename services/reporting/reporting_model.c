/* reporting_model: the in-memory copy of the read model the reports count
   over: dictionaries, row conversion (texts to ids, dates to day numbers)
   and the links between the steps of one enrollment. Anything it cannot
   hold exactly is refused, so a report never counts from a lossy copy. */
#include "reporting_model.h"

#include <stdlib.h>
#include <string.h>
#include "hc_time.h"
#include "reporting_server.h"

#define S_KEY_MAX ((int64_t)1 << 31) /* keys index the arrays */

/* --- dictionaries --- */

static uint32_t s_hash(const char *text)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static void s_dict_free(rep_dict *d)
{
    for (uint32_t i = 0; i < d->n; i++)
        free(d->texts[i]);
    free(d->texts);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

/* The slot text is in or would go to. */
static uint32_t *s_dict_slot(const rep_dict *d, const char *text)
{
    uint32_t mask = d->n_slots - 1, i = s_hash(text) & mask;
    while (d->slots[i] && strcmp(d->texts[d->slots[i]], text) != 0)
        i = (i + 1) & mask;
    return &d->slots[i];
}

/* Doubles the slots (a quarter used at most after); false out of memory. */
static bool s_dict_grow(rep_dict *d)
{
    uint32_t n_slots = d->n_slots ? d->n_slots * 2 : 64;
    rep_dict bigger = *d;
    bigger.n_slots = n_slots;
    bigger.slots = calloc(n_slots, sizeof *bigger.slots);
    char **texts = realloc(d->texts, n_slots / 2 * sizeof *texts);
    if (!bigger.slots || !texts) {
        free(bigger.slots);
        if (texts)
            d->texts = texts;
        return false;
    }
    bigger.texts = texts;
    if (bigger.n == 0)
        bigger.texts[bigger.n++] = NULL;
    for (uint32_t id = 1; id < bigger.n; id++)
        *s_dict_slot(&bigger, bigger.texts[id]) = id;
    free(d->slots);
    *d = bigger;
    return true;
}

uint32_t rep_dict_find(const rep_dict *dict, const char *text)
{
    return text && dict->n_slots ? *s_dict_slot(dict, text) : 0;
}

int rep_dict_id(rep_dict *dict, const char *text, uint32_t max, uint32_t *id, hc_error *err)
{
    *id = rep_dict_find(dict, text);
    if (!text || *id)
        return HC_OK;
    if (dict->n > max)
        return hc_error_set(err, HC_OUT_OF_RANGE, NULL, "more than %u distinct texts", max);
    if ((dict->n + 1) * 4 > dict->n_slots && !s_dict_grow(dict))
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    char *copy = strdup(text);
    if (!copy)
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    *id = dict->n;
    dict->texts[dict->n++] = copy;
    *s_dict_slot(dict, copy) = *id;
    return HC_OK;
}

/* --- the model --- */

struct rep_scratch {
    void *data[REP_SCRATCH_SLOTS];
    size_t size[REP_SCRATCH_SLOTS];
};

rep_model *rep_model_new(void)
{
    rep_model *self = calloc(1, sizeof(rep_model));
    if (self && !(self->scratch = calloc(1, sizeof *self->scratch))) {
        free(self);
        return NULL;
    }
    return self;
}

void *rep_model_scratch(const rep_model *self, int slot, size_t size, bool zero)
{
    struct rep_scratch *s = self->scratch;
    size = size ? size : 1;
    if (size > s->size[slot]) {
        free(s->data[slot]);
        s->size[slot] = 0;
        if (!(s->data[slot] = malloc(size)))
            return NULL;
        s->size[slot] = size;
    }
    if (zero)
        memset(s->data[slot], 0, size);
    return s->data[slot];
}

void rep_model_small_clear(rep_model *self)
{
    for (size_t i = 0; i < self->n_employer_rows; i++)
        free(self->employer_names[i]);
    free(self->employer_names);
    free(self->employer_sector);
    self->employer_names = NULL;
    self->employer_sector = NULL;
    self->n_employer_rows = 0;
    for (size_t i = 0; i < self->n_programs; i++)
        free(self->programs[i].name);
    free(self->programs);
    self->programs = NULL;
    self->n_programs = 0;
}

void rep_model_clear(rep_model *self)
{
    rep_model_small_clear(self);
    rep_dict *dicts[] = {&self->race,     &self->gender, &self->age,      &self->status,
                         &self->language, &self->node,   &self->employer, &self->code,
                         &self->pkind,    &self->source, &self->sector};
    for (size_t i = 0; i < sizeof dicts / sizeof dicts[0]; i++)
        s_dict_free(dicts[i]);
    free(self->workers);
    free(self->facts);
    free(self->apprentices);
    self->workers = NULL;
    self->facts = NULL;
    self->apprentices = NULL;
    self->n_workers = self->n_facts = self->n_apprentices = 0;
    self->loaded = false;
    self->generation = self->seq = 0;
}

void rep_model_destroy(rep_model **self_p)
{
    if (!self_p || !*self_p)
        return;
    rep_model_clear(*self_p);
    for (int i = 0; i < REP_SCRATCH_SLOTS; i++)
        free((*self_p)->scratch->data[i]);
    free((*self_p)->scratch);
    free(*self_p);
    *self_p = NULL;
}

/* Grows *array of *n elements of size to hold index key (zeroed), with an
   eighth to spare; exact when reserving. false out of memory. */
static bool s_grow(void **array, size_t *n, size_t size, size_t key, bool exact)
{
    if (key < *n)
        return true;
    size_t want = exact ? key + 1 : key + 1 + key / 8 + 1024;
    void *bigger = realloc(*array, want * size);
    if (!bigger)
        return false;
    memset((char *)bigger + *n * size, 0, (want - *n) * size);
    *array = bigger;
    *n = want;
    return true;
}

int rep_model_reserve(rep_model *self, int64_t wkey, int64_t fid, int64_t aid, hc_error *err)
{
    if (wkey >= S_KEY_MAX || fid >= S_KEY_MAX || aid >= S_KEY_MAX)
        return hc_error_set(err, HC_OUT_OF_RANGE, NULL, "keys beyond 2^31");
    if ((wkey > 0 && !s_grow((void **)&self->workers, &self->n_workers, sizeof *self->workers,
                             (size_t)wkey, true)) ||
        (fid > 0 &&
         !s_grow((void **)&self->facts, &self->n_facts, sizeof *self->facts, (size_t)fid, true)) ||
        (aid > 0 && !s_grow((void **)&self->apprentices, &self->n_apprentices,
                            sizeof *self->apprentices, (size_t)aid, true)))
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    return HC_OK;
}

/* A key in range with its slot there. */
static int s_slot(void **array, size_t *n, size_t size, int64_t key, hc_error *err)
{
    if (key < 0 || key >= S_KEY_MAX)
        return hc_error_set(err, HC_OUT_OF_RANGE, NULL, "key %lld out of range", (long long)key);
    if (!s_grow(array, n, size, (size_t)key, false))
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    return HC_OK;
}

/* A date's day number: HC_OUT_OF_RANGE for a text hc_date_valid refuses
   (its text order would not be the order of the numbers). */
static int s_day(const char *text, int32_t *day, hc_error *err)
{
    if (!text || !hc_date_valid(text))
        return hc_error_set(err, HC_OUT_OF_RANGE, NULL, "date %.20s not held", text ? text : "");
    *day = (int32_t)hc_date_days(text);
    return HC_OK;
}

/* --- rows --- */

/* Ids of a worker's texts into w. */
static int s_worker_groups(rep_model *self, const rep_model_worker_row *row, rep_model_worker *w,
                           hc_error *err)
{
    uint32_t race, gender, age, status, language, node;
    int rc;
    if ((rc = rep_dict_id(&self->race, row->race, UINT8_MAX, &race, err)) != HC_OK ||
        (rc = rep_dict_id(&self->gender, row->gender, UINT8_MAX, &gender, err)) != HC_OK ||
        (rc = rep_dict_id(&self->age, row->age, UINT8_MAX, &age, err)) != HC_OK ||
        (rc = rep_dict_id(&self->status, row->status, UINT8_MAX, &status, err)) != HC_OK ||
        (rc = rep_dict_id(&self->language, row->language, UINT16_MAX, &language, err)) != HC_OK ||
        (rc = rep_dict_id(&self->node, row->node, UINT16_MAX, &node, err)) != HC_OK ||
        (rc = rep_dict_id(&self->employer, row->employer, UINT32_MAX - 1, &w->employer, err)) !=
            HC_OK)
        return rc;
    w->race = (uint8_t)race;
    w->gender = (uint8_t)gender;
    w->age = (uint8_t)age;
    w->status = (uint8_t)status;
    w->language = (uint16_t)language;
    w->node = (uint16_t)node;
    return HC_OK;
}

int rep_model_worker_put(rep_model *self, const rep_model_worker_row *row, hc_error *err)
{
    rep_model_worker w = {0};
    int rc = s_slot((void **)&self->workers, &self->n_workers, sizeof w, row->wkey, err);
    if (rc != HC_OK || (rc = s_worker_groups(self, row, &w, err)) != HC_OK)
        return rc;
    w.flags = REP_WORKER_ROW;
    if (row->registered && strcmp(row->registered, "incumbent") == 0)
        w.flags |= REP_WORKER_INCUMBENT;
    self->workers[row->wkey] = w;
    return HC_OK;
}

void rep_model_worker_drop(rep_model *self, int64_t wkey)
{
    if (wkey >= 0 && (uint64_t)wkey < self->n_workers)
        memset(&self->workers[wkey], 0, sizeof self->workers[wkey]);
}

/* The program or credential texts of a fact by kind: the columns the
   reports read for it (sql/001: steps and apprenticeship facts carry a
   program, credentials a code and source, employment a wage). */
static int s_fact_texts(rep_model *self, const rep_model_fact_row *row, rep_model_fact *f,
                        hc_error *err)
{
    uint32_t code = 0, sub = 0;
    int rc = HC_OK;
    if ((row->kind >= REP_FACT_ENROLLED && row->kind <= REP_FACT_FAILED) ||
        (row->kind >= REP_FACT_APPR_REGISTERED && row->kind <= REP_FACT_SIGNOFF)) {
        if ((rc = rep_dict_id(&self->code, row->program, UINT16_MAX, &code, err)) == HC_OK)
            rc = rep_dict_id(&self->pkind, row->program_kind, UINT8_MAX, &sub, err);
    } else if (row->kind == REP_FACT_CREDENTIAL) {
        if ((rc = rep_dict_id(&self->code, row->credential, UINT16_MAX, &code, err)) == HC_OK)
            rc = rep_dict_id(&self->source, row->source, UINT8_MAX, &sub, err);
    }
    f->code = (uint16_t)code;
    f->sub = (uint8_t)sub;
    return rc;
}

/* The link a step has before its siblings are known, or the wage. */
static int s_fact_link(const rep_model_fact_row *row, rep_model_fact *f, hc_error *err)
{
    f->link = 0;
    if (row->kind == REP_FACT_ENROLLED || row->kind == REP_FACT_ACTIVE)
        f->link = REP_DAY_LAST;
    else if (row->kind >= REP_FACT_COMPLETED && row->kind <= REP_FACT_FAILED)
        f->link = f->day;
    else if (row->kind >= REP_FACT_PLACEMENT && row->kind <= REP_FACT_WAGE_CHANGE) {
        if (row->has_wage && (row->wage <= INT32_MIN || row->wage > INT32_MAX))
            return hc_error_set(err, HC_OUT_OF_RANGE, NULL, "wage %lld not held",
                                (long long)row->wage);
        f->link = row->has_wage ? (int32_t)row->wage : REP_NO_WAGE;
    }
    return HC_OK;
}

int rep_model_fact_put(rep_model *self, const rep_model_fact_row *row, hc_error *err)
{
    rep_model_fact f = {0};
    int rc = s_slot((void **)&self->facts, &self->n_facts, sizeof f, row->fid, err);
    if (rc == HC_OK &&
        (row->wkey < 0 || row->wkey >= S_KEY_MAX || row->kind < 0 || row->kind > UINT8_MAX))
        rc = hc_error_set(err, HC_OUT_OF_RANGE, NULL, "fact %lld not held", (long long)row->fid);
    if (rc != HC_OK || (rc = s_day(row->day, &f.day, err)) != HC_OK ||
        (rc = s_fact_texts(self, row, &f, err)) != HC_OK ||
        (rc = s_fact_link(row, &f, err)) != HC_OK)
        return rc;
    /* the worker's slot exists even without a workers row */
    if ((rc = s_slot((void **)&self->workers, &self->n_workers, sizeof *self->workers, row->wkey,
                     err)) != HC_OK)
        return rc;
    f.wkey = (uint32_t)row->wkey;
    f.kind = (uint8_t)row->kind;
    self->facts[row->fid] = f;
    return HC_OK;
}

void rep_model_fact_drop(rep_model *self, int64_t fid)
{
    if (fid >= 0 && (uint64_t)fid < self->n_facts)
        memset(&self->facts[fid], 0, sizeof self->facts[fid]);
}

void rep_model_steps_link(rep_model *self, const int64_t *fids, size_t n)
{
    int32_t first_exit = REP_DAY_LAST, first_step = REP_DAY_LAST;
    for (size_t i = 0; i < n; i++) {
        const rep_model_fact *f = &self->facts[fids[i]];
        if (f->kind >= REP_FACT_COMPLETED && f->kind <= REP_FACT_FAILED && f->day < first_exit)
            first_exit = f->day;
        if (f->kind >= REP_FACT_ENROLLED && f->kind <= REP_FACT_COMPLETED && f->day < first_step)
            first_step = f->day;
    }
    for (size_t i = 0; i < n; i++) {
        rep_model_fact *f = &self->facts[fids[i]];
        if (f->kind == REP_FACT_ENROLLED || f->kind == REP_FACT_ACTIVE)
            f->link = first_exit;
        else if (f->kind >= REP_FACT_COMPLETED && f->kind <= REP_FACT_FAILED)
            f->link = first_step != REP_DAY_LAST ? first_step : f->day;
    }
}

static uint8_t s_status(const char *status)
{
    static const char *const names[] = {"active", "suspended", "completed", "cancelled"};
    for (uint8_t i = 0; status && i < 4; i++)
        if (strcmp(status, names[i]) == 0)
            return (uint8_t)(REP_APPR_ACTIVE + i);
    return REP_APPR_OTHER;
}

int rep_model_apprentice_put(rep_model *self, const rep_model_apprentice_row *row, hc_error *err)
{
    rep_model_apprentice a = {.completed_on = REP_DAY_NONE};
    uint32_t program = 0;
    int rc = s_slot((void **)&self->apprentices, &self->n_apprentices, sizeof a, row->aid, err);
    if (rc == HC_OK && (row->wkey < 0 || row->wkey >= S_KEY_MAX))
        rc = hc_error_set(err, HC_OUT_OF_RANGE, NULL, "apprentice %lld not held",
                          (long long)row->aid);
    if (rc != HC_OK || (rc = s_day(row->start, &a.start, err)) != HC_OK ||
        (row->completed_on && (rc = s_day(row->completed_on, &a.completed_on, err)) != HC_OK) ||
        (rc = rep_dict_id(&self->code, row->program, UINT16_MAX, &program, err)) != HC_OK)
        return rc;
    a.wkey = (uint32_t)row->wkey;
    a.program = (uint16_t)program;
    a.status = s_status(row->status);
    self->apprentices[row->aid] = a;
    return HC_OK;
}

void rep_model_apprentice_drop(rep_model *self, int64_t aid)
{
    if (aid >= 0 && (uint64_t)aid < self->n_apprentices)
        memset(&self->apprentices[aid], 0, sizeof self->apprentices[aid]);
}

/* --- employers and programs --- */

int rep_model_employer_add(rep_model *self, const char *id, const char *name, const char *sector,
                           hc_error *err)
{
    uint32_t key = 0, sector_id = 0;
    int rc = rep_dict_id(&self->employer, id, UINT32_MAX - 1, &key, err);
    if (rc != HC_OK ||
        (rc = rep_dict_id(&self->sector, sector, UINT16_MAX, &sector_id, err)) != HC_OK)
        return rc;
    size_t n = self->n_employer_rows, n2 = n;
    if (!s_grow((void **)&self->employer_names, &n, sizeof(char *), key, false) ||
        !s_grow((void **)&self->employer_sector, &n2, sizeof(uint32_t), n - 1, true))
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    self->n_employer_rows = n;
    free(self->employer_names[key]);
    self->employer_names[key] = strdup(name ? name : "");
    self->employer_sector[key] = sector_id;
    return self->employer_names[key] ? HC_OK
                                     : hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
}

int rep_model_program_add(rep_model *self, const char *origin, const char *code, const char *name,
                          const char *kind, const char *credential_code, hc_error *err)
{
    rep_model_program p = {.apprenticeship = origin && strcmp(origin, "apprenticeship") == 0};
    int rc = rep_dict_id(&self->code, code, UINT16_MAX, &p.code, err);
    if (rc != HC_OK || (rc = rep_dict_id(&self->pkind, kind, UINT8_MAX, &p.kind, err)) != HC_OK ||
        (rc = rep_dict_id(&self->code, credential_code, UINT16_MAX, &p.credential_code, err)) !=
            HC_OK)
        return rc;
    if (!origin || (!p.apprenticeship && strcmp(origin, "enrollment") != 0))
        return HC_OK; /* no report reads another origin's programs */
    rep_model_program *programs =
        realloc(self->programs, (self->n_programs + 1) * sizeof *self->programs);
    if (!programs)
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    self->programs = programs;
    p.name = strdup(name ? name : "");
    if (!p.name)
        return hc_error_set(err, HC_INTERNAL, NULL, "out of memory");
    self->programs[self->n_programs++] = p;
    return HC_OK;
}

size_t rep_model_bytes(const rep_model *self)
{
    return self->n_workers * sizeof *self->workers + self->n_facts * sizeof *self->facts +
           self->n_apprentices * sizeof *self->apprentices;
}
