// parseHttpHeads and its constants, as JavaScript sees them (the layout is in http_head.h).
//
// The call is made once per read of an HTTP connection, so its fixed cost is what decides
// whether parsing natively pays: the arguments are read with one Node-API call each where they
// have the expected type (a number, a Uint8Array, an Int32Array), and only a value of another
// type takes the general path, which converts it or throws the usual TypeError/RangeError.
// The numbers are converted first; the pointers into the two views are taken last, and no
// conversion runs JavaScript (numbers are never coerced), so nothing can detach or shrink a
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

// The elements of the Int32Array at info[i] (null and 0 when it is detached), or TypeError.
int32_t* Int32Elements(const Napi::CallbackInfo& info, size_t i, const char* name, size_t* length) {
  napi_typedarray_type type;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[i], &type, length, &data, nullptr, nullptr) !=
          napi_ok ||
      type != napi_int32_array)
    ThrowTypeError(info.Env(), std::string("\"") + name + "\" must be an Int32Array");
  if (data == nullptr) *length = 0;
  return static_cast<int32_t*>(data);
}

// out[at], a limit the caller wrote, within [min, max].
size_t LimitIn(Napi::Env env, const int32_t* out, int32_t at, const char* name, int32_t min,
               int32_t max) {
  const int32_t v = out[at];
  if (v < min || v > max)
    ThrowRangeError(env, "\"out[" + std::to_string(at) + "]\" (" + name +
                             ") must be >= " + std::to_string(min) +
                             " and <= " + std::to_string(max) + ", got " + std::to_string(v));
  return static_cast<size_t>(v);
}

Napi::Value ParseHttpHeads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t start = ArgOffset(info, 1, "start");
  const int64_t end = ArgOffset(info, 2, "end");
  const int64_t scan_from = ArgOffset(info, 4, "scanFrom", start);
  // Every number is converted: now the views, whose conversion runs no JavaScript either.
  const ByteSpan bytes = ArgView(info, 0, "bytes");
  size_t capacity = 0;
  int32_t* out = Int32Elements(info, 3, "out", &capacity);
  if (start > end || static_cast<uint64_t>(end) > bytes.length)
    ThrowRangeError(env,
                    "\"start\" and \"end\" must satisfy 0 <= start <= end <= bytes.length, got " +
                        std::to_string(start) + ", " + std::to_string(end) + " and " +
                        std::to_string(bytes.length));
  if (scan_from < start || scan_from > end)
    ThrowRangeError(env,
                    "\"scanFrom\" must be >= start and <= end, got " + std::to_string(scan_from));
  if (capacity < static_cast<size_t>(http::kBatchHeader))
    ThrowRangeError(env, "\"out\" must hold the limits and a record, got " +
                             std::to_string(capacity) + " elements");
  http::HeadLimits limits;
  limits.max_header_bytes =
      LimitIn(env, out, http::kMaxHeaderBytes, "maxHeaderBytes", 0, INT32_MAX);
  limits.max_target_bytes =
      LimitIn(env, out, http::kMaxTargetBytes, "maxTargetBytes", 0, INT32_MAX);
  limits.max_header_count =
      LimitIn(env, out, http::kMaxHeaderCount, "maxHeaderCount", 1, http::kMaxHeaderCountLimit);
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
                      {"MAX_HEADER_BYTES", kMaxHeaderBytes},
                      {"MAX_TARGET_BYTES", kMaxTargetBytes},
                      {"MAX_HEADER_COUNT", kMaxHeaderCount},
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
                      {"MAX_HEADER_COUNT_LIMIT", kMaxHeaderCountLimit},
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
