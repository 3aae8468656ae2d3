/* Tests for hc_arena: alignment, zeroing, large blocks, reset, protobuf-c. */
#include "enrollment.pb-c.h"
#include "hc_arena.h"
#include "hcap.pb-c.h"
#include <criterion/criterion.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

static hc_arena *arena;

static void s_setup(void)
{
    arena = hc_arena_new();
}

static void s_teardown(void)
{
    hc_arena_destroy(&arena);
    cr_assert_null(arena);
}

TestSuite(arena, .init = s_setup, .fini = s_teardown);

Test(arena, blocks_are_zeroed_aligned_and_disjoint)
{
    unsigned char *prev = NULL;
    for (size_t size = 0; size < 3000; size += 7) {
        unsigned char *p = hc_arena_alloc(arena, size);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % alignof(max_align_t), 0);
        for (size_t i = 0; i < size; i++)
            cr_assert_eq(p[i], 0);
        memset(p, 0xAB, size);
        cr_assert_neq(p, prev);
        prev = p;
    }
}

Test(arena, large_blocks)
{
    char *small = hc_arena_strdup(arena, "before");
    char *big = hc_arena_alloc(arena, 1 << 20);
    cr_assert_not_null(big);
    memset(big, 1, 1 << 20);
    char *after = hc_arena_strdup(arena, "after");
    cr_assert_str_eq(small, "before");
    cr_assert_str_eq(after, "after");
    cr_assert_null(hc_arena_alloc(arena, SIZE_MAX));
    hc_arena_reset(arena);
    char *first = hc_arena_alloc(arena, 1 << 16); /* a big first block, then reset */
    cr_assert_not_null(first);
    hc_arena_reset(arena);
    cr_assert_str_eq(hc_arena_strdup(arena, "again"), "again");
}

Test(arena, strdup_and_printf)
{
    cr_assert_null(hc_arena_strdup(arena, NULL));
    cr_assert_str_eq(hc_arena_strdup(arena, ""), "");
    cr_assert_str_eq(hc_arena_printf(arena, "%s-%d", "wkr", 42), "wkr-42");
    char long_text[10000];
    memset(long_text, 'z', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    cr_assert_str_eq(hc_arena_printf(arena, "%s", long_text), long_text);
}

Test(arena, reset_gives_memory_again)
{
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 1000; i++) {
            char *p = hc_arena_alloc(arena, 100);
            cr_assert_eq(p[0], 0);
            p[0] = 1;
        }
        hc_arena_reset(arena);
    }
    hc_arena_destroy(&arena);
    hc_arena_destroy(&arena); /* NULL is fine */
    hc_arena_destroy(NULL);
}

Test(arena, message_has_defaults)
{
    Hcap__Worker *worker = (Hcap__Worker *)hc_arena_message(arena, &hcap__worker__descriptor);
    cr_assert_not_null(worker);
    cr_assert_eq(worker->base.descriptor, &hcap__worker__descriptor);
    cr_assert_eq(worker->n_race_ethnicity, 0);
    cr_assert_eq(worker->has_hourly_wage_cents, 0);
}

Test(arena, protobuf_unpacks_into_the_arena)
{
    Hcap__Worker worker = HCAP__WORKER__INIT;
    worker.id = "wkr_1";
    worker.given_name = "Luz";
    Hcap__RaceEthnicity races[] = {HCAP__RACE_ETHNICITY__RACE_ETHNICITY_ASIAN,
                                   HCAP__RACE_ETHNICITY__RACE_ETHNICITY_WHITE};
    worker.race_ethnicity = races;
    worker.n_race_ethnicity = 2;
    uint8_t buf[256];
    size_t len = hcap__worker__pack(&worker, buf);
    Hcap__Worker *copy = hcap__worker__unpack(hc_arena_allocator(arena), len, buf);
    cr_assert_not_null(copy);
    cr_assert_str_eq(copy->id, "wkr_1");
    cr_assert_str_eq(copy->given_name, "Luz");
    cr_assert_eq(copy->n_race_ethnicity, 2);
    cr_assert_eq(copy->race_ethnicity[1], HCAP__RACE_ETHNICITY__RACE_ETHNICITY_WHITE);
    hcap__worker__free_unpacked(copy, hc_arena_allocator(arena)); /* a no-op */
    cr_assert_null(hcap__worker__unpack(hc_arena_allocator(arena), 3, (uint8_t *)"\xff\xff\xff"));
}
