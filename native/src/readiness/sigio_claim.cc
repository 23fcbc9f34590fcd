#include "sigio_claim.h"

#include <pthread.h>

#include <cerrno>

namespace io {
namespace sigio {
namespace {

// The claim marker. It only runs if a claimed signal reaches a thread that does not block it,
// which the kernel never does for our signals (they are sent to the owner thread, F_OWNER_TID,
// where they are blocked); a stray kill(2) then costs nothing instead of terminating.
void ClaimMarker(int) {}

bool IsFree(const struct sigaction& action) {
  if (action.sa_flags & SA_SIGINFO) return false;  // a three-argument handler
  return action.sa_handler == SIG_DFL || action.sa_handler == SIG_IGN;
}

bool IsMarker(const struct sigaction& action) {
  return !(action.sa_flags & SA_SIGINFO) && action.sa_handler == ClaimMarker;
}

struct sigaction MarkerAction() {
  struct sigaction action {};
  action.sa_handler = ClaimMarker;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  return action;
}

int TryClaim(int sig) {
  struct sigaction current {};
  if (sigaction(sig, nullptr, &current) < 0) return -errno;
  if (!IsFree(current)) return -EBUSY;  // ours (another instance) or someone else's handler
  struct sigaction marker = MarkerAction();
  struct sigaction previous {};
  // The swap is atomic in the kernel (under the process's siglock): of two threads racing for
  // the same free signal, exactly one gets a free action back.
  if (sigaction(sig, &marker, &previous) < 0) return -errno;
  if (IsFree(previous)) return sig;
  // Lost the race. If the winner was another instance, our write changed nothing (same action);
  // if a foreign handler appeared meanwhile, put it back.
  if (!IsMarker(previous)) sigaction(sig, &previous, nullptr);
  return -EBUSY;
}

}  // namespace

int ClaimRealtimeSignal(int wanted) {
  const int low = SIGRTMIN;
  const int high = SIGRTMAX;
  if (wanted != 0) {
    if (wanted < low || wanted > high) return -EINVAL;
    return TryClaim(wanted);
  }
  for (int sig = low; sig <= high; sig++) {
    int rc = TryClaim(sig);
    if (rc > 0) return rc;
    if (rc != -EBUSY) return rc;
  }
  return -EBUSY;
}

void ReleaseRealtimeSignal(int sig) {
  struct sigaction current {};
  if (sigaction(sig, nullptr, &current) < 0 || !IsMarker(current)) return;
  // SIG_IGN rather than SIG_DFL: a real-time signal's default action terminates, and a file
  // closed without unwatch() whose description lives on (dup, fork) still sends to this thread.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(sig, &ignore, nullptr);
}

bool IsClaimed(int sig) {
  struct sigaction current {};
  return sigaction(sig, nullptr, &current) == 0 && IsMarker(current);
}

int IgnoreSigioIfDefault() {
  struct sigaction current {};
  if (sigaction(SIGIO, nullptr, &current) < 0) return -errno;
  if ((current.sa_flags & SA_SIGINFO) || current.sa_handler != SIG_DFL) return 0;
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  // Two threads racing here both write SIG_IGN, which is harmless. (A handler that other code
  // installs between the read and the write would be replaced; sigaction offers no
  // compare-and-swap, and SIGIO is not used by Node or libuv.)
  if (sigaction(SIGIO, &ignore, nullptr) < 0) return -errno;
  return 0;
}

bool BlockInThisThread(int sig, int* err) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, sig);
  int rc = pthread_sigmask(SIG_BLOCK, &set, &old);
  if (rc != 0) {
    *err = -rc;
    return false;
  }
  *err = 0;
  return !sigismember(&old, sig);
}

void UnblockInThisThread(int sig) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace sigio
}  // namespace io
