#include "uring_buffer_group.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "common/errors.h"
#include "common/js_object.h"
#include "uring_abi.h"

namespace io {
namespace uring {
namespace {

size_t PageSize() {
  return static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// The finalizer of an ArrayBuffer over part of a mapping: drops its reference.
void ReleaseMapping(napi_env, void*, void* hint) {
  static_cast<SharedMapping*>(hint)->Release();
}

// An ArrayBuffer over bytes [offset, offset + length) of `memory`, holding a reference to it.
napi_value View(Napi::Env env, SharedMapping* memory, size_t offset, size_t length) {
  napi_value buffer;
  memory->Retain();
  napi_status status = napi_create_external_arraybuffer(env, memory->base() + offset, length,
                                                        ReleaseMapping, memory, &buffer);
  if (status != napi_ok) {
    memory->Release();
    NAPI_THROW_IF_FAILED(env, status, nullptr);
  }
  return buffer;
}

}  // namespace

SharedMapping* SharedMapping::Create(size_t bytes) {
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  auto* mapping = new (std::nothrow) SharedMapping(static_cast<uint8_t*>(base), bytes);
  if (mapping == nullptr) munmap(base, bytes);
  return mapping;
}

void SharedMapping::Release() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  munmap(base_, size_);
  delete this;
}

BufferGroup::~BufferGroup() {
  if (memory != nullptr) memory->Release();
}

void BufferGroup::MarkOwned(uint32_t bid) {
  if (bid < count) memory->base()[owner_offset + bid] = 1;
}

Napi::Object BufferGroup::Describe(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  SetOwn(env, o, "data", View(env, memory, data_offset, static_cast<size_t>(count) * size));
  SetOwn(env, o, "entries", View(env, memory, 0, static_cast<size_t>(count) * sizeof(BufEntry)));
  SetOwn(env, o, "entriesOffset", Napi::Number::New(env, 0));
  SetOwn(env, o, "owner", View(env, memory, owner_offset, count));
  // User-space addresses are below 2^47, so a double holds them exactly.
  SetOwn(env, o, "address",
         Napi::Number::New(
             env, static_cast<double>(reinterpret_cast<uintptr_t>(memory->base() + data_offset))));
  return o;
}

std::unique_ptr<BufferGroup> CreateBufferGroup(Napi::Env env, int ring_fd, uint16_t gid,
                                               uint32_t count, uint32_t size, uint32_t provided) {
  auto group = std::make_unique<BufferGroup>();
  group->gid = gid;
  group->count = count;
  group->size = size;
  size_t page = PageSize();
  size_t ring_bytes = static_cast<size_t>(count) * sizeof(BufEntry);
  group->owner_offset = ring_bytes;
  group->data_offset = (ring_bytes + count + page - 1) & ~(page - 1);
  size_t total = group->data_offset + static_cast<size_t>(count) * size;
  // Anonymous memory is zeroed and committed page by page as it is touched, as calloc's is.
  group->memory = SharedMapping::Create(total);
  if (group->memory == nullptr) ThrowAllocationFailed(env, "the BufferRing", total);

  uint8_t* base = group->memory->base();
  auto* ring = reinterpret_cast<BufEntry*>(base);
  uint64_t data_address = reinterpret_cast<uintptr_t>(base + group->data_offset);
  if (provided > count) provided = count;
  for (uint32_t bid = 0; bid < provided; bid++) {
    ring[bid].addr = data_address + static_cast<uint64_t>(bid) * size;
    ring[bid].len = size;
    ring[bid].bid = static_cast<uint16_t>(bid);
  }
  // The rest start as the application's, as if handed over: it recycles them when it wants.
  for (uint32_t bid = provided; bid < count; bid++) group->MarkOwned(bid);
  // The kernel reads the tail only once registered, so a plain store suffices here; later
  // updates (from JavaScript) are release stores.
  uint16_t tail = static_cast<uint16_t>(provided);
  memcpy(base + kBufRingTailOffset, &tail, sizeof(tail));

  BufReg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(base);
  reg.ring_entries = count;
  reg.bgid = gid;
  int rc = Register(ring_fd, kRegisterPbufRing, &reg, 1);
  if (rc < 0) ThrowSystemError(env, -rc, "io_uring_register");
  return group;
}

int UnregisterBufferGroup(int ring_fd, uint16_t gid) {
  BufReg reg{};
  reg.bgid = gid;
  return Register(ring_fd, kUnregisterPbufRing, &reg, 1);
}

}  // namespace uring
}  // namespace io
