/**
 * The PROXY protocol header (versions 1 and 2, as HAProxy specifies them): what a load balancer
 * sends first on each connection to tell the server who the client is. This file only parses;
 * proxy-protocol.ts decides whom to believe.
 *
 * The parser is incremental in the simplest way: it is given every byte received so far and
 * answers "incomplete" (all of it fits a valid header, more is needed), "invalid" (with a
 * reason, as soon as a byte rules a header out) or "complete" (with the header's length: the
 * application's bytes start there). It never reads past the header, and never waits for more
 * than the bound: 107 bytes for version 1 (the longest line the specification allows, CRLF
 * included), 16 bytes plus the declared length, at most `maxV2Bytes` in all, for version 2.
 *
 * Version 1: `PROXY TCP4|TCP6 <src> <dst> <srcport> <dstport>\r\n`, or `PROXY UNKNOWN...\r\n`.
 * Addresses and ports are checked strictly (no leading zeros, one space between fields, a CR
 * only as part of the final CRLF).
 *
 * Version 2: a 12-byte signature, version 2 with the command LOCAL or PROXY, an address family
 * and transport, a 16-bit length, the addresses, then type-length-value extensions (TLVs).
 * LOCAL (a balancer's health check) and any family this server does not take addresses from
 * (UNSPEC, UNIX, UDP) mean "use the connection's own addresses", as the specification asks of
 * a receiver that does not implement them. TLVs are not interpreted; their framing is checked
 * (each must fit in the header) and they are skipped.
 */
import { Buffer } from 'node:buffer'
import type { SocketAddress } from '@io/core'
import { formatIp, parseIpv4, parseIpv6 } from './ip-address.js'

/** Longest version-1 header: `PROXY UNKNOWN` with two full IPv6 addresses and ports, CRLF included. */
export const PROXY_V1_MAX_BYTES = 107
/** Fixed part of a version-2 header: signature, version and command, family, length. */
export const PROXY_V2_FIXED_BYTES = 16
/** Largest possible version-2 header: the fixed part plus a 16-bit length. */
export const PROXY_V2_MAX_BYTES = PROXY_V2_FIXED_BYTES + 0xffff
/** Smallest bound a receiver can set and still take every address family (UNIX: 2 x 108 bytes). */
export const PROXY_V2_MIN_LIMIT = PROXY_V2_FIXED_BYTES + 216

const V1_PREFIX = Buffer.from('PROXY ', 'latin1')
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])
const CR = 0x0d
const LF = 0x0a
/** Bytes of the address block for each version-2 family: UNSPEC, INET, INET6, UNIX. */
const V2_ADDRESS_BYTES = [0, 12, 36, 216]
const V2_LOCAL = 0
const V2_PROXY = 1
const V2_INET = 1
const V2_INET6 = 2
const V2_STREAM = 1

/** A parsed header. */
export interface ProxyHeader {
  /** 1 (text) or 2 (binary). */
  version: 1 | 2
  /** Bytes the header takes; the connection's own data starts after them. */
  length: number
  /**
   * The client as the balancer saw it, or null when the header says to use the connection's
   * own addresses (v1 UNKNOWN, v2 LOCAL, or a v2 family other than TCP over IPv4/IPv6).
   */
  source: SocketAddress | null
  /** The address the client connected to (the balancer's), or null with `source`. */
  destination: SocketAddress | null
}

/** What {@link parseProxyHeader} found. */
export type ProxyParse =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  | { status: 'complete'; header: ProxyHeader }

const INCOMPLETE: ProxyParse = Object.freeze({ status: 'incomplete' })

/**
 * Parses the PROXY header at the start of `bytes` (everything received so far). Version 2
 * headers longer than `maxV2Bytes` (16 plus the declared length) are invalid.
 *
 * @example
 * ```ts
 * const parsed = parseProxyHeader(Buffer.from('PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\nGET /'), 4096)
 * // { status: 'complete', header: { version: 1, length: 45, source: { family: 'IPv4',
 * //   address: '192.0.2.1', port: 56324 }, destination: { ..., port: 443 } } }
 * ```
 */
export function parseProxyHeader(bytes: Uint8Array, maxV2Bytes: number): ProxyParse {
  if (bytes.length === 0) return INCOMPLETE
  if (bytes[0] === V1_PREFIX[0]) return parseV1(bytes)
  if (bytes[0] === V2_SIGNATURE[0]) return parseV2(bytes, maxV2Bytes)
  return invalid('the connection does not start with a PROXY header')
}

/**
 * How the first bytes of a connection compare with the start of a PROXY header (either
 * version): 'no' once they differ, 'partial' while they are a strict prefix of a signature,
 * 'yes' once a whole signature ("PROXY " or the 12 bytes of version 2) is there.
 */
export function proxySignature(bytes: Uint8Array): 'no' | 'partial' | 'yes' {
  const v1 = matchPrefix(bytes, V1_PREFIX)
  const v2 = matchPrefix(bytes, V2_SIGNATURE)
  if (v1 === 'yes' || v2 === 'yes') return 'yes'
  return v1 === 'partial' || v2 === 'partial' ? 'partial' : 'no'
}

function matchPrefix(bytes: Uint8Array, pattern: Uint8Array): 'no' | 'partial' | 'yes' {
  const n = Math.min(bytes.length, pattern.length)
  for (let i = 0; i < n; i++) if (bytes[i] !== pattern[i]) return 'no'
  return n === pattern.length ? 'yes' : 'partial'
}

function invalid(reason: string): ProxyParse {
  return { status: 'invalid', reason }
}

// ---- version 1 --------------------------------------------------------------------------

function parseV1(bytes: Uint8Array): ProxyParse {
  if (matchPrefix(bytes, V1_PREFIX) === 'no') return invalid('the connection does not start with a PROXY header')
  const window = Math.min(bytes.length, PROXY_V1_MAX_BYTES)
  let end = -1
  for (let i = 0; i < window; i++) {
    if (bytes[i] === LF) return invalid('v1: a line feed without a carriage return')
    if (bytes[i] === CR) {
      end = i
      break
    }
  }
  if (end < 0) return bytes.length >= PROXY_V1_MAX_BYTES ? invalid(`v1: no CRLF within ${PROXY_V1_MAX_BYTES} bytes`) : INCOMPLETE
  if (end + 2 > PROXY_V1_MAX_BYTES) return invalid(`v1: no CRLF within ${PROXY_V1_MAX_BYTES} bytes`)
  if (end + 1 === bytes.length) return INCOMPLETE
  if (bytes[end + 1] !== LF) return invalid('v1: a carriage return without a line feed')
  const line = Buffer.from(bytes.buffer, bytes.byteOffset + V1_PREFIX.length, end - V1_PREFIX.length).toString('latin1')
  const length = end + 2
  if (line === 'UNKNOWN' || line.startsWith('UNKNOWN ')) {
    return { status: 'complete', header: { version: 1, length, source: null, destination: null } }
  }
  const fields = line.split(' ')
  const protocol = fields[0]
  if (protocol !== 'TCP4' && protocol !== 'TCP6') return invalid(`v1: unknown protocol ${JSON.stringify(protocol)}`)
  if (fields.length !== 5) return invalid('v1: expected 4 fields after the protocol, separated by single spaces')
  const family = protocol === 'TCP4' ? 'IPv4' : 'IPv6'
  const parse = protocol === 'TCP4' ? parseIpv4 : parseIpv6
  const source = parse(fields[1])
  const destination = parse(fields[2])
  const sourcePort = decimalPort(fields[3])
  const destinationPort = decimalPort(fields[4])
  if (source === null) return invalid(`v1: bad ${family} source address ${JSON.stringify(fields[1])}`)
  if (destination === null) return invalid(`v1: bad ${family} destination address ${JSON.stringify(fields[2])}`)
  if (sourcePort < 0) return invalid(`v1: bad source port ${JSON.stringify(fields[3])}`)
  if (destinationPort < 0) return invalid(`v1: bad destination port ${JSON.stringify(fields[4])}`)
  return {
    status: 'complete',
    header: {
      version: 1,
      length,
      source: { family, address: formatIp(source), port: sourcePort },
      destination: { family, address: formatIp(destination), port: destinationPort },
    },
  }
}

/** 0-65535 written in decimal without leading zeros; -1 otherwise. */
function decimalPort(text: string): number {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return -1
  const port = Number(text)
  return port <= 0xffff ? port : -1
}

// ---- version 2 --------------------------------------------------------------------------

function parseV2(bytes: Uint8Array, maxV2Bytes: number): ProxyParse {
  if (matchPrefix(bytes, V2_SIGNATURE) === 'no') return invalid('the connection does not start with a PROXY header')
  if (bytes.length > 12) {
    const version = bytes[12] >> 4
    const command = bytes[12] & 0x0f
    if (version !== 2) return invalid(`v2: version ${version}, only 2 is defined`)
    if (command !== V2_LOCAL && command !== V2_PROXY) return invalid(`v2: unknown command ${command}`)
    // LOCAL: "the family is ignored" (the specification); PROXY: it must be a defined one.
    if (bytes.length > 13 && command === V2_PROXY) {
      const family = bytes[13] >> 4
      const transport = bytes[13] & 0x0f
      if (family > 3) return invalid(`v2: unknown address family ${family}`)
      if (transport > 2) return invalid(`v2: unknown transport ${transport}`)
    }
  }
  if (bytes.length < PROXY_V2_FIXED_BYTES) return INCOMPLETE
  const declared = (bytes[14] << 8) | bytes[15]
  const length = PROXY_V2_FIXED_BYTES + declared
  if (length > maxV2Bytes) return invalid(`v2: a ${length}-byte header is over the ${maxV2Bytes}-byte limit`)
  if (bytes.length < length) return INCOMPLETE
  const local: ProxyParse = { status: 'complete', header: { version: 2, length, source: null, destination: null } }
  if ((bytes[12] & 0x0f) === V2_LOCAL) return local
  const family = bytes[13] >> 4
  const transport = bytes[13] & 0x0f
  const addressBytes = V2_ADDRESS_BYTES[family]
  if (declared < addressBytes) return invalid(`v2: ${declared} bytes cannot hold the ${addressBytes}-byte address block of family ${family}`)
  const tlvProblem = checkTlvs(bytes, PROXY_V2_FIXED_BYTES + addressBytes, length)
  if (tlvProblem !== null) return invalid(tlvProblem)
  if (transport !== V2_STREAM || (family !== V2_INET && family !== V2_INET6)) return local
  const width = family === V2_INET ? 4 : 16
  const at = PROXY_V2_FIXED_BYTES
  const ports = at + 2 * width
  const name = family === V2_INET ? 'IPv4' : 'IPv6'
  return {
    status: 'complete',
    header: {
      version: 2,
      length,
      source: { family: name, address: formatIp(bytes.subarray(at, at + width)), port: (bytes[ports] << 8) | bytes[ports + 1] },
      destination: {
        family: name,
        address: formatIp(bytes.subarray(at + width, at + 2 * width)),
        port: (bytes[ports + 2] << 8) | bytes[ports + 3],
      },
    },
  }
}

/** Each TLV in [start, end) is a type byte, a 16-bit length and that many bytes. */
function checkTlvs(bytes: Uint8Array, start: number, end: number): string | null {
  let at = start
  while (at < end) {
    if (at + 3 > end) return `v2: ${end - at} stray bytes after the last TLV`
    const length = (bytes[at + 1] << 8) | bytes[at + 2]
    if (at + 3 + length > end) return `v2: TLV of type 0x${bytes[at].toString(16)} overruns the header by ${at + 3 + length - end} bytes`
    at += 3 + length
  }
  return null
}
