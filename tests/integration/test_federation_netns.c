/* Federation across network namespaces: the central node in one (ip netns)
   and a region in another, joined by a veth pair with 10.x addresses, so
   the uplink's traffic leaves the region's network stack for real. The
   region is written to and central checked over their unix sockets
   (hcapctl --node DIR), which every namespace shares. Skipped, with the
   reason, where `ip netns add` is not permitted; the namespaces are
   always deleted. */
#include "ht.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_FLOW_MS    90000
#define S_CENTRAL_IP "10.231.7.1"
#define S_REGION_IP  "10.231.7.2"
#define S_PORT       7701
#define S_WORKERS    4

static char s_ip_bin[64];
static char s_ns[2][32];   /* [0] central's, [1] the region's */
static char s_veth[2][16]; /* the pair's ends, one in each */
static bool s_made[2];
static ht_node *s_central, *s_region;

/* Runs `ip args...`; 0 or its exit code; *err (when not NULL) gets its
   stderr (malloc'd). */
static int s_ip(char **err, const char *const *args)
{
    char *argv[16];
    size_t n = 0;
    argv[n++] = s_ip_bin;
    for (size_t i = 0; args[i] && n + 1 < sizeof argv / sizeof argv[0]; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    ht_run_result run;
    int code = ht_run(&run, NULL, 20000, argv);
    if (err)
        *err = strdup(run.err);
    ht_run_free(&run);
    return code;
}

#define S_IP(...) s_ip(NULL, (const char *const[]){__VA_ARGS__, NULL})

static void s_fini(void)
{
    ht_node_destroy(&s_region);
    ht_node_destroy(&s_central);
    for (int i = 0; i < 2; i++)
        if (s_made[i]) {
            S_IP("netns", "del", s_ns[i]);
            s_made[i] = false;
        }
}

TestSuite(federation_netns, .fini = s_fini, .timeout = 170);

static const char *s_find_ip(void)
{
    const char *paths[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

/* Makes the two namespaces; skips the test when that is not permitted. */
static void s_make_namespaces(void)
{
    const char *ip = s_find_ip();
    if (!ip)
        cr_skip_test("no ip(8) here: cannot make network namespaces");
    snprintf(s_ip_bin, sizeof s_ip_bin, "%s", ip);
    int pid = (int)getpid();
    for (int i = 0; i < 2; i++) {
        snprintf(s_ns[i], sizeof s_ns[i], "hcap-fed-%d-%c", pid, i ? 'r' : 'c');
        snprintf(s_veth[i], sizeof s_veth[i], "hcf%c%d", i ? 'r' : 'c', pid % 10000000);
        char *err = NULL;
        int code = s_ip(&err, (const char *const[]){"netns", "add", s_ns[i], NULL});
        s_made[i] = code == 0;
        if (code != 0) {
            char why[512];
            snprintf(why, sizeof why, "%s", err ? err : "");
            why[strcspn(why, "\n")] = 0;
            free(err);
            cr_skip_test("`ip netns add` is not permitted here (%s): network namespaces need "
                         "CAP_SYS_ADMIN",
                         why);
        }
        free(err);
    }
}

/* The veth pair, one end in each namespace, addressed and up, with each
   namespace's loopback up (the nodes' HTTP ports listen there). */
static void s_link_namespaces(void)
{
    char *err = NULL;
    int code = s_ip(&err, (const char *const[]){"link", "add", s_veth[0], "type", "veth", "peer",
                                                "name", s_veth[1], NULL});
    if (code != 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", err ? err : "");
        free(err);
        cr_skip_test("a veth pair cannot be made here: %s", why);
    }
    free(err);
    const char *addr[2] = {S_CENTRAL_IP "/24", S_REGION_IP "/24"};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(S_IP("link", "set", s_veth[i], "netns", s_ns[i]), 0);
        cr_assert_eq(S_IP("-n", s_ns[i], "addr", "add", addr[i], "dev", s_veth[i]), 0);
        cr_assert_eq(S_IP("-n", s_ns[i], "link", "set", s_veth[i], "up"), 0);
        cr_assert_eq(S_IP("-n", s_ns[i], "link", "set", "lo", "up"), 0);
    }
}

static void s_start_nodes(void)
{
    const char *in_central[] = {s_ip_bin, "netns", "exec", s_ns[0], NULL};
    const char *central[] = {"--role", "central", "--listen",
                             ht_fmt("tcp://%s:%d", S_CENTRAL_IP, S_PORT), NULL};
    s_central = ht_node_start_argv(NULL, in_central, central);
    cr_assert(s_central, "the central node did not start in %s", s_ns[0]);
    const char *in_region[] = {s_ip_bin, "netns", "exec", s_ns[1], NULL};
    const char *region[] = {"--node-id",
                            "west",
                            "--uplink",
                            ht_fmt("tcp://%s:%d", S_CENTRAL_IP, S_PORT),
                            "--central-key",
                            ht_fmt("%s/node.pub", s_central->dir),
                            NULL};
    s_region = ht_node_launch(NULL, in_region, region);
    cr_assert(s_region, "the region was not launched in %s", s_ns[1]);
    ht_fed_allow(s_central->dir, s_region->dir, "west", 30000);
    cr_assert_eq(ht_node_await(s_region), 0, "the region did not start in %s", s_ns[1]);
}

/* Runs hcapctl against the region (its unix socket) and asserts exit 0. */
static void s_ctl(const char *const *args, int argc)
{
    ht_run_result run;
    int code = ht_hcapctl_argv(s_region, &run, argc, args);
    cr_assert_eq(code, 0, "hcapctl %s ... exited %d: %s", args[0], code, run.err);
    ht_run_free(&run);
}

#define S_CTL(...)                                                                                 \
    s_ctl((const char *const[]){__VA_ARGS__},                                                      \
          sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *))

static void s_write_region(void)
{
    S_CTL("employers", "add", "--name", "Westside Care", "--sector", "home_care");
    S_CTL("programs", "add", "--code", "WEST-CNA", "--name", "Nursing assistant", "--kind",
          "credential_training");
    for (int i = 0; i < S_WORKERS; i++)
        S_CTL("workers", "add", "--given_name", "Nsworker", "--family_name", ht_uniq("Veth"),
              "--employment_status", "incumbent");
}

/* The region's uplink status over its unix socket (JSON, new reference). */
static json_t *s_uplink_status(void)
{
    ht_run_result run;
    int code = ht_hcapctl(s_region, &run, "--format", "json", "uplink", "status", NULL);
    json_t *status = code == 0 ? json_loads(run.out, 0, NULL) : NULL;
    cr_assert(status, "hcapctl uplink status exited %d: %s %s", code, run.out, run.err);
    ht_run_free(&run);
    return status;
}

Test(federation_netns, a_region_in_another_network_namespace_feeds_central_over_veth)
{
    s_make_namespaces();
    s_link_namespaces();
    s_start_nodes();
    s_write_region();
    int64_t want = -1, got = -1;
    for (int64_t until = ht_now_ms() + S_FLOW_MS; ht_now_ms() < until; ht_sleep_ms(200)) {
        want = ht_fed_log_sum(s_region->dir);
        got = ht_fed_events_ctl(s_central->dir, "west");
        if (want >= 2 + S_WORKERS && got == want)
            break;
    }
    cr_assert_eq(got, want, "central has %lld events of west, its logs hold %lld", (long long)got,
                 (long long)want);
    cr_assert_geq(want, 2 + S_WORKERS);
    json_t *status = s_uplink_status();
    cr_assert(json_is_true(ht_jget(status, "connected")) && ht_jint(status, "pending") == 0 &&
                  ht_jint(status, "forwarded") == want,
              "west's uplink: %s", ht_jtext(status));
    cr_assert_str_eq(ht_jstr(status, "central"), ht_fmt("tcp://%s:%d", S_CENTRAL_IP, S_PORT));
    json_decref(status);
}
