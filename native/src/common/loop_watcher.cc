#include "loop_watcher.h"

#include <cstdlib>

#include "binding.h"
#include "errors.h"

namespace io {

LoopWatcher::~LoopWatcher() { Close(); }

void LoopWatcher::Start(int fd) {
  if (handle_ != nullptr && fd != fd_) Close();
  if (handle_ == nullptr) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env_, reinterpret_cast<struct uv_loop_s**>(&loop)) != napi_ok)
      ThrowCodeError(env_, "ERR_NO_LOOP", "no event loop for this thread");
    handle_ = static_cast<uv_poll_t*>(calloc(1, uv_handle_size(IO_UV_POLL)));
    if (handle_ == nullptr) ThrowSystemError(env_, ENOMEM, "uv_poll_init");
    int rc = uv_poll_init(loop, handle_, fd);
    if (rc < 0) {
      free(handle_);
      handle_ = nullptr;
      ThrowSystemError(env_, -rc, "uv_poll_init");
    }
    fd_ = fd;
    uv_handle_set_data(reinterpret_cast<uv_handle_t*>(handle_), this);
    if (!refed_) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
    if (!hook_) {
      napi_add_env_cleanup_hook(env_, OnCleanup, this);
      hook_ = true;
    }
  }
  int rc = uv_poll_start(handle_, IO_UV_READABLE, OnPoll);
  if (rc < 0) ThrowSystemError(env_, -rc, "uv_poll_start");
  active_ = true;
}

void LoopWatcher::Stop() {
  if (handle_ != nullptr && active_) uv_poll_stop(handle_);
  active_ = false;
  ReleaseContext();
}

// The async context holds the owner (its resource object) strongly: keep it only while started,
// so that a stopped owner can be collected.
void LoopWatcher::ReleaseContext() {
  if (context_ != nullptr && !in_call_) {
    napi_async_destroy(env_, context_);
    context_ = nullptr;
  }
}

void LoopWatcher::Ref() {
  refed_ = true;
  if (handle_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(handle_));
}

void LoopWatcher::Unref() {
  refed_ = false;
  if (handle_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(handle_));
}

void LoopWatcher::Close() {
  if (handle_ != nullptr) {
    uv_poll_stop(handle_);
    uv_handle_set_data(reinterpret_cast<uv_handle_t*>(handle_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(handle_), OnClosed);
    handle_ = nullptr;
  }
  active_ = false;
  fd_ = -1;
  if (hook_) {
    napi_remove_env_cleanup_hook(env_, OnCleanup, this);
    hook_ = false;
  }
  ReleaseContext();
}

// A C++ exception must never unwind into libuv: one that escapes the owner (a failed Node-API
// call, memory) stops the watcher and is reported as the owners report their errors, through
// process 'uncaughtException'.
void LoopWatcher::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<LoopWatcher*>(uv_handle_get_data(reinterpret_cast<uv_handle_t*>(handle)));
  if (self == nullptr) return;
  napi_env env = self->env_;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  Guarded(env, [&]() -> napi_value {
    self->owner_->OnLoopReadable(status);
    return nullptr;
  });
  bool pending = false;
  napi_value error;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &error) == napi_ok) {
    self->Stop();  // the owner may be half way through: do not call it again
    napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

void LoopWatcher::OnClosed(uv_handle_t* handle) { free(handle); }

void LoopWatcher::OnCleanup(void* arg) {
  auto* self = static_cast<LoopWatcher*>(arg);
  self->hook_ = false;  // the hook is being run: do not remove it again
  self->owner_->OnEnvTeardown();
  self->Close();
}

void LoopWatcher::CallFromLoop(const Napi::FunctionReference& fn, Napi::Object recv,
                               const std::initializer_list<napi_value>& args) {
  napi_env env = env_;
  if (context_ == nullptr) {
    napi_value resource_name;
    napi_create_string_utf8(env, "io:reactor", NAPI_AUTO_LENGTH, &resource_name);
    if (napi_async_init(env, recv, resource_name, &context_) != napi_ok) return;
  }
  napi_value result;
  napi_async_context context = context_;
  in_call_ = true;
  napi_status status =
      napi_make_callback(env, context, recv, fn.Value(), args.size(), args.begin(), &result);
  in_call_ = false;
  // The callback may have stopped or closed us, leaving the context for us to release.
  if (!active_) ReleaseContext();
  if (status == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

}  // namespace io
