// The PROXY header parser (versions 1 and 2): every valid and invalid form, each fed whole and
// one byte at a time (every prefix), since a header may arrive split anywhere.
import { describe, expect, it } from 'vitest'
import { parseProxyHeader, proxySignature, PROXY_V1_MAX_BYTES, type ProxyParse } from '../src/tcp/proxy-header.js'

const LIMIT = 4096
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]

/** A version-2 header: version/command byte, family/transport byte, then the body. */
function v2(verCmd: number, famProto: number, body: number[], declared = body.length): Buffer {
  return Buffer.from([...SIGNATURE, verCmd, famProto, declared >> 8, declared & 0xff, ...body])
}

const ip4 = (...b: number[]) => b
const port = (p: number) => [p >> 8, p & 0xff]
const tlv = (type: number, value: number[]) => [type, value.length >> 8, value.length & 0xff, ...value]
const ip6 = (text: string) => {
  const out: number[] = []
  for (const group of text.split(':')) out.push(...port(parseInt(group, 16)))
  return out
}

/** Parses every prefix of `bytes`: all but the last must be incomplete; returns the last result. */
function parseEachPrefix(bytes: Buffer): ProxyParse {
  for (let k = 0; k < bytes.length; k++) {
    const partial = parseProxyHeader(bytes.subarray(0, k), LIMIT)
    expect(partial.status, `prefix of ${k} bytes`).toBe('incomplete')
  }
  return parseProxyHeader(bytes, LIMIT)
}

/** The first prefix that is not incomplete must be invalid (with `reason`), and nothing after it complete. */
function expectInvalid(bytes: Buffer, reason: RegExp): void {
  let verdict: ProxyParse | null = null
  for (let k = 1; k <= bytes.length; k++) {
    const result = parseProxyHeader(bytes.subarray(0, k), LIMIT)
    expect(result.status, `prefix of ${k} bytes`).not.toBe('complete')
    if (result.status === 'invalid' && verdict === null) verdict = result
  }
  expect(verdict, 'rejected at some prefix').not.toBeNull()
  expect(verdict!.status === 'invalid' && verdict!.reason).toMatch(reason)
}

describe('version 1', () => {
  it.each([
    ['TCP4', 'PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n', { family: 'IPv4', address: '192.0.2.1', port: 56324 }, { family: 'IPv4', address: '198.51.100.7', port: 443 }],
    ['TCP4 extremes', 'PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n', { family: 'IPv4', address: '255.255.255.255', port: 65535 }, { family: 'IPv4', address: '0.0.0.0', port: 0 }],
    ['TCP6', 'PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n', { family: 'IPv6', address: '2001:db8::1', port: 1 }, { family: 'IPv6', address: '2001:db8::2', port: 2 }],
    ['TCP6, long form made canonical', 'PROXY TCP6 2001:0DB8:0:0:0:0:0:0001 0:0:0:0:0:ffff:7f00:1 80 8080\r\n', { family: 'IPv6', address: '2001:db8::1', port: 80 }, { family: 'IPv6', address: '::ffff:127.0.0.1', port: 8080 }],
    ['TCP6, longest line (104 bytes)', `PROXY TCP6 ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`, { family: 'IPv6', address: `${'ffff:'.repeat(7)}ffff`, port: 65535 }, { family: 'IPv6', address: `${'ffff:'.repeat(7)}ffff`, port: 65535 }],
  ])('%s', (_, text, source, destination) => {
    const bytes = Buffer.from(text + 'GET / HTTP/1.1\r\n', 'latin1')
    const header = Buffer.from(text, 'latin1')
    const whole = parseProxyHeader(bytes, LIMIT)
    expect(whole).toEqual({ status: 'complete', header: { version: 1, length: header.length, source, destination } })
    expect(parseEachPrefix(header)).toEqual(whole)
  })

  it.each([
    ['short form', 'PROXY UNKNOWN\r\n'],
    ['with fields, ignored', 'PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n'],
    ['with anything before the CRLF', 'PROXY UNKNOWN \x01\xff whatever\r\n'],
    ['worst case, 107 bytes', `PROXY UNKNOWN ${'ffff:'.repeat(7)}ffff ${'ffff:'.repeat(7)}ffff 65535 65535\r\n`],
  ])('UNKNOWN %s: no client address', (_, text) => {
    const header = Buffer.from(text, 'latin1')
    expect(header.length).toBeLessThanOrEqual(PROXY_V1_MAX_BYTES)
    expect(parseEachPrefix(header)).toEqual({ status: 'complete', header: { version: 1, length: header.length, source: null, destination: null } })
  })

  it.each([
    ['not PROXY', 'GET / HTTP/1.1\r\n', /does not start with a PROXY header/],
    ['lower case', 'proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n', /does not start with a PROXY header/],
    ['no space after PROXY', 'PROXY\r\n', /does not start with a PROXY header/],
    ['unknown protocol', 'PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n', /unknown protocol "TCP5"/],
    ['UDP4', 'PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n', /unknown protocol/],
    ['UNKNOWN glued to more', 'PROXY UNKNOWNX\r\n', /unknown protocol "UNKNOWNX"/],
    ['two spaces', 'PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n', /4 fields/],
    ['a trailing space', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n', /4 fields/],
    ['a missing port', 'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n', /4 fields/],
    ['an extra field', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n', /4 fields/],
    ['a tab', 'PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n', /4 fields/],
    ['leading zero in an address', 'PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n', /bad IPv4 source address/],
    ['octet over 255', 'PROXY TCP4 1.2.3.4 5.6.7.256 1 2\r\n', /bad IPv4 destination address/],
    ['IPv6 address under TCP4', 'PROXY TCP4 ::1 5.6.7.8 1 2\r\n', /bad IPv4 source address/],
    ['IPv4 address under TCP6', 'PROXY TCP6 ::1 5.6.7.8 1 2\r\n', /bad IPv6 destination address/],
    ['a zone', 'PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n', /bad IPv6 source address/],
    ['leading zero in a port', 'PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n', /bad source port/],
    ['port over 65535', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n', /bad destination port/],
    ['negative port', 'PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n', /bad source port/],
    ['hex port', 'PROXY TCP4 1.2.3.4 5.6.7.8 0x10 2\r\n', /bad source port/],
    ['a bare LF', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n', /line feed without a carriage return/],
    ['a bare CR', 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX\n', /carriage return without a line feed/],
    ['LF inside', 'PROXY UNKNOWN a\nb\r\n', /line feed without a carriage return/],
    ['no CRLF in 107 bytes', `PROXY UNKNOWN ${'a'.repeat(93)}`, /no CRLF within 107 bytes/],
    ['CRLF at bytes 107-108', `PROXY UNKNOWN ${'a'.repeat(92)}\r\n`, /no CRLF within 107 bytes/],
  ])('rejects %s', (_, text, reason) => {
    expectInvalid(Buffer.from(text, 'latin1'), reason)
  })

  it('rejects a non-header at its first byte, and a wrong prefix at the first wrong byte', () => {
    expect(parseProxyHeader(Buffer.from('G'), LIMIT).status).toBe('invalid')
    expect(parseProxyHeader(Buffer.from('PRX'), LIMIT).status).toBe('invalid')
    expect(parseProxyHeader(Buffer.from('PROXY'), LIMIT).status).toBe('incomplete')
  })
})

describe('version 2', () => {
  const tcp4 = [...ip4(192, 0, 2, 1), ...ip4(198, 51, 100, 7), ...port(56324), ...port(443)]
  const tcp6 = [...ip6('2001:db8:0:0:0:0:0:1'), ...ip6('0:0:0:0:0:ffff:7f00:1'), ...port(1), ...port(65535)]

  it.each([
    ['PROXY TCP over IPv4', v2(0x21, 0x11, tcp4), { family: 'IPv4', address: '192.0.2.1', port: 56324 }, { family: 'IPv4', address: '198.51.100.7', port: 443 }],
    ['PROXY TCP over IPv6', v2(0x21, 0x21, tcp6), { family: 'IPv6', address: '2001:db8::1', port: 1 }, { family: 'IPv6', address: '::ffff:127.0.0.1', port: 65535 }],
    [
      'PROXY TCP over IPv4 with TLVs (ignored)',
      v2(0x21, 0x11, [...tcp4, ...tlv(0x04, []), ...tlv(0x05, [1, 2, 3, 4, 5, 6, 7, 8]), ...tlv(0x20, [1, 0, 0, 0, 0, ...tlv(0x21, [0x54, 0x4c, 0x53])])]),
      { family: 'IPv4', address: '192.0.2.1', port: 56324 },
      { family: 'IPv4', address: '198.51.100.7', port: 443 },
    ],
  ])('%s', (_, header, source, destination) => {
    const whole = parseProxyHeader(Buffer.concat([header, Buffer.from('after')]), LIMIT)
    expect(whole).toEqual({ status: 'complete', header: { version: 2, length: header.length, source, destination } })
    expect(parseEachPrefix(header)).toEqual(whole)
  })

  it.each([
    ['LOCAL (a health check)', v2(0x20, 0x00, [])],
    ['LOCAL with an address block, ignored', v2(0x20, 0x11, tcp4)],
    ['LOCAL whose family byte is not even defined: ignored', v2(0x20, 0xff, [1, 2, 3])],
    ['PROXY UNSPEC', v2(0x21, 0x00, [])],
    ['PROXY UNSPEC with TLVs', v2(0x21, 0x00, tlv(0x02, [0x61]))],
    ['PROXY UDP over IPv4', v2(0x21, 0x12, tcp4)],
    ['PROXY UDP over IPv6', v2(0x21, 0x22, tcp6)],
    ['PROXY IPv4 with UNSPEC transport', v2(0x21, 0x10, tcp4)],
    ['PROXY UNIX stream', v2(0x21, 0x31, new Array(216).fill(0x61))],
    ['PROXY UNIX datagram', v2(0x21, 0x32, new Array(216).fill(0))],
  ])('%s: use the connection’s own addresses', (_, header) => {
    expect(parseEachPrefix(header)).toEqual({ status: 'complete', header: { version: 2, length: header.length, source: null, destination: null } })
  })

  it('takes a header of exactly the limit and rejects one byte more', () => {
    const fits = v2(0x21, 0x11, [...tcp4, ...tlv(0x04, new Array(LIMIT - 16 - 12 - 3).fill(0))])
    expect(fits.length).toBe(LIMIT)
    expect(parseEachPrefix(fits).status).toBe('complete')
    const over = v2(0x21, 0x11, [...tcp4, ...tlv(0x04, new Array(LIMIT - 16 - 12 - 2).fill(0))])
    // Rejected as soon as the length field is read, without waiting for the body.
    expect(parseProxyHeader(over.subarray(0, 16), LIMIT)).toEqual({ status: 'invalid', reason: `v2: a ${LIMIT + 1}-byte header is over the ${LIMIT}-byte limit` })
    expect(parseProxyHeader(v2(0x21, 0x11, [], 0xffff).subarray(0, 16), 65551).status).toBe('incomplete')
  })

  it.each([
    ['a wrong signature byte', Buffer.from([...SIGNATURE.slice(0, 5), 0x01, ...SIGNATURE.slice(6), 0x21, 0x11, 0, 0]), /does not start with a PROXY header/],
    ['version 1 in the binary form', v2(0x11, 0x11, tcp4), /version 1, only 2 is defined/],
    ['version 3', v2(0x31, 0x11, tcp4), /version 3/],
    ['command 2', v2(0x22, 0x11, tcp4), /unknown command 2/],
    ['command 15', v2(0x2f, 0x11, tcp4), /unknown command 15/],
    ['family 4', v2(0x21, 0x41, tcp4), /unknown address family 4/],
    ['transport 3', v2(0x21, 0x13, tcp4), /unknown transport 3/],
    ['an IPv4 block cut short', v2(0x21, 0x11, tcp4.slice(0, 11)), /11 bytes cannot hold the 12-byte address block of family 1/],
    ['an IPv6 block cut short', v2(0x21, 0x21, tcp6.slice(0, 35)), /35 bytes cannot hold the 36-byte/],
    ['a UNIX block cut short', v2(0x21, 0x31, new Array(215).fill(0)), /215 bytes cannot hold the 216-byte/],
    ['a TLV longer than the header', v2(0x21, 0x11, [...tcp4, 0x04, 0x00, 0x05, 1, 2]), /TLV of type 0x4 overruns the header by 3 bytes/],
    ['a TLV header cut short', v2(0x21, 0x11, [...tcp4, 0x04, 0x00]), /2 stray bytes after the last TLV/],
    ['a bad TLV after a good one', v2(0x21, 0x11, [...tcp4, ...tlv(0x05, [1]), 0x04, 0xff, 0xff]), /overruns/],
  ])('rejects %s', (_, header, reason) => {
    expectInvalid(header, reason)
  })

  it('rejects a bad version or command as soon as byte 13 arrives', () => {
    expect(parseProxyHeader(v2(0x11, 0x11, tcp4).subarray(0, 13), LIMIT).status).toBe('invalid')
    expect(parseProxyHeader(v2(0x23, 0x11, tcp4).subarray(0, 13), LIMIT).status).toBe('invalid')
    expect(parseProxyHeader(v2(0x21, 0x51, tcp4).subarray(0, 14), LIMIT).status).toBe('invalid')
  })
})

describe('proxySignature (screening peers that are not trusted)', () => {
  it.each([
    ['', 'partial'],
    ['P', 'partial'],
    ['PROXY', 'partial'],
    ['PROXY ', 'yes'],
    ['PROXY TCP4 ...', 'yes'],
    ['POST / HTTP/1.1', 'no'],
    ['PROXZ', 'no'],
    ['\r\n', 'partial'],
    ['\r\n\r\n', 'partial'],
    ['\r\n\r\nGET', 'no'],
    ['GET / HTTP/1.1', 'no'],
    ['\x16\x03\x01', 'no'],
  ])('%j -> %s', (text, verdict) => {
    expect(proxySignature(Buffer.from(text, 'latin1'))).toBe(verdict)
  })

  it('knows the whole version-2 signature', () => {
    expect(proxySignature(Buffer.from(SIGNATURE.slice(0, 11)))).toBe('partial')
    expect(proxySignature(Buffer.from(SIGNATURE))).toBe('yes')
    expect(proxySignature(Buffer.from([...SIGNATURE.slice(0, 11), 0x0b]))).toBe('no')
  })
})
