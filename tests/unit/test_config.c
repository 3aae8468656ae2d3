/* Tests for hc_config: file, environment and set precedence; errors. */
#include "hc_config.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static char path[128];

static void s_setup(void)
{
    strcpy(dir, "/tmp/hc_config_test_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hcap.cfg", dir);
    unsetenv("HCAP_GATEWAY_HTTP");
    unsetenv("HCAP_GATEWAY_BODY_LIMIT");
    unsetenv("HCAP_NODE_ID");
}

static void s_teardown(void)
{
    unlink(path);
    rmdir(dir);
}

static void s_write(const char *text)
{
    FILE *file = fopen(path, "w");
    cr_assert_not_null(file);
    fputs(text, file);
    fclose(file);
}

TestSuite(config, .init = s_setup, .fini = s_teardown);

static const char *s_zpl = "node\n"
                           "    id = \"north\"\n"
                           "gateway\n"
                           "    http = 127.0.0.1:9000\n"
                           "    body-limit = 2048\n"
                           "    deadline = soon\n";

Test(config, file_values_and_defaults)
{
    s_write(s_zpl);
    hc_error err;
    hc_config *config = hc_config_load(path, &err);
    cr_assert_not_null(config, "%s", err.message);
    cr_assert_str_eq(hc_config_get(config, "node/id", "local"), "north");
    cr_assert_str_eq(hc_config_get(config, "gateway/http", "x"), "127.0.0.1:9000");
    cr_assert_str_eq(hc_config_get(config, "gateway/missing", "dflt"), "dflt");
    cr_assert_null(hc_config_get(config, "nothing/here", NULL));
    cr_assert_eq(hc_config_int(config, "gateway/body-limit", 1), 2048);
    cr_assert_eq(hc_config_int(config, "gateway/absent", 77), 77);
    hc_config_destroy(&config);
    cr_assert_null(config);
    hc_config_destroy(&config);
}

Test(config, environment_overrides_file_and_set_overrides_both)
{
    s_write(s_zpl);
    hc_config *config = hc_config_load(path, NULL);
    cr_assert_not_null(config);
    setenv("HCAP_GATEWAY_HTTP", "0.0.0.0:80", 1);
    setenv("HCAP_GATEWAY_BODY_LIMIT", "4096", 1);
    cr_assert_str_eq(hc_config_get(config, "gateway/http", "x"), "0.0.0.0:80");
    cr_assert_eq(hc_config_int(config, "gateway/body-limit", 1), 4096);
    setenv("HCAP_GATEWAY_HTTP", "0.0.0.0:81", 1);
    cr_assert_str_eq(hc_config_get(config, "gateway/http", "x"), "0.0.0.0:81");
    hc_config_set(config, "gateway/http", "127.0.0.1:1");
    cr_assert_str_eq(hc_config_get(config, "gateway/http", "x"), "127.0.0.1:1");
    hc_config_set(config, "gateway/http", "127.0.0.1:2");
    cr_assert_str_eq(hc_config_get(config, "gateway/http", "x"), "127.0.0.1:2");
    hc_config_set(config, "new/key", "v");
    cr_assert_str_eq(hc_config_get(config, "new/key", "x"), "v");
    hc_config_destroy(&config);
}

Test(config, no_file_means_defaults_and_environment)
{
    hc_config *config = hc_config_load(NULL, NULL);
    cr_assert_not_null(config);
    cr_assert_str_eq(hc_config_get(config, "node/id", "local"), "local");
    setenv("HCAP_NODE_ID", "east", 1);
    cr_assert_str_eq(hc_config_get(config, "node/id", "local"), "east");
    hc_config_destroy(&config);
}

Test(config, not_a_number_gives_default)
{
    s_write(s_zpl);
    hc_config *config = hc_config_load(path, NULL);
    cr_assert_eq(hc_config_int(config, "gateway/deadline", 5000), 5000);
    hc_config_set(config, "x", "12abc");
    cr_assert_eq(hc_config_int(config, "x", 3), 3);
    hc_config_set(config, "x", "99999999999999999999999");
    cr_assert_eq(hc_config_int(config, "x", 3), 3);
    hc_config_set(config, "x", "-42");
    cr_assert_eq(hc_config_int(config, "x", 3), -42);
    hc_config_set(config, "x", "");
    cr_assert_eq(hc_config_int(config, "x", 3), 3);
    hc_config_destroy(&config);
}

Test(config, missing_file_is_an_error)
{
    hc_error err;
    hc_error_clear(&err);
    cr_assert_null(hc_config_load("/tmp/does/not/exist.cfg", &err));
    cr_assert_neq(err.code, HC_OK);
    cr_assert_not_null(strstr(err.message, "/tmp/does/not/exist.cfg"));
    cr_assert_null(hc_config_load(dir, &err));
    cr_assert_eq(err.code, HC_INVALID_ARGUMENT);
}

Test(config, empty_file_is_fine)
{
    s_write("");
    hc_config *config = hc_config_load(path, NULL);
    cr_assert_not_null(config);
    cr_assert_str_eq(hc_config_get(config, "a/b", "d"), "d");
    hc_config_destroy(&config);
}

Test(config, syntax_error_is_reported)
{
    s_write("gateway\n    http = \"unterminated\n");
    hc_error err;
    hc_error_clear(&err);
    cr_assert_null(hc_config_load(path, &err));
    cr_assert_eq(err.code, HC_INVALID_ARGUMENT);
    cr_assert_not_null(strstr(err.message, "cannot parse"));
}

static const hc_flag s_flags[] = {{"data", "node/data"}, {"http", "gateway/http"}, {NULL, NULL}};

Test(config, flags_set_keys_above_the_file)
{
    s_write(s_zpl);
    char *argv[] = {"prog", "--config", path, "--http=127.0.0.1:9100", "--data", dir, NULL};
    bool help = true;
    hc_error err;
    hc_config *config = hc_config_from_args(6, argv, s_flags, &help, &err);
    cr_assert_not_null(config, "%s", err.message);
    cr_assert_not(help);
    cr_assert_str_eq(hc_config_get(config, "gateway/http", NULL), "127.0.0.1:9100");
    cr_assert_str_eq(hc_config_get(config, "node/id", NULL), "north", "the file still counts");
    cr_assert_str_eq(hc_config_get(config, "node/data", NULL), dir);
    hc_config_destroy(&config);
}

Test(config, bad_command_lines_name_the_argument)
{
    char *unknown[] = {"prog", "--colour", "red", NULL};
    char *missing[] = {"prog", "--data", NULL};
    char *stray[] = {"prog", "extra", NULL};
    char *prefix[] = {"prog", "--database=x", NULL};
    char **lines[] = {unknown, missing, stray, prefix};
    int counts[] = {3, 2, 2, 2};
    const char *fields[] = {"--colour", "--data", "extra", "--database=x"};
    for (int i = 0; i < 4; i++) {
        bool help = false;
        hc_error err;
        cr_assert_null(hc_config_from_args(counts[i], lines[i], s_flags, &help, &err));
        cr_assert_eq(err.code, HC_INVALID_ARGUMENT);
        cr_assert_str_eq(err.field, fields[i]);
    }
    char *help_line[] = {"prog", "--help", NULL};
    bool help = false;
    hc_error err;
    hc_config *config = hc_config_from_args(2, help_line, s_flags, &help, &err);
    cr_assert_not_null(config);
    cr_assert(help);
    hc_config_destroy(&config);
}

Test(config, data_dir_is_created_and_absolute)
{
    char relative[] = "hc_config_data_XXXXXX";
    cr_assert_not_null(mkdtemp(relative));
    rmdir(relative);
    hc_config *config = hc_config_load(NULL, NULL);
    hc_config_set(config, "node/data", relative);
    hc_error err;
    char *absolute = hc_config_data_dir(config, &err);
    cr_assert_not_null(absolute, "%s", err.message);
    cr_assert_eq(absolute[0], '/');
    cr_assert(strstr(absolute, relative));
    cr_assert_eq(access(absolute, W_OK), 0, "the directory exists");
    rmdir(absolute);
    free(absolute);
    hc_config_set(config, "node/data", "/proc/no/such/place");
    cr_assert_null(hc_config_data_dir(config, &err));
    cr_assert_str_eq(err.field, "data");
    hc_config_destroy(&config);
}
