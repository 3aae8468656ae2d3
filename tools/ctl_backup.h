/* ctl_backup: `hcapctl backup DIR` (online) and `hcapctl restore DIR`
   (offline) of a node's data directory (docs/backup.md), and what the two
   share: the stores and files a backup holds, the manifest's format, and
   file copies with their sha256. */
#ifndef CTL_BACKUP_H
#define CTL_BACKUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "hc_error.h"

#define CTL_BACKUP_FORMAT   "hcap-backup" /* manifest.json "format" */
#define CTL_BACKUP_VERSION  1             /* manifest.json "version" */
#define CTL_BACKUP_MANIFEST "manifest.json"
#define CTL_SHA256_HEX      65 /* a sha256 as hex text, with its NUL */

/* The primary stores a node may hold, as DIR/<name>.db, in the order a
   backup pins their snapshots: followers before the logs they follow, so
   no follower's copy is ahead of its producer's. NULL-terminated. Read
   replicas' stores are not among them: they are rebuilt from their
   primary's log. */
extern const char *const ctl_backup_stores[];

/* The node's files beside its stores, NULL-terminated; secret ones are
   copied (and restored) with mode 0600. DIR/nodes/ *.pub (a central
   node's allow-list) come too. */
typedef struct {
    const char *name;
    bool secret;
} ctl_backup_file;
extern const ctl_backup_file ctl_backup_files[];

/* `hcapctl [--node NODEDIR] backup DIR [--config FILE]`: copies every
   primary store of node_dir (with SQLite's backup API, online: writers go
   on), the key files and config_path (may be NULL) into dir (created
   0700; it must be new or empty), then writes dir/manifest.json last,
   atomically. Prints a summary to out. Returns 0, or 1 after printing
   the error on stderr, with whatever it wrote removed (never a
   manifest). */
int ctl_backup(const char *node_dir, const char *dir, const char *config_path, FILE *out);

/* `hcapctl [--node NODEDIR] restore DIR`, offline: refuses while a
   process of node_dir holds its node or store lock, while node_dir holds
   stores, or when a file of the backup does not match the manifest (all
   checked before anything is written); then copies the stores and files
   into node_dir (created 0700 when missing) and gives each restored log
   a new epoch. Prints the old -> new epochs to out. Returns 0, or 1
   after printing the error on stderr (what it wrote removed). */
int ctl_restore(const char *node_dir, const char *dir, FILE *out);

/* The sha256 (hex) and size of the file at path. HC_OK, HC_NOT_FOUND or
   HC_INTERNAL (err names the path). */
int ctl_sha256_file(const char *path, char hex[CTL_SHA256_HEX], uint64_t *size, hc_error *err);

/* Copies from to a new file to (never replacing one) with mode, synced
   to disk, filling the sha256 and size of what was copied. HC_OK, or an
   error naming the path (to removed). */
int ctl_copy_file(const char *from, const char *to, mode_t mode, char hex[CTL_SHA256_HEX],
                  uint64_t *size, hc_error *err);

/* Syncs the directory at path (a rename in it is then durable). 0 or -1. */
int ctl_sync_dir(const char *path);

#endif
