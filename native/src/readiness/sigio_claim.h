// Process-wide and per-thread signal resources for signal-driven I/O (sigio.cc).
//
// Signal dispositions are per process and signal masks are per thread; the kernel offers no
// per-instance equivalent. So that several SignalDrivenIO instances (in the main thread and in
// worker threads) can coexist without any global mutable state in the addon:
//
// - A real-time signal is claimed through its *disposition*: a free signal (SIG_DFL or
//   SIG_IGN) gets a no-op marker handler, and sigaction(2)'s atomic swap of the old action
//   tells whether this caller was first. Another instance (or a second copy of the addon, or
//   unrelated native code) sees a handler and moves on. Releasing sets SIG_IGN, which by POSIX
//   discards every pending instance of that signal in every thread.
// - SIGIO (the queue-overflow notification) is shared by every instance of a thread (see
//   sigio_engine.cc for how they share it). Its default action terminates the process, so it
//   is switched to SIG_IGN when it is SIG_DFL.
//   The kernel still queues an ignored signal while it is blocked (kernel/signal.c
//   sig_ignored(): "Blocked signals are never ignored"), so the owner thread reads it through
//   its signalfd, and any other thread simply drops it.
#pragma once

#include <signal.h>

namespace io {
namespace sigio {

// Claims a free real-time signal in [SIGRTMIN, SIGRTMAX] (glibc's SIGRTMIN is a function call:
// it skips the signals glibc keeps for itself). `wanted` = 0 takes the first free one;
// otherwise only that signal. Returns the signal, or -EBUSY when none (or not that one) is free,
// or -EINVAL when `wanted` is outside the range.
int ClaimRealtimeSignal(int wanted);
// Gives a claimed signal back: SIG_IGN (flushes its pending instances). Left alone if something
// else replaced the marker in the meantime.
void ReleaseRealtimeSignal(int sig);
// True when `sig`'s disposition is the claim marker (diagnostics and tests).
bool IsClaimed(int sig);

// Sets SIGIO to SIG_IGN when it is SIG_DFL, so that it can never terminate the process.
// A handler someone else installed is kept (it does not terminate either). Returns 0 or -errno.
int IgnoreSigioIfDefault();

// Blocks `sig` in the calling thread; returns true when it was not blocked before (the caller
// then owns the unblocking), false when it already was, or -errno through *err.
bool BlockInThisThread(int sig, int* err);
void UnblockInThisThread(int sig);

}  // namespace sigio
}  // namespace io
