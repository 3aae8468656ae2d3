/* bench_out: the figures of one run, kept in the order they were measured,
   printed as the DESIGN.md section 9 table (figure, limit, ratio, target,
   met) or as one JSON object {"<metric>": {value, limit, ratio, unit}}. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define S_METRICS_MAX 48

typedef struct {
    char name[40];
    bool json; /* false: a row of the table only (a part of a JSON metric) */
    bool failed;
    double value, limit;
    char unit[16];
    bench_goal goal;
    double target;
    char how[96];   /* where the limit comes from */
    char note[512]; /* what was measured, or why it failed */
} s_metric;

static s_metric s_metrics[S_METRICS_MAX];
static size_t s_count;

static s_metric *s_add(const char *name, bool json, const char *unit)
{
    if (s_count == S_METRICS_MAX)
        return NULL;
    s_metric *m = &s_metrics[s_count++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->unit, sizeof m->unit, "%s", unit);
    m->json = json;
    return m;
}

void bench_metric(const bench_figure *figure, const char *fmt, ...)
{
    s_metric *m = s_add(figure->name, !figure->table_only, figure->unit);
    if (!m)
        return;
    m->value = figure->value;
    m->limit = figure->limit;
    m->goal = figure->goal;
    m->target = figure->target;
    snprintf(m->how, sizeof m->how, "%s", figure->how ? figure->how : "");
    va_list args;
    va_start(args, fmt);
    vsnprintf(m->note, sizeof m->note, fmt, args);
    va_end(args);
}

void bench_metric_failed(const char *name, const char *unit, const char *why)
{
    s_metric *m = s_add(name, true, unit);
    if (!m)
        return;
    m->failed = true;
    snprintf(m->note, sizeof m->note, "%s", why && *why ? why : "not measured");
}

static double s_ratio(const s_metric *m)
{
    return m->limit > 0 ? m->value / m->limit : 0;
}

static bool s_met(const s_metric *m)
{
    double ratio = s_ratio(m);
    if (m->failed || m->limit <= 0)
        return false;
    return m->goal == BENCH_AT_LEAST  ? ratio >= m->target
           : m->goal == BENCH_AT_MOST ? ratio <= m->target
                                      : true;
}

/* A number with as many decimals as its size deserves. */
static void s_number(char *out, size_t size, double x, const char *unit)
{
    double a = fabs(x);
    int decimals = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    snprintf(out, size, "%.*f %s", decimals, x, unit);
}

static void s_row(FILE *out, const s_metric *m)
{
    if (m->failed) {
        fprintf(out, "%-27s %-15s %-15s %6s  %-9s %s\n", m->name, "-", "-", "-", "-", "FAILED");
        fprintf(out, "  %s\n", m->note);
        return;
    }
    char value[48], limit[48], target[24];
    s_number(value, sizeof value, m->value, m->unit);
    s_number(limit, sizeof limit, m->limit, m->unit);
    if (m->goal == BENCH_NO_TARGET)
        snprintf(target, sizeof target, "(none)");
    else
        snprintf(target, sizeof target, "%s %.2f",
                 m->goal == BENCH_AT_LEAST ? ">=" : "<=", m->target);
    fprintf(out, "%-27s %-15s %-15s %6.2f  %-9s %s\n", m->name, value, limit, s_ratio(m), target,
            m->goal == BENCH_NO_TARGET ? "-"
            : s_met(m)                 ? "yes"
                                       : "MISSED");
    fprintf(out, "  limit: %s; %s\n", m->how, m->note);
}

int bench_print_table(FILE *out)
{
    int missed = 0;
    fprintf(out, "\n%-27s %-15s %-15s %6s  %-9s %s\n", "metric (DESIGN.md 9)", "figure", "limit",
            "ratio", "target", "met");
    fprintf(out, "%.*s\n", 86,
            "-----------------------------------------------------------------------------------"
            "-----------");
    for (size_t i = 0; i < s_count; i++) {
        s_row(out, &s_metrics[i]);
        missed +=
            s_metrics[i].failed || (s_metrics[i].goal != BENCH_NO_TARGET && !s_met(&s_metrics[i]));
    }
    fprintf(out, "ratio = figure / limit; target: ratio >= or <= the number shown\n");
    return missed;
}

static json_t *s_json_metric(const s_metric *m)
{
    if (m->failed)
        return json_pack("{s:n, s:n, s:n, s:s, s:s}", "value", "limit", "ratio", "unit", m->unit,
                         "error", m->note);
    return json_pack("{s:f, s:f, s:f, s:s}", "value", m->value, "limit", m->limit, "ratio",
                     s_ratio(m), "unit", m->unit);
}

int bench_print_json(FILE *out)
{
    json_t *all = json_object();
    int missed = 0;
    for (size_t i = 0; i < s_count; i++) {
        const s_metric *m = &s_metrics[i];
        missed += m->failed || (m->goal != BENCH_NO_TARGET && !s_met(m));
        if (m->json)
            json_object_set_new(all, m->name, s_json_metric(m));
    }
    char *text = json_dumps(all, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    fprintf(out, "%s\n", text ? text : "{}");
    free(text);
    json_decref(all);
    return missed;
}
