/*
 * echo-load: a closed-loop echo load generator, written in C so that the load is never the
 * bottleneck of a JavaScript server under test (DESIGN.md decision 9).
 *
 *   echo-load --port P [--host 127.0.0.1] --conns N --size B --depth D --seconds S [--warmup W]
 *
 * Opens N TCP connections; each keeps D messages of B bytes in flight. Every B bytes echoed
 * back complete one round trip and send one more message. One thread, level-triggered epoll.
 * After W warm-up seconds (default 1) it counts for S seconds and prints one JSON line:
 *   {"conns":N,"size":B,"depth":D,"seconds":S,"roundTrips":R,"rps":R/S,"bytesPerSec":...,"errors":E}
 * Echoed bytes are checked against what was sent (a rolling pattern), so a server that loses,
 * reorders or corrupts data is reported as errors rather than as speed.
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
  uint64_t sent;      /* bytes written so far */
  uint64_t received;  /* bytes read so far */
  uint64_t target;    /* bytes that should have been written (messages queued * size) */
  int want_out;        /* new messages were queued: try to write */
  int out_registered;  /* EPOLLOUT is in the interest set */
} conn_t;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void) {
  fprintf(stderr,
          "usage: echo-load --port P [--host H] --conns N --size B --depth D --seconds S "
          "[--warmup W]\n");
  exit(2);
}

/* Byte k of the stream is pattern[k % 251]: a prime period, so misplaced bytes show up. */
static unsigned char pattern[251 * 64];

int main(int argc, char** argv) {
  const char* host = "127.0.0.1";
  int port = 0, conns = 1, size = 64, depth = 1;
  double seconds = 5, warmup = 1;
  for (int i = 1; i < argc; i++) {
    if (i + 1 >= argc) usage();
    if (!strcmp(argv[i], "--host")) host = argv[++i];
    else if (!strcmp(argv[i], "--port")) port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--conns")) conns = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--size")) size = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--depth")) depth = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[++i]);
    else if (!strcmp(argv[i], "--warmup")) warmup = atof(argv[++i]);
    else usage();
  }
  if (port <= 0 || conns <= 0 || size <= 0 || depth <= 0 || seconds <= 0) usage();
  signal(SIGPIPE, SIG_IGN);
  for (size_t k = 0; k < sizeof(pattern); k++) pattern[k] = (unsigned char)(k % 251);

  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) usage();

  int ep = epoll_create1(0);
  conn_t* cs = calloc(conns, sizeof(conn_t));
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
    cs[i].target = (uint64_t)size * depth;
    cs[i].want_out = 1;
    cs[i].out_registered = 1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }

  size_t bufsize = 256 * 1024;
  unsigned char* buf = malloc(bufsize);
  struct epoll_event* events = malloc(sizeof(struct epoll_event) * 1024);
  uint64_t round_trips = 0, errors = 0;
  double start = now_s(), count_from = start + warmup, end = count_from + seconds;
  int counting = 0;
  uint64_t counted_base = 0;

  for (;;) {
    double t = now_s();
    if (!counting && t >= count_from) {
      counting = 1;
      counted_base = round_trips;
    }
    if (t >= end) break;
    int n = epoll_wait(ep, events, 1024, 100);
    for (int e = 0; e < n; e++) {
      conn_t* c = &cs[events[e].data.u32];
      if (events[e].events & (EPOLLERR | EPOLLHUP)) {
        fprintf(stderr, "connection %u closed by the server\n", events[e].data.u32);
        errors++;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        continue;
      }
      if (events[e].events & EPOLLIN) {
        for (;;) {
          ssize_t r = read(c->fd, buf, bufsize);
          if (r <= 0) {
            if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
              errors++;
              epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            }
            break;
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
          c->target += done * size;
          if (done) c->want_out = 1;
          if ((size_t)r < bufsize) break;
        }
      }
      if (c->want_out || (events[e].events & EPOLLOUT)) {
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
          struct epoll_event ev = {.events = EPOLLIN | (need_out ? EPOLLOUT : 0),
                                   .data.u32 = events[e].data.u32};
          epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
          c->out_registered = need_out;
        }
        c->want_out = 0;
      }
    }
  }
  double counted = counting ? round_trips - counted_base : 0;
  printf("{\"conns\":%d,\"size\":%d,\"depth\":%d,\"seconds\":%g,\"roundTrips\":%.0f,\"rps\":%.0f,"
         "\"bytesPerSec\":%.0f,\"errors\":%llu}\n",
         conns, size, depth, seconds, counted, counted / seconds, counted * size / seconds,
         (unsigned long long)errors);
  for (int i = 0; i < conns; i++) close(cs[i].fd);
  return errors ? 3 : 0;
}
