/* reporting_store: the read model's writes; the only SQL besides
   reporting_query.c. */
#include "reporting_store.h"

int rep_store_clear(hc_store *store, hc_error *err)
{
    return hc_store_exec(store,
                         "DELETE FROM facts; DELETE FROM apprentices; DELETE FROM programs;"
                         " DELETE FROM employers; DELETE FROM workers;",
                         err);
}
