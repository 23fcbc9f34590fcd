// The end of a wait on CLOCK_MONOTONIC, so that a wait retried after EINTR (or after a wake-up
// that brought nothing) ends when the first one should have, never earlier. Kept in ns: a
// deadline truncated to whole ms lets a retried wait end up to 1 ms early.
#pragma once

#include <climits>
#include <cstdint>
#include <ctime>

namespace io {

class Deadline {
 public:
  // timeout_ms < 0: no deadline (block forever); 0: due at once.
  explicit Deadline(int64_t timeout_ms)
      : end_ns_(timeout_ms < 0 ? -1 : NowNs() + timeout_ms * 1000000) {}

  // The timeout for the next wait: -1 to block, else the ms left rounded up (0 once passed).
  int RemainingMs() const {
    if (end_ns_ < 0) return -1;
    int64_t left = end_ns_ - NowNs();
    if (left <= 0) return 0;
    int64_t ms = (left + 999999) / 1000000;
    return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
  }

 private:
  static int64_t NowNs() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }
  int64_t end_ns_;
};

}  // namespace io
