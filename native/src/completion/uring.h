// Uring: the JavaScript binding of one io_uring instance (a completion backend, DESIGN.md
// decisions 2, 4 and 6). uring.cc holds the lifecycle, reaping and the loop integration;
// uring_ops.cc the operations.
//
// Completion layout (shared with JavaScript). One ArrayBuffer of 12 * capacity bytes, owned by
// JavaScript and kept alive by this object; capacity = the CQ ring's size:
//
//   bytes [0, 4*capacity)              Uint32 tokens[capacity]   caller's token of completion i
//   bytes [4*capacity, 8*capacity)     Int32  results[capacity]  cqe->res: >= 0, or -errno
//   bytes [8*capacity, 12*capacity)    Uint32 flags[capacity]    cqe->flags (F_MORE, F_BUFFER...)
//
// wait() and the loop callback fill entries [0, count) in one pass over the CQ ring and report
// count; nothing is allocated per completion.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "common/binding.h"
#include "common/js_memory.h"
#include "common/loop_source.h"
#include "uring_buffer_group.h"
#include "uring_queue.h"
#include "uring_slots.h"

namespace io {
namespace uring {

class Uring : public LoopSource<Uring> {
 public:
  static constexpr const char* kClassName = "Uring";
  static constexpr napi_type_tag kTypeTag = {0x2f7d91c05be34a68ull, 0xd1a6590e3c87f214ull};

  static Napi::Function Define(Napi::Env env);
  explicit Uring(const Napi::CallbackInfo& info);
  ~Uring() override;

  void OnLoopReadable(int status) override;
  void OnEnvTeardown() override { Shutdown(); }

 private:
  friend class LoopSource<Uring>;

  // --- LoopSource: startNative(onComplete, scheduleSubmit) has Node's loop watch an eventfd the
  // kernel signals when completions arrive; closeRing() is close() (uring.cc).
  struct StartArguments {
    Napi::Function callback;
    Napi::Function schedule_submit;
  };
  StartArguments StartArgs(const Napi::CallbackInfo& info);
  bool IsOpen() const { return queue_.IsOpen(); }
  void PrepareStart(Napi::Env env, StartArguments& args);
  int WatchedFd(size_t i) { return eventfd_; }
  void OnStarted(Napi::Env env, StartArguments& args);
  void OnStopped();
  void CloseResources();

  struct Completions {
    uint32_t* tokens;
    int32_t* results;
    uint32_t* flags;
  };

  // --- lifecycle and reaping (uring.cc)
  void CheckOpen(Napi::Env env);
  bool CompletionArrays(Completions* out);
  bool Deliver(const io_uring_cqe& cqe, const Completions& out, unsigned index);
  void Discard(const io_uring_cqe& cqe);
  void ReleaseSlot(uint32_t index);
  int Collect(unsigned min_complete, int timeout_ms);
  void Shutdown() { CloseSource(); }
  void CancelEverything();
  void SignalSelf();
  void FailInLoop(int err);
  Napi::Object BuildFeatures(Napi::Env env);

  Napi::Value Submit(const Napi::CallbackInfo& info);
  Napi::Value Wait(const Napi::CallbackInfo& info);
  Napi::Value RegisterBufferRing(const Napi::CallbackInfo& info);
  void UnregisterBufferRing(const Napi::CallbackInfo& info);

  Napi::Value GetFd(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);
  Napi::Value GetInFlight(const Napi::CallbackInfo& info);
  Napi::Value GetCapacity(const Napi::CallbackInfo& info);
  Napi::Value GetCompletionBuffer(const Napi::CallbackInfo& info) { return completions_.Value(); }
  Napi::Value GetFeatures(const Napi::CallbackInfo& info) { return features_.Value(); }

  // --- operations (uring_ops.cc)
  uint32_t Begin(OpKind kind, uint32_t token);
  void Pin(uint32_t slot, napi_value value);
  void PinEach(uint32_t slot, const std::vector<napi_value>& values);
  io_uring_sqe* Prepare(uint8_t opcode, int fd, uint32_t slot, unsigned reserve = 1);
  io_uring_sqe* PrepareTransfer(const Napi::CallbackInfo& info, uint8_t opcode);
  io_uring_sqe* PrepareInternal(uint8_t opcode, int fd, unsigned reserve = 1);
  void Queued();
  template <typename Match>
  uint32_t TargetLive(uint32_t token, uint8_t opcode, Match match);
  BufferGroup* FindGroup(uint16_t gid);
  BufferGroup* ArgGroup(Napi::Env env, uint16_t gid);
  void QueueRecvFromGroup(int fd, BufferGroup* group, uint32_t token, uint32_t mode);

  void PollAdd(const Napi::CallbackInfo& info);
  Napi::Value PollRemove(const Napi::CallbackInfo& info);
  void Accept(const Napi::CallbackInfo& info);
  void Recv(const Napi::CallbackInfo& info);
  void RecvMultishot(const Napi::CallbackInfo& info);
  void RecvOnceEach(const Napi::CallbackInfo& info);
  void Send(const Napi::CallbackInfo& info);
  void Writev(const Napi::CallbackInfo& info);
  void Connect(const Napi::CallbackInfo& info);
  void ShutdownFd(const Napi::CallbackInfo& info);
  void CloseFd(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  void CancelFd(const Napi::CallbackInfo& info);
  void Timeout(const Napi::CallbackInfo& info);

  Queue queue_;
  SlotTable slots_;
  std::vector<std::unique_ptr<BufferGroup>> groups_;
  Napi::Reference<Napi::ArrayBuffer> completions_;
  Napi::ObjectReference features_;
  Napi::FunctionReference schedule_submit_;
  uint32_t capacity_ = 0;
  uint32_t internal_in_flight_ = 0;
  int eventfd_ = -1;
  int deferred_error_ = 0;  // an enter failure met after completions were already taken
  bool in_callback_ = false;
  bool submit_scheduled_ = false;
  // What the kernel offers beyond the 5.11 baseline (see BuildFeatures for how each is told).
  bool multishot_poll_ = false;
  bool multishot_accept_ = false;
  bool multishot_recv_ = false;
  bool buffer_rings_ = false;
  bool send_zc_ = false;
  bool cancel_any_ = false;
};

}  // namespace uring
}  // namespace io
