// Whether io_uring can be used in this process, and if not, a reason a person can act on.
#pragma once

#include <string>

namespace io {
namespace uring {

struct Support {
  bool supported;
  int error;           // errno of the failing step, 0 when supported
  std::string reason;  // empty when supported
};

// Creates and closes a tiny ring. Costs two syscalls; callers cache the answer.
Support ProbeSupport();

// The reason text for a Queue::Open() failure (-errno), shared with ProbeSupport().
std::string SetupFailureReason(int err);

}  // namespace uring
}  // namespace io
