/**
 * Lists of networks in CIDR notation ("10.0.0.0/8", "::1/128"), and whether an address is in
 * one: the trusted sources of the PROXY protocol.
 *
 * A peer on a dual-stack (IPv6) listener that connected over IPv4 shows up as an IPv4-mapped
 * address (::ffff:10.1.2.3); it is matched as the IPv4 address it is, so "10.0.0.0/8" trusts
 * it whichever kind of socket accepted it.
 */
import { invalidArgType, outOfRange } from '../errors.js'
import { formatIp, parseIp, unmapIpv4, type IpBytes } from './ip-address.js'

interface Network {
  bytes: IpBytes
  prefix: number
}

/** A set of IPv4 and IPv6 networks. Build it with {@link parseNetworks}. */
export class NetworkList {
  private readonly v4: Network[]
  private readonly v6: Network[]

  /** @internal Use parseNetworks. */
  constructor(networks: Network[]) {
    this.v4 = networks.filter((n) => n.bytes.length === 4)
    this.v6 = networks.filter((n) => n.bytes.length === 16)
  }

  /** True when `address` (IPv4 or IPv6 text, as getpeername reports it) is in one of the networks. */
  has(address: string): boolean {
    let bytes = parseIp(address)
    if (bytes === null) return false
    bytes = unmapIpv4(bytes) ?? bytes
    for (const network of bytes.length === 4 ? this.v4 : this.v6) {
      if (inNetwork(bytes, network)) return true
    }
    return false
  }
}

function inNetwork(bytes: IpBytes, network: Network): boolean {
  const whole = network.prefix >> 3
  for (let i = 0; i < whole; i++) if (bytes[i] !== network.bytes[i]) return false
  const rest = network.prefix & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return (bytes[whole] & mask) === network.bytes[whole]
}

/**
 * Parses CIDR strings into a {@link NetworkList}. An address without a prefix is one host
 * (/32 or /128). Throws TypeError (ERR_INVALID_ARG_VALUE) for text that is not an address or
 * that has bits set past its prefix ("10.0.0.1/8": did you mean 10.0.0.0/8?), RangeError
 * (ERR_OUT_OF_RANGE) for a prefix longer than the address. `name` names the option in errors.
 *
 * @example
 * ```ts
 * const trusted = parseNetworks(['127.0.0.1/32', '10.0.0.0/8', '::1/128'], 'trusted')
 * trusted.has('10.2.3.4')          // true
 * trusted.has('::ffff:10.2.3.4')   // true: IPv4-mapped
 * ```
 */
export function parseNetworks(list: unknown, name: string): NetworkList {
  if (!Array.isArray(list)) throw invalidArgType(name, 'an array of CIDR strings', list)
  return new NetworkList(list.map((entry, i) => parseNetwork(entry, `${name}[${i}]`)))
}

function parseNetwork(text: unknown, name: string): Network {
  if (typeof text !== 'string') throw invalidArgType(name, 'a CIDR string such as "10.0.0.0/8"', text)
  const slash = text.indexOf('/')
  const address = slash < 0 ? text : text.slice(0, slash)
  const bytes = parseIp(address)
  if (bytes === null) throw invalidValue(name, text, 'is not an IPv4 or IPv6 address (with an optional /prefix)')
  const bits = bytes.length * 8
  let prefix = bits
  if (slash >= 0) {
    const digits = text.slice(slash + 1)
    if (!/^(0|[1-9][0-9]{0,2})$/.test(digits)) throw invalidValue(name, text, 'has a prefix length that is not a decimal number')
    prefix = Number(digits)
    if (prefix > bits) throw outOfRange(`${name} prefix length`, `<= ${bits} for an IPv${bytes.length === 4 ? 4 : 6} address`, prefix)
  }
  const masked = maskTo(bytes, prefix)
  if (masked.some((b, i) => b !== bytes[i])) {
    throw invalidValue(name, text, `has bits set past its /${prefix} prefix (did you mean "${formatIp(masked)}/${prefix}"?)`)
  }
  return { bytes, prefix }
}

function maskTo(bytes: IpBytes, prefix: number): IpBytes {
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i))
    out[i] = bytes[i] & ((0xff << (8 - keep)) & 0xff)
  }
  return out
}

function invalidValue(name: string, value: string, problem: string): TypeError & { code: string } {
  const error = new TypeError(`"${name}" ${problem}, got ${JSON.stringify(value)}`) as TypeError & { code: string }
  error.code = 'ERR_INVALID_ARG_VALUE'
  return error
}
