// Trusted-network lists: the IP text parser and formatter under them (checked against Node's
// own, which is libuv's inet_pton/inet_ntop), CIDR parsing and its errors, and membership.
import { isIP, SocketAddress } from 'node:net'
import { describe, expect, it } from 'vitest'
import { parseNetworks } from '../src/tcp/cidr.js'
import { formatIp, parseIp, parseIpv4, parseIpv6 } from '../src/tcp/ip-address.js'
import { payload } from './helpers.js'

/** libuv's text for an address, through Node's SocketAddress (inet_pton then inet_ntop). */
function libuvText(text: string): string {
  return new SocketAddress({ address: text, family: text.includes(':') ? 'ipv6' : 'ipv4' }).address
}

/** Random addresses with long runs of zeros and ffff, the cases where text forms differ. */
function randomAddresses(count: number, seed: number): Uint8Array[] {
  const noise = payload(count * 32, seed)
  const out: Uint8Array[] = []
  for (let k = 0; k < count; k++) {
    const bytes = new Uint8Array(16)
    for (let w = 0; w < 8; w++) {
      const pick = noise[k * 32 + w] % 4
      const value = pick === 0 ? 0 : pick === 1 ? 0xffff : (noise[k * 32 + 8 + 2 * w] << 8) | noise[k * 32 + 9 + 2 * w]
      bytes[2 * w] = value >> 8
      bytes[2 * w + 1] = value & 0xff
    }
    out.push(bytes)
  }
  return out
}

function fullText(bytes: Uint8Array): string {
  const words = []
  for (let i = 0; i < 8; i++) words.push(((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16))
  return words.join(':')
}

describe('IP text', () => {
  it('formats IPv6 exactly as inet_ntop does (zero runs, ties, mapped and compatible IPv4)', () => {
    const fixed = ['::', '::1', '1::', '1::1', '1:0:0:1:0:0:0:1', '1:0:0:2:0:0:3:4', '::ffff:1.2.3.4', '::1.2.3.4', '::ffff:0:1', '0:1:0:1:0:1:0:1']
    for (const text of fixed) expect(formatIp(parseIpv6(text)!), text).toBe(libuvText(text))
    for (const bytes of randomAddresses(2000, 7)) {
      const text = fullText(bytes)
      expect(formatIp(bytes), text).toBe(libuvText(text))
      expect(parseIpv6(text)).toEqual(bytes)
      expect(parseIpv6(formatIp(bytes))).toEqual(bytes)
    }
  })

  it('accepts exactly what Node accepts (without zones), and parses to the same bytes', () => {
    const valid = ['0.0.0.0', '255.255.255.255', '10.0.0.1', '::', '::1', 'FFFF::', 'a:B:c:D:e:F:0:1', '::ffff:127.0.0.1', '1:2:3:4:5:6:1.2.3.4', '1::1.2.3.4']
    const invalid = [
      '', '1', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.04', '1..2.3', ' 1.2.3.4', '1.2.3.4 ', '-1.2.3.4', '1.2.3.a',
      ':', ':::', '1:::2', ':1::2', '1::2:', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8',
      '12345::', 'g::', '1::2::3', '::1.2.3', '::1.2.3.4.5', '::01.2.3.4', '1.2.3.4::', '1:2:3:4:5:6:7:1.2.3.4', '::ffff:256.1.1.1',
    ]
    for (const text of valid) {
      expect(isIP(text), text).not.toBe(0)
      expect(parseIp(text), text).not.toBeNull()
      expect(formatIp(parseIp(text)!)).toBe(libuvText(text))
    }
    for (const text of invalid) {
      expect(isIP(text), text).toBe(0)
      expect(parseIp(text), text).toBeNull()
    }
    // Mutations of valid addresses: one character dropped, doubled or replaced.
    const alphabet = '0123456789abcdefABCDEF:.g %'
    const noise = payload(20000, 3)
    let n = 0
    for (let k = 0; k < 4000; k++) {
      const base = valid[noise[n++] % valid.length]
      const at = noise[n++] % base.length
      const c = alphabet[noise[n++] % alphabet.length]
      const mode = noise[n++] % 3
      const text = mode === 0 ? base.slice(0, at) + base.slice(at + 1) : mode === 1 ? base.slice(0, at) + c + base.slice(at) : base.slice(0, at) + c + base.slice(at + 1)
      if (text.includes('%')) {
        expect(parseIp(text), `${text}: a zone is never accepted`).toBeNull()
        continue
      }
      const parsed = parseIp(text)
      expect(parsed !== null, text).toBe(isIP(text) !== 0)
      if (parsed !== null) expect(formatIp(parsed), text).toBe(libuvText(text))
    }
  })

  it('reads IPv4 as 4 bytes', () => {
    expect(parseIpv4('192.0.2.33')).toEqual(new Uint8Array([192, 0, 2, 33]))
    expect(formatIp(new Uint8Array([10, 0, 0, 255]))).toBe('10.0.0.255')
  })
})

describe('parseNetworks', () => {
  const trusted = parseNetworks(['127.0.0.1/32', '10.0.0.0/8', '192.168.4.0/22', '::1/128', '2001:db8::/32', '172.16.0.1'], 'trusted')

  it.each([
    ['127.0.0.1', true],
    ['127.0.0.2', false],
    ['10.255.1.2', true],
    ['11.0.0.0', false],
    ['192.168.4.1', true],
    ['192.168.7.255', true],
    ['192.168.8.0', false],
    ['192.168.3.255', false],
    ['172.16.0.1', true],
    ['172.16.0.2', false],
    ['::1', true],
    ['::2', false],
    ['2001:db8:ffff::1', true],
    ['2001:db9::', false],
    ['::ffff:10.1.2.3', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:11.1.2.3', false],
    ['::10.1.2.3', false],
    ['not an address', false],
  ])('%s -> %s', (address, expected) => {
    expect(trusted.has(address)).toBe(expected)
  })

  it('matches everything with /0 and nothing with an empty list', () => {
    const all = parseNetworks(['0.0.0.0/0', '::/0'], 'trusted')
    expect(all.has('203.0.113.9')).toBe(true)
    expect(all.has('2001:db8::1')).toBe(true)
    expect(parseNetworks([], 'trusted').has('127.0.0.1')).toBe(false)
  })

  it('rejects bad lists with TypeError or RangeError naming the entry', () => {
    const bad = (list: unknown) => () => parseNetworks(list, 'trusted')
    expect(bad('10.0.0.0/8')).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    expect(bad([10])).toThrow(/"trusted\[0\]" must be a CIDR string/)
    expect(bad(['10.0.0.0/8', 'localhost'])).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('"trusted[1]" is not an IPv4 or IPv6 address') }),
    )
    expect(bad(['10.0.0.0/33'])).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }))
    expect(bad(['::/129'])).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }))
    expect(bad(['10.0.0.0/08'])).toThrow(/prefix length that is not a decimal number/)
    expect(bad(['10.0.0.0/'])).toThrow(/prefix length that is not a decimal number/)
    expect(bad(['10.0.0.1/8'])).toThrow(/bits set past its \/8 prefix \(did you mean "10\.0\.0\.0\/8"\?\)/)
    expect(bad(['2001:db8::1/32'])).toThrow(/did you mean "2001:db8::\/32"/)
    expect(bad(['fe80::1%eth0/64'])).toThrow(/not an IPv4 or IPv6 address/)
  })
})
