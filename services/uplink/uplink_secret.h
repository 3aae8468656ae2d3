/* uplink_secret: the node's pseudonym key, DIR/uplink.secret: 32 random
   bytes made at the uplink's first start (docs/federation.md). */
#ifndef UPLINK_SECRET_H
#define UPLINK_SECRET_H

#include <stdint.h>
#include "hc_error.h"
#include "uplink_privacy.h"

/* Reads the secret at path into out, first writing 32 random bytes there
   (mode 0600) when the file does not exist. HC_OK;
   HC_FAILED_PRECONDITION naming path when the file holds anything but 32
   bytes (a new secret would make every worker a new one at central, so it
   is never replaced); HC_INTERNAL when it cannot be read or written. */
int upl_secret_load(const char *path, uint8_t out[UPL_SECRET_SIZE], hc_error *err);

#endif
