#include "addon.h"

namespace io {

void InitMultiplex(Napi::Env env, Napi::Object exports) {}

}  // namespace io
