// HTTP/1.1 request heads (RFC 9112 §2-§6, RFC 9110), parsed in place over the bytes as they
// arrived: as many complete heads as a buffer holds, in one call, so that a batch of pipelined
// requests costs one JS<->native crossing (DESIGN.md decisions 2 and 10). The rules are those
// of @io/server's TypeScript parser (src/http/head-parser.ts), byte for byte: the same verdict,
// the same offsets, the same flags; a test runs both over the HTTP corpus and mutations of it.
//
//   parseHttpHeads(bytes: Uint8Array (or any view), start, end, out: Int32Array,
//                  scanFrom = start): count
//
// Reads bytes[start, end) only, and writes `out` only. Returns how many records it wrote. The
// limits travel in `out` too (the caller writes them): a call takes 5 arguments, which
// node-addon-api's CallbackInfo holds without a heap allocation (above 6 it allocates), and
// reads no limits object.
//
// Layout of `out` (Int32 elements):
//
//   out[0]  MAX_HEADER_BYTES  in: request line + field lines; over it 431 (also for a head
//                             that has not ended within it)
//   out[1]  MAX_TARGET_BYTES  in: the request-target; over it 414
//   out[2]  MAX_HEADER_COUNT  in: field lines per head (1 to 10000); over it 431
//   out[3]  STOP    out: why the batch ended (kStop* below)
//   out[4]  RESUME  out: where the caller goes on: the first byte no record accounts for
//   out[5]  the first record; each record is kRecordHeader + 4 * FIELD_COUNT elements, and
//           the next one follows it directly.
//
// A record, at r:
//
//   r+0   STATUS        headEnd (> 0, just past the empty line) when the request is accepted,
//                       or the HTTP status it is refused with, negated: -400, -414, -417,
//                       -431, -501, -505. A refused record holds only its STATUS (the other
//                       header elements are 0) and is always the last of its batch.
//   r+1   METHOD_START  r+2  METHOD_END     the method token
//   r+3   TARGET_START  r+4  TARGET_END     the request-target
//   r+5   MINOR         0 or 1 (HTTP/1.0 or HTTP/1.1; a higher 1.x minor is read as 1.1)
//   r+6   FLAGS         kFlag* bits below (the same bits as the TypeScript HeadFlag)
//   r+7   CONTENT_LENGTH_HIGH, r+8 CONTENT_LENGTH_LOW: the Content-Length as a 64-bit two's
//                       complement split in two (high * 2^32 + (low >>> 0)); -1 when there
//                       is none (both elements -1)
//   r+9   FIELDS_START  where the field lines start (just past the request line's CRLF)
//   r+10  UPGRADE_START r+11 UPGRADE_END    the Upgrade field's value, or -1 and -1
//   r+12  FIELD_COUNT   field lines in the head
//   r+13  4 elements per field line: name start, name end, value start, value end (the value
//         without its surrounding whitespace)
//
// Every offset is absolute in `bytes`. A head is parsed only once it is complete (its empty
// line has arrived), so an incomplete one costs a scan for its end, never a parse.
//
// When the batch goes on: after an accepted head with no body, or whose Content-Length body
// lies wholly before `end` (the next head starts right after that body). It stops (STOP, and
// RESUME) when:
//   kStopIncomplete  bytes[RESUME, end) hold no complete head (RESUME == end: nothing left);
//                    a caller keeps them for the next read, and may pass scanFrom = the old
//                    end on the next call, so the part already searched is not searched again
//   kStopFull        the next record does not fit in what is left of `out`: RESUME is the
//                    start of its head, not yet parsed (a call always has room for one
//                    record: `out` must hold kBatchHeader + RecordCapacity(maxHeaderCount))
//   kStopHandOff     the last record's request must be dealt with before the next head can be
//                    found: a chunked body, a Content-Length body that goes past `end`, an
//                    Upgrade, or a connection that reads nothing after it (Connection: close,
//                    or HTTP/1.0 without keep-alive); RESUME is its headEnd
//   kStopRefused     the last record is a refusal, or the head starting at RESUME has not
//                    ended within maxHeaderBytes (a record with STATUS -431); nothing after it
//                    may be read as a request
#pragma once

#include <cstddef>
#include <cstdint>

namespace io {
namespace http {

// The limits in, the batch's end out, then the records.
constexpr int32_t kMaxHeaderBytes = 0;
constexpr int32_t kMaxTargetBytes = 1;
constexpr int32_t kMaxHeaderCount = 2;
constexpr int32_t kBatchStop = 3;
constexpr int32_t kBatchResume = 4;
constexpr int32_t kBatchHeader = 5;
// The most field lines a head may be given room for.
constexpr int32_t kMaxHeaderCountLimit = 10000;

constexpr int32_t kStopIncomplete = 0;
constexpr int32_t kStopFull = 1;
constexpr int32_t kStopHandOff = 2;
constexpr int32_t kStopRefused = 3;

// A record's elements.
constexpr int32_t kStatus = 0;
constexpr int32_t kMethodStart = 1;
constexpr int32_t kMethodEnd = 2;
constexpr int32_t kTargetStart = 3;
constexpr int32_t kTargetEnd = 4;
constexpr int32_t kMinor = 5;
constexpr int32_t kFlags = 6;
constexpr int32_t kContentLengthHigh = 7;
constexpr int32_t kContentLengthLow = 8;
constexpr int32_t kFieldsStart = 9;
constexpr int32_t kUpgradeStart = 10;
constexpr int32_t kUpgradeEnd = 11;
constexpr int32_t kFieldCount = 12;
constexpr int32_t kRecordHeader = 13;
constexpr int32_t kFieldElements = 4;

// FLAGS bits.
constexpr int32_t kFlagChunked = 1;          // Transfer-Encoding's final coding is chunked
constexpr int32_t kFlagClose = 2;            // Connection: close
constexpr int32_t kFlagKeepAlive = 4;        // Connection: keep-alive
constexpr int32_t kFlagUpgrade = 8;          // Connection: upgrade, with an Upgrade field
constexpr int32_t kFlagExpectContinue = 16;  // Expect: 100-continue on HTTP/1.1
constexpr int32_t kFlagHead = 32;            // the method is HEAD
constexpr int32_t kFlagAbsoluteForm = 64;    // the target is scheme://authority...
constexpr int32_t kFlagSawChunked = 128;     // chunked appeared in Transfer-Encoding
constexpr int32_t kFlagOtherCoding = 256;    // a coding other than chunked appeared

// The configurable limits the parser applies (the rest of the server's limits are not its).
struct HeadLimits {
  size_t max_header_bytes;  // request line + field lines; over it: 431
  size_t max_target_bytes;  // the request-target; over it: 414
  size_t max_header_count;  // field lines; over it: 431
};

// Elements one record of up to `max_header_count` fields needs.
constexpr size_t RecordCapacity(size_t max_header_count) {
  return kRecordHeader + kFieldElements * max_header_count;
}

// The batch described above over bytes[start, end) of `bytes`, into out[0, capacity), under
// `limits` (the binding reads them from out[0, 3) and checks them). Requires start <= scan_from <=
// end <= INT32_MAX and capacity >= kBatchHeader + RecordCapacity(limits.max_header_count); `bytes`
// may be null only when start == end.
size_t ParseHeads(const uint8_t* bytes, size_t start, size_t end, size_t scan_from,
                  const HeadLimits& limits, int32_t* out, size_t capacity);

}  // namespace http
}  // namespace io
