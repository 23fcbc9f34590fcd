// SignalDrivenIO: the JavaScript class over SigioEngine (sigio_engine.h explains the engine).
//
// Ready-list layout (shared with JavaScript, DESIGN.md decision 2). One ArrayBuffer of
// 8 * maxEvents bytes, owned by JavaScript and kept alive by this object:
//
//   bytes [0, 4*maxEvents)             Uint32 tokens[maxEvents]   caller's token of event i
//   bytes [4*maxEvents, 8*maxEvents)   Uint32 bands[maxEvents]    POLL* bits of event i
//
// wait() and the loop callback fill entries [0, count) and report count. The bands are the
// kernel's si_band (or poll(2)'s revents after a rescan) masked to the fd's interest plus
// POLLERR | POLLHUP. Nothing is allocated per event.
//
// Node's loop watches two fds per started instance: the signalfd and the engine's wake-up
// eventfd; either one leads to OnLoopReadable().
//
// Threads: the instance belongs to the thread that created it (the signals are directed at it
// and blocked in it). A JavaScript object cannot leave its thread, so every call comes from
// the owner; the finalizer and the env cleanup hook run there too.
#include <poll.h>
#include <signal.h>

#include <cerrno>
#include <climits>

#include "common/addon.h"
#include "common/args.h"
#include "common/binding.h"
#include "common/errors.h"
#include "common/js_memory.h"
#include "common/loop_source.h"
#include "sigio_engine.h"

namespace io {
namespace {

constexpr int64_t kMaxEventsLimit = 1 << 20;
constexpr int kMaxRoundsPerWakeup = 64;  // batches per loop callback before yielding to others

// Two watched fds: the signalfd (watcher 0, which also calls JavaScript) and the engine's
// wake-up eventfd (watcher 1).
class SignalDrivenIO : public LoopSource<SignalDrivenIO, 2> {
 public:
  static constexpr const char* kClassName = "SignalDrivenIO";
  static constexpr napi_type_tag kTypeTag = {0xb5e8074c2d9a16f3ull, 0x0c9f3a6e58d2b471ull};

  static Napi::Function Define(Napi::Env env) {
    return DefineNative(env, kClassName,
                        {
                            Method<&SignalDrivenIO::Watch>("watch"),
                            Method<&SignalDrivenIO::Unwatch>("unwatch"),
                            Method<&SignalDrivenIO::Modify>("modify"),
                            Method<&SignalDrivenIO::Wait>("wait"),
                            Method<&SignalDrivenIO::Rescan>("rescan"),
                            Method<&SignalDrivenIO::Resize>("resize"),
                            Getter<&SignalDrivenIO::GetFd>("fd"),
                            Getter<&SignalDrivenIO::GetSignal>("signal"),
                            Getter<&SignalDrivenIO::GetOwnerTid>("ownerTid"),
                            Getter<&SignalDrivenIO::GetMaxEvents>("maxEvents"),
                            Getter<&SignalDrivenIO::GetLevel>("levelTriggered"),
                            Getter<&SignalDrivenIO::GetReadyBuffer>("readyBuffer"),
                            Getter<&SignalDrivenIO::GetClosed>("closed"),
                            Getter<&SignalDrivenIO::GetWatching>("watching"),
                            Getter<&SignalDrivenIO::GetStats>("stats"),
                        },
                        LoopMembers());
  }

  // new SignalDrivenIO(maxEvents?, signal?, levelTriggered?)
  explicit SignalDrivenIO(const Napi::CallbackInfo& info)
      : LoopSource<SignalDrivenIO, 2>(info) {
    Napi::Env env = info.Env();
    max_events_ = static_cast<int>(ArgIntOr(info, 0, "maxEvents", 1, kMaxEventsLimit, 1024));
    int wanted = static_cast<int>(ArgIntOr(info, 1, "signal", SIGRTMIN, SIGRTMAX, 0));
    bool level = false;
    if (!info[2].IsUndefined() && !info[2].IsNull()) {
      if (!info[2].IsBoolean()) ThrowTypeError(env, "\"levelTriggered\" must be a boolean");
      level = info[2].As<Napi::Boolean>().Value();
    }
    ready_ = Napi::Persistent(NewArrayBuffer(env, static_cast<size_t>(max_events_) * 8, "the ready list"));
    const char* op = "";
    int rc = engine_.Open(wanted, level, &op);
    if (rc == -EBUSY) {
      ThrowCodeError(env, "ERR_SIGIO_NO_SIGNAL",
                     wanted != 0 ? "real-time signal " + std::to_string(wanted) + " is in use"
                                 : "no free real-time signal between SIGRTMIN and SIGRTMAX");
    }
    if (rc < 0) ThrowSystemError(env, -rc, op);
  }

  ~SignalDrivenIO() override { engine_.Close(); }

  void OnLoopReadable(int status) override {
    if (!engine_.IsOpen() || callback().IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (int round = 0; round < kMaxRoundsPerWakeup; round++) {
      uint32_t* words = ReadyWords();
      int count = words == nullptr ? -EFAULT : engine_.Collect(words, words + max_events_, max_events_);
      if (count < 0) {
        // Nothing was consumed, so libuv would call again at once, forever: stop, and report it
        // as Node reports any error from its loop (process 'uncaughtException').
        StopWatching();
        napi_fatal_exception(env, CollectError(env, -count).Value());
        return;
      }
      if (count == 0) break;
      watcher().CallFromLoop(callback(), Value(), {Napi::Number::New(env, count)});
      if (!engine_.IsOpen() || callback().IsEmpty()) return;  // closed or stopped by the callback
      // Left in the pending list (a rescan found more than one batch): deliver them now.
      // Signals still queued make the signalfd readable, so libuv calls again anyway.
      if (engine_.level_triggered() || !engine_.HasLeftovers()) break;
    }
    // Level-triggered candidates must be looked at again on the next turn, as libuv does for
    // a level-triggered epoll fd that stays readable.
    if (engine_.HasLeftovers()) engine_.Wake();
  }

  void OnEnvTeardown() override { engine_.Close(); }

 private:
  friend class LoopSource<SignalDrivenIO, 2>;

  // --- LoopSource: start(onReady) has Node's loop watch the signalfd and the wake-up eventfd.
  struct StartArguments {
    Napi::Function callback;
  };
  StartArguments StartArgs(const Napi::CallbackInfo& info) { return {ArgFunction(info, 0, "onReady")}; }
  bool IsOpen() const { return engine_.IsOpen(); }
  void PrepareStart(Napi::Env env, StartArguments& args) {}
  int WatchedFd(size_t i) { return i == 0 ? engine_.fd() : engine_.wake_fd(); }
  void OnStarted(Napi::Env env, StartArguments& args) {
    if (engine_.HasLeftovers()) engine_.Wake();
  }
  void OnStopped() {}
  void CloseResources() { engine_.Close(); }
  void CheckOpen(Napi::Env env) {
    if (!engine_.IsOpen()) ThrowCodeError(env, "ERR_SIGIO_CLOSED", "SignalDrivenIO is closed");
  }

  // watch() and modify() take (fd, token, interest), checked before any syscall.
  struct Registration {
    int fd;
    uint32_t token;
    uint32_t interest;
  };
  Registration ArgRegistration(const Napi::CallbackInfo& info) {
    Registration r;
    r.fd = ArgFd(info, 0);
    r.token = static_cast<uint32_t>(ArgInt(info, 1, "token", 0, UINT32_MAX));
    r.interest = static_cast<uint32_t>(ArgInt(info, 2, "interest", 1, UINT16_MAX));
    if ((r.interest & ~sigio::kInterestMask) != 0)
      ThrowRangeError(info.Env(),
                      "\"interest\" may only combine READABLE, WRITABLE, PRIORITY and READ_HANGUP");
    CheckOpen(info.Env());
    return r;
  }

  [[noreturn]] void ThrowNotWatched(Napi::Env env, int fd) {
    ThrowCodeError(env, "ERR_SIGIO_NOT_WATCHED", "fd " + std::to_string(fd) + " is not watched");
  }

  void Watch(const Napi::CallbackInfo& info) {
    Registration r = ArgRegistration(info);
    const char* op = "";
    int rc = engine_.Watch(r.fd, r.token, r.interest, &op);
    if (rc == sigio::kAlreadyWatched)
      ThrowCodeError(info.Env(), "ERR_SIGIO_ALREADY_WATCHED",
                     "fd " + std::to_string(r.fd) + " is already watched");
    if (rc < 0) ThrowSystemError(info.Env(), -rc, op);
  }

  Napi::Value Unwatch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int fd = ArgFd(info, 0);
    CheckOpen(env);
    bool restored = false;
    int rc = engine_.Unwatch(fd, &restored);
    if (rc == sigio::kNotWatched) ThrowNotWatched(env, fd);
    if (rc < 0) ThrowSystemError(env, -rc, "fcntl");
    return Napi::Boolean::New(env, restored);
  }

  void Modify(const Napi::CallbackInfo& info) {
    Registration r = ArgRegistration(info);
    int rc = engine_.Modify(r.fd, r.token, r.interest);
    if (rc == sigio::kNotWatched) ThrowNotWatched(info.Env(), r.fd);
    if (rc < 0) ThrowSystemError(info.Env(), -rc, "fcntl");
  }

  uint32_t* ReadyWords() {
    return static_cast<uint32_t*>(
        LiveArrayBuffer(Env(), ready_.Value(), static_cast<size_t>(max_events_) * 8));
  }

  // A collect's -errno as the error wait() throws.
  static Napi::Error CollectError(Napi::Env env, int err) {
    if (err == EFAULT) return CodeError(env, "ERR_READY_LIST_DETACHED", "the ready list was detached");
    return SystemError(env, err, "read");
  }

  Napi::Value Wait(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int timeout = ArgTimeout(info, 0);
    CheckOpen(env);
    uint32_t* words = ReadyWords();
    if (words == nullptr) throw CollectError(env, EFAULT);
    int n = engine_.Wait(timeout, words, words + max_events_, max_events_);
    if (n < 0) throw CollectError(env, -n);
    // Started too: what this wait left (level-triggered candidates still ready, a rescan larger
    // than one batch) must reach the loop as well, as a level-triggered epoll fd stays readable.
    if (Active() && engine_.HasLeftovers()) engine_.Wake();
    return Napi::Number::New(env, n);
  }

  void Rescan(const Napi::CallbackInfo& info) {
    CheckOpen(info.Env());
    engine_.RequestRescan();
  }

  // A new ready list of `maxEvents` entries (the old ArrayBuffer is let go; JavaScript must
  // take new views). Safe inside onReady: each batch looks the list up afresh.
  void Resize(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int max_events = static_cast<int>(ArgInt(info, 0, "maxEvents", 1, kMaxEventsLimit));
    CheckOpen(env);
    ready_ = Napi::Persistent(NewArrayBuffer(env, static_cast<size_t>(max_events) * 8, "the ready list"));
    max_events_ = max_events;
  }

  Napi::Value GetFd(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), engine_.fd());
  }
  Napi::Value GetSignal(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), engine_.signal());
  }
  Napi::Value GetOwnerTid(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), engine_.owner_tid());
  }
  Napi::Value GetMaxEvents(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), max_events_);
  }
  Napi::Value GetLevel(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), engine_.level_triggered());
  }
  Napi::Value GetReadyBuffer(const Napi::CallbackInfo& info) { return ready_.Value(); }
  Napi::Value GetClosed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), !engine_.IsOpen());
  }
  Napi::Value GetWatching(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(engine_.watching()));
  }
  Napi::Value GetStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const sigio::Stats& s = engine_.stats();
    Napi::Object o = Napi::Object::New(env);
    SetOwn(env, o, "overflows", Napi::Number::New(env, s.overflows));
    SetOwn(env, o, "rescans", Napi::Number::New(env, s.rescans));
    SetOwn(env, o, "staleEvents", Napi::Number::New(env, s.stale));
    SetOwn(env, o, "signalsRead", Napi::Number::New(env, s.signals));
    SetOwn(env, o, "wakeups", Napi::Number::New(env, s.wakeups));
    return o;
  }

  sigio::SigioEngine engine_;
  int max_events_ = 0;
  Napi::Reference<Napi::ArrayBuffer> ready_;
};

}  // namespace

void InitSignal(Napi::Env env, Napi::Object exports) {
  exports.Set("SignalDrivenIO", SignalDrivenIO::Define(env));
  ExportConstants(env, exports, "sigioConstants", {
      {"POLLIN", POLLIN},
      {"POLLOUT", POLLOUT},
      {"POLLPRI", POLLPRI},
      {"POLLERR", POLLERR},
      {"POLLHUP", POLLHUP},
      {"POLLNVAL", POLLNVAL},
      {"POLLRDHUP", POLLRDHUP},
      {"SIGIO", SIGIO},
      {"SIGRTMIN", static_cast<double>(SIGRTMIN)},
      {"SIGRTMAX", static_cast<double>(SIGRTMAX)},
  });
}

}  // namespace io
