/**
 * The request head parser (RFC 9112 §2-§6, RFC 9110): request line and header section, parsed
 * in place over the bytes as they arrived, with no string or object made per field. It fills a
 * reusable {@link RequestHead}: offsets of the method, the target and every field, and the
 * framing it decided (body length, chunked, keep-alive, Expect, Upgrade).
 *
 * Strict by design: every rule that guards against request smuggling or a confused parser is
 * enforced (bare CR or LF, whitespace before a colon, obs-fold, control bytes, Host count,
 * Content-Length syntax and duplicates, Content-Length with Transfer-Encoding, codings). A head
 * is parsed only once it is complete (the caller finds its end first), so a slow client costs
 * one scan per arrival of bytes, never a re-parse per byte.
 */
import { COLON, CR, FIELD_VALUE, HEX, HOST, HTAB, LF, SP, TARGET, TCHAR } from './char-classes.js'
import type { HttpLimits } from './limits.js'

/** Most decimal digits a Content-Length may have (2^53 is 16 digits; a body limit stops it far earlier). */
const MAX_LENGTH_DIGITS = 15

/** Bits of `RequestHead.flags`. */
export const enum HeadFlag {
  /** Transfer-Encoding: chunked (the final coding). */
  Chunked = 1,
  /** Connection: close. */
  Close = 2,
  /** Connection: keep-alive. */
  KeepAlive = 4,
  /** Connection: upgrade, with an Upgrade field. */
  Upgrade = 8,
  /** Expect: 100-continue (HTTP/1.1). */
  ExpectContinue = 16,
  /** The method is HEAD. */
  Head = 32,
  /** The target is absolute-form (scheme://authority...). */
  AbsoluteForm = 64,
  /** Transfer-Encoding named chunked somewhere (it may appear once only). */
  SawChunked = 128,
  /** Transfer-Encoding named a coding other than chunked. */
  OtherCoding = 256,
}

/**
 * Where things are in a parsed head. Offsets are absolute in the buffer passed to
 * `parseHead`; `fields` holds 4 numbers per field line: name start, name end, value start,
 * value end (the value without its surrounding whitespace).
 */
export class RequestHead {
  methodStart = 0
  methodEnd = 0
  targetStart = 0
  targetEnd = 0
  /** 0 or 1 (HTTP/1.0 or HTTP/1.1; a higher 1.x minor is read as 1.1). */
  minor = 1
  fieldCount = 0
  fields: Int32Array
  /** Body length from Content-Length; -1 when there is none (and 0 then, unless chunked). */
  contentLength = -1
  flags = 0
  /** Where the field lines start (just past the request line's CRLF), and where the head ends. */
  fieldsStart = 0
  headEnd = 0
  /** The Upgrade field's value, when there is one. */
  upgradeStart = -1
  upgradeEnd = -1

  constructor(maxFields: number) {
    this.fields = new Int32Array(4 * maxFields)
  }
}

/**
 * What `parseHead` returns besides a head end: 0 while the head is incomplete; otherwise the
 * HTTP status to answer (and close) with, negated.
 */
export const INCOMPLETE = 0

/**
 * Finds where the head starting at `start` ends: the index just past its empty line, or -1
 * while it has not all arrived. `from` is where to resume looking (bytes before it were
 * searched already). Empty lines before a request line are skipped by `parseHead`, not here.
 */
export function findHeadEnd(buf: Uint8Array, start: number, from: number, end: number): number {
  let i = Math.max(start, from - 3)
  // Skip leading empty lines (RFC 9112 §2.2): their CRLF is not the end of a head.
  while (i === start && i + 1 < end && buf[i] === CR && buf[i + 1] === LF) {
    start += 2
    i = start
  }
  for (; i + 3 < end; i++) {
    if (buf[i + 3] === LF && buf[i + 2] === CR && buf[i + 1] === LF && buf[i] === CR) return i + 4
  }
  return -1
}

/**
 * Parses the head starting at `start` from the bytes `buf[start, end)` into `head`, in one pass.
 * Returns the index just past the head when the request is acceptable, INCOMPLETE (0) when the
 * bytes end before the head does, or the negated status of its refusal (-400, -414, -431, -501,
 * -505, -417). Bytes past the head (a pipelined request) are not looked at.
 */
export function parseHead(buf: Uint8Array, start: number, end: number, limits: HttpLimits, head: RequestHead): number {
  let i = start
  while (buf[i] === CR && buf[i + 1] === LF) i += 2 // empty lines before the request line
  if (i + 1 >= end) return INCOMPLETE
  // Incomplete heads are measured by the caller; a complete one past the limit is refused here.

  // method SP
  head.methodStart = i
  while (TCHAR[buf[i]] === 1) i++
  if (i >= end) return INCOMPLETE
  if (i === head.methodStart || buf[i] !== SP) return -400
  head.methodEnd = i++

  // request-target SP
  head.targetStart = i
  while (TARGET[buf[i]] === 1) i++
  const targetEnd = i
  if (targetEnd - head.targetStart > limits.maxTargetBytes) return -414
  if (i >= end) return INCOMPLETE
  if (targetEnd === head.targetStart || buf[i] !== SP) return -400
  head.targetEnd = targetEnd
  i++
  head.flags = 0
  const form = targetForm(buf, head)
  if (form < 0) return form

  // HTTP-version CRLF
  if (i + 10 > end) return versionPrefix(buf, i, end) ? INCOMPLETE : -400
  if (buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 || buf[i + 4] !== 0x2f) return -400
  const major = buf[i + 5] - 0x30
  const minor = buf[i + 7] - 0x30
  if (major < 0 || major > 9 || buf[i + 6] !== 0x2e || minor < 0 || minor > 9) return -400
  if (buf[i + 8] !== CR || buf[i + 9] !== LF) return -400
  if (major !== 1) return -505
  head.minor = minor === 0 ? 0 : 1
  i += 10
  head.fieldsStart = i
  if (form === ASTERISK && !isOptions(buf, head)) return -400

  // field lines, up to the empty line
  head.fieldCount = 0
  head.contentLength = -1
  head.upgradeStart = head.upgradeEnd = -1
  let hosts = 0
  let transferEncodings = 0
  let contentLengths = 0
  const maxFields = limits.maxHeaderCount
  const fields = head.fields
  for (;;) {
    if (i >= end || i - start > limits.maxHeaderBytes) return i >= end ? INCOMPLETE : -431
    if (buf[i] === CR) {
      if (i + 1 >= end) return INCOMPLETE
      if (buf[i + 1] !== LF) return -400
      i += 2
      break
    }
    // A line starting with whitespace: obs-fold, or whitespace before the first field.
    const nameStart = i
    while (TCHAR[buf[i]] === 1) i++
    const nameEnd = i
    if (i >= end) return INCOMPLETE
    if (nameEnd === nameStart || buf[i] !== COLON) return -400
    i++
    while (buf[i] === SP || buf[i] === HTAB) i++
    const valueStart = i
    while (FIELD_VALUE[buf[i]] === 1) i++
    let valueEnd = i
    if (i + 1 >= end) return INCOMPLETE
    if (buf[i] !== CR || buf[i + 1] !== LF) return -400
    i += 2
    while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HTAB)) valueEnd--
    if (head.fieldCount === maxFields) return -431
    const f = 4 * head.fieldCount++
    fields[f] = nameStart
    fields[f + 1] = nameEnd
    fields[f + 2] = valueStart
    fields[f + 3] = valueEnd

    // The fields that decide framing and connection handling.
    switch (nameEnd - nameStart) {
      case 4:
        if (nameIs(buf, nameStart, 'host')) {
          if (++hosts > 1 || !validHost(buf, valueStart, valueEnd)) return -400
        }
        break
      case 6:
        if (nameIs(buf, nameStart, 'expect')) {
          if (!valueIs(buf, valueStart, valueEnd, '100-continue')) return -417
          if (head.minor === 1) head.flags |= HeadFlag.ExpectContinue
        }
        break
      case 7:
        if (nameIs(buf, nameStart, 'upgrade')) {
          head.upgradeStart = valueStart
          head.upgradeEnd = valueEnd
        }
        break
      case 10:
        if (nameIs(buf, nameStart, 'connection')) head.flags |= connectionTokens(buf, valueStart, valueEnd)
        break
      case 14:
        if (nameIs(buf, nameStart, 'content-length')) {
          if (++contentLengths > 1) return -400
          const length = decimal(buf, valueStart, valueEnd)
          if (length < 0) return -400
          head.contentLength = length
        }
        break
      case 17:
        if (nameIs(buf, nameStart, 'transfer-encoding')) {
          transferEncodings++
          const coding = codings(buf, valueStart, valueEnd, head)
          if (coding < 0) return coding
        }
        break
    }
  }

  if (i - start > limits.maxHeaderBytes + 2) return -431
  // Framing (RFC 9112 §6.1-§6.3) and Host (§3.2).
  if (head.minor === 1 && hosts !== 1) return -400
  if (transferEncodings > 0) {
    if (head.minor === 0 || contentLengths > 0) return -400
    if ((head.flags & HeadFlag.Chunked) === 0) return -400 // the final coding is not chunked
    if ((head.flags & HeadFlag.OtherCoding) !== 0) return -501 // gzip, chunked: not decoded here
  }
  if ((head.flags & HeadFlag.Upgrade) !== 0 && head.upgradeStart < 0) head.flags &= ~HeadFlag.Upgrade
  if (head.methodEnd - head.methodStart === 4 && buf[head.methodStart] === 0x48 && nameIs(buf, head.methodStart, 'HEAD')) {
    head.flags |= HeadFlag.Head
  }
  head.headEnd = i
  return i
}

/** True when `buf[i, end)` could still begin "HTTP/d.d" + CRLF. */
function versionPrefix(buf: Uint8Array, i: number, end: number): boolean {
  const expect = [0x48, 0x54, 0x54, 0x50, 0x2f]
  for (let k = 0; i + k < end; k++) {
    const c = buf[i + k]
    if (k < 5 ? c !== expect[k] : k === 6 ? c !== 0x2e : k === 8 ? c !== CR : k === 9 ? c !== LF : c < 0x30 || c > 0x39) return false
  }
  return true
}

const ORIGIN = 1
const ABSOLUTE = 2
const ASTERISK = 3

/** origin-form, absolute-form (http/https), or `*`; anything else (authority-form outside CONNECT) is refused. */
function targetForm(buf: Uint8Array, head: RequestHead): number {
  const s = head.targetStart
  const e = head.targetEnd
  for (let k = s; k < e; k++) {
    if (buf[k] === 0x25 && (HEX[buf[k + 1]] === 255 || HEX[buf[k + 2]] === 255 || k + 2 >= e)) return -400
  }
  if (buf[s] === 0x2f) return ORIGIN
  if (e - s === 1 && buf[s] === 0x2a) return ASTERISK
  // absolute-form: scheme "://" authority path-abempty [ "?" query ]
  let k = s
  while (k < e && ((buf[k] | 0x20) >= 0x61 && (buf[k] | 0x20) <= 0x7a)) k++
  if (k > s && buf[k] === COLON && buf[k + 1] === 0x2f && buf[k + 2] === 0x2f && k + 3 < e) {
    head.flags |= HeadFlag.AbsoluteForm
    return ABSOLUTE
  }
  return -400
}

function isOptions(buf: Uint8Array, head: RequestHead): boolean {
  return head.methodEnd - head.methodStart === 7 && nameIs(buf, head.methodStart, 'OPTIONS')
}

/** True when the bytes at `at` are `name`, ASCII case-insensitively (`name` is lower-case or exact). */
function nameIs(buf: Uint8Array, at: number, name: string): boolean {
  for (let k = 0; k < name.length; k++) {
    const c = buf[at + k]
    const want = name.charCodeAt(k)
    if (c !== want && (c | 0x20) !== want) return false
  }
  return true
}

function valueIs(buf: Uint8Array, start: number, end: number, value: string): boolean {
  return end - start === value.length && nameIs(buf, start, value)
}

/** 1*DIGIT, nothing else (no sign, no list, no inner space); -1 when malformed or too long. */
function decimal(buf: Uint8Array, start: number, end: number): number {
  if (start === end || end - start > MAX_LENGTH_DIGITS) return -1
  let n = 0
  for (let k = start; k < end; k++) {
    const d = buf[k] - 0x30
    if (d < 0 || d > 9) return -1
    n = n * 10 + d
  }
  return n
}

/** uri-host [ ":" port ] (RFC 9110 §7.2); empty is allowed (no authority). */
function validHost(buf: Uint8Array, start: number, end: number): boolean {
  if (start === end) return true
  let k = start
  if (buf[k] === 0x5b) {
    // IP-literal: "[" ... "]"
    while (k < end && buf[k] !== 0x5d) {
      const c = buf[k]
      if (c !== 0x5b && c !== COLON && c !== 0x2e && HEX[c] === 255 && (c | 0x20) !== 0x76) return false
      k++
    }
    if (k === end) return false
    k++
  } else {
    while (k < end && buf[k] !== COLON) {
      if (HOST[buf[k]] !== 1 || buf[k] === 0x5b || buf[k] === 0x5d || buf[k] === 0x40) return false
      k++
    }
  }
  if (k === end) return true
  if (buf[k] !== COLON) return false
  for (k++; k < end; k++) if (buf[k] < 0x30 || buf[k] > 0x39) return false
  return true
}

/** The Connection options this server acts on: close, keep-alive, upgrade. */
function connectionTokens(buf: Uint8Array, start: number, end: number): number {
  let flags = 0
  let k = start
  while (k < end) {
    while (k < end && (buf[k] === SP || buf[k] === HTAB || buf[k] === 0x2c)) k++
    const s = k
    while (k < end && TCHAR[buf[k]] === 1) k++
    const n = k - s
    if (n === 5 && nameIs(buf, s, 'close')) flags |= HeadFlag.Close
    else if (n === 10 && nameIs(buf, s, 'keep-alive')) flags |= HeadFlag.KeepAlive
    else if (n === 7 && nameIs(buf, s, 'upgrade')) flags |= HeadFlag.Upgrade
    while (k < end && buf[k] !== 0x2c) k++
  }
  return flags
}

/**
 * A Transfer-Encoding field line (there may be several: they form one list). Keeps
 * HeadFlag.Chunked set exactly when the list so far ends with "chunked", and notes any other
 * coding (HeadFlag.OtherCoding): the caller refuses a list that does not end with chunked (400)
 * and one with a coding this server does not decode (501). Returns -400 for a malformed list,
 * or chunked given twice.
 */
function codings(buf: Uint8Array, start: number, end: number, head: RequestHead): number {
  let k = start
  let count = 0
  while (k < end) {
    while (k < end && (buf[k] === SP || buf[k] === HTAB)) k++
    const s = k
    while (k < end && TCHAR[buf[k]] === 1) k++
    const n = k - s
    if (n === 0) return -400
    while (k < end && (buf[k] === SP || buf[k] === HTAB)) k++
    if (k < end && buf[k] !== 0x2c) return -400 // parameters, or bytes that are no list
    k++
    count++
    if (n === 7 && nameIs(buf, s, 'chunked')) {
      if ((head.flags & HeadFlag.SawChunked) !== 0) return -400
      head.flags |= HeadFlag.Chunked | HeadFlag.SawChunked
    } else {
      head.flags = (head.flags & ~HeadFlag.Chunked) | HeadFlag.OtherCoding
    }
  }
  return count === 0 ? -400 : 0
}
