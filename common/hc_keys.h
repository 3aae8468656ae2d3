/* hc_keys: CurveZMQ key pairs as CZMQ certificate files. A node's pair is
   DIR/node.pub (public, to hand to central) and DIR/node.key (both keys,
   mode 0600); `hcapctl keygen` writes the same two files for an operator. */
#ifndef HC_KEYS_H
#define HC_KEYS_H

#include <czmq.h>
#include "hc_error.h"

/* Writes a new key pair to pub_path and key_path, the secret one mode
   0600, with metadata name = name. Refuses (HC_ALREADY_EXISTS, field
   naming the path) to replace either file. HC_OK or HC_INTERNAL. */
int hc_keys_create(const char *pub_path, const char *key_path, const char *name, hc_error *err);

/* At a node's first start: DIR/node.pub and DIR/node.key, created when
   node.key is missing (name = node_id). An existing pair is kept; a
   missing node.pub is written again from node.key. */
int hc_keys_ensure_node(const char *dir, const char *node_id, hc_error *err);

/* The certificate with both keys from a secret key file (node.key); NULL
   + err (HC_NOT_FOUND or HC_INVALID_ARGUMENT naming path) when the file is
   missing or holds no secret key. */
zcert_t *hc_keys_load_secret(const char *path, hc_error *err);

/* The certificate of a public key file (central.pub, DIR/nodes/ID.pub);
   NULL + err naming path when missing or not a CURVE certificate. */
zcert_t *hc_keys_load_public(const char *path, hc_error *err);

#endif
