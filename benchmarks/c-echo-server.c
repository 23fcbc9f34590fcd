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
#include <errno.h>
#include <string.h>

#include "c-server.h"

typedef struct {
  unsigned char* pending;
  size_t len, cap;
} conn_t;

typedef struct {
  int ep, edge;
  uint32_t in_mode;
  conn_t* conns;
  unsigned char* buf;
} echo_server_t;

static void on_event(int fd, uint32_t events, void* state) {
  echo_server_t* server = state;
  conn_t* cs = &server->conns[fd];
  int dead = 0;
  if (cs->len > 0 && (events & EPOLLOUT)) {
    ssize_t w = send(fd, cs->pending, cs->len, MSG_NOSIGNAL);
    if (w > 0) {
      memmove(cs->pending, cs->pending + w, cs->len - w);
      cs->len -= w;
    } else if (w < 0 && errno != EAGAIN) {
      dead = 1;
    }
    if (!dead && cs->len == 0) {
      struct epoll_event ev = {.events = server->in_mode | EPOLLRDHUP, .data.fd = fd};
      epoll_ctl(server->ep, EPOLL_CTL_MOD, fd, &ev);
    }
  }
  while (!dead && cs->len == 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) {
    ssize_t r = read(fd, server->buf, 65536);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
      dead = 1;
      break;
    }
    if (r < 0) break;
    ssize_t w = send(fd, server->buf, r, MSG_NOSIGNAL);
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
      memcpy(cs->pending, server->buf + w, rest);
      cs->len = rest;
      struct epoll_event ev = {.events = EPOLLOUT | (server->edge ? EPOLLET : 0), .data.fd = fd};
      epoll_ctl(server->ep, EPOLL_CTL_MOD, fd, &ev);
    }
    if (!server->edge) break; /* level-triggered: one read per event, epoll reports the rest */
  }
  if (dead) {
    close(fd);
    free(cs->pending);
    memset(cs, 0, sizeof(*cs));
  }
}

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
  stop_on_signals();
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int bound;
  int lfd = listen_tcp(host, port, ep, &bound);
  printf("listening %d\n", bound);
  fflush(stdout);

  echo_server_t server = {.ep = ep, .edge = edge, .in_mode = EPOLLIN | (edge ? EPOLLET : 0)};
  size_t nconns = 65536;
  server.conns = calloc(nconns, sizeof(conn_t));
  server.buf = malloc(65536);
  serve(ep, lfd, server.in_mode | EPOLLRDHUP, nconns, on_event, &server);
  return 0;
}
