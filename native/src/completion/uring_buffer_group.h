// BufferGroup: the native side of a BufferRing, a provided-buffer ring registered with
// IORING_REGISTER_PBUF_RING (5.19). Multishot recv picks a free buffer from it per completion
// and reports the buffer id in the CQE flags (IORING_CQE_F_BUFFER, id in bits 31..16).
//
// Memory layout. Everything lives in ArrayBuffers that JavaScript can see and that the group
// keeps referenced until it is unregistered, so the kernel never writes into freed memory:
//   data     count * size bytes; buffer `bid` is bytes [bid * size, (bid + 1) * size)
//   entries  count * 16 bytes starting at entriesOffset (page-aligned, as the kernel requires),
//            each a struct io_uring_buf { u64 addr; u32 len; u16 bid; u16 resv }; the ring's
//            u16 tail overlays `resv` of entry 0 (byte 14)
//   owner    count bytes: 1 while buffer `bid` belongs to the application (a CQE handed it
//            over; set natively while reaping), 0 while the kernel may fill it
// The kernel consumes entries from its head up to the tail. JavaScript hands a buffer back
// (BufferRing.recycle) by writing the entry at tail & (count - 1) and then storing tail + 1
// with Atomics.store, whose sequentially consistent store includes the release ordering the
// kernel's acquire load of the tail pairs with.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>

namespace io {
namespace uring {

struct BufferGroup {
  uint16_t gid = 0;
  uint32_t count = 0;
  uint32_t size = 0;
  Napi::Reference<Napi::ArrayBuffer> data;
  Napi::Reference<Napi::ArrayBuffer> entries;
  Napi::Reference<Napi::ArrayBuffer> owner;
  uint32_t entries_offset = 0;
  uint64_t data_address = 0;
  uint32_t ops_in_flight = 0;  // recvMultishot operations drawing from this group

  // Records that the kernel handed buffer `bid` to the application.
  void MarkOwned(uint32_t bid);
  // {data, entries, entriesOffset, owner, address} for the JavaScript BufferRing.
  Napi::Object Describe(Napi::Env env);
};

// Allocates the memory, gives every buffer to the kernel and registers the ring as group `gid`
// of the io_uring `ring_fd`. Throws a SystemError (EEXIST when the id is taken).
std::unique_ptr<BufferGroup> CreateBufferGroup(Napi::Env env, int ring_fd, uint16_t gid,
                                               uint32_t count, uint32_t size);
// IORING_UNREGISTER_PBUF_RING. Returns 0 or -errno.
int UnregisterBufferGroup(int ring_fd, uint16_t gid);

}  // namespace uring
}  // namespace io
