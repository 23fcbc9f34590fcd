// LoopWatcher: lets Node's own loop (libuv) watch one fd for readability and call back into the
// owner, which drains a whole batch and calls JavaScript once (DESIGN.md decision 4a).
//
// The uv_poll_t lives in its own allocation so that it can outlive the owner: uv_close() is
// asynchronous, and the close callback only frees that allocation. An env cleanup hook closes
// the watcher when a worker thread exits with it still running.
#pragma once

#include <napi.h>

#include "uv_min.h"

namespace io {

class LoopWatcher {
 public:
  class Owner {
   public:
    virtual ~Owner() = default;
    // Called on the loop thread when the fd is readable (or when polling it failed: status < 0).
    virtual void OnLoopReadable(int status) = 0;
    // Called from the env cleanup hook: the owner must release everything (the env is going away).
    virtual void OnEnvTeardown() = 0;
  };

  LoopWatcher(Napi::Env env, Owner* owner) : env_(env), owner_(owner) {}
  ~LoopWatcher();
  LoopWatcher(const LoopWatcher&) = delete;
  LoopWatcher& operator=(const LoopWatcher&) = delete;

  // Starts (or restarts) watching fd. Throws a SystemError if libuv refuses the fd.
  void Start(int fd);
  void Stop();
  // Node handle semantics: an unref'ed watcher does not keep the loop alive. Remembered across
  // Start/Stop, as with net.Socket.
  void Ref();
  void Unref();
  bool Active() const { return active_; }
  bool HasRef() const { return refed_; }
  // Stops and releases the uv handle (freed asynchronously by libuv). Safe to call twice.
  void Close();

  // Calls fn(args) as a top-level callback from the loop: with an async context, microtasks run
  // afterwards, and an exception thrown by fn goes to process 'uncaughtException'.
  void CallFromLoop(const Napi::FunctionReference& fn, Napi::Object recv,
                    const std::initializer_list<napi_value>& args);

 private:
  void ReleaseContext();
  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnClosed(uv_handle_t* handle);
  static void OnCleanup(void* arg);

  Napi::Env env_;
  Owner* owner_;
  uv_poll_t* handle_ = nullptr;
  int fd_ = -1;
  bool active_ = false;
  bool refed_ = true;
  bool hook_ = false;
  napi_async_context context_ = nullptr;
  bool in_call_ = false;  // inside CallFromLoop: Close() must not destroy context_ yet
};

}  // namespace io
