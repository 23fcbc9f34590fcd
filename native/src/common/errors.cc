#include "errors.h"

#include <cstring>
#include <string>

namespace io {

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);  // glibc >= 2.32
  if (name != nullptr) return name;
  return "Unknown system error " + std::to_string(err);
}

namespace {

template <typename E>
E WithCode(Napi::Env env, E error, const char* code) {
  SetOwn(env, error.Value(), "code", Napi::String::New(env, code));
  return error;
}

}  // namespace

Napi::Error SystemError(Napi::Env env, int err, const char* syscall) {
  std::string code = ErrnoName(err);
  std::string message = code + ": " + strerror(err) + ", " + syscall;
  Napi::Error error = Napi::Error::New(env, message);
  SetOwn(env, error.Value(), "errno", Napi::Number::New(env, -err));
  SetOwn(env, error.Value(), "code", Napi::String::New(env, code));
  SetOwn(env, error.Value(), "syscall", Napi::String::New(env, syscall));
  return error;
}

void ThrowSystemError(Napi::Env env, int err, const char* syscall) {
  throw SystemError(env, err, syscall);
}

void ThrowTypeError(Napi::Env env, const std::string& message) {
  throw WithCode(env, Napi::TypeError::New(env, message), "ERR_INVALID_ARG_TYPE");
}

void ThrowRangeError(Napi::Env env, const std::string& message) {
  throw WithCode(env, Napi::RangeError::New(env, message), "ERR_OUT_OF_RANGE");
}

Napi::Error CodeError(Napi::Env env, const char* code, const std::string& message) {
  return WithCode(env, Napi::Error::New(env, message), code);
}

void ThrowCodeError(Napi::Env env, const char* code, const std::string& message) {
  throw CodeError(env, code, message);
}

void ThrowInvalidThis(Napi::Env env, const char* class_name) {
  throw WithCode(
      env,
      Napi::TypeError::New(env, std::string("Value of \"this\" must be of type ") + class_name),
      "ERR_INVALID_THIS");
}

Napi::Error AllocationError(Napi::Env env, const char* what, size_t bytes) {
  std::string message = std::string("Array buffer allocation failed: ") + what;
  if (bytes > 0) message += " needs " + std::to_string(bytes) + " bytes";
  return WithCode(env, Napi::RangeError::New(env, message), "ERR_MEMORY_ALLOCATION_FAILED");
}

void ThrowAllocationFailed(Napi::Env env, const char* what, size_t bytes) {
  throw AllocationError(env, what, bytes);
}

}  // namespace io
