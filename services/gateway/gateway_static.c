/* gateway_static: lookup of the embedded dashboard files. */
#include "gateway_static.h"

#include <string.h>

const char *const gw_static_headers[] = {
    "Content-Security-Policy",
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options",
    "nosniff",
    "Referrer-Policy",
    "no-referrer",
    /* revalidate with the ETag: a new gateway build is seen at once */
    "Cache-Control",
    "no-cache",
    NULL,
};

const gw_asset *gw_static_find(const char *name)
{
    if (!name || !*name)
        return NULL;
    for (const gw_asset *asset = gw_web_assets; asset->name; asset++)
        if (strcmp(asset->name, name) == 0)
            return asset;
    return NULL;
}
