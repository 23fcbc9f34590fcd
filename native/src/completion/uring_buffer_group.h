// BufferGroup: the native side of a BufferRing, a provided-buffer ring registered with
// IORING_REGISTER_PBUF_RING (5.19). Multishot recv picks a free buffer from it per completion
// and reports the buffer id in the CQE flags (IORING_CQE_F_BUFFER, id in bits 31..16).
//
// Memory layout. One anonymous mapping, owned by native code, that JavaScript sees through
// three ArrayBuffers:
//   entries  count * 16 bytes at the start of the mapping (page-aligned, as the kernel
//            requires), each a struct io_uring_buf { u64 addr; u32 len; u16 bid; u16 resv };
//            the ring's u16 tail overlays `resv` of entry 0 (byte 14)
//   owner    count bytes after the entries: 1 while buffer `bid` belongs to the application (a
//            CQE handed it over; set natively while reaping), 0 while the kernel may fill it
//   data     count * size bytes from the next page boundary; buffer `bid` is bytes
//            [bid * size, (bid + 1) * size)
// The kernel consumes entries from its head up to the tail. JavaScript hands a buffer back
// (BufferRing.recycle) by writing the entry at tail & (count - 1) and then storing tail + 1
// with Atomics.store, whose sequentially consistent store includes the release ordering the
// kernel's acquire load of the tail pairs with.
//
// Lifetime. The mapping is reference-counted: the group holds one reference until it is
// destroyed (after unregistration, or when the Uring closes with nothing in flight), and each
// of the three ArrayBuffers holds one until it is collected. So the kernel never writes into
// memory that was freed, even if JavaScript transfers an ArrayBuffer away (the BufferRing marks
// them untransferable as well), and JavaScript never reads memory that was unmapped.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace io {
namespace uring {

// A reference-counted anonymous mapping. Starts with one reference (the creator's).
class SharedMapping {
 public:
  // nullptr (and errno set) when the memory cannot be had.
  static SharedMapping* Create(size_t bytes);
  uint8_t* base() const { return base_; }
  size_t size() const { return size_; }
  void Retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Unmaps and deletes itself with the last reference. Safe from any thread.
  void Release();

 private:
  SharedMapping(uint8_t* base, size_t size) : base_(base), size_(size) {}
  uint8_t* base_;
  size_t size_;
  std::atomic<uint32_t> refs_{1};
};

struct BufferGroup {
  BufferGroup() = default;
  ~BufferGroup();
  BufferGroup(const BufferGroup&) = delete;
  BufferGroup& operator=(const BufferGroup&) = delete;

  uint16_t gid = 0;
  uint32_t count = 0;
  uint32_t size = 0;
  SharedMapping* memory = nullptr;
  size_t owner_offset = 0;  // within the mapping
  size_t data_offset = 0;
  uint32_t ops_in_flight = 0;  // recvMultishot operations drawing from this group

  // Records that the kernel handed buffer `bid` to the application.
  void MarkOwned(uint32_t bid);
  // {data, entries, entriesOffset, owner, address} for the JavaScript BufferRing; each
  // ArrayBuffer holds a reference to the mapping.
  Napi::Object Describe(Napi::Env env);
};

// Maps the memory, gives buffers 0 to `provided` - 1 to the kernel (the others start as the
// application's, to recycle when it wants) and registers the ring as group `gid` of the
// io_uring `ring_fd`. `provided` <= `count`. Throws RangeError ERR_MEMORY_ALLOCATION_FAILED
// when the memory cannot be had, a SystemError when registration fails (EEXIST when the id is
// taken).
std::unique_ptr<BufferGroup> CreateBufferGroup(Napi::Env env, int ring_fd, uint16_t gid,
                                               uint32_t count, uint32_t size, uint32_t provided);
// IORING_UNREGISTER_PBUF_RING. Returns 0 or -errno.
int UnregisterBufferGroup(int ring_fd, uint16_t gid);

}  // namespace uring
}  // namespace io
