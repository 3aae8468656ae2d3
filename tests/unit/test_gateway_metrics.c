/* Tests for the gateway's Prometheus exposition: counters by label,
   cumulative histogram buckets, gauges, escaping and a stable order. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gateway_metrics.h"

static char *s_render(gw_metrics *metrics)
{
    size_t size = 0;
    char *text = gw_metrics_render(metrics, &size);
    cr_assert_not_null(text);
    cr_assert_eq(strlen(text), size);
    return text;
}

static void s_has(const char *text, const char *line)
{
    cr_assert_not_null(strstr(text, line), "missing line: %s\n--- text ---\n%s", line, text);
}

Test(gateway_metrics, requests_counted_by_route_and_status)
{
    gw_metrics *metrics = gw_metrics_new();
    gw_metrics_http(metrics, "POST /v1/workers", 201, 0.002);
    gw_metrics_http(metrics, "POST /v1/workers", 201, 0.003);
    gw_metrics_http(metrics, "POST /v1/workers", 400, 0.0001);
    gw_metrics_http(metrics, "GET /healthz", 200, 20.0);
    char *text = s_render(metrics);
    s_has(text, "# TYPE hcap_http_requests_total counter\n");
    s_has(text, "hcap_http_requests_total{route=\"POST /v1/workers\",status=\"201\"} 2\n");
    s_has(text, "hcap_http_requests_total{route=\"POST /v1/workers\",status=\"400\"} 1\n");
    s_has(text, "hcap_http_requests_total{route=\"GET /healthz\",status=\"200\"} 1\n");
    cr_assert_lt(strstr(text, "route=\"GET /healthz\""), strstr(text, "route=\"POST /v1"),
                 "series are sorted");
    free(text);
    gw_metrics_destroy(&metrics);
    cr_assert_null(metrics);
}

Test(gateway_metrics, latency_histogram_is_cumulative)
{
    gw_metrics *metrics = gw_metrics_new();
    gw_metrics_http(metrics, "GET /v1/workers", 200, 0.0005);
    gw_metrics_http(metrics, "GET /v1/workers", 200, 0.004);
    gw_metrics_http(metrics, "GET /v1/workers", 200, 0.2);
    gw_metrics_http(metrics, "GET /v1/workers", 500, 30);
    char *text = s_render(metrics);
    const char *name = "hcap_http_request_duration_seconds";
    char line[256];
    s_has(text, "# TYPE hcap_http_request_duration_seconds histogram\n");
    const char *expect[][2] = {{"0.001", "1"}, {"0.0025", "1"}, {"0.005", "2"}, {"0.1", "2"},
                               {"0.25", "3"},  {"10", "3"},     {"+Inf", "4"}};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        snprintf(line, sizeof line, "%s_bucket{route=\"GET /v1/workers\",le=\"%s\"} %s\n", name,
                 expect[i][0], expect[i][1]);
        s_has(text, line);
    }
    snprintf(line, sizeof line, "%s_count{route=\"GET /v1/workers\"} 4\n", name);
    s_has(text, line);
    snprintf(line, sizeof line, "%s_sum{route=\"GET /v1/workers\"} 30.2045\n", name);
    s_has(text, line);
    free(text);
    gw_metrics_destroy(&metrics);
}

Test(gateway_metrics, frontend_services_and_inflight)
{
    gw_metrics *metrics = gw_metrics_new();
    gw_metrics_frontend(metrics, "enrollment.CreateWorker", "ok");
    gw_metrics_frontend(metrics, "enrollment.CreateWorker", "ok");
    gw_metrics_frontend(metrics, "unknown", "unimplemented");
    gw_metrics_service(metrics, "enrollment", 2);
    gw_metrics_inflight(metrics, +3);
    gw_metrics_inflight(metrics, -1);
    cr_assert_eq(gw_metrics_inflight_count(metrics), 2);
    char *text = s_render(metrics);
    s_has(text, "hcap_frontend_requests_total{method=\"enrollment.CreateWorker\",code=\"ok\"} 2\n");
    s_has(text, "hcap_frontend_requests_total{method=\"unknown\",code=\"unimplemented\"} 1\n");
    s_has(text, "# TYPE hcap_service_instances gauge\n");
    s_has(text, "hcap_service_instances{service=\"enrollment\"} 2\n");
    s_has(text, "# TYPE hcap_gateway_inflight gauge\nhcap_gateway_inflight 2\n");
    free(text);
    gw_metrics_services_reset(metrics);
    gw_metrics_service(metrics, "credentialing", 0);
    text = s_render(metrics);
    cr_assert_null(strstr(text, "service=\"enrollment\""), "reset forgets services");
    s_has(text, "hcap_service_instances{service=\"credentialing\"} 0\n");
    free(text);
    gw_metrics_destroy(&metrics);
}

Test(gateway_metrics, label_values_are_escaped)
{
    gw_metrics *metrics = gw_metrics_new();
    gw_metrics_frontend(metrics, "a\"b\\c\nd", "ok");
    char *text = s_render(metrics);
    s_has(text, "method=\"a\\\"b\\\\c\\nd\"");
    free(text);
    gw_metrics_destroy(&metrics);
}

Test(gateway_metrics, every_line_is_a_comment_or_a_sample)
{
    gw_metrics *metrics = gw_metrics_new();
    gw_metrics_http(metrics, "GET /x", 200, 0.01);
    char *text = s_render(metrics);
    cr_assert_eq(text[strlen(text) - 1], '\n');
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#') {
            cr_assert(strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0, "%s",
                      line);
            continue;
        }
        cr_assert_eq(strncmp(line, "hcap_", 5), 0, "%s", line);
        char *space = strrchr(line, ' ');
        cr_assert_not_null(space, "%s", line);
        char *end;
        strtod(space + 1, &end);
        cr_assert_eq(*end, '\0', "value of %s", line);
    }
    free(text);
    gw_metrics_destroy(&metrics);
}

Test(gateway_metrics, log_heads_and_follower_lag_are_gauges)
{
    gw_metrics *metrics = gw_metrics_new();
    gw_metrics_log_head(metrics, "enrollment", 1234567);
    gw_metrics_follower(metrics, "reporting", "enrollment", 12, 1.25, 0);
    gw_metrics_follower(metrics, "reporting", "credentialing", 0, 0, 3);
    char *text = s_render(metrics);
    s_has(text, "# TYPE hcap_event_log_head gauge\n"
                "hcap_event_log_head{service=\"enrollment\"} 1234567\n");
    s_has(text, "# TYPE hcap_follower_events_behind gauge\n"
                "hcap_follower_events_behind{service=\"reporting\",source=\"credentialing\"} 0\n"
                "hcap_follower_events_behind{service=\"reporting\",source=\"enrollment\"} 12\n");
    s_has(text, "hcap_follower_seconds_behind{service=\"reporting\",source=\"enrollment\"} 1.25\n");
    s_has(text, "hcap_follower_dead_letters{service=\"reporting\",source=\"credentialing\"} 3\n");
    free(text);
    gw_metrics_services_reset(metrics);
    gw_metrics_follower(metrics, "reporting", "enrollment", 0, 0, 0);
    text = s_render(metrics);
    cr_assert_null(strstr(text, "hcap_event_log_head{"), "reset forgets the heads");
    cr_assert_null(strstr(text, "source=\"credentialing\""), "and the followers not set again");
    s_has(text, "hcap_follower_events_behind{service=\"reporting\",source=\"enrollment\"} 0\n");
    free(text);
    gw_metrics_destroy(&metrics);
}

Test(gateway_metrics, the_hubs_nodes_are_gauges_by_node)
{
    gw_metrics *metrics = gw_metrics_new();
    gw_metrics_node(metrics, "west", true, 1200, 30, 2.5);
    gw_metrics_node(metrics, "north", false, 0, 0, -1);
    char *text = s_render(metrics);
    s_has(text, "# HELP hcap_central_node_events ");
    s_has(text, "# TYPE hcap_central_node_events gauge\n"
                "hcap_central_node_events{node=\"north\"} 0\n"
                "hcap_central_node_events{node=\"west\"} 1200\n");
    s_has(text, "# TYPE hcap_central_node_duplicates gauge\n"
                "hcap_central_node_duplicates{node=\"north\"} 0\n"
                "hcap_central_node_duplicates{node=\"west\"} 30\n");
    s_has(text, "# TYPE hcap_central_node_allowed gauge\n"
                "hcap_central_node_allowed{node=\"north\"} 0\n"
                "hcap_central_node_allowed{node=\"west\"} 1\n");
    s_has(text, "# TYPE hcap_central_node_seconds_since_seen gauge\n"
                "hcap_central_node_seconds_since_seen{node=\"west\"} 2.5\n");
    cr_assert_null(strstr(text, "hcap_central_node_seconds_since_seen{node=\"north\"}"),
                   "a node never seen has no age");
    free(text);
    gw_metrics_services_reset(metrics);
    text = s_render(metrics);
    cr_assert_null(strstr(text, "node=\""), "reset forgets the nodes");
    free(text);
    gw_metrics_destroy(&metrics);
}
