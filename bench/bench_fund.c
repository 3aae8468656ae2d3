/* bench_fund: a deterministic fund of many workers, written from a seed
   straight into the services' event logs (hc_eventlog_append on their
   stores, as the services append), so that the reporting service can be
   measured projecting and reporting on it: employers, programs, cohorts,
   credential types, competencies and apprenticeship programs here, each
   worker's events in bench_fund_worker.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "bench_fund.h"
#include "hc_time.h"

#define S_COMMIT_EVERY 20000
#define S_FIRST_DAY    "2019-01-01"
#define S_LAST_DAY     "2026-06-30" /* fixed, so the fund does not depend on the run's date */

static const char s_base32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t gf_rand(gf_gen *g)
{
    uint64_t z = (g->rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint32_t gf_below(gf_gen *g, uint32_t n)
{
    return n ? (uint32_t)(gf_rand(g) % n) : 0;
}

bool gf_chance(gf_gen *g, uint32_t per_mille)
{
    return gf_below(g, 1000) < per_mille;
}

char *gf_id(gf_gen *g, const char *prefix)
{
    char tail[27];
    uint64_t serial = ++g->serial, noise = gf_rand(g);
    for (int i = 9; i >= 0; i--, serial >>= 5)
        tail[i] = s_base32[serial & 31];
    for (int i = 10; i < 26; i++, noise >>= 4)
        tail[i] = s_base32[noise & 15];
    tail[26] = '\0';
    return hc_arena_printf(g->arena, "%s_%s", prefix, tail);
}

char *gf_date(gf_gen *g, int64_t day)
{
    char out[HC_DATE_SIZE];
    hc_date_from_days(day, out);
    return hc_arena_strdup(g->arena, out);
}

char *gf_stamp(gf_gen *g, int64_t day)
{
    char out[HC_DATE_SIZE];
    hc_date_from_days(day, out);
    return hc_arena_printf(g->arena, "%sT09:00:00Z", out);
}

static void s_fail(gf_gen *g, const char *what, const hc_error *err)
{
    if (!g->failed)
        snprintf(g->error, sizeof g->error, "%.200s: %.300s", what,
                 err ? err->message : "out of memory");
    g->failed = true;
}

static void s_digest(gf_gen *g, const void *data, size_t size)
{
    const uint8_t *bytes = data;
    for (size_t i = 0; i < size; i++)
        g->digest = (g->digest ^ bytes[i]) * 0x100000001B3ULL;
}

static void s_commit(gf_gen *g, int log)
{
    hc_error err;
    if (g->pending[log] > 0 && hc_store_commit(g->store[log], &err) != HC_OK)
        s_fail(g, "commit", &err);
    g->pending[log] = 0;
}

void gf_emit(gf_gen *g, int log, const char *type, const char *subject,
             const ProtobufCMessage *body)
{
    hc_error err;
    if (g->failed)
        return;
    if (g->pending[log] == 0 && hc_store_begin(g->store[log], &err) != HC_OK)
        return s_fail(g, "begin", &err);
    if (hc_eventlog_append(g->log[log], type, subject, body, NULL, &err) != HC_OK)
        return s_fail(g, type, &err);
    size_t size = protobuf_c_message_get_packed_size(body);
    if (size > g->buf_size) {
        uint8_t *grown = realloc(g->buf, size * 2);
        if (!grown)
            return s_fail(g, "pack", NULL);
        g->buf = grown;
        g->buf_size = size * 2;
    }
    protobuf_c_message_pack(body, g->buf);
    s_digest(g, type, strlen(type) + 1);
    s_digest(g, g->buf, size);
    g->count[log]++;
    if (++g->pending[log] >= S_COMMIT_EVERY)
        s_commit(g, log);
}

/* --- the catalog --- */

static void s_employers(gf_gen *g)
{
    static const char *names[] = {"Mercy", "Valley", "Bayview", "Saint Luke", "Harbor", "Summit"};
    static const char *kinds[] = {"Hospital", "Clinic", "Care Center", "Home Health", "Health"};
    for (int i = 0; i < GF_EMPLOYERS; i++) {
        Hcap__Employer e = HCAP__EMPLOYER__INIT;
        e.id = gf_id(g, "emp");
        snprintf(g->employers[i], GF_ID, "%s", e.id);
        e.name = hc_arena_printf(g->arena, "%s %s %d", names[gf_below(g, 6)], kinds[gf_below(g, 5)],
                                 i + 1);
        e.sector = (Hcap__Sector)(1 + gf_below(g, 7));
        e.state = "CA";
        e.created_at = gf_stamp(g, g->day0);
        gf_emit(g, GF_ENR, "enrollment.employer_created.v1", NULL, &e.base);
    }
}

/* Programs by kind: 24 credential_training (each leading to one of the
   first 24 credential types), 16 continuing education, 8 professional
   development, 8 basic skills, 4 preceptorships; ten cohorts each. */
static void s_programs(gf_gen *g)
{
    for (int i = 0; i < GF_PROGRAMS; i++) {
        gf_program *p = &g->programs[i];
        p->kind = i < 24   ? HCAP__PROGRAM_KIND__PROGRAM_KIND_CREDENTIAL_TRAINING
                  : i < 40 ? HCAP__PROGRAM_KIND__PROGRAM_KIND_CONTINUING_EDUCATION
                  : i < 48 ? HCAP__PROGRAM_KIND__PROGRAM_KIND_PROFESSIONAL_DEVELOPMENT
                  : i < 56 ? HCAP__PROGRAM_KIND__PROGRAM_KIND_BASIC_SKILLS
                           : HCAP__PROGRAM_KIND__PROGRAM_KIND_PRECEPTORSHIP;
        p->credential = i < 24 ? g->cred_codes[i] : NULL;
        snprintf(p->code, sizeof p->code, "PRG-%03d", i + 1);
        Hcap__Program m = HCAP__PROGRAM__INIT;
        m.id = gf_id(g, "prg");
        snprintf(p->id, GF_ID, "%s", m.id);
        m.code = p->code;
        m.name = hc_arena_printf(g->arena, "Program %d", i + 1);
        m.kind = p->kind;
        m.credential_code = (char *)p->credential;
        m.has_hours = 1;
        m.hours = 40 + gf_below(g, 200);
        m.created_at = gf_stamp(g, g->day0);
        gf_emit(g, GF_ENR, "enrollment.program_created.v1", NULL, &m.base);
        for (int c = 0; c < GF_COHORTS; c++) {
            Hcap__Cohort cohort = HCAP__COHORT__INIT;
            cohort.id = gf_id(g, "coh");
            snprintf(g->cohorts[i][c], GF_ID, "%s", cohort.id);
            cohort.program_id = p->id;
            cohort.name = hc_arena_printf(g->arena, "%s cohort %d", p->code, c + 1);
            cohort.start_date = gf_date(g, g->day0 + c * 240);
            cohort.capacity = 40;
            gf_emit(g, GF_ENR, "enrollment.cohort_created.v1", NULL, &cohort.base);
        }
    }
}

static void s_credential_types(gf_gen *g)
{
    for (int i = 0; i < GF_COMPETENCIES; i++) {
        Hcap__Competency c = HCAP__COMPETENCY__INIT;
        snprintf(g->competencies[i], 16, "CMP-%02d", i + 1);
        c.code = g->competencies[i];
        c.name = hc_arena_printf(g->arena, "Competency %d", i + 1);
        gf_emit(g, GF_CRED, "credentialing.competency_created.v1", NULL, &c.base);
    }
    for (int i = 0; i < GF_CRED_TYPES; i++) {
        Hcap__CredentialType t = HCAP__CREDENTIAL_TYPE__INIT;
        snprintf(g->cred_codes[i], 16, "CRD-%02d", i + 1);
        t.code = g->cred_codes[i];
        t.name = hc_arena_printf(g->arena, "Credential %d", i + 1);
        t.kind = (Hcap__CredentialKind)(1 + i % 4);
        t.issuer = "State Board";
        t.has_validity_months = 1;
        t.validity_months = i % 3 == 0 ? 24 : 0;
        gf_emit(g, GF_CRED, "credentialing.credential_type_created.v1", NULL, &t.base);
    }
}

static void s_appr_programs(gf_gen *g)
{
    for (int i = 0; i < GF_APPR_PROGS; i++) {
        gf_appr_program *a = &g->appr[i];
        snprintf(a->code, sizeof a->code, "APP-%02d", i + 1);
        a->approach = (Hcap__ApprenticeshipApproach)(1 + i % 3);
        a->competencies[0] = g->competencies[2 * i];
        a->competencies[1] = g->competencies[2 * i + 1];
        a->credential = g->cred_codes[30 + i];
        Hcap__ApprenticeshipProgram p = HCAP__APPRENTICESHIP_PROGRAM__INIT;
        p.code = a->code;
        p.name = hc_arena_printf(g->arena, "Apprenticeship %d", i + 1);
        p.occupation = "Community Health Worker";
        p.approach = a->approach;
        p.has_ojl_hours = p.has_rti_hours = 1;
        p.ojl_hours = 2000;
        p.rti_hours = 144;
        if (a->approach != HCAP__APPRENTICESHIP_APPROACH__APPRENTICESHIP_APPROACH_TIME_BASED) {
            p.n_competencies = 2;
            p.competencies = (char **)a->competencies;
        }
        /* no completion_credential_code: credentialing has no tables to
           award from here; completion credentials are in its log instead */
        gf_emit(g, GF_APPR, "apprenticeship.program_created.v1", NULL, &p.base);
    }
}

/* --- the logs --- */

static int s_open(gf_gen *g, const char *dir, const char *node_id)
{
    static const char *services[GF_LOGS] = {"enrollment", "credentialing", "apprenticeship"};
    for (int i = 0; i < GF_LOGS; i++) {
        char path[600], source[128];
        hc_error err;
        snprintf(path, sizeof path, "%s/%s.db", dir, services[i]);
        snprintf(source, sizeof source, "%s/%s", node_id, services[i]);
        if (!(g->store[i] = hc_store_open(path, NULL, &err)) ||
            !(g->log[i] = hc_eventlog_new(g->store[i], source, &err))) {
            s_fail(g, path, &err);
            return -1;
        }
    }
    return 0;
}

static void s_close(gf_gen *g)
{
    for (int i = 0; i < GF_LOGS; i++) {
        if (g->store[i] && !g->failed)
            s_commit(g, i);
        else if (g->store[i])
            hc_store_rollback(g->store[i]);
        hc_eventlog_destroy(&g->log[i]);
        hc_store_destroy(&g->store[i]);
    }
}

static void s_generate(gf_gen *g, size_t workers)
{
    s_employers(g);
    s_credential_types(g);
    s_programs(g);
    s_appr_programs(g);
    hc_arena_reset(g->arena);
    for (uint64_t n = 0; n < workers && !g->failed; n++) {
        gf_worker(g, n);
        hc_arena_reset(g->arena);
    }
}

int bench_fund_generate(const char *dir, const char *node_id, uint64_t seed, size_t workers,
                        bench_fund_stats *out, char *error, size_t size)
{
    memset(out, 0, sizeof *out);
    gf_gen *g = calloc(1, sizeof *g);
    if (!g)
        return snprintf(error, size, "out of memory"), -1;
    g->rng = seed;
    g->digest = 0xCBF29CE484222325ULL;
    g->arena = hc_arena_new();
    g->day0 = hc_date_days(S_FIRST_DAY);
    g->horizon = hc_date_days(S_LAST_DAY);
    int64_t start = bench_now_us();
    if (s_open(g, dir, node_id) == 0)
        s_generate(g, workers);
    s_close(g);
    out->enrollment = g->count[GF_ENR];
    out->credentialing = g->count[GF_CRED];
    out->apprenticeship = g->count[GF_APPR];
    out->workers = workers;
    out->digest = g->digest;
    out->seconds = (double)(bench_now_us() - start) / 1e6;
    int rc = g->failed ? -1 : 0;
    if (rc)
        snprintf(error, size, "fund: %s", g->error);
    hc_arena_destroy(&g->arena);
    free(g->buf);
    free(g);
    return rc;
}
