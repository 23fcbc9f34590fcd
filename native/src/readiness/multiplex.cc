// Multiplex: select(2) and poll(2) over an interest table that JavaScript maintains, and a
// helper thread that lets Node's loop wait on either without blocking it.
//
// Table layout (shared with JavaScript, DESIGN.md decision 2). One ArrayBuffer, owned by
// JavaScript, holding `capacity` entries laid out exactly as struct pollfd (8 bytes each,
// native byte order); the first `count` entries are in use:
//
//   bytes [8i, 8i+4)     int32  fd       a negative fd is skipped (as poll(2) does)
//   bytes [8i+4, 8i+6)   int16  events   interest: POLLIN, POLLOUT, POLLPRI
//   bytes [8i+6, 8i+8)   int16  revents  filled by every scan; 0 = not ready
//
// JavaScript views it as an Int32Array (the fd of entry i at index 2i) and an Int16Array
// (events at 4i+2, revents at 4i+3). poll() gets this memory as it is: nothing is copied or
// allocated per call. select() reads fds and events into three fd_sets on the stack and writes
// the answer back into revents (POLLIN readable, POLLOUT writable, POLLPRI exceptional), so
// both calls report the same way. An fd >= FD_SETSIZE is rejected with a RangeError before
// select(2) runs: FD_SET past the end of an fd_set would write out of bounds.
//
// MultiplexWatcher (DESIGN.md decision 4a for select and poll). Neither call has an fd that
// libuv could watch, and calling them with a timeout on the loop thread would block Node. So a
// helper thread blocks in select/poll on a *copy* of the table plus a wakeup eventfd:
//
//   loop thread                         helper thread
//   start/update: copy table, arm  -->  select/poll(copy + wake fd), no timeout
//                                       something ready: disarm, write notify eventfd
//   LoopWatcher sees notify fd     <--
//   scan the live table with timeout 0 (fills revents), call onReady(count) once,
//   then re-arm with a fresh copy
//
// The helper never touches JavaScript memory (the table may be detached or collected); it
// owns its copy, refreshed under a mutex. After reporting it waits to be re-armed, so an fd
// left ready (level-triggered) costs one report per loop turn, never a spinning thread.
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <mutex>
#include <new>
#include <system_error>
#include <thread>
#include <vector>

#include "common/addon.h"
#include "common/args.h"
#include "common/binding.h"
#include "common/errors.h"
#include "common/js_memory.h"
#include "common/loop_source.h"

namespace io {
namespace {

// The name of a watcher's helper thread (at most 15 bytes: the kernel's limit for a thread name),
// so that tools (and the leak tests) can tell these threads from Node's own.
constexpr char kHelperThreadName[] = "io-multiplex";

// While alive, the calling thread is named kHelperThreadName, and so is any thread it starts (a
// new thread takes its creator's name): the helper is named before start() returns, with
// prctl(2) alone. pthread_setname_np would tie the binary to glibc 2.34, where it moved into
// libc, and the prebuilt binaries load on glibc 2.28.
class HelperThreadName {
 public:
  HelperThreadName() {
    named_ = prctl(PR_GET_NAME, previous_, 0, 0, 0) == 0 && prctl(PR_SET_NAME, kHelperThreadName, 0, 0, 0) == 0;
  }
  ~HelperThreadName() {
    if (named_) prctl(PR_SET_NAME, previous_, 0, 0, 0);
  }
  HelperThreadName(const HelperThreadName&) = delete;
  HelperThreadName& operator=(const HelperThreadName&) = delete;

 private:
  char previous_[16] = {};
  bool named_ = false;
};

static_assert(sizeof(pollfd) == 8, "the shared table assumes an 8-byte struct pollfd");
static_assert(offsetof(pollfd, events) == 4 && offsetof(pollfd, revents) == 6,
              "the shared table assumes pollfd {int fd; short events; short revents;}");

enum class Kind { kSelect, kPoll };

const char* SyscallName(Kind kind) { return kind == Kind::kSelect ? "select" : "poll"; }

int64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// A timeout in ms from JavaScript as microseconds: undefined/null/negative/Infinity -> -1
// (block). Fractions round *up* to the next microsecond, so a wait never ends early.
int64_t ArgTimeoutUs(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (v.IsUndefined() || v.IsNull()) return -1;
  if (!v.IsNumber()) ThrowTypeError(info.Env(), "\"timeoutMs\" must be a number");
  double ms = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(ms)) ThrowTypeError(info.Env(), "\"timeoutMs\" must not be NaN");
  if (ms < 0 || std::isinf(ms)) return -1;
  double us = std::ceil(ms * 1000.0);
  return us > static_cast<double>(INT64_MAX / 2) ? INT64_MAX / 2 : static_cast<int64_t>(us);
}

// poll(2) timeouts are whole milliseconds: round up, as ArgTimeout does.
int UsToPollMs(int64_t us) {
  if (us < 0) return -1;
  int64_t ms = (us + 999) / 1000;
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

// The table's memory: entries [0, count) of the ArrayBuffer `value`, or nullptr when the
// buffer is detached, too small or misaligned (JavaScript could have transferred it).
pollfd* TableEntries(napi_env env, napi_value value, size_t count) {
  bool is_buffer = false;
  if (napi_is_arraybuffer(env, value, &is_buffer) != napi_ok || !is_buffer) return nullptr;
  if (count == 0) return reinterpret_cast<pollfd*>(alignof(pollfd));  // never dereferenced
  void* data = LiveArrayBuffer(env, value, count * sizeof(pollfd));
  if (data == nullptr) return nullptr;
  if (reinterpret_cast<uintptr_t>(data) % alignof(pollfd) != 0) return nullptr;
  return static_cast<pollfd*>(data);
}

struct TableArg {
  Napi::ArrayBuffer buffer;
  pollfd* entries;
  size_t count;
};

// (table: ArrayBuffer, count) at info[i], info[i+1], checked against each other.
TableArg ArgTable(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (!info[i].IsArrayBuffer()) ThrowTypeError(env, "\"table\" must be an ArrayBuffer");
  Napi::ArrayBuffer buffer = info[i].As<Napi::ArrayBuffer>();
  int64_t capacity = static_cast<int64_t>(buffer.ByteLength() / sizeof(pollfd));
  size_t count = static_cast<size_t>(ArgInt(info, i + 1, "count", 0, capacity));
  pollfd* entries = TableEntries(env, buffer, count);
  if (entries == nullptr) ThrowRangeError(env, "\"table\" is detached or not 8-byte aligned");
  return {buffer, entries, count};
}

// RangeError for the first fd select(2) cannot hold, before any fd_set is touched.
void CheckSelectable(Napi::Env env, const pollfd* fds, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (fds[i].fd >= FD_SETSIZE)
      ThrowRangeError(env, "select(2) cannot watch fd " + std::to_string(fds[i].fd) +
                               ": fds must be < FD_SETSIZE (" + std::to_string(FD_SETSIZE) + ")");
  }
}

// Adjusts a timeout after EINTR so the wait ends at the original deadline (0: poll once more).
int64_t Remaining(int64_t timeout_us, int64_t deadline) {
  if (timeout_us <= 0) return timeout_us;
  int64_t left = deadline - MonotonicUs();
  return left > 0 ? left : 0;
}

// poll(2) on the table in place. Returns how many entries have revents, or -errno.
int PollTable(pollfd* fds, size_t count, int64_t timeout_us) {
  int64_t deadline = timeout_us > 0 ? MonotonicUs() + timeout_us : 0;
  for (;;) {
    int n = poll(fds, static_cast<nfds_t>(count), UsToPollMs(timeout_us));
    if (n >= 0) return n;
    if (errno != EINTR) return -errno;
    timeout_us = Remaining(timeout_us, deadline);
  }
}

// select(2) on the table; answers go to revents. Every fd must be < FD_SETSIZE (checked by the
// caller; skipped here too, so a bug can never write past an fd_set). Returns the number of
// ready entries, or -errno.
int SelectTable(pollfd* fds, size_t count, int64_t timeout_us) {
  int64_t deadline = timeout_us > 0 ? MonotonicUs() + timeout_us : 0;
  fd_set readable, writable, exceptional;
  for (;;) {
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_ZERO(&exceptional);
    int max_fd = -1;
    for (size_t i = 0; i < count; i++) {
      int fd = fds[i].fd;
      if (fd < 0 || fd >= FD_SETSIZE) continue;
      if (fds[i].events & POLLIN) FD_SET(fd, &readable);
      if (fds[i].events & POLLOUT) FD_SET(fd, &writable);
      if (fds[i].events & POLLPRI) FD_SET(fd, &exceptional);
      max_fd = std::max(max_fd, fd);
    }
    timeval tv{};
    timeval* tvp = nullptr;
    if (timeout_us >= 0) {
      tv.tv_sec = static_cast<time_t>(timeout_us / 1000000);
      tv.tv_usec = static_cast<suseconds_t>(timeout_us % 1000000);
      tvp = &tv;
    }
    int n = select(max_fd + 1, &readable, &writable, &exceptional, tvp);
    if (n >= 0) break;
    if (errno != EINTR) return -errno;
    timeout_us = Remaining(timeout_us, deadline);
  }
  int ready = 0;
  for (size_t i = 0; i < count; i++) {
    int fd = fds[i].fd;
    int16_t revents = 0;
    if (fd >= 0 && fd < FD_SETSIZE) {
      if (FD_ISSET(fd, &readable)) revents |= POLLIN;
      if (FD_ISSET(fd, &writable)) revents |= POLLOUT;
      if (FD_ISSET(fd, &exceptional)) revents |= POLLPRI;
    }
    fds[i].revents = revents;
    if (revents != 0) ready++;
  }
  return ready;
}

int ScanTable(Kind kind, pollfd* fds, size_t count, int64_t timeout_us) {
  return kind == Kind::kSelect ? SelectTable(fds, count, timeout_us)
                               : PollTable(fds, count, timeout_us);
}

// poll(table, count, timeoutMs) / select(table, count, timeoutMs) -> ready entries.
template <Kind kind>
Napi::Value ScanBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TableArg table = ArgTable(info, 0);
  int64_t timeout_us = ArgTimeoutUs(info, 2);
  if (kind == Kind::kSelect) CheckSelectable(env, table.entries, table.count);
  int n = ScanTable(kind, table.entries, table.count, timeout_us);
  if (n < 0) ThrowSystemError(env, -n, SyscallName(kind));
  return Napi::Number::New(env, n);
}

void WriteCounter(int fd) {
  uint64_t one = 1;
  ssize_t rc;
  do rc = write(fd, &one, sizeof(one));
  while (rc < 0 && errno == EINTR);
  // EAGAIN means the counter is already non-zero: the reader will wake anyway.
}

void DrainCounter(int fd) {
  uint64_t value;
  ssize_t rc;
  do rc = read(fd, &value, sizeof(value));
  while (rc < 0 && errno == EINTR);
}

class MultiplexWatcher : public LoopSource<MultiplexWatcher> {
 public:
  static constexpr const char* kClassName = "MultiplexWatcher";
  static constexpr napi_type_tag kTypeTag = {0x83c5e0f4a9172b6dull, 0x47be2d90f1c36a58ull};

  static Napi::Function Define(Napi::Env env) {
    return DefineNative(env, kClassName,
                        {
                            Method<&MultiplexWatcher::Update>("update"),
                            Getter<&MultiplexWatcher::GetClosed>("closed"),
                        },
                        LoopMembers());
  }

  // new MultiplexWatcher('select' | 'poll')
  explicit MultiplexWatcher(const Napi::CallbackInfo& info)
      : LoopSource<MultiplexWatcher>(info) {
    Napi::Env env = info.Env();
    std::string kind = ArgString(info, 0, "kind");
    if (kind == "select")
      kind_ = Kind::kSelect;
    else if (kind == "poll")
      kind_ = Kind::kPoll;
    else
      ThrowRangeError(env, "\"kind\" must be \"select\" or \"poll\", got \"" + kind + "\"");
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) ThrowSystemError(env, errno, "eventfd");
    notify_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (notify_fd_ < 0) {
      int err = errno;
      CloseFds();
      ThrowSystemError(env, err, "eventfd");
    }
    // The helper's select(2) watches the wakeup fd too. eventfd() returns the lowest free fd,
    // so if it is past FD_SETSIZE there is no lower one to dup it to.
    if (kind_ == Kind::kSelect && wake_fd_ >= FD_SETSIZE) {
      CloseFds();
      ThrowRangeError(env, "no free fd below FD_SETSIZE for the select helper's wakeup eventfd");
    }
  }

  ~MultiplexWatcher() override {
    JoinHelper();
    CloseFds();
  }

  void OnLoopReadable(int status) override {
    DrainCounter(notify_fd_);
    if (!Active()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    int err = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::swap(err, helper_error_);
    }
    if (status < 0 && err == 0) err = -status;  // libuv reports -errno
    int count = 0;
    if (err == 0) {
      pollfd* fds = TableEntries(env, table_.Value(), count_);
      count = fds == nullptr ? -EFAULT : ScanTable(kind_, fds, count_, 0);
      if (count < 0) err = -count;
    }
    if (err != 0) {
      // Stop first, so the callback sees a stopped watcher and may start it again.
      Napi::FunctionReference callback = Napi::Persistent(this->callback().Value());
      StopWatching();
      Napi::Value error = err == EFAULT
                              ? CodeError(env, "ERR_TABLE_DETACHED", "the multiplex table was detached").Value()
                              : SystemError(env, err, SyscallName(kind_)).Value();
      watcher().CallFromLoop(callback, Value(), {Napi::Number::New(env, 0), error});
      return;
    }
    if (count > 0) watcher().CallFromLoop(callback(), Value(), {Napi::Number::New(env, count)});
    if (Active()) Arm(env);  // the callback may have stopped or closed us
  }

  void OnEnvTeardown() override {
    JoinHelper();
    CloseFds();
  }

 private:
  friend class LoopSource<MultiplexWatcher>;

  // --- LoopSource: start(table, count, onReady(count, error?)) has Node's loop watch the
  // helper's notify eventfd.
  struct StartArguments {
    TableArg table;
    Napi::Function callback;
  };
  StartArguments StartArgs(const Napi::CallbackInfo& info) {
    TableArg table = ArgTable(info, 0);
    return {table, ArgFunction(info, 2, "onReady")};
  }
  bool IsOpen() const { return wake_fd_ >= 0; }
  void PrepareStart(Napi::Env env, StartArguments& args) {
    TakeTable(env, args.table);
    if (!helper_.joinable()) {
      try {
        HelperThreadName name;
        helper_ = std::thread(&MultiplexWatcher::RunHelper, this);
      } catch (const std::system_error& e) {  // EAGAIN: no thread to be had
        ThrowSystemError(env, e.code().value(), "pthread_create");
      }
    }
  }
  int WatchedFd(size_t i) { return notify_fd_; }
  void OnStarted(Napi::Env env, StartArguments& args) { Arm(env); }
  void OnStopped() {
    table_.Reset();
    count_ = 0;
    if (helper_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        armed_ = false;
      }
      WriteCounter(wake_fd_);  // pull the helper out of its wait; it then idles on cv_
    }
  }
  void CloseResources() {
    JoinHelper();
    CloseFds();
  }
  void CheckOpen(Napi::Env env) {
    if (wake_fd_ < 0) ThrowCodeError(env, "ERR_MULTIPLEX_CLOSED", "MultiplexWatcher is closed");
  }

  // Remembers `table` as the live table.
  void TakeTable(Napi::Env env, const TableArg& table) {
    if (kind_ == Kind::kSelect) CheckSelectable(env, table.entries, table.count);
    table_ = Napi::Persistent(table.buffer);
    count_ = table.count;
  }

  // update(table, count): the registrations changed; the helper must wait on the new set.
  void Update(const Napi::CallbackInfo& info) {
    TableArg table = ArgTable(info, 0);
    CheckOpen(info.Env());
    TakeTable(info.Env(), table);
    if (Active()) Arm(info.Env());
  }

  // Hands the helper a fresh copy of the live table and lets it wait. The copy reuses the
  // vector's storage, so steady state allocates nothing. Never throws (it also runs from the
  // loop callback): failures reach onReady as an error through the notify eventfd.
  void Arm(Napi::Env env) {
    pollfd* fds = TableEntries(env, table_.Value(), count_);
    bool failed = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      try {
        if (fds == nullptr)
          pending_.clear();
        else
          pending_.assign(fds, fds + count_);
        generation_++;
        armed_ = true;
      } catch (const std::bad_alloc&) {
        helper_error_ = ENOMEM;
        failed = true;
      }
    }
    if (failed) {
      WriteCounter(notify_fd_);
      return;
    }
    cv_.notify_one();
    WriteCounter(wake_fd_);
  }

  // The helper thread. Blocks in select/poll on its own copy of the table; see the top of the
  // file for the protocol. Returns when quit_ is set.
  void RunHelper() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return quit_ || armed_; });
      if (quit_) return;
      if (seen_ != generation_) {
        try {
          work_.assign(pending_.begin(), pending_.end());
          work_.push_back(pollfd{wake_fd_, POLLIN, 0});  // always the last entry
        } catch (const std::bad_alloc&) {
          helper_error_ = ENOMEM;
          armed_ = false;
          WriteCounter(notify_fd_);
          continue;
        }
        seen_ = generation_;
      }
      lock.unlock();
      int n = ScanTable(kind_, work_.data(), work_.size(), -1);
      int ready = n;
      if (n > 0 && work_.back().revents != 0) {
        DrainCounter(wake_fd_);
        ready--;
      }
      lock.lock();
      if (n < 0) {
        helper_error_ = -n;
      } else if (ready == 0) {
        continue;  // only woken: look at the state again
      }
      armed_ = false;
      WriteCounter(notify_fd_);
    }
  }

  void JoinHelper() {
    if (!helper_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      quit_ = true;
    }
    cv_.notify_one();
    WriteCounter(wake_fd_);
    helper_.join();
  }

  void CloseFds() {
    if (wake_fd_ >= 0) close(wake_fd_);
    if (notify_fd_ >= 0) close(notify_fd_);
    wake_fd_ = notify_fd_ = -1;
  }

  Napi::Value GetClosed(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), wake_fd_ < 0);
  }

  Kind kind_ = Kind::kPoll;
  int wake_fd_ = -1;    // loop thread -> helper: "look at your state again"
  int notify_fd_ = -1;  // helper -> loop thread: "something is ready" (watched by libuv)
  std::thread helper_;

  // Shared with the helper, guarded by mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  bool quit_ = false;
  bool armed_ = false;
  uint64_t generation_ = 0;
  std::vector<pollfd> pending_;
  int helper_error_ = 0;

  // Helper thread only.
  std::vector<pollfd> work_;
  uint64_t seen_ = 0;

  // Loop thread only.
  Napi::Reference<Napi::ArrayBuffer> table_;
  size_t count_ = 0;
};

}  // namespace

void InitMultiplex(Napi::Env env, Napi::Object exports) {
  static const FunctionEntry kFunctions[] = {
      {"multiplexPoll", ScanBinding<Kind::kPoll>},
      {"multiplexSelect", ScanBinding<Kind::kSelect>},
  };
  ExportFunctions(env, exports, kFunctions);
  exports.Set("MultiplexWatcher", MultiplexWatcher::Define(env));
  ExportConstants(env, exports, "multiplexConstants", {
      {"POLLIN", POLLIN},
      {"POLLOUT", POLLOUT},
      {"POLLPRI", POLLPRI},
      {"POLLERR", POLLERR},
      {"POLLHUP", POLLHUP},
      {"POLLNVAL", POLLNVAL},
      {"FD_SETSIZE", FD_SETSIZE},
      {"POLLFD_BYTES", static_cast<double>(sizeof(pollfd))},
  });
}

}  // namespace io
