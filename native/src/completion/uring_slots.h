// SlotTable: one slot per io_uring operation in flight, holding what the kernel may still touch.
//
// A slot keeps a strong reference (napi_ref) to the JavaScript memory the operation reads or
// writes, plus any per-operation storage the kernel reads (a sockaddr, an iovec array, a
// timespec), until the operation's last CQE arrives: the CQE without IORING_CQE_F_MORE (for a
// zero-copy send that is the IORING_CQE_F_NOTIF one, after the kernel let go of the pages).
// JavaScript may drop its Buffer at any time; the memory outlives the operation regardless.
//
// user_data layout (the 64 bits the kernel hands back in each CQE):
//   bits 63..32  slot index + 1, or kInternalTag for operations the binding issues itself
//                (cancels and poll removals on the caller's behalf, whose CQEs are consumed
//                natively and never reach JavaScript)
//   bits 31..0   the caller's token, copied to completionTokens
#pragma once

#include <netinet/in.h>
#include <node_api.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "uring_abi.h"

namespace io {
namespace uring {

struct BufferGroup;

enum class OpKind : uint8_t {
  kPollAdd,
  kAccept,
  kRecv,
  kRecvMultishot,
  kSend,
  kWritev,
  kConnect,
  kShutdown,
  kClose,
  kCancelFd,
  kTimeout,
};

// Storage the kernel reads through pointers in the SQE, allocated only by the operations that
// need it (connect, writev, timeout), and writev's pins: one reference per buffer, so that
// nothing JavaScript can reach (an array it could change) decides what stays alive.
struct OpExtra {
  sockaddr_storage address;
  std::vector<iovec> iov;
  std::vector<napi_ref> pins;
  KernelTimespec timespec;
};

struct Slot {
  napi_ref pin = nullptr;
  std::unique_ptr<OpExtra> extra;
  BufferGroup* group = nullptr;  // recvMultishot: the provided-buffer ring it draws from
  uint32_t token = 0;
  uint32_t next_free = 0;
  OpKind kind = OpKind::kPollAdd;
  bool live = false;
};

constexpr uint32_t kInternalTag = 0xFFFFFFFFu;
constexpr uint32_t kNoSlot = 0xFFFFFFFFu;

inline uint64_t UserData(uint32_t slot, uint32_t token) {
  return (static_cast<uint64_t>(slot + 1) << 32) | token;
}
inline uint64_t InternalUserData() { return static_cast<uint64_t>(kInternalTag) << 32; }

class SlotTable {
 public:
  uint32_t Acquire(OpKind kind, uint32_t token) {
    uint32_t index;
    if (free_head_ != kNoSlot) {
      index = free_head_;
      free_head_ = slots_[index].next_free;
    } else {
      index = static_cast<uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& s = slots_[index];
    s.kind = kind;
    s.token = token;
    s.live = true;
    live_++;
    return index;
  }

  Slot& operator[](uint32_t index) { return slots_[index]; }

  // The slot a CQE's user_data names, or nullptr for internal operations and for values no
  // live slot matches (which would be a bug; they are dropped rather than trusted).
  Slot* FromUserData(uint64_t user_data, uint32_t* index) {
    uint32_t tag = static_cast<uint32_t>(user_data >> 32);
    if (tag == kInternalTag || tag == 0 || tag > slots_.size()) return nullptr;
    Slot& s = slots_[tag - 1];
    if (!s.live) return nullptr;
    *index = tag - 1;
    return &s;
  }

  // Drops the pin and the storage: the kernel is done with them.
  void Release(napi_env env, uint32_t index);

  uint32_t live() const { return live_; }
  size_t size() const { return slots_.size(); }

 private:
  std::vector<Slot> slots_;
  uint32_t free_head_ = kNoSlot;
  uint32_t live_ = 0;
};

}  // namespace uring
}  // namespace io
