/* gateway_static: lookup and sending of the embedded dashboard files. */
#include "gateway_static.h"

#include <stdbool.h>
#include <string.h>

static const char *const s_headers[] = {
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

enum MHD_Result gw_static_send(struct MHD_Connection *conn, const gw_asset *asset, unsigned *status)
{
    const char *held =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    bool fresh = held && strcmp(held, asset->etag) == 0;
    struct MHD_Response *response = MHD_create_response_from_buffer(
        fresh ? 0 : asset->size, fresh ? (char *)"" : (char *)asset->data, MHD_RESPMEM_PERSISTENT);
    if (!response)
        return MHD_NO;
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, asset->content_type);
    MHD_add_response_header(response, MHD_HTTP_HEADER_ETAG, asset->etag);
    for (const char *const *h = s_headers; *h; h += 2)
        MHD_add_response_header(response, h[0], h[1]);
    *status = fresh ? MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;
    enum MHD_Result rc = MHD_queue_response(conn, *status, response);
    MHD_destroy_response(response);
    return rc;
}
