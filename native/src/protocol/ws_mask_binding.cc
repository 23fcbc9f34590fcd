// maskWebSocketPayload, as JavaScript sees it. Called once per masked frame a client sends, so
// the arguments take the one-call fast paths of common/args.h; the numbers are converted before
// the pointer into the view is taken, and no conversion runs JavaScript.
#include <string>

#include "common/addon.h"
#include "common/args.h"
#include "common/binding.h"
#include "common/errors.h"
#include "protocol/ws_mask.h"

namespace io {
namespace {

// The masking key: any integer from -2^31 to 2^32 - 1 (an Int32 or a Uint32 reading of the
// same four bytes).
uint32_t KeyArg(const Napi::CallbackInfo& info, size_t i) {
  double d;
  if (napi_get_value_double(info.Env(), info[i], &d) == napi_ok && d >= -2147483648.0 &&
      d <= 4294967295.0 && static_cast<double>(static_cast<int64_t>(d)) == d)
    return static_cast<uint32_t>(static_cast<int64_t>(d));
  return static_cast<uint32_t>(ArgInt(info, i, "key", -2147483648LL, 4294967295LL));  // throws
}

Napi::Value MaskWebSocketPayload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t start = ArgOffset(info, 1, "start");
  const int64_t end = ArgOffset(info, 2, "end");
  const uint32_t key = KeyArg(info, 3);
  const int64_t phase = ArgOffset(info, 4, "phase", 0);
  const ByteSpan bytes = ArgView(info, 0, "bytes");
  if (start > end || static_cast<uint64_t>(end) > bytes.length)
    ThrowRangeError(env, "\"start\" and \"end\" must satisfy 0 <= start <= end <= bytes.length, got " +
                             std::to_string(start) + ", " + std::to_string(end) + " and " +
                             std::to_string(bytes.length));
  if (end > start)
    ws::Mask(bytes.data + start, static_cast<size_t>(end - start), key, static_cast<uint32_t>(phase & 3));
  return env.Undefined();
}

}  // namespace

void InitWebSocketMask(Napi::Env env, Napi::Object exports) {
  static const FunctionEntry kFunctions[] = {{"maskWebSocketPayload", MaskWebSocketPayload}};
  ExportFunctions(env, exports, kFunctions);
}

}  // namespace io
