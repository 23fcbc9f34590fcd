// Epoll: one epoll instance and its ready list.
//
// Ready-list layout (shared with JavaScript, DESIGN.md decision 2). One ArrayBuffer of
// 8 * maxEvents bytes, owned by JavaScript and kept alive by this object:
//
//   bytes [0, 4*maxEvents)             Uint32 tokens[maxEvents]   caller's token of event i
//   bytes [4*maxEvents, 8*maxEvents)   Uint32 events[maxEvents]   EPOLL* bits of event i
//
// wait() and the loop callback fill entries [0, count) and report count; nothing else is
// allocated per event. The token travels in epoll_event.data, so the kernel hands back exactly
// what the caller registered, never an fd number that may since have been reused.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>
#include <vector>

#include "common/addon.h"
#include "common/args.h"
#include "common/binding.h"
#include "common/deadline.h"
#include "common/errors.h"
#include "common/js_memory.h"
#include "common/loop_source.h"

namespace io {
namespace {

constexpr uint32_t kInterestMask = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET |
                                   EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP;
constexpr int64_t kMaxEventsLimit = 1 << 20;

class Epoll : public LoopSource<Epoll> {
 public:
  static constexpr const char* kClassName = "Epoll";
  static constexpr napi_type_tag kTypeTag = {0x6a8f3b2c41d9e705ull, 0x9c04e1d27b3f58a1ull};

  static Napi::Function Define(Napi::Env env) {
    return DefineNative(env, kClassName,
                        {
                            Method<&Epoll::Add>("add"),
                            Method<&Epoll::Modify>("modify"),
                            Method<&Epoll::Delete>("delete"),
                            Method<&Epoll::Wait>("wait"),
                            Getter<&Epoll::GetFd>("fd"),
                            Getter<&Epoll::GetMaxEvents>("maxEvents"),
                            Getter<&Epoll::GetReadyBuffer>("readyBuffer"),
                            Getter<&Epoll::GetClosed>("closed"),
                        },
                        LoopMembers());
  }

  explicit Epoll(const Napi::CallbackInfo& info) : LoopSource<Epoll>(info) {
    Napi::Env env = info.Env();
    max_events_ = static_cast<int>(ArgIntOr(info, 0, "maxEvents", 1, kMaxEventsLimit, 1024));
    size_t ready_bytes = static_cast<size_t>(max_events_) * 8;
    ready_ = Napi::Persistent(NewArrayBuffer(env, ready_bytes, "the ready list"));
    try {
      kernel_events_.resize(max_events_);
    } catch (const std::bad_alloc&) {
      ThrowAllocationFailed(env, "the epoll event array", max_events_ * sizeof(epoll_event));
    }
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) ThrowSystemError(env, errno, "epoll_create1");
  }

  ~Epoll() override { CloseFd(); }

  void OnLoopReadable(int status) override {
    if (epfd_ < 0 || callback().IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    int count = Collect(0);
    if (count < 0) {
      // The readiness was not consumed, so libuv would call again at once, forever: stop, and
      // report it as Node reports any error from its loop (process 'uncaughtException').
      // EINTR cannot happen with a zero timeout; a detached ready list or an unusable fd can.
      StopWatching();
      napi_fatal_exception(env, CollectError(env, -count).Value());
      return;
    }
    if (count == 0) return;  // readiness consumed elsewhere (e.g. a wait() from JS)
    watcher().CallFromLoop(callback(), Value(), {Napi::Number::New(env, count)});
  }

  void OnEnvTeardown() override { CloseFd(); }

 private:
  friend class LoopSource<Epoll>;

  // --- LoopSource: start(onReady) has Node's loop watch the epoll fd.
  struct StartArguments {
    Napi::Function callback;
  };
  StartArguments StartArgs(const Napi::CallbackInfo& info) { return {ArgFunction(info, 0, "onReady")}; }
  bool IsOpen() const { return epfd_ >= 0; }
  void PrepareStart(Napi::Env env, StartArguments& args) {}
  int WatchedFd(size_t i) { return epfd_; }
  void OnStarted(Napi::Env env, StartArguments& args) {}
  void OnStopped() {}
  void CloseResources() { CloseFd(); }

  void CheckOpen(Napi::Env env) {
    if (epfd_ < 0) ThrowCodeError(env, "ERR_EPOLL_CLOSED", "Epoll is closed");
  }

  void Ctl(const Napi::CallbackInfo& info, int op, const char* what) {
    Napi::Env env = info.Env();
    int fd = ArgFd(info, 0);
    // JavaScript's `|` yields a signed int32 (READABLE | EDGE_TRIGGERED < 0), so accept both the
    // signed and the unsigned spelling of the same 32 bits.
    uint32_t events = static_cast<uint32_t>(ArgInt(info, 1, "interest", INT32_MIN, UINT32_MAX));
    if ((events & ~kInterestMask) != 0)
      ThrowRangeError(env, "\"interest\" has bits that are not epoll interest flags");
    uint32_t token = static_cast<uint32_t>(ArgInt(info, 2, "token", 0, UINT32_MAX));
    CheckOpen(env);
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = token;
    if (epoll_ctl(epfd_, op, fd, &ev) < 0) ThrowSystemError(env, errno, what);
  }

  void Add(const Napi::CallbackInfo& info) { Ctl(info, EPOLL_CTL_ADD, "epoll_ctl"); }
  void Modify(const Napi::CallbackInfo& info) { Ctl(info, EPOLL_CTL_MOD, "epoll_ctl"); }

  void Delete(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = ArgFd(info, 0);
    CheckOpen(env);
    epoll_event ev{};  // non-NULL for kernels before 2.6.9
    if (epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, &ev) < 0) ThrowSystemError(env, errno, "epoll_ctl");
  }

  // Waits up to timeout ms (-1: forever) and copies what arrived into the ready list.
  // Returns the count, or -errno. EINTR is retried with the time that is left.
  int Collect(int timeout) {
    uint32_t* out = ReadyWords();
    if (out == nullptr) return -EFAULT;
    Deadline deadline(timeout);
    int n;
    for (;;) {
      n = epoll_wait(epfd_, kernel_events_.data(), max_events_, timeout);
      if (n >= 0 || errno != EINTR) break;
      if (timeout > 0) {
        timeout = deadline.RemainingMs();
        if (timeout == 0) return 0;
      }
    }
    if (n < 0) return -errno;
    uint32_t* tokens = out;
    uint32_t* events = out + max_events_;
    for (int i = 0; i < n; i++) {
      tokens[i] = static_cast<uint32_t>(kernel_events_[i].data.u64);
      events[i] = kernel_events_[i].events;
    }
    return n;
  }

  uint32_t* ReadyWords() {
    return static_cast<uint32_t*>(
        LiveArrayBuffer(Env(), ready_.Value(), static_cast<size_t>(max_events_) * 8));
  }

  // Collect()'s -errno as the error wait() throws.
  static Napi::Error CollectError(Napi::Env env, int err) {
    if (err == EFAULT) return CodeError(env, "ERR_READY_LIST_DETACHED", "the ready list was detached");
    return SystemError(env, err, "epoll_wait");
  }

  Napi::Value Wait(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int timeout = ArgTimeout(info, 0);
    CheckOpen(env);
    int n = Collect(timeout);
    if (n < 0) throw CollectError(env, -n);
    return Napi::Number::New(env, n);
  }

  void CloseFd() {
    if (epfd_ >= 0) {
      close(epfd_);
      epfd_ = -1;
    }
  }

  Napi::Value GetFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), epfd_); }
  Napi::Value GetMaxEvents(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), max_events_);
  }
  Napi::Value GetReadyBuffer(const Napi::CallbackInfo& info) { return ready_.Value(); }
  Napi::Value GetClosed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), epfd_ < 0);
  }

  int epfd_ = -1;
  int max_events_ = 0;
  std::vector<epoll_event> kernel_events_;
  Napi::Reference<Napi::ArrayBuffer> ready_;
};

}  // namespace

void InitEpoll(Napi::Env env, Napi::Object exports) {
  exports.Set("Epoll", Epoll::Define(env));
  ExportConstants(env, exports, "epollConstants", {
      {"EPOLLIN", EPOLLIN},
      {"EPOLLOUT", EPOLLOUT},
      {"EPOLLRDHUP", EPOLLRDHUP},
      {"EPOLLPRI", EPOLLPRI},
      {"EPOLLERR", EPOLLERR},
      {"EPOLLHUP", EPOLLHUP},
      {"EPOLLET", static_cast<double>(static_cast<uint32_t>(EPOLLET))},
      {"EPOLLONESHOT", EPOLLONESHOT},
      {"EPOLLEXCLUSIVE", EPOLLEXCLUSIVE},
  });
}

}  // namespace io
