/* The embedded dashboard: lookup by name only, and every file index.html
   and the scripts ask for is compiled in. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "gateway_static.h"

Test(gateway_static, index_is_html_and_names_are_never_paths)
{
    const gw_asset *index = gw_static_find("index.html");
    cr_assert_not_null(index);
    cr_assert(strncmp(index->content_type, "text/html", 9) == 0);
    cr_assert_gt(index->size, 0);
    cr_assert_eq(index->etag[0], '"');
    const char *odd[] = {
        "",           "..",          "../index.html", "/index.html", "./index.html",
        "INDEX.HTML", "index.html/", "index.html\n"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        cr_assert_null(gw_static_find(odd[i]), "%s", odd[i]);
    cr_assert_null(gw_static_find(NULL));
}

/* Each "/assets/NAME" written in a text asset must be an embedded file:
   a renamed script cannot leave the page half loaded. */
Test(gateway_static, every_referenced_asset_is_embedded)
{
    size_t checked = 0;
    for (const gw_asset *a = gw_web_assets; a->name; a++) {
        if (strncmp(a->content_type, "text/", 5) != 0)
            continue;
        const char *text = (const char *)a->data, *end = text + a->size;
        for (const char *p = text; p && p < end; p++) {
            p = memmem(p, (size_t)(end - p), "/assets/", 8);
            if (!p)
                break;
            const char *name = p + 8, *q = name;
            while (q < end && (isalnum((unsigned char)*q) || strchr("._-", *q)))
                q++;
            if (q == name)
                continue;
            char wanted[128];
            snprintf(wanted, sizeof wanted, "%.*s", (int)(q - name), name);
            cr_assert_not_null(gw_static_find(wanted), "%s refers to missing %s", a->name, wanted);
            checked++;
        }
    }
    cr_assert_geq(checked, 2, "index.html loads its script and its styles");
}
