/* ht_proxy: a recording TCP relay for tests: listens on a free loopback
   port, relays every connection to 127.0.0.1:target and keeps a copy of
   every byte that passed, in either direction, to search afterwards. */
#ifndef HT_PROXY_H
#define HT_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _ht_proxy ht_proxy;

/* Starts the relay thread toward 127.0.0.1:target_port. A connection the
   target refuses (it is down) is closed, as the target would. NULL on
   failure. */
ht_proxy *ht_proxy_start(int target_port);

/* The port it listens on (127.0.0.1). */
int ht_proxy_port(const ht_proxy *self);

/* Bytes relayed so far (both directions) and connections accepted. */
size_t ht_proxy_bytes(ht_proxy *self);
unsigned ht_proxy_connections(ht_proxy *self);

/* True when needle's bytes occur in what was relayed in one direction
   of one connection. */
bool ht_proxy_holds(ht_proxy *self, const char *needle);

/* hold: from now on nothing the target sends is read or passed on (it
   waits in the kernel's buffers) while the client's bytes still flow:
   requests arrive, their answers do not. false: everything flows again.
   Returns once the relay works the new way. */
void ht_proxy_hold_replies(ht_proxy *self, bool hold);

/* Stops the thread, closes every socket, frees; accepts NULL, nulls
 *self_p. */
void ht_proxy_destroy(ht_proxy **self_p);

#endif
