#include "uring_buffer_group.h"

#include <unistd.h>

#include <cstring>

#include "common/errors.h"
#include "uring_abi.h"

namespace io {
namespace uring {

void BufferGroup::MarkOwned(uint32_t bid) {
  if (bid >= count) return;
  // Looked up on each use: a stale pointer must never be written through.
  Napi::ArrayBuffer buffer = owner.Value();
  if (buffer.ByteLength() < count) return;
  static_cast<uint8_t*>(buffer.Data())[bid] = 1;
}

Napi::Object BufferGroup::Describe(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("data", data.Value());
  o.Set("entries", entries.Value());
  o.Set("entriesOffset", Napi::Number::New(env, entries_offset));
  o.Set("owner", owner.Value());
  // User-space addresses are below 2^47, so a double holds them exactly.
  o.Set("address", Napi::Number::New(env, static_cast<double>(data_address)));
  return o;
}

std::unique_ptr<BufferGroup> CreateBufferGroup(Napi::Env env, int ring_fd, uint16_t gid,
                                               uint32_t count, uint32_t size) {
  auto group = std::make_unique<BufferGroup>();
  group->gid = gid;
  group->count = count;
  group->size = size;
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  Napi::ArrayBuffer data = Napi::ArrayBuffer::New(env, static_cast<size_t>(count) * size);
  // The kernel wants the entry ring page-aligned; V8 gives no alignment promise, so allocate a
  // page more than needed and start at the first page boundary inside.
  Napi::ArrayBuffer entries = Napi::ArrayBuffer::New(env, count * sizeof(BufEntry) + page);
  Napi::ArrayBuffer owner = Napi::ArrayBuffer::New(env, count);
  auto base = reinterpret_cast<uintptr_t>(entries.Data());
  uintptr_t aligned = (base + page - 1) & ~(static_cast<uintptr_t>(page) - 1);
  group->entries_offset = static_cast<uint32_t>(aligned - base);
  // JavaScript views the entries as Uint32/Uint16 arrays at that offset.
  if (group->entries_offset % 8 != 0)
    ThrowCodeError(env, "ERR_URING_ALIGNMENT", "ArrayBuffer memory is not 8-byte aligned");
  group->data_address = reinterpret_cast<uintptr_t>(data.Data());

  auto* ring = reinterpret_cast<BufEntry*>(aligned);
  for (uint32_t bid = 0; bid < count; bid++) {
    ring[bid].addr = group->data_address + static_cast<uint64_t>(bid) * size;
    ring[bid].len = size;
    ring[bid].bid = static_cast<uint16_t>(bid);
  }
  // All buffers start with the kernel. The kernel reads the tail only once registered, so a
  // plain store suffices here; later updates (from JavaScript) are release stores.
  uint16_t tail = static_cast<uint16_t>(count);
  memcpy(reinterpret_cast<uint8_t*>(aligned) + kBufRingTailOffset, &tail, sizeof(tail));

  BufReg reg{};
  reg.ring_addr = aligned;
  reg.ring_entries = count;
  reg.bgid = gid;
  int rc = Register(ring_fd, kRegisterPbufRing, &reg, 1);
  if (rc < 0) ThrowSystemError(env, -rc, "io_uring_register");
  group->data = Napi::Persistent(data);
  group->entries = Napi::Persistent(entries);
  group->owner = Napi::Persistent(owner);
  return group;
}

int UnregisterBufferGroup(int ring_fd, uint16_t gid) {
  BufReg reg{};
  reg.bgid = gid;
  return Register(ring_fd, kUnregisterPbufRing, &reg, 1);
}

}  // namespace uring
}  // namespace io
