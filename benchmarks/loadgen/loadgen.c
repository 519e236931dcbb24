/* loadgen: the benchmarks' compiled load generator (one thread, epoll, non-blocking sockets).
 *
 * It opens N viewer connections to one server on loopback (SSE, WebSocket, or socket.io over
 * WebSocket), makes each join a room/hashtag, then publishes posts whose text carries a marker
 * "seq=<n>" (HTTP POST on keep-alive connections, or text frames on publisher WebSockets) and
 * records, for every message a viewer receives, (viewer, seq, CLOCK_MONOTONIC ns). Send times
 * are recorded by the same process with the same clock. At exit it writes two binary files that
 * the Python harness joins (PREFIX.sends, PREFIX.recvs) and prints one JSON summary line.
 *
 * Modes:
 *   fanout  connect, warm up, publish --posts at --rate per second, drain, report
 *   idle    connect, warm up, print READY, hold the connections until stdin closes
 *   resume  connect, warm up, drop every viewer, publish --away posts, print AWAY, wait for a
 *           line on stdin, then reconnect every viewer at once with its last seen id and time
 *           until each has received all it missed (then one live post, to show it is live)
 *   write   --pub-conns HTTP clients post back to back for --seconds (closed loop); with
 *           --viewers, those connect and warm up first and keep reading meanwhile (a loaded server)
 *
 * Warm-up: posts with seq >= WARM_BASE are sent to every room every 250 ms until every viewer
 * has received one, so measuring starts only once every subscription is known to be live.
 *
 * Build: gcc -O2 -o loadgen loadgen.c (the harness does this at run time).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WARM_BASE 1000000000LL
#define RBUF (256 * 1024)

enum { P_SSE, P_WS, P_SIO };
enum { M_FANOUT, M_IDLE, M_RESUME, M_WRITE };
enum { PUB_NONE, PUB_HTTP, PUB_WS, PUB_SIO };
enum { S_IDLE, S_CONNECTING, S_HANDSHAKE, S_OPEN, S_DEAD };
enum { CK_SIZE, CK_DATA, CK_CRLF };

typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

typedef struct conn {
    int fd, id, tag, state, is_pub, proto;
    buf_t in, body, out;
    size_t out_off;
    int chunked, ck_state;
    size_t ck_left;
    int sio_state; /* 0: wait engine.io open, 1: wait socket.io connect ack, 2: joined */
    int ready, warmed, attempts, closed_by_peer;
    long long last_id;
    long long retry_at;
    /* HTTP publisher */
    int busy, in_idle;
    long long cur, cur_sched;
    int cur_tag;
    int hdr_len, status;
    long content_left;
    /* resume */
    int got, caught;
    long long caught_t;
    uint64_t *bits;
} conn_t;

typedef struct {
    uint32_t conn, seq;
    int64_t t;
} recv_t;

typedef struct {
    int64_t sched, sent, acked;
    int32_t status, tag;
} send_t;

typedef struct {
    long long seq, sched;
    int tag;
} item_t;

/* -- options ---------------------------------------------------------------------------------- */
static const char *o_host = "127.0.0.1", *o_path = "/", *o_join = "", *o_rejoin = NULL;
static const char *o_headers = "", *o_pub_path = "/", *o_pub_headers = "", *o_pub_body = "";
static const char *o_pub_join = "", *o_tag_prefix = "hot", *o_out = "loadgen";
static int o_port = 8000, o_mode = M_FANOUT, o_viewers = 0, o_tags = 1, o_proto = P_SSE;
static int o_pub = PUB_NONE, o_pub_conns = 32, o_window = 256, o_away = 50;
static double o_rate = 10, o_seconds = 5, o_drain = 20, o_idle_drain = 3, o_warm_timeout = 90;
static long long o_posts = 0;

/* -- state ------------------------------------------------------------------------------------ */
static int ep;
static conn_t *conns; /* viewers [0, o_viewers), publishers after */
static int nconns, npubs, pub0;
static char *rbuf;
static recv_t *recs;
static size_t nrecs, caprecs, lost_recs;
static send_t *sends;
static long long nsends, capsends;
static item_t *queue;
static long long qhead, qtail, qcap;
static long long warm_seq = WARM_BASE;
static int opened, failed, warmed, joined_pubs, in_flight_connects;
static int *tag_warmed;
static long long expected, measured_recv, resumes, disconnects, late_sends, bytes_in;
static long long t_first_send, t_last_send, t_last_recv, t_last_progress;
static long long status_errors, last_bad_status;
static char last_error[256];
static int phase; /* see run() */

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what) {
    perror(what);
    exit(2);
}

static void buf_reserve(buf_t *b, size_t extra) {
    if (b->len + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 512;
    while (cap < b->len + extra) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) die("realloc");
    b->cap = cap;
}

static void buf_add(buf_t *b, const void *data, size_t n) {
    buf_reserve(b, n);
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void buf_str(buf_t *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_consume(buf_t *b, size_t n) {
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

static void tag_name(char *dst, size_t size, int tag) {
    if (o_tags == 1)
        snprintf(dst, size, "%s", o_tag_prefix);
    else
        snprintf(dst, size, "%s%d", o_tag_prefix, tag);
}

/* Expand {tag}, {seq} and {since} in a template. */
static void expand(buf_t *dst, const char *tpl, int tag, long long seq, long long since) {
    char tmp[64];
    for (const char *p = tpl; *p;) {
        if (*p == '{') {
            if (!strncmp(p, "{tag}", 5)) {
                tag_name(tmp, sizeof tmp, tag);
                buf_str(dst, tmp);
                p += 5;
                continue;
            }
            if (!strncmp(p, "{seq}", 5)) {
                snprintf(tmp, sizeof tmp, "%lld", seq);
                buf_str(dst, tmp);
                p += 5;
                continue;
            }
            if (!strncmp(p, "{since}", 7)) {
                snprintf(tmp, sizeof tmp, "%lld", since);
                buf_str(dst, tmp);
                p += 7;
                continue;
            }
        }
        buf_add(dst, p, 1);
        p++;
    }
}

/* Extra headers are given as "Name: value|Name: value". */
static void add_headers(buf_t *b, const char *headers) {
    const char *p = headers;
    while (*p) {
        const char *end = strchr(p, '|');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n) {
            buf_add(b, p, n);
            buf_str(b, "\r\n");
        }
        if (!end) break;
        p = end + 1;
    }
}

static void set_events(conn_t *c, int want_out) {
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_close(conn_t *c, int state) {
    if (c->fd >= 0) {
        struct linger lg = {1, 0}; /* reset: no TIME_WAIT left on the client's ports */
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(c->fd);
        c->fd = -1;
    }
    if (c->state == S_CONNECTING || c->state == S_HANDSHAKE) in_flight_connects--;
    if (c->state == S_OPEN && !c->is_pub) opened--;
    c->state = state;
    c->in.len = c->body.len = c->out.len = 0;
    c->out_off = 0;
}

static int flush_out(conn_t *c) {
    while (c->out_off < c->out.len) {
        ssize_t n = write(c->fd, c->out.p + c->out_off, c->out.len - c->out_off);
        if (n < 0) {
            if (errno == EAGAIN) {
                set_events(c, 1);
                return 0;
            }
            return -1;
        }
        c->out_off += n;
    }
    c->out.len = c->out_off = 0;
    set_events(c, 0);
    return 0;
}

static void conn_send(conn_t *c, const char *data, size_t n) {
    if (c->fd < 0) return;
    if (c->out.len == 0) {
        ssize_t w = write(c->fd, data, n);
        if (w == (ssize_t)n) return;
        if (w < 0) {
            if (errno != EAGAIN) return; /* the read side will see the error */
            w = 0;
        }
        buf_add(&c->out, data + w, n - w);
        c->out_off = 0;
        set_events(c, 1);
        return;
    }
    buf_add(&c->out, data, n);
}

/* A client frame: masked, as RFC 6455 requires of clients. */
static void ws_send(conn_t *c, int opcode, const char *data, size_t n) {
    static buf_t frame;
    frame.len = 0;
    uint8_t hdr[14];
    size_t h = 0;
    hdr[h++] = 0x80 | opcode;
    if (n < 126) {
        hdr[h++] = 0x80 | n;
    } else if (n < 65536) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = n >> 8;
        hdr[h++] = n & 0xff;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) hdr[h++] = (n >> (8 * i)) & 0xff;
    }
    uint32_t r = (uint32_t)rand();
    uint8_t mask[4] = {r & 0xff, (r >> 8) & 0xff, (r >> 16) & 0xff, (r >> 24) & 0xff};
    memcpy(hdr + h, mask, 4);
    h += 4;
    buf_add(&frame, hdr, h);
    buf_reserve(&frame, n);
    for (size_t i = 0; i < n; i++) frame.p[frame.len + i] = data[i] ^ mask[i & 3];
    frame.len += n;
    conn_send(c, frame.p, frame.len);
}

static void ws_text(conn_t *c, const char *s, size_t n) { ws_send(c, 1, s, n); }

/* -- recording -------------------------------------------------------------------------------- */

static int all_caught(void);

static void record(conn_t *c, long long seq, long long t) {
    if (seq >= WARM_BASE) {
        if (!c->warmed && !c->is_pub) {
            c->warmed = 1;
            warmed++;
            tag_warmed[c->tag]++;
        }
        return;
    }
    if (c->is_pub) return;
    if (nrecs < caprecs) {
        recs[nrecs].conn = c->id;
        recs[nrecs].seq = (uint32_t)seq;
        recs[nrecs].t = t;
        nrecs++;
    } else {
        lost_recs++;
    }
    measured_recv++;
    t_last_recv = t;
    t_last_progress = t;
    if (c->bits && seq < o_away + 1) {
        uint64_t bit = 1ULL << (seq & 63);
        if (!(c->bits[seq >> 6] & bit)) {
            c->bits[seq >> 6] |= bit;
            c->got++;
            if (!c->caught && c->got >= o_away) {
                c->caught = 1;
                c->caught_t = t;
            }
        }
    }
}

/* Every "seq=<n>" in one message (a WebSocket message, which may carry several posts) counts
 * once; with first_only (an SSE event, which is one post) the scan stops at the first. */
static void scan_seqs_in(conn_t *c, const char *p, size_t n, long long t, int first_only) {
    long long seen[16];
    int nseen = 0;
    const char *end = p + n;
    while (p < end) {
        const char *m = memmem(p, end - p, "seq=", 4);
        if (!m) break;
        m += 4;
        long long v = 0;
        int digits = 0;
        while (m < end && *m >= '0' && *m <= '9') {
            v = v * 10 + (*m - '0');
            m++;
            digits++;
        }
        p = m;
        if (!digits) continue;
        int dup = 0;
        for (int i = 0; i < nseen; i++) dup |= seen[i] == v;
        if (dup) continue;
        if (nseen < 16) seen[nseen++] = v;
        record(c, v, t);
        if (first_only) break;
    }
}

static void scan_seqs(conn_t *c, const char *p, size_t n, long long t) {
    scan_seqs_in(c, p, n, t, 0);
}

/* -- viewers: handshake ----------------------------------------------------------------------- */

static void send_join(conn_t *c, const char *tpl) {
    if (!tpl || !*tpl) return;
    static buf_t msg;
    msg.len = 0;
    expand(&msg, tpl, c->tag, 0, c->last_id);
    ws_text(c, msg.p, msg.len);
}

static void start_request(conn_t *c) {
    static buf_t req;
    req.len = 0;
    buf_str(&req, "GET ");
    expand(&req, c->is_pub ? o_pub_path : o_path, c->tag, 0, c->last_id);
    buf_str(&req, " HTTP/1.1\r\n");
    char host[128];
    snprintf(host, sizeof host, "Host: %s:%d\r\n", o_host, o_port);
    buf_str(&req, host);
    if (c->proto == P_SSE) {
        buf_str(&req, "Accept: text/event-stream\r\nCache-Control: no-cache\r\n");
        if (c->last_id > 0) {
            char h[64];
            snprintf(h, sizeof h, "Last-Event-ID: %lld\r\n", c->last_id);
            buf_str(&req, h);
        }
    } else {
        buf_str(&req, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n");
    }
    add_headers(&req, c->is_pub ? o_pub_headers : o_headers);
    buf_str(&req, "\r\n");
    conn_send(c, req.p, req.len);
    c->state = S_HANDSHAKE;
}

static void open_conn(conn_t *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(o_port)};
    inet_pton(AF_INET, o_host, &sa.sin_addr);
    c->fd = fd;
    c->state = S_CONNECTING;
    c->in.len = c->body.len = c->out.len = 0;
    c->out_off = 0;
    c->chunked = 0;
    c->ck_state = CK_SIZE;
    c->sio_state = 0;
    c->ready = 0;
    c->busy = 0;
    c->status = 0;
    c->attempts++;
    in_flight_connects++;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS) {
        snprintf(last_error, sizeof last_error, "connect: %s", strerror(errno));
    }
}

static void became_open(conn_t *c) {
    if (c->state == S_HANDSHAKE || c->state == S_CONNECTING) in_flight_connects--;
    c->state = S_OPEN;
    if (c->is_pub) {
        if (c->proto != P_SIO) {
            send_join(c, o_pub_join);
            c->ready = 1;
            joined_pubs++;
        }
        return;
    }
    opened++;
    if (c->proto == P_WS) {
        send_join(c, (c->last_id > 0 && o_rejoin) ? o_rejoin : o_join);
        c->ready = 1;
    } else if (c->proto == P_SSE) {
        c->ready = 1;
    }
}

static void handshake_failed(conn_t *c, const char *why) {
    snprintf(last_error, sizeof last_error, "%s", why);
    int attempts = c->attempts;
    conn_close(c, S_DEAD);
    if (attempts < 6 && phase < 5) {
        c->state = S_IDLE;
        c->retry_at = now_ns() + 200000000LL * attempts;
    } else {
        failed++;
    }
}

/* -- viewers: parsing ------------------------------------------------------------------------- */

static void sse_events(conn_t *c, long long t) {
    size_t start = 0;
    for (;;) {
        char *e = memmem(c->body.p + start, c->body.len - start, "\n\n", 2);
        if (!e) break;
        char *s = c->body.p + start;
        size_t n = e - s;
        /* The event's name is on its first or second line (after "id: ..."): look only
         * there, not through the whole payload, which is most of the bytes read. */
        const char *name = s;
        if (n >= 3 && !memcmp(s, "id:", 3)) {
            c->last_id = atoll(s + 3);
            const char *nl = memchr(s, '\n', n);
            name = nl ? nl + 1 : e;
        }
        if ((size_t)(e - name) >= 13 && !memcmp(name, "event: resume", 13)) resumes++;
        scan_seqs_in(c, s, n, t, 1);
        start = (e - c->body.p) + 2;
    }
    buf_consume(&c->body, start);
}

/* De-chunk HTTP/1.1 chunked encoding from c->in into c->body. Returns -1 at the final chunk. */
static int dechunk(conn_t *c) {
    size_t i = 0;
    while (i < c->in.len) {
        if (c->ck_state == CK_SIZE) {
            char *nl = memchr(c->in.p + i, '\n', c->in.len - i);
            if (!nl) break;
            c->ck_left = strtoul(c->in.p + i, NULL, 16);
            i = nl - c->in.p + 1;
            if (c->ck_left == 0) return -1;
            c->ck_state = CK_DATA;
        } else if (c->ck_state == CK_DATA) {
            size_t n = c->in.len - i;
            if (n > c->ck_left) n = c->ck_left;
            buf_add(&c->body, c->in.p + i, n);
            i += n;
            c->ck_left -= n;
            if (c->ck_left == 0) c->ck_state = CK_CRLF;
        } else {
            if (c->in.len - i < 2) break;
            i += 2;
            c->ck_state = CK_SIZE;
        }
    }
    buf_consume(&c->in, i);
    return 0;
}

static void ws_message(conn_t *c, const char *p, size_t n, long long t) {
    if (c->proto == P_SIO) {
        if (n >= 1 && p[0] == '0') { /* engine.io open */
            ws_text(c, "40", 2);
            c->sio_state = 1;
        } else if (n == 1 && p[0] == '2') { /* engine.io ping */
            ws_text(c, "3", 1);
        } else if (n >= 2 && p[0] == '4' && p[1] == '0') { /* socket.io connected */
            if (c->sio_state == 1) {
                c->sio_state = 2;
                c->ready = 1;
                if (c->is_pub) {
                    joined_pubs++;
                } else {
                    send_join(c, o_join);
                }
            }
        } else if (n >= 2 && p[0] == '4' && p[1] == '2') {
            scan_seqs(c, p, n, t);
        } else if (n >= 2 && p[0] == '4' && p[1] == '4') {
            snprintf(last_error, sizeof last_error, "socket.io error: %.*s", (int)(n < 200 ? n : 200), p);
        }
        return;
    }
    if (!c->is_pub && o_mode == M_RESUME) {
        const char *id = memmem(p, n, "\"id\":\"", 6);
        /* hashchat's message ends with the event id; the payload's ids are escaped (\"id\") */
        const char *lastid = NULL;
        while (id) {
            lastid = id;
            id = memmem(id + 6, n - (id + 6 - p), "\"id\":\"", 6);
        }
        if (lastid) c->last_id = atoll(lastid + 6);
    }
    if (n < 64 && memmem(p, n, "resume", 6)) resumes++;
    scan_seqs(c, p, n, t);
}

static void ws_frames(conn_t *c, long long t) {
    size_t i = 0;
    for (;;) {
        size_t avail = c->in.len - i;
        if (avail < 2) break;
        uint8_t *p = (uint8_t *)c->in.p + i;
        int fin = p[0] & 0x80, op = p[0] & 0x0f, masked = p[1] & 0x80;
        uint64_t len = p[1] & 0x7f;
        size_t hl = 2;
        if (len == 126) {
            if (avail < 4) break;
            len = ((uint64_t)p[2] << 8) | p[3];
            hl = 4;
        } else if (len == 127) {
            if (avail < 10) break;
            len = 0;
            for (int k = 0; k < 8; k++) len = (len << 8) | p[2 + k];
            hl = 10;
        }
        if (masked) hl += 4;
        if (avail < hl + len) break;
        char *payload = (char *)p + hl;
        if (masked)
            for (uint64_t k = 0; k < len; k++) payload[k] ^= p[hl - 4 + (k & 3)];
        if (op == 1 || op == 2) {
            if (fin) {
                ws_message(c, payload, len, t);
            } else {
                c->body.len = 0;
                buf_add(&c->body, payload, len);
            }
        } else if (op == 0) {
            buf_add(&c->body, payload, len);
            if (fin) {
                ws_message(c, c->body.p, c->body.len, t);
                c->body.len = 0;
            }
        } else if (op == 9) {
            ws_send(c, 0xA, payload, len);
        } else if (op == 8) {
            int code = len >= 2 ? (((uint8_t)payload[0]) << 8) | (uint8_t)payload[1] : 0;
            snprintf(last_error, sizeof last_error, "closed by the server (%d)", code);
            c->closed_by_peer = 1;
            i += hl + len;
            buf_consume(&c->in, i);
            return;
        }
        i += hl + len;
    }
    buf_consume(&c->in, i);
}

/* The response head: status code, and whether the body is chunked. Returns its length or 0. */
static size_t parse_head(conn_t *c, int *status, int *chunked, long *content_length) {
    char *end = memmem(c->in.p, c->in.len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t n = end - c->in.p + 4;
    *status = (c->in.len > 12) ? atoi(c->in.p + 9) : 0;
    *chunked = 0;
    *content_length = -1;
    for (char *line = memchr(c->in.p, '\n', n); line && line < end; line = memchr(line + 1, '\n', end - line)) {
        char *l = line + 1;
        if (!strncasecmp(l, "transfer-encoding:", 18) && memmem(l, end - l > 40 ? 40 : end - l, "chunked", 7))
            *chunked = 1;
        if (!strncasecmp(l, "content-length:", 15)) *content_length = atol(l + 15);
    }
    return n;
}

/* -- publishers ------------------------------------------------------------------------------- */

/* The first idle connection: at low rates a few connections stay busy and the rest idle (and
 * may be closed by the server's keep-alive timeout, then reopened). */
/* HTTP publishers free to send: a stack of their indexes (each at most once), so that finding
 * one costs O(1) however many are busy; a scan over 2,048 of them for every post made the load
 * generator fall behind its own schedule at a few thousand posts/s. Entries that went stale (the
 * connection closed or is sending) are dropped when they come to the top. */
static int *idle_pubs, nidle_pubs;

static void pub_free(conn_t *c) {
    if (c->in_idle || c->state != S_OPEN || c->busy) return;
    c->in_idle = 1;
    idle_pubs[nidle_pubs++] = (int)(c - conns);
}

static conn_t *idle_http_pub(void) {
    while (nidle_pubs > 0) {
        conn_t *c = &conns[idle_pubs[nidle_pubs - 1]];
        if (c->state == S_OPEN && !c->busy) return c;
        nidle_pubs--;
        c->in_idle = 0;
    }
    return NULL;
}

static void ensure_sends(long long seq) {
    if (seq < capsends) return;
    long long cap = capsends ? capsends : 1024;
    while (cap <= seq) cap *= 2;
    sends = realloc(sends, cap * sizeof *sends);
    if (!sends) die("realloc");
    memset(sends + capsends, 0, (cap - capsends) * sizeof *sends);
    capsends = cap;
}

static void publish_now(long long seq, int tag, long long sched) {
    static buf_t body, req;
    body.len = req.len = 0;
    expand(&body, o_pub_body, tag, seq, 0);
    long long t;
    if (o_pub == PUB_HTTP) {
        conn_t *c = idle_http_pub();
        if (!c) return; /* callers check first */
        char head[512];
        buf_str(&req, "POST ");
        expand(&req, o_pub_path, tag, seq, 0);
        snprintf(head, sizeof head,
                 " HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\n",
                 o_host, o_port, body.len);
        buf_str(&req, head);
        add_headers(&req, o_pub_headers);
        buf_str(&req, "\r\n");
        buf_add(&req, body.p, body.len);
        c->busy = 1;
        nidle_pubs--; /* it was the top of the stack */
        c->in_idle = 0;
        c->cur = seq;
        c->cur_tag = tag;
        c->cur_sched = sched;
        t = now_ns();
        conn_send(c, req.p, req.len);
    } else {
        conn_t *c = &conns[pub0 + tag % npubs];
        t = now_ns();
        ws_text(c, body.p, body.len);
    }
    if (seq < WARM_BASE) {
        ensure_sends(seq);
        sends[seq].sched = sched;
        sends[seq].sent = t;
        sends[seq].tag = tag;
        if (o_pub != PUB_HTTP) {
            sends[seq].status = 200; /* fire and forget */
            expected += tag_warmed[tag];
        }
        if (seq >= nsends) nsends = seq + 1;
        if (!t_first_send) t_first_send = t;
        t_last_send = t;
        if (t - sched > 5000000LL) late_sends++;
    }
}

static void enqueue(long long seq, int tag, long long sched) {
    if (qtail - qhead >= qcap) {
        long long cap = qcap ? qcap * 2 : 4096;
        item_t *q = malloc(cap * sizeof *q);
        for (long long i = qhead; i < qtail; i++) q[i - qhead] = queue[i % qcap];
        free(queue);
        queue = q;
        qtail -= qhead;
        qhead = 0;
        qcap = cap;
    }
    queue[qtail % qcap] = (item_t){seq, sched, tag};
    qtail++;
}

static void pump(void) {
    while (qhead < qtail) {
        if (o_pub == PUB_HTTP && !idle_http_pub()) return;
        item_t it = queue[qhead % qcap];
        qhead++;
        publish_now(it.seq, it.tag, it.sched);
    }
}

static long long posts_ok, reposts, measured_acked, refused; /* of measured posts (not warm-up) */

static void enqueue_front(long long seq, int tag, long long sched) {
    enqueue(seq, tag, sched); /* make room, then rotate it to the front */
    qtail--;
    qhead--;
    if (qhead < 0) { /* shift: rebase the ring indices */
        qhead += qcap;
        qtail += qcap;
    }
    queue[qhead % qcap] = (item_t){seq, sched, tag};
}

static void http_response(conn_t *c, long long t) {
    for (;;) {
        if (!c->hdr_len) {
            int chunked;
            long cl;
            size_t n = parse_head(c, &c->status, &chunked, &cl);
            if (!n) return;
            c->hdr_len = (int)n;
            c->content_left = chunked ? -2 : (cl < 0 ? 0 : cl);
        }
        size_t need;
        if (c->content_left == -2) {
            char *z = memmem(c->in.p + c->hdr_len, c->in.len - c->hdr_len, "\r\n0\r\n\r\n", 7);
            if (!z) return;
            need = z - c->in.p + 7;
        } else {
            need = c->hdr_len + c->content_left;
            if (c->in.len < need) return;
        }
        long long seq = c->cur;
        if (c->busy && seq >= 0) {
            int good = c->status >= 200 && c->status < 300;
            int busy = c->status == 429 || c->status == 503; /* refused under overload */
            if (busy && seq < WARM_BASE) refused++;
            if (!good && !busy) {
                status_errors++;
                last_bad_status = c->status;
                if (status_errors < 4) {
                    size_t show = need - c->hdr_len < 300 ? need - c->hdr_len : 300;
                    snprintf(last_error, sizeof last_error, "post answered %d: %.*s", c->status, (int)show, c->in.p + c->hdr_len);
                }
            }
            if (busy && o_mode == M_RESUME && seq < WARM_BASE) {
                /* refused under load: post it again, as a client does after Retry-After (the
                 * storm needs every missed post to exist) */
                enqueue(seq, c->cur_tag, now_ns());
                reposts++;
            } else if (seq < WARM_BASE && seq < capsends) {
                measured_acked++;
                sends[seq].acked = t;
                sends[seq].status = c->status;
                if (good) {
                    posts_ok++;
                    expected += tag_warmed[sends[seq].tag];
                }
            }
        }
        c->busy = 0;
        c->cur = -1;
        c->hdr_len = 0;
        pub_free(c);
        buf_consume(&c->in, need);
    }
}

/* -- the event loop --------------------------------------------------------------------------- */

static void on_readable(conn_t *c) {
    for (int rounds = 0; rounds < 4; rounds++) {
        ssize_t n = read(c->fd, rbuf, RBUF);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            if (c->state == S_HANDSHAKE || c->state == S_CONNECTING) {
                handshake_failed(c, n == 0 ? "connection closed during the handshake" : strerror(errno));
                return;
            }
            if (c->is_pub && o_pub == PUB_HTTP) {
                /* the server closed a keep-alive connection: reopen it, and send again a post
                 * that got no answer at all */
                if (c->busy && c->cur >= 0 && !c->hdr_len) {
                    enqueue_front(c->cur, c->cur_tag, c->cur_sched);
                    reposts++;
                }
                c->hdr_len = 0;
                conn_close(c, S_DEAD);
                if (phase < 5) open_conn(c);
                return;
            }
            if (phase < 5 && !c->is_pub) disconnects++;
            conn_close(c, S_DEAD);
            return;
        }
        if (n < 0) return;
        long long t = now_ns();
        bytes_in += n;
        buf_add(&c->in, rbuf, n);
        if (c->state == S_HANDSHAKE) {
            if (c->is_pub && o_pub == PUB_HTTP) {
                /* an HTTP publisher is open at connect time; this is a response */
            } else {
                int status, chunked;
                long cl;
                size_t h = parse_head(c, &status, &chunked, &cl);
                if (!h) continue;
                int want = c->proto == P_SSE ? 200 : 101;
                if (status != want) {
                    char why[160];
                    snprintf(why, sizeof why, "handshake answered %d: %.100s", status, c->in.p);
                    handshake_failed(c, why);
                    return;
                }
                c->chunked = chunked;
                buf_consume(&c->in, h);
                became_open(c);
            }
        }
        if (c->is_pub && o_pub == PUB_HTTP) {
            http_response(c, t);
            continue;
        }
        if (c->proto == P_SSE) {
            if (c->chunked) {
                if (dechunk(c) < 0) {
                    if (phase < 5) disconnects++;
                    conn_close(c, S_DEAD);
                    return;
                }
            } else {
                buf_add(&c->body, c->in.p, c->in.len);
                c->in.len = 0;
            }
            sse_events(c, t);
        } else {
            ws_frames(c, t);
            if (c->closed_by_peer) {
                if (phase < 5 && !c->is_pub) disconnects++;
                conn_close(c, S_DEAD);
                return;
            }
        }
        if (n < RBUF) return;
    }
}

static void on_writable(conn_t *c) {
    if (c->state == S_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            handshake_failed(c, strerror(err));
            return;
        }
        set_events(c, 0);
        if (c->is_pub && o_pub == PUB_HTTP) {
            c->state = S_OPEN;
            in_flight_connects--;
            c->ready = 1;
            joined_pubs++;
            pub_free(c);
            return;
        }
        start_request(c);
        return;
    }
    if (flush_out(c) < 0) conn_close(c, S_DEAD);
}

static int poll_once(int timeout_ms) {
    struct epoll_event evs[1024];
    int n = epoll_wait(ep, evs, 1024, timeout_ms);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    int stdin_ready = 0;
    for (int i = 0; i < n; i++) {
        conn_t *c = evs[i].data.ptr;
        if (!c) {
            stdin_ready = 1;
            continue;
        }
        if (c->fd < 0) continue;
        if (evs[i].events & (EPOLLOUT | EPOLLERR)) {
            if (c->state == S_CONNECTING || (evs[i].events & EPOLLOUT)) on_writable(c);
            if (c->fd < 0) continue;
        }
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
    }
    return stdin_ready;
}

/* Start connections that are due, keeping at most o_window handshakes in flight. */
static void connect_some(int from, int to, int window) {
    long long t = now_ns();
    for (int i = from; i < to && in_flight_connects < window; i++) {
        conn_t *c = &conns[i];
        if (c->state == S_IDLE && c->retry_at <= t) open_conn(c);
    }
}

static char *read_stdin_line(void) {
    static char line[256];
    ssize_t n = read(0, line, sizeof line - 1);
    if (n <= 0) return NULL;
    line[n] = 0;
    return line;
}

static void warm_round(void) {
    for (int t = 0; t < o_tags; t++) enqueue(warm_seq++, t, now_ns());
    pump();
}

/* Connect viewers [0, o_viewers) and warm them up. Returns 0 once every viewer is either live
 * (it received a warm-up post) or has failed for good. */
static int connect_and_warm(int window, long long deadline) {
    long long next_warm = 0;
    while (now_ns() < deadline) {
        connect_some(0, o_viewers, window);
        poll_once(5);
        pump();
        int pending = 0, done = 0;
        for (int i = 0; i < o_viewers; i++) {
            conn_t *c = &conns[i];
            if (c->state == S_DEAD || (c->state == S_OPEN && c->warmed)) done++;
            else if (c->state != S_OPEN) pending++;
        }
        if (done == o_viewers && joined_pubs >= npubs) return 0;
        if (!pending && joined_pubs >= npubs && now_ns() >= next_warm && qhead == qtail) {
            warm_round();
            next_warm = now_ns() + 250000000LL;
        }
    }
    return -1;
}

static int cmp_ll(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static void write_files(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s.sends", o_out);
    FILE *f = fopen(path, "wb");
    if (!f) die(path);
    if (nsends) fwrite(sends, sizeof *sends, nsends, f);
    fclose(f);
    snprintf(path, sizeof path, "%s.recvs", o_out);
    f = fopen(path, "wb");
    if (!f) die(path);
    if (nrecs) fwrite(recs, sizeof *recs, nrecs, f);
    fclose(f);
}

static void json_escape(const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        if ((unsigned char)*s < 32) {
            putchar(' ');
            continue;
        }
        putchar(*s);
    }
}

static void usage(void) {
    fprintf(stderr, "usage: loadgen --mode fanout|idle|resume|write --port P [options]; see the source\n");
    exit(2);
}

int main(int argc, char **argv) {
    static struct option opts[] = {
        {"host", 1, 0, 'h'},       {"port", 1, 0, 'p'},        {"mode", 1, 0, 'm'},
        {"viewers", 1, 0, 'v'},    {"tags", 1, 0, 't'},        {"tag-prefix", 1, 0, 'T'},
        {"proto", 1, 0, 'P'},      {"path", 1, 0, 'a'},        {"join", 1, 0, 'j'},
        {"rejoin", 1, 0, 'J'},     {"header", 1, 0, 'H'},      {"pub", 1, 0, 'b'},
        {"pub-path", 1, 0, 'A'},   {"pub-header", 1, 0, 'E'},  {"pub-body", 1, 0, 'B'},
        {"pub-join", 1, 0, 'k'},   {"pub-conns", 1, 0, 'c'},   {"rate", 1, 0, 'r'},
        {"posts", 1, 0, 'n'},      {"seconds", 1, 0, 's'},     {"window", 1, 0, 'w'},
        {"drain", 1, 0, 'd'},      {"idle-drain", 1, 0, 'i'},  {"warm-timeout", 1, 0, 'W'},
        {"away", 1, 0, 'y'},       {"out", 1, 0, 'o'},         {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'h': o_host = optarg; break;
        case 'p': o_port = atoi(optarg); break;
        case 'm':
            o_mode = !strcmp(optarg, "fanout") ? M_FANOUT : !strcmp(optarg, "idle") ? M_IDLE
                   : !strcmp(optarg, "resume") ? M_RESUME : !strcmp(optarg, "write") ? M_WRITE : -1;
            if (o_mode < 0) usage();
            break;
        case 'v': o_viewers = atoi(optarg); break;
        case 't': o_tags = atoi(optarg); break;
        case 'T': o_tag_prefix = optarg; break;
        case 'P':
            o_proto = !strcmp(optarg, "sse") ? P_SSE : !strcmp(optarg, "ws") ? P_WS
                    : !strcmp(optarg, "sio") ? P_SIO : -1;
            if (o_proto < 0) usage();
            break;
        case 'a': o_path = optarg; break;
        case 'j': o_join = optarg; break;
        case 'J': o_rejoin = optarg; break;
        case 'H': o_headers = optarg; break;
        case 'b':
            o_pub = !strcmp(optarg, "http") ? PUB_HTTP : !strcmp(optarg, "ws") ? PUB_WS
                  : !strcmp(optarg, "sio") ? PUB_SIO : -1;
            if (o_pub < 0) usage();
            break;
        case 'A': o_pub_path = optarg; break;
        case 'E': o_pub_headers = optarg; break;
        case 'B': o_pub_body = optarg; break;
        case 'k': o_pub_join = optarg; break;
        case 'c': o_pub_conns = atoi(optarg); break;
        case 'r': o_rate = atof(optarg); break;
        case 'n': o_posts = atoll(optarg); break;
        case 's': o_seconds = atof(optarg); break;
        case 'w': o_window = atoi(optarg); break;
        case 'd': o_drain = atof(optarg); break;
        case 'i': o_idle_drain = atof(optarg); break;
        case 'W': o_warm_timeout = atof(optarg); break;
        case 'y': o_away = atoi(optarg); break;
        case 'o': o_out = optarg; break;
        default: usage();
        }
    }
    if (o_pub == PUB_NONE) usage();
    if (o_tags < 1) o_tags = 1;
    signal(SIGPIPE, SIG_IGN);
    srand(getpid());
    /* as many descriptors as the hard limit allows: 10,000 viewers need more than 1,024 */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t)(o_viewers + 300) > rl.rlim_cur) {
        fprintf(stderr, "loadgen: %d viewers need more descriptors than the limit %ld\n", o_viewers, (long)rl.rlim_cur);
        return 2;
    }

    npubs = o_pub == PUB_HTTP ? o_pub_conns : o_tags;
    idle_pubs = calloc(npubs > 0 ? npubs : 1, sizeof *idle_pubs);
    if (!idle_pubs) die("calloc");
    pub0 = o_viewers;
    nconns = o_viewers + npubs;
    conns = calloc(nconns, sizeof *conns);
    for (int i = 0; i < nconns; i++) {
        conns[i].fd = -1;
        conns[i].id = i;
        conns[i].is_pub = i >= pub0;
        conns[i].tag = conns[i].is_pub ? (i - pub0) % o_tags : i % o_tags;
        conns[i].proto = conns[i].is_pub ? (o_pub == PUB_SIO ? P_SIO : P_WS) : o_proto;
        conns[i].cur = -1;
    }
    tag_warmed = calloc(o_tags, sizeof *tag_warmed);
    rbuf = malloc(RBUF);
    if (o_mode == M_FANOUT) {
        if (!o_posts) o_posts = (long long)(o_rate * o_seconds);
        caprecs = (size_t)o_posts * (o_viewers / o_tags + 1) + 1024;
    } else if (o_mode == M_RESUME) {
        o_posts = o_away + 1;
        caprecs = (size_t)o_posts * o_viewers * 2 + 1024;
    } else {
        caprecs = 1024;
    }
    recs = malloc(caprecs * sizeof *recs);
    if (!recs) die("malloc");
    ensure_sends(o_posts > 0 ? o_posts : 1024);
    ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event sev = {.events = EPOLLIN, .data.ptr = NULL};
    if (o_mode == M_IDLE || o_mode == M_RESUME) epoll_ctl(ep, EPOLL_CTL_ADD, 0, &sev);

    long long t_start = now_ns();
    double cpu0 = 0, cpu1 = 0;
    long long w0 = 0, w1 = 0, bytes0 = 0;
    int ok = 1;
    phase = 1;
    /* publishers first: warm-up needs them */
    for (int i = pub0; i < nconns; i++) open_conn(&conns[i]);
    long long deadline = now_ns() + 30000000000LL;
    while (joined_pubs < npubs && now_ns() < deadline) poll_once(5);
    if (joined_pubs < npubs) {
        snprintf(last_error + strlen(last_error), sizeof last_error - strlen(last_error), " (publishers not ready)");
        ok = 0;
    }

    long long t_connected = 0, t_storm = 0, t_all_caught = 0, t_live_sent = 0;
    int storm_failed = 0, live_ok = 0;
    double connect_seconds = 0;
    if (ok && (o_mode != M_WRITE || o_viewers > 0)) {
        phase = 2;
        long long c0 = now_ns();
        if (connect_and_warm(o_window, now_ns() + (long long)(o_warm_timeout * 1e9)) < 0) {
            ok = 0;
            snprintf(last_error + strlen(last_error), sizeof last_error - strlen(last_error),
                     " (warm-up timed out: %d open, %d warmed)", opened, warmed);
        }
        t_connected = now_ns();
        connect_seconds = (t_connected - c0) / 1e9;
        /* let warm-up stragglers arrive before measuring */
        long long until = now_ns() + 300000000LL;
        while (now_ns() < until) poll_once(10);
    }

    if (ok && o_mode == M_IDLE) {
        printf("READY %d\n", opened);
        fflush(stdout);
        for (;;) {
            if (poll_once(1000)) {
                if (!read_stdin_line()) break;
                break;
            }
        }
        phase = 5;
    } else if (ok && o_mode == M_FANOUT) {
        phase = 3;
        printf("MEASURE\n");
        fflush(stdout);
        cpu0 = cpu_seconds();
        w0 = now_ns();
        bytes0 = bytes_in;
        long long t0 = now_ns() + 1000000LL;
        long long next = 0;
        double interval = 1e9 / o_rate;
        long long send_deadline = t0 + (long long)((o_posts / o_rate + o_drain) * 1e9);
        while ((next < o_posts || qhead < qtail) && now_ns() < send_deadline) {
            long long t = now_ns();
            while (next < o_posts && t0 + (long long)(next * interval) <= t) {
                enqueue(next, (int)(next % o_tags), t0 + (long long)(next * interval));
                next++;
            }
            pump();
            long long due = next < o_posts ? t0 + (long long)(next * interval) : t + 1000000LL;
            long long wait = (due - now_ns()) / 1000000LL;
            poll_once(wait < 0 ? 0 : (wait > 5 ? 5 : (int)wait));
        }
        /* HTTP: wait for the last acknowledgements */
        long long ack_deadline = now_ns() + (long long)(o_drain * 1e9);
        while (o_pub == PUB_HTTP && measured_acked < nsends && now_ns() < ack_deadline) poll_once(5);
        phase = 4;
        t_last_progress = now_ns();
        long long drain_deadline = now_ns() + (long long)(o_drain * 1e9);
        while (measured_recv < expected && now_ns() < drain_deadline &&
               now_ns() - t_last_progress < (long long)(o_idle_drain * 1e9))
            poll_once(5);
        cpu1 = cpu_seconds();
        w1 = now_ns();
        phase = 5;
    } else if (ok && o_mode == M_WRITE) {
        phase = 3;
        cpu0 = cpu_seconds();
        w0 = now_ns();
        long long t_end = w0 + (long long)(o_seconds * 1e9);
        long long seq = 0;
        while (now_ns() < t_end) {
            conn_t *c;
            while ((c = idle_http_pub()) != NULL && now_ns() < t_end) {
                publish_now(seq, (int)(seq % o_tags), now_ns());
                seq++;
            }
            poll_once(5);
        }
        o_posts = seq;
        long long ack_deadline = now_ns() + (long long)(o_drain * 1e9);
        while (measured_acked < seq && now_ns() < ack_deadline) poll_once(5);
        cpu1 = cpu_seconds();
        w1 = now_ns();
        phase = 5;
    } else if (ok && o_mode == M_RESUME) {
        /* every viewer goes away at once (their last ids are noted) */
        for (int i = 0; i < o_viewers; i++) {
            conns[i].bits = calloc((o_away + 1 + 63) / 64, sizeof(uint64_t));
            conn_close(&conns[i], S_IDLE);
            conns[i].attempts = 0;
            conns[i].retry_at = 0;
        }
        long long until = now_ns() + 500000000LL;
        while (now_ns() < until) poll_once(10);
        /* what they miss */
        phase = 3;
        for (int k = 0; k < o_away; k++) enqueue(k, 0, now_ns());
        long long ack_deadline = now_ns() + 60000000000LL;
        while ((qhead < qtail || measured_acked < o_away) && now_ns() < ack_deadline) {
            pump();
            poll_once(5);
        }
        until = now_ns() + 200000000LL;
        while (now_ns() < until) poll_once(10);
        printf("AWAY %lld\n", posts_ok);
        fflush(stdout);
        for (;;)
            if (poll_once(1000)) break;
        read_stdin_line();
        /* the storm: everyone reconnects at once with their last id */
        cpu0 = cpu_seconds();
        w0 = t_storm = now_ns();
        long long storm_deadline = t_storm + (long long)(o_drain * 1e9);
        while (now_ns() < storm_deadline) {
            connect_some(0, o_viewers, o_viewers);
            poll_once(2);
            if (all_caught()) break;
        }
        t_all_caught = now_ns();
        cpu1 = cpu_seconds();
        w1 = now_ns();
        /* then one live post: they are live again, not only replayed */
        enqueue(o_away, 0, now_ns());
        t_live_sent = now_ns();
        long long live_deadline = now_ns() + 10000000000LL;
        while (now_ns() < live_deadline) {
            pump();
            poll_once(5);
            live_ok = 0;
            for (int i = 0; i < o_viewers; i++)
                live_ok += (conns[i].bits[o_away >> 6] >> (o_away & 63)) & 1;
            if (live_ok == o_viewers) break;
        }
        for (int i = 0; i < o_viewers; i++) storm_failed += !conns[i].caught;
        phase = 5;
    }
    double cpu_total = cpu_seconds();
    int opened_at_end = opened;
    for (int i = 0; i < nconns; i++) conn_close(&conns[i], S_DEAD);
    write_files();

    /* the summary: one JSON line */
    printf("{\"ok\": %s, \"mode\": \"%s\", \"viewers\": %d, \"tags\": %d, \"opened\": %d, \"warmed\": %d, "
           "\"failed\": %d, \"publishers\": %d, \"posts\": %lld, \"posts_acked\": %lld, \"posts_ok\": %lld, "
           "\"post_errors\": %lld, \"refused\": %lld, \"reposts\": %lld, \"expected\": %lld, \"received\": %lld, \"records_lost\": %zu, "
           "\"disconnects\": %lld, \"resumes\": %lld, \"late_sends\": %lld, \"bytes_in\": %lld, "
           "\"connect_seconds\": %.3f, \"measure_wall_seconds\": %.3f, \"measure_cpu_seconds\": %.3f, "
           "\"cpu_seconds\": %.3f, \"wall_seconds\": %.3f, \"t_first_send\": %lld, \"t_last_send\": %lld, "
           "\"t_last_recv\": %lld",
           ok ? "true" : "false", o_mode == M_FANOUT ? "fanout" : o_mode == M_IDLE ? "idle" : o_mode == M_RESUME ? "resume" : "write",
           o_viewers, o_tags, opened_at_end, warmed, failed, npubs, nsends, measured_acked, posts_ok, status_errors,
           refused, reposts, expected, measured_recv, lost_recs, disconnects, resumes, late_sends, bytes_in - bytes0,
           connect_seconds, (w1 - w0) / 1e9, cpu1 - cpu0, cpu_total, (now_ns() - t_start) / 1e9,
           t_first_send, t_last_send, t_last_recv);
    if (o_mode == M_RESUME) {
        long long *ts = malloc(sizeof(long long) * (o_viewers + 1));
        int n = 0;
        for (int i = 0; i < o_viewers; i++)
            if (conns[i].caught) ts[n++] = conns[i].caught_t - t_storm;
        qsort(ts, n, sizeof *ts, cmp_ll);
        printf(", \"caught_up\": %d, \"not_caught_up\": %d, \"live_after\": %d, \"away\": %d, "
               "\"catchup_p50_ms\": %.1f, \"catchup_p99_ms\": %.1f, \"catchup_max_ms\": %.1f, "
               "\"storm_seconds\": %.3f, \"live_sent\": %lld",
               n, storm_failed, live_ok, o_away, n ? ts[n / 2] / 1e6 : -1.0,
               n ? ts[(int)(n * 0.99) < n ? (int)(n * 0.99) : n - 1] / 1e6 : -1.0,
               n ? ts[n - 1] / 1e6 : -1.0, (t_all_caught - t_storm) / 1e9, t_live_sent);
        free(ts);
    }
    printf(", \"error\": \"");
    json_escape(last_error);
    printf("\"}\n");
    fflush(stdout);
    (void)t_connected;
    return 0;
}

static int all_caught(void) {
    for (int i = 0; i < o_viewers; i++)
        if (!conns[i].caught) return 0;
    return 1;
}
