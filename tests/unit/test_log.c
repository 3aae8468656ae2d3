/* Tests for hc_log: line shape, threshold, flattening and quoting. */
#include "hc_log.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Runs fn with stderr redirected to a temporary file; returns what it wrote. */
static char *s_capture(void (*fn)(void))
{
    char path[] = "/tmp/hc_log_test_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    static char text[8192];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    text[n < 0 ? 0 : n] = '\0';
    return text;
}

static void s_info_line(void)
{
    unsetenv("HCAP_LOG_LEVEL");
    hc_log_init("hcap-test");
    hc_log_info("worker_created", "id=%s n=%d", "wkr_1", 3);
    hc_log_debug("hidden", "x=1");
}

Test(log, one_key_value_line)
{
    char *text = s_capture(s_info_line);
    cr_assert_eq(strncmp(text, "ts=", 3), 0, "%s", text);
    cr_assert_not_null(
        strstr(text, " level=info proc=hcap-test event=worker_created id=wkr_1 n=3\n"), "%s", text);
    cr_assert_null(strstr(text, "hidden"));
    cr_assert_eq(strchr(text, '\n'), text + strlen(text) - 1);
}

static void s_threshold(void)
{
    setenv("HCAP_LOG_LEVEL", "warn", 1);
    hc_log_init("p");
    hc_log_info("not_shown", "a=1");
    hc_log_warn("shown", "a=2");
    hc_log_error("shown_too", "a=3");
    setenv("HCAP_LOG_LEVEL", "DEBUG", 1);
    hc_log_init("p");
    hc_log_debug("debug_shown", "a=4");
    unsetenv("HCAP_LOG_LEVEL");
    hc_log_init("p");
}

Test(log, threshold_from_environment)
{
    char *text = s_capture(s_threshold);
    cr_assert_null(strstr(text, "not_shown"));
    cr_assert_not_null(strstr(text, "level=warn proc=p event=shown a=2"));
    cr_assert_not_null(strstr(text, "level=error proc=p event=shown_too a=3"));
    cr_assert_not_null(strstr(text, "level=debug proc=p event=debug_shown a=4"));
}

static void s_newlines(void)
{
    hc_log_init("p");
    hc_log_warn("evil", "name=%s", "a\nts=forged level=error\r");
    char big[10000];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    hc_log_info("big", "v=%s", big);
}

Test(log, peer_text_cannot_split_or_overflow_a_line)
{
    char *text = s_capture(s_newlines);
    char *first = strchr(text, '\n');
    cr_assert_not_null(first);
    cr_assert_not_null(strstr(text, "name=a ts=forged level=error\n"), "%s", text);
    char *second = strchr(first + 1, '\n');
    cr_assert_not_null(second);
    cr_assert_eq(second[1], '\0');
    cr_assert_lt(second - first, 4200);
}

Test(log, quote)
{
    char buf[64];
    cr_assert_str_eq(hc_log_quote("a b", buf, sizeof buf), "\"a b\"");
    cr_assert_str_eq(hc_log_quote("say \"hi\"\\", buf, sizeof buf), "\"say \\\"hi\\\"\\\\\"");
    cr_assert_str_eq(hc_log_quote("x\ny", buf, sizeof buf), "\"x\\x0ay\"");
    cr_assert_str_eq(hc_log_quote(NULL, buf, sizeof buf), "\"\"");
    char small[6];
    cr_assert_str_eq(hc_log_quote("abcdefgh", small, sizeof small), "\"abc\"");
    cr_assert_str_eq(hc_log_quote("abc", small, 2), "");
}
