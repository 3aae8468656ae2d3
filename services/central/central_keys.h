/* central_keys: the hub's allow-list, the CURVE public keys filed as
   DIR/nodes/<node-id>.pub (docs/federation.md). The directory is looked at
   again on every question and read again whenever it changed, so adding or
   removing a file takes effect without a restart. */
#ifndef CENTRAL_KEYS_H
#define CENTRAL_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CEN_KEY_SIZE 32 /* a CURVE public key */
#define CEN_KEY_TEXT 41 /* its Z85 text + NUL */

typedef struct _cen_keys cen_keys;

/* An allow-list read from dir (which may not exist yet: then it allows no
   one). Never NULL (aborts on out-of-memory like CZMQ's constructors). */
cen_keys *cen_keys_new(const char *dir);

/* Frees the list; accepts NULL, nulls *self_p. */
void cen_keys_destroy(cen_keys **self_p);

/* The directory the list is read from. */
const char *cen_keys_dir(cen_keys *self);

/* Reads the directory again when it changed since the last read: its
   mtime, or any *.pub file's name, size, inode, mtime or ctime (a time too
   recent to tell two writes apart makes the next call read again). A file
   that is not a CURVE certificate is skipped with a warning. Logs
   keys_reloaded when the list changed. */
void cen_keys_refresh(cen_keys *self);

/* After a refresh: the node id whose file holds key (CEN_KEY_SIZE bytes),
   or NULL. When two files hold the same key, the first id in order. */
const char *cen_keys_node_of(cen_keys *self, const uint8_t *key);

/* After a refresh: true when node has a key file and, when key_text is
   not NULL, that file holds the key of that Z85 text. */
bool cen_keys_allows(cen_keys *self, const char *node, const char *key_text);

/* The allow-list as read last: how many nodes, and the id of each, in
   strcmp order (index < cen_keys_size). */
size_t cen_keys_size(cen_keys *self);
const char *cen_keys_id(cen_keys *self, size_t index);

#endif
