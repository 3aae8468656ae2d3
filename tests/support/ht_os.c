/* ht_os: temporary directories, files, free ports, process lookup through
   /proc and bounded waits for the integration tests. */
#include "ht_os.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

char *ht_tempdir(void)
{
    char templ[] = "/tmp/ht-XXXXXX";
    if (!mkdtemp(templ))
        return NULL;
    return strdup(templ);
}

static int s_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

int ht_rmtree(const char *path)
{
    if (!path)
        return 0;
    nftw(path, s_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    struct stat st;
    return stat(path, &st) == 0 ? -1 : 0;
}

int ht_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

char *ht_read_file(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap)
            buf = realloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = 0;
    if (size)
        *size = len;
    return buf;
}

int ht_write_file(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        size -= (size_t)n;
    }
    close(fd);
    return size == 0 ? 0 : -1;
}

/* Reads /proc/PID/cmdline with NULs turned into spaces after argv[0];
 *argv0_end is the length of argv[0]. NULL when the process is gone. */
static char *s_cmdline(pid_t pid, size_t *argv0_len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    size_t size = 0;
    char *text = ht_read_file(path, &size);
    if (!text)
        return NULL;
    *argv0_len = strlen(text);
    for (size_t i = 0; i < size; i++)
        if (text[i] == 0)
            text[i] = ' ';
    return text;
}

static bool s_program_is(const char *cmdline, size_t argv0_len, const char *name)
{
    const char *base = cmdline;
    for (size_t i = 0; i < argv0_len; i++)
        if (cmdline[i] == '/')
            base = cmdline + i + 1;
    size_t len = (size_t)(cmdline + argv0_len - base);
    return len == strlen(name) && strncmp(base, name, len) == 0;
}

int ht_find_pids(const char *name, const char *needle, pid_t *out, int max)
{
    DIR *proc = opendir("/proc");
    if (!proc)
        return 0;
    int found = 0;
    struct dirent *entry;
    while (found < max && (entry = readdir(proc)) != NULL) {
        pid_t pid = (pid_t)atoi(entry->d_name);
        if (pid <= 0 || pid == getpid() || !ht_pid_alive(pid))
            continue;
        size_t argv0_len = 0;
        char *cmdline = s_cmdline(pid, &argv0_len);
        if (!cmdline)
            continue;
        bool match = (!name || s_program_is(cmdline, argv0_len, name)) &&
                     (!needle || strstr(cmdline, needle));
        free(cmdline);
        if (match)
            out[found++] = pid;
    }
    closedir(proc);
    return found;
}

pid_t ht_find_pid(const char *name, const char *needle)
{
    pid_t pid = 0;
    return ht_find_pids(name, needle, &pid, 1) == 1 ? pid : 0;
}

char *ht_proc_cmdline(pid_t pid)
{
    size_t argv0_len = 0;
    return s_cmdline(pid, &argv0_len);
}

int ht_kill_matching(const char *needle)
{
    pid_t pids[64];
    int count = ht_find_pids(NULL, needle, pids, 64);
    for (int i = 0; i < count; i++)
        if (pids[i] != getppid())
            kill(pids[i], SIGKILL);
    return count;
}

bool ht_pid_alive(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    char *stat = ht_read_file(path, NULL);
    if (!stat)
        return false;
    const char *paren = strrchr(stat, ')');
    bool alive = paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
    free(stat);
    return alive;
}

int64_t ht_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ht_sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int ht_wait_pid(pid_t pid, int timeout_ms)
{
    int64_t deadline = ht_now_ms() + timeout_ms;
    for (;;) {
        int status = 0;
        pid_t rc = waitpid(pid, &status, WNOHANG);
        if (rc == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (rc < 0 && errno != EINTR)
            return -1;
        if (ht_now_ms() >= deadline)
            return -1;
        ht_sleep_ms(10);
    }
}

pid_t ht_flock_holder(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return 0;
    char *locks = ht_read_file("/proc/locks", NULL);
    if (!locks)
        return 0;
    pid_t holder = 0;
    for (char *line = strtok(locks, "\n"); line && !holder; line = strtok(NULL, "\n")) {
        char kind[16], mode[16];
        int pid = 0;
        unsigned maj = 0, min = 0;
        unsigned long inode = 0;
        /* "1: FLOCK  ADVISORY  WRITE 123 fe:00:5537987 0 EOF"; a waiter's
           line has "->" after the number and does not parse */
        if (sscanf(line, "%*d: %15s %*s %15s %d %x:%x:%lu", kind, mode, &pid, &maj, &min, &inode) ==
                6 &&
            strcmp(kind, "FLOCK") == 0 && inode == (unsigned long)st.st_ino &&
            maj == major(st.st_dev) && min == minor(st.st_dev))
            holder = (pid_t)pid;
    }
    free(locks);
    return holder;
}

int64_t ht_proc_wchar(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    char *io = ht_read_file(path, NULL);
    const char *at = io ? strstr(io, "wchar:") : NULL;
    int64_t wchar = at ? strtoll(at + 6, NULL, 10) : -1;
    free(io);
    return wchar;
}

int ht_proc_end(pid_t pid, int sig, int timeout_ms)
{
    if (pid <= 0)
        return -1;
    kill(pid, sig);
    kill(pid, SIGCONT); /* a stopped process takes sig only once it runs */
    int code = ht_wait_pid(pid, timeout_ms);
    if (code < 0) {
        kill(pid, SIGKILL);
        code = ht_wait_pid(pid, 10000);
    }
    return code;
}
