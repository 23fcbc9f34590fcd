/*
 * c-hello-server: the floor any HTTP/1.1 server is measured against. A single-threaded,
 * level-triggered epoll server that answers every request with the same fixed
 * `200 Hello World!` response, keep-alive and pipelined.
 *
 *   c-hello-server --port P [--host 127.0.0.1]
 *
 * It does not parse HTTP: a request is counted complete at the end of its header block (the
 * first CRLF CRLF), which holds for the body-less GETs the load generators send and nothing
 * else. That makes it the cost of the sockets alone, the least any real server can spend.
 * Responses for every request a read completed go out in one send; bytes the socket would not
 * take are owed (a count, the response being fixed) and EPOLLOUT is watched until they are
 * gone, reading paused meanwhile. Prints "listening <port>" once ready; exits on SIGINT/SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "c-server.h"

static const char RESPONSE[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 12\r\n"
    "\r\n"
    "Hello World!";
#define RESPONSE_LEN (sizeof(RESPONSE) - 1)
/* Responses written by one send at most; more wait for the next round of the loop. */
#define BATCH 256

typedef struct {
  uint64_t owed;    /* response bytes not yet written */
  uint64_t offset;  /* where the next byte starts in the stream of repeated responses */
  int matched;      /* how many bytes of "\r\n\r\n" the previous read ended with */
} conn_t;

/* Counts the ends of header blocks in buf, carrying a partial "\r\n\r\n" across reads. */
static uint64_t count_requests(conn_t* c, const unsigned char* buf, ssize_t len) {
  static const char END[] = "\r\n\r\n";
  uint64_t requests = 0;
  int m = c->matched;
  for (ssize_t k = 0; k < len; k++) {
    if (buf[k] == (unsigned char)END[m]) {
      if (++m == 4) {
        requests++;
        m = 0;
      }
    } else {
      m = buf[k] == '\r' ? 1 : 0;
    }
  }
  c->matched = m;
  return requests;
}

/* Writes what is owed; returns -1 when the connection failed, else the bytes still owed. */
static int64_t flush(int fd, conn_t* c, const unsigned char* responses) {
  while (c->owed > 0) {
    uint64_t at = c->offset % RESPONSE_LEN;
    uint64_t len = (uint64_t)BATCH * RESPONSE_LEN - at;
    if (len > c->owed) len = c->owed;
    ssize_t w = send(fd, responses + at, len, MSG_NOSIGNAL);
    if (w < 0) return errno == EAGAIN || errno == EINTR ? (int64_t)c->owed : -1;
    c->owed -= w;
    c->offset += w;
  }
  return 0;
}

typedef struct {
  int ep;
  conn_t* conns;
  unsigned char* buf;
  unsigned char* responses; /* BATCH copies of RESPONSE */
} hello_server_t;

static void on_event(int fd, uint32_t events, void* state) {
  hello_server_t* server = state;
  conn_t* c = &server->conns[fd];
  int64_t owed = c->owed;
  int dead = 0;
  if (owed > 0 && (events & EPOLLOUT)) {
    owed = flush(fd, c, server->responses);
    if (owed == 0) {
      struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = fd};
      epoll_ctl(server->ep, EPOLL_CTL_MOD, fd, &ev);
    }
  } else if (owed == 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))) {
    /* Level-triggered: one read per event; epoll reports what is left. */
    ssize_t r = read(fd, server->buf, 65536);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
      dead = 1;
    } else if (r > 0) {
      c->owed += count_requests(c, server->buf, r) * RESPONSE_LEN;
      owed = flush(fd, c, server->responses);
      if (owed > 0) {
        struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
        epoll_ctl(server->ep, EPOLL_CTL_MOD, fd, &ev);
      }
    }
  }
  if (dead || owed < 0) {
    close(fd);
    memset(c, 0, sizeof(*c));
  }
}

int main(int argc, char** argv) {
  const char* host = "127.0.0.1";
  int port = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else {
      fprintf(stderr, "usage: c-hello-server --port P [--host H]\n");
      return 2;
    }
  }
  stop_on_signals();
  int ep = epoll_create1(EPOLL_CLOEXEC);
  int bound;
  int lfd = listen_tcp(host, port, ep, &bound);
  hello_server_t server = {.ep = ep};
  size_t nconns = 65536;
  server.responses = malloc((size_t)BATCH * RESPONSE_LEN);
  server.conns = calloc(nconns, sizeof(conn_t));
  server.buf = malloc(65536);
  if (server.responses == NULL || server.conns == NULL || server.buf == NULL) {
    fprintf(stderr, "c-hello-server: out of memory\n");
    return 1;
  }
  for (int k = 0; k < BATCH; k++) memcpy(server.responses + (size_t)k * RESPONSE_LEN, RESPONSE, RESPONSE_LEN);
  printf("listening %d\n", bound);
  fflush(stdout);
  serve(ep, lfd, EPOLLIN | EPOLLRDHUP, nconns, on_event, &server);
  return 0;
}
