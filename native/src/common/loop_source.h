// LoopSource<T>: what every class that Node's loop watches for has in common (Epoll, Uring,
// SignalDrivenIO, MultiplexWatcher), written once: start, stop, ref, unref, hasRef, close, the
// `active` accessor, and the pin that keeps a started object alive however JavaScript drops it.
//
// start(...) converts every argument first (T::StartArgs), then checks that T is open, lets T
// prepare (T::PrepareStart: an eventfd, a helper thread), has the loop watch T's fds, keeps the
// callback, pins T and tells it (T::OnStarted). stop() undoes that and drops what T::OnStopped
// drops. close() stops, closes the watchers, then T::CloseResources() releases the rest; it is
// idempotent. T supplies, as private members with LoopSource<T, N> a friend:
//
//   struct StartArguments { Napi::Function callback; ... };
//   StartArguments StartArgs(const Napi::CallbackInfo& info);  // converts; checks no state
//   bool IsOpen() const;
//   void CheckOpen(Napi::Env env);                              // throws when closed
//   void PrepareStart(Napi::Env env, StartArguments& args);     // may throw; nothing watched yet
//   int WatchedFd(size_t i);                                    // the fd of watcher i < N
//   void OnStarted(Napi::Env env, StartArguments& args);
//   void OnStopped();
//   void CloseResources();
//
// and LoopWatcher::Owner's OnLoopReadable() and OnEnvTeardown(). T lists LoopMembers() (with
// its own names for start and close, if they differ) among its members.
#pragma once

#include <napi.h>

#include <array>
#include <utility>
#include <vector>

#include "binding.h"
#include "js_memory.h"
#include "loop_watcher.h"

namespace io {

template <typename T, size_t kWatchers = 1>
class LoopSource : public NativeClass<T>, public LoopWatcher::Owner {
 public:
  static typename NativeClass<T>::Members LoopMembers(const char* start_name = "start",
                                                      const char* close_name = "close") {
    using Class = NativeClass<T>;
    return {
        Class::template Method<&LoopSource::Start>(start_name),
        Class::template Method<&LoopSource::Stop>("stop"),
        Class::template Method<&LoopSource::RefHandle>("ref"),
        Class::template Method<&LoopSource::UnrefHandle>("unref"),
        Class::template Method<&LoopSource::HasRef>("hasRef"),
        Class::template Method<&LoopSource::Close>(close_name),
        Class::template Getter<&LoopSource::GetActive>("active"),
    };
  }

 protected:
  explicit LoopSource(const Napi::CallbackInfo& info)
      : NativeClass<T>(info),
        watchers_(MakeWatchers(info.Env(), this, std::make_index_sequence<kWatchers>{})) {}

  LoopWatcher& watcher(size_t i = 0) { return watchers_[i]; }
  // True between start() and stop(), close() or a failure the source reported.
  bool Active() const { return watchers_[0].Active(); }
  // The callback start() was given; empty while stopped.
  const Napi::FunctionReference& callback() const { return callback_; }

  void StopWatching() {
    for (LoopWatcher& w : watchers_) w.Stop();
    callback_.Reset();
    Self().OnStopped();
    pin_.Release(this);
  }

  // close(): idempotent; also what a T's destructor or env teardown may call.
  void CloseSource() {
    if (!Self().IsOpen()) return;
    StopWatching();
    for (LoopWatcher& w : watchers_) w.Close();
    Self().CloseResources();
  }

 private:
  T& Self() { return static_cast<T&>(*this); }

  template <size_t... I>
  static std::array<LoopWatcher, kWatchers> MakeWatchers(Napi::Env env, LoopWatcher::Owner* owner,
                                                         std::index_sequence<I...>) {
    return {{(static_cast<void>(I), LoopWatcher(env, owner))...}};
  }

  void Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    typename T::StartArguments args = Self().StartArgs(info);
    Self().CheckOpen(env);
    Self().PrepareStart(env, args);
    try {
      for (size_t i = 0; i < kWatchers; i++) watchers_[i].Start(Self().WatchedFd(i));
    } catch (...) {
      StopWatching();  // never half started: one fd watched, the other not
      throw;
    }
    callback_ = Napi::Persistent(args.callback);
    pin_.Hold(this);  // the loop may call us even if JavaScript drops its reference
    Self().OnStarted(env, args);
  }

  void Stop(const Napi::CallbackInfo& info) { StopWatching(); }
  void RefHandle(const Napi::CallbackInfo& info) {
    for (LoopWatcher& w : watchers_) w.Ref();
  }
  void UnrefHandle(const Napi::CallbackInfo& info) {
    for (LoopWatcher& w : watchers_) w.Unref();
  }
  Napi::Value HasRef(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), watchers_[0].HasRef());
  }
  void Close(const Napi::CallbackInfo& info) { CloseSource(); }
  Napi::Value GetActive(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), Active()); }

  std::array<LoopWatcher, kWatchers> watchers_;
  LoopPin pin_;
  Napi::FunctionReference callback_;
};

}  // namespace io
