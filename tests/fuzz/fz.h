/* fz: what the fuzz targets share: every service's descriptor, the message
   types they take and give, and the checks a decoded message must pass. */
#ifndef FZ_H
#define FZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* The service a client names ("enrollment", "gateway", ...), or NULL. */
const ProtobufCServiceDescriptor *fz_service(const char *name);

/* The method of service (NULL: the first service that has one), or NULL. */
const ProtobufCMethodDescriptor *fz_method(const char *service, const char *method);

/* Distinct message types: every method input of every service, then (when
   outputs) every output type not already listed. Sets *types to a static
   table and returns its length. */
size_t fz_types(bool outputs, const ProtobufCMessageDescriptor *const **types);

/* The type a target's input selects with its first byte. */
const ProtobufCMessageDescriptor *fz_pick(uint8_t selector, bool outputs);

/* The frames of the worker, client, event-log and federation protocols:
   sets *frames to a static table and returns its length. */
size_t fz_frames(const ProtobufCMessageDescriptor *const **frames);

/* False when msg or a message inside holds an unknown field numbered 0:
   protobuf-c 1.4 takes such a key written in two bytes (0x80 0x00) as an
   unknown field but refuses the one byte it packs it back as, so such a
   message does not decode again once repacked (the library's quirk). */
bool fz_repackable(const ProtobufCMessage *msg);

/* What receivers do next with a decoded message, each checked: rendered to
   JSON that parses back and renders the same once the walker takes it
   again; rendered to CSV that the reader parses; packed, unpacked and
   packed to the same bytes. A broken invariant aborts (a finding). */
void fz_exercise(const ProtobufCMessage *msg);

/* Reports a finding and aborts, so libFuzzer keeps the input. */
void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
