// parseHttpHeads and its constants, as JavaScript sees them (the layout is in http_head.h).
// Every argument is converted before a pointer into JavaScript memory is taken, and none of the
// conversions runs JavaScript (numbers are never coerced), so no getter can detach or shrink a
// buffer between the checks and the parse.
#include <climits>
#include <string>

#include "common/addon.h"
#include "common/args.h"
#include "common/binding.h"
#include "common/errors.h"
#include "protocol/http_head.h"

namespace io {
namespace {

// Most field lines a caller may ask room for (the server's own bound on maxHeaderCount).
constexpr int64_t kMaxHeaderCountLimit = 10000;

// The elements of the Int32Array at info[i] (null and 0 when it is detached), or TypeError.
int32_t* Int32Elements(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* length) {
  napi_env env = info.Env();
  bool is_typed = false;
  napi_typedarray_type type = napi_uint8_array;
  void* data = nullptr;
  *length = 0;
  if (napi_is_typedarray(env, info[i], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, info[i], &type, length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array)
    ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be an Int32Array");
  if (data == nullptr) *length = 0;
  return static_cast<int32_t*>(data);
}

Napi::Value ParseHttpHeads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ArgBytes(info, 0, "bytes");  // the type only: the pointer is taken below
  const int64_t start = ArgInt(info, 1, "start", 0, INT32_MAX);
  const int64_t end = ArgInt(info, 2, "end", 0, INT32_MAX);
  size_t capacity = 0;
  Int32Elements(info, 3, "out", &capacity);
  http::HeadLimits limits;
  limits.max_header_bytes = static_cast<size_t>(ArgInt(info, 4, "maxHeaderBytes", 0, INT32_MAX));
  limits.max_target_bytes = static_cast<size_t>(ArgInt(info, 5, "maxTargetBytes", 0, INT32_MAX));
  limits.max_header_count =
      static_cast<size_t>(ArgInt(info, 6, "maxHeaderCount", 1, kMaxHeaderCountLimit));
  const int64_t scan_from = ArgIntOr(info, 7, "scanFrom", 0, INT32_MAX, start);

  // Every argument is converted: the pointers now, and nothing runs JavaScript after them.
  const ByteSpan bytes = ArgBytes(info, 0, "bytes");
  int32_t* out = Int32Elements(info, 3, "out", &capacity);
  if (start > end || static_cast<uint64_t>(end) > bytes.length)
    ThrowRangeError(env,
                    "\"start\" and \"end\" must satisfy 0 <= start <= end <= bytes.length, got " +
                        std::to_string(start) + ", " + std::to_string(end) + " and " +
                        std::to_string(bytes.length));
  if (scan_from < start || scan_from > end)
    ThrowRangeError(env,
                    "\"scanFrom\" must be >= start and <= end, got " + std::to_string(scan_from));
  const size_t needed = http::kBatchHeader + http::RecordCapacity(limits.max_header_count);
  if (capacity < needed)
    ThrowRangeError(env, "\"out\" must hold at least " + std::to_string(needed) +
                             " elements for maxHeaderCount " +
                             std::to_string(limits.max_header_count) + ", got " +
                             std::to_string(capacity));
  const size_t count =
      http::ParseHeads(bytes.data, static_cast<size_t>(start), static_cast<size_t>(end),
                       static_cast<size_t>(scan_from), limits, out, capacity);
  return Napi::Number::New(env, static_cast<double>(count));
}

}  // namespace

void InitHttpHead(Napi::Env env, Napi::Object exports) {
  static const FunctionEntry kFunctions[] = {{"parseHttpHeads", ParseHttpHeads}};
  ExportFunctions(env, exports, kFunctions);
  using namespace http;
  ExportConstants(env, exports, "httpHeadLayout",
                  {
                      {"STOP", kBatchStop},
                      {"RESUME", kBatchResume},
                      {"BATCH_HEADER", kBatchHeader},
                      {"STATUS", kStatus},
                      {"METHOD_START", kMethodStart},
                      {"METHOD_END", kMethodEnd},
                      {"TARGET_START", kTargetStart},
                      {"TARGET_END", kTargetEnd},
                      {"MINOR", kMinor},
                      {"FLAGS", kFlags},
                      {"CONTENT_LENGTH_HIGH", kContentLengthHigh},
                      {"CONTENT_LENGTH_LOW", kContentLengthLow},
                      {"FIELDS_START", kFieldsStart},
                      {"UPGRADE_START", kUpgradeStart},
                      {"UPGRADE_END", kUpgradeEnd},
                      {"FIELD_COUNT", kFieldCount},
                      {"RECORD_HEADER", kRecordHeader},
                      {"FIELD_ELEMENTS", kFieldElements},
                  });
  ExportConstants(env, exports, "httpHeadStop",
                  {
                      {"INCOMPLETE", kStopIncomplete},
                      {"FULL", kStopFull},
                      {"HAND_OFF", kStopHandOff},
                      {"REFUSED", kStopRefused},
                  });
  ExportConstants(env, exports, "httpHeadFlags",
                  {
                      {"CHUNKED", kFlagChunked},
                      {"CLOSE", kFlagClose},
                      {"KEEP_ALIVE", kFlagKeepAlive},
                      {"UPGRADE", kFlagUpgrade},
                      {"EXPECT_CONTINUE", kFlagExpectContinue},
                      {"HEAD", kFlagHead},
                      {"ABSOLUTE_FORM", kFlagAbsoluteForm},
                      {"SAW_CHUNKED", kFlagSawChunked},
                      {"OTHER_CODING", kFlagOtherCoding},
                  });
}

}  // namespace io
