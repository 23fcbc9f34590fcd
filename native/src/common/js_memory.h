// Memory and lifetimes shared between native objects and JavaScript.
#pragma once

#include <napi.h>

namespace io {

// The bytes of an ArrayBuffer that native code fills (a ready list, completion arrays, a poll
// table), looked up on every use: JavaScript can detach (transfer) an ArrayBuffer at any time,
// and a pointer kept from before must never be written through. nullptr when detached or
// shorter than `min_bytes`.
inline void* LiveArrayBuffer(napi_env env, napi_value buffer, size_t min_bytes) {
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_arraybuffer_info(env, buffer, &data, &length) != napi_ok) return nullptr;
  if (data == nullptr || length < min_bytes) return nullptr;
  return data;
}

// A zero-filled ArrayBuffer of `bytes` bytes, made by JavaScript's ArrayBuffer constructor as
// it was when the addon loaded. napi_create_arraybuffer aborts the process when V8 cannot
// allocate (a fatal out-of-memory error); this throws RangeError ERR_MEMORY_ALLOCATION_FAILED
// instead, as `new ArrayBuffer(n)` throws a RangeError; `what` names the buffer in the message.
Napi::ArrayBuffer NewArrayBuffer(Napi::Env env, size_t bytes, const char* what);

// Keeps a started object alive while Node's loop may call into it, even if JavaScript drops
// every reference to it; released on stop/close, after which the object can be collected.
class LoopPin {
 public:
  template <typename T>
  void Hold(Napi::ObjectWrap<T>* wrap) {
    if (!held_) {
      wrap->Ref();
      held_ = true;
    }
  }
  template <typename T>
  void Release(Napi::ObjectWrap<T>* wrap) {
    if (held_) {
      held_ = false;
      wrap->Unref();
    }
  }

 private:
  bool held_ = false;
};

}  // namespace io
