#include "uring_slots.h"

#include "uring_buffer_group.h"

namespace io {
namespace uring {

void SlotTable::Release(napi_env env, uint32_t index) {
  Slot& s = slots_[index];
  if (s.pin != nullptr) {
    napi_delete_reference(env, s.pin);
    s.pin = nullptr;
  }
  if (s.extra != nullptr)
    for (napi_ref pin : s.extra->pins) napi_delete_reference(env, pin);
  s.extra.reset();
  if (s.group != nullptr) {
    s.group->ops_in_flight--;
    s.group = nullptr;
  }
  s.live = false;
  s.next_free = free_head_;
  free_head_ = index;
  live_--;
}

}  // namespace uring
}  // namespace io
