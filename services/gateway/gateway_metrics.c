/* gateway_metrics: small in-memory series (a few per route) kept in arrays
   and rendered sorted, so the exposition is stable from scrape to scrape. */
#include "gateway_metrics.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double s_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                  0.25,  0.5,    1,     2.5,  5,     10};
#define S_BUCKETS (sizeof s_bounds / sizeof s_bounds[0])

typedef struct {
    char *labels; /* rendered label set: route="...",status="..." */
    uint64_t count;
} s_counter;

typedef struct {
    char *labels;
    uint64_t buckets[S_BUCKETS]; /* cumulative at render, per-bucket here */
    uint64_t count;
    double sum;
} s_histogram;

typedef struct {
    char *labels;
    double value;
} s_gauge;

typedef struct {
    void *items;
    size_t count, capacity, item_size;
} s_array;

struct _gw_metrics {
    s_array http;            /* s_counter */
    s_array durations;       /* s_histogram */
    s_array frontend;        /* s_counter */
    s_array services;        /* s_counter, count = instances */
    s_array heads;           /* s_gauge: event log head by service */
    s_array behind;          /* s_gauge: follower events behind by service, source */
    s_array seconds;         /* s_gauge: follower seconds behind */
    s_array dead;            /* s_gauge: follower dead letters */
    s_array node_events;     /* s_gauge: the hub's events accepted by node */
    s_array node_duplicates; /* s_gauge: the hub's duplicates by node */
    s_array node_allowed;    /* s_gauge: 1 when the node's key is filed */
    s_array node_seen;       /* s_gauge: seconds since the node's last batch */
    long inflight;
};

/* Appends a zeroed item; aborts on out-of-memory like the constructors. */
static void *s_array_push(s_array *array)
{
    if (array->count == array->capacity) {
        size_t capacity = array->capacity ? array->capacity * 2 : 16;
        void *items = realloc(array->items, capacity * array->item_size);
        assert(items);
        array->items = items;
        array->capacity = capacity;
    }
    void *item = (char *)array->items + array->count++ * array->item_size;
    memset(item, 0, array->item_size);
    return item;
}

/* Items of these arrays all start with their `char *labels`. */
static void *s_array_find(s_array *array, const char *labels, bool create)
{
    for (size_t i = 0; i < array->count; i++) {
        char **item = (char **)((char *)array->items + i * array->item_size);
        if (strcmp(*item, labels) == 0)
            return item;
    }
    if (!create)
        return NULL;
    char **item = s_array_push(array);
    *item = strdup(labels);
    assert(*item);
    return item;
}

static void s_array_clear(s_array *array)
{
    for (size_t i = 0; i < array->count; i++)
        free(*(char **)((char *)array->items + i * array->item_size));
    array->count = 0;
}

gw_metrics *gw_metrics_new(void)
{
    gw_metrics *self = calloc(1, sizeof *self);
    assert(self);
    self->http.item_size = sizeof(s_counter);
    self->durations.item_size = sizeof(s_histogram);
    self->frontend.item_size = sizeof(s_counter);
    self->services.item_size = sizeof(s_counter);
    self->heads.item_size = self->behind.item_size = sizeof(s_gauge);
    self->seconds.item_size = self->dead.item_size = sizeof(s_gauge);
    self->node_events.item_size = self->node_duplicates.item_size = sizeof(s_gauge);
    self->node_allowed.item_size = self->node_seen.item_size = sizeof(s_gauge);
    return self;
}

void gw_metrics_destroy(gw_metrics **self_p)
{
    if (!self_p || !*self_p)
        return;
    gw_metrics *self = *self_p;
    s_array *arrays[] = {
        &self->http,        &self->durations,       &self->frontend,     &self->services,
        &self->heads,       &self->behind,          &self->seconds,      &self->dead,
        &self->node_events, &self->node_duplicates, &self->node_allowed, &self->node_seen};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        s_array_clear(arrays[i]);
        free(arrays[i]->items);
    }
    free(self);
    *self_p = NULL;
}

/* Writes value escaped for a label (backslash, quote, newline). */
static void s_escape(char *out, size_t size, const char *value)
{
    size_t used = 0;
    for (const char *p = value ? value : ""; *p && used + 3 < size; p++) {
        if (*p == '\\' || *p == '"' || *p == '\n') {
            out[used++] = '\\';
            out[used++] = *p == '\n' ? 'n' : *p;
        } else
            out[used++] = *p;
    }
    out[used] = '\0';
}

void gw_metrics_http(gw_metrics *self, const char *route, int status, double seconds)
{
    assert(self);
    char escaped[256], labels[320];
    s_escape(escaped, sizeof escaped, route);
    snprintf(labels, sizeof labels, "route=\"%s\",status=\"%d\"", escaped, status);
    s_counter *counter = s_array_find(&self->http, labels, true);
    counter->count++;
    snprintf(labels, sizeof labels, "route=\"%s\"", escaped);
    s_histogram *histogram = s_array_find(&self->durations, labels, true);
    for (size_t i = 0; i < S_BUCKETS; i++)
        if (seconds <= s_bounds[i]) {
            histogram->buckets[i]++;
            break;
        }
    histogram->count++;
    histogram->sum += seconds > 0 ? seconds : 0;
}

void gw_metrics_frontend(gw_metrics *self, const char *method, const char *code)
{
    assert(self);
    char method_e[160], code_e[64], labels[256];
    s_escape(method_e, sizeof method_e, method);
    s_escape(code_e, sizeof code_e, code);
    snprintf(labels, sizeof labels, "method=\"%s\",code=\"%s\"", method_e, code_e);
    s_counter *counter = s_array_find(&self->frontend, labels, true);
    counter->count++;
}

void gw_metrics_services_reset(gw_metrics *self)
{
    assert(self);
    s_array_clear(&self->services);
    s_array_clear(&self->heads);
    s_array_clear(&self->behind);
    s_array_clear(&self->seconds);
    s_array_clear(&self->dead);
    s_array_clear(&self->node_events);
    s_array_clear(&self->node_duplicates);
    s_array_clear(&self->node_allowed);
    s_array_clear(&self->node_seen);
}

void gw_metrics_service(gw_metrics *self, const char *service, size_t instances)
{
    assert(self);
    char escaped[128], labels[160];
    s_escape(escaped, sizeof escaped, service);
    snprintf(labels, sizeof labels, "service=\"%s\"", escaped);
    s_counter *gauge = s_array_find(&self->services, labels, true);
    gauge->count = instances;
}

void gw_metrics_log_head(gw_metrics *self, const char *service, uint64_t head)
{
    assert(self);
    char escaped[128], labels[160];
    s_escape(escaped, sizeof escaped, service);
    snprintf(labels, sizeof labels, "service=\"%s\"", escaped);
    s_gauge *gauge = s_array_find(&self->heads, labels, true);
    gauge->value = (double)head;
}

void gw_metrics_follower(gw_metrics *self, const char *service, const char *source,
                         uint64_t events_behind, double seconds_behind, uint32_t dead_letters)
{
    assert(self);
    char service_e[128], source_e[128], labels[300];
    s_escape(service_e, sizeof service_e, service);
    s_escape(source_e, sizeof source_e, source);
    snprintf(labels, sizeof labels, "service=\"%s\",source=\"%s\"", service_e, source_e);
    ((s_gauge *)s_array_find(&self->behind, labels, true))->value = (double)events_behind;
    ((s_gauge *)s_array_find(&self->seconds, labels, true))->value = seconds_behind;
    ((s_gauge *)s_array_find(&self->dead, labels, true))->value = (double)dead_letters;
}

void gw_metrics_node(gw_metrics *self, const char *node, bool allowed, uint64_t events,
                     uint64_t duplicates, double seconds_since_seen)
{
    assert(self);
    char escaped[256], labels[300];
    s_escape(escaped, sizeof escaped, node);
    snprintf(labels, sizeof labels, "node=\"%s\"", escaped);
    ((s_gauge *)s_array_find(&self->node_events, labels, true))->value = (double)events;
    ((s_gauge *)s_array_find(&self->node_duplicates, labels, true))->value = (double)duplicates;
    ((s_gauge *)s_array_find(&self->node_allowed, labels, true))->value = allowed ? 1 : 0;
    if (seconds_since_seen >= 0)
        ((s_gauge *)s_array_find(&self->node_seen, labels, true))->value = seconds_since_seen;
}

void gw_metrics_inflight(gw_metrics *self, int delta)
{
    assert(self);
    self->inflight += delta;
}

long gw_metrics_inflight_count(gw_metrics *self)
{
    assert(self);
    return self->inflight;
}

static int s_compare_labels(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void s_render_counters(FILE *out, s_array *array, const char *name, const char *type,
                              const char *help)
{
    if (array->count > 1)
        qsort(array->items, array->count, array->item_size, s_compare_labels);
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    for (size_t i = 0; i < array->count; i++) {
        s_counter *counter = (s_counter *)((char *)array->items + i * array->item_size);
        fprintf(out, "%s{%s} %llu\n", name, counter->labels, (unsigned long long)counter->count);
    }
}

static void s_render_gauges(FILE *out, s_array *array, const char *name, const char *help)
{
    if (array->count > 1)
        qsort(array->items, array->count, array->item_size, s_compare_labels);
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
    for (size_t i = 0; i < array->count; i++) {
        s_gauge *gauge = (s_gauge *)((char *)array->items + i * array->item_size);
        fprintf(out, "%s{%s} %.15g\n", name, gauge->labels, gauge->value);
    }
}

static void s_render_histograms(FILE *out, s_array *array, const char *name, const char *help)
{
    if (array->count > 1)
        qsort(array->items, array->count, array->item_size, s_compare_labels);
    fprintf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    for (size_t i = 0; i < array->count; i++) {
        s_histogram *h = (s_histogram *)((char *)array->items + i * array->item_size);
        uint64_t cumulative = 0;
        for (size_t b = 0; b < S_BUCKETS; b++) {
            cumulative += h->buckets[b];
            fprintf(out, "%s_bucket{%s,le=\"%g\"} %llu\n", name, h->labels, s_bounds[b],
                    (unsigned long long)cumulative);
        }
        fprintf(out, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, h->labels,
                (unsigned long long)h->count);
        fprintf(out, "%s_sum{%s} %.9g\n", name, h->labels, h->sum);
        fprintf(out, "%s_count{%s} %llu\n", name, h->labels, (unsigned long long)h->count);
    }
}

/* The central hub's gauges (series only where it reported nodes). */
static void s_render_nodes(gw_metrics *self, FILE *out)
{
    s_render_gauges(out, &self->node_events, "hcap_central_node_events",
                    "Events the central hub accepted from each node, duplicates not counted.");
    s_render_gauges(out, &self->node_duplicates, "hcap_central_node_duplicates",
                    "Events a node sent the hub again that it already had.");
    s_render_gauges(out, &self->node_allowed, "hcap_central_node_allowed",
                    "1 when the node's key is in the hub's nodes directory, else 0.");
    s_render_gauges(out, &self->node_seen, "hcap_central_node_seconds_since_seen",
                    "Seconds since the hub accepted a batch from the node.");
}

char *gw_metrics_render(gw_metrics *self, size_t *size)
{
    assert(self && size);
    char *text = NULL;
    FILE *out = open_memstream(&text, size);
    if (!out)
        return NULL;
    s_render_counters(out, &self->http, "hcap_http_requests_total", "counter",
                      "HTTP requests by route and status.");
    s_render_histograms(out, &self->durations, "hcap_http_request_duration_seconds",
                        "HTTP request latency by route.");
    s_render_counters(out, &self->frontend, "hcap_frontend_requests_total", "counter",
                      "ZeroMQ frontend requests by method and code.");
    s_render_counters(out, &self->services, "hcap_service_instances", "gauge",
                      "Live instances registered with the broker, by service.");
    s_render_gauges(out, &self->heads, "hcap_event_log_head",
                    "Last seq of each service's event log, as its instances report it.");
    s_render_gauges(out, &self->behind, "hcap_follower_events_behind",
                    "Events a service's follower of a source's log has yet to apply.");
    s_render_gauges(out, &self->seconds, "hcap_follower_seconds_behind",
                    "Seconds a follower has been behind its source's head; 0 when caught up.");
    s_render_gauges(out, &self->dead, "hcap_follower_dead_letters",
                    "Events a follower parked because it could not apply them.");
    s_render_nodes(self, out);
    fprintf(out,
            "# HELP hcap_gateway_inflight Requests in flight through the gateway.\n"
            "# TYPE hcap_gateway_inflight gauge\nhcap_gateway_inflight %ld\n",
            self->inflight);
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
