/**
 * Byte classes of the HTTP grammar (RFC 9110 §5.6.2, RFC 9112 §3 and §5, RFC 3986 §2-3), as
 * 256-entry lookup tables: one indexed load per byte on the parser's hot path.
 */

function table(chars: string, ranges: Array<[number, number]> = []): Uint8Array {
  const t = new Uint8Array(256)
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1
  for (const [from, to] of ranges) for (let c = from; c <= to; c++) t[c] = 1
  return t
}

const DIGIT: Array<[number, number]> = [[0x30, 0x39]]
const ALPHA: Array<[number, number]> = [
  [0x41, 0x5a],
  [0x61, 0x7a],
]

/** tchar: the bytes of a token (method, field name, coding, chunk-ext name). */
export const TCHAR = table("!#$%&'*+-.^_`|~", [...DIGIT, ...ALPHA])

/**
 * The bytes a request-target may hold: RFC 3986 unreserved, sub-delims, ":", "@", "/", "?",
 * "%" (checked further: two hex digits follow) and "[" "]" (IP-literal authorities). No space,
 * no control byte, no "#" (a fragment is never sent), nothing above 0x7E.
 */
export const TARGET = table("-._~!$&'()*+,;=:@/?%[]", [...DIGIT, ...ALPHA])

/** field-vchar plus SP and HTAB: what a field value may hold (obs-text 0x80-0xFF included). */
export const FIELD_VALUE = table('\t ', [
  [0x21, 0x7e],
  [0x80, 0xff],
])

/** Hex digit values, or 255 for a byte that is not one. */
export const HEX = (() => {
  const t = new Uint8Array(256).fill(255)
  for (let c = 0; c < 10; c++) t[0x30 + c] = c
  for (let c = 0; c < 6; c++) {
    t[0x41 + c] = 10 + c
    t[0x61 + c] = 10 + c
  }
  return t
})()

/** The bytes of a Host value: reg-name / IPv4 (unreserved, sub-delims, pct-encoded), IP-literal, ":" port. */
export const HOST = table("-._~!$&'()*+,;=%[]:", [...DIGIT, ...ALPHA])

/** qdtext and quoted-pair's second byte inside a quoted-string (chunk extensions). */
export const QDTEXT = table('\t !', [
  [0x23, 0x5b],
  [0x5d, 0x7e],
  [0x80, 0xff],
])

export const CR = 13
export const LF = 10
export const SP = 32
export const HTAB = 9
export const COLON = 58
