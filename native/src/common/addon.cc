#include "addon.h"

#include "uv_min.h"

namespace io {

void ExportConstants(Napi::Env env, Napi::Object exports, const char* name,
                     std::initializer_list<Constant> constants) {
  Napi::Object table = Napi::Object::New(env);
  for (const Constant& c : constants) table.Set(c.name, Napi::Number::New(env, c.value));
  exports.Set(name, table);
}

}  // namespace io

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // uv_min.h relies on the libuv 1.x ABI; refuse to load against anything else.
  if ((uv_version() >> 16) != 1) {
    Napi::Error::New(env, "io_native: unsupported libuv major version").ThrowAsJavaScriptException();
    return exports;
  }
  auto* data = new io::AddonData();
  env.SetInstanceData(data);  // deleted with the env
  data->array_buffer = Napi::Persistent(env.Global().Get("ArrayBuffer").As<Napi::Function>());
  io::InitEpoll(env, exports);
  io::InitSockets(env, exports);
  io::InitSocketBatch(env, exports);
  io::InitUring(env, exports);
  io::InitMultiplex(env, exports);
  io::InitSignal(env, exports);
  io::InitHttpHead(env, exports);
  io::InitWebSocketMask(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(io_native, Init)
