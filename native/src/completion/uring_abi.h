// The io_uring kernel ABI as this addon uses it: the three raw syscalls and the constants and
// structs that newer kernels added after the oldest <linux/io_uring.h> we build against.
//
// Why our own copies: the build machine's uapi headers may be older than the kernel the addon
// runs on (Ubuntu 22.04 ships 5.15 headers). Opcode numbers, flag bits and struct layouts are
// kernel ABI and never change once released, so spelling them here lets one binary use a newer
// kernel's features; the runtime probe (uring_probe.cc) decides what may actually be used.
#pragma once

#include <linux/io_uring.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#ifndef __NR_io_uring_setup  // the same numbers on every architecture since 5.1
#define __NR_io_uring_setup 425
#define __NR_io_uring_enter 426
#define __NR_io_uring_register 427
#endif

namespace io {
namespace uring {

// Opcodes (enum io_uring_op). The kernel version that added each is noted.
constexpr uint8_t kOpPollAdd = 6;        // 5.1
constexpr uint8_t kOpPollRemove = 7;     // 5.1
constexpr uint8_t kOpTimeout = 11;       // 5.4
constexpr uint8_t kOpAccept = 13;        // 5.5
constexpr uint8_t kOpAsyncCancel = 14;   // 5.5
constexpr uint8_t kOpConnect = 16;       // 5.5
constexpr uint8_t kOpClose = 19;         // 5.6
constexpr uint8_t kOpWritev = 2;         // 5.1
constexpr uint8_t kOpSend = 26;          // 5.6
constexpr uint8_t kOpRecv = 27;          // 5.6
constexpr uint8_t kOpShutdown = 34;      // 5.11
constexpr uint8_t kOpSocket = 45;        // 5.19 (probed only, as a kernel-version marker)
constexpr uint8_t kOpSendZc = 47;        // 6.0
constexpr unsigned kOpTableSize = 64;    // more than any kernel defines today

// io_uring_setup flags.
constexpr uint32_t kSetupCqSize = 1u << 3;          // 5.5
constexpr uint32_t kSetupClamp = 1u << 4;           // 5.6
constexpr uint32_t kSetupSubmitAll = 1u << 7;       // 5.18
constexpr uint32_t kSetupCoopTaskrun = 1u << 8;     // 5.19
constexpr uint32_t kSetupTaskrunFlag = 1u << 9;     // 5.19
constexpr uint32_t kSetupSingleIssuer = 1u << 12;   // 6.0
constexpr uint32_t kSetupDeferTaskrun = 1u << 13;   // 6.1

// io_uring_params.features bits.
constexpr uint32_t kFeatNoDrop = 1u << 1;           // 5.5: overflowed CQEs are kept, not lost
constexpr uint32_t kFeatSubmitStable = 1u << 2;     // 5.5: data read at submit time may go away
constexpr uint32_t kFeatFastPoll = 1u << 5;         // 5.7
constexpr uint32_t kFeatExtArg = 1u << 8;           // 5.11: io_uring_enter takes a timeout
constexpr uint32_t kFeatRsrcTags = 1u << 10;        // 5.13 (marker for multishot poll)

// sq_ring->flags
constexpr uint32_t kSqNeedWakeup = 1u << 0;
constexpr uint32_t kSqCqOverflow = 1u << 1;         // CQEs wait in the kernel's overflow list
constexpr uint32_t kSqTaskrun = 1u << 2;            // deferred work waits for io_uring_enter

// io_uring_enter flags.
constexpr uint32_t kEnterGetEvents = 1u << 0;
constexpr uint32_t kEnterExtArg = 1u << 3;

// sqe->flags
constexpr uint8_t kSqeIoHardlink = 1u << 3;         // run the next SQE even if this one fails
constexpr uint8_t kSqeBufferSelect = 1u << 5;

// Per-opcode flags.
constexpr uint32_t kPollAddMulti = 1u << 0;         // sqe->len of POLL_ADD, 5.13
constexpr uint16_t kRecvMultishot = 1u << 1;        // sqe->ioprio of RECV, 6.0
constexpr uint16_t kRecvSendPollFirst = 1u << 0;    // IORING_RECVSEND_POLL_FIRST, 5.19
constexpr uint16_t kAcceptMultishot = 1u << 0;      // sqe->ioprio of ACCEPT, 5.19
constexpr uint32_t kCancelAll = 1u << 0;            // 5.19
constexpr uint32_t kCancelFd = 1u << 1;             // 5.19
constexpr uint32_t kCancelAny = 1u << 2;            // 5.19

// cqe->flags
constexpr uint32_t kCqeBuffer = 1u << 0;
constexpr uint32_t kCqeMore = 1u << 1;
constexpr uint32_t kCqeSockNonEmpty = 1u << 2;
constexpr uint32_t kCqeNotif = 1u << 3;
constexpr unsigned kCqeBufferShift = 16;

// io_uring_register opcodes.
constexpr unsigned kRegisterEventfd = 4;
constexpr unsigned kUnregisterEventfd = 5;
constexpr unsigned kRegisterProbe = 8;
constexpr unsigned kRegisterPbufRing = 22;          // 5.19
constexpr unsigned kUnregisterPbufRing = 23;

constexpr uint16_t kProbeOpSupported = 1u << 0;

// struct io_uring_buf: one entry of a provided-buffer ring (16 bytes). The ring's tail is
// overlaid on the `resv` field of entry 0.
struct BufEntry {
  uint64_t addr;
  uint32_t len;
  uint16_t bid;
  uint16_t resv;
};
static_assert(sizeof(BufEntry) == 16, "io_uring_buf is 16 bytes");
constexpr size_t kBufRingTailOffset = 14;  // offsetof(io_uring_buf_ring, tail)

// struct io_uring_buf_reg: the argument of IORING_REGISTER_PBUF_RING.
struct BufReg {
  uint64_t ring_addr;
  uint32_t ring_entries;
  uint16_t bgid;
  uint16_t flags;
  uint64_t resv[3];
};
static_assert(sizeof(BufReg) == 40, "io_uring_buf_reg is 40 bytes");

// struct io_uring_getevents_arg, for IORING_ENTER_EXT_ARG.
struct GetEventsArg {
  uint64_t sigmask;
  uint32_t sigmask_sz;
  uint32_t pad;
  uint64_t ts;
};

// struct __kernel_timespec
struct KernelTimespec {
  int64_t tv_sec;
  long long tv_nsec;
};

// The raw syscalls. Each returns the kernel's result or -errno (never sets errno for callers).
inline int Setup(unsigned entries, io_uring_params* params) {
  long rc = syscall(__NR_io_uring_setup, entries, params);
  return rc < 0 ? -errno : static_cast<int>(rc);
}

inline int Enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags,
                 const void* arg, size_t arg_size) {
  long rc = syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, arg, arg_size);
  return rc < 0 ? -errno : static_cast<int>(rc);
}

inline int Register(int fd, unsigned opcode, const void* arg, unsigned nr_args) {
  long rc = syscall(__NR_io_uring_register, fd, opcode, arg, nr_args);
  return rc < 0 ? -errno : static_cast<int>(rc);
}

// Memory ordering on the shared rings (the kernel's side is documented in io_uring.c):
//  - A value the kernel writes and we read (SQ head, CQ tail, SQ flags) is loaded with acquire,
//    so the SQE slots it freed / the CQEs it published are visible once we see the new index.
//  - A value we write and the kernel reads (SQ tail, CQ head) is stored with release, so the
//    SQEs we filled / our reads of the CQEs we consumed are ordered before the kernel sees it.
inline uint32_t LoadAcquire(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline void StoreRelease(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

}  // namespace uring
}  // namespace io
