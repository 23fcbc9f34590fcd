// Argument checks shared by every binding. Each throws TypeError/RangeError with a message that
// names the argument, so no JS input reaches a syscall (or a pointer) unchecked.
//
// None of these run JavaScript except ArgViews, which reads array elements (getters may run);
// call them all before checking an object's state or taking a pointer into JavaScript memory.
#pragma once

#include <napi.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <vector>

#include "errors.h"

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

// The bytes of a Buffer/TypedArray/DataView (over an ArrayBuffer or a SharedArrayBuffer) or of
// an ArrayBuffer, as they are now. A detached buffer has length 0 (and data nullptr). The
// pointer is valid until JavaScript runs next: take it after every argument is converted.
struct ByteSpan {
  uint8_t* data;
  size_t length;
};
// The bytes of `value`, or false when it is no view or ArrayBuffer.
bool BytesOf(napi_env env, napi_value value, ByteSpan* out);
ByteSpan ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name);
// (buffer, offset?, length?) at i, i+1, i+2, checked against the buffer's size.
ByteSpan ArgBytesRange(const Napi::CallbackInfo& info, size_t i, const char* name);

// For calls made per read on a hot path, where the fixed cost of a call decides whether going
// native pays: each reads a value of the expected type with one Node-API call, and only a value
// of another type takes the general path above (which converts it or throws).
// An integer in [0, INT32_MAX]; `fallback` when undefined and fallback >= 0. Never coerces, so
// runs no JavaScript.
int64_t ArgOffset(const Napi::CallbackInfo& info, size_t i, const char* name,
                  int64_t fallback = -1);
// The bytes of the view at info[i] (any TypedArray or DataView), anything else through ArgBytes.
ByteSpan ArgView(const Napi::CallbackInfo& info, size_t i, const char* name);

// An array of Buffers/TypedArrays/DataViews at info[i], at most IOV_MAX of them. Reading the
// elements runs JavaScript (getters, proxies on the prototype chain), so this only collects the
// values; IoVectorsOf() turns them into iovecs afterwards, when no JavaScript can run between
// it and the syscall. The values stay alive as long as the callback's handle scope.
std::vector<napi_value> ArgViews(const Napi::CallbackInfo& info, size_t i, const char* name);
std::vector<iovec> IoVectorsOf(napi_env env, const std::vector<napi_value>& views);

// A typed array argument of the given type (TypeError naming `type_name` otherwise).
Napi::TypedArray ArgTypedArray(const Napi::CallbackInfo& info, size_t i, const char* name,
                               napi_typedarray_type type, const char* type_name);

// Data pointer and element count of a typed array, taken only after every JS call of the
// binding ran. A detached buffer has no data: that is an argument error, not a crash.
template <typename T>
T* Elements(Napi::Env env, Napi::TypedArray array, const char* name, size_t* length) {
  size_t len = array.ElementLength();
  void* data = nullptr;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, array, nullptr, &len, &data, &ab, &offset) != napi_ok)
    ThrowTypeError(env, std::string("\"") + name + "\" is not usable");
  if (data == nullptr && len != 0)
    ThrowTypeError(env, std::string("\"") + name + "\" is detached");
  *length = len;
  return static_cast<T*>(data);
}

Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name);
std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name);
// An IPv4 or IPv6 literal (argument i) and a port (i + 1) into a sockaddr; returns its length.
// TypeError with code ERR_INVALID_IP_ADDRESS for anything that is not an address literal.
socklen_t ArgSocketAddress(const Napi::CallbackInfo& info, size_t i, sockaddr_storage* out);

}  // namespace io
