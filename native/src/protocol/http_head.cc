// The request head parser: the rules of @io/server's TypeScript parser (head-parser.ts) in
// C++, in the same order, so that both give the same verdict for the same bytes (which status
// answers a head that breaks several rules depends on the order they are checked in).
//
// Every read of a parse goes through Head::At, which answers kNoByte past the head's end: the
// parser never reads outside bytes[start, headEnd), whatever the bytes are. Within a complete
// head the TypeScript parser never reads past its end either (each scan stops at the CR of a
// CRLF, and the head ends with CRLF CRLF), so the bound changes no verdict. The search for a
// head's end reads below `end` only. Nothing is ever read back from `out`: another thread may
// write to it (a view over a SharedArrayBuffer), so what decides where the next record goes is
// kept in locals.
#include "protocol/http_head.h"

#include <string.h>

#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace io {
namespace http {
namespace {

constexpr int kCR = 13;
constexpr int kLF = 10;
constexpr int kSP = 32;
constexpr int kHTAB = 9;
constexpr int kColon = 58;
// What At() answers past the end: no table holds it, and it equals no byte.
constexpr int kNoByte = 256;

// Most decimal digits a Content-Length may have (a body limit stops it far earlier).
constexpr size_t kMaxLengthDigits = 15;

// A 257-entry byte class: index kNoByte is the "no byte" past the end (0, or 255 for HEX).
struct ByteClass {
  uint8_t at[kNoByte + 1];
  constexpr uint8_t operator[](int c) const { return at[c]; }
};

constexpr bool Among(const char* chars, int c) {
  for (; *chars != '\0'; chars++)
    if (static_cast<unsigned char>(*chars) == c) return true;
  return false;
}
constexpr bool Alnum(int c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

template <typename Member>
constexpr ByteClass Class(Member member) {
  ByteClass t{};
  for (int c = 0; c < 256; c++) t.at[c] = member(c) ? 1 : 0;
  return t;
}

// The byte classes of char-classes.ts (RFC 9110 §5.6.2, RFC 9112 §3 and §5, RFC 3986 §2-3).
constexpr ByteClass kTchar = Class([](int c) { return Alnum(c) || Among("!#$%&'*+-.^_`|~", c); });
constexpr ByteClass kTarget =
    Class([](int c) { return Alnum(c) || Among("-._~!$&'()*+,;=:@/?%[]", c); });
constexpr ByteClass kFieldValue =
    Class([](int c) { return c == kHTAB || c == kSP || (c >= 0x21 && c <= 0x7e) || c >= 0x80; });
constexpr ByteClass kHost =
    Class([](int c) { return Alnum(c) || Among("-._~!$&'()*+,;=%[]:", c); });
// What a host name may hold before its port: kHost less the brackets of an IP literal and ':'.
constexpr ByteClass kRegName =
    Class([](int c) { return kHost[c] == 1 && c != '[' && c != ']' && c != '@' && c != kColon; });
constexpr ByteClass kHex = [] {
  ByteClass t{};
  for (int c = 0; c <= kNoByte; c++) t.at[c] = 255;
  for (int c = 0; c < 10; c++) t.at['0' + c] = static_cast<uint8_t>(c);
  for (int c = 0; c < 6; c++) {
    t.at['A' + c] = static_cast<uint8_t>(10 + c);
    t.at['a' + c] = static_cast<uint8_t>(10 + c);
  }
  return t;
}();

// Vector scans (SSE2 on x86-64, NEON on AArch64, both always there) for the loops that read
// most bytes: the search for a head's end, field values, and runs of the commonest bytes of a
// method, a target, a field name or a host name. They read 16-byte blocks that lie wholly within
// the bytes the byte loops may read, and give the same answer (tests run every byte value at
// every offset through both parsers); elsewhere the byte loops do it all.
#if defined(__SSE2__)
#define IO_HTTP_VECTORS 1
using Block = __m128i;
inline Block LoadBlock(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
// One bit per byte of the block (bit k for byte k) where `is` holds.
inline uint32_t Bits(Block is) { return static_cast<uint32_t>(_mm_movemask_epi8(is)); }
inline Block Equal(Block x, uint8_t c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(static_cast<char>(c))); }
inline Block AtMost(Block x, uint8_t c) { return _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(static_cast<char>(c))), x); }
inline Block Or(Block a, Block b) { return _mm_or_si128(a, b); }
inline Block AndNot(Block a, Block b) { return _mm_andnot_si128(a, b); }  // b and not a
inline Block And(Block a, Block b) { return _mm_and_si128(a, b); }
inline Block OrByte(Block x, uint8_t c) { return _mm_or_si128(x, _mm_set1_epi8(static_cast<char>(c))); }
inline Block Minus(Block x, uint8_t c) { return _mm_sub_epi8(x, _mm_set1_epi8(static_cast<char>(c))); }
#elif defined(__aarch64__)
#define IO_HTTP_VECTORS 1
using Block = uint8x16_t;
inline Block LoadBlock(const uint8_t* p) { return vld1q_u8(p); }
inline uint32_t Bits(Block is) {
  // A compare gives 0xff or 0 per byte: kept as the byte's weight within its half, summed per half.
  static const uint8_t kWeights[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  const uint8x16_t weighted = vandq_u8(is, vld1q_u8(kWeights));
  return static_cast<uint32_t>(vaddv_u8(vget_low_u8(weighted))) |
         (static_cast<uint32_t>(vaddv_u8(vget_high_u8(weighted))) << 8);
}
inline Block Equal(Block x, uint8_t c) { return vceqq_u8(x, vdupq_n_u8(c)); }
inline Block AtMost(Block x, uint8_t c) { return vcleq_u8(x, vdupq_n_u8(c)); }
inline Block Or(Block a, Block b) { return vorrq_u8(a, b); }
inline Block AndNot(Block a, Block b) { return vbicq_u8(b, a); }  // b and not a
inline Block And(Block a, Block b) { return vandq_u8(a, b); }
inline Block OrByte(Block x, uint8_t c) { return vorrq_u8(x, vdupq_n_u8(c)); }
inline Block Minus(Block x, uint8_t c) { return vsubq_u8(x, vdupq_n_u8(c)); }
#endif

#ifdef IO_HTTP_VECTORS
// The bytes of a block not in kFieldValue: control characters other than HTAB, and DEL.
inline uint32_t FieldValueStops(Block x) {
  return Bits(Or(AndNot(Equal(x, kHTAB), AtMost(x, 0x1f)), Equal(x, 0x7f)));
}

// Bytes in [lo, hi].
inline Block InRange(Block x, uint8_t lo, uint8_t hi) { return AtMost(Minus(x, lo), static_cast<uint8_t>(hi - lo)); }
inline Block Letter(Block x) { return InRange(OrByte(x, 0x20), 'a', 'z'); }

// Runs for Head::Skip: per byte of a block, whether it lies in a subset of a class that makes
// up most of what is read with it. None holds CR or LF.
// A method or a field name (kTchar): letters and '-'.
struct NameRun {
  uint32_t operator()(Block x) const { return Bits(Or(Letter(x), Equal(x, '-'))); }
};
// A request-target (kTarget): letters, and '$' to ';' (digits, '/', '.', '%', ...) and '?' to '['.
struct TargetRun {
  uint32_t operator()(Block x) const {
    return Bits(Or(Or(InRange(x, 0x24, 0x3b), InRange(x, 0x3f, 0x5b)), InRange(x, 'a', 'z')));
  }
};
// A host name (kRegName): letters, digits, '-' and '.'.
struct RegNameRun {
  uint32_t operator()(Block x) const {
    return Bits(Or(Or(Letter(x), InRange(x, '0', '9')), InRange(x, '-', '.')));
  }
};
#else
struct NameRun {};
struct TargetRun {};
struct RegNameRun {};
#endif

constexpr int kOrigin = 1;
constexpr int kAbsolute = 2;
constexpr int kAsterisk = 3;

// One complete head, bytes[.., end): the bounded view the parser reads through.
class Head {
 public:
  Head(const uint8_t* bytes, size_t start, size_t end) : bytes_(bytes), start_(start), end_(end) {}

  int At(size_t k) const { return k < end_ ? bytes_[k] : kNoByte; }

  // The byte at k without the bound, for scans that stop at a CR (no class below holds it)
  // or at a bound of their own below end_: a complete head ends with CR LF CR LF, so such a
  // scan never passes its last CR. Half the cost of At() per byte in the loops that read most.
  int Raw(size_t k) const { return bytes_[k]; }

  // From k, the first byte not in `cls` (which holds neither CR nor LF), or end_. `run` says,
  // per byte of a block, whether it lies in a subset of `cls` (see NameRun): where vectors are
  // built, a run of those is passed 16 bytes at a time (the last bytes of the head in its last
  // 16, those before k counted in), and the byte that ends it is looked up in `cls` unless it
  // is `end_byte` (not in `cls`, the byte that usually ends what is read: no table load).
  template <typename Run>
  size_t Skip(size_t k, const ByteClass& cls, Run run, uint8_t end_byte) const {
#ifdef IO_HTTP_VECTORS
    for (;;) {
      if (k + 16 <= end_) {
        const uint32_t out = ~run(LoadBlock(bytes_ + k)) & 0xffff;
        if (out == 0) {
          k += 16;
          continue;
        }
        k += static_cast<size_t>(__builtin_ctz(out));
      } else if (k < end_ && end_ - start_ >= 16) {
        const size_t last = end_ - 16;  // last < k < end_
        const uint32_t out = (~run(LoadBlock(bytes_ + last)) & 0xffff) >> (k - last);
        if (out == 0) return end_;  // (a head ends with CR LF, in no run)
        k += static_cast<size_t>(__builtin_ctz(out));
      } else {
        break;
      }
      const uint8_t c = bytes_[k];
      if (c == end_byte || cls[c] != 1) return k;
      k++;
    }
#endif
    while (k < end_ && cls[bytes_[k]] == 1) k++;
    return k;
  }

  // From k, the first byte not in kFieldValue, or end_ when there is none. Where vectors are
  // built: 16 bytes at a time, and what is left under 16 by the head's last 16 bytes (all
  // within the head), the bytes before k masked off.
  size_t SkipFieldValue(size_t k) const {
#ifdef IO_HTTP_VECTORS
    for (; k + 16 <= end_; k += 16) {
      const uint32_t stops = FieldValueStops(LoadBlock(bytes_ + k));
      if (stops != 0) return k + static_cast<size_t>(__builtin_ctz(stops));
    }
    if (k < end_ && end_ - start_ >= 16) {
      const size_t last = end_ - 16;  // last < k < end_
      const uint32_t stops = FieldValueStops(LoadBlock(bytes_ + last)) >> (k - last);
      return stops != 0 ? k + static_cast<size_t>(__builtin_ctz(stops)) : end_;
    }
#endif
    while (k < end_ && kFieldValue[bytes_[k]] == 1) k++;
    return k;
  }

  // From k, the first '%' before e (<= end_), or e. Where vectors are built, 16 bytes at a time
  // while a block lies within the head (a target is followed by its version and CRLFs, so it
  // nearly always does).
  size_t FindPercent(size_t k, size_t e) const {
#ifdef IO_HTTP_VECTORS
    for (; k < e && k + 16 <= end_; k += 16) {
      const uint32_t found = Bits(Equal(LoadBlock(bytes_ + k), '%'));
      if (found != 0) return std::min(k + static_cast<size_t>(__builtin_ctz(found)), e);
    }
#endif
    while (k < e && bytes_[k] != '%') k++;
    return std::min(k, e);
  }

  // True when the bytes at `at` are `name`, ASCII case-insensitively (`name` is lower-case,
  // or matched exactly: 'HEAD').
  bool NameIs(size_t at, const char* name) const {
    for (size_t k = 0; name[k] != '\0'; k++) {
      int c = At(at + k);
      int want = static_cast<unsigned char>(name[k]);
      if (c != want && (c | 0x20) != want) return false;
    }
    return true;
  }

  bool ValueIs(size_t start, size_t end, const char* value) const {
    return end - start == strlen(value) && NameIs(start, value);
  }

 private:
  const uint8_t* bytes_;
  size_t start_;
  size_t end_;
};

// origin-form, absolute-form (scheme://authority...), or `*`; anything else is refused.
int TargetForm(const Head& h, size_t s, size_t e, int32_t* flags) {
  for (size_t k = h.FindPercent(s, e); k < e; k = h.FindPercent(k + 1, e)) {
    if (kHex[h.At(k + 1)] == 255 || kHex[h.At(k + 2)] == 255 || k + 2 >= e) return -400;
  }
  if (h.At(s) == '/') return kOrigin;
  if (e - s == 1 && h.At(s) == '*') return kAsterisk;
  size_t k = s;
  while (k < e && ((h.At(k) | 0x20) >= 'a' && (h.At(k) | 0x20) <= 'z')) k++;
  if (k > s && h.At(k) == kColon && h.At(k + 1) == '/' && h.At(k + 2) == '/' && k + 3 < e) {
    *flags |= kFlagAbsoluteForm;
    return kAbsolute;
  }
  return -400;
}

// 1*DIGIT and nothing else; -1 when malformed or longer than kMaxLengthDigits.
int64_t Decimal(const Head& h, size_t start, size_t end) {
  if (start == end || end - start > kMaxLengthDigits) return -1;
  int64_t n = 0;
  for (size_t k = start; k < end; k++) {
    int d = h.At(k) - '0';
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

// uri-host [ ":" port ] (RFC 9110 §7.2); empty is allowed.
bool ValidHost(const Head& h, size_t start, size_t end) {
  if (start == end) return true;
  size_t k = start;
  if (h.At(k) == '[') {
    while (k < end && h.At(k) != ']') {
      int c = h.At(k);
      if (c != '[' && c != kColon && c != '.' && kHex[c] == 255 && (c | 0x20) != 'v') return false;
      k++;
    }
    if (k == end) return false;
    k++;
  } else {
    // kRegName holds neither whitespace nor CR: the scan stops at `end` at the latest.
    k = h.Skip(k, kRegName, RegNameRun{}, kColon);
    if (k < end && h.Raw(k) != kColon) return false;
  }
  if (k == end) return true;
  if (h.At(k) != kColon) return false;
  for (k++; k < end; k++)
    if (h.Raw(k) < '0' || h.Raw(k) > '9') return false;
  return true;
}

// The Connection options acted on: close, keep-alive, upgrade.
int32_t ConnectionTokens(const Head& h, size_t start, size_t end) {
  int32_t flags = 0;
  size_t k = start;
  while (k < end) {
    while (k < end && (h.At(k) == kSP || h.At(k) == kHTAB || h.At(k) == ',')) k++;
    size_t s = k;
    while (k < end && kTchar[h.At(k)] == 1) k++;
    size_t n = k - s;
    if (n == 5 && h.NameIs(s, "close"))
      flags |= kFlagClose;
    else if (n == 10 && h.NameIs(s, "keep-alive"))
      flags |= kFlagKeepAlive;
    else if (n == 7 && h.NameIs(s, "upgrade"))
      flags |= kFlagUpgrade;
    while (k < end && h.At(k) != ',') k++;
  }
  return flags;
}

// One Transfer-Encoding field line (several form one list): keeps kFlagChunked set exactly
// when the list so far ends with chunked, notes other codings; -400 for a malformed list or
// chunked given twice.
int Codings(const Head& h, size_t start, size_t end, int32_t* flags) {
  size_t k = start;
  int count = 0;
  while (k < end) {
    while (k < end && (h.At(k) == kSP || h.At(k) == kHTAB)) k++;
    size_t s = k;
    while (k < end && kTchar[h.At(k)] == 1) k++;
    size_t n = k - s;
    if (n == 0) return -400;
    while (k < end && (h.At(k) == kSP || h.At(k) == kHTAB)) k++;
    if (k < end && h.At(k) != ',') return -400;  // parameters, or bytes that are no list
    k++;
    count++;
    if (n == 7 && h.NameIs(s, "chunked")) {
      if ((*flags & kFlagSawChunked) != 0) return -400;
      *flags |= kFlagChunked | kFlagSawChunked;
    } else {
      *flags = (*flags & ~kFlagChunked) | kFlagOtherCoding;
    }
  }
  return count == 0 ? -400 : 0;
}

// Where the head starting at `start` ends (just past its empty line), or 0 while it has not
// all arrived. Empty lines before the request line are skipped (RFC 9112 §2.2); the search
// for the end resumes at `from` (less the 3 bytes an end could straddle). Where vectors are
// built, 16 places at a time; otherwise each LF is found with memchr and the CR LF CR LF around
// it checked.
size_t FindHeadEnd(const uint8_t* bytes, size_t start, size_t from, size_t end) {
  size_t s = start;
  while (s + 1 < end && bytes[s] == kCR && bytes[s + 1] == kLF) s += 2;
  const size_t i = from >= s + 3 ? from - 3 : s;  // an end CR LF CR LF starts at i or later
  size_t lf = i + 1;                              // its first LF is at i + 1 or later
  if (lf + 2 >= end) return 0;
  const size_t last = end - 2;  // the first LF of an end lies in [lf, last)
  auto ends_at = [bytes](size_t at) {
    return bytes[at - 1] == kCR && bytes[at + 1] == kCR && bytes[at + 2] == kLF;
  };
#ifdef IO_HTTP_VECTORS
  // 16 places at a time, each LF checked with the CR before it and the CR LF after it by
  // comparing four blocks one byte apart: no branch per line. The last block overlaps the one
  // before it so as to end at `last` (the places it checks again did not match).
  if (last - lf >= 16) {
    for (;;) {
      const uint8_t* p = bytes + lf;
      const uint32_t ends = Bits(And(And(Equal(LoadBlock(p - 1), kCR), Equal(LoadBlock(p), kLF)),
                                     And(Equal(LoadBlock(p + 1), kCR), Equal(LoadBlock(p + 2), kLF))));
      if (ends != 0) return lf + static_cast<size_t>(__builtin_ctz(ends)) + 3;
      if (lf + 16 == last) return 0;
      lf = std::min(lf + 16, last - 16);
    }
  }
#endif
  while (lf < last) {
    const void* found = memchr(bytes + lf, kLF, last - lf);
    if (found == nullptr) return 0;
    lf = static_cast<size_t>(static_cast<const uint8_t*>(found) - bytes);
    if (ends_at(lf)) return lf + 3;
    lf++;
  }
  return 0;
}

// What ParseHead returns when the record would not fit: it is parsed again in the next call.
constexpr int64_t kNoRoom = 0;

// What the batch needs to know of an accepted head, besides its end.
struct Accepted {
  // Nothing after this request can be read before it is dealt with, whatever its body: a
  // chunked body, an Upgrade, or a connection that reads no further request (Connection:
  // close, or HTTP/1.0 without keep-alive).
  bool stops_batch;
  size_t field_count;
  int64_t content_length;  // -1: none
};

// The complete head bytes[start, head_end) into the record at `r`, which has room for
// `room_fields` fields (and the record header), and into `*accepted`. Returns head_end, the
// refusal's status negated, or kNoRoom.
int64_t ParseHead(const uint8_t* bytes, size_t start, size_t head_end, const HeadLimits& limits,
                  size_t room_fields, int32_t* r, Accepted* accepted) {
  const Head h(bytes, start, head_end);
  size_t i = start;
  while (h.At(i) == kCR && h.At(i + 1) == kLF) i += 2;  // empty lines before the request line
  // A head over maxHeaderBytes is refused with 431 where a field line starts past the limit, as
  // the TypeScript parser does: a fault in the bytes before that point is reported instead.

  // method SP
  const size_t method_start = i;
  i = h.Skip(i, kTchar, NameRun{}, kSP);
  if (i == method_start || h.At(i) != kSP) return -400;
  const size_t method_end = i++;

  // request-target SP
  const size_t target_start = i;
  i = h.Skip(i, kTarget, TargetRun{}, kSP);
  const size_t target_end = i;
  if (target_end - target_start > limits.max_target_bytes) return -414;
  if (target_end == target_start || h.At(i) != kSP) return -400;
  i++;
  int32_t flags = 0;
  const int form = TargetForm(h, target_start, target_end, &flags);
  if (form < 0) return form;

  // HTTP-version CRLF
  if (h.At(i) != 'H' || h.At(i + 1) != 'T' || h.At(i + 2) != 'T' || h.At(i + 3) != 'P' ||
      h.At(i + 4) != '/')
    return -400;
  const int major = h.At(i + 5) - '0';
  int minor = h.At(i + 7) - '0';
  if (major < 0 || major > 9 || h.At(i + 6) != '.' || minor < 0 || minor > 9) return -400;
  if (h.At(i + 8) != kCR || h.At(i + 9) != kLF) return -400;
  if (major != 1) return -505;
  minor = minor == 0 ? 0 : 1;
  i += 10;
  const size_t fields_start = i;
  if (form == kAsterisk && !(method_end - method_start == 7 && h.NameIs(method_start, "OPTIONS")))
    return -400;

  // field lines, up to the empty line
  size_t field_count = 0;
  int64_t content_length = -1;
  int64_t upgrade_start = -1;
  int64_t upgrade_end = -1;
  int hosts = 0;
  int transfer_encodings = 0;
  int content_lengths = 0;
  int32_t* fields = r + kRecordHeader;
  for (;;) {
    if (i - start > limits.max_header_bytes) return -431;
    if (h.At(i) == kCR) {
      if (h.At(i + 1) != kLF) return -400;
      i += 2;
      break;
    }
    // A line starting with whitespace (obs-fold, or whitespace before the first field) has
    // no name: refused here.
    const size_t name_start = i;
    i = h.Skip(i, kTchar, NameRun{}, kColon);
    const size_t name_end = i;
    if (name_end == name_start || h.At(i) != kColon) return -400;
    i++;
    while (h.Raw(i) == kSP || h.Raw(i) == kHTAB) i++;
    const size_t value_start = i;
    i = h.SkipFieldValue(i);
    size_t value_end = i;
    if (h.At(i) != kCR || h.At(i + 1) != kLF) return -400;
    i += 2;
    while (value_end > value_start && (h.Raw(value_end - 1) == kSP || h.Raw(value_end - 1) == kHTAB))
      value_end--;
    if (field_count == limits.max_header_count) return -431;
    if (field_count == room_fields) return kNoRoom;
    int32_t* f = fields + kFieldElements * field_count++;
    f[0] = static_cast<int32_t>(name_start);
    f[1] = static_cast<int32_t>(name_end);
    f[2] = static_cast<int32_t>(value_start);
    f[3] = static_cast<int32_t>(value_end);

    // The fields that decide framing and connection handling.
    switch (name_end - name_start) {
      case 4:
        if (h.NameIs(name_start, "host")) {
          if (++hosts > 1 || !ValidHost(h, value_start, value_end)) return -400;
        }
        break;
      case 6:
        if (h.NameIs(name_start, "expect")) {
          if (!h.ValueIs(value_start, value_end, "100-continue")) return -417;
          if (minor == 1) flags |= kFlagExpectContinue;
        }
        break;
      case 7:
        if (h.NameIs(name_start, "upgrade")) {
          upgrade_start = static_cast<int64_t>(value_start);
          upgrade_end = static_cast<int64_t>(value_end);
        }
        break;
      case 10:
        if (h.NameIs(name_start, "connection"))
          flags |= ConnectionTokens(h, value_start, value_end);
        break;
      case 14:
        if (h.NameIs(name_start, "content-length")) {
          if (++content_lengths > 1) return -400;
          content_length = Decimal(h, value_start, value_end);
          if (content_length < 0) return -400;
        }
        break;
      case 17:
        if (h.NameIs(name_start, "transfer-encoding")) {
          transfer_encodings++;
          const int coding = Codings(h, value_start, value_end, &flags);
          if (coding < 0) return coding;
        }
        break;
      default:
        break;
    }
  }

  // Framing (RFC 9112 §6.1-§6.3) and Host (§3.2).
  if (minor == 1 && hosts != 1) return -400;
  if (transfer_encodings > 0) {
    if (minor == 0 || content_lengths > 0) return -400;
    if ((flags & kFlagChunked) == 0) return -400;      // the final coding is not chunked
    if ((flags & kFlagOtherCoding) != 0) return -501;  // gzip, chunked: not decoded here
  }
  if ((flags & kFlagUpgrade) != 0 && upgrade_start < 0) flags &= ~kFlagUpgrade;
  if (method_end - method_start == 4 && h.NameIs(method_start, "HEAD")) flags |= kFlagHead;

  r[kStatus] = static_cast<int32_t>(i);
  r[kMethodStart] = static_cast<int32_t>(method_start);
  r[kMethodEnd] = static_cast<int32_t>(method_end);
  r[kTargetStart] = static_cast<int32_t>(target_start);
  r[kTargetEnd] = static_cast<int32_t>(target_end);
  r[kMinor] = minor;
  r[kFlags] = flags;
  // The two halves of a 64-bit two's complement value: -1 gives -1 and -1.
  const uint64_t length_bits = static_cast<uint64_t>(content_length);
  r[kContentLengthHigh] = static_cast<int32_t>(content_length < 0 ? -1 : content_length >> 32);
  r[kContentLengthLow] = static_cast<int32_t>(static_cast<uint32_t>(length_bits));
  r[kFieldsStart] = static_cast<int32_t>(fields_start);
  r[kUpgradeStart] = static_cast<int32_t>(upgrade_start);
  r[kUpgradeEnd] = static_cast<int32_t>(upgrade_end);
  r[kFieldCount] = static_cast<int32_t>(field_count);
  // (Decided here from the locals: read back from *accepted, flags and minor stored as two
  // 32-bit halves were loaded as one 64-bit word, which store forwarding cannot serve.)
  const bool stops_batch = (flags & (kFlagChunked | kFlagUpgrade | kFlagClose)) != 0 ||
                           (minor == 0 && (flags & kFlagKeepAlive) == 0);
  *accepted = {stops_batch, field_count, content_length};
  return static_cast<int64_t>(i);
}

// A refusal's record: its status, nothing else.
void WriteRefusal(int32_t* r, int64_t verdict) {
  std::fill(r, r + kRecordHeader, 0);
  r[kStatus] = static_cast<int32_t>(verdict);
}

// True when nothing after this accepted request can be found without the caller: it stops the
// batch (see Accepted), or its Content-Length body is not all in bytes[head_end, end).
bool HandsOff(const Accepted& head, size_t body_room) {
  return head.stops_batch || (head.content_length > 0 && static_cast<uint64_t>(head.content_length) > body_room);
}

}  // namespace

size_t ParseHeads(const uint8_t* bytes, size_t start, size_t end, size_t scan_from,
                  const HeadLimits& limits, int32_t* out, size_t capacity) {
  size_t written = kBatchHeader;
  size_t count = 0;
  size_t at = start;
  size_t from = scan_from;
  int32_t stop = kStopIncomplete;
  for (;;) {
    const size_t head_end = bytes == nullptr ? 0 : FindHeadEnd(bytes, at, from, end);
    if (head_end == 0 && end - at <= limits.max_header_bytes) break;  // incomplete
    // A record follows: a refusal needs its header, an accepted head also its fields.
    const size_t room = capacity - written;
    if (room < kRecordHeader) {
      stop = kStopFull;
      break;
    }
    int32_t* r = out + written;
    if (head_end == 0) {  // no end within maxHeaderBytes
      WriteRefusal(r, -431);
      count++;
      stop = kStopRefused;
      break;
    }
    from = 0;  // only the first head's search resumes
    Accepted head{};
    const size_t room_fields = (room - kRecordHeader) / kFieldElements;
    const int64_t verdict = ParseHead(bytes, at, head_end, limits, room_fields, r, &head);
    if (verdict == kNoRoom) {
      stop = kStopFull;
      break;
    }
    count++;
    if (verdict < 0) {
      WriteRefusal(r, verdict);
      stop = kStopRefused;
      break;
    }
    written += kRecordHeader + kFieldElements * head.field_count;
    if (HandsOff(head, end - head_end)) {
      at = head_end;
      stop = kStopHandOff;
      break;
    }
    at = head_end + static_cast<size_t>(std::max<int64_t>(head.content_length, 0));
  }
  out[kBatchStop] = stop;
  out[kBatchResume] = static_cast<int32_t>(at);
  return count;
}

}  // namespace http
}  // namespace io
