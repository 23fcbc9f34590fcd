// Queue: one io_uring instance driven through the raw syscalls. It owns the ring fd and the
// three mmapped regions (SQ ring, CQ ring, SQE array) and knows nothing of JavaScript; the
// binding (uring.cc) decides what the tokens and buffers mean.
//
// Submission: Next() hands out zeroed SQEs in the mmapped array; nothing reaches the kernel
// until Publish()/Enter(), so a whole batch costs one io_uring_enter. When the SQ ring is full,
// Next() first pushes the ring to the kernel, and if the kernel cannot take it (EBUSY/EAGAIN on
// old kernels under CQ pressure) the SQE goes to a backlog in user memory that drains, in
// order, on later Enter() calls: queueing an operation never fails and never drops one.
//
// Completion: Reap() walks the CQ ring once from our head to the kernel's tail. With
// IORING_FEAT_NODROP the kernel keeps CQEs that did not fit in an overflow list and sets
// IORING_SQ_CQ_OVERFLOW; any io_uring_enter with GETEVENTS moves them into the ring as space
// frees up (see NeedsEnter()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "uring_abi.h"

namespace io {
namespace uring {

class Queue {
 public:
  Queue() = default;
  ~Queue() { Close(); }
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Creates the ring with `entries` SQEs and at least `cq_entries` CQEs. Setup flags are tried
  // newest first (SINGLE_ISSUER|DEFER_TASKRUN, then COOP_TASKRUN, then none), dropping to the
  // next set on EINVAL. Returns 0 or -errno; -EOPNOTSUPP when the kernel lacks a feature this
  // addon relies on (NODROP, SUBMIT_STABLE, EXT_ARG: Linux >= 5.11).
  int Open(unsigned entries, unsigned cq_entries);
  // Unmaps and closes. The kernel cancels whatever is still in flight; callers that lent it
  // memory must reap everything first (the binding does).
  void Close();
  bool IsOpen() const { return fd_ >= 0; }

  int fd() const { return fd_; }
  uint32_t setup_flags() const { return setup_flags_; }
  uint32_t features() const { return features_; }
  uint32_t sq_entries() const { return sq_entries_; }
  uint32_t cq_entries() const { return cq_entries_; }
  bool OpSupported(uint8_t op) const { return op < kOpTableSize && ops_[op]; }

  // A zeroed SQE to fill at once (the pointer is valid until the next call). `reserve` > 1
  // promises that many SQEs land side by side in the same submission, for linked chains; it
  // must not exceed sq_entries(), or the chain would wait in the backlog forever.
  io_uring_sqe* Next(unsigned reserve = 1);
  // SQEs queued and not yet taken by the kernel.
  size_t Pending() const;

  // Publishes queued SQEs and calls io_uring_enter: submits them all (draining the backlog),
  // and with `get_events` runs deferred task work, flushes overflowed CQEs and waits for
  // `min_complete` CQEs, at most `timeout_ms` (-1: no limit). Returns SQEs submitted, or
  // -errno (-ETIME when the wait timed out, -EINTR when a signal interrupted it).
  int Enter(bool get_events, unsigned min_complete, int timeout_ms);

  // CQEs waiting in the CQ ring.
  uint32_t CqReady() const { return LoadAcquire(cq_tail_) - *cq_head_; }
  // True when the kernel holds completions that only an io_uring_enter(GETEVENTS) brings out:
  // overflowed CQEs, or task work deferred until we enter (DEFER_TASKRUN).
  bool NeedsEnter() const;

  // Whether the eventfd may stay quiet while the ring's thread is busy reaping (see
  // QuietEventfd): DEFER_TASKRUN with TASKRUN_FLAG, where every CQE is posted by this thread.
  bool CanQuietEventfd() const;
  // Sets or clears IORING_CQ_EVENTFD_DISABLED. Returns, when clearing, whether completion work
  // may have arrived unsignalled while it was set (the caller then signals the eventfd itself).
  bool QuietEventfd(bool quiet);

  // Calls fn(cqe) for each CQE in the ring, in order, until fn has returned true `max` times;
  // returns how many times it did. The ring slots are released to the kernel before returning.
  template <typename Fn>
  unsigned Reap(unsigned max, Fn&& fn) {
    uint32_t head = *cq_head_;  // only we write the CQ head: a plain read is current
    // Acquire: the CQEs up to `tail` were written before the kernel published the tail.
    uint32_t tail = LoadAcquire(cq_tail_);
    unsigned taken = 0;
    while (head != tail && taken < max) {
      if (fn(cqes_[head & cq_mask_])) taken++;
      head++;
    }
    // Release: our reads of those CQEs are done before the kernel may reuse their slots.
    StoreRelease(cq_head_, head);
    return taken;
  }

 private:
  uint32_t SqSpace() const { return sq_entries_ - (sq_tail_ - LoadAcquire(sq_head_)); }
  void Publish();
  void DrainBacklog();
  int TryOpen(unsigned entries, unsigned cq_entries, uint32_t flags);
  int Map(const io_uring_params& p);

  int fd_ = -1;
  uint32_t setup_flags_ = 0;
  uint32_t features_ = 0;
  uint32_t sq_entries_ = 0;
  uint32_t cq_entries_ = 0;
  bool ops_[kOpTableSize] = {};

  void* sq_map_ = nullptr;
  size_t sq_map_size_ = 0;
  void* cq_map_ = nullptr;  // == sq_map_ with IORING_FEAT_SINGLE_MMAP
  size_t cq_map_size_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  size_t sqes_size_ = 0;

  uint32_t* sq_head_ = nullptr;   // kernel writes
  uint32_t* sq_tail_k_ = nullptr; // we write
  uint32_t* sq_flags_ = nullptr;  // kernel writes
  uint32_t sq_mask_ = 0;
  uint32_t sq_tail_ = 0;          // our tail, published to *sq_tail_k_ by Publish()
  uint32_t* cq_head_ = nullptr;   // we write
  uint32_t* cq_tail_ = nullptr;   // kernel writes
  uint32_t* cq_flags_ = nullptr;  // we write (IORING_CQ_EVENTFD_DISABLED)
  uint32_t cq_mask_ = 0;
  io_uring_cqe* cqes_ = nullptr;

  // SQEs that did not fit in the ring, oldest first from backlog_head_.
  std::vector<io_uring_sqe> backlog_;
  size_t backlog_head_ = 0;
};

}  // namespace uring
}  // namespace io
