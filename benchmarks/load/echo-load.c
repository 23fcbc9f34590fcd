/*
 * echo-load: a closed-loop echo load generator, written in C so that the load is never the
 * bottleneck of a JavaScript server under test (DESIGN.md decision 9).
 *
 *   echo-load --port P [--host 127.0.0.1] --conns N --size B --depth D --seconds S [--warmup W]
 *             [--active K] [--prime T] [--hold 1]
 *
 * Opens N TCP connections; K of them (default all) each keep D messages of B bytes in flight,
 * the others stay connected and idle. Every B bytes echoed back complete one round trip and
 * send one more message. One thread, level-triggered epoll. After W warm-up seconds (default 1)
 * it counts for S seconds and prints one JSON line:
 *   {"conns":N,"active":K,"size":B,"depth":D,"seconds":S,"roundTrips":R,"rps":R/S,
 *    "bytesPerSec":...,"p50Us":...,"p99Us":...,"closed":C,"errors":E}
 * p50Us/p99Us: round-trip latency percentiles in microseconds (from queueing a message to
 * receiving its last byte, within about 6%), over the counted seconds. Echoed bytes are checked
 * against what was sent (a rolling pattern), so a server that loses, reorders or corrupts data
 * is reported as errors rather than as speed; `closed` counts connections the server closed
 * (also counted in `errors`).
 *
 * --prime T: before the warm-up, every connection (idle ones too) makes one round trip, so
 *   the server has accepted and set up all N before anything is counted. Connections that have
 *   not answered after T seconds fail the run (exit 4, a message on stderr).
 * --hold 1: prints {"phase":"primed"} and {"phase":"counting"} lines as those moments come,
 *   and after the result waits for stdin to reach end of file before closing the connections
 *   (so a caller can sample the server with every connection still open).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
  int open;            /* not closed by the server */
  int refill;          /* each completed message queues another (the active connections) */
  int primed;          /* at least one round trip done */
  uint64_t sent;       /* bytes written so far */
  uint64_t received;   /* bytes read so far */
  uint64_t target;     /* bytes that should have been written (messages queued * size) */
  int out_registered;  /* EPOLLOUT is in the interest set */
  double* queued_at;   /* ring of `depth` send times of the messages in flight */
  int head, in_flight;
} conn_t;

static int ep, size = 64, depth = 1;
static uint64_t round_trips, errors, closed, primed;

/* Latency histogram: 16 linear sub-buckets per power of two of nanoseconds (error < 1/16). */
#define BUCKETS 1024
static uint64_t histogram[BUCKETS];
static int recording;

static int bucket_of(uint64_t ns) {
  if (ns < 16) return (int)ns;
  int e = 63 - __builtin_clzll(ns);
  int b = (e - 3) * 16 + (int)((ns >> (e - 4)) & 15);
  return b < BUCKETS ? b : BUCKETS - 1;
}

/* The middle of bucket b, in microseconds. */
static double bucket_us(int b) {
  if (b < 16) return b / 1e3;
  int e = b / 16 + 3;
  double width = (double)(1ull << (e - 4));
  return ((16 + b % 16) * width + width / 2) / 1e3;
}

static double percentile_us(double p) {
  uint64_t total = 0, seen = 0;
  for (int b = 0; b < BUCKETS; b++) total += histogram[b];
  if (total == 0) return 0;
  uint64_t rank = (uint64_t)(p * total);
  if (rank < 1) rank = 1;
  for (int b = 0; b < BUCKETS; b++) {
    seen += histogram[b];
    if (seen >= rank) return bucket_us(b);
  }
  return bucket_us(BUCKETS - 1);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void) {
  fprintf(stderr,
          "usage: echo-load --port P [--host H] --conns N --size B --depth D --seconds S "
          "[--warmup W] [--active K] [--prime T] [--hold 1]\n");
  exit(2);
}

/* Byte k of the stream is pattern[k % 251]: a prime period, so misplaced bytes show up. */
static unsigned char pattern[251 * 64];

static void drop(conn_t* c) {
  errors++;
  closed++;
  c->open = 0;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
}

/* Writes what is queued, and watches EPOLLOUT only while some of it is left. */
static void flush_out(conn_t* c, uint32_t index) {
  while (c->sent < c->target) {
    size_t off = c->sent % 251;
    size_t len = c->target - c->sent;
    if (len > sizeof(pattern) - off) len = sizeof(pattern) - off;
    ssize_t w = write(c->fd, pattern + off, len);
    if (w < 0) break;
    c->sent += w;
  }
  int need_out = c->sent < c->target;
  if (need_out != c->out_registered) {
    struct epoll_event ev = {.events = EPOLLIN | (need_out ? EPOLLOUT : 0), .data.u32 = index};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->out_registered = need_out;
  }
}

static void queue_messages(conn_t* c, int n, double t) {
  for (int k = 0; k < n; k++) c->queued_at[(c->head + c->in_flight++) % depth] = t;
  c->target += (uint64_t)n * size;
}

static void on_readable(conn_t* c, unsigned char* buf, size_t bufsize, double t) {
  for (;;) {
    ssize_t r = read(c->fd, buf, bufsize);
    if (r <= 0) {
      if (r == 0 || (errno != EAGAIN && errno != EINTR)) drop(c);
      return;
    }
    for (ssize_t k = 0; k < r; k++) {
      if (buf[k] != pattern[(c->received + k) % 251]) {
        errors++;
        break;
      }
    }
    uint64_t before = c->received / size;
    c->received += r;
    uint64_t done = c->received / size - before;
    round_trips += done;
    for (uint64_t k = 0; k < done; k++) {
      double latency = t - c->queued_at[c->head];
      c->head = (c->head + 1) % depth;
      c->in_flight--;
      if (recording) histogram[bucket_of((uint64_t)(latency * 1e9))]++;
    }
    if (done && !c->primed) {
      c->primed = 1;
      primed++;
    }
    if (done && c->refill) queue_messages(c, (int)done, t);
    if ((size_t)r < bufsize) return;
  }
}

/* Runs the event loop until `until` (a monotonic time) or, if given, until stop() is true. */
static void run(conn_t* cs, double until, int (*stop)(void), unsigned char* buf, size_t bufsize,
                struct epoll_event* events) {
  for (;;) {
    if (now_s() >= until || (stop && stop())) return;
    int n = epoll_wait(ep, events, 1024, 50);
    double t = now_s();
    for (int e = 0; e < n; e++) {
      uint32_t index = events[e].data.u32;
      conn_t* c = &cs[index];
      if (!c->open) continue;
      if (events[e].events & (EPOLLERR | EPOLLHUP)) {
        fprintf(stderr, "connection %u closed by the server\n", index);
        drop(c);
        continue;
      }
      if (events[e].events & EPOLLIN) on_readable(c, buf, bufsize, t);
      if (c->open) flush_out(c, index);
    }
  }
}

static int conns_total;
static int all_answered(void) { return primed + closed >= (uint64_t)conns_total; }

int main(int argc, char** argv) {
  const char* host = "127.0.0.1";
  int port = 0, conns = 1, active = -1, hold = 0;
  double seconds = 5, warmup = 1, prime = 0;
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) usage();
    if (!strcmp(argv[i], "--host")) host = argv[++i];
    else if (!strcmp(argv[i], "--port")) port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--conns")) conns = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--size")) size = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--depth")) depth = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--warmup")) warmup = atof(argv[++i]);
    else if (!strcmp(argv[i], "--active")) active = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--prime")) prime = atof(argv[++i]);
    else if (!strcmp(argv[i], "--hold")) hold = atoi(argv[++i]);
    else usage();
  }
  if (active < 0 || active > conns) active = conns;
  if (port <= 0 || conns <= 0 || size <= 0 || depth <= 0 || seconds <= 0 || prime < 0) usage();
  signal(SIGPIPE, SIG_IGN);
  for (size_t k = 0; k < sizeof(pattern); k++) pattern[k] = (unsigned char)(k % 251);
  conns_total = conns;

  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) usage();

  ep = epoll_create1(0);
  conn_t* cs = calloc(conns, sizeof(conn_t));
  double* times = calloc((size_t)conns * depth, sizeof(double));
  for (int i = 0; i < conns; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr*)&addr, sizeof(addr)) < 0) {
      fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
      return 1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, O_NONBLOCK);
    cs[i].fd = fd;
    cs[i].open = 1;
    cs[i].queued_at = times + (size_t)i * depth;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }

  size_t bufsize = 256 * 1024;
  unsigned char* buf = malloc(bufsize);
  struct epoll_event* events = malloc(sizeof(struct epoll_event) * 1024);

  if (prime > 0) {
    double t = now_s();
    for (int i = 0; i < conns; i++) {
      queue_messages(&cs[i], 1, t);
      flush_out(&cs[i], (uint32_t)i);
    }
    run(cs, t + prime, all_answered, buf, bufsize, events);
    if (!all_answered()) {
      fprintf(stderr, "only %llu of %d connections echoed within %g s (%llu closed by the server)\n",
              (unsigned long long)primed, conns, prime, (unsigned long long)closed);
      return 4;
    }
    if (hold) printf("{\"phase\":\"primed\"}\n"), fflush(stdout);
  }

  double start = now_s(), count_from = start + warmup, end = count_from + seconds;
  for (int i = 0; i < active; i++) {
    if (!cs[i].open) continue;
    cs[i].refill = 1;
    queue_messages(&cs[i], depth, start);
    flush_out(&cs[i], (uint32_t)i);
  }
  run(cs, count_from, NULL, buf, bufsize, events);
  uint64_t counted_base = round_trips;
  recording = 1;
  if (hold) printf("{\"phase\":\"counting\"}\n"), fflush(stdout);
  run(cs, end, NULL, buf, bufsize, events);
  double counted = round_trips - counted_base;
  printf("{\"conns\":%d,\"active\":%d,\"size\":%d,\"depth\":%d,\"seconds\":%g,\"roundTrips\":%.0f,"
         "\"rps\":%.0f,\"bytesPerSec\":%.0f,\"p50Us\":%.2f,\"p99Us\":%.2f,\"closed\":%llu,"
         "\"errors\":%llu}\n",
         conns, active, size, depth, seconds, counted, counted / seconds, counted * size / seconds,
         percentile_us(0.50), percentile_us(0.99), (unsigned long long)closed,
         (unsigned long long)errors);
  fflush(stdout);
  if (hold) {
    char sink[256];
    while (read(0, sink, sizeof(sink)) > 0) {}
  }
  for (int i = 0; i < conns; i++) close(cs[i].fd);
  return errors ? 3 : 0;
}
