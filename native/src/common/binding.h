// How the addon's classes and functions meet JavaScript. Every entry point goes through here,
// so three rules hold everywhere without each binding repeating them:
//
// - Receivers are checked. A method or accessor called on anything but an instance of its own
//   class (another class of the addon, a plain object, a prototype, undefined) throws
//   TypeError ERR_INVALID_THIS before any native code runs. Instances carry a Node-API type
//   tag (napi_type_tag_object), so an object wrapped by another class of the addon is told
//   apart: napi_unwrap alone would hand back the wrong C++ object. Members are defined on the
//   prototype as plain functions, so V8's own receiver check ("Illegal invocation", no code)
//   never answers first.
// - C++ exceptions become JavaScript exceptions: a Napi::Error as itself, std::bad_alloc as
//   RangeError ERR_MEMORY_ALLOCATION_FAILED. None ever unwinds into V8 or libuv.
// - Calling a class without `new` throws TypeError ERR_CONSTRUCT_CALL_REQUIRED.
#pragma once

#include <napi.h>

#include <new>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "errors.h"

namespace io {

// Runs fn() and returns its value; a C++ exception it throws becomes the pending JavaScript
// exception and nullptr is returned. Never throws.
template <typename Fn>
napi_value Guarded(napi_env env, Fn&& fn) noexcept {
  try {
    try {
      return fn();
    } catch (const Napi::Error& error) {
      error.ThrowAsJavaScriptException();
    } catch (const std::bad_alloc&) {
      AllocationError(Napi::Env(env), "native code ran out of memory", 0)
          .ThrowAsJavaScriptException();
    } catch (const std::length_error&) {
      AllocationError(Napi::Env(env), "a native table would outgrow its limit", 0)
          .ThrowAsJavaScriptException();
    }
  } catch (...) {
    // Building the error failed too (the engine is out of memory or shutting down): leave
    // whatever exception is pending.
  }
  return nullptr;
}

// A free function of the addon: exports[name] = a function running `body` under Guarded.
using FunctionBody = Napi::Value (*)(const Napi::CallbackInfo&);
struct FunctionEntry {
  const char* name;
  FunctionBody body;
};
// `entries` must have static storage: each function keeps a pointer to its entry.
void ExportFunctions(Napi::Env env, Napi::Object exports, const FunctionEntry* entries,
                     size_t count);
template <size_t N>
void ExportFunctions(Napi::Env env, Napi::Object exports, const FunctionEntry (&entries)[N]) {
  ExportFunctions(env, exports, entries, N);
}

// The base of every class the addon exports. T declares
//   static constexpr const char* kClassName = "Uring";
//   static constexpr napi_type_tag kTypeTag = {0x..., 0x...};  // unique per class
// and lists its members with Method<&T::Fn>("name") and Getter<&T::Fn>("name"), where Fn is
// `Napi::Value Fn(const Napi::CallbackInfo&)` (or returns void), a member of T or of a base of
// T (LoopSource's).
template <typename T>
class NativeClass : public Napi::ObjectWrap<T> {
 public:
  using Members = std::vector<napi_property_descriptor>;

  template <auto M>
  static napi_property_descriptor Method(const char* name) {
    return {name, nullptr, &Call<M>, nullptr, nullptr, nullptr, napi_default_method, nullptr};
  }
  template <auto M>
  static napi_property_descriptor Getter(const char* name) {
    return {name, nullptr, nullptr, &Call<M>, nullptr, nullptr, napi_configurable, nullptr};
  }

  // The class `name`: its constructor runs T(info); `members` and `more` go on its prototype.
  static Napi::Function DefineNative(Napi::Env env, const char* name, Members members,
                                     const Members& more = {}) {
    members.insert(members.end(), more.begin(), more.end());
    Napi::Function constructor = Napi::ObjectWrap<T>::DefineClass(env, name, {});
    napi_value prototype;
    napi_status status = napi_get_named_property(env, constructor, "prototype", &prototype);
    NAPI_THROW_IF_FAILED(env, status, constructor);
    status = napi_define_properties(env, prototype, members.size(), members.data());
    NAPI_THROW_IF_FAILED(env, status, constructor);
    return constructor;
  }

  // Called by ObjectWrap when the class is called without `new`.
  static Napi::Value OnCalledAsFunction(const Napi::CallbackInfo& info) {
    Napi::TypeError error = Napi::TypeError::New(
        info.Env(), std::string("Class constructor ") + T::kClassName + " cannot be invoked without 'new'");
    SetOwn(info.Env(), error.Value(), "code", Napi::String::New(info.Env(), "ERR_CONSTRUCT_CALL_REQUIRED"));
    throw error;
  }

 protected:
  explicit NativeClass(const Napi::CallbackInfo& info) : Napi::ObjectWrap<T>(info) {
    napi_status status = napi_type_tag_object(info.Env(), info.This(), &T::kTypeTag);
    NAPI_THROW_IF_FAILED_VOID(info.Env(), status);
  }

 private:
  // The instance behind `this`, or TypeError ERR_INVALID_THIS.
  static T* Receiver(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    napi_value self = info.This();
    napi_valuetype type = napi_undefined;
    bool tagged = false;
    void* wrapped = nullptr;
    if (napi_typeof(env, self, &type) == napi_ok &&
        (type == napi_object || type == napi_function) &&
        napi_check_object_type_tag(env, self, &T::kTypeTag, &tagged) == napi_ok && tagged &&
        napi_unwrap(env, self, &wrapped) == napi_ok && wrapped != nullptr)
      return static_cast<T*>(wrapped);
    ThrowInvalidThis(info.Env(), T::kClassName);
  }

  template <auto M>
  static napi_value Call(napi_env env, napi_callback_info callback_info) noexcept {
    return Guarded(env, [&]() -> napi_value {
      Napi::CallbackInfo info(env, callback_info);
      T* self = Receiver(info);
      if constexpr (std::is_void_v<decltype((self->*M)(info))>) {
        (self->*M)(info);
        return nullptr;
      } else {
        return (self->*M)(info);
      }
    });
  }
};

}  // namespace io
