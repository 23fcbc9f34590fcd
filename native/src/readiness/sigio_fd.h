// Arming and disarming one fd for signal-driven I/O (sigio.cc), and the fd table entry.
//
// Arming (fcntl(2)): remember the fd's flags, F_SETSIG signal and owner; direct its signals to
// one thread (F_SETOWN_EX, F_OWNER_TID) as real-time signal `sig` (F_SETSIG); then set
// O_NONBLOCK | O_ASYNC. Owner and signal come first so that the very first signal already goes
// to the right place. Disarming clears O_ASYNC first (no more signals), then restores the
// signal, the owner and the two flags as they were, leaving other flags as they are now.
//
// F_SETOWN/F_SETSIG/O_ASYNC belong to the open file *description*: a dup()ed fd shares them,
// and the kernel reports only the fd number that armed it last (fasync_insert_entry()).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>

namespace io {
namespace sigio {

// What an fd was before we armed it, and how to recognise the same open file later.
struct SavedFd {
  int flags = 0;     // F_GETFL
  int signal = 0;    // F_GETSIG (0: plain SIGIO)
  f_owner_ex owner{};  // F_GETOWN_EX
  dev_t dev = 0;     // fstat identity: an fd number closed and reused names another file
  ino_t ino = 0;
};

// One watched fd. The generation tells a registration from an earlier one of the same fd
// number, so an event remembered for the old one is never reported for the new one.
struct Registration {
  bool active = false;
  bool in_level_set = false;  // level-triggered mode: fd is a readiness candidate
  uint32_t token = 0;
  uint32_t generation = 0;
  uint32_t interest = 0;  // POLLIN | POLLOUT | POLLPRI | POLLRDHUP
  uint32_t slot = 0;      // index in the instance's list of watched fds
  SavedFd saved;
};

// fcntl(2) retried on EINTR.
int Fcntl(int fd, int cmd, long arg);

// fstat()s fd and checks it is a kind of file that can signal: sockets, pipes/FIFOs and
// character devices (ttys). Regular files, directories and anonymous-inode fds (eventfd,
// timerfd, epoll, signalfd) accept O_ASYNC but never signal: refused with EPERM, as epoll
// refuses regular files. Returns 0 or -errno; fills dev/ino.
int Inspect(int fd, SavedFd* saved);
// Whether fd still names the open file described by `saved` (false if closed or reused).
bool SameFile(int fd, const SavedFd& saved);
// Arms fd (see above); on failure restores what it changed and returns -errno, with the name
// of the failing operation in *op.
int Arm(int fd, int sig, pid_t tid, SavedFd* saved, const char** op);
// Restores what Arm changed. Returns 0 or -errno (the first failure; it still tries the rest).
int Disarm(int fd, const SavedFd& saved);

}  // namespace sigio
}  // namespace io
