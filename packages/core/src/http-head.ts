// HTTP/1.1 request heads parsed natively, a whole batch of pipelined requests per call; the
// layout of the records is described on HTTP_HEAD (and in native/src/protocol/http_head.h).
import { types } from 'node:util'
import { invalidArgType, outOfRange } from './errors.js'
import { native } from './native.js'

/** The limits the head parser applies; @io/server's HttpLimits has these three among its own. */
export interface HttpHeadLimits {
  /** Request line plus field lines, in bytes: over it 431 (also for a head that has not ended within it). */
  maxHeaderBytes: number
  /** The request-target alone, in bytes: over it 414. */
  maxTargetBytes: number
  /** Field lines per head: over it 431. From 1 to 10000. */
  maxHeaderCount: number
}

/**
 * Where things are in the `out` array of {@link parseHttpHeads}. Its first elements carry the
 * limits in (MAX_HEADER_BYTES, MAX_TARGET_BYTES, MAX_HEADER_COUNT: parseHttpHeads writes them
 * from its `limits`), then `out[STOP]` says why the batch ended ({@link HTTP_HEAD_STOP}) and
 * `out[RESUME]` where the caller goes on. The records start at `BATCH_HEADER`, one per
 * request, each `RECORD_HEADER + FIELD_ELEMENTS * out[r + FIELD_COUNT]` elements long, the next
 * one right after it (see {@link httpHeadRecordLength}). In a record at `r`:
 *
 * - `out[r + STATUS]`: the head's end (> 0) when the request is accepted, or the status it is
 *   refused with, negated (-400, -414, -417, -431, -501, -505). A refusal is the batch's last
 *   record and holds nothing else (its other header elements are 0).
 * - METHOD_START/END, TARGET_START/END: the method and the request-target.
 * - MINOR: 0 or 1 (HTTP/1.0 or 1.1). FLAGS: {@link HTTP_HEAD_FLAG} bits.
 * - CONTENT_LENGTH_HIGH/LOW: the Content-Length, -1 when there is none (read it with
 *   {@link httpHeadContentLength}).
 * - FIELDS_START: just past the request line. UPGRADE_START/END: the Upgrade value, or -1.
 * - FIELD_COUNT field lines follow, 4 elements each: name start, name end, value start, value
 *   end (without surrounding whitespace).
 *
 * Every offset is absolute in the bytes parsed.
 */
export const HTTP_HEAD: Readonly<{
  MAX_HEADER_BYTES: 0
  MAX_TARGET_BYTES: 1
  MAX_HEADER_COUNT: 2
  STOP: 3
  RESUME: 4
  BATCH_HEADER: 5
  STATUS: 0
  METHOD_START: 1
  METHOD_END: 2
  TARGET_START: 3
  TARGET_END: 4
  MINOR: 5
  FLAGS: 6
  CONTENT_LENGTH_HIGH: 7
  CONTENT_LENGTH_LOW: 8
  FIELDS_START: 9
  UPGRADE_START: 10
  UPGRADE_END: 11
  FIELD_COUNT: 12
  RECORD_HEADER: 13
  FIELD_ELEMENTS: 4
  MAX_HEADER_COUNT_LIMIT: 10000
}> = Object.freeze({ ...native.httpHeadLayout })

/**
 * Why a {@link parseHttpHeads} batch ended (`out[HTTP_HEAD.STOP]`), and what `out[RESUME]` is:
 *
 * - INCOMPLETE: the bytes from RESUME to `end` hold no complete head (RESUME === end: none at
 *   all). Keep them for the next read; passing the old `end` as `scanFrom` then spares
 *   searching them again.
 * - FULL: `out` had no room for the next record; RESUME is where its head starts.
 * - HAND_OFF: the last record's request must be handled before another head can be found (a
 *   chunked body, a Content-Length body running past `end`, an Upgrade, or Connection: close /
 *   HTTP/1.0 without keep-alive); RESUME is its head's end, where its body starts.
 * - REFUSED: the last record is a refusal (including a head not ended within maxHeaderBytes,
 *   431, starting at RESUME); nothing after it may be read as a request.
 *
 * A head with a Content-Length body that lies wholly before `end` does not stop the batch: the
 * next record is the head after that body.
 */
export const HTTP_HEAD_STOP: Readonly<{ INCOMPLETE: 0; FULL: 1; HAND_OFF: 2; REFUSED: 3 }> = Object.freeze({
  ...native.httpHeadStop,
})

/** The bits of a record's FLAGS element: the same bits as @io/server's HeadFlag. */
export const HTTP_HEAD_FLAG: Readonly<{
  /** Transfer-Encoding's final coding is chunked. */
  CHUNKED: 1
  /** Connection: close. */
  CLOSE: 2
  /** Connection: keep-alive. */
  KEEP_ALIVE: 4
  /** Connection: upgrade, with an Upgrade field. */
  UPGRADE: 8
  /** Expect: 100-continue on HTTP/1.1. */
  EXPECT_CONTINUE: 16
  /** The method is HEAD. */
  HEAD: 32
  /** The target is absolute-form (scheme://authority...). */
  ABSOLUTE_FORM: 64
  /** chunked appeared in Transfer-Encoding. */
  SAW_CHUNKED: 128
  /** A coding other than chunked appeared in Transfer-Encoding. */
  OTHER_CODING: 256
}> = Object.freeze({ ...native.httpHeadFlags })

/**
 * The addon's function, read once: the addon's exports object holds many properties (V8 keeps
 * it as a dictionary), so `native.parseHttpHeads` in a call went through the generic LoadIC.
 */
const nativeParseHeads = native.parseHttpHeads as (bytes: ArrayBufferView, start: number, end: number, out: Int32Array, scanFrom: number) => number

/**
 * Parses, in one native call, every complete request head in `bytes[start, end)` that can be
 * found without handling a request first (HTTP/1.1, RFC 9112 §2-§6: the rules of @io/server's
 * TypeScript parser, with the same verdicts and offsets), writing one record per request into
 * `out` as {@link HTTP_HEAD} describes. Returns the number of records. Reads nothing outside
 * `bytes[start, end)`, copies nothing, and makes no string.
 *
 * `out` must hold {@link httpHeadsCapacity}(limits.maxHeaderCount, 1) elements at least; more
 * room lets more pipelined requests through per call. `scanFrom` (default `start`) is where
 * the search for the first head's end resumes: bytes before it, searched by an earlier call
 * that answered INCOMPLETE, are not searched again. Bad arguments throw TypeError or
 * RangeError.
 *
 * @example
 *   const out = new Int32Array(httpHeadsCapacity(limits.maxHeaderCount, 16))
 *   const count = parseHttpHeads(chunk, 0, chunk.length, out, limits)
 *   for (let k = 0, r = HTTP_HEAD.BATCH_HEADER; k < count; k++, r += httpHeadRecordLength(out, r)) {
 *     if (out[r + HTTP_HEAD.STATUS] < 0) refuse(-out[r + HTTP_HEAD.STATUS])
 *     else handle(chunk, out, r)
 *   }
 */
export function parseHttpHeads(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Int32Array,
  limits: HttpHeadLimits,
  scanFrom: number = start,
): number {
  if (!(out instanceof Int32Array) && !types.isInt32Array(out)) throw invalidArgType('out', 'an Int32Array', out)
  out[HTTP_HEAD.MAX_HEADER_BYTES] = limit(limits.maxHeaderBytes, 'maxHeaderBytes', 0)
  out[HTTP_HEAD.MAX_TARGET_BYTES] = limit(limits.maxTargetBytes, 'maxTargetBytes', 0)
  out[HTTP_HEAD.MAX_HEADER_COUNT] = limit(limits.maxHeaderCount, 'maxHeaderCount', 1, HTTP_HEAD.MAX_HEADER_COUNT_LIMIT)
  return nativeParseHeads(bytes, start, end, out, scanFrom)
}

/** `value`, checked: an integer in [min, max]. */
function limit(value: number, name: string, min: number, max = 0x7fff_ffff): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgType(name, 'an integer', value)
  if (value < min || value > max) throw outOfRange(name, `>= ${min} and <= ${max}`, value)
  return value
}

/** The elements `out` needs for `requests` records of up to `maxHeaderCount` fields each. */
export function httpHeadsCapacity(maxHeaderCount: number, requests: number): number {
  return HTTP_HEAD.BATCH_HEADER + requests * (HTTP_HEAD.RECORD_HEADER + HTTP_HEAD.FIELD_ELEMENTS * maxHeaderCount)
}

/** The length in elements of the record at `r`: the next one starts that far after it. */
export function httpHeadRecordLength(out: Int32Array, r: number): number {
  return HTTP_HEAD.RECORD_HEADER + HTTP_HEAD.FIELD_ELEMENTS * out[r + HTTP_HEAD.FIELD_COUNT]
}

/** The Content-Length of the record at `r`, or -1 when its head has none. */
export function httpHeadContentLength(out: Int32Array, r: number): number {
  return out[r + HTTP_HEAD.CONTENT_LENGTH_HIGH] * 0x1_0000_0000 + (out[r + HTTP_HEAD.CONTENT_LENGTH_LOW] >>> 0)
}
