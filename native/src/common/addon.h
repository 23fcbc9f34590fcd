// The addon's module table. Each backend lives in its own .cc file and adds its classes and
// functions to the exports object here. There is no global mutable state: anything a backend
// needs per thread hangs off its own objects (the addon is context-aware, DESIGN.md decision 1).
#pragma once

#include <napi.h>

#include <initializer_list>

namespace io {

// What the addon keeps per instance (per thread): set at load, freed with the env.
struct AddonData {
  // JavaScript's own ArrayBuffer constructor, taken when the addon loads: `new ArrayBuffer(n)`
  // throws a RangeError when memory is short, where napi_create_arraybuffer aborts the process.
  Napi::FunctionReference array_buffer;
};

// One name -> number entry of a constants object (epollConstants, socketConstants, ...).
struct Constant {
  const char* name;
  double value;
};
// A plain object holding `constants`, set as exports[name].
void ExportConstants(Napi::Env env, Napi::Object exports, const char* name,
                     std::initializer_list<Constant> constants);

void InitEpoll(Napi::Env env, Napi::Object exports);      // epoll.cc
void InitSockets(Napi::Env env, Napi::Object exports);    // sockets.cc
void InitSocketBatch(Napi::Env env, Napi::Object exports);  // batch.cc (readBatch, writeBatch)
void InitUring(Napi::Env env, Napi::Object exports);      // uring.cc
void InitMultiplex(Napi::Env env, Napi::Object exports);  // multiplex.cc (select, poll)
void InitSignal(Napi::Env env, Napi::Object exports);     // sigio.cc
void InitHttpHead(Napi::Env env, Napi::Object exports);   // protocol/http_head_binding.cc (parseHttpHeads)
void InitWebSocketMask(Napi::Env env, Napi::Object exports);  // protocol/ws_mask_binding.cc (maskWebSocketPayload)

}  // namespace io
