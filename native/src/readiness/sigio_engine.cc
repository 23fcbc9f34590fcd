#include "sigio_engine.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "common/deadline.h"
#include "sigio_claim.h"

namespace io {
namespace sigio {
namespace {

constexpr size_t kReadBatch = 256;        // siginfos per read(2): 32 KiB
constexpr int kMaxDrainReads = 1 << 16;   // bound on reads when emptying the queue

// Per-thread, not global: the instances whose owner is this thread, and whether the first of
// them blocked SIGIO here. They mirror per-thread kernel state (the signal mask, and SIGIO being
// one non-queued signal per thread), no other thread touches them, and both are trivially
// destructible, so thread exit never runs code on them.
thread_local SigioEngine* t_first_engine = nullptr;
thread_local bool t_sigio_blocked_by_us = false;

// poll(2) without waiting, retried on EINTR. Returns the count or -errno.
int PollNow(pollfd* fds, size_t n) {
  int rc;
  do {
    rc = poll(fds, n, 0);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0 && errno == EINVAL && n > 1024) {
    // More fds than RLIMIT_NOFILE allows in one call (the limit was lowered after they were
    // opened): poll in slices, so a rescan still sees every fd.
    int total = 0;
    for (size_t at = 0; at < n; at += 1024) {
      int part = PollNow(fds + at, std::min<size_t>(1024, n - at));
      if (part < 0) return part;
      total += part;
    }
    return total;
  }
  return rc < 0 ? -errno : rc;
}

}  // namespace

int SigioEngine::Open(int wanted, bool level_triggered, const char** op) {
  level_ = level_triggered;
  tid_ = gettid();
  pid_ = getpid();
  *op = "sigaction";
  int rc = IgnoreSigioIfDefault();
  if (rc < 0) return rc;
  rc = ClaimRealtimeSignal(wanted);
  if (rc < 0) return rc;
  sig_ = rc;
  *op = "pthread_sigmask";
  int err = 0;
  blocked_sig_ = BlockInThisThread(sig_, &err);
  if (err == 0 && t_first_engine == nullptr) {
    // The thread's first instance: SIGIO gets blocked here until its last one closes.
    t_sigio_blocked_by_us = BlockInThisThread(SIGIO, &err);
  }
  if (err == 0) {
    LinkToThread();
    *op = "eventfd";
    efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd_ < 0) err = -errno;
  }
  if (err == 0) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, sig_);
    sigaddset(&mask, SIGIO);
    *op = "signalfd";
    sfd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd_ < 0) err = -errno;
  }
  if (err != 0) {
    Close();
    return err;
  }
  siginfo_.resize(kReadBatch);
  return 0;
}

void SigioEngine::Close() {
  for (int fd : watched_) {
    Registration& reg = table_[fd];
    if (SameFile(fd, reg.saved)) Disarm(fd, reg.saved);
    reg.active = false;
  }
  watched_.clear();
  pending_.clear();
  pending_head_ = 0;
  candidates_.clear();
  for (int* fd : {&sfd_, &efd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  const bool owner = gettid() == tid_;
  if (sig_ != 0) {
    // SIG_IGN first: it discards our signal wherever it is still pending, before the owner
    // thread unblocks it.
    ReleaseRealtimeSignal(sig_);
    if (blocked_sig_ && owner) UnblockInThisThread(sig_);
    sig_ = 0;
  }
  if (home_ != nullptr) {
    UnlinkFromThread();
    if (owner && t_first_engine == nullptr && t_sigio_blocked_by_us) {
      UnblockInThisThread(SIGIO);
      t_sigio_blocked_by_us = false;
    }
  }
}

void SigioEngine::LinkToThread() {
  home_ = &t_first_engine;
  next_in_thread_ = *home_;
  if (next_in_thread_ != nullptr) next_in_thread_->prev_in_thread_ = this;
  *home_ = this;
}

void SigioEngine::UnlinkFromThread() {
  if (prev_in_thread_ != nullptr) prev_in_thread_->next_in_thread_ = next_in_thread_;
  else *home_ = next_in_thread_;
  if (next_in_thread_ != nullptr) next_in_thread_->prev_in_thread_ = prev_in_thread_;
  prev_in_thread_ = next_in_thread_ = nullptr;
  home_ = nullptr;
}

// A SIGIO was read. It may have been meant for any instance of this thread (the real-time
// queue is per user, and SIGIO is one pending bit per thread), so every one of them rescans.
void SigioEngine::OnSigio(bool from_kernel) {
  for (SigioEngine* e = *home_; e != nullptr; e = e->next_in_thread_) {
    e->rescan_due_ = true;
    if (from_kernel) e->stats_.overflows++;
    if (e != this) e->Wake();
  }
}

Registration* SigioEngine::Find(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= table_.size() || !table_[fd].active) return nullptr;
  return &table_[fd];
}

void SigioEngine::Remove(int fd) {
  Registration& reg = table_[fd];
  reg.active = false;
  reg.in_level_set = false;  // its candidate entry, if any, dies with the generation
  int last = watched_.back();
  watched_[reg.slot] = last;
  table_[last].slot = reg.slot;
  watched_.pop_back();
  removed_epoch_[fd] = drain_epoch_;
}

int SigioEngine::Watch(int fd, uint32_t token, uint32_t interest, const char** op) {
  IgnoreSigioIfDefault();  // someone may have reset it (libuv does when a listener goes away)
  SavedFd saved;
  *op = "fstat";
  int rc = Inspect(fd, &saved);
  if (rc == -EPERM) *op = "fcntl";
  if (rc < 0) return rc;
  if (Registration* old = Find(fd)) {
    if (old->saved.dev == saved.dev && old->saved.ino == saved.ino) return kAlreadyWatched;
    // Closed without unwatch() and the number reused: the old file is gone (and with it its
    // O_ASYNC), so only the registration is left to drop.
    Remove(fd);
  }
  if (static_cast<size_t>(fd) >= table_.size()) {
    table_.resize(static_cast<size_t>(fd) + 1);
    removed_epoch_.resize(static_cast<size_t>(fd) + 1, 0);
  }
  if (removed_epoch_[fd] == drain_epoch_) {
    // This number was watched before and signals for the old file may still be queued: move
    // them to the pending list now, attributed to the registrations of the moment.
    if (ReadSignals(Sink::kPending) == 0 && !rescan_due_) drain_epoch_++;
  }
  if (HasLeftovers()) Wake();
  rc = Arm(fd, sig_, tid_, &saved, op);
  if (rc < 0) return rc;
  Registration& reg = table_[fd];
  reg = Registration{};
  reg.active = true;
  reg.token = token;
  reg.interest = interest;
  reg.generation = next_generation_++;
  reg.slot = static_cast<uint32_t>(watched_.size());
  reg.saved = saved;
  watched_.push_back(fd);
  PollOne(fd, reg);
  return 0;
}

int SigioEngine::Unwatch(int fd, bool* restored) {
  Registration* reg = Find(fd);
  *restored = false;
  if (reg == nullptr) return kNotWatched;
  SavedFd saved = reg->saved;
  Remove(fd);
  if (!SameFile(fd, saved)) return 0;  // closed, or the number names another file now
  *restored = true;
  return Disarm(fd, saved);
}

int SigioEngine::Modify(int fd, uint32_t token, uint32_t interest) {
  Registration* reg = Find(fd);
  if (reg == nullptr) return kNotWatched;
  if (!SameFile(fd, reg->saved)) {
    // Closed (or closed and reused) since watch(): like EPOLL_CTL_MOD on a closed fd, fail,
    // and leave nothing registered.
    Remove(fd);
    return -EBADF;
  }
  reg->token = token;
  reg->interest = interest;
  PollOne(fd, *reg);  // bits newly asked for may be ready already, and will not be signalled
  return 0;
}

// Reports fd's current readiness as if a signal had announced it (watch, modify).
void SigioEngine::PollOne(int fd, Registration& reg) {
  pollfd p{fd, static_cast<short>(reg.interest), 0};
  if (PollNow(&p, 1) <= 0 || (p.revents & POLLNVAL)) return;
  Deliver(fd, reg, static_cast<uint16_t>(p.revents), Sink::kPending);
  if (HasLeftovers()) Wake();
}

void SigioEngine::Deliver(int fd, Registration& reg, uint32_t band, Sink sink) {
  band &= reg.interest | kAlwaysReported;
  if (band == 0) return;
  if (level_) {
    // The poll in PollCandidates() decides; the signal only says "look at this one".
    if (!reg.in_level_set) {
      reg.in_level_set = true;
      candidates_.push_back({fd, reg.generation});
    }
    return;
  }
  if (sink == Sink::kPending) {
    pending_.push_back({fd, reg.generation, band});
    return;
  }
  out_tokens_[count_] = reg.token;
  out_bands_[count_] = band;
  count_++;
}

void SigioEngine::Handle(const signalfd_siginfo& si, Sink sink) {
  if (si.ssi_signo == SIGIO) {
    // From the kernel (SI_KERNEL) after a failed real-time send, or from rescan() (SI_TKILL).
    OnSigio(si.ssi_code != SI_TKILL);
    return;
  }
  if (static_cast<int>(si.ssi_signo) != sig_) return;
  // Only the kernel's F_SETSIG signals carry a POLL_* code (and si_fd); ignore anything else
  // that reached this signal (a stray kill(2)).
  if (si.ssi_code < POLL_IN || si.ssi_code > POLL_HUP) return;
  Registration* reg = Find(si.ssi_fd);
  if (reg == nullptr) {
    stats_.stale++;
    return;
  }
  // The number may have been closed without unwatch() (and reused by a file we never armed)
  // since the signal was queued: only a file armed with our signal is the registered one.
  // One fcntl per event. A closed fd is unregistered, as epoll forgets a closed file.
  int armed = Fcntl(si.ssi_fd, F_GETSIG, 0);
  if (armed != sig_) {
    stats_.stale++;
    if (armed < 0 && errno == EBADF) Remove(si.ssi_fd);
    return;
  }
  Deliver(si.ssi_fd, *reg, si.ssi_band, sink);
}

// Reads queued signals: into an edge-triggered ready list until it is full, otherwise until the
// queue is empty. Stops early when a SIGIO asks for a rescan (the rescan discards the rest).
// Returns 0 when it stopped on an empty queue, 1 when it stopped for another reason, or -errno.
int SigioEngine::ReadSignals(Sink sink) {
  for (int reads = 0; reads < kMaxDrainReads; reads++) {
    size_t want = kReadBatch;
    if (sink == Sink::kReadyList && !level_) {
      if (count_ >= out_max_) return 1;
      want = std::min(want, static_cast<size_t>(out_max_ - count_));
    }
    ssize_t n = read(sfd_, siginfo_.data(), want * sizeof(signalfd_siginfo));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 0;
      return -errno;
    }
    size_t got = static_cast<size_t>(n) / sizeof(signalfd_siginfo);
    stats_.signals += static_cast<double>(got);
    for (size_t i = 0; i < got; i++) Handle(siginfo_[i], sink);
    if (rescan_due_) return 1;
    if (got < want) return 0;  // a short read means the queue is empty: skip the EAGAIN read
  }
  return 1;
}

// Empties the queue, keeping only what is not about a file: SIGIO.
void SigioEngine::DiscardQueued() {
  for (int reads = 0; reads < kMaxDrainReads; reads++) {
    ssize_t n = read(sfd_, siginfo_.data(), kReadBatch * sizeof(signalfd_siginfo));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    size_t got = static_cast<size_t>(n) / sizeof(signalfd_siginfo);
    stats_.signals += static_cast<double>(got);
    for (size_t i = 0; i < got; i++) {
      if (siginfo_[i].ssi_signo == SIGIO) OnSigio(siginfo_[i].ssi_code != SI_TKILL);
    }
    if (got < kReadBatch) return;
  }
}

// Polls every watched fd (one poll(2) call) and makes what is ready the pending list.
void SigioEngine::Rescan() {
  stats_.rescans++;
  DiscardQueued();  // first: an event after this point is seen by the poll or queued anew
  rescan_due_ = false;
  pending_.clear();
  pending_head_ = 0;
  drain_epoch_++;  // the queue is empty: nothing stale is left in it
  pollfds_.resize(watched_.size());
  for (size_t i = 0; i < watched_.size(); i++) {
    int fd = watched_[i];
    pollfds_[i] = {fd, static_cast<short>(table_[fd].interest), 0};
  }
  if (PollNow(pollfds_.data(), pollfds_.size()) <= 0) return;
  std::vector<int> closed;
  for (const pollfd& p : pollfds_) {
    if (p.revents == 0) continue;
    if (p.revents & POLLNVAL) {
      closed.push_back(p.fd);  // closed without unwatch(): nothing to restore, drop it
      continue;
    }
    Deliver(p.fd, table_[p.fd], static_cast<uint16_t>(p.revents), Sink::kPending);
  }
  for (int fd : closed) {
    if (Find(fd) != nullptr) Remove(fd);
  }
}

void SigioEngine::DrainPending() {
  while (pending_head_ < pending_.size()) {
    if (!level_ && count_ >= out_max_) break;
    Pending e = pending_[pending_head_++];
    Registration* reg = Find(e.fd);
    if (reg == nullptr || reg->generation != e.generation) {
      stats_.stale++;
      continue;
    }
    Deliver(e.fd, *reg, e.band, Sink::kReadyList);
  }
  if (pending_head_ == pending_.size()) {
    pending_.clear();
    pending_head_ = 0;
  }
}

// Level-triggered mode: polls the candidates, reports the ready ones (up to the ready list's
// size) and forgets the rest. Reported fds move to the back so that, when more are ready than
// fit, the next collect starts with the ones left out (round robin, as epoll's ready list).
void SigioEngine::PollCandidates() {
  size_t live = 0;
  for (const Candidate& c : candidates_) {
    Registration* reg = Find(c.fd);
    if (reg != nullptr && reg->generation == c.generation && reg->in_level_set)
      candidates_[live++] = c;
  }
  candidates_.resize(live);
  if (live == 0) return;
  pollfds_.resize(live);
  for (size_t i = 0; i < live; i++) {
    int fd = candidates_[i].fd;
    pollfds_[i] = {fd, static_cast<short>(table_[fd].interest), 0};
  }
  if (PollNow(pollfds_.data(), live) < 0) return;
  std::vector<Candidate> reported;
  size_t kept = 0;
  for (size_t i = 0; i < live; i++) {
    const pollfd& p = pollfds_[i];
    Registration& reg = table_[p.fd];
    uint32_t band = static_cast<uint16_t>(p.revents) & (reg.interest | kAlwaysReported);
    if (band == 0 || (p.revents & POLLNVAL)) {
      reg.in_level_set = false;  // not ready any more: a signal will announce the next change
      if (p.revents & POLLNVAL) Remove(p.fd);
      continue;
    }
    if (count_ < out_max_) {
      out_tokens_[count_] = reg.token;
      out_bands_[count_] = band;
      count_++;
      reported.push_back(candidates_[i]);
    } else {
      candidates_[kept++] = candidates_[i];
    }
  }
  candidates_.resize(kept);
  candidates_.insert(candidates_.end(), reported.begin(), reported.end());
}

int SigioEngine::Collect(uint32_t* tokens, uint32_t* bands, int max) {
  out_tokens_ = tokens;
  out_bands_ = bands;
  out_max_ = max;
  count_ = 0;
  if (wake_pending_) {
    uint64_t value;
    while (read(efd_, &value, sizeof value) < 0 && errno == EINTR) {
    }
    wake_pending_ = false;
  }
  if (rescan_due_) Rescan();
  DrainPending();
  int rc = ReadSignals(Sink::kReadyList);
  if (rc < 0) return rc;
  if (rescan_due_) {
    // What this collect gathered so far is covered by the rescan.
    count_ = 0;
    Rescan();
    DrainPending();
  }
  if (level_) PollCandidates();
  return count_;
}

bool SigioEngine::HasLeftovers() const {
  return pending_head_ < pending_.size() || rescan_due_ || (level_ && !candidates_.empty());
}

int SigioEngine::Wait(int timeout, uint32_t* tokens, uint32_t* bands, int max) {
  Deadline deadline(timeout);
  for (;;) {
    int n = Collect(tokens, bands, max);
    if (n != 0) return n;
    if (timeout == 0) return 0;
    int left = deadline.RemainingMs();
    if (left == 0) return 0;
    pollfd p[2] = {{sfd_, POLLIN, 0}, {efd_, POLLIN, 0}};
    int rc = poll(p, 2, left);
    if (rc < 0 && errno != EINTR) return -errno;
    // Readable (or interrupted): collect again; a wake-up with nothing left yields 0 and we
    // wait on.
  }
}

void SigioEngine::Wake() {
  if (wake_pending_ || efd_ < 0) return;
  uint64_t one = 1;
  while (write(efd_, &one, sizeof one) < 0 && errno == EINTR) {
  }
  wake_pending_ = true;
  stats_.wakeups++;
}

void SigioEngine::RequestRescan() {
  if (sfd_ < 0) return;
  if (tgkill(pid_, tid_, SIGIO) != 0) {
    rescan_due_ = true;
    Wake();
  }
}

}  // namespace sigio
}  // namespace io
