#include "uring_queue.h"

#include <sys/mman.h>

#include <cstring>

namespace io {
namespace uring {
namespace {

// Tried in order; EINVAL from io_uring_setup means "this kernel does not know one of these
// flags", so we drop to the next set.
//  - SINGLE_ISSUER|DEFER_TASKRUN (6.1): completions are finished only when the ring's own thread
//    enters with GETEVENTS, in one batch, instead of interrupting it. A Uring belongs to one JS
//    thread, so it is the single issuer by construction.
//  - COOP_TASKRUN (5.19): finish completions on the next kernel entry, no inter-processor
//    interrupt.
//  - TASKRUN_FLAG goes with both: the kernel sets IORING_SQ_TASKRUN when work waits for us, so
//    the loop callback knows whether an io_uring_enter is needed at all.
//  - SUBMIT_ALL (5.18): a failing SQE does not stop the rest of its batch.
// CQSIZE|CLAMP (5.5/5.6) are in every set: the caller chooses the CQ size and the kernel clamps
// oversized requests instead of failing.
constexpr uint32_t kBase = kSetupCqSize | kSetupClamp;
constexpr uint32_t kAttempts[] = {
    kBase | kSetupSingleIssuer | kSetupDeferTaskrun | kSetupTaskrunFlag | kSetupSubmitAll,
    kBase | kSetupCoopTaskrun | kSetupTaskrunFlag | kSetupSubmitAll,
    kBase | kSetupSubmitAll,
    kBase,
};

constexpr uint32_t kRequiredFeatures = kFeatNoDrop | kFeatSubmitStable | kFeatExtArg;

}  // namespace

int Queue::Open(unsigned entries, unsigned cq_entries) {
  int rc = -EINVAL;
  for (uint32_t flags : kAttempts) {
    rc = TryOpen(entries, cq_entries, flags);
    if (rc != -EINVAL) break;
  }
  return rc < 0 ? rc : 0;
}

int Queue::TryOpen(unsigned entries, unsigned cq_entries, uint32_t flags) {
  io_uring_params p;
  memset(&p, 0, sizeof(p));
  p.flags = flags;
  p.cq_entries = cq_entries;
  int fd = Setup(entries, &p);
  if (fd < 0) return fd;
  fd_ = fd;
  setup_flags_ = p.flags;
  features_ = p.features;
  sq_entries_ = p.sq_entries;
  cq_entries_ = p.cq_entries;
  if ((features_ & kRequiredFeatures) != kRequiredFeatures) {
    Close();
    return -EOPNOTSUPP;
  }
  int rc = Map(p);
  if (rc < 0) {
    Close();
    return rc;
  }
  // Which opcodes this kernel implements (IORING_REGISTER_PROBE, 5.6). The buffer is sized for
  // kOpTableSize entries; a kernel that knows more reports only as many as we asked for.
  std::vector<uint8_t> buf(sizeof(io_uring_probe) + kOpTableSize * sizeof(io_uring_probe_op), 0);
  auto* probe = reinterpret_cast<io_uring_probe*>(buf.data());
  if (Register(fd_, kRegisterProbe, probe, kOpTableSize) == 0) {
    for (unsigned i = 0; i < probe->ops_len && i < kOpTableSize; i++)
      ops_[i] = (probe->ops[i].flags & kProbeOpSupported) != 0;
  }
  return 0;
}

int Queue::Map(const io_uring_params& p) {
  sq_map_size_ = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
  cq_map_size_ = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
  bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
  if (single && cq_map_size_ > sq_map_size_) sq_map_size_ = cq_map_size_;
  sq_map_ = mmap(nullptr, sq_map_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                 IORING_OFF_SQ_RING);
  if (sq_map_ == MAP_FAILED) {
    sq_map_ = nullptr;
    return -errno;
  }
  if (single) {
    cq_map_ = sq_map_;
  } else {
    cq_map_ = mmap(nullptr, cq_map_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                   IORING_OFF_CQ_RING);
    if (cq_map_ == MAP_FAILED) {
      cq_map_ = nullptr;
      return -errno;
    }
  }
  sqes_size_ = p.sq_entries * sizeof(io_uring_sqe);
  void* sqes = mmap(nullptr, sqes_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_,
                    IORING_OFF_SQES);
  if (sqes == MAP_FAILED) return -errno;
  sqes_ = static_cast<io_uring_sqe*>(sqes);

  auto* sq = static_cast<uint8_t*>(sq_map_);
  auto* cq = static_cast<uint8_t*>(cq_map_);
  sq_head_ = reinterpret_cast<uint32_t*>(sq + p.sq_off.head);
  sq_tail_k_ = reinterpret_cast<uint32_t*>(sq + p.sq_off.tail);
  sq_flags_ = reinterpret_cast<uint32_t*>(sq + p.sq_off.flags);
  sq_mask_ = *reinterpret_cast<uint32_t*>(sq + p.sq_off.ring_mask);
  sq_tail_ = *sq_tail_k_;
  cq_head_ = reinterpret_cast<uint32_t*>(cq + p.cq_off.head);
  cq_tail_ = reinterpret_cast<uint32_t*>(cq + p.cq_off.tail);
  cq_mask_ = *reinterpret_cast<uint32_t*>(cq + p.cq_off.ring_mask);
  cq_flags_ = p.cq_off.flags != 0 ? reinterpret_cast<uint32_t*>(cq + p.cq_off.flags) : nullptr;
  cqes_ = reinterpret_cast<io_uring_cqe*>(cq + p.cq_off.cqes);
  // The SQ array maps ring slots to SQE indexes. We always fill SQE i for slot i, so the
  // identity mapping is written once here and never again.
  auto* array = reinterpret_cast<uint32_t*>(sq + p.sq_off.array);
  for (uint32_t i = 0; i < p.sq_entries; i++) array[i] = i;
  return 0;
}

void Queue::Close() {
  if (sqes_ != nullptr) munmap(sqes_, sqes_size_);
  if (cq_map_ != nullptr && cq_map_ != sq_map_) munmap(cq_map_, cq_map_size_);
  if (sq_map_ != nullptr) munmap(sq_map_, sq_map_size_);
  sqes_ = nullptr;
  cq_map_ = sq_map_ = nullptr;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  backlog_.clear();
  backlog_head_ = 0;
}

io_uring_sqe* Queue::Next(unsigned reserve) {
  io_uring_sqe* sqe;
  if (backlog_head_ == backlog_.size()) {
    if (SqSpace() < reserve) Enter(false, 0, -1);  // make room; errors resurface on the next Enter
    if (SqSpace() >= reserve) {
      sqe = &sqes_[sq_tail_ & sq_mask_];
      sq_tail_++;
      memset(sqe, 0, sizeof(*sqe));
      return sqe;
    }
  }
  backlog_.emplace_back();
  sqe = &backlog_.back();
  memset(sqe, 0, sizeof(*sqe));
  return sqe;
}

size_t Queue::Pending() const {
  return (sq_tail_ - LoadAcquire(sq_head_)) + (backlog_.size() - backlog_head_);
}

bool Queue::NeedsEnter() const {
  uint32_t flags = LoadAcquire(sq_flags_);
  if (flags & kSqCqOverflow) return true;
  if (setup_flags_ & kSetupTaskrunFlag) return (flags & kSqTaskrun) != 0;
  // DEFER_TASKRUN without TASKRUN_FLAG cannot tell: assume work may be waiting.
  return (setup_flags_ & kSetupDeferTaskrun) != 0;
}

bool Queue::CanQuietEventfd() const {
#if defined(__x86_64__) || defined(__i386__)
  constexpr uint32_t kNeeded = kSetupDeferTaskrun | kSetupTaskrunFlag;
  return cq_flags_ != nullptr && (setup_flags_ & kNeeded) == kNeeded;
#else
  // See QuietEventfd: the check after re-enabling relies on x86's locked RMW being a full barrier.
  return false;
#endif
}

// While the ring's thread is reaping anyway, every CQE its own io_uring_enter posts would signal
// the eventfd again and wake the loop once more for nothing. With DEFER_TASKRUN all CQEs are
// posted by this thread, so signals can be switched off meanwhile (IORING_CQ_EVENTFD_DISABLED).
// What must not be lost is work queued by other CPUs in that window (a recv completing in
// softirq): the kernel queues it, sets IORING_SQ_TASKRUN, then reads the DISABLED flag to decide
// whether to signal. We clear DISABLED, then read TASKRUN: a store then a load on each side.
// The kernel's flag update is a locked RMW on x86 (a full barrier), our store below is
// sequentially consistent, so at least one side sees the other's store: either the kernel
// signals, or we see TASKRUN and signal ourselves. On weaker architectures the kernel's RMW is
// unordered and this could miss a wakeup, hence CanQuietEventfd() is x86-only.
bool Queue::QuietEventfd(bool quiet) {
  if (quiet) {
    __atomic_store_n(cq_flags_, IORING_CQ_EVENTFD_DISABLED, __ATOMIC_RELAXED);
    return false;
  }
  __atomic_store_n(cq_flags_, 0u, __ATOMIC_SEQ_CST);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  uint32_t flags = __atomic_load_n(sq_flags_, __ATOMIC_SEQ_CST);
  return (flags & (kSqTaskrun | kSqCqOverflow)) != 0 || CqReady() > 0;
}

void Queue::Publish() {
  DrainBacklog();
  // Release: the SQEs we filled are visible to the kernel before it sees the new tail.
  StoreRelease(sq_tail_k_, sq_tail_);
}

void Queue::DrainBacklog() {
  while (backlog_head_ < backlog_.size()) {
    // A linked chain moves whole or not at all: a chain split across two submissions would
    // run its tail unlinked.
    size_t chain = 1;
    while (backlog_head_ + chain - 1 < backlog_.size() &&
           (backlog_[backlog_head_ + chain - 1].flags & (IOSQE_IO_LINK | kSqeIoHardlink)) != 0)
      chain++;
    if (backlog_head_ + chain > backlog_.size()) chain = backlog_.size() - backlog_head_;
    if (SqSpace() < chain) return;
    for (size_t i = 0; i < chain; i++) {
      sqes_[sq_tail_ & sq_mask_] = backlog_[backlog_head_++];
      sq_tail_++;
    }
  }
  backlog_.clear();
  backlog_head_ = 0;
}

int Queue::Enter(bool get_events, unsigned min_complete, int timeout_ms) {
  int submitted = 0;
  // Drain the backlog: submit what the ring holds, refill it, repeat.
  while (backlog_head_ < backlog_.size()) {
    Publish();
    int rc = uring::Enter(fd_, sq_tail_ - LoadAcquire(sq_head_), 0, 0, nullptr, 0);
    if (rc == -EINTR) continue;
    if (rc == -EBUSY || rc == -EAGAIN || rc == 0) break;  // no progress now: try again later
    if (rc < 0) return rc;
    submitted += rc;
  }
  Publish();
  uint32_t to_submit = sq_tail_ - LoadAcquire(sq_head_);
  if (!get_events && to_submit == 0) return submitted;
  unsigned flags = get_events ? kEnterGetEvents : 0;
  GetEventsArg arg{};
  KernelTimespec ts{};
  const void* argp = nullptr;
  size_t arg_size = 0;
  if (get_events && timeout_ms >= 0 && min_complete > 0) {
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = static_cast<long long>(timeout_ms % 1000) * 1000000;
    arg.sigmask_sz = _NSIG / 8;
    arg.ts = reinterpret_cast<uint64_t>(&ts);
    flags |= kEnterExtArg;
    argp = &arg;
    arg_size = sizeof(arg);
  }
  for (;;) {
    int rc = uring::Enter(fd_, to_submit, get_events ? min_complete : 0, flags, argp, arg_size);
    if (rc == -EINTR && !get_events) continue;
    // EBUSY/EAGAIN: the kernel cannot take SQEs right now (resources, or before 5.19 a pending
    // CQ overflow, which only a GETEVENTS enter without submissions clears). They stay queued.
    if ((rc == -EBUSY || rc == -EAGAIN) && to_submit > 0) {
      if (!get_events) return submitted;
      to_submit = 0;
      continue;
    }
    if (rc < 0) return rc;
    return submitted + rc;
  }
}

}  // namespace uring
}  // namespace io
