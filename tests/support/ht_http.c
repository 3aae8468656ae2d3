/* ht_http: one HTTP/1.1 exchange per connection over a plain loopback socket,
   sending and reading at once (a server may answer 413 before the body is
   through), and the JSON helpers the integration tests use. */
#include "ht_http.h"
#include "ht_os.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
    char *data;
    size_t len, cap;
} s_buf;

static void s_buf_add(s_buf *buf, const void *data, size_t len)
{
    if (buf->len + len + 1 > buf->cap) {
        buf->cap = (buf->len + len + 1) * 2;
        buf->data = realloc(buf->data, buf->cap);
    }
    memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = 0;
}

static void s_buf_printf(s_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_buf_printf(s_buf *buf, const char *fmt, ...)
{
    char line[1024];
    va_list args;
    va_start(args, fmt);
    int len = vsnprintf(line, sizeof line, fmt, args);
    va_end(args);
    if (len > 0)
        s_buf_add(buf, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1);
}

static int s_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void s_build_request(const ht_node *node, const ht_req *req, size_t body_len, s_buf *out)
{
    s_buf_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", req->method, req->path,
                 node->http);
    if (req->token)
        s_buf_printf(out, "Authorization: Bearer %s\r\n", req->token);
    if (req->idempotency_key)
        s_buf_printf(out, "Idempotency-Key: %s\r\n", req->idempotency_key);
    if (req->accept)
        s_buf_printf(out, "Accept: %s\r\n", req->accept);
    if (req->extra_header)
        s_buf_printf(out, "%s\r\n", req->extra_header);
    if (req->body) {
        s_buf_printf(out, "Content-Type: %s\r\n",
                     req->content_type ? req->content_type : "application/json");
        s_buf_printf(out, "Content-Length: %zu\r\n", body_len);
    } else if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PATCH") == 0)
        s_buf_printf(out, "Content-Length: 0\r\n");
    s_buf_printf(out, "\r\n");
    if (req->body)
        s_buf_add(out, req->body, body_len);
}

/* Content-Length of a complete header block, or -1 when there is none. */
static long s_content_length(const char *head)
{
    char value[32];
    ht_resp resp = {.head = (char *)head};
    if (!ht_resp_header(&resp, "Content-Length", value, sizeof value))
        return -1;
    return atol(value);
}

/* True once in holds a whole response whose length is known. */
static bool s_complete(const s_buf *in)
{
    if (!in->data)
        return false;
    char *end = strstr(in->data, "\r\n\r\n");
    if (!end)
        return false;
    *end = 0;
    long length = s_content_length(in->data);
    *end = '\r';
    return length >= 0 && in->len >= (size_t)(end + 4 - in->data) + (size_t)length;
}

/* Sends out while reading into in, until the response is complete, the
   peer closes, or the deadline passes. */
static void s_exchange(int fd, const s_buf *out, s_buf *in, int64_t deadline)
{
    size_t sent = 0;
    bool can_send = true;
    char chunk[16384];
    while (ht_now_ms() < deadline && !s_complete(in)) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (can_send && sent < out->len)
            pfd.events |= POLLOUT;
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = recv(fd, chunk, sizeof chunk, 0);
            if (n > 0)
                s_buf_add(in, chunk, (size_t)n);
            else if (n == 0 || (errno != EINTR && errno != EAGAIN))
                return;
        }
        if ((pfd.revents & POLLOUT) && can_send) {
            ssize_t n = send(fd, out->data + sent, out->len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EINTR && errno != EAGAIN)
                can_send = false;
        }
    }
}

/* Decodes a chunked body in place; returns its length. */
static size_t s_dechunk(char *body, size_t len)
{
    size_t in = 0, out = 0;
    while (in < len) {
        char *end;
        unsigned long size = strtoul(body + in, &end, 16);
        char *line_end = strstr(body + in, "\r\n");
        if (!line_end || size == 0 || end == body + in)
            break;
        in = (size_t)(line_end - body) + 2;
        if (in + size > len)
            size = len - in;
        memmove(body + out, body + in, size);
        out += size;
        in += size + 2;
    }
    body[out] = 0;
    return out;
}

static void s_parse(s_buf *in, ht_resp *resp)
{
    char *end = in->data ? strstr(in->data, "\r\n\r\n") : NULL;
    if (!end || sscanf(in->data, "HTTP/1.%*d %d", &resp->status) != 1) {
        resp->status = 0;
        return;
    }
    *end = 0;
    resp->head = strdup(in->data);
    size_t offset = (size_t)(end + 4 - in->data);
    resp->body_len = in->len - offset;
    resp->body = malloc(resp->body_len + 1);
    memcpy(resp->body, in->data + offset, resp->body_len);
    resp->body[resp->body_len] = 0;
    char value[64];
    if (ht_resp_header(resp, "Transfer-Encoding", value, sizeof value) &&
        strcasestr(value, "chunked"))
        resp->body_len = s_dechunk(resp->body, resp->body_len);
    long length = s_content_length(resp->head);
    if (length >= 0 && (size_t)length < resp->body_len)
        resp->body_len = (size_t)length;
    resp->body[resp->body_len] = 0;
    if (resp->body_len > 0)
        resp->json = json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY, NULL);
}

int ht_http(const ht_node *node, const ht_req *req, ht_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    size_t body_len = req->body ? (req->body_len ? req->body_len : strlen(req->body)) : 0;
    int64_t deadline = ht_now_ms() + (req->timeout_ms > 0 ? req->timeout_ms : 30000);
    int fd = s_connect(node->port);
    if (fd < 0)
        return 0;
    s_buf out = {0}, in = {0};
    s_build_request(node, req, body_len, &out);
    s_exchange(fd, &out, &in, deadline);
    close(fd);
    s_parse(&in, resp);
    free(out.data);
    free(in.data);
    if (!resp->head) {
        resp->head = strdup("");
        resp->body = strdup("");
    }
    return resp->status;
}

typedef struct {
    const ht_node *node;
    const ht_req *req;
    ht_resp *resp;
} s_job;

static void *s_job_run(void *arg)
{
    s_job *job = arg;
    ht_http(job->node, job->req, job->resp);
    return NULL;
}

void ht_http_parallel(const ht_node *node, const ht_req *reqs, ht_resp *resps, int n)
{
    pthread_t *threads = calloc((size_t)n, sizeof *threads);
    bool *started = calloc((size_t)n, sizeof *started);
    s_job *jobs = calloc((size_t)n, sizeof *jobs);
    for (int i = 0; i < n; i++) {
        jobs[i] = (s_job){node, &reqs[i], &resps[i]};
        started[i] = pthread_create(&threads[i], NULL, s_job_run, &jobs[i]) == 0;
        if (!started[i])
            s_job_run(&jobs[i]);
    }
    for (int i = 0; i < n; i++)
        if (started[i])
            pthread_join(threads[i], NULL);
    free(jobs);
    free(started);
    free(threads);
}

void ht_resp_free(ht_resp *resp)
{
    free(resp->head);
    free(resp->body);
    json_decref(resp->json);
    memset(resp, 0, sizeof *resp);
}

const char *ht_resp_header(const ht_resp *resp, const char *name, char *buf, size_t size)
{
    size_t name_len = strlen(name);
    const char *line = resp->head ? strstr(resp->head, "\r\n") : NULL;
    while (line) {
        line += 2;
        const char *next = strstr(line, "\r\n");
        size_t len = next ? (size_t)(next - line) : strlen(line);
        if (len > name_len && line[name_len] == ':' && strncasecmp(line, name, name_len) == 0) {
            const char *value = line + name_len + 1;
            while (*value == ' ' || *value == '\t')
                value++;
            size_t value_len = len - (size_t)(value - line);
            if (value_len >= size)
                value_len = size - 1;
            memcpy(buf, value, value_len);
            buf[value_len] = 0;
            return buf;
        }
        line = next;
    }
    return NULL;
}

char *ht_urlencode(const char *text)
{
    char *out = malloc(strlen(text) * 3 + 1), *at = out;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-_.~", *c))
            *at++ = (char)*c;
        else
            at += sprintf(at, "%%%02X", *c);
    }
    *at = 0;
    return out;
}

int ht_json_call(const ht_node *node, const char *method, const char *path, const char *token,
                 const char *json_text, json_t **out)
{
    ht_req req = {.method = method, .path = path, .token = token, .body = json_text};
    ht_resp resp;
    int status = ht_http(node, &req, &resp);
    if (out) {
        *out = resp.json;
        resp.json = NULL;
    }
    ht_resp_free(&resp);
    return status;
}

int ht_json_get(const ht_node *node, const char *path, json_t **out)
{
    return ht_json_call(node, "GET", path, node->token, NULL, out);
}

int ht_json_post(const ht_node *node, const char *path, const char *json_text, json_t **out)
{
    return ht_json_call(node, "POST", path, node->token, json_text, out);
}

int ht_json_patch(const ht_node *node, const char *path, const char *json_text, json_t **out)
{
    return ht_json_call(node, "PATCH", path, node->token, json_text, out);
}

int ht_json_delete(const ht_node *node, const char *path, json_t **out)
{
    return ht_json_call(node, "DELETE", path, node->token, NULL, out);
}

char *ht_create(const ht_node *node, const char *path, const char *fmt, ...)
{
    char text[8192];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    json_t *reply = NULL;
    int status = ht_json_post(node, path, text, &reply);
    const char *id = ht_jstr(reply, "id");
    cr_assert(status == 201 && id, "POST %s %s -> %d %s", path, text, status, ht_jtext(reply));
    char *copy = strdup(id);
    json_decref(reply);
    return copy;
}

json_t *ht_expect(const ht_node *node, int want, const char *method, const char *path,
                  const char *body)
{
    json_t *reply = NULL;
    int status = ht_json_call(node, method, path, node->token, body, &reply);
    cr_assert(status == want, "%s %s %s -> %d (want %d) %s", method, path, body ? body : "", status,
              want, ht_jtext(reply));
    return reply;
}

void ht_assert_error(const char *what, int status, json_t *reply, int want_status,
                     const char *want_code, const char *want_field)
{
    cr_assert(status == want_status, "%s -> %d, want %d: %s", what, status, want_status,
              ht_jtext(reply));
    const char *code = ht_jstr(reply, "error.code");
    const char *message = ht_jstr(reply, "error.message");
    json_t *field = ht_jget(reply, "error.field");
    cr_assert(code && message && *message && json_object_size(reply) == 1,
              "%s: error body must be {\"error\":{code,message,field}}: %s", what, ht_jtext(reply));
    cr_assert(json_is_string(field) || json_is_null(field), "%s: error.field missing: %s", what,
              ht_jtext(reply));
    if (want_code)
        cr_assert_str_eq(code, want_code, "%s: code %s, want %s", what, code, want_code);
    if (!want_field)
        return;
    const char *got = json_string_value(field);
    size_t len = strlen(want_field);
    bool prefix = len > 0 && want_field[len - 1] == '*';
    cr_assert(got &&
                  (prefix ? strncmp(got, want_field, len - 1) == 0 : strcmp(got, want_field) == 0),
              "%s: field %s, want %s (%s)", what, got ? got : "null", want_field, ht_jtext(reply));
}

static json_t *s_jget(json_t *root, const char *fmt, va_list args)
{
    char path[512];
    vsnprintf(path, sizeof path, fmt, args);
    json_t *at = root;
    char *save = NULL;
    for (char *part = strtok_r(path, ".", &save); at && part; part = strtok_r(NULL, ".", &save)) {
        if (json_is_array(at)) {
            char *end;
            long index = strtol(part, &end, 10);
            at = *end ? NULL : json_array_get(at, (size_t)index);
        } else
            at = json_is_object(at) ? json_object_get(at, part) : NULL;
    }
    return at;
}

json_t *ht_jget(json_t *root, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    json_t *at = s_jget(root, fmt, args);
    va_end(args);
    return at;
}

const char *ht_jstr(json_t *root, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    json_t *at = s_jget(root, fmt, args);
    va_end(args);
    return json_is_string(at) ? json_string_value(at) : NULL;
}

json_int_t ht_jint(json_t *root, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    json_t *at = s_jget(root, fmt, args);
    va_end(args);
    return json_is_integer(at) ? json_integer_value(at) : HT_JNONE;
}

long ht_jlen(json_t *root, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    json_t *at = s_jget(root, fmt, args);
    va_end(args);
    return json_is_array(at) ? (long)json_array_size(at) : -1;
}

const char *ht_jtext(const json_t *json)
{
    static __thread char text[3001];
    if (!json)
        return "(null)";
    char *dump = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(text, sizeof text, "%s", dump ? dump : "(unprintable)");
    free(dump);
    return text;
}
