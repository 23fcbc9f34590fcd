#include "addon.h"

namespace io {

void InitUring(Napi::Env env, Napi::Object exports) {}

}  // namespace io
