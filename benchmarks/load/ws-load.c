/*
 * ws-load: a WebSocket (RFC 6455) load generator in C, so that the load is never the
 * bottleneck of the server under test. One thread, level-triggered epoll.
 *
 *   ws-load --port P [--host H] [--path /echo] --conns N --size B [--depth K] [--text]
 *           [--seconds S] [--warmup W]                              echo
 *   ws-load --fanout --port P [--path /broadcast] --conns N --size B [--depth K] ...   fan-out
 *   ws-load --idle --port P [--path /echo] --conns N [--size B]     idle connections
 *   ws-load --self-test                                             checks SHA-1 + base64
 *
 * Every connection does the opening handshake (a random Sec-WebSocket-Key; the answer must be
 * 101 with the matching Sec-WebSocket-Accept), at most 256 handshakes at a time. Messages are
 * single masked frames (a fresh mask key each) of B bytes, binary, or text with --text (valid
 * UTF-8 with 1-, 2- and 3-byte characters). The first 8 bytes of a message carry its sequence
 * number, so every echoed or delivered message is checked byte for byte, in order.
 *
 * echo:   each of N connections keeps K messages in flight; an echo of the same type, size
 *         and content completes a round trip and sends the next message.
 * fanout: one more connection publishes; the server sends each message to all N subscribers
 *         (and to the publisher, whose copies are read and dropped). The publisher keeps K
 *         messages in flight, a message counting as done once every subscriber has it, so
 *         what is measured is deliveries the server completes, not what it buffers. Before
 *         counting, probe messages go out until every subscriber has seen one (its
 *         subscription is in place).
 * idle:   each connection echoes one message, then "ready N" is printed; every line on stdin
 *         is answered with "open M" (connections the server has not closed); stdin's end exits.
 *
 * echo and fanout print "counting" when the measured window (after W warm-up seconds) starts
 * and one JSON line when it ends: messages (round trips, or deliveries) per second, latency
 * percentiles in microseconds (echo: send to echo; fanout: publish to each delivery), errors,
 * and loadCpu: this process's own CPU time over the window as a fraction of one core, so that
 * a run in which the load generator itself was the limit shows as such.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ws-accept.h"

enum { MODE_ECHO, MODE_FANOUT, MODE_IDLE };
enum { CONNECTING, HANDSHAKING, OPEN, CLOSED };
enum { OP_TEXT = 1, OP_BINARY = 2, OP_CLOSE = 8, OP_PING = 9, OP_PONG = 10 };

#define MAX_HANDSHAKES 256
#define TAG_LEN 8
#define STDIN_TOKEN UINT32_MAX
static const unsigned char PROBE_TAG[TAG_LEN] = {'#', '#', '#', '#', '#', '#', '#', '#'};

typedef struct {
  int fd;
  int state;
  char accept[29];             /* the Sec-WebSocket-Accept the server must answer with */
  unsigned char* carry;        /* received bytes not yet parsed (a partial frame) */
  size_t carry_len, carry_cap;
  unsigned char* out;          /* frames not yet written */
  size_t out_len, out_off, out_cap;
  int out_registered;          /* EPOLLOUT is in the interest set */
  uint64_t next_send, next_recv;
  double* sent_at;             /* echo: send time of each message in flight, by seq % depth */
  int subscribed;              /* fanout subscriber: has seen a probe */
  int echoed_once;             /* idle: its one message came back */
} conn_t;

/* Latency histogram: log-linear buckets over nanoseconds, 32 per power of two (~3%). */
#define HIST_SUB 32
#define HIST_BUCKETS (64 + 58 * HIST_SUB)
typedef struct {
  uint64_t counts[HIST_BUCKETS];
  uint64_t total, max;
} histogram_t;

typedef struct {
  int mode, conns, size, depth, opcode;
  const char *host, *path;
  int port;
  double seconds, warmup;
  conn_t* cs;
  int total;                   /* connections, the publisher included */
  int ep;
  unsigned char* templ;        /* message bytes after the tag */
  unsigned char* buf;          /* shared read buffer */
  size_t bufsize;
  uint64_t rng;
  uint64_t errors, messages, dropped_copies;
  int started, opened, closed;
  histogram_t hist;
  double now;
  /* fanout */
  uint64_t next_pub, oldest;   /* next seq to publish; oldest seq not yet delivered to all */
  uint32_t* delivered;         /* deliveries of each seq in flight, by seq % depth */
  double* pub_sent_at;
  int subscribed;
} load_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static uint64_t next_random(load_t* L) {
  /* xorshift64*: mask keys and handshake keys need to vary, not to be secret */
  L->rng ^= L->rng >> 12;
  L->rng ^= L->rng << 25;
  L->rng ^= L->rng >> 27;
  return L->rng * 0x2545F4914F6CDD1DULL;
}

static void die(const char* what) {
  fprintf(stderr, "ws-load: %s\n", what);
  exit(1);
}

static void* grow(void* p, size_t* cap, size_t need) {
  if (need <= *cap) return p;
  size_t next = *cap ? *cap : 256;
  while (next < need) next *= 2;
  p = realloc(p, next);
  if (p == NULL) die("out of memory");
  *cap = next;
  return p;
}

static void hist_add(histogram_t* h, uint64_t ns) {
  int index;
  if (ns < 64) {
    index = (int)ns;
  } else {
    int e = 63 - __builtin_clzll(ns);
    index = 64 + (e - 6) * HIST_SUB + (int)((ns >> (e - 5)) & (HIST_SUB - 1));
  }
  h->counts[index]++;
  h->total++;
  if (ns > h->max) h->max = ns;
}

/* The lower bound of the bucket holding the q-quantile, in microseconds. */
static double hist_quantile_us(const histogram_t* h, double q) {
  if (h->total == 0) return 0;
  uint64_t rank = (uint64_t)(q * (h->total - 1)) + 1, seen = 0;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    seen += h->counts[i];
    if (seen < rank) continue;
    if (i < 64) return i / 1e3;
    int e = (i - 64) / HIST_SUB + 6;
    uint64_t low = (uint64_t)(HIST_SUB + (i - 64) % HIST_SUB) << (e - 5);
    return low / 1e3;
  }
  return h->max / 1e3;
}

/* Text messages: a sentence with 1-, 2- and 3-byte UTF-8 characters, cut at a character. */
static void fill_template(load_t* L) {
  static const char SENTENCE[] = "Grüße aus dem Reaktor: ✓ 42 Verbindungen, café ☕. ";
  L->templ = malloc(L->size);
  if (L->templ == NULL) die("out of memory");
  memset(L->templ, ' ', L->size);
  if (L->opcode == OP_BINARY) {
    for (int k = TAG_LEN; k < L->size; k++) L->templ[k] = (unsigned char)(k % 251);
    return;
  }
  size_t n = sizeof(SENTENCE) - 1, s = 0;
  for (int k = TAG_LEN; k < L->size;) {
    unsigned char lead = (unsigned char)SENTENCE[s % n];
    int len = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    if (k + len > L->size) break; /* the rest stays spaces */
    for (int b = 0; b < len; b++) L->templ[k + b] = (unsigned char)SENTENCE[(s + b) % n];
    k += len;
    s += len;
  }
}

/* The 8-byte tag of message seq: letters a..p, one per hex digit, valid UTF-8. */
static void tag_of(uint64_t seq, unsigned char tag[TAG_LEN]) {
  for (int i = 0; i < TAG_LEN; i++) tag[i] = (unsigned char)('a' + ((seq >> (4 * (TAG_LEN - 1 - i))) & 15));
}

static void mask_bytes(unsigned char* p, size_t n, const unsigned char key[4]) {
  unsigned char key8[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
  uint64_t m;
  memcpy(&m, key8, 8);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    v ^= m;
    memcpy(p + i, &v, 8);
  }
  for (; i < n; i++) p[i] ^= key[i & 3];
}

/* Appends one masked frame to the connection's output. */
static void queue_frame(load_t* L, conn_t* c, int opcode, const unsigned char* tag, const unsigned char* body,
                        size_t len) {
  size_t header = 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + 4;
  c->out = grow(c->out, &c->out_cap, c->out_len + header + len);
  unsigned char* p = c->out + c->out_len;
  p[0] = (unsigned char)(0x80 | opcode);
  size_t at = 2;
  if (len < 126) {
    p[1] = (unsigned char)(0x80 | len);
  } else if (len < 65536) {
    p[1] = 0x80 | 126;
    p[2] = (unsigned char)(len >> 8);
    p[3] = (unsigned char)len;
    at = 4;
  } else {
    p[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++) p[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    at = 10;
  }
  uint32_t key = (uint32_t)next_random(L);
  memcpy(p + at, &key, 4);
  unsigned char* payload = p + at + 4;
  size_t tag_len = tag == NULL ? 0 : (len < TAG_LEN ? len : TAG_LEN);
  if (tag_len) memcpy(payload, tag, tag_len);
  if (len > tag_len) memcpy(payload + tag_len, body + tag_len, len - tag_len);
  mask_bytes(payload, len, p + at);
  c->out_len += header + len;
}

static void queue_message(load_t* L, conn_t* c, uint64_t seq) {
  unsigned char tag[TAG_LEN];
  tag_of(seq, tag);
  queue_frame(L, c, L->opcode, tag, L->templ, L->size);
}

static void set_interest(load_t* L, conn_t* c, int want_out) {
  if (want_out == c->out_registered) return;
  struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.u32 = (uint32_t)(c - L->cs)};
  epoll_ctl(L->ep, EPOLL_CTL_MOD, c->fd, &ev);
  c->out_registered = want_out;
}

static void close_conn(load_t* L, conn_t* c, const char* why, int is_error) {
  if (c->state == CLOSED) return;
  if (is_error) {
    L->errors++;
    if (L->errors <= 5) fprintf(stderr, "ws-load: connection %ld: %s\n", (long)(c - L->cs), why);
  }
  epoll_ctl(L->ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->state = CLOSED;
  L->closed++;
}

static void flush_out(load_t* L, conn_t* c) {
  while (c->out_off < c->out_len) {
    ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      close_conn(L, c, strerror(errno), L->mode != MODE_IDLE);
      return;
    }
    c->out_off += w;
  }
  if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
  set_interest(L, c, c->out_len > 0);
}

static void start_connect(load_t* L, conn_t* c) {
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(L->port);
  inet_pton(AF_INET, L->host, &addr.sin_addr);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) die(strerror(errno));
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(c->fd, (struct sockaddr*)&addr, sizeof(addr)) < 0 && errno != EINPROGRESS) die(strerror(errno));
  c->state = CONNECTING;
  c->out_registered = 1;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)(c - L->cs)};
  epoll_ctl(L->ep, EPOLL_CTL_ADD, c->fd, &ev);
  L->started++;
}

static void send_handshake(load_t* L, conn_t* c) {
  unsigned char raw[16];
  uint64_t a = next_random(L), b = next_random(L);
  memcpy(raw, &a, 8);
  memcpy(raw + 8, &b, 8);
  char key[25];
  base64_encode(raw, 16, key);
  ws_accept_for(key, c->accept);
  char request[512];
  int len = snprintf(request, sizeof(request),
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     L->path, L->host, L->port, key);
  c->out = grow(c->out, &c->out_cap, (size_t)len);
  memcpy(c->out, request, len);
  c->out_len = len;
  c->state = HANDSHAKING;
  flush_out(L, c);
}

/* Checks a complete response head; returns NULL when it accepts the upgrade, else why not. */
static const char* check_handshake(const conn_t* c, const char* head) {
  if (strncmp(head, "HTTP/1.1 101", 12) != 0) return "the upgrade was refused (no 101)";
  for (const char* line = strstr(head, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
    static const char NAME[] = "sec-websocket-accept:";
    if (strncasecmp(line + 2, NAME, sizeof(NAME) - 1) != 0) continue;
    const char* value = line + 2 + sizeof(NAME) - 1;
    while (*value == ' ' || *value == '\t') value++;
    return strncmp(value, c->accept, 28) == 0 ? NULL : "wrong Sec-WebSocket-Accept";
  }
  return "no Sec-WebSocket-Accept";
}

static void on_message(load_t* L, conn_t* c, const unsigned char* payload, size_t len) {
  int index = (int)(c - L->cs);
  if (L->mode == MODE_FANOUT && index == 0) {
    L->dropped_copies++; /* the publisher's own copy */
    return;
  }
  if (L->mode == MODE_FANOUT && len >= TAG_LEN && memcmp(payload, PROBE_TAG, TAG_LEN) == 0) {
    if (!c->subscribed) L->subscribed++;
    c->subscribed = 1;
    return;
  }
  unsigned char tag[TAG_LEN];
  tag_of(c->next_recv, tag);
  size_t tag_len = len < TAG_LEN ? len : TAG_LEN;
  if (len != (size_t)L->size || memcmp(payload, tag, tag_len) != 0 ||
      memcmp(payload + tag_len, L->templ + tag_len, len - tag_len) != 0) {
    close_conn(L, c, "a message came back different, out of order or of another size", 1);
    return;
  }
  uint64_t seq = c->next_recv++;
  L->messages++;
  if (L->mode == MODE_FANOUT) {
    L->delivered[seq % L->depth]++;
    hist_add(&L->hist, (uint64_t)((L->now - L->pub_sent_at[seq % L->depth]) * 1e9));
  } else if (L->mode == MODE_ECHO) {
    hist_add(&L->hist, (uint64_t)((L->now - c->sent_at[seq % L->depth]) * 1e9));
    c->sent_at[c->next_send % L->depth] = L->now;
    queue_message(L, c, c->next_send++);
  } else {
    c->echoed_once = 1;
  }
}

/* Parses every complete frame in p[0..n); returns the bytes consumed. */
static size_t parse_frames(load_t* L, conn_t* c, const unsigned char* p, size_t n) {
  size_t at = 0;
  while (c->state == OPEN && n - at >= 2) {
    const unsigned char* f = p + at;
    int fin = f[0] & 0x80, opcode = f[0] & 0x0F;
    size_t header = 2;
    uint64_t len = f[1] & 0x7F;
    if (f[1] & 0x80) {
      close_conn(L, c, "the server masked a frame", 1);
      break;
    }
    if (len == 126) {
      if (n - at < 4) break;
      len = (uint64_t)f[2] << 8 | f[3];
      header = 4;
    } else if (len == 127) {
      if (n - at < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = len << 8 | f[2 + i];
      header = 10;
    }
    if (len > (uint64_t)L->bufsize / 2) {
      close_conn(L, c, "a frame larger than any message sent", 1);
      break;
    }
    if (n - at < header + len) break;
    const unsigned char* payload = f + header;
    at += header + len;
    if (opcode == OP_PING) {
      queue_frame(L, c, OP_PONG, NULL, payload, len);
    } else if (opcode == OP_PONG) {
      continue;
    } else if (opcode == OP_CLOSE) {
      close_conn(L, c, "the server sent a close frame", L->mode != MODE_IDLE);
    } else if (!fin || opcode != L->opcode) {
      close_conn(L, c, fin ? "a message came back as another type" : "a fragmented message", 1);
    } else {
      on_message(L, c, payload, len);
    }
  }
  return at;
}

static void on_readable(load_t* L, conn_t* c) {
  size_t have = c->carry_len;
  if (have) memcpy(L->buf, c->carry, have);
  ssize_t r = read(c->fd, L->buf + have, L->bufsize - have - 1);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (r <= 0) {
    close_conn(L, c, r == 0 ? "the server closed the connection" : strerror(errno), L->mode != MODE_IDLE);
    return;
  }
  size_t n = have + r, used = 0;
  if (c->state == HANDSHAKING) {
    L->buf[n] = '\0';
    char* end = strstr((char*)L->buf, "\r\n\r\n");
    if (end == NULL) {
      if (n > 8192) close_conn(L, c, "an upgrade response over 8 KB", 1);
    } else {
      end[2] = '\0';
      const char* why = check_handshake(c, (char*)L->buf);
      if (why != NULL) {
        close_conn(L, c, why, 1);
        return;
      }
      c->state = OPEN;
      L->opened++;
      used = (unsigned char*)end + 4 - L->buf;
    }
  }
  if (c->state == OPEN) used += parse_frames(L, c, L->buf + used, n - used);
  if (c->state == CLOSED) return;
  c->carry = grow(c->carry, &c->carry_cap, n - used);
  memcpy(c->carry, L->buf + used, n - used);
  c->carry_len = n - used;
  if (c->out_len > c->out_off) flush_out(L, c);
}

static void on_event(load_t* L, conn_t* c, uint32_t events) {
  if (c->state == CLOSED) return;
  if (c->state == CONNECTING) {
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      close_conn(L, c, err ? strerror(err) : "connect failed", 1);
      return;
    }
    if (events & EPOLLOUT) send_handshake(L, c);
    return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(L, c);
  if (c->state != CLOSED && (events & EPOLLOUT)) flush_out(L, c);
}

static void usage(void) {
  fprintf(stderr,
          "usage: ws-load [--fanout | --idle] --port P [--host H] [--path /echo] --conns N [--size B] "
          "[--depth K] [--text] [--seconds S] [--warmup W]\n       ws-load --self-test\n");
  exit(2);
}

static int self_test(void) {
  char accept[29];
  ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", accept); /* RFC 6455 section 1.3 */
  int ok = strcmp(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0;
  printf("%s: %s\n", ok ? "ok" : "FAILED", accept);
  return ok ? 0 : 1;
}

static void print_result(load_t* L, uint64_t counted, double window, double load_cpu) {
  const histogram_t* h = &L->hist;
  printf("{\"mode\":\"%s\",\"conns\":%d,\"size\":%d,\"depth\":%d,\"type\":\"%s\",\"seconds\":%.3f,"
         "\"messages\":%llu,\"messagesPerSec\":%.0f,\"bytesPerSec\":%.0f,"
         "\"latencyUs\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f},"
         "\"loadCpu\":%.3f,\"errors\":%llu}\n",
         L->mode == MODE_FANOUT ? "fanout" : "echo", L->conns, L->size, L->depth,
         L->opcode == OP_TEXT ? "text" : "binary", window, (unsigned long long)counted, counted / window,
         counted * (double)L->size / window, hist_quantile_us(h, 0.5), hist_quantile_us(h, 0.9),
         hist_quantile_us(h, 0.99), hist_quantile_us(h, 0.999), h->max / 1e3, load_cpu,
         (unsigned long long)L->errors);
  fflush(stdout);
}

/* fanout: retires messages every subscriber has, and publishes up to the window. */
static void publish(load_t* L) {
  conn_t* pub = &L->cs[0];
  while (L->oldest < L->next_pub && L->delivered[L->oldest % L->depth] == (uint32_t)(L->conns - L->closed)) {
    L->delivered[L->oldest % L->depth] = 0;
    L->oldest++;
  }
  while (pub->state == OPEN && L->next_pub < L->oldest + (uint64_t)L->depth) {
    L->pub_sent_at[L->next_pub % L->depth] = L->now;
    queue_message(L, pub, L->next_pub++);
  }
  if (pub->state == OPEN) flush_out(L, pub);
}

/* idle: answers each line on stdin with the count of open connections; exits at its end. */
static void serve_stdin(load_t* L) {
  char line[256];
  ssize_t r = read(0, line, sizeof(line));
  if (r <= 0) exit(0);
  for (ssize_t k = 0; k < r; k++)
    if (line[k] == '\n') printf("open %d\n", L->total - L->closed);
  fflush(stdout);
}

int main(int argc, char** argv) {
  load_t L = {.mode = MODE_ECHO, .conns = 1, .size = 64, .depth = 1, .opcode = OP_BINARY,
              .host = "127.0.0.1", .path = NULL, .seconds = 5, .warmup = 1};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--self-test")) return self_test();
    if (!strcmp(argv[i], "--fanout")) L.mode = MODE_FANOUT;
    else if (!strcmp(argv[i], "--idle")) L.mode = MODE_IDLE;
    else if (!strcmp(argv[i], "--text")) L.opcode = OP_TEXT;
    else if (i + 1 >= argc) usage();
    else if (!strcmp(argv[i], "--host")) L.host = argv[++i];
    else if (!strcmp(argv[i], "--port")) L.port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--path")) L.path = argv[++i];
    else if (!strcmp(argv[i], "--conns")) L.conns = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--size")) L.size = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--depth")) L.depth = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seconds")) L.seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--warmup")) L.warmup = atof(argv[++i]);
    else usage();
  }
  if (L.port <= 0 || L.conns <= 0 || L.size < TAG_LEN || L.size > 64 * 1024 * 1024 || L.depth <= 0 ||
      L.seconds <= 0 || L.warmup < 0)
    usage();
  if (L.path == NULL) L.path = L.mode == MODE_FANOUT ? "/broadcast" : "/echo";
  struct in_addr probe_addr;
  if (inet_pton(AF_INET, L.host, &probe_addr) != 1) usage();
  signal(SIGPIPE, SIG_IGN);
  struct rlimit nofile;
  getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);

  L.rng = (uint64_t)getpid() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(now_s() * 1e9);
  if (L.rng == 0) L.rng = 1;
  L.total = L.conns + (L.mode == MODE_FANOUT ? 1 : 0);
  L.cs = calloc(L.total, sizeof(conn_t));
  L.bufsize = 2 * ((size_t)L.size + 16) > 256 * 1024 ? 2 * ((size_t)L.size + 16) : 256 * 1024;
  L.buf = malloc(L.bufsize);
  L.delivered = calloc(L.depth, sizeof(uint32_t));
  L.pub_sent_at = calloc(L.depth, sizeof(double));
  if (L.cs == NULL || L.buf == NULL || L.delivered == NULL || L.pub_sent_at == NULL) die("out of memory");
  fill_template(&L);
  L.ep = epoll_create1(EPOLL_CLOEXEC);

  struct epoll_event* events = malloc(sizeof(struct epoll_event) * 1024);
  int phase = 0; /* 0 connecting, 1 probing (fanout), 2 running, 3 idle holding */
  double phase_start = now_s(), last_probe = 0, count_from = 0, end = 0, cpu_from = 0;
  uint64_t counted_base = 0, last_messages = 0;
  double last_progress = phase_start;
  int counting = 0;
  for (;;) {
    while (phase == 0 && L.started < L.total && L.started - L.opened - L.closed < MAX_HANDSHAKES)
      start_connect(&L, &L.cs[L.started]);
    int n = epoll_wait(L.ep, events, 1024, 50);
    L.now = now_s();
    for (int e = 0; e < n; e++) {
      if (events[e].data.u32 == STDIN_TOKEN) serve_stdin(&L);
      else on_event(&L, &L.cs[events[e].data.u32], events[e].events);
    }
    if (phase == 0) {
      if (L.opened + L.closed < L.total) {
        if (L.now - phase_start > 60) die("the handshakes did not complete within 60 s");
        continue;
      }
      if (L.closed > 0) die("some connections failed their handshake");
      phase = L.mode == MODE_FANOUT ? 1 : 2;
      count_from = L.now + L.warmup;
      for (int i = 0; i < L.total && L.mode != MODE_FANOUT; i++) {
        for (int k = 0; k < (L.mode == MODE_IDLE ? 1 : L.depth); k++) {
          if (L.cs[i].sent_at == NULL) L.cs[i].sent_at = calloc(L.depth, sizeof(double));
          L.cs[i].sent_at[k] = L.now;
          queue_message(&L, &L.cs[i], L.cs[i].next_send++);
        }
        flush_out(&L, &L.cs[i]);
      }
    }
    if (phase == 1) {
      if (L.subscribed < L.conns) {
        if (L.now - last_probe >= 0.1) {
          queue_frame(&L, &L.cs[0], L.opcode, PROBE_TAG, L.templ, L.size);
          flush_out(&L, &L.cs[0]);
          last_probe = L.now;
        }
        if (L.now - phase_start > 60) die("not every subscriber received a probe within 60 s");
        continue;
      }
      phase = 2;
      count_from = L.now + L.warmup;
    }
    if (L.mode == MODE_IDLE) {
      if (phase == 2) {
        int echoed = 0;
        for (int i = 0; i < L.total; i++) echoed += L.cs[i].echoed_once || L.cs[i].state == CLOSED;
        if (echoed < L.total) continue;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = STDIN_TOKEN};
        epoll_ctl(L.ep, EPOLL_CTL_ADD, 0, &ev);
        printf("ready %d\n", L.total - L.closed);
        fflush(stdout);
        phase = 3;
      }
      continue;
    }
    if (L.mode == MODE_FANOUT) publish(&L);
    if (L.messages != last_messages) {
      last_messages = L.messages;
      last_progress = L.now;
    } else if (L.now - last_progress > 10) {
      fprintf(stderr, "ws-load: no message for 10 s; stopping\n");
      L.errors++;
      break;
    }
    if (!counting && L.now >= count_from) {
      counting = 1;
      counted_base = L.messages;
      memset(&L.hist, 0, sizeof(L.hist));
      cpu_from = cpu_s();
      end = L.now + L.seconds;
      printf("counting\n");
      fflush(stdout);
    }
    if (counting && L.now >= end) break;
  }
  double window = counting ? L.now - (end - L.seconds) : 0;
  double load_cpu = window > 0 ? (cpu_s() - cpu_from) / window : 0;
  uint64_t counted = counting ? L.messages - counted_base : 0;
  if (counted == 0) {
    size_t pending = 0;
    for (int i = 0; i < L.total; i++) pending += L.cs[i].out_len - L.cs[i].out_off;
    fprintf(stderr, "ws-load: no message in the measured window (%d of %d connections open, %zu bytes unsent)\n",
            L.total - L.closed, L.total, pending);
    L.errors++;
  }
  print_result(&L, counted, window > 0 ? window : 1, load_cpu);
  for (int i = 0; i < L.total; i++)
    if (L.cs[i].state != CLOSED) close(L.cs[i].fd);
  return L.errors ? 3 : 0;
}
