// SigioEngine: signal-driven I/O for one owner thread, without any JavaScript in it (sigio.cc
// binds it to a JS class).
//
// How events flow:
//   watched fd --(kernel: F_SETSIG real-time signal, si_fd, si_band)--> owner thread's queue
//   queue --(signalfd, read in batches of siginfos)--> fd table lookup --> ready list
// Both the real-time signal and SIGIO are blocked in the owner thread, so no handler ever runs:
// they stay queued until read through the signalfd, which Node's loop (or wait()) watches.
//
// What can go wrong, and what the engine does about it:
// - Queue overflow. Real-time signals are queued up to RLIMIT_SIGPENDING (per user); past it
//   the kernel drops the real-time signal and queues a plain SIGIO instead
//   (fs/fcntl.c send_sigio_to_task()). On SIGIO the engine discards what is still queued and
//   polls every watched fd in one poll(2) call (a rescan): the queue is emptied *before* the
//   poll, so an event that arrives in between is either seen by the poll or queued anew.
// - Stale events. si_fd is a number; the fd may have been unwatched, closed and reused since
//   the signal was queued. Unwatch removes the registration at once, so later signals for that
//   number are dropped; before the same number is watched again, the queue is drained into an
//   internal pending list (where each event keeps the registration's generation), so nothing
//   queued for the old file is ever reported with the new registration's token. An fd closed
//   without unwatch() is caught when its signal is read: its number no longer names a file
//   armed with our signal (fcntl F_GETSIG), so the event is dropped.
// - Edge semantics. A signal reports a change, not a state: data present before watch() would
//   never be signalled, so watch() and modify() poll the fd once and report what is already
//   ready. In level-triggered mode (used by SigioSelector) the engine keeps every fd it has
//   heard of in a candidate set and polls just that set on each collect: an fd is reported
//   while it stays ready, as with level-triggered epoll, at a cost in the number of candidates,
//   not of watched fds.
// - Wake-ups. Events found outside a signal (watch()'s initial poll, a drain, a rescan larger
//   than one batch) sit in the pending list; writing the instance's eventfd, which the loop
//   watches beside the signalfd, gets them delivered. An eventfd write cannot fail for lack of
//   queue space, unlike a signal sent to oneself.
// - Several instances in one thread. SIGIO is a single, non-queued signal per thread, and any
//   of the thread's signalfds may read it. Whoever reads it makes every instance of the thread
//   rescan (a per-thread list of instances; see sigio_engine.cc).
#pragma once

#include <poll.h>
#include <sys/signalfd.h>
#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "sigio_fd.h"

namespace io {
namespace sigio {

// Watch/unwatch/modify results that are not errno values.
constexpr int kAlreadyWatched = 1;
constexpr int kNotWatched = 2;

// Interest bits a caller may ask for; POLLERR and POLLHUP are always reported.
constexpr uint32_t kInterestMask = POLLIN | POLLOUT | POLLPRI | POLLRDHUP;
constexpr uint32_t kAlwaysReported = POLLERR | POLLHUP;

struct Stats {
  double overflows = 0;    // SIGIO notifications from the kernel: the real-time queue was full
  double rescans = 0;      // times every watched fd was polled (overflows, rescan() requests)
  double stale = 0;        // events dropped: their fd was unwatched, closed or reused
  double signals = 0;      // siginfos read from the signalfd
  double wakeups = 0;      // eventfd wake-ups to deliver events no signal announced
};

class SigioEngine {
 public:
  SigioEngine() = default;
  ~SigioEngine() { Close(); }
  SigioEngine(const SigioEngine&) = delete;
  SigioEngine& operator=(const SigioEngine&) = delete;

  // Claims a real-time signal (`wanted`, or the first free one when 0), blocks it and SIGIO in
  // the calling thread, which becomes the owner, and opens the signalfd. Returns 0 or -errno
  // (-EBUSY: no free real-time signal); `op` names the failing call.
  int Open(int wanted, bool level_triggered, const char** op);
  // Restores every watched fd, closes the signalfd, releases the signal and the thread's mask.
  // Must run on the owner thread. Idempotent.
  void Close();
  bool IsOpen() const { return sfd_ >= 0; }

  // 0, -errno (`op` names the call), kAlreadyWatched, or (Unwatch/Modify) kNotWatched.
  int Watch(int fd, uint32_t token, uint32_t interest, const char** op);
  // *restored: false when the fd was closed or names another file now (flags left alone).
  int Unwatch(int fd, bool* restored);
  // -EBADF (and unregistered) when the fd was closed or names another file now.
  int Modify(int fd, uint32_t token, uint32_t interest);

  // Fills up to `max` entries of tokens[]/bands[] without blocking; returns the count or -errno.
  int Collect(uint32_t* tokens, uint32_t* bands, int max);
  // Blocks up to timeout ms (-1: forever) for at least one event; returns the count or -errno.
  int Wait(int timeout, uint32_t* tokens, uint32_t* bands, int max);
  // True when events are left over that no signal will announce (the caller should collect
  // again, or Wake()).
  bool HasLeftovers() const;
  // Makes the wake eventfd readable, so the owner's loop collects the leftovers.
  void Wake();
  // Asks for a rescan at the next collect, by sending SIGIO to the owner thread (the path an
  // overflow takes).
  void RequestRescan();

  int fd() const { return sfd_; }
  int wake_fd() const { return efd_; }
  int signal() const { return sig_; }
  pid_t owner_tid() const { return tid_; }
  bool level_triggered() const { return level_; }
  size_t watching() const { return watched_.size(); }
  const Stats& stats() const { return stats_; }

 private:
  struct Pending {
    int fd;
    uint32_t generation;
    uint32_t band;
  };
  struct Candidate {  // level-triggered mode
    int fd;
    uint32_t generation;
  };
  enum class Sink { kReadyList, kPending };

  Registration* Find(int fd);
  void Remove(int fd);
  void Deliver(int fd, Registration& reg, uint32_t band, Sink sink);
  void Handle(const signalfd_siginfo& si, Sink sink);
  int ReadSignals(Sink sink);
  void DiscardQueued();
  void Rescan();
  void DrainPending();
  void PollCandidates();
  void PollOne(int fd, Registration& reg);
  void OnSigio(bool from_kernel);
  void LinkToThread();
  void UnlinkFromThread();

  int sfd_ = -1;
  int efd_ = -1;  // wake-ups
  int sig_ = 0;
  pid_t tid_ = 0;
  pid_t pid_ = 0;
  bool level_ = false;
  bool blocked_sig_ = false;   // we blocked sig_ in the owner thread (unblock on close)
  bool rescan_due_ = false;
  bool wake_pending_ = false;  // efd_ was written and not read yet
  // The owner thread's list of instances (intrusive, so that the thread_local head needs no
  // destructor). `home_` is the owner thread's list head.
  SigioEngine** home_ = nullptr;
  SigioEngine* prev_in_thread_ = nullptr;
  SigioEngine* next_in_thread_ = nullptr;
  uint32_t next_generation_ = 1;
  uint64_t drain_epoch_ = 1;
  std::vector<Registration> table_;  // indexed by fd
  std::vector<uint64_t> removed_epoch_;  // per fd: drain epoch in which it was last unwatched
  std::vector<int> watched_;         // dense list of watched fds (Registration::slot)
  std::vector<Pending> pending_;
  size_t pending_head_ = 0;
  std::vector<Candidate> candidates_;
  std::vector<signalfd_siginfo> siginfo_;
  std::vector<pollfd> pollfds_;
  // The current collect's output.
  uint32_t* out_tokens_ = nullptr;
  uint32_t* out_bands_ = nullptr;
  int out_max_ = 0;
  int count_ = 0;
  Stats stats_;
};

}  // namespace sigio
}  // namespace io
