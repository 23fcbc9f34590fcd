// Socket and fd syscalls for the higher packages. All take plain fd numbers.
//
// Return conventions (hot paths never throw for "try again"):
//   read/write/readv/writev/send/recv: bytes moved, 0 for end of file (reads), or
//     WOULD_BLOCK (-1) for EAGAIN/EWOULDBLOCK.
//   accept: the new fd, or WOULD_BLOCK. acceptBatch: how many fds it stored (0 = would block).
//   connect: true when connected at once, false when in progress (EINPROGRESS).
// Any other failure throws a Node-style SystemError; EINTR is retried.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <vector>

#include "common/addon.h"
#include "common/args.h"
#include "common/binding.h"
#include "common/errors.h"
#include "common/js_object.h"

namespace io {
namespace {

constexpr int kWouldBlock = -1;

bool WouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

Napi::Value AddressObject(Napi::Env env, const sockaddr_storage& ss) {
  char text[INET6_ADDRSTRLEN] = {0};
  const char* family = "unknown";
  std::string address;
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    family = "IPv4";
    address = text;
    port = ntohs(v4->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    family = "IPv6";
    address = text;
    port = ntohs(v6->sin6_port);
  } else if (ss.ss_family == AF_UNIX) {
    auto* un = reinterpret_cast<const sockaddr_un*>(&ss);
    family = "unix";
    address.assign(un->sun_path, strnlen(un->sun_path, sizeof(un->sun_path)));
  }
  Napi::Object o = Napi::Object::New(env);
  SetOwn(env, o, "family", Napi::String::New(env, family));
  SetOwn(env, o, "address", Napi::String::New(env, address));
  SetOwn(env, o, "port", Napi::Number::New(env, port));
  return o;
}

Napi::Value Socket(const Napi::CallbackInfo& info) {
  int domain = static_cast<int>(ArgInt(info, 0, "domain", 0, INT_MAX));
  int type = static_cast<int>(ArgInt(info, 1, "type", 0, INT_MAX));
  int protocol = static_cast<int>(ArgIntOr(info, 2, "protocol", 0, INT_MAX, 0));
  int fd = socket(domain, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) ThrowSystemError(info.Env(), errno, "socket");
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value Bind(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  sockaddr_storage ss;
  socklen_t len = ArgSocketAddress(info, 1, &ss);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) < 0) ThrowSystemError(info.Env(), errno, "bind");
  return info.Env().Undefined();
}

Napi::Value Listen(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int backlog = static_cast<int>(ArgIntOr(info, 1, "backlog", 0, INT_MAX, 511));
  if (listen(fd, backlog) < 0) ThrowSystemError(info.Env(), errno, "listen");
  return info.Env().Undefined();
}

int AcceptFlags(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<int>(
      ArgIntOr(info, i, "flags", 0, SOCK_NONBLOCK | SOCK_CLOEXEC, SOCK_NONBLOCK | SOCK_CLOEXEC)) |
         SOCK_CLOEXEC;
}

Napi::Value Accept(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int flags = AcceptFlags(info, 1);
  int client;
  do client = accept4(fd, nullptr, nullptr, flags);
  while (client < 0 && (errno == EINTR || errno == ECONNABORTED));
  if (client < 0) {
    if (WouldBlock(errno)) return Napi::Number::New(info.Env(), kWouldBlock);
    ThrowSystemError(info.Env(), errno, "accept4");
  }
  return Napi::Number::New(info.Env(), client);
}

// Accepts until EAGAIN or until `out` (an Int32Array) is full. An error after at least one
// accepted fd is not thrown: those fds are returned, and the next call meets the error again.
Napi::Value AcceptBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  napi_typedarray_type type;
  size_t cap = 0;
  void* data = nullptr;
  bool is_typed = false;
  if (napi_is_typedarray(env, info[1], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, info[1], &type, &cap, &data, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array)
    ThrowTypeError(env, "\"out\" must be an Int32Array");
  int flags = AcceptFlags(info, 2);
  if (data == nullptr) cap = 0;  // detached
  auto* slots = static_cast<int32_t*>(data);
  size_t n = 0;
  while (n < cap) {
    int client = accept4(fd, nullptr, nullptr, flags);
    if (client >= 0) {
      slots[n++] = client;
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (WouldBlock(errno) || n > 0) break;
    ThrowSystemError(env, errno, "accept4");
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value Connect(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  sockaddr_storage ss;
  socklen_t len = ArgSocketAddress(info, 1, &ss);
  int rc;
  do rc = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  while (rc < 0 && errno == EINTR);
  if (rc == 0) return Napi::Boolean::New(info.Env(), true);
  if (errno == EINPROGRESS) return Napi::Boolean::New(info.Env(), false);
  ThrowSystemError(info.Env(), errno, "connect");
}

template <typename Fn>
Napi::Value Transfer(const Napi::CallbackInfo& info, const char* syscall, Fn fn) {
  ssize_t n;
  do n = fn();
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (WouldBlock(errno)) return Napi::Number::New(info.Env(), kWouldBlock);
    ThrowSystemError(info.Env(), errno, syscall);
  }
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

Napi::Value Read(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan span = ArgBytesRange(info, 1, "buffer");
  return Transfer(info, "read", [&] { return read(fd, span.data, span.length); });
}

Napi::Value Write(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan span = ArgBytesRange(info, 1, "buffer");
  return Transfer(info, "write", [&] { return write(fd, span.data, span.length); });
}

Napi::Value Recv(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan span = ArgBytesRange(info, 1, "buffer");
  int flags = static_cast<int>(ArgIntOr(info, 4, "flags", 0, INT_MAX, 0));
  return Transfer(info, "recv", [&] { return recv(fd, span.data, span.length, flags); });
}

// send() always adds MSG_NOSIGNAL: a peer that went away yields EPIPE, never SIGPIPE.
Napi::Value Send(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  ByteSpan span = ArgBytesRange(info, 1, "buffer");
  int flags = static_cast<int>(ArgIntOr(info, 4, "flags", 0, INT_MAX, 0)) | MSG_NOSIGNAL;
  return Transfer(info, "send", [&] { return send(fd, span.data, span.length, flags); });
}

// Every element is read (running any getters) before a pointer is taken: a getter that detaches
// an earlier buffer would otherwise leave readv(2) writing into freed memory.
Napi::Value Readv(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  std::vector<napi_value> views = ArgViews(info, 1, "buffers");
  std::vector<iovec> iov = IoVectorsOf(info.Env(), views);
  return Transfer(info, "readv", [&] { return readv(fd, iov.data(), static_cast<int>(iov.size())); });
}

Napi::Value Writev(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  std::vector<napi_value> views = ArgViews(info, 1, "buffers");
  std::vector<iovec> iov = IoVectorsOf(info.Env(), views);
  // sendmsg with MSG_NOSIGNAL on sockets, so writev never raises SIGPIPE either.
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  ssize_t n;
  do n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == ENOTSOCK)
    return Transfer(info, "writev", [&] { return writev(fd, iov.data(), static_cast<int>(iov.size())); });
  if (n < 0) {
    if (WouldBlock(errno)) return Napi::Number::New(info.Env(), kWouldBlock);
    ThrowSystemError(info.Env(), errno, "writev");
  }
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int how = static_cast<int>(ArgInt(info, 1, "how", SHUT_RD, SHUT_RDWR));
  if (shutdown(fd, how) < 0) ThrowSystemError(info.Env(), errno, "shutdown");
  return info.Env().Undefined();
}

// close() is not retried on EINTR: on Linux the fd is released either way.
Napi::Value Close(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  if (close(fd) < 0 && errno != EINTR) ThrowSystemError(info.Env(), errno, "close");
  return info.Env().Undefined();
}

Napi::Value SetSockOpt(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int level = static_cast<int>(ArgInt(info, 1, "level", 0, INT_MAX));
  int name = static_cast<int>(ArgInt(info, 2, "option", 0, INT_MAX));
  int value = static_cast<int>(ArgInt(info, 3, "value", INT_MIN, INT_MAX));
  if (setsockopt(fd, level, name, &value, sizeof(value)) < 0)
    ThrowSystemError(info.Env(), errno, "setsockopt");
  return info.Env().Undefined();
}

Napi::Value GetSockOpt(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  int level = static_cast<int>(ArgInt(info, 1, "level", 0, INT_MAX));
  int name = static_cast<int>(ArgInt(info, 2, "option", 0, INT_MAX));
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, level, name, &value, &len) < 0) ThrowSystemError(info.Env(), errno, "getsockopt");
  return Napi::Number::New(info.Env(), value);
}

Napi::Value GetSockName(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0)
    ThrowSystemError(info.Env(), errno, "getsockname");
  return AddressObject(info.Env(), ss);
}

Napi::Value GetPeerName(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) < 0)
    ThrowSystemError(info.Env(), errno, "getpeername");
  return AddressObject(info.Env(), ss);
}

// [fds[0], fds[1]]; closes both if even that cannot be built, so that no fd leaks.
Napi::Value Pair(Napi::Env env, const int fds[2]) {
  try {
    return OwnArray(env, {Napi::Number::New(env, fds[0]), Napi::Number::New(env, fds[1])});
  } catch (...) {
    close(fds[0]);
    close(fds[1]);
    throw;
  }
}

Napi::Value Pipe2(const Napi::CallbackInfo& info) {
  int flags = static_cast<int>(ArgIntOr(info, 0, "flags", 0, INT_MAX, 0)) | O_CLOEXEC;
  int fds[2];
  if (pipe2(fds, flags) < 0) ThrowSystemError(info.Env(), errno, "pipe2");
  return Pair(info.Env(), fds);
}

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  int domain = static_cast<int>(ArgIntOr(info, 0, "domain", 0, INT_MAX, AF_UNIX));
  int type = static_cast<int>(ArgIntOr(info, 1, "type", 0, INT_MAX, SOCK_STREAM));
  int protocol = static_cast<int>(ArgIntOr(info, 2, "protocol", 0, INT_MAX, 0));
  int fds[2];
  if (socketpair(domain, type | SOCK_CLOEXEC, protocol, fds) < 0)
    ThrowSystemError(info.Env(), errno, "socketpair");
  return Pair(info.Env(), fds);
}

Napi::Value EventFd(const Napi::CallbackInfo& info) {
  unsigned int initval = static_cast<unsigned int>(ArgIntOr(info, 0, "initval", 0, UINT32_MAX, 0));
  int flags = static_cast<int>(ArgIntOr(info, 1, "flags", 0, INT_MAX, 0)) | EFD_CLOEXEC;
  int fd = eventfd(initval, flags);
  if (fd < 0) ThrowSystemError(info.Env(), errno, "eventfd");
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value SetNonBlocking(const Napi::CallbackInfo& info) {
  int fd = ArgFd(info, 0);
  bool on = info[1].IsUndefined() ? true : info[1].ToBoolean().Value();
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) ThrowSystemError(info.Env(), errno, "fcntl");
  int next = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (next != flags && fcntl(fd, F_SETFL, next) < 0) ThrowSystemError(info.Env(), errno, "fcntl");
  return info.Env().Undefined();
}

}  // namespace

void InitSockets(Napi::Env env, Napi::Object exports) {
  static const FunctionEntry kFunctions[] = {
      {"socket", Socket},       {"bind", Bind},
      {"listen", Listen},       {"accept", Accept},
      {"acceptBatch", AcceptBatch}, {"connect", Connect},
      {"read", Read},           {"write", Write},
      {"recv", Recv},           {"send", Send},
      {"readv", Readv},         {"writev", Writev},
      {"shutdown", Shutdown},   {"close", Close},
      {"setsockopt", SetSockOpt}, {"getsockopt", GetSockOpt},
      {"getsockname", GetSockName}, {"getpeername", GetPeerName},
      {"pipe2", Pipe2},         {"socketpair", SocketPair},
      {"eventfd", EventFd},     {"setNonBlocking", SetNonBlocking},
  };
  ExportFunctions(env, exports, kFunctions);

  ExportConstants(env, exports, "socketConstants", {
      {"AF_INET", AF_INET},           {"AF_INET6", AF_INET6},
      {"AF_UNIX", AF_UNIX},           {"SOCK_STREAM", SOCK_STREAM},
      {"SOCK_DGRAM", SOCK_DGRAM},     {"SOCK_NONBLOCK", SOCK_NONBLOCK},
      {"SOCK_CLOEXEC", SOCK_CLOEXEC}, {"SOL_SOCKET", SOL_SOCKET},
      {"SO_REUSEADDR", SO_REUSEADDR}, {"SO_REUSEPORT", SO_REUSEPORT},
      {"SO_KEEPALIVE", SO_KEEPALIVE}, {"SO_RCVBUF", SO_RCVBUF},
      {"SO_SNDBUF", SO_SNDBUF},       {"SO_ERROR", SO_ERROR},
      {"SO_TYPE", SO_TYPE},           {"SO_ACCEPTCONN", SO_ACCEPTCONN},
      {"IPPROTO_TCP", IPPROTO_TCP},
      {"TCP_NODELAY", TCP_NODELAY},   {"SHUT_RD", SHUT_RD},
      {"SHUT_WR", SHUT_WR},           {"SHUT_RDWR", SHUT_RDWR},
      {"O_NONBLOCK", O_NONBLOCK},     {"O_CLOEXEC", O_CLOEXEC},
      {"EFD_NONBLOCK", EFD_NONBLOCK}, {"EFD_CLOEXEC", EFD_CLOEXEC},
      {"EFD_SEMAPHORE", EFD_SEMAPHORE}, {"MSG_PEEK", MSG_PEEK},
      {"MSG_DONTWAIT", MSG_DONTWAIT}, {"MSG_NOSIGNAL", MSG_NOSIGNAL},
      {"WOULD_BLOCK", kWouldBlock},   {"IOV_MAX", IOV_MAX},
  });
}

}  // namespace io
