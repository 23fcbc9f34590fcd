#include "binding.h"

namespace io {
namespace {

napi_value CallEntry(napi_env env, napi_callback_info callback_info) noexcept {
  return Guarded(env, [&]() -> napi_value {
    Napi::CallbackInfo info(env, callback_info);
    return static_cast<const FunctionEntry*>(info.Data())->body(info);
  });
}

}  // namespace

void ExportFunctions(Napi::Env env, Napi::Object exports, const FunctionEntry* entries,
                     size_t count) {
  for (size_t i = 0; i < count; i++) {
    napi_value fn;
    void* data = const_cast<FunctionEntry*>(&entries[i]);
    napi_status status =
        napi_create_function(env, entries[i].name, NAPI_AUTO_LENGTH, CallEntry, data, &fn);
    NAPI_THROW_IF_FAILED_VOID(env, status);
    SetOwn(env, exports, entries[i].name, fn);
  }
}

}  // namespace io
