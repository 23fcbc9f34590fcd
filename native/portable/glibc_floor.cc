// Keeps the released addon loadable on glibc 2.28 (RHEL 8, Debian 10, Ubuntu 18.10 and later)
// although it is built against a newer glibc.
//
// A symbol reference binds to the newest version the build machine's glibc offers, so a build on
// glibc 2.36 asks for `pthread_create@GLIBC_2.34` and fails to load on anything older. The
// linker's `--wrap=NAME` (set in CMakeLists.txt when IO_PORTABLE is on) sends every reference to
// NAME, ours and those inside the static libstdc++ and libgcc, to `__wrap_NAME` below, which
// either calls the oldest version of the same function or does the work itself. The pack check
// (`objdump -T`) fails the build if any GLIBC_ version above 2.28 is left.
//
// Each wrapper says why it exists and which glibc added the symbol it replaces.
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#if !defined(__GLIBC__)
#error "glibc_floor.cc is for glibc builds only (IO_PORTABLE=OFF elsewhere)"
#endif

// The version every symbol of the architecture's first glibc carries.
#if defined(__x86_64__)
#define IO_GLIBC_BASE "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define IO_GLIBC_BASE "GLIBC_2.17"
#else
#error "IO_PORTABLE knows the base glibc version of x86_64 and aarch64 only"
#endif

// Declares io_old_NAME as NAME at the base version: the same function, moved into libc.so.6 from
// libpthread.so.0 by glibc 2.34, which kept the old version beside the new one.
#define IO_OLD_SYMBOL(name, ret, params) \
  extern "C" ret io_old_##name params;   \
  __asm__(".symver io_old_" #name "," #name "@" IO_GLIBC_BASE);

IO_OLD_SYMBOL(pthread_create, int,
              (pthread_t*, const pthread_attr_t*, void* (*)(void*), void*))  // NOLINT
IO_OLD_SYMBOL(pthread_join, int, (pthread_t, void**))
IO_OLD_SYMBOL(pthread_once, int, (pthread_once_t*, void (*)()))
IO_OLD_SYMBOL(pthread_key_create, int, (pthread_key_t*, void (*)(void*)))
IO_OLD_SYMBOL(pthread_sigmask, int, (int, const sigset_t*, sigset_t*))

extern "C" {

// glibc 2.34: the pthread_* entry points moved into libc.so.6 with a new version.
int __wrap_pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*),
                          void* arg) {
  return io_old_pthread_create(thread, attr, start, arg);
}
int __wrap_pthread_join(pthread_t thread, void** result) {
  return io_old_pthread_join(thread, result);
}
int __wrap_pthread_once(pthread_once_t* once, void (*init)()) {
  return io_old_pthread_once(once, init);
}
// libstdc++ refers to __pthread_key_create weakly, to learn whether threads are in use; a
// non-null wrapper says they are, which is true in every Node process.
int __wrap___pthread_key_create(pthread_key_t* key, void (*destructor)(void*)) {
  return io_old_pthread_key_create(key, destructor);
}
// glibc 2.32 gave pthread_sigmask a libc.so.6 version.
int __wrap_pthread_sigmask(int how, const sigset_t* set, sigset_t* old) {
  return io_old_pthread_sigmask(how, set, old);
}

// glibc 2.30 added these wrappers of syscalls Linux has had since 2.5.
pid_t __wrap_gettid() {
  return static_cast<pid_t>(syscall(SYS_gettid));
}
int __wrap_tgkill(pid_t pid, pid_t tid, int sig) {
  return static_cast<int>(syscall(SYS_tgkill, pid, tid, sig));
}

// glibc 2.33 made fstat a real symbol; before, <sys/stat.h> turned it into __fxstat. On x86_64
// and aarch64 the kernel's struct stat is glibc's, so the syscall fills it directly.
int __wrap_fstat(int fd, struct stat* st) {
  return static_cast<int>(syscall(SYS_fstat, fd, st));
}
int __wrap_fstat64(int fd, struct stat64* st) {
  return static_cast<int>(syscall(SYS_fstat, fd, st));
}

// glibc 2.32: libstdc++ reads this flag to skip atomic reference counts in a process with one
// thread. Zero means "threads may exist": always correct, merely never the shortcut.
char __wrap___libc_single_threaded = 0;

// glibc 2.32: the name of an errno value ("EAGAIN"), as glibc spells it; null when unknown.
// Linux's errno values (asm-generic/errno-base.h, errno.h), without the aliases EWOULDBLOCK
// (EAGAIN) and EDEADLOCK (EDEADLK); x86_64 and aarch64 share them. Only error paths ask, so a
// scan is fast enough.
struct ErrnoName {
  int value;
  const char* name;
};
#define IO_ERRNO_NAME(name) {name, #name},
// clang-format off
static const ErrnoName kErrnoNames[] = {
    IO_ERRNO_NAME(EPERM) IO_ERRNO_NAME(ENOENT) IO_ERRNO_NAME(ESRCH) IO_ERRNO_NAME(EINTR)
    IO_ERRNO_NAME(EIO) IO_ERRNO_NAME(ENXIO) IO_ERRNO_NAME(E2BIG) IO_ERRNO_NAME(ENOEXEC)
    IO_ERRNO_NAME(EBADF) IO_ERRNO_NAME(ECHILD) IO_ERRNO_NAME(EAGAIN) IO_ERRNO_NAME(ENOMEM)
    IO_ERRNO_NAME(EACCES) IO_ERRNO_NAME(EFAULT) IO_ERRNO_NAME(ENOTBLK) IO_ERRNO_NAME(EBUSY)
    IO_ERRNO_NAME(EEXIST) IO_ERRNO_NAME(EXDEV) IO_ERRNO_NAME(ENODEV) IO_ERRNO_NAME(ENOTDIR)
    IO_ERRNO_NAME(EISDIR) IO_ERRNO_NAME(EINVAL) IO_ERRNO_NAME(ENFILE) IO_ERRNO_NAME(EMFILE)
    IO_ERRNO_NAME(ENOTTY) IO_ERRNO_NAME(ETXTBSY) IO_ERRNO_NAME(EFBIG) IO_ERRNO_NAME(ENOSPC)
    IO_ERRNO_NAME(ESPIPE) IO_ERRNO_NAME(EROFS) IO_ERRNO_NAME(EMLINK) IO_ERRNO_NAME(EPIPE)
    IO_ERRNO_NAME(EDOM) IO_ERRNO_NAME(ERANGE) IO_ERRNO_NAME(EDEADLK) IO_ERRNO_NAME(ENAMETOOLONG)
    IO_ERRNO_NAME(ENOLCK) IO_ERRNO_NAME(ENOSYS) IO_ERRNO_NAME(ENOTEMPTY) IO_ERRNO_NAME(ELOOP)
    IO_ERRNO_NAME(ENOMSG) IO_ERRNO_NAME(EIDRM) IO_ERRNO_NAME(ECHRNG) IO_ERRNO_NAME(EL2NSYNC)
    IO_ERRNO_NAME(EL3HLT) IO_ERRNO_NAME(EL3RST) IO_ERRNO_NAME(ELNRNG) IO_ERRNO_NAME(EUNATCH)
    IO_ERRNO_NAME(ENOCSI) IO_ERRNO_NAME(EL2HLT) IO_ERRNO_NAME(EBADE) IO_ERRNO_NAME(EBADR)
    IO_ERRNO_NAME(EXFULL) IO_ERRNO_NAME(ENOANO) IO_ERRNO_NAME(EBADRQC) IO_ERRNO_NAME(EBADSLT)
    IO_ERRNO_NAME(EBFONT) IO_ERRNO_NAME(ENOSTR) IO_ERRNO_NAME(ENODATA) IO_ERRNO_NAME(ETIME)
    IO_ERRNO_NAME(ENOSR) IO_ERRNO_NAME(ENONET) IO_ERRNO_NAME(ENOPKG) IO_ERRNO_NAME(EREMOTE)
    IO_ERRNO_NAME(ENOLINK) IO_ERRNO_NAME(EADV) IO_ERRNO_NAME(ESRMNT) IO_ERRNO_NAME(ECOMM)
    IO_ERRNO_NAME(EPROTO) IO_ERRNO_NAME(EMULTIHOP) IO_ERRNO_NAME(EDOTDOT) IO_ERRNO_NAME(EBADMSG)
    IO_ERRNO_NAME(EOVERFLOW) IO_ERRNO_NAME(ENOTUNIQ) IO_ERRNO_NAME(EBADFD) IO_ERRNO_NAME(EREMCHG)
    IO_ERRNO_NAME(ELIBACC) IO_ERRNO_NAME(ELIBBAD) IO_ERRNO_NAME(ELIBSCN) IO_ERRNO_NAME(ELIBMAX)
    IO_ERRNO_NAME(ELIBEXEC) IO_ERRNO_NAME(EILSEQ) IO_ERRNO_NAME(ERESTART) IO_ERRNO_NAME(ESTRPIPE)
    IO_ERRNO_NAME(EUSERS) IO_ERRNO_NAME(ENOTSOCK) IO_ERRNO_NAME(EDESTADDRREQ)
    IO_ERRNO_NAME(EMSGSIZE) IO_ERRNO_NAME(EPROTOTYPE) IO_ERRNO_NAME(ENOPROTOOPT)
    IO_ERRNO_NAME(EPROTONOSUPPORT) IO_ERRNO_NAME(ESOCKTNOSUPPORT) IO_ERRNO_NAME(EOPNOTSUPP)
    IO_ERRNO_NAME(EPFNOSUPPORT) IO_ERRNO_NAME(EAFNOSUPPORT) IO_ERRNO_NAME(EADDRINUSE)
    IO_ERRNO_NAME(EADDRNOTAVAIL) IO_ERRNO_NAME(ENETDOWN) IO_ERRNO_NAME(ENETUNREACH)
    IO_ERRNO_NAME(ENETRESET) IO_ERRNO_NAME(ECONNABORTED) IO_ERRNO_NAME(ECONNRESET)
    IO_ERRNO_NAME(ENOBUFS) IO_ERRNO_NAME(EISCONN) IO_ERRNO_NAME(ENOTCONN) IO_ERRNO_NAME(ESHUTDOWN)
    IO_ERRNO_NAME(ETOOMANYREFS) IO_ERRNO_NAME(ETIMEDOUT) IO_ERRNO_NAME(ECONNREFUSED)
    IO_ERRNO_NAME(EHOSTDOWN) IO_ERRNO_NAME(EHOSTUNREACH) IO_ERRNO_NAME(EALREADY)
    IO_ERRNO_NAME(EINPROGRESS) IO_ERRNO_NAME(ESTALE) IO_ERRNO_NAME(EUCLEAN) IO_ERRNO_NAME(ENOTNAM)
    IO_ERRNO_NAME(ENAVAIL) IO_ERRNO_NAME(EISNAM) IO_ERRNO_NAME(EREMOTEIO) IO_ERRNO_NAME(EDQUOT)
    IO_ERRNO_NAME(ENOMEDIUM) IO_ERRNO_NAME(EMEDIUMTYPE) IO_ERRNO_NAME(ECANCELED)
    IO_ERRNO_NAME(ENOKEY) IO_ERRNO_NAME(EKEYEXPIRED) IO_ERRNO_NAME(EKEYREVOKED)
    IO_ERRNO_NAME(EKEYREJECTED) IO_ERRNO_NAME(EOWNERDEAD) IO_ERRNO_NAME(ENOTRECOVERABLE)
    IO_ERRNO_NAME(ERFKILL) IO_ERRNO_NAME(EHWPOISON)
};
// clang-format on
#undef IO_ERRNO_NAME

const char* __wrap_strerrorname_np(int err) {
  if (err == 0) return "0";
  for (const ErrnoName& entry : kErrnoNames) {
    if (entry.value == err) return entry.name;
  }
  return nullptr;
}

// glibc 2.35: the static libgcc unwinder (GCC 12 and later) finds the unwind tables of the
// code a C++ exception passes through with _dl_find_object, and has no fallback when the
// call fails, so a wrapper that failed would turn every thrown JS error into std::terminate.
// This one answers the same question from the program headers, as unwinders did before 2.35:
// which loaded object holds `pc`, and where its .eh_frame_hdr is.
struct FindObjectQuery {
  uintptr_t pc;
  dl_find_object* result;
};

static int FindObjectOf(dl_phdr_info* info, size_t, void* data) {
  auto* query = static_cast<FindObjectQuery*>(data);
  uintptr_t start = UINTPTR_MAX, end = 0;
  bool holds_pc = false;
  const ElfW(Phdr)* eh_frame_hdr = nullptr;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_GNU_EH_FRAME) eh_frame_hdr = &ph;
    if (ph.p_type != PT_LOAD) continue;
    uintptr_t from = info->dlpi_addr + ph.p_vaddr, to = from + ph.p_memsz;
    if (from < start) start = from;
    if (to > end) end = to;
    if (query->pc >= from && query->pc < to) holds_pc = true;
  }
  if (!holds_pc) return 0;
  *query->result = dl_find_object{};
  query->result->dlfo_map_start = reinterpret_cast<void*>(start);
  query->result->dlfo_map_end = reinterpret_cast<void*>(end);
  if (eh_frame_hdr != nullptr) {
    query->result->dlfo_eh_frame = reinterpret_cast<void*>(info->dlpi_addr + eh_frame_hdr->p_vaddr);
  }
  return 1;
}

int __wrap__dl_find_object(void* pc, dl_find_object* result) {
  FindObjectQuery query{reinterpret_cast<uintptr_t>(pc), result};
  return dl_iterate_phdr(FindObjectOf, &query) == 1 ? 0 : -1;
}

}  // extern "C"
