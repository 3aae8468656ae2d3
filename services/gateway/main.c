/* hcap-gateway: flags and configuration into gw_options, then the gateway
   server's loop until SIGTERM/SIGINT. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gateway_server.h"
#include "hc_config.h"
#include "hc_log.h"
#include "hc_msg.h"

/* The services /healthz requires unless gateway/services (--services,
   HCAP_GATEWAY_SERVICES) names others: a region's. hcap-node sets
   "central,reporting" at central and adds "uplink" at a region with one. */
#define S_SERVICES "enrollment,credentialing,apprenticeship,reporting"

/* Flags and the config keys they set (above file and environment). */
static const hc_flag s_flags[] = {{"data", "node/data"},
                                  {"node-id", "node/id"},
                                  {"http", "gateway/http"},
                                  {"broker", "gateway/broker"},
                                  {"frontend", "gateway/frontend"},
                                  {"admin-token-file", "gateway/admin_token_file"},
                                  {"body-limit", "gateway/body_limit"},
                                  {"services", "gateway/services"},
                                  {NULL, NULL}};

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: hcap-gateway [--config FILE] [--data DIR] [--node-id ID] [--http ADDR:PORT]\n"
            "       [--broker EP] [--frontend EP] [--admin-token-file F] [--body-limit BYTES]\n"
            "       [--services NAME,...]\n"
            "defaults: data ./var, http 127.0.0.1:8080, broker ipc://DIR/broker.ipc,\n"
            "  frontend ipc://DIR/gateway.ipc, body limit 1048576; config keys gateway/*\n"
            "  (deadline_ms 5000, fanout_deadline_ms 2000, idempotency_ttl_s 86400,\n"
            "  services " S_SERVICES ": those /healthz requires)\n"
            "  and HCAP_GATEWAY_* variables set them too.\n");
}

static uint32_t s_clamp_ms(int64_t value, int64_t dflt)
{
    return value < 1 || value > 600000 ? (uint32_t)dflt : (uint32_t)value;
}

/* Fills options from config; strings stay owned by config or dirs. */
static void s_options(hc_config *config, const char *data_dir, char *defaults[3],
                      gw_options *options)
{
    defaults[0] = zsys_sprintf("ipc://%s/broker.ipc", data_dir);
    defaults[1] = zsys_sprintf("ipc://%s/gateway.ipc", data_dir);
    memset(options, 0, sizeof *options);
    options->data_dir = data_dir;
    options->http = hc_config_get(config, "gateway/http", "127.0.0.1:8080");
    options->broker = hc_config_get(config, "gateway/broker", defaults[0]);
    options->frontend = hc_config_get(config, "gateway/frontend", defaults[1]);
    options->admin_token_file = hc_config_get(config, "gateway/admin_token_file", NULL);
    options->services = hc_config_get(config, "gateway/services", S_SERVICES);
    int64_t limit = hc_config_int(config, "gateway/body_limit", 1048576);
    options->body_limit = limit > 0 ? (size_t)limit : 1048576;
    options->deadline_ms = s_clamp_ms(hc_config_int(config, "gateway/deadline_ms", 5000), 5000);
    options->fanout_deadline_ms =
        s_clamp_ms(hc_config_int(config, "gateway/fanout_deadline_ms", 2000), 2000);
    int64_t ttl = hc_config_int(config, "gateway/idempotency_ttl_s", 86400);
    options->idempotency_ttl_s = ttl > 0 && ttl < UINT32_MAX ? (uint32_t)ttl : 86400;
}

static int s_serve(hc_config *config)
{
    hc_signal_fd(); /* before any socket, so CZMQ never takes the signals */
    hc_error err;
    hc_error_clear(&err);
    char message[600];
    char *data_dir = hc_config_data_dir(config, &err);
    if (!data_dir) {
        hc_log_error("gateway_start_failed", "message=%s",
                     hc_log_quote(err.message, message, sizeof message));
        return 1;
    }
    char *defaults[3] = {NULL, NULL, NULL};
    gw_options options;
    s_options(config, data_dir, defaults, &options);
    gw_server *server = gw_server_new(&options, &err);
    int rc = 1;
    if (server)
        rc = gw_server_run(server);
    else {
        hc_log_error("gateway_start_failed", "code=%s message=%s", hc_code_name(err.code),
                     hc_log_quote(err.message, message, sizeof message));
    }
    gw_server_destroy(&server);
    hc_log_info("gateway_stopped", "exit=%d", rc);
    zstr_free(&defaults[0]);
    zstr_free(&defaults[1]);
    free(data_dir);
    return rc;
}

int main(int argc, char **argv)
{
    hc_log_init("gateway");
    hc_error err;
    hc_error_clear(&err);
    bool help = false;
    hc_config *config = hc_config_from_args(argc, argv, s_flags, &help, &err);
    int rc = config && !help ? s_serve(config) : help ? 0 : err.field[0] ? 2 : 1;
    if (!config && err.field[0])
        fprintf(stderr, "hcap-gateway: %s\n", err.message);
    if (help || rc == 2)
        s_usage(help ? stdout : stderr);
    else if (!config) {
        char message[600];
        hc_log_error("gateway_start_failed", "reason=config message=%s",
                     hc_log_quote(err.message, message, sizeof message));
    }
    hc_config_destroy(&config);
    return rc;
}
