/*
 * c-server.h: what the C reference servers (c-echo-server, c-hello-server) share: stopping on
 * SIGINT/SIGTERM, the listening socket, accepting, and the event loop. Each server is one C
 * file that includes this once and handles the events of its connections.
 */
#ifndef C_SERVER_H
#define C_SERVER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Set by SIGINT/SIGTERM; the server's loop ends when it is. */
static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

/* SIGPIPE ignored (a peer gone is an error from send), SIGINT/SIGTERM set `stop`. */
static void stop_on_signals(void) {
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/*
 * Listens on host:port (port 0: any free one; backlog 4096) and watches the socket in `ep`
 * (data.fd); returns the socket, the port it got in *bound. Exits with a message on failure.
 */
static int listen_tcp(const char* host, int port, int ep, int* bound) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "bad host %s\n", host);
    exit(2);
  }
  if (bind(lfd, (struct sockaddr*)&addr, sizeof(addr)) < 0 || listen(lfd, 4096) < 0) {
    perror("bind/listen");
    exit(1);
  }
  socklen_t alen = sizeof(addr);
  getsockname(lfd, (struct sockaddr*)&addr, &alen);
  *bound = ntohs(addr.sin_port);
  struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  return lfd;
}

/*
 * Accepts every pending connection, with TCP_NODELAY, and watches each in `ep` for `events`
 * (data.fd). A connection whose fd is max_fd or more is closed: the servers index their
 * per-connection state by fd.
 */
static void accept_all(int ep, int lfd, uint32_t events, size_t max_fd) {
  int one = 1;
  for (;;) {
    int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return;
    if ((size_t)c >= max_fd) {
      close(c);
      continue;
    }
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct epoll_event ev = {.events = events, .data.fd = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
  }
}

/* What a server does with one event of one connection: fd, epoll events, its own state. */
typedef void (*conn_event_fn)(int fd, uint32_t events, void* server);

/*
 * The server loop, until SIGINT/SIGTERM: connections on lfd are accepted (see accept_all) and
 * watched for conn_events; every event of a connection goes to on_event.
 */
static void serve(int ep, int lfd, uint32_t conn_events, size_t max_fd, conn_event_fn on_event, void* server) {
  struct epoll_event events[1024];
  while (!stop) {
    int n = epoll_wait(ep, events, 1024, 500);
    for (int e = 0; e < n; e++) {
      if (events[e].data.fd == lfd) accept_all(ep, lfd, conn_events, max_fd);
      else on_event(events[e].data.fd, events[e].events, server);
    }
  }
}

#endif
