// Uring lifecycle, reaping and loop integration. The memory layout shared with JavaScript is
// documented in uring.h; the operations are in uring_ops.cc.
#include "uring.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <ctime>
#include <utility>

#include "common/deadline.h"
#include "common/addon.h"
#include "common/args.h"
#include "common/errors.h"
#include "common/js_memory.h"
#include "uring_probe.h"

namespace io {
namespace uring {
namespace {

constexpr int64_t kMaxEntries = 32768;     // IORING_MAX_ENTRIES
constexpr int64_t kMaxCqEntries = 65536;   // IORING_MAX_CQ_ENTRIES
// Loop wakeups run at most this many reap -> callback rounds before yielding to the rest of
// Node's loop (timers, other handles); the eventfd is signalled to come back for the rest.
constexpr int kRoundsPerWakeup = 8;
// Deferred completion work one io_uring_enter runs without being asked for more (Linux >= 6.13,
// IO_LOCAL_TW_DEFAULT_MAX). A reap enters again while work is flagged, at most as many times as
// it takes to fill the completion arrays at this rate.
constexpr unsigned kWorkPerEnter = 20;
// Closing the ring waits at most this long for cancelled operations to complete. Cancelled
// socket operations complete at once; only a zero-copy send whose pages the network still
// holds can take longer, and its memory is then deliberately kept rather than freed.
constexpr int kCloseDrainMs = 2000;

const char* const kOpNames[] = {
    "NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "POLL_ADD", "POLL_REMOVE",
    "SYNC_FILE_RANGE", "SENDMSG", "RECVMSG", "TIMEOUT", "TIMEOUT_REMOVE", "ACCEPT",
    "ASYNC_CANCEL", "LINK_TIMEOUT", "CONNECT", "FALLOCATE", "OPENAT", "CLOSE", "FILES_UPDATE",
    "STATX", "READ", "WRITE", "FADVISE", "MADVISE", "SEND", "RECV", "OPENAT2", "EPOLL_CTL",
    "SPLICE", "PROVIDE_BUFFERS", "REMOVE_BUFFERS", "TEE", "SHUTDOWN", "RENAMEAT", "UNLINKAT",
    "MKDIRAT", "SYMLINKAT", "LINKAT", "MSG_RING", "FSETXATTR", "SETXATTR", "FGETXATTR",
    "GETXATTR", "SOCKET", "URING_CMD", "SEND_ZC", "SENDMSG_ZC", "READ_MULTISHOT", "WAITID",
    "FUTEX_WAIT", "FUTEX_WAKE", "FUTEX_WAITV", "FIXED_FD_INSTALL", "FTRUNCATE", "BIND", "LISTEN",
    "RECV_ZC", "EPOLL_WAIT", "READV_FIXED", "WRITEV_FIXED", "PIPE",
};

struct FlagName {
  uint32_t bit;
  const char* name;
};
const FlagName kSetupNames[] = {
    {kSetupCqSize, "CQSIZE"},           {kSetupClamp, "CLAMP"},
    {kSetupSubmitAll, "SUBMIT_ALL"},    {kSetupCoopTaskrun, "COOP_TASKRUN"},
    {kSetupTaskrunFlag, "TASKRUN_FLAG"}, {kSetupSingleIssuer, "SINGLE_ISSUER"},
    {kSetupDeferTaskrun, "DEFER_TASKRUN"},
};
const char* const kFeatureNames[] = {
    "SINGLE_MMAP", "NODROP", "SUBMIT_STABLE", "RW_CUR_POS", "CUR_PERSONALITY", "FAST_POLL",
    "POLL_32BITS", "SQPOLL_NONFIXED", "EXT_ARG", "NATIVE_WORKERS", "RSRC_TAGS", "CQE_SKIP",
    "LINKED_FILE", "REG_REG_RING", "RECVSEND_BUNDLE", "MIN_TIMEOUT", "RW_ATTR", "NO_IOWAIT",
};

}  // namespace

Napi::Function Uring::Define(Napi::Env env) {
  return DefineNative(env, kClassName,
                      {
                          Method<&Uring::PollAdd>("pollAdd"),
                          Method<&Uring::PollRemove>("pollRemove"),
                          Method<&Uring::Accept>("accept"),
                          Method<&Uring::Recv>("recv"),
                          Method<&Uring::RecvMultishot>("recvMultishotGroup"),
                          Method<&Uring::RecvOnceEach>("recvOnceEach"),
                          Method<&Uring::Send>("send"),
                          Method<&Uring::Writev>("writev"),
                          Method<&Uring::Connect>("connect"),
                          Method<&Uring::ShutdownFd>("shutdown"),
                          Method<&Uring::CloseFd>("closeFd"),
                          Method<&Uring::Cancel>("cancel"),
                          Method<&Uring::CancelFd>("cancelFd"),
                          Method<&Uring::Timeout>("timeout"),
                          Method<&Uring::Submit>("submit"),
                          Method<&Uring::Wait>("wait"),
                          Method<&Uring::RegisterBufferRing>("registerBufferRing"),
                          Method<&Uring::UnregisterBufferRing>("unregisterBufferRing"),
                          Getter<&Uring::GetFd>("fd"),
                          Getter<&Uring::GetClosed>("closed"),
                          Getter<&Uring::GetInFlight>("inFlight"),
                          Getter<&Uring::GetCapacity>("capacity"),
                          Getter<&Uring::GetCompletionBuffer>("completionBuffer"),
                          Getter<&Uring::GetFeatures>("features"),
                      },
                      LoopMembers("startNative", "closeRing"));
}

Uring::Uring(const Napi::CallbackInfo& info) : LoopSource<Uring>(info) {
  Napi::Env env = info.Env();
  unsigned entries = static_cast<unsigned>(ArgIntOr(info, 0, "entries", 1, kMaxEntries, 256));
  unsigned cq_entries = static_cast<unsigned>(
      ArgIntOr(info, 1, "cqEntries", entries, kMaxCqEntries, std::max<unsigned>(4096, entries * 2)));
  int rc = queue_.Open(entries, cq_entries);
  if (rc < 0) {
    Napi::Error error = SystemError(env, -rc, "io_uring_setup");
    SetOwn(env, error.Value(), "reason", Napi::String::New(env, SetupFailureReason(-rc)));
    throw error;
  }
  // What each feature needs, told apart by markers the probe can see: multishot poll came with
  // 5.13 (as did IORING_FEAT_RSRC_TAGS); multishot accept, buffer rings and cancel by fd / any
  // with 5.19 (IORING_OP_SOCKET); multishot recv with 6.0 (IORING_OP_SEND_ZC).
  multishot_poll_ = (queue_.features() & kFeatRsrcTags) != 0;
  multishot_accept_ = buffer_rings_ = cancel_any_ = queue_.OpSupported(kOpSocket);
  multishot_recv_ = send_zc_ = queue_.OpSupported(kOpSendZc);
  capacity_ = queue_.cq_entries();
  // The ring is open: a throw from here on must not leak it (no destructor runs for an object
  // whose constructor threw).
  try {
    completions_ =
        Napi::Persistent(NewArrayBuffer(env, static_cast<size_t>(capacity_) * 12, "the completion arrays"));
    features_ = Napi::Persistent(BuildFeatures(env));
  } catch (...) {
    queue_.Close();
    throw;
  }
}

Uring::~Uring() { Shutdown(); }

// Built from fresh arrays and own properties only (SetOwn): no setter someone defined on
// Object.prototype or Array.prototype runs.
Napi::Object Uring::BuildFeatures(Napi::Env env) {
  std::vector<napi_value> setup;
  for (const FlagName& flag : kSetupNames)
    if (queue_.setup_flags() & flag.bit) setup.push_back(Napi::String::New(env, flag.name));
  std::vector<napi_value> kernel;
  for (uint32_t bit = 0; bit < sizeof(kFeatureNames) / sizeof(kFeatureNames[0]); bit++)
    if (queue_.features() & (1u << bit)) kernel.push_back(Napi::String::New(env, kFeatureNames[bit]));
  std::vector<napi_value> ops;
  for (unsigned op = 0; op < kOpTableSize; op++) {
    if (!queue_.OpSupported(static_cast<uint8_t>(op))) continue;
    if (op < sizeof(kOpNames) / sizeof(kOpNames[0]))
      ops.push_back(Napi::String::New(env, kOpNames[op]));
    else
      ops.push_back(Napi::String::New(env, "OP_" + std::to_string(op)));
  }
  Napi::Object f = Napi::Object::New(env);
  SetOwn(env, f, "setupFlags", OwnArray(env, setup));
  SetOwn(env, f, "kernelFeatures", OwnArray(env, kernel));
  SetOwn(env, f, "opcodes", OwnArray(env, ops));
  SetOwn(env, f, "sqEntries", Napi::Number::New(env, queue_.sq_entries()));
  SetOwn(env, f, "cqEntries", Napi::Number::New(env, queue_.cq_entries()));
  SetOwn(env, f, "deferTaskrun", Napi::Boolean::New(env, (queue_.setup_flags() & kSetupDeferTaskrun) != 0));
  SetOwn(env, f, "multishotPoll", Napi::Boolean::New(env, multishot_poll_));
  SetOwn(env, f, "multishotAccept", Napi::Boolean::New(env, multishot_accept_));
  SetOwn(env, f, "multishotRecv", Napi::Boolean::New(env, multishot_recv_));
  SetOwn(env, f, "bufferRings", Napi::Boolean::New(env, buffer_rings_));
  SetOwn(env, f, "sendZeroCopy", Napi::Boolean::New(env, send_zc_));
  SetOwn(env, f, "cancelByFd", Napi::Boolean::New(env, cancel_any_));
  return f;
}

void Uring::CheckOpen(Napi::Env env) {
  if (!queue_.IsOpen()) ThrowCodeError(env, "ERR_URING_CLOSED", "Uring is closed");
}

bool Uring::CompletionArrays(Completions* out) {
  void* data = LiveArrayBuffer(Env(), completions_.Value(), static_cast<size_t>(capacity_) * 12);
  if (data == nullptr) return false;
  out->tokens = static_cast<uint32_t*>(data);
  out->results = reinterpret_cast<int32_t*>(out->tokens + capacity_);
  out->flags = out->tokens + 2 * static_cast<size_t>(capacity_);
  return true;
}

void Uring::ReleaseSlot(uint32_t index) { slots_.Release(Env(), index); }

// Copies one CQE to entry `index` of the completion arrays. Returns false for CQEs that are not
// the caller's (internal operations), which take no entry.
bool Uring::Deliver(const io_uring_cqe& cqe, const Completions& out, unsigned index) {
  uint32_t slot_index;
  Slot* slot = slots_.FromUserData(cqe.user_data, &slot_index);
  if (slot == nullptr) {
    if (static_cast<uint32_t>(cqe.user_data >> 32) == kInternalTag && internal_in_flight_ > 0)
      internal_in_flight_--;
    return false;
  }
  if ((cqe.flags & kCqeBuffer) && slot->group != nullptr)
    slot->group->MarkOwned(cqe.flags >> kCqeBufferShift);
  out.tokens[index] = slot->token;
  out.results[index] = cqe.res;
  out.flags[index] = cqe.flags;
  if (!(cqe.flags & kCqeMore)) ReleaseSlot(slot_index);  // the kernel is done with it
  return true;
}

// Consumes a CQE nobody will see (the ring is closing): releases its slot, and closes an fd
// that an accept produced, so that closing the ring leaks no descriptor.
void Uring::Discard(const io_uring_cqe& cqe) {
  uint32_t slot_index;
  Slot* slot = slots_.FromUserData(cqe.user_data, &slot_index);
  if (slot == nullptr) {
    if (static_cast<uint32_t>(cqe.user_data >> 32) == kInternalTag && internal_in_flight_ > 0)
      internal_in_flight_--;
    return;
  }
  if (slot->kind == OpKind::kAccept && cqe.res >= 0) close(cqe.res);
  if (!(cqe.flags & kCqeMore)) ReleaseSlot(slot_index);
}

// Reaps into the completion arrays: submits what is queued, waits until at least
// `min_complete` completions were taken or `timeout_ms` passed (-1: no limit), then takes
// whatever else the kernel already holds, up to the arrays' capacity. Returns the count, or
// -errno (-EFAULT: the arrays were detached).
//
// "Whatever the kernel holds" needs io_uring_enter(GETEVENTS) whenever the kernel flags it:
// overflowed CQEs (IORING_SQ_CQ_OVERFLOW), and with DEFER_TASKRUN completions whose work waits
// for this thread (IORING_SQ_TASKRUN). Since 6.13 one enter runs at most
// max(20, min_complete) of those work items, so a busy ring takes several plain enters
// (min_complete 0, no timeout), each running the next 20, until the flag is down or the arrays
// could be full. Asking for a room's worth of completions with a zero timeout would run more
// per enter, but then the kernel arms an already expired hrtimer and goes through its sleep
// path each time: under HTTP keep-alive that cost more CPU than the extra enters.
int Uring::Collect(unsigned min_complete, int timeout_ms) {
  Completions out;
  if (!CompletionArrays(&out)) return -EFAULT;
  if (min_complete > capacity_) min_complete = capacity_;
  Deadline deadline(timeout_ms);
  unsigned taken = 0;
  unsigned drains = 0;
  const unsigned max_drains = 1 + capacity_ / kWorkPerEnter;
  for (;;) {
    unsigned n = taken;
    queue_.Reap(capacity_ - taken, [&](const io_uring_cqe& cqe) {
      if (!Deliver(cqe, out, n)) return false;
      n++;
      return true;
    });
    taken = n;
    if (taken == capacity_) return static_cast<int>(taken);
    int rc;
    if (taken >= min_complete || timeout_ms == 0) {
      // Enough taken: bring in what is already there, without waiting. Bounded, because under
      // load new work keeps arriving and the caller should see this batch first.
      if (!(queue_.Pending() > 0 || queue_.NeedsEnter()) || drains == max_drains)
        return static_cast<int>(taken);
      drains++;
      rc = queue_.Enter(true, 0, -1);
    } else {
      // Nothing in flight and nothing queued: waiting would never end.
      if (slots_.live() == 0 && queue_.Pending() == 0 && queue_.CqReady() == 0)
        return static_cast<int>(taken);
      int wait_ms = -1;
      if (timeout_ms > 0) {
        int left = deadline.RemainingMs();
        if (left == 0) {
          timeout_ms = 0;  // time is up: take what is there, then return
          continue;
        }
        wait_ms = left;
      }
      rc = queue_.Enter(true, std::min(min_complete - taken, queue_.cq_entries()), wait_ms);
      if (rc == -ETIME) timeout_ms = 0;
    }
    if (rc >= 0 || rc == -ETIME || rc == -EINTR) continue;  // EINTR: the deadline shortens the next wait
    if (taken == 0) return rc;
    deferred_error_ = -rc;  // hand over what was taken; report the failure next time
    return static_cast<int>(taken);
  }
}

Napi::Value Uring::Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  submit_scheduled_ = false;
  if (deferred_error_ != 0) {
    int err = deferred_error_;
    deferred_error_ = 0;
    ThrowSystemError(env, err, "io_uring_enter");
  }
  int rc = queue_.Enter(false, 0, -1);
  if (rc < 0) ThrowSystemError(env, -rc, "io_uring_enter");
  return Napi::Number::New(env, rc);
}

Napi::Value Uring::Wait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  unsigned min_complete = static_cast<unsigned>(ArgIntOr(info, 0, "minComplete", 0, capacity_, 1));
  int timeout = ArgTimeout(info, 1);
  CheckOpen(env);
  // The callback is reading the arrays this would overwrite.
  if (in_callback_)
    ThrowCodeError(env, "ERR_URING_REENTRANT_WAIT", "wait() cannot be called from onComplete");
  if (deferred_error_ != 0) {
    int err = deferred_error_;
    deferred_error_ = 0;
    ThrowSystemError(env, err, "io_uring_enter");
  }
  int n = Collect(min_complete, timeout);
  if (n == -EFAULT)
    ThrowCodeError(env, "ERR_URING_COMPLETIONS_DETACHED", "the completion arrays were detached");
  if (n < 0) ThrowSystemError(env, -n, "io_uring_enter");
  return Napi::Number::New(env, n);
}

Uring::StartArguments Uring::StartArgs(const Napi::CallbackInfo& info) {
  return {ArgFunction(info, 0, "onComplete"), ArgFunction(info, 1, "scheduleSubmit")};
}

void Uring::PrepareStart(Napi::Env env, StartArguments& args) {
  if (eventfd_ >= 0) return;
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) ThrowSystemError(env, errno, "eventfd");
  // The kernel signals the eventfd when it posts CQEs, and with DEFER_TASKRUN already when
  // completion work is queued for us (before any CQE exists): the callback therefore always
  // enters with GETEVENTS when IORING_SQ_TASKRUN says work waits (see Collect).
  int rc = Register(queue_.fd(), kRegisterEventfd, &fd, 1);
  if (rc < 0) {
    close(fd);
    ThrowSystemError(env, -rc, "io_uring_register");
  }
  eventfd_ = fd;
}

void Uring::OnStarted(Napi::Env env, StartArguments& args) {
  schedule_submit_ = Napi::Persistent(args.schedule_submit);
  // Completions that arrived before the eventfd was registered (or while a callback that
  // stopped us had it quiet) signalled nothing.
  if (queue_.CanQuietEventfd()) queue_.QuietEventfd(false);
  SignalSelf();
}

void Uring::OnStopped() {
  schedule_submit_.Reset();
  submit_scheduled_ = false;
}

void Uring::SignalSelf() {
  if (eventfd_ < 0) return;
  uint64_t one = 1;
  ssize_t rc = write(eventfd_, &one, sizeof(one));
  (void)rc;  // EAGAIN means the counter is already non-zero: the wakeup is coming anyway
}

// The ring itself failed (or the arrays were detached): stop, and report it the way Node
// reports any error from its loop (process 'uncaughtException').
void Uring::FailInLoop(int err) {
  Napi::Env env = Env();
  StopWatching();
  Napi::Error error = err == EFAULT ? CodeError(env, "ERR_URING_COMPLETIONS_DETACHED",
                                              "the completion arrays were detached")
                                    : SystemError(env, err, "io_uring_enter");
  napi_fatal_exception(env, error.Value());
}

void Uring::OnLoopReadable(int status) {
  if (!queue_.IsOpen() || callback().IsEmpty()) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  // Reset the eventfd before looking at the rings: a signal that arrives after this read is for
  // work this wakeup may not see, and it makes the eventfd readable again.
  uint64_t counter;
  ssize_t got = read(eventfd_, &counter, sizeof(counter));
  (void)got;
  bool quiet = queue_.CanQuietEventfd();
  if (quiet) queue_.QuietEventfd(true);
  for (int round = 0; round < kRoundsPerWakeup; round++) {
    int n = deferred_error_ != 0 ? -std::exchange(deferred_error_, 0) : Collect(0, 0);
    if (n < 0) {
      if (quiet) queue_.QuietEventfd(false);
      return FailInLoop(-n);
    }
    if (n == 0) break;
    in_callback_ = true;
    watcher().CallFromLoop(callback(), Value(), {Napi::Number::New(env, n)});
    in_callback_ = false;
    if (!queue_.IsOpen()) return;  // the callback closed the ring
    if (callback().IsEmpty()) break;
  }
  // Operations the last callback queued go now, in one io_uring_enter.
  submit_scheduled_ = false;
  int rc = queue_.Pending() > 0 ? queue_.Enter(false, 0, -1) : 0;
  // Completions left after the last round, or queued while the eventfd was quiet: come back on
  // the next loop iteration.
  bool more = quiet ? queue_.QuietEventfd(false) : queue_.CqReady() > 0;
  if (rc < 0) return FailInLoop(-rc);
  if (more || deferred_error_ != 0) SignalSelf();
}

// Cancels everything in flight with internal ASYNC_CANCEL requests.
void Uring::CancelEverything() {
  if (cancel_any_) {
    io_uring_sqe* sqe = PrepareInternal(kOpAsyncCancel, -1);
    sqe->cancel_flags = kCancelAny | kCancelAll;
    return;
  }
  for (uint32_t i = 0; i < slots_.size(); i++) {
    if (!slots_[i].live) continue;
    io_uring_sqe* sqe = PrepareInternal(kOpAsyncCancel, -1);
    sqe->addr = UserData(i, slots_[i].token);
  }
}

// Closing (after LoopSource stopped and closed the watcher): cancel everything in flight, reap
// until the kernel has let go of every buffer, then free. close() is idempotent; it also runs
// from the env cleanup hook and the destructor (Shutdown).
void Uring::CloseResources() {
  if (slots_.live() > 0 || internal_in_flight_ > 0) {
    CancelEverything();
    Deadline deadline(kCloseDrainMs);
    while (slots_.live() > 0 || internal_in_flight_ > 0) {
      int left = deadline.RemainingMs();
      if (left == 0) break;
      int rc = queue_.Enter(true, 1, std::min(left, 100));
      queue_.Reap(UINT_MAX, [&](const io_uring_cqe& cqe) {
        Discard(cqe);
        return true;
      });
      if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN) break;
    }
  }
  // Whatever is still in flight keeps its memory: its pins are never released, so the kernel
  // can finish with it after the ring fd is gone. That is a leak by design, never a
  // use-after-free; in practice only a zero-copy send still held by the network gets here.
  if (slots_.live() > 0)
    for (auto& group : groups_) group.release();
  queue_.Close();  // also unregisters the eventfd and the buffer rings
  groups_.clear();  // now the kernel is done with their memory
  if (eventfd_ >= 0) {
    close(eventfd_);
    eventfd_ = -1;
  }
}

Napi::Value Uring::RegisterBufferRing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t count = static_cast<uint32_t>(ArgInt(info, 0, "count", 1, 32768));
  if ((count & (count - 1)) != 0) ThrowRangeError(env, "\"count\" must be a power of two");
  uint32_t size = static_cast<uint32_t>(ArgInt(info, 1, "size", 1, 1 << 30));
  if (static_cast<uint64_t>(count) * size > (1ull << 32))
    ThrowRangeError(env, "\"count\" * \"size\" must be at most 4 GiB");
  int64_t requested = ArgIntOr(info, 2, "groupId", 0, 65535, -1);
  uint32_t provided = static_cast<uint32_t>(ArgIntOr(info, 3, "provided", 0, count, count));
  CheckOpen(env);
  if (!buffer_rings_)
    ThrowCodeError(env, "ERR_URING_UNSUPPORTED",
                   "provided-buffer rings need Linux >= 5.19 (IORING_REGISTER_PBUF_RING)");
  uint16_t gid = 0;
  if (requested >= 0) {
    gid = static_cast<uint16_t>(requested);
  } else {
    while (FindGroup(gid) != nullptr) {
      if (gid == 65535) ThrowCodeError(env, "ERR_URING_NO_GROUP_ID", "all buffer group ids are taken");
      gid++;
    }
  }
  if (FindGroup(gid) != nullptr) ThrowSystemError(env, EEXIST, "io_uring_register");
  groups_.reserve(groups_.size() + 1);  // so that the push below cannot fail once registered
  groups_.push_back(CreateBufferGroup(env, queue_.fd(), gid, count, size, provided));
  Napi::Object description = groups_.back()->Describe(env);
  SetOwn(env, description, "groupId", Napi::Number::New(env, gid));
  return description;
}

void Uring::UnregisterBufferRing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint16_t gid = static_cast<uint16_t>(ArgInt(info, 0, "groupId", 0, 65535));
  if (!queue_.IsOpen()) return;  // closing the ring released it
  for (auto it = groups_.begin(); it != groups_.end(); ++it) {
    if ((*it)->gid != gid) continue;
    if ((*it)->ops_in_flight > 0)
      ThrowCodeError(env, "ERR_URING_BUFFER_RING_BUSY",
                     "operations using this buffer ring are in flight; cancel them first");
    int rc = UnregisterBufferGroup(queue_.fd(), gid);
    if (rc < 0) ThrowSystemError(env, -rc, "io_uring_register");
    groups_.erase(it);
    return;
  }
}

Napi::Value Uring::GetFd(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), queue_.fd());
}
Napi::Value Uring::GetClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !queue_.IsOpen());
}
Napi::Value Uring::GetInFlight(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), slots_.live());
}
Napi::Value Uring::GetCapacity(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), capacity_);
}

namespace {

Napi::Value SupportValue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Support support = ProbeSupport();
  Napi::Object o = Napi::Object::New(env);
  SetOwn(env, o, "supported", Napi::Boolean::New(env, support.supported));
  if (!support.supported) {
    SetOwn(env, o, "reason", Napi::String::New(env, support.reason));
    SetOwn(env, o, "code", Napi::String::New(env, ErrnoName(support.error)));
  }
  return o;
}

}  // namespace
}  // namespace uring

void InitUring(Napi::Env env, Napi::Object exports) {
  using namespace uring;
  exports.Set("Uring", Uring::Define(env));
  static const FunctionEntry kFunctions[] = {
      {"uringSupport", SupportValue},
  };
  ExportFunctions(env, exports, kFunctions);
  ExportConstants(env, exports, "uringConstants", {
      {"IORING_CQE_F_BUFFER", kCqeBuffer},
      {"IORING_CQE_F_MORE", kCqeMore},
      {"IORING_CQE_F_SOCK_NONEMPTY", kCqeSockNonEmpty},
      {"IORING_CQE_F_NOTIF", kCqeNotif},
      {"IORING_CQE_BUFFER_SHIFT", kCqeBufferShift},
  });
}

}  // namespace io
