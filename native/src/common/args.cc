#include "args.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <climits>
#include <cmath>

#include "errors.h"

namespace io {

static bool Missing(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

int64_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min,
               int64_t max) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be an integer");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d)
    ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be an integer");
  if (d < static_cast<double>(min) || d > static_cast<double>(max))
    ThrowRangeError(info.Env(), std::string("\"") + name + "\" must be >= " + std::to_string(min) +
                                    " and <= " + std::to_string(max) + ", got " +
                                    std::to_string(static_cast<long long>(d)));
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

ByteSpan ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Value v = info[i];
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    Napi::ArrayBuffer ab = ta.ArrayBuffer();
    uint8_t* base = static_cast<uint8_t*>(ab.Data());
    return {base == nullptr ? nullptr : base + ta.ByteOffset(), ta.ByteLength()};
  }
  if (v.IsDataView()) {
    Napi::DataView dv = v.As<Napi::DataView>();
    uint8_t* base = static_cast<uint8_t*>(dv.ArrayBuffer().Data());
    return {base == nullptr ? nullptr : base + dv.ByteOffset(), dv.ByteLength()};
  }
  if (v.IsArrayBuffer()) {
    Napi::ArrayBuffer ab = v.As<Napi::ArrayBuffer>();
    return {static_cast<uint8_t*>(ab.Data()), ab.ByteLength()};
  }
  ThrowTypeError(info.Env(),
                 std::string("\"") + name + "\" must be a Buffer, TypedArray, DataView or ArrayBuffer");
}

ByteSpan ArgBytesRange(const Napi::CallbackInfo& info, size_t i, const char* name) {
  ByteSpan span = ArgBytes(info, i, name);
  int64_t offset = ArgIntOr(info, i + 1, "offset", 0, static_cast<int64_t>(span.length), 0);
  int64_t maxLength = static_cast<int64_t>(span.length) - offset;
  int64_t length = ArgIntOr(info, i + 2, "length", 0, maxLength, maxLength);
  return {span.data == nullptr ? nullptr : span.data + offset, static_cast<size_t>(length)};
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
  error.Set("code", "ERR_INVALID_IP_ADDRESS");
  throw error;
}

}  // namespace io
