/* Tests for hc_error: the error record, code names and HTTP statuses. */
#include "hc_error.h"
#include <criterion/criterion.h>
#include <string.h>

Test(error, set_fills_every_part_and_returns_code)
{
    hc_error err;
    hc_error_clear(&err);
    int rc = hc_error_set(&err, HC_NOT_FOUND, "worker_id", "no worker %s", "wkr_1");
    cr_assert_eq(rc, HC_NOT_FOUND);
    cr_assert_eq(err.code, HC_NOT_FOUND);
    cr_assert_str_eq(err.field, "worker_id");
    cr_assert_str_eq(err.message, "no worker wkr_1");
}

Test(error, null_err_and_null_field_are_allowed)
{
    cr_assert_eq(hc_error_set(NULL, HC_INTERNAL, "x", "boom"), HC_INTERNAL);
    hc_error err;
    hc_error_set(&err, HC_INTERNAL, NULL, "boom %d", 7);
    cr_assert_str_eq(err.field, "");
    cr_assert_str_eq(err.message, "boom 7");
    hc_error_clear(NULL);
}

Test(error, clear_resets)
{
    hc_error err;
    hc_error_set(&err, HC_ABORTED, "f", "m");
    hc_error_clear(&err);
    cr_assert_eq(err.code, HC_OK);
    cr_assert_str_eq(err.field, "");
    cr_assert_str_eq(err.message, "");
}

Test(error, long_texts_are_truncated_not_overflowed)
{
    char big[2000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    hc_error err;
    hc_error_set(&err, HC_INVALID_ARGUMENT, big, "%s", big);
    cr_assert_eq(strlen(err.field), sizeof err.field - 1);
    cr_assert_eq(strlen(err.message), sizeof err.message - 1);
}

Test(error, code_names)
{
    cr_assert_str_eq(hc_code_name(HC_OK), "ok");
    cr_assert_str_eq(hc_code_name(HC_INVALID_ARGUMENT), "invalid_argument");
    cr_assert_str_eq(hc_code_name(HC_FAILED_PRECONDITION), "failed_precondition");
    cr_assert_str_eq(hc_code_name(HC_UNAUTHENTICATED), "unauthenticated");
    cr_assert_str_eq(hc_code_name(HC_DEADLINE_EXCEEDED), "deadline_exceeded");
    cr_assert_str_eq(hc_code_name(-1), "unknown");
    cr_assert_str_eq(hc_code_name(17), "unknown");
}

Test(error, http_statuses_follow_the_api)
{
    cr_assert_eq(hc_code_http(HC_OK), 200);
    cr_assert_eq(hc_code_http(HC_INVALID_ARGUMENT), 400);
    cr_assert_eq(hc_code_http(HC_UNAUTHENTICATED), 401);
    cr_assert_eq(hc_code_http(HC_PERMISSION_DENIED), 403);
    cr_assert_eq(hc_code_http(HC_NOT_FOUND), 404);
    cr_assert_eq(hc_code_http(HC_ALREADY_EXISTS), 409);
    cr_assert_eq(hc_code_http(HC_FAILED_PRECONDITION), 409);
    cr_assert_eq(hc_code_http(HC_RESOURCE_EXHAUSTED), 413);
    cr_assert_eq(hc_code_http(HC_UNAVAILABLE), 503);
    cr_assert_eq(hc_code_http(HC_DEADLINE_EXCEEDED), 504);
    cr_assert_eq(hc_code_http(HC_INTERNAL), 500);
    cr_assert_eq(hc_code_http(HC_DATA_LOSS), 500);
    cr_assert_eq(hc_code_http(99), 500);
}
