/* Tests for hc_auth: token shape and randomness, hashes, roles. */
#include "hc_auth.h"
#include "hcap.pb-c.h"
#include <criterion/criterion.h>
#include <string.h>

Test(auth, token_shape)
{
    char a[HC_TOKEN_SIZE], b[HC_TOKEN_SIZE];
    hc_auth_token_new(a);
    hc_auth_token_new(b);
    cr_assert_eq(strlen(a), HC_TOKEN_SIZE - 1);
    cr_assert_eq(strncmp(a, "hct_", 4), 0);
    for (const char *p = a + 4; *p; p++)
        cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p),
                  "%c", *p);
    cr_assert_str_neq(a, b);
}

Test(auth, hash_is_blake2b_256_hex)
{
    char hash[HC_TOKEN_HASH_SIZE], again[HC_TOKEN_HASH_SIZE];
    hc_auth_token_hash("", hash);
    /* BLAKE2b-256 of the empty string */
    cr_assert_str_eq(hash, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
    hc_auth_token_hash("hct_abc", hash);
    hc_auth_token_hash("hct_abc", again);
    cr_assert_str_eq(hash, again);
    hc_auth_token_hash("hct_abd", again);
    cr_assert_str_neq(hash, again);
    cr_assert_eq(strlen(hash), 64);
}

Test(auth, roles)
{
    cr_assert_eq(hc_auth_role_parse("admin"), HCAP__ROLE__ROLE_ADMIN);
    cr_assert_eq(hc_auth_role_parse("staff"), HCAP__ROLE__ROLE_STAFF);
    cr_assert_eq(hc_auth_role_parse("mentor"), HCAP__ROLE__ROLE_MENTOR);
    cr_assert_eq(hc_auth_role_parse("analyst"), HCAP__ROLE__ROLE_ANALYST);
    cr_assert_eq(hc_auth_role_parse("Admin"), 0);
    cr_assert_eq(hc_auth_role_parse(""), 0);
    cr_assert_eq(hc_auth_role_parse(NULL), 0);
    cr_assert_str_eq(hc_auth_role_name(HCAP__ROLE__ROLE_MENTOR), "mentor");
    cr_assert_str_eq(hc_auth_role_name(0), "none");
    cr_assert_str_eq(hc_auth_role_name(42), "none");
}

Test(auth, role_bits)
{
    unsigned staff_or_admin = HC_ROLE_BIT_ADMIN | HC_ROLE_BIT_STAFF;
    cr_assert(hc_auth_role_allowed(HCAP__ROLE__ROLE_ADMIN, staff_or_admin));
    cr_assert(hc_auth_role_allowed(HCAP__ROLE__ROLE_STAFF, staff_or_admin));
    cr_assert_not(hc_auth_role_allowed(HCAP__ROLE__ROLE_ANALYST, staff_or_admin));
    cr_assert(hc_auth_role_allowed(HCAP__ROLE__ROLE_ANALYST, HC_ROLE_BIT_ANALYST));
    cr_assert(hc_auth_role_allowed(HCAP__ROLE__ROLE_MENTOR, HC_ROLE_BIT_MENTOR));
    cr_assert_not(hc_auth_role_allowed(0, 0xffffffffu));
    cr_assert_not(hc_auth_role_allowed(-1, 0xffffffffu));
    cr_assert_not(hc_auth_role_allowed(40, 0xffffffffu));
}
