/* gateway_static: the dashboard's files (web/), embedded in the gateway at
   build time and served without a token: "/" is index.html, every other
   file is /assets/<name>. */
#ifndef GATEWAY_STATIC_H
#define GATEWAY_STATIC_H

#include <stddef.h>
#include <microhttpd.h>

typedef struct {
    const char *name;         /* "app.js" */
    const char *content_type; /* "text/javascript; charset=utf-8" */
    const unsigned char *data;
    size_t size;
    const char *etag; /* quoted SHA-1 of the content */
} gw_asset;

/* The embedded files, ending with an all-NULL entry (generated). */
extern const gw_asset gw_web_assets[];

/* The asset named name ("index.html", "app.js"), or NULL when there is
   none (any bytes, including "", "..", "a/b": never a path on disk). */
const gw_asset *gw_static_find(const char *name);

/* Queues asset on conn: 200 with the file, or 304 when the request's
   If-None-Match holds its ETag; either way with its ETag and a
   Content-Security-Policy that allows only the node's own scripts, styles
   and API, no framing and no sniffing. Sets *status; MHD_YES when queued,
   MHD_NO otherwise (out of memory: MHD closes the connection). */
enum MHD_Result gw_static_send(struct MHD_Connection *conn, const gw_asset *asset,
                               unsigned *status);

#endif
