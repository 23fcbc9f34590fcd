// Node-style errors. A failing syscall throws an Error shaped like the ones Node's own fs and
// net throw: message "EBADF: Bad file descriptor, epoll_ctl", code "EBADF", errno -9 (negative,
// as in Node), syscall "epoll_ctl". Bad arguments throw TypeError/RangeError with Node's
// ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE codes, before any syscall is made.
//
// Every property is defined on the error itself (CreateDataProperty), never assigned: an
// assignment would run a setter someone defined on Error.prototype or Object.prototype, that is,
// JavaScript in the middle of native code.
#pragma once

#include <napi.h>

#include <string>

#include "js_object.h"

namespace io {

Napi::Error SystemError(Napi::Env env, int err, const char* syscall);
[[noreturn]] void ThrowSystemError(Napi::Env env, int err, const char* syscall);
[[noreturn]] void ThrowTypeError(Napi::Env env, const std::string& message);
[[noreturn]] void ThrowRangeError(Napi::Env env, const std::string& message);
// An Error with a Node-style string code (e.g. ERR_EPOLL_CLOSED) that is not a syscall failure.
Napi::Error CodeError(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void ThrowCodeError(Napi::Env env, const char* code, const std::string& message);
// TypeError ERR_INVALID_THIS: a method or accessor of `class_name` called on something else.
[[noreturn]] void ThrowInvalidThis(Napi::Env env, const char* class_name);
// RangeError ERR_MEMORY_ALLOCATION_FAILED, as JavaScript's own `new ArrayBuffer(n)` throws a
// RangeError when the memory cannot be had: `what` needed `bytes` bytes (0: not known).
Napi::Error AllocationError(Napi::Env env, const char* what, size_t bytes);
[[noreturn]] void ThrowAllocationFailed(Napi::Env env, const char* what, size_t bytes);
// The symbolic name of an errno value ("EAGAIN"), or "Unknown system error N".
std::string ErrnoName(int err);

}  // namespace io
