#include "addon.h"

namespace io {

void InitSignal(Napi::Env env, Napi::Object exports) {}

}  // namespace io
