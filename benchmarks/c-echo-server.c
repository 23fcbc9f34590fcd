/*
 * c-echo-server: the floor any JavaScript echo server is measured against. A plain,
 * single-threaded epoll echo server in C, as a competent C programmer writes one.
 *
 *   c-echo-server --port P [--host 127.0.0.1] [--edge]
 *
 * Level-triggered by default (--edge: edge-triggered, draining every read). Reads into one
 * 64 KB buffer and writes straight back; bytes the socket would not take wait in a per-
 * connection buffer and EPOLLOUT is watched until they are gone (reading pauses meanwhile, so
 * memory stays bounded). Prints "listening <port>" once ready; exits on SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
  unsigned char* pending;
  size_t len, cap;
} conn_t;

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char** argv) {
  const char* host = "127.0.0.1";
  int port = 0, edge = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else if (!strcmp(argv[i], "--edge")) edge = 1;
    else {
      fprintf(stderr, "usage: c-echo-server --port P [--host H] [--edge]\n");
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, host, &addr.sin_addr);
  if (bind(lfd, (struct sockaddr*)&addr, sizeof(addr)) < 0 || listen(lfd, 4096) < 0) {
    perror("bind/listen");
    return 1;
  }
  socklen_t alen = sizeof(addr);
  getsockname(lfd, (struct sockaddr*)&addr, &alen);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  printf("listening %d\n", ntohs(addr.sin_port));
  fflush(stdout);

  uint32_t in_mode = EPOLLIN | (edge ? EPOLLET : 0);
  size_t nconns = 65536;
  conn_t* conns = calloc(nconns, sizeof(conn_t));
  unsigned char* buf = malloc(65536);
  struct epoll_event events[1024];
  while (!stop) {
    int n = epoll_wait(ep, events, 1024, 500);
    for (int e = 0; e < n; e++) {
      int fd = events[e].data.fd;
      if (fd == lfd) {
        for (;;) {
          int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          if ((size_t)c >= nconns) {
            close(c);
            continue;
          }
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          struct epoll_event ev = {.events = in_mode | EPOLLRDHUP, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
        continue;
      }
      conn_t* cs = &conns[fd];
      int dead = 0;
      if (cs->len > 0 && (events[e].events & EPOLLOUT)) {
        ssize_t w = send(fd, cs->pending, cs->len, MSG_NOSIGNAL);
        if (w > 0) {
          memmove(cs->pending, cs->pending + w, cs->len - w);
          cs->len -= w;
        } else if (w < 0 && errno != EAGAIN) {
          dead = 1;
        }
        if (!dead && cs->len == 0) {
          struct epoll_event ev = {.events = in_mode | EPOLLRDHUP, .data.fd = fd};
          epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        }
      }
      while (!dead && cs->len == 0 && (events[e].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) {
        ssize_t r = read(fd, buf, 65536);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
          dead = 1;
          break;
        }
        if (r < 0) break;
        ssize_t w = send(fd, buf, r, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN) {
          dead = 1;
          break;
        }
        if (w < 0) w = 0;
        if (w < r) {
          size_t rest = r - w;
          if (cs->cap < rest) {
            cs->pending = realloc(cs->pending, rest);
            cs->cap = rest;
          }
          memcpy(cs->pending, buf + w, rest);
          cs->len = rest;
          struct epoll_event ev = {.events = EPOLLOUT | (edge ? EPOLLET : 0), .data.fd = fd};
          epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        }
        if (!edge) break; /* level-triggered: one read per event, epoll reports the rest */
      }
      if (dead) {
        close(fd);
        free(cs->pending);
        memset(cs, 0, sizeof(*cs));
      }
    }
  }
  return 0;
}
