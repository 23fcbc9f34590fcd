// Uring operations. Each checks its arguments (TypeError/RangeError before anything is queued),
// takes a slot that pins the memory the kernel will use (uring_slots.h), and fills one SQE in
// the mmapped array. Nothing reaches the kernel until the batch is submitted: by submit(),
// wait(), after the loop callback returns, or at the end of the current JavaScript task when
// the ring is started (Queued()).
#include <poll.h>
#include <sys/epoll.h>

#include <climits>
#include <cmath>

#include "common/args.h"
#include "common/errors.h"
#include "uring.h"

namespace io {
namespace uring {
namespace {

constexpr uint32_t kPollMask = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLERR | EPOLLHUP;
// Results are int32, so one transfer moves at most INT_MAX bytes.
constexpr size_t kMaxTransfer = INT_MAX;
// Timeouts up to about 24.8 days, as setTimeout allows.
constexpr double kMaxTimeoutMs = 2147483647.0;

uint32_t ArgToken(const Napi::CallbackInfo& info, size_t i) {
  return static_cast<uint32_t>(ArgInt(info, i, "token", 0, UINT32_MAX));
}

// recvMultishotGroup's mode bits (0: multishot where the kernel has it).
constexpr uint32_t kRecvModeSingleShot = 1;
constexpr uint32_t kRecvModePollFirst = 2;

// An optional options object; reads one boolean property from it.
bool OptionFlag(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (v.IsUndefined() || v.IsNull()) return false;
  if (!v.IsObject()) ThrowTypeError(info.Env(), "\"options\" must be an object");
  return v.As<Napi::Object>().Get(name).ToBoolean().Value();
}

void CheckTransferLength(Napi::Env env, size_t length) {
  if (length > kMaxTransfer)
    ThrowRangeError(env, "\"length\" must be at most " + std::to_string(kMaxTransfer));
}

}  // namespace

// Takes a slot for an operation carrying `token`. Arguments must all be checked before this:
// from here on nothing may throw until the SQE is filled.
uint32_t Uring::Begin(OpKind kind, uint32_t token) { return slots_.Acquire(kind, token); }

void Uring::Pin(uint32_t slot, napi_value value) {
  napi_ref ref = nullptr;
  if (napi_create_reference(Env(), value, 1, &ref) != napi_ok) {
    // Only fails when the engine is out of memory; release the slot and report it.
    ReleaseSlot(slot);
    ThrowSystemError(Env(), ENOMEM, "napi_create_reference");
  }
  slots_[slot].pin = ref;
}

// One reference per value, kept in the slot's extra storage (which must exist).
void Uring::PinEach(uint32_t slot, const std::vector<napi_value>& values) {
  std::vector<napi_ref>& pins = slots_[slot].extra->pins;
  for (napi_value value : values) {
    napi_ref ref = nullptr;
    if (napi_create_reference(Env(), value, 1, &ref) != napi_ok) {
      ReleaseSlot(slot);  // also deletes the references taken so far
      ThrowSystemError(Env(), ENOMEM, "napi_create_reference");
    }
    pins.push_back(ref);
  }
}

io_uring_sqe* Uring::Prepare(uint8_t opcode, int fd, uint32_t slot, unsigned reserve) {
  io_uring_sqe* sqe = queue_.Next(reserve);
  sqe->opcode = opcode;
  sqe->fd = fd;
  sqe->user_data = UserData(slot, slots_[slot].token);
  return sqe;
}

io_uring_sqe* Uring::PrepareInternal(uint8_t opcode, int fd, unsigned reserve) {
  io_uring_sqe* sqe = queue_.Next(reserve);
  sqe->opcode = opcode;
  sqe->fd = fd;
  sqe->user_data = InternalUserData();
  internal_in_flight_++;
  return sqe;
}

// While started, operations queued outside the loop callback are submitted at the end of the
// current JavaScript task: the first one asks JavaScript to queue a microtask that calls
// submit(), so a burst of operations still costs one io_uring_enter.
void Uring::Queued() {
  if (submit_scheduled_ || in_callback_ || schedule_submit_.IsEmpty()) return;
  submit_scheduled_ = true;
  schedule_submit_.Call({});
}

// Queues an internal `opcode` (ASYNC_CANCEL or POLL_REMOVE, both keyed by sqe->addr) for each
// live operation carrying `token` that `match` accepts. Returns how many.
template <typename Match>
uint32_t Uring::TargetLive(uint32_t token, uint8_t opcode, Match match) {
  uint32_t found = 0;
  for (uint32_t i = 0; i < slots_.size(); i++) {
    const Slot& s = slots_[i];
    if (!s.live || s.token != token || !match(s)) continue;
    io_uring_sqe* sqe = PrepareInternal(opcode, -1);
    sqe->addr = UserData(i, token);
    found++;
  }
  if (found > 0) Queued();
  return found;
}

BufferGroup* Uring::FindGroup(uint16_t gid) {
  for (auto& group : groups_)
    if (group->gid == gid) return group.get();
  return nullptr;
}

void Uring::PollAdd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  uint32_t events = static_cast<uint32_t>(ArgInt(info, 1, "pollEvents", 0, UINT32_MAX));
  if ((events & ~kPollMask) != 0)
    ThrowRangeError(env, "\"pollEvents\" has bits that are not poll events");
  uint32_t token = ArgToken(info, 2);
  bool multishot = info[3].ToBoolean().Value();
  CheckOpen(env);
  uint32_t slot = Begin(OpKind::kPollAdd, token);
  io_uring_sqe* sqe = Prepare(kOpPollAdd, fd, slot);
  sqe->poll32_events = events;  // little-endian layout; Linux on big-endian would swap halves
  // Without multishot poll (before 5.13) the poll completes once, without IORING_CQE_F_MORE,
  // which callers already treat as "re-arm".
  if (multishot && multishot_poll_) sqe->len = kPollAddMulti;
  Queued();
}

Napi::Value Uring::PollRemove(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t token = ArgToken(info, 0);
  CheckOpen(env);
  return Napi::Number::New(env, TargetLive(token, kOpPollRemove, [](const Slot& s) {
                             return s.kind == OpKind::kPollAdd;
                           }));
}

void Uring::Accept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  uint32_t token = ArgToken(info, 1);
  bool multishot = OptionFlag(info, 2, "multishot");
  CheckOpen(env);
  uint32_t slot = Begin(OpKind::kAccept, token);
  io_uring_sqe* sqe = Prepare(kOpAccept, fd, slot);
  sqe->accept_flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
  if (multishot && multishot_accept_) sqe->ioprio = kAcceptMultishot;
  Queued();
}

// recv and send: (fd, buffer, offset, length, token), the buffer pinned until the last CQE.
io_uring_sqe* Uring::PrepareTransfer(const Napi::CallbackInfo& info, uint8_t opcode) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  ByteSpan span = ArgBytesRange(info, 1, "buffer");
  CheckTransferLength(env, span.length);
  uint32_t token = ArgToken(info, 4);
  CheckOpen(env);
  uint32_t slot = Begin(opcode == kOpRecv ? OpKind::kRecv : OpKind::kSend, token);
  Pin(slot, info[1]);
  io_uring_sqe* sqe = Prepare(opcode, fd, slot);
  sqe->addr = reinterpret_cast<uint64_t>(span.data);
  sqe->len = static_cast<uint32_t>(span.length);
  return sqe;
}

void Uring::Recv(const Napi::CallbackInfo& info) {
  PrepareTransfer(info, kOpRecv);
  Queued();
}

void Uring::RecvMultishot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  uint16_t gid = static_cast<uint16_t>(ArgInt(info, 1, "groupId", 0, 65535));
  uint32_t token = ArgToken(info, 2);
  // mode: kRecvModeMultishot, or single-shot, optionally asking the kernel to poll first.
  uint32_t mode = static_cast<uint32_t>(ArgInt(info, 3, "mode", 0, kRecvModeSingleShot | kRecvModePollFirst));
  CheckOpen(env);
  QueueRecvFromGroup(fd, ArgGroup(env, gid), token, mode);
  Queued();
}

// recvOnceEach(groupId, arms: Int32Array, count): a single-shot recv from the group for each of
// the first `count` triples of `arms`, [fd, token (its 32 bits), pollFirst (0 or 1)], queued
// in order: re-arming a batch of connections costs one call instead of one per connection.
// Every entry is checked before any is queued, so a bad one queues nothing.
void Uring::RecvOnceEach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint16_t gid = static_cast<uint16_t>(ArgInt(info, 0, "groupId", 0, 65535));
  Napi::TypedArray arms_arg = ArgTypedArray(info, 1, "arms", napi_int32_array, "an Int32Array");
  size_t count = static_cast<size_t>(ArgInt(info, 2, "count", 0, INT32_MAX));
  CheckOpen(env);
  BufferGroup* group = ArgGroup(env, gid);
  size_t length;
  const int32_t* arms = Elements<int32_t>(env, arms_arg, "arms", &length);
  if (count > length / 3) ThrowRangeError(env, "\"count\" must be at most arms.length / 3");
  for (size_t i = 0; i < count; i++) {
    if (arms[3 * i] < 0) ThrowRangeError(env, "\"arms\" holds a negative fd at entry " + std::to_string(i));
    if (arms[3 * i + 2] != 0 && arms[3 * i + 2] != 1)
      ThrowRangeError(env, "\"arms\" holds a pollFirst other than 0 or 1 at entry " + std::to_string(i));
  }
  for (size_t i = 0; i < count; i++) {
    uint32_t mode = kRecvModeSingleShot | (arms[3 * i + 2] != 0 ? kRecvModePollFirst : 0);
    QueueRecvFromGroup(arms[3 * i], group, static_cast<uint32_t>(arms[3 * i + 1]), mode);
  }
  if (count > 0) Queued();
}

BufferGroup* Uring::ArgGroup(Napi::Env env, uint16_t gid) {
  BufferGroup* group = FindGroup(gid);
  if (group == nullptr)
    ThrowCodeError(env, "ERR_URING_BUFFER_RING_CLOSED", "the buffer ring is not registered with this Uring");
  return group;
}

// One recv selecting its buffer from `group`; arguments already checked.
void Uring::QueueRecvFromGroup(int fd, BufferGroup* group, uint32_t token, uint32_t mode) {
  bool single_shot = (mode & kRecvModeSingleShot) != 0 || !multishot_recv_;
  uint32_t slot = Begin(OpKind::kRecvMultishot, token);
  slots_[slot].group = group;
  group->ops_in_flight++;
  io_uring_sqe* sqe = Prepare(kOpRecv, fd, slot);
  sqe->flags = kSqeBufferSelect;
  sqe->buf_group = group->gid;
  // len 0: each completion takes at most one whole buffer. Single-shot (asked for, or before
  // 6.0) the recv completes once, without IORING_CQE_F_MORE, which callers treat as "re-arm".
  // Poll first (5.19; asked for only where multishot recv, 6.0, exists): the caller expects
  // the socket to be empty now, so the kernel skips the recv attempt that would fail with
  // EAGAIN and arms its poll at once.
  if (!single_shot) sqe->ioprio = kRecvMultishot;
  else if ((mode & kRecvModePollFirst) != 0 && multishot_recv_) sqe->ioprio = kRecvSendPollFirst;
}

void Uring::Send(const Napi::CallbackInfo& info) {
  bool zero_copy = OptionFlag(info, 5, "zeroCopy") && send_zc_;
  // A zero-copy send completes twice: the result (with IORING_CQE_F_MORE), then, once the
  // kernel no longer references the pages, a notification (IORING_CQE_F_NOTIF, no F_MORE).
  // The pin is released only then.
  io_uring_sqe* sqe = PrepareTransfer(info, zero_copy ? kOpSendZc : kOpSend);
  sqe->msg_flags = MSG_NOSIGNAL;  // a vanished peer gives -EPIPE, never SIGPIPE
  Queued();
}

void Uring::Writev(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  // Reading the array runs JavaScript (getters), which may close this ring or detach a buffer:
  // every element is read first, the ring's state checked and the pointers taken after.
  std::vector<napi_value> views = ArgViews(info, 1, "buffers");
  uint32_t token = ArgToken(info, 2);
  CheckOpen(env);
  auto extra = std::make_unique<OpExtra>();
  extra->iov = IoVectorsOf(env, views);
  extra->pins.reserve(views.size());
  size_t total = 0;
  for (const iovec& v : extra->iov) total += v.iov_len;
  CheckTransferLength(env, total);
  uint32_t count = static_cast<uint32_t>(views.size());
  uint32_t slot = Begin(OpKind::kWritev, token);
  slots_[slot].extra = std::move(extra);
  // The kernel reads the buffers after this call returns: each is pinned until the completion.
  PinEach(slot, views);
  OpExtra& storage = *slots_[slot].extra;
  io_uring_sqe* sqe = Prepare(kOpWritev, fd, slot);
  sqe->addr = reinterpret_cast<uint64_t>(storage.iov.data());
  sqe->len = count;
  sqe->off = static_cast<uint64_t>(-1);  // the file position (IORING_FEAT_RW_CUR_POS); ignored by sockets and pipes
  Queued();
}

void Uring::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  auto extra = std::make_unique<OpExtra>();
  socklen_t length = ArgSocketAddress(info, 1, &extra->address);
  uint32_t token = ArgToken(info, 3);
  CheckOpen(env);
  uint32_t slot = Begin(OpKind::kConnect, token);
  io_uring_sqe* sqe = Prepare(kOpConnect, fd, slot);
  sqe->addr = reinterpret_cast<uint64_t>(&extra->address);
  sqe->off = length;
  slots_[slot].extra = std::move(extra);
  Queued();
}

void Uring::ShutdownFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  int how = static_cast<int>(ArgInt(info, 1, "how", SHUT_RD, SHUT_RDWR));
  uint32_t token = ArgToken(info, 2);
  CheckOpen(env);
  uint32_t slot = Begin(OpKind::kShutdown, token);
  io_uring_sqe* sqe = Prepare(kOpShutdown, fd, slot);
  sqe->len = static_cast<uint32_t>(how);
  Queued();
}

// Closing an fd does not end io_uring operations on it: each holds its own reference to the
// file, so a pending recv would wait forever on a socket nobody can reach any more. close()
// therefore first cancels every operation on the fd (they complete with -ECANCELED), then
// closes it; the two SQEs are hard-linked so that the close runs even when the cancel fails
// (-EINVAL on kernels before 5.19, which cannot cancel by fd).
//
// A ring whose SQ holds a single entry (entries: 1) can never take the pair at once: it would
// wait in the backlog forever, the fd never closed. There the two go unlinked, one after the
// other: the kernel issues SQEs in order, and a cancel by fd looks its file up when issued, so
// the cancel still comes first; only "close even when the cancel fails" needs no link at all.
void Uring::CloseFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  uint32_t token = ArgToken(info, 1);
  CheckOpen(env);
  if (fd == queue_.fd() || fd == eventfd_)
    ThrowSystemError(env, EBADF, "close");  // never the ring's own descriptors
  bool linked = queue_.sq_entries() >= 2;
  io_uring_sqe* cancel = PrepareInternal(kOpAsyncCancel, fd, linked ? 2 : 1);
  cancel->cancel_flags = kCancelFd | kCancelAll;
  if (linked) cancel->flags = kSqeIoHardlink;
  uint32_t slot = Begin(OpKind::kClose, token);
  Prepare(kOpClose, fd, slot);
  Queued();
}

Napi::Value Uring::Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t token = ArgToken(info, 0);
  CheckOpen(env);
  return Napi::Number::New(env, TargetLive(token, kOpAsyncCancel, [](const Slot& s) {
                             return s.kind != OpKind::kClose && s.kind != OpKind::kCancelFd;
                           }));
}

void Uring::CancelFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgFd(info, 0);
  uint32_t token = ArgToken(info, 1);
  CheckOpen(env);
  uint32_t slot = Begin(OpKind::kCancelFd, token);
  io_uring_sqe* sqe = Prepare(kOpAsyncCancel, fd, slot);
  // Result: how many operations were cancelled (0 for none), -EINVAL before 5.19.
  sqe->cancel_flags = kCancelFd | kCancelAll;
  Queued();
}

void Uring::Timeout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) ThrowTypeError(env, "\"ms\" must be a number");
  double ms = info[0].As<Napi::Number>().DoubleValue();
  if (std::isnan(ms) || ms < 0 || ms > kMaxTimeoutMs)
    ThrowRangeError(env, "\"ms\" must be >= 0 and <= " + std::to_string(static_cast<int64_t>(kMaxTimeoutMs)));
  uint32_t token = ArgToken(info, 1);
  CheckOpen(env);
  auto extra = std::make_unique<OpExtra>();
  double whole = std::floor(ms / 1000);
  extra->timespec.tv_sec = static_cast<int64_t>(whole);
  extra->timespec.tv_nsec = static_cast<long long>(std::llround((ms - whole * 1000) * 1e6));
  if (extra->timespec.tv_nsec >= 1000000000) {
    extra->timespec.tv_sec++;
    extra->timespec.tv_nsec -= 1000000000;
  }
  uint32_t slot = Begin(OpKind::kTimeout, token);
  // count 0 (sqe->off): a pure timer. It completes with -ETIME when it fires.
  io_uring_sqe* sqe = Prepare(kOpTimeout, -1, slot);
  sqe->addr = reinterpret_cast<uint64_t>(&extra->timespec);
  sqe->len = 1;
  slots_[slot].extra = std::move(extra);
  Queued();
}

}  // namespace uring
}  // namespace io
