// Batched socket I/O: one JS<->native crossing reads (or writes) a whole wakeup's worth of
// connections, instead of one crossing per connection (DESIGN.md decision 2).
//
//   readBatch(fds: Int32Array, start, end, arena: Uint8Array, runs: Int32Array, maxChunk): next
//     One read(2) per fd in fds[start, end), each into the next free bytes of `arena`, at most
//     `maxChunk` bytes. Stops early when fewer than min(maxChunk, 16 KB) bytes of the arena are
//     left, and returns the index of the first fd it did not read (end when it read them all).
//     A negative fd is skipped. For fd i it fills runs[3i .. 3i+2]:
//
//       runs[3i]     offset in arena of the bytes read
//       runs[3i + 1] bytes read (0 unless status is READ or FULL)
//       runs[3i + 2] status: 0 READ  a short read: the socket had no more at that moment
//                            1 FULL  the read filled what it was given: more may be waiting
//                            2 EOF   the peer ended its side (read returned 0)
//                            3 SKIP  the fd was negative: nothing done
//                            4 WOULD_BLOCK  nothing to read (EAGAIN)
//                            <0      -errno: the read failed
//
//   writeBatch(fds: Int32Array, count, segments: Int32Array, buffers: ArrayBufferView[],
//              results: Int32Array, spans?: Int32Array, memory?: Uint8Array): void
//     For fd j in [0, count): one gathered write (sendmsg with MSG_NOSIGNAL, or writev for what
//     is not a socket) of the next segments[j] entries of `buffers`, repeated while the kernel
//     takes everything and iovecs remain past IOV_MAX. results[j]: bytes written (0 when the
//     socket would block), or -errno. A negative fd consumes its segments and writes nothing.
//     With `spans`, each segment is a pair in it instead: (offset, length) names bytes of
//     `memory`, and (-1, any) the next entry of `buffers`. Output written into one block of
//     memory is then passed as numbers: reading a view out of an array costs several Node-API
//     calls, far more than the syscall's share of a small response.
//
// Every argument is converted, and every JS getter has run, before a pointer is taken.
#include <limits.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "common/addon.h"
#include "common/args.h"
#include "common/errors.h"

namespace io {
namespace {

constexpr int32_t kRead = 0;
constexpr int32_t kFull = 1;
constexpr int32_t kEof = 2;
constexpr int32_t kSkip = 3;
constexpr int32_t kWouldBlock = 4;
constexpr size_t kMinRoom = 16 * 1024;

size_t ElementSize(napi_typedarray_type type) {
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
      return 8;
  }
}

Napi::Value ReadBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::TypedArray fds_arg = ArgTypedArray(info, 0, "fds", napi_int32_array, "an Int32Array");
  int64_t start = ArgInt(info, 1, "start", 0, INT32_MAX);
  int64_t end = ArgInt(info, 2, "end", 0, INT32_MAX);
  Napi::TypedArray arena_arg = ArgTypedArray(info, 3, "arena", napi_uint8_array, "a Uint8Array");
  Napi::TypedArray runs_arg = ArgTypedArray(info, 4, "runs", napi_int32_array, "an Int32Array");
  size_t max_chunk = static_cast<size_t>(ArgInt(info, 5, "maxChunk", 1, INT32_MAX));
  size_t fd_count, arena_size, run_count;
  int32_t* fds = Elements<int32_t>(env, fds_arg, "fds", &fd_count);
  uint8_t* arena = Elements<uint8_t>(env, arena_arg, "arena", &arena_size);
  int32_t* runs = Elements<int32_t>(env, runs_arg, "runs", &run_count);
  if (start > end || static_cast<size_t>(end) > fd_count)
    ThrowRangeError(env, "\"start\" and \"end\" must satisfy 0 <= start <= end <= fds.length");
  if (run_count < static_cast<size_t>(end) * 3)
    ThrowRangeError(env, "\"runs\" must hold 3 entries per fd up to \"end\"");
  if (arena_size > INT32_MAX) ThrowRangeError(env, "\"arena\" must be at most 2 GiB");

  const size_t min_room = std::min(max_chunk, kMinRoom);
  size_t used = 0;
  size_t i = static_cast<size_t>(start);
  for (; i < static_cast<size_t>(end); i++) {
    int32_t* run = runs + 3 * i;
    int fd = fds[i];
    if (fd < 0) {
      run[0] = static_cast<int32_t>(used);
      run[1] = 0;
      run[2] = kSkip;
      continue;
    }
    size_t room = arena_size - used;
    if (room < min_room) break;
    size_t cap = std::min(room, max_chunk);
    ssize_t n;
    do n = read(fd, arena + used, cap);
    while (n < 0 && errno == EINTR);
    run[0] = static_cast<int32_t>(used);
    if (n > 0) {
      run[1] = static_cast<int32_t>(n);
      run[2] = static_cast<size_t>(n) == cap ? kFull : kRead;
      used += static_cast<size_t>(n);
    } else {
      run[1] = 0;
      if (n == 0) run[2] = kEof;
      else if (errno == EAGAIN || errno == EWOULDBLOCK) run[2] = kWouldBlock;
      else run[2] = -errno;
    }
  }
  return Napi::Number::New(env, static_cast<double>(i));
}

// One fd's gathered write: as many sendmsg/writev calls as IOV_MAX makes necessary, stopping
// at the first short write. Returns bytes written, or -errno when nothing could be written.
int64_t GatherWrite(int fd, iovec* iov, size_t count) {
  int64_t total = 0;
  bool socket = true;
  while (count > 0) {
    size_t batch = std::min<size_t>(count, IOV_MAX);
    size_t want = 0;
    for (size_t k = 0; k < batch; k++) want += iov[k].iov_len;
    ssize_t n;
    if (socket && batch == 1) {
      // One buffer: send(2) does less than sendmsg(2) (no msghdr, no iovec import).
      do n = send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n < 0 && errno == ENOTSOCK) {
        socket = false;
        continue;
      }
    } else if (socket) {
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = batch;
      do n = sendmsg(fd, &msg, MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n < 0 && errno == ENOTSOCK) {
        socket = false;
        continue;
      }
    } else {
      do n = writev(fd, iov, static_cast<int>(batch));
      while (n < 0 && errno == EINTR);
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return total;
      return total > 0 ? total : -errno;
    }
    total += n;
    if (static_cast<size_t>(n) < want) return total;
    iov += batch;
    count -= batch;
  }
  return total;
}

// The memory of buffers[k] (a TypedArray or DataView, not backed by a SharedArrayBuffer).
iovec ViewMemory(napi_env env, napi_value view, uint32_t k) {
  void* data = nullptr;
  size_t length = 0;
  napi_value backing = nullptr;
  size_t offset;
  bool is_view = false;
  bool ok = napi_is_dataview(env, view, &is_view) == napi_ok;
  if (ok && is_view) {
    ok = napi_get_dataview_info(env, view, &length, &data, &backing, &offset) == napi_ok;
  } else if (ok) {
    napi_typedarray_type type;
    size_t elements;
    ok = napi_get_typedarray_info(env, view, &type, &elements, &data, &backing, &offset) == napi_ok;
    length = elements * ElementSize(type);
  }
  // The name is made only for an error: building it per buffer cost more than the checks.
  auto name = [k] { return "\"buffers[" + std::to_string(k) + "]\""; };
  bool plain = false;  // an ArrayBuffer; a SharedArrayBuffer could change under the kernel's feet
  if (ok && napi_is_arraybuffer(env, backing, &plain) == napi_ok && !plain)
    ThrowTypeError(env, name() + " must not be backed by a SharedArrayBuffer");
  if (!ok || (data == nullptr && length != 0)) ThrowTypeError(env, name() + " is detached");
  return {data, length};
}

void WriteBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::TypedArray fds_arg = ArgTypedArray(info, 0, "fds", napi_int32_array, "an Int32Array");
  int64_t count = ArgInt(info, 1, "count", 0, INT32_MAX);
  Napi::TypedArray segments_arg = ArgTypedArray(info, 2, "segments", napi_int32_array, "an Int32Array");
  if (!info[3].IsArray()) ThrowTypeError(env, "\"buffers\" must be an array");
  Napi::Array buffers_arg = info[3].As<Napi::Array>();
  Napi::TypedArray results_arg = ArgTypedArray(info, 4, "results", napi_int32_array, "an Int32Array");
  const bool with_spans = info.Length() > 5 && !info[5].IsUndefined();
  Napi::TypedArray spans_arg, memory_arg;
  if (with_spans) {
    spans_arg = ArgTypedArray(info, 5, "spans", napi_int32_array, "an Int32Array");
    memory_arg = ArgTypedArray(info, 6, "memory", napi_uint8_array, "a Uint8Array");
  }

  // First every element of `buffers` (a getter may run JS and detach anything), then pointers.
  uint32_t buffer_count = buffers_arg.Length();
  std::vector<napi_value> views(buffer_count);
  for (uint32_t k = 0; k < buffer_count; k++) {
    Napi::Value v = buffers_arg.Get(k);
    if (!v.IsTypedArray() && !v.IsDataView())
      ThrowTypeError(env, "\"buffers[" + std::to_string(k) + "]\" must be a TypedArray or DataView");
    views[k] = v;
  }
  std::vector<iovec> buffer_iov(buffer_count);
  for (uint32_t k = 0; k < buffer_count; k++) buffer_iov[k] = ViewMemory(env, views[k], k);
  size_t fd_count, segment_count, result_count;
  int32_t* fds = Elements<int32_t>(env, fds_arg, "fds", &fd_count);
  int32_t* segments = Elements<int32_t>(env, segments_arg, "segments", &segment_count);
  int32_t* results = Elements<int32_t>(env, results_arg, "results", &result_count);
  size_t n = static_cast<size_t>(count);
  if (n > fd_count || n > segment_count || n > result_count)
    ThrowRangeError(env, "\"count\" must not exceed the length of fds, segments or results");
  size_t needed = 0;
  for (size_t j = 0; j < n; j++) {
    if (segments[j] < 0) ThrowRangeError(env, "\"segments\" must hold counts >= 0");
    needed += static_cast<size_t>(segments[j]);
  }

  std::vector<iovec> span_iov;
  iovec* iov = buffer_iov.data();
  if (!with_spans) {
    if (needed > buffer_count) ThrowRangeError(env, "\"segments\" add up to more than buffers.length");
  } else {
    // Each segment is a span: (offset, length) in `memory`, or (-1, any) for the next buffer.
    size_t span_count, memory_size;
    int32_t* spans = Elements<int32_t>(env, spans_arg, "spans", &span_count);
    uint8_t* memory = Elements<uint8_t>(env, memory_arg, "memory", &memory_size);
    bool plain = false;
    if (napi_is_arraybuffer(env, memory_arg.ArrayBuffer(), &plain) == napi_ok && !plain)
      ThrowTypeError(env, "\"memory\" must not be backed by a SharedArrayBuffer");
    if (needed > span_count / 2) ThrowRangeError(env, "\"spans\" must hold 2 entries per segment");
    span_iov.resize(needed);
    size_t next_buffer = 0;
    for (size_t i = 0; i < needed; i++) {
      int64_t offset = spans[2 * i];
      int64_t length = spans[2 * i + 1];
      if (offset == -1) {
        if (next_buffer >= buffer_count) ThrowRangeError(env, "\"spans\" take more entries than buffers.length");
        span_iov[i] = buffer_iov[next_buffer++];
      } else if (offset < 0 || length < 0 || static_cast<uint64_t>(offset + length) > memory_size) {
        ThrowRangeError(env, "\"spans\" must lie within \"memory\" (or be -1 for the next buffer)");
      } else {
        span_iov[i] = {memory + offset, static_cast<size_t>(length)};
      }
    }
    iov = span_iov.data();
  }

  size_t at = 0;
  for (size_t j = 0; j < n; j++) {
    size_t k = static_cast<size_t>(segments[j]);
    results[j] = fds[j] < 0 || k == 0 ? 0 : static_cast<int32_t>(std::min<int64_t>(GatherWrite(fds[j], iov + at, k), INT32_MAX));
    at += k;
  }
}

}  // namespace

void InitSocketBatch(Napi::Env env, Napi::Object exports) {
  exports.Set("readBatch", Napi::Function::New(env, ReadBatch, "readBatch"));
  exports.Set("writeBatch", Napi::Function::New(env, WriteBatch, "writeBatch"));
  ExportConstants(env, exports, "batchStatus", {
      {"READ", kRead}, {"FULL", kFull}, {"EOF", kEof}, {"SKIP", kSkip}, {"WOULD_BLOCK", kWouldBlock},
  });
}

}  // namespace io
