// Argument checks shared by every binding. Each throws TypeError/RangeError with a message that
// names the argument, so no JS input reaches a syscall (or a pointer) unchecked.
#pragma once

#include <napi.h>
#include <sys/socket.h>

#include <cstdint>

namespace io {

// A non-negative integer fd (TypeError if not an integer, RangeError if negative or > INT_MAX).
int ArgFd(const Napi::CallbackInfo& info, size_t i, const char* name = "fd");
// An integer in [min, max]. A missing/undefined argument takes `fallback` when allowed.
int64_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min,
               int64_t max);
int64_t ArgIntOr(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min,
                 int64_t max, int64_t fallback);
// A timeout in ms: undefined/null/negative -> -1 (block); fractions round up, so a wait never
// ends before the time asked for. Infinity -> -1.
int ArgTimeout(const Napi::CallbackInfo& info, size_t i, const char* name = "timeoutMs");
// A Buffer/TypedArray/DataView, with optional (offset, length) in bytes checked against its size.
struct ByteSpan {
  uint8_t* data;
  size_t length;
};
ByteSpan ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name);
ByteSpan ArgBytesRange(const Napi::CallbackInfo& info, size_t i, const char* name);
Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name);
// An IPv4 or IPv6 literal (argument i) and a port (i + 1) into a sockaddr; returns its length.
// TypeError with code ERR_INVALID_IP_ADDRESS for anything that is not an address literal.
socklen_t ArgSocketAddress(const Napi::CallbackInfo& info, size_t i, sockaddr_storage* out);

}  // namespace io
