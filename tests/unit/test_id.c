/* Tests for hc_id: id shape, ordering within one millisecond, hex, random. */
#include "hc_id.h"
#include <criterion/criterion.h>
#include <string.h>
#include <time.h>

static bool s_crockford(char c)
{
    return strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", c) != NULL && c != '\0';
}

Test(id, shape)
{
    char id[HC_ID_SIZE];
    hc_id_new("wkr", id);
    cr_assert_eq(strlen(id), 3 + 1 + 26);
    cr_assert_eq(strncmp(id, "wkr_", 4), 0);
    for (int i = 4; i < 30; i++)
        cr_assert(s_crockford(id[i]), "bad char %c in %s", id[i], id);
    cr_assert_leq(id[4], '7'); /* 48-bit time in 50 bits */
    hc_id_new("abcdefghijkl", id);
    cr_assert_eq(strlen(id), 12 + 1 + 26);
}

Test(id, ids_sort_in_creation_order_and_are_unique)
{
    enum { N = 20000 };
    static char ids[N][HC_ID_SIZE];
    for (int i = 0; i < N; i++)
        hc_id_new("enr", ids[i]);
    for (int i = 1; i < N; i++)
        cr_assert_lt(strcmp(ids[i - 1], ids[i]), 0, "%s !< %s", ids[i - 1], ids[i]);
}

Test(id, time_part_tracks_the_clock)
{
    char a[HC_ID_SIZE], b[HC_ID_SIZE];
    hc_id_new("x", a);
    struct timespec ts = {0, 5 * 1000000};
    nanosleep(&ts, NULL);
    hc_id_new("x", b);
    cr_assert_neq(strncmp(a + 2, b + 2, 10), 0, "time part did not move: %s %s", a, b);
}

Test(id, hex)
{
    unsigned char data[] = {0x00, 0x01, 0xab, 0xff};
    char out[9];
    hc_hex(data, sizeof data, out);
    cr_assert_str_eq(out, "0001abff");
    hc_hex(data, 0, out);
    cr_assert_str_eq(out, "");
}

Test(id, random_bytes_differ)
{
    unsigned char a[32], b[32];
    hc_random_bytes(a, sizeof a);
    hc_random_bytes(b, sizeof b);
    cr_assert_neq(memcmp(a, b, sizeof a), 0);
}
