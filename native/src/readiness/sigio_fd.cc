#include "sigio_fd.h"

#include <cerrno>

namespace io {
namespace sigio {
namespace {

constexpr int kOurFlags = O_NONBLOCK | O_ASYNC;

}  // namespace

int Fcntl(int fd, int cmd, long arg) {
  int rc;
  do {
    rc = fcntl(fd, cmd, arg);
  } while (rc < 0 && errno == EINTR);
  return rc;
}

int Inspect(int fd, SavedFd* saved) {
  struct stat st {};
  if (fstat(fd, &st) < 0) return -errno;
  if (!S_ISSOCK(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode)) return -EPERM;
  saved->dev = st.st_dev;
  saved->ino = st.st_ino;
  return 0;
}

bool SameFile(int fd, const SavedFd& saved) {
  struct stat st {};
  if (fstat(fd, &st) < 0) return false;
  return st.st_dev == saved.dev && st.st_ino == saved.ino;
}

int Arm(int fd, int sig, pid_t tid, SavedFd* saved, const char** op) {
  *op = "fcntl";
  int flags = Fcntl(fd, F_GETFL, 0);
  if (flags < 0) return -errno;
  int old_sig = Fcntl(fd, F_GETSIG, 0);
  if (old_sig < 0) return -errno;
  f_owner_ex old_owner{};
  if (fcntl(fd, F_GETOWN_EX, &old_owner) < 0) return -errno;
  saved->flags = flags;
  saved->signal = old_sig;
  saved->owner = old_owner;

  f_owner_ex owner{F_OWNER_TID, tid};
  if (fcntl(fd, F_SETOWN_EX, &owner) < 0) return -errno;
  int err = 0;
  if (Fcntl(fd, F_SETSIG, sig) < 0) {
    err = -errno;
  } else if (Fcntl(fd, F_SETFL, flags | kOurFlags) < 0) {
    err = -errno;
  }
  if (err != 0) {
    Fcntl(fd, F_SETSIG, old_sig);
    fcntl(fd, F_SETOWN_EX, &old_owner);
  }
  return err;
}

int Disarm(int fd, const SavedFd& saved) {
  int first = 0;
  auto note = [&first](int rc) {
    if (rc < 0 && first == 0) first = -errno;
  };
  int now = Fcntl(fd, F_GETFL, 0);
  if (now < 0) return -errno;
  // Stop the signals before touching owner and signal number.
  note(Fcntl(fd, F_SETFL, now & ~O_ASYNC));
  note(Fcntl(fd, F_SETSIG, saved.signal));
  f_owner_ex owner = saved.owner;
  note(fcntl(fd, F_SETOWN_EX, &owner));
  int restored = (now & ~kOurFlags) | (saved.flags & kOurFlags);
  if (restored != (now & ~O_ASYNC)) note(Fcntl(fd, F_SETFL, restored));
  return first;
}

}  // namespace sigio
}  // namespace io
