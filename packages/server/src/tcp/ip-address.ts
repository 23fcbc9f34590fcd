/**
 * IP addresses as bytes: strict parsing of IPv4 and IPv6 text, and the canonical text back.
 *
 * Strict on purpose: these parse what a PROXY header or a trusted-network list says, where a
 * lenient reading is a way in. IPv4 is exactly four decimal numbers 0-255 without leading
 * zeros (so "010.0.0.1" is not silently read as octal by one tool and decimal by another).
 * IPv6 is eight groups of 1-4 hex digits, one `::` at most, an optional dotted IPv4 tail, and
 * no zone (`%eth0`): a zone names an interface of one host, never a network to trust.
 *
 * The text form is what inet_ntop(3) writes (glibc and libuv agree), so an address from a
 * PROXY header reads exactly like one from getpeername(2): lower case, the longest run of two
 * or more zero groups as `::` (the first, on a tie), and an IPv4-mapped or -compatible
 * address with its last 32 bits dotted.
 */

/** 4 bytes (IPv4) or 16 bytes (IPv6), in network order. */
export type IpBytes = Uint8Array

/** Parses dotted-quad IPv4 text; null when it is not exactly that. */
export function parseIpv4(text: string): IpBytes | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const value = decimalByte(parts[i])
    if (value < 0) return null
    out[i] = value
  }
  return out
}

/** 0-255 from 1-3 decimal digits without a leading zero; -1 otherwise. */
function decimalByte(part: string): number {
  if (part.length === 0 || part.length > 3 || (part.length > 1 && part.charCodeAt(0) === 0x30)) return -1
  let value = 0
  for (let i = 0; i < part.length; i++) {
    const digit = part.charCodeAt(i) - 0x30
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value <= 255 ? value : -1
}

/** Parses IPv6 text (with `::` and an optional dotted IPv4 tail, no zone); null otherwise. */
export function parseIpv6(text: string): IpBytes | null {
  if (text.length < 2 || text.length > 45) return null
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = halves[0] === '' ? [] : halves[0].split(':')
  const tail = halves.length === 1 || halves[1] === '' ? [] : halves[1].split(':')
  const groups: number[] = []
  const last = halves.length === 1 ? head : tail
  // A dotted IPv4 tail stands for the last two groups.
  let v4: IpBytes | null = null
  if (last.length > 0 && last[last.length - 1].includes('.')) {
    v4 = parseIpv4(last.pop()!)
    if (v4 === null) return null
  }
  const width = v4 === null ? 8 : 6
  for (const part of [...head, ...tail]) {
    const value = hexGroup(part)
    if (value < 0) return null
    groups.push(value)
  }
  if (halves.length === 1 ? groups.length !== width : groups.length > width - 1) return null
  const out = new Uint8Array(16)
  const put = (index: number, value: number) => {
    out[2 * index] = value >> 8
    out[2 * index + 1] = value & 0xff
  }
  head.forEach((_, i) => put(i, groups[i]))
  const tailStart = width - tail.length
  for (let i = 0; i < tail.length; i++) put(tailStart + i, groups[head.length + i])
  if (v4 !== null) out.set(v4, 12)
  return out
}

/** 0-0xffff from 1-4 hex digits; -1 otherwise. */
function hexGroup(part: string): number {
  if (part.length === 0 || part.length > 4) return -1
  let value = 0
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i)
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1
    if (digit < 0) return -1
    value = value * 16 + digit
  }
  return value
}

/** IPv4 or IPv6 text to bytes; null when it is neither. */
export function parseIp(text: string): IpBytes | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text)
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else null. */
export function unmapIpv4(bytes: IpBytes): IpBytes | null {
  if (bytes.length !== 16 || bytes[10] !== 0xff || bytes[11] !== 0xff) return null
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return null
  return bytes.subarray(12, 16)
}

/** Canonical text of 4 or 16 address bytes, as inet_ntop(3) writes it. */
export function formatIp(bytes: IpBytes): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`
  const words: number[] = []
  for (let i = 0; i < 8; i++) words.push((bytes[2 * i] << 8) | bytes[2 * i + 1])
  // The longest run of zero words (two or more), the first one on a tie.
  let bestStart = -1
  let bestLength = 0
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && words[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  if (bestLength < 2) bestStart = -1
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (bestStart >= 0 && i >= bestStart && i < bestStart + bestLength) {
      if (i === bestStart) out += ':'
      continue
    }
    if (i > 0) out += ':'
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d): dotted tail.
    if (i === 6 && bestStart === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
      return out + formatIp(bytes.subarray(12, 16))
    }
    out += words[i].toString(16)
  }
  if (bestStart >= 0 && bestStart + bestLength === 8) out += ':'
  return out
}
