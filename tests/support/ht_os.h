/* ht_os: small operating-system helpers for integration tests: temporary
   directories, files, free loopback ports, finding processes, clocks. */
#ifndef HT_OS_H
#define HT_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A new directory /tmp/ht-XXXXXX (short, so ipc:// paths stay < 100 chars);
   malloc'd path, NULL on failure. */
char *ht_tempdir(void);

/* Removes path and everything under it; 0, or -1 when something stayed. */
int ht_rmtree(const char *path);

/* A TCP port on 127.0.0.1 that was free a moment ago; 0 on failure. */
int ht_free_port(void);

/* Whole file as a malloc'd NUL-terminated buffer (*size without the NUL,
   when size is not NULL); NULL when it cannot be read. */
char *ht_read_file(const char *path, size_t *size);

/* Writes size bytes to path (created 0644 or truncated); 0 or -1. */
int ht_write_file(const char *path, const void *data, size_t size);

/* Pids (at most max into out) of live processes whose program name (the
   base name of argv[0]) is name and whose command line contains needle
   (NULL: any). Returns how many were found. */
int ht_find_pids(const char *name, const char *needle, pid_t *out, int max);

/* The first pid ht_find_pids finds, or 0. */
pid_t ht_find_pid(const char *name, const char *needle);

/* The command line of pid with its arguments joined by spaces (and one
   after the last), malloc'd; NULL when the process is gone. */
char *ht_proc_cmdline(pid_t pid);

/* SIGKILLs every process whose command line contains needle (except this
   one and its ancestors); returns how many were signalled. */
int ht_kill_matching(const char *needle);

/* True while pid exists and is not a zombie. */
bool ht_pid_alive(pid_t pid);

/* Milliseconds of a monotonic clock. */
int64_t ht_now_ms(void);

void ht_sleep_ms(int ms);

/* Reaps pid, waiting at most timeout_ms. Returns its exit code, 128+signal
   when it was killed, or -1 when it did not end in time (it is left
   running) or is not our child. */
int ht_wait_pid(pid_t pid, int timeout_ms);

/* Pid of the process holding an flock(2) on path (from /proc/locks), or 0
   when none does or path does not exist. */
pid_t ht_flock_holder(const char *path);

/* Bytes pid has passed to write(2) and send(2) so far (wchar of
   /proc/PID/io), or -1 when it cannot be read. */
int64_t ht_proc_wchar(pid_t pid);

/* Sends sig to pid (our child) and reaps it within timeout_ms, then
   SIGKILL and reap. Returns as ht_wait_pid. */
int ht_proc_end(pid_t pid, int sig, int timeout_ms);

#endif
