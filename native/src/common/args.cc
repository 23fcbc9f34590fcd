#include "args.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <string>

#include "errors.h"

namespace io {

static bool Missing(const Napi::Value& v) {
  return v.IsUndefined() || v.IsNull();
}

static size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    default:
      return 8;  // float64, bigint64, biguint64
  }
}

// An integral double as text, also beyond the range of int64_t (where a cast would be undefined).
static std::string IntegerText(double d) {
  char text[320];  // DBL_MAX has 309 digits
  snprintf(text, sizeof(text), "%.0f", d);
  return text;
}

int64_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min,
               int64_t max) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d)
    ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be an integer");
  if (d < static_cast<double>(min) || d > static_cast<double>(max))
    ThrowRangeError(info.Env(), std::string("\"") + name + "\" must be >= " + std::to_string(min) +
                                    " and <= " + std::to_string(max) + ", got " + IntegerText(d));
  return static_cast<int64_t>(d);
}

int64_t ArgIntOr(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min,
                 int64_t max, int64_t fallback) {
  if (Missing(info[i])) return fallback;
  return ArgInt(info, i, name, min, max);
}

int ArgFd(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return static_cast<int>(ArgInt(info, i, name, 0, INT_MAX));
}

int ArgTimeout(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (Missing(v)) return -1;
  if (!v.IsNumber()) ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d)) ThrowTypeError(info.Env(), std::string("\"") + name + "\" must not be NaN");
  if (d < 0 || std::isinf(d)) return -1;
  d = std::ceil(d);
  return d > INT_MAX ? INT_MAX : static_cast<int>(d);
}

bool BytesOf(napi_env env, napi_value value, ByteSpan* out) {
  bool is = false;
  void* data = nullptr;
  size_t length = 0;
  // The data pointers come from the *_info calls themselves, which also work for views over a
  // SharedArrayBuffer (napi_get_arraybuffer_info refuses those).
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t elements = 0;
    if (napi_get_typedarray_info(env, value, &type, &elements, &data, nullptr, nullptr) != napi_ok)
      return false;
    length = elements * ElementSize(type);
  } else if (napi_is_dataview(env, value, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, value, &length, &data, nullptr, nullptr) != napi_ok)
      return false;
  } else if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) {
    if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok) return false;
  } else {
    return false;
  }
  if (data == nullptr) length = 0;  // detached
  *out = {static_cast<uint8_t*>(data), length};
  return true;
}

ByteSpan ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name) {
  ByteSpan span;
  if (!BytesOf(info.Env(), info[i], &span))
    ThrowTypeError(info.Env(), std::string("\"") + name +
                                   "\" must be a Buffer, TypedArray, DataView or ArrayBuffer");
  return span;
}

int64_t ArgOffset(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t fallback) {
  double d;
  // In range first, so that the cast is defined; the cast and compare then see fractions
  // (std::trunc is a libm call on baseline x86-64).
  if (napi_get_value_double(info.Env(), info[i], &d) == napi_ok && d >= 0 && d <= INT32_MAX &&
      static_cast<double>(static_cast<int64_t>(d)) == d)
    return static_cast<int64_t>(d);
  if (fallback >= 0) return ArgIntOr(info, i, name, 0, INT32_MAX, fallback);
  return ArgInt(info, i, name, 0, INT32_MAX);  // throws: not an integer, or out of range
}

ByteSpan ArgView(const Napi::CallbackInfo& info, size_t i, const char* name) {
  size_t length = 0;
  void* data = nullptr;
  // napi_get_buffer_info takes every view and asks for no element type.
  if (napi_get_buffer_info(info.Env(), info[i], &data, &length) == napi_ok)
    return {static_cast<uint8_t*>(data), data == nullptr ? 0 : length};
  return ArgBytes(info, i, name);
}

ByteSpan ArgBytesRange(const Napi::CallbackInfo& info, size_t i, const char* name) {
  ByteSpan span = ArgBytes(info, i, name);
  int64_t offset = ArgIntOr(info, i + 1, "offset", 0, static_cast<int64_t>(span.length), 0);
  int64_t maxLength = static_cast<int64_t>(span.length) - offset;
  int64_t length = ArgIntOr(info, i + 2, "length", 0, maxLength, maxLength);
  return {span.data == nullptr ? nullptr : span.data + offset, static_cast<size_t>(length)};
}

std::vector<napi_value> ArgViews(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Env env = info.Env();
  std::string must = std::string("\"") + name + "\" must be an array of Buffers";
  if (!info[i].IsArray()) ThrowTypeError(env, must);
  Napi::Array list = info[i].As<Napi::Array>();
  uint32_t count = list.Length();
  if (count > IOV_MAX)
    ThrowRangeError(env, std::string("\"") + name + "\" holds more than IOV_MAX (" +
                             std::to_string(IOV_MAX) + ") entries");
  std::vector<napi_value> views(count);
  for (uint32_t k = 0; k < count; k++) {
    Napi::Value v = list.Get(k);  // may run JavaScript
    bool is = false;
    if (!(napi_is_typedarray(env, v, &is) == napi_ok && is) &&
        !(napi_is_dataview(env, v, &is) == napi_ok && is))
      ThrowTypeError(env, must);
    views[k] = v;
  }
  return views;
}

std::vector<iovec> IoVectorsOf(napi_env env, const std::vector<napi_value>& views) {
  std::vector<iovec> iov(views.size());
  for (size_t k = 0; k < views.size(); k++) {
    ByteSpan span{nullptr, 0};
    BytesOf(env, views[k], &span);
    iov[k].iov_base = span.data;
    iov[k].iov_len = span.length;
  }
  return iov;
}

Napi::Function ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsFunction())
    ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be a function");
  return info[i].As<Napi::Function>();
}

std::string ArgString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsString())
    ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

socklen_t ArgSocketAddress(const Napi::CallbackInfo& info, size_t i, sockaddr_storage* out) {
  std::string host = ArgString(info, i, "host");
  uint16_t port = static_cast<uint16_t>(ArgInt(info, i + 1, "port", 0, 65535));
  *out = sockaddr_storage{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    return sizeof(*v4);
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    return sizeof(*v6);
  }
  Napi::TypeError error = Napi::TypeError::New(
      info.Env(), "\"host\" must be an IPv4 or IPv6 address, got \"" + host + "\"");
  SetOwn(info.Env(), error.Value(), "code",
         Napi::String::New(info.Env(), "ERR_INVALID_IP_ADDRESS"));
  throw error;
}

Napi::TypedArray ArgTypedArray(const Napi::CallbackInfo& info, size_t i, const char* name,
                               napi_typedarray_type type, const char* type_name) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be " + type_name);
  return v.As<Napi::TypedArray>();
}

}  // namespace io
