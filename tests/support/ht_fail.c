/* ht_fail: a failed assertion ends a test before it frees what it holds;
   LeakSanitizer would then add a report of those leftovers to the real
   failure. Failing tests skip the leak check; passing ones keep it. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>

static volatile bool s_failed;

/* LeakSanitizer asks this before its check at exit. */
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void)
{
    return s_failed;
}

/* Criterion's asserts end a failing test through this function; this
   definition in the test binary comes first, notes the failure and passes
   on to Criterion's own. */
void criterion_abort_test(void)
{
    s_failed = true;
    void (*next)(void) = (void (*)(void))dlsym(RTLD_NEXT, "criterion_abort_test");
    if (next)
        next();
    abort();
}
