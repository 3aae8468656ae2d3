/* hcap-gateway: flags and configuration into gw_options, then the gateway
   server's loop until SIGTERM/SIGINT. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gateway_server.h"
#include "hc_config.h"
#include "hc_log.h"
#include "hc_msg.h"

enum { F_CONFIG, F_DATA, F_NODE, F_HTTP, F_BROKER, F_FRONTEND, F_TOKEN, F_BODY, F_HELP, F_COUNT };

static const struct option s_flags[] = {{"config", required_argument, NULL, F_CONFIG},
                                        {"data", required_argument, NULL, F_DATA},
                                        {"node-id", required_argument, NULL, F_NODE},
                                        {"http", required_argument, NULL, F_HTTP},
                                        {"broker", required_argument, NULL, F_BROKER},
                                        {"frontend", required_argument, NULL, F_FRONTEND},
                                        {"admin-token-file", required_argument, NULL, F_TOKEN},
                                        {"body-limit", required_argument, NULL, F_BODY},
                                        {"help", no_argument, NULL, F_HELP},
                                        {NULL, 0, NULL, 0}};

/* Config keys the flags set (above file and environment). */
static const char *s_keys[F_COUNT] = {NULL,
                                      "node/data",
                                      "node/id",
                                      "gateway/http",
                                      "gateway/broker",
                                      "gateway/frontend",
                                      "gateway/admin_token_file",
                                      "gateway/body_limit",
                                      NULL};

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: hcap-gateway [--config FILE] [--data DIR] [--node-id ID] [--http ADDR:PORT]\n"
            "       [--broker EP] [--frontend EP] [--admin-token-file F] [--body-limit BYTES]\n"
            "defaults: data ./var, http 127.0.0.1:8080, broker ipc://DIR/broker.ipc,\n"
            "  frontend ipc://DIR/gateway.ipc, body limit 1048576; config keys gateway/*\n"
            "  (deadline_ms 5000, fanout_deadline_ms 2000, services enrollment,\n"
            "  idempotency_ttl_s 86400) and HCAP_GATEWAY_* variables set them too.\n");
}

/* 0 to run, 1 for --help, -1 on a bad command line. */
static int s_parse(int argc, char **argv, hc_config *config)
{
    int opt;
    bool help = false;
    while ((opt = getopt_long(argc, argv, "", s_flags, NULL)) != -1) {
        if (opt < 0 || opt >= F_COUNT)
            return -1;
        if (opt == F_HELP)
            help = true;
        else if (s_keys[opt])
            hc_config_set(config, s_keys[opt], optarg);
    }
    if (optind < argc) {
        fprintf(stderr, "hcap-gateway: unexpected argument %s\n", argv[optind]);
        return -1;
    }
    return help ? 1 : 0;
}

/* The --config path, looked for before the other flags are applied. */
static const char *s_config_path(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--config=", 9) == 0)
            return argv[i] + 9;
    }
    return NULL;
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
    options->services = hc_config_get(config, "gateway/services", "enrollment");
    int64_t limit = hc_config_int(config, "gateway/body_limit", 1048576);
    options->body_limit = limit > 0 ? (size_t)limit : 1048576;
    options->deadline_ms = s_clamp_ms(hc_config_int(config, "gateway/deadline_ms", 5000), 5000);
    options->fanout_deadline_ms =
        s_clamp_ms(hc_config_int(config, "gateway/fanout_deadline_ms", 2000), 2000);
    int64_t ttl = hc_config_int(config, "gateway/idempotency_ttl_s", 86400);
    options->idempotency_ttl_s = ttl > 0 && ttl < UINT32_MAX ? (uint32_t)ttl : 86400;
}

/* The data directory, created and made absolute (malloc'd), or NULL. */
static char *s_data_dir(hc_config *config)
{
    const char *dir = hc_config_get(config, "node/data", "./var");
    char quoted[PATH_MAX + 8];
    if (zsys_dir_create("%s", dir) != 0) {
        hc_log_error("gateway_start_failed", "reason=\"cannot create data directory\" data=%s",
                     hc_log_quote(dir, quoted, sizeof quoted));
        return NULL;
    }
    char *absolute = realpath(dir, NULL);
    if (!absolute)
        hc_log_error("gateway_start_failed", "reason=\"cannot resolve data directory\" data=%s",
                     hc_log_quote(dir, quoted, sizeof quoted));
    return absolute;
}

static int s_serve(hc_config *config)
{
    hc_signal_fd(); /* before any socket, so CZMQ never takes the signals */
    char *data_dir = s_data_dir(config);
    if (!data_dir)
        return 1;
    char *defaults[3] = {NULL, NULL, NULL};
    gw_options options;
    s_options(config, data_dir, defaults, &options);
    hc_error err;
    hc_error_clear(&err);
    gw_server *server = gw_server_new(&options, &err);
    int rc = 1;
    if (server)
        rc = gw_server_run(server);
    else {
        char message[600];
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
    hc_config *config = hc_config_load(s_config_path(argc, argv), &err);
    if (!config) {
        char message[600];
        hc_log_error("gateway_start_failed", "reason=config message=%s",
                     hc_log_quote(err.message, message, sizeof message));
        return 1;
    }
    int parsed = s_parse(argc, argv, config);
    int rc = parsed == 0 ? s_serve(config) : parsed > 0 ? 0 : 2;
    if (parsed != 0)
        s_usage(parsed > 0 ? stdout : stderr);
    hc_config_destroy(&config);
    return rc;
}
