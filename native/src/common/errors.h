// Node-style errors. A failing syscall throws an Error shaped like the ones Node's own fs and
// net throw: message "EBADF: Bad file descriptor, epoll_ctl", code "EBADF", errno -9 (negative,
// as in Node), syscall "epoll_ctl". Bad arguments throw TypeError/RangeError with Node's
// ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE codes, before any syscall is made.
#pragma once

#include <napi.h>

namespace io {

Napi::Error SystemError(Napi::Env env, int err, const char* syscall);
[[noreturn]] void ThrowSystemError(Napi::Env env, int err, const char* syscall);
[[noreturn]] void ThrowTypeError(Napi::Env env, const std::string& message);
[[noreturn]] void ThrowRangeError(Napi::Env env, const std::string& message);
// An Error with a Node-style string code (e.g. ERR_EPOLL_CLOSED) that is not a syscall failure.
[[noreturn]] void ThrowCodeError(Napi::Env env, const char* code, const std::string& message);
// The symbolic name of an errno value ("EAGAIN"), or "Unknown system error N".
std::string ErrnoName(int err);

}  // namespace io
