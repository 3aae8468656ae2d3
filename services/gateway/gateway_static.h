/* gateway_static: the dashboard's files (web/), embedded in the gateway at
   build time and served without a token: "/" is index.html, every other
   file is /assets/<name>. */
#ifndef GATEWAY_STATIC_H
#define GATEWAY_STATIC_H

#include <stddef.h>

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

/* Headers every dashboard reply carries, NULL-terminated name/value pairs:
   a Content-Security-Policy that allows only the node's own scripts,
   styles and API, no framing and no sniffing. */
extern const char *const gw_static_headers[];

#endif
