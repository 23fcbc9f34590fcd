#include "js_memory.h"

#include "addon.h"
#include "errors.h"

namespace io {

Napi::ArrayBuffer NewArrayBuffer(Napi::Env env, size_t bytes, const char* what) {
  AddonData* data = env.GetInstanceData<AddonData>();
  Napi::Value buffer;
  try {
    buffer = data->array_buffer.New({Napi::Number::New(env, static_cast<double>(bytes))});
  } catch (const Napi::Error&) {
    ThrowAllocationFailed(env, what, bytes);
  }
  if (!buffer.IsArrayBuffer() || buffer.As<Napi::ArrayBuffer>().ByteLength() != bytes)
    ThrowAllocationFailed(env, what, bytes);
  return buffer.As<Napi::ArrayBuffer>();
}

}  // namespace io
