#include "uring_probe.h"

#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/errors.h"
#include "uring_queue.h"

namespace io {
namespace uring {
namespace {

std::string ReadSysctl(const char* path) {
  std::ifstream in(path);
  std::string value;
  if (!(in >> value)) return "";
  return value;
}

}  // namespace

std::string SetupFailureReason(int err) {
  std::string what = "io_uring_setup failed with " + ErrnoName(err) + " (" + strerror(err) + ")";
  switch (err) {
    case ENOSYS:
      return what +
             ": this kernel has no io_uring (older than 5.1 or built without CONFIG_IO_URING), "
             "or a seccomp filter answers ENOSYS";
    case EPERM: {
      // kernel.io_uring_disabled (6.6): 2 = off for everyone, 1 = only for members of
      // kernel.io_uring_group (and CAP_SYS_ADMIN).
      std::string disabled = ReadSysctl("/proc/sys/kernel/io_uring_disabled");
      if (disabled == "2") return what + ": disabled by sysctl kernel.io_uring_disabled=2";
      if (disabled == "1")
        return what +
               ": restricted by sysctl kernel.io_uring_disabled=1 to the group in "
               "kernel.io_uring_group (gid " +
               ReadSysctl("/proc/sys/kernel/io_uring_group") + "), and this process is not in it";
      return what +
             ": blocked by a seccomp filter or security module (container runtimes' default "
             "seccomp profiles block io_uring)";
    }
    case ENOMEM:
      return what +
             ": not enough locked memory for the rings (kernels before 5.12 charge them to "
             "RLIMIT_MEMLOCK: raise `ulimit -l`)";
    case EMFILE:
    case ENFILE:
      return what + ": too many open files";
    case EOPNOTSUPP:
      return "io_uring in this kernel lacks IORING_FEAT_NODROP, SUBMIT_STABLE or EXT_ARG "
             "(needs Linux >= 5.11)";
    default:
      return what;
  }
}

Support ProbeSupport() {
  Queue queue;
  int rc = queue.Open(2, 4);
  if (rc < 0) return {false, -rc, SetupFailureReason(-rc)};
  return {true, 0, ""};
}

}  // namespace uring
}  // namespace io
