// The native head parser agrees with @io/server's TypeScript parser: the same verdict, offsets
// and flags for every request of the HTTP corpus, every prefix of it, and seeded mutations of
// it; and parseHttpHeads keeps its batch contract (where it stops, where it resumes, FULL and
// scanFrom) and refuses bad arguments.
import { describe, expect, it } from 'vitest'
import {
  HTTP_HEAD,
  HTTP_HEAD_FLAG,
  HTTP_HEAD_STOP,
  httpHeadContentLength,
  httpHeadRecordLength,
  httpHeadsCapacity,
  parseHttpHeads,
  type HttpHeadLimits,
} from '@io/core'
import { ChunkedDecoder } from '../../server/src/http/chunked-decoder.js'
import { HeadFlag, RequestHead, findHeadEnd, parseHead } from '../../server/src/http/head-parser.js'
import { HTTP_DEFAULTS, type HttpLimits } from '../../server/src/http/limits.js'
import { loadHttpCorpus } from '../../server/tests/http-corpus/corpus.js'
import { seededRandom } from '../../server/tests/http-corpus/seeded-random.js'

/** One request as either parser saw it; a refusal is its status alone. */
type HeadRecord =
  | { status: number }
  | {
      status: number
      methodStart: number
      methodEnd: number
      targetStart: number
      targetEnd: number
      minor: number
      flags: number
      contentLength: number
      fieldsStart: number
      upgradeStart: number
      upgradeEnd: number
      fields: number[]
    }

interface Batch {
  records: HeadRecord[]
  stop: number
  resume: number
}

const TYPE = expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
const RANGE = expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })

function limitsOf(overrides: Partial<HttpHeadLimits> = {}): HttpLimits {
  return { ...HTTP_DEFAULTS, ...overrides }
}

/** True when a batch cannot go on past this accepted head without its request being handled. */
function handsOff(flags: number, minor: number, contentLength: number, bodyRoom: number): boolean {
  if ((flags & (HeadFlag.Chunked | HeadFlag.Upgrade | HeadFlag.Close)) !== 0) return true
  if (minor === 0 && (flags & HeadFlag.KeepAlive) === 0) return true
  return contentLength > bodyRoom
}

/**
 * The batch as the TypeScript parser gives it: findHeadEnd and parseHead head after head, as
 * the HTTP session calls them (431 for a head not ended within maxHeaderBytes), stopping where
 * parseHttpHeads is documented to stop.
 */
function typescriptBatch(buf: Uint8Array, start: number, end: number, limits: HttpLimits): Batch {
  const head = new RequestHead(limits.maxHeaderCount)
  const records: HeadRecord[] = []
  let at = start
  for (;;) {
    const headEnd = findHeadEnd(buf, at, at, end)
    if (headEnd < 0) {
      if (end - at <= limits.maxHeaderBytes) return { records, stop: HTTP_HEAD_STOP.INCOMPLETE, resume: at }
      records.push({ status: -431 })
      return { records, stop: HTTP_HEAD_STOP.REFUSED, resume: at }
    }
    const verdict = parseHead(buf, at, headEnd, limits, head)
    if (verdict < 0) {
      records.push({ status: verdict })
      return { records, stop: HTTP_HEAD_STOP.REFUSED, resume: at }
    }
    records.push({
      status: verdict,
      methodStart: head.methodStart,
      methodEnd: head.methodEnd,
      targetStart: head.targetStart,
      targetEnd: head.targetEnd,
      minor: head.minor,
      flags: head.flags,
      contentLength: head.contentLength,
      fieldsStart: head.fieldsStart,
      upgradeStart: head.upgradeStart,
      upgradeEnd: head.upgradeEnd,
      fields: Array.from(head.fields.subarray(0, 4 * head.fieldCount)),
    })
    if (handsOff(head.flags, head.minor, head.contentLength, end - headEnd)) {
      return { records, stop: HTTP_HEAD_STOP.HAND_OFF, resume: headEnd }
    }
    at = headEnd + Math.max(head.contentLength, 0)
  }
}

/** The records of one parseHttpHeads call, read back from `out`. */
function readBatch(out: Int32Array, count: number): Batch {
  const H = HTTP_HEAD
  const records: HeadRecord[] = []
  let r: number = H.BATCH_HEADER
  for (let k = 0; k < count; k++, r += httpHeadRecordLength(out, r)) {
    const status = out[r + H.STATUS]
    if (status < 0) {
      expect(Array.from(out.subarray(r + 1, r + H.RECORD_HEADER))).toEqual(new Array(H.RECORD_HEADER - 1).fill(0))
      records.push({ status })
      continue
    }
    records.push({
      status,
      methodStart: out[r + H.METHOD_START],
      methodEnd: out[r + H.METHOD_END],
      targetStart: out[r + H.TARGET_START],
      targetEnd: out[r + H.TARGET_END],
      minor: out[r + H.MINOR],
      flags: out[r + H.FLAGS],
      contentLength: httpHeadContentLength(out, r),
      fieldsStart: out[r + H.FIELDS_START],
      upgradeStart: out[r + H.UPGRADE_START],
      upgradeEnd: out[r + H.UPGRADE_END],
      fields: Array.from(out.subarray(r + H.RECORD_HEADER, r + httpHeadRecordLength(out, r))),
    })
  }
  return { records, stop: out[H.STOP], resume: out[H.RESUME] }
}

/**
 * parseHttpHeads over `buf[start, end)`, given a copy that ends at `end` in memory of its own: under
 * AddressSanitizer a read past `end` is then a read past the allocation, and reported.
 */
function nativeBatch(buf: Uint8Array, start: number, end: number, limits: HttpHeadLimits, requests = 64, scanFrom = start): Batch {
  if (end < buf.length) buf = new Uint8Array(buf.subarray(0, end))
  const out = new Int32Array(httpHeadsCapacity(limits.maxHeaderCount, requests))
  return readBatch(out, parseHttpHeads(buf, start, end, out, limits, scanFrom))
}

/** Both parsers over the whole of `bytes`: the TypeScript parser's batch, and whether the native one is the same. */
function bothBatches(bytes: Uint8Array, limits: HttpLimits): { expected: Batch; same: boolean } {
  const expected = typescriptBatch(bytes, 0, bytes.length, limits)
  return { expected, same: JSON.stringify(nativeBatch(bytes, 0, bytes.length, limits)) === JSON.stringify(expected) }
}

/**
 * Both parsers over the whole of `buf`, batch after batch: after a hand-off the next batch
 * starts where that request ends (past its chunked body, decoded by the server's decoder, or
 * its Content-Length body), so every request of a stream is compared, not only the first
 * batch. Returns how many records were compared.
 */
function compareStream(buf: Uint8Array, limits: HttpLimits, where: string): number {
  let at = 0
  let compared = 0
  while (at < buf.length) {
    const expected = typescriptBatch(buf, at, buf.length, limits)
    const actual = nativeBatch(new Uint8Array(buf), at, buf.length, limits)
    expect(actual, `${where} from byte ${at}`).toEqual(expected)
    compared += expected.records.length
    if (expected.stop !== HTTP_HEAD_STOP.HAND_OFF) break
    const last = expected.records[expected.records.length - 1] as Extract<HeadRecord, { flags: number }>
    at = expected.resume
    if ((last.flags & HeadFlag.Chunked) !== 0) {
      const decoder = new ChunkedDecoder(Number.MAX_SAFE_INTEGER, limits.maxHeaderBytes, limits.maxHeaderBytes)
      const stop = decoder.decode(buf, at, buf.length)
      if (stop < 0 || !decoder.done) break
      at = stop
    } else {
      at += Math.max(last.contentLength, 0)
    }
  }
  return compared
}

const corpus = loadHttpCorpus()
const streams = corpus.map((c) => ({
  id: c.id,
  limits: limitsOf(c.limits),
  bytes: Buffer.concat(c.steps.flatMap((step) => (step.kind === 'send' ? [step.bytes] : []))),
}))

describe('the native head parser agrees with the TypeScript one', () => {
  it('on every request of the HTTP corpus', () => {
    let compared = 0
    for (const stream of streams) compared += compareStream(stream.bytes, stream.limits, stream.id)
    expect(streams.length).toBeGreaterThan(100)
    expect(compared).toBeGreaterThan(streams.length)
  })

  it('on every prefix of every corpus stream (incomplete heads, and 431 for ones too long)', () => {
    for (const stream of streams) {
      // Every prefix of the streams of a few KB; of the longer ones (up to 64 KB) 512 of them
      // spread evenly, and every one around maxHeaderBytes, where 431 starts.
      const length = stream.bytes.length
      const step = Math.max(1, Math.floor(length / 512))
      const limit = stream.limits.maxHeaderBytes
      const ends = new Set<number>([length])
      for (let end = 0; end <= length; end += step) ends.add(end)
      for (let end = limit - 3; end <= limit + 3; end++) if (end >= 0 && end <= length) ends.add(end)
      for (const end of ends) {
        const expected = typescriptBatch(stream.bytes, 0, end, stream.limits)
        expect(nativeBatch(stream.bytes, 0, end, stream.limits), `${stream.id}, first ${end} bytes`).toEqual(expected)
      }
    }
  })

  it('on seeded random mutations of the corpus, under random limits', () => {
    const random = seededRandom(20240612)
    const verdicts = new Map<number, number>()
    for (const stream of streams) {
      for (let m = 0; m < 60; m++) {
        const bytes = mutate(stream.bytes, random)
        const limits = random() < 0.3 ? randomLimits(random, bytes.length) : stream.limits
        const where = `${stream.id}, mutation ${m}: ${JSON.stringify(bytes.toString('latin1').slice(0, 300))} with ${JSON.stringify(limits)}`
        compareStream(bytes, limits, where)
        const first = typescriptBatch(bytes, 0, bytes.length, limits).records[0]
        if (first !== undefined) verdicts.set(Math.min(first.status, 1), (verdicts.get(Math.min(first.status, 1)) ?? 0) + 1)
      }
    }
    // The mutations reach both accepted heads and every kind of refusal.
    expect(verdicts.get(1)).toBeGreaterThan(500)
    for (const status of [-400, -414, -417, -431, -501, -505]) expect(verdicts.get(status), `refusals ${-status}`).toBeGreaterThan(0)
  })
})

describe('parseHttpHeads', () => {
  const limits = limitsOf()
  const get = (path: string, more = '') => `GET ${path} HTTP/1.1\r\nHost: example.com\r\n${more}\r\n`

  it('parses 16 pipelined heads in one call', () => {
    const bytes = Buffer.from(Array.from({ length: 16 }, (_, i) => get(`/${i}`)).join(''))
    const batch = nativeBatch(bytes, 0, bytes.length, limits)
    expect(batch.records).toHaveLength(16)
    expect(batch.stop).toBe(HTTP_HEAD_STOP.INCOMPLETE)
    expect(batch.resume).toBe(bytes.length)
    expect(batch).toEqual(typescriptBatch(bytes, 0, bytes.length, limits))
  })

  it('goes on past a Content-Length body that has arrived, and hands off one that has not', () => {
    const post = 'POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n'
    const whole = Buffer.from(`${post}hello${get('/next')}`)
    const batch = nativeBatch(whole, 0, whole.length, limits)
    expect(batch.records.map((r) => r.status)).toEqual([post.length, whole.length])
    const cut = Buffer.from(`${post}hel`)
    expect(nativeBatch(cut, 0, cut.length, limits)).toMatchObject({ stop: HTTP_HEAD_STOP.HAND_OFF, resume: post.length })
  })

  it.each([
    ['a chunked body', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['an upgrade', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'],
    ['Connection: close', 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.0 without keep-alive', 'GET / HTTP/1.0\r\n\r\n'],
  ])('hands off after %s, with the next head left unparsed', (_, head) => {
    const bytes = Buffer.from(head + get('/next'))
    const batch = nativeBatch(bytes, 0, bytes.length, limits)
    expect(batch).toMatchObject({ stop: HTTP_HEAD_STOP.HAND_OFF, resume: head.length })
    expect(batch.records).toHaveLength(1)
  })

  it('goes on after an HTTP/1.0 request that asks for keep-alive', () => {
    const bytes = Buffer.from(`GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n${get('/next')}`)
    expect(nativeBatch(bytes, 0, bytes.length, limits).records).toHaveLength(2)
  })

  it('stops at a refusal and reads nothing after it', () => {
    const bytes = Buffer.from(`${get('/a')}GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n${get('/c')}`)
    const batch = nativeBatch(bytes, 0, bytes.length, limits)
    expect(batch.records.map((r) => r.status)).toEqual([get('/a').length, -400])
    expect(batch).toMatchObject({ stop: HTTP_HEAD_STOP.REFUSED, resume: get('/a').length })
  })

  it('reads nothing at or past `end`', () => {
    const bytes = Buffer.from(get('/'))
    // The head ends 1 byte past `end`: incomplete, whatever the buffer holds further on.
    const out = new Int32Array(httpHeadsCapacity(limits.maxHeaderCount, 1))
    expect(parseHttpHeads(bytes, 0, bytes.length - 1, out, limits)).toBe(0)
    expect([out[HTTP_HEAD.STOP], out[HTTP_HEAD.RESUME]]).toEqual([HTTP_HEAD_STOP.INCOMPLETE, 0])
    // A head that starts at `start` and parses as if the buffer began there.
    const padded = Buffer.concat([Buffer.from('garbage'), bytes])
    expect(nativeBatch(padded, 7, padded.length, limits).records[0]).toMatchObject({ status: padded.length, methodStart: 7 })
  })

  it('answers 431 for a head that has not ended within maxHeaderBytes', () => {
    const small = limitsOf({ maxHeaderBytes: 40 })
    const bytes = Buffer.from(`${get('/')}GET /${'x'.repeat(40)}`)
    const batch = nativeBatch(bytes, 0, bytes.length, small)
    expect(batch).toMatchObject({ stop: HTTP_HEAD_STOP.REFUSED, resume: get('/').length })
    expect(batch.records.map((r) => r.status)).toEqual([get('/').length, -431])
  })

  it('reports a Content-Length beyond 32 bits exactly', () => {
    for (const length of [0, 2 ** 31, 2 ** 32 + 7, 999_999_999_999_999]) {
      const bytes = Buffer.from(`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${length}\r\n\r\n`)
      const [record] = nativeBatch(bytes, 0, bytes.length, limits).records
      expect(record).toMatchObject({ contentLength: length })
    }
  })

  it('fills a small `out` with whole records only, and the next call from RESUME gives the rest', () => {
    const bytes = Buffer.from(get('/a') + get('/b', 'X-One: 1\r\nX-Two: 2\r\n') + get('/c') + get('/d', 'X-Three: 3\r\n'))
    const whole = nativeBatch(bytes, 0, bytes.length, limits)
    for (const maxHeaderCount of [1, 2, 3, 5]) {
      const small = limitsOf({ maxHeaderCount: Math.max(maxHeaderCount, 3) })
      for (let room = httpHeadsCapacity(small.maxHeaderCount, 1); room < httpHeadsCapacity(small.maxHeaderCount, 4); room += 3) {
        const records: HeadRecord[] = []
        let at = 0
        let calls = 0
        for (;;) {
          const out = new Int32Array(room)
          const batch = readBatch(out, parseHttpHeads(bytes, at, bytes.length, out, small))
          records.push(...batch.records)
          at = batch.resume
          calls++
          if (batch.stop !== HTTP_HEAD_STOP.FULL) break
          expect(batch.records.length).toBeGreaterThan(0)
        }
        expect(records, `room ${room}`).toEqual(whole.records)
        if (room < httpHeadsCapacity(small.maxHeaderCount, 2)) expect(calls).toBeGreaterThan(1)
      }
    }
  })

  it('reads every byte value at every offset of a field value as the TypeScript parser does', () => {
    // Values of lengths around the 16-byte blocks the native scan reads: as the last field (its
    // end then lies in the head's last 16 bytes, read as one block that overlaps the one before),
    // followed by a short or a long field, and after a longer run of fields.
    const lengths = [1, 15, 16, 17, 32, 33]
    const mismatches: string[] = []
    let refused = 0
    for (const length of lengths) {
      for (const [before, after] of [['', ''], ['', 'Y: z\r\n'], ['Accept: */*\r\n'.repeat(2), ''], ['', 'Y: '.padEnd(40, 'z') + '\r\n']]) {
        const prefix = Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${before}X: `)
        const suffix = Buffer.from(`\r\n${after}\r\n`)
        for (let at = 0; at < length; at++) {
          for (let byte = 0; byte < 256; byte++) {
            const value = Buffer.alloc(length, 'v')
            value[at] = byte
            const bytes = Buffer.concat([prefix, value, suffix])
            const { expected, same } = bothBatches(bytes, limits)
            if (expected.records[0]?.status === -400) refused++
            if (!same) {
              mismatches.push(`byte ${byte} at ${at} of ${length}, before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`)
            }
          }
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([])
    // Each control byte but HTAB, and DEL, refuses the head wherever it is (CR and LF included:
    // a bare one, or a line of its own without a colon).
    expect(refused).toBe(4 * lengths.reduce((sum, n) => sum + n, 0) * 32)
  })

  it('reads every byte value at every offset of a request-target, and every %-escape, as the TypeScript parser does', () => {
    // Targets of lengths around the 16-byte blocks the native scans read (the run of target
    // bytes, and the search for '%'), each followed by the version and a field or two.
    const lengths = [2, 15, 16, 17, 32, 33]
    const mismatches: string[] = []
    let compared = 0
    const compare = (target: Buffer, what: string) => {
      const bytes = Buffer.concat([Buffer.from('GET '), target, Buffer.from(' HTTP/1.1\r\nHost: a\r\n\r\n')])
      compared++
      if (!bothBatches(bytes, limits).same) mismatches.push(what)
    }
    for (const length of lengths) {
      for (let at = 1; at < length; at++) {
        for (let byte = 0; byte < 256; byte++) {
          const target = Buffer.alloc(length, 'p')
          target[0] = 0x2f // '/'
          target[at] = byte
          compare(target, `byte ${byte} at ${at} of ${length}`)
        }
        // An escape at `at`: whole and valid, with a bad digit, or cut short by the target's end;
        // and a second one further on, since each '%' found is checked in turn.
        for (const escape of ['%4a', '%4A', '%4g', '%g4', '%4', '%', '%%4a']) {
          for (const second of ['', '%zz', '%20']) {
            const target = Buffer.from(('/'.padEnd(at, 'p') + escape + 'q'.repeat(Math.max(0, length - at - escape.length)) + second).slice(0, length + second.length))
            compare(target, `${JSON.stringify(escape)} at ${at} of ${length}, then ${JSON.stringify(second)}`)
          }
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([])
    expect(compared).toBeGreaterThan(30_000)
  })

  it('finds the end of a head wherever it lies against the 16-byte blocks, past decoy line ends', () => {
    // Heads of 48 consecutive lengths, and heads with bare LFs, CR LF CR and LF CR LF in values
    // (each refused, but only once the true end is found), pipelined in every pair and cut at every
    // byte; scanFrom at every offset of the first head short of its end (where a caller that
    // found no end would resume).
    const heads: string[] = []
    for (let pad = 0; pad < 48; pad++) heads.push(get('/'.padEnd(1 + pad, 'p')))
    heads.push(get('/', 'X: a\nb\r\n'), get('/', 'X: a\r\n\rb\r\n'), get('/', 'X: \n\r\nb\r\n'))
    let compared = 0
    for (let k = 0; k < heads.length; k++) {
      const bytes = Buffer.from(heads[k] + heads[(k * 7) % heads.length])
      for (let end = 0; end <= bytes.length; end++) {
        expect(nativeBatch(bytes, 0, end, limits), `head ${k}, first ${end} bytes`).toEqual(typescriptBatch(bytes, 0, end, limits))
        compared++
      }
      const whole = nativeBatch(bytes, 0, bytes.length, limits)
      for (let from = 0; from < heads[k].length; from++) {
        expect(nativeBatch(bytes, 0, bytes.length, limits, 64, from), `head ${k}, scanFrom ${from}`).toEqual(whole)
      }
    }
    expect(compared).toBeGreaterThan(5000)
  })

  it('resumes the search for a head end at scanFrom with the same result as a fresh search', () => {
    for (const stream of streams.slice(0, 60)) {
      const whole = nativeBatch(stream.bytes, 0, stream.bytes.length, stream.limits)
      for (let split = 0; split <= stream.bytes.length; split += 7) {
        const first = nativeBatch(stream.bytes, 0, split, stream.limits)
        if (first.stop !== HTTP_HEAD_STOP.INCOMPLETE || first.resume !== 0) continue
        expect(nativeBatch(stream.bytes, 0, stream.bytes.length, stream.limits, 64, split), `${stream.id} at ${split}`).toEqual(whole)
      }
    }
  })

  it('does not find a head in empty lines that arrived in two reads', () => {
    // The TypeScript session resumes its search 3 bytes before the old end and can take the
    // middle of leading empty lines for the end of a head; the native search skips them first.
    const bytes = Buffer.from(`\r\n\r\n\r\n\r\n${get('/')}`)
    const batch = nativeBatch(bytes, 0, bytes.length, limits, 4, 5)
    expect(batch.records).toHaveLength(1)
    expect(batch.records[0]).toMatchObject({ status: bytes.length, methodStart: 8 })
  })

  it('parses bytes that share their memory with `out` without reading or writing outside either', () => {
    // Records overwrite the bytes as they are parsed: the results mean nothing, but every
    // offset stays within the bytes and every record within `out`.
    const memory = new ArrayBuffer(4 * httpHeadsCapacity(limits.maxHeaderCount, 2))
    const bytes = new Uint8Array(memory)
    bytes.set(Buffer.from(get('/a') + get('/b').repeat(40)).subarray(0, bytes.length))
    const out = new Int32Array(memory, 0, httpHeadsCapacity(limits.maxHeaderCount, 1))
    const beyondOut = Buffer.from(bytes.subarray(out.byteLength))
    const count = parseHttpHeads(bytes, 0, bytes.length, out, limits)
    expect(count).toBeLessThanOrEqual(1)
    expect(Buffer.from(bytes.subarray(out.byteLength)).equals(beyondOut)).toBe(true)
    expect(out[HTTP_HEAD.RESUME]).toBeGreaterThanOrEqual(0)
    expect(out[HTTP_HEAD.RESUME]).toBeLessThanOrEqual(bytes.length)
  })

  it('has the flag bits of the TypeScript parser', () => {
    expect(HTTP_HEAD_FLAG).toEqual({
      CHUNKED: HeadFlag.Chunked,
      CLOSE: HeadFlag.Close,
      KEEP_ALIVE: HeadFlag.KeepAlive,
      UPGRADE: HeadFlag.Upgrade,
      EXPECT_CONTINUE: HeadFlag.ExpectContinue,
      HEAD: HeadFlag.Head,
      ABSOLUTE_FORM: HeadFlag.AbsoluteForm,
      SAW_CHUNKED: HeadFlag.SawChunked,
      OTHER_CODING: HeadFlag.OtherCoding,
    })
  })

  it('refuses bad arguments with TypeError and RangeError', () => {
    const bytes = Buffer.from(get('/'))
    const out = new Int32Array(httpHeadsCapacity(limits.maxHeaderCount, 1))
    expect(() => parseHttpHeads('GET' as never, 0, 3, out, limits)).toThrow(TYPE)
    expect(() => parseHttpHeads(bytes, 0, bytes.length, new Uint32Array(out.length) as never, limits)).toThrow(TYPE)
    expect(() => parseHttpHeads(bytes, 0.5, bytes.length, out, limits)).toThrow(TYPE)
    expect(() => parseHttpHeads(bytes, 0, bytes.length, out, { ...limits, maxHeaderBytes: '1' as never })).toThrow(TYPE)
    expect(() => parseHttpHeads(bytes, 0, bytes.length + 1, out, limits)).toThrow(RANGE)
    expect(() => parseHttpHeads(bytes, 5, 4, out, limits)).toThrow(RANGE)
    expect(() => parseHttpHeads(bytes, -1, 4, out, limits)).toThrow(RANGE)
    expect(() => parseHttpHeads(bytes, 2, 4, out, limits, 1)).toThrow(RANGE)
    expect(() => parseHttpHeads(bytes, 0, 4, out, limits, 5)).toThrow(RANGE)
    expect(() => parseHttpHeads(bytes, 0, bytes.length, out, { ...limits, maxHeaderCount: 0 })).toThrow(RANGE)
    expect(() => parseHttpHeads(bytes, 0, bytes.length, out.subarray(1), limits)).toThrow(RANGE)
    const detached = new Uint8Array(64)
    structuredClone(detached.buffer, { transfer: [detached.buffer] })
    expect(() => parseHttpHeads(detached, 0, 1, out, limits)).toThrow(RANGE)
    expect(parseHttpHeads(detached, 0, 0, out, limits)).toBe(0)
  })
})

// ---- mutations ------------------------------------------------------------------------------

const INTERESTING = [13, 10, 32, 9, 58, 0, 0x7f, 0x80, 0xff, 44, 37, 91, 93, 47, 42, 64, 97, 48, 57, 34, 59, 61, 46, 65]
const FIELD_LINES = [
  'Host: example.com',
  'Host: [::1]:8080',
  'Host: [::ffff:10.0.0.1]',
  'Host: [v1.fe]:80',
  'Host: a@b',
  'host: x:99x',
  'Content-Length: 0',
  'Content-Length: 12',
  'content-length: 1234567890123456',
  'Content-Length: 99999999999',
  'Content-Length: 1, 1',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip, chunked',
  'transfer-encoding: chunked, gzip',
  'Transfer-Encoding: chunked ,',
  'Connection: close',
  'Connection: keep-alive, Upgrade',
  'Upgrade: websocket',
  'Expect: 100-continue',
  'expect: 100-Continue',
  'Expect: later',
  ' folded',
  'X-Empty:',
  'X-Tab:\tv\t',
  'Bad Name: v',
]
const REQUEST_LINES = ['OPTIONS * HTTP/1.1', 'GET * HTTP/1.1', 'HEAD / HTTP/1.0', 'GET http://a/b HTTP/1.1', 'GET http:// HTTP/1.1', 'GET HTTPS://a HTTP/1.1', 'GET / HTTP/2.0', 'GET / HTTP/1.9', 'GET a:b HTTP/1.1', 'GET /%4 HTTP/1.1']

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]
}

/** Offsets just past each LF of `bytes` (line starts), and 0. */
function lineStarts(bytes: number[]): number[] {
  const starts = [0]
  bytes.forEach((b, i) => b === 10 && starts.push(i + 1))
  return starts
}

/** 1 to 4 random edits of `source`: bytes changed, inserted or deleted, lines added, replaced, repeated or removed. */
function mutate(source: Buffer, random: () => number): Buffer {
  const bytes = Array.from(source)
  const edits = 1 + Math.floor(random() * 4)
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (bytes.length + 1))
    const starts = lineStarts(bytes)
    const line = pick(random, starts)
    const lineEnd = bytes.indexOf(10, line) + 1 || bytes.length
    switch (Math.floor(random() * 9)) {
      case 0:
        bytes[at] = Math.floor(random() * 256)
        break
      case 1:
        bytes[at] = pick(random, INTERESTING)
        break
      case 2:
        bytes.splice(at, 0, pick(random, INTERESTING))
        break
      case 3:
        bytes.splice(at, 1)
        break
      case 4: {
        // A field line added, or put in the place of one (never of the request line).
        const where = line === 0 ? lineEnd : line
        const replaced = line === 0 || random() < 0.5 ? 0 : lineEnd - line
        bytes.splice(where, replaced, ...Buffer.from(`${pick(random, FIELD_LINES)}\r\n`))
        break
      }
      case 5:
        bytes.splice(line, 0, ...bytes.slice(line, lineEnd))
        break
      case 6:
        bytes.splice(line, lineEnd - line)
        break
      case 7:
        bytes.splice(0, bytes.indexOf(13) < 0 ? 0 : bytes.indexOf(13), ...Buffer.from(pick(random, REQUEST_LINES)))
        break
      default:
        if (random() < 0.5) bytes.unshift(13, 10)
        else if (bytes[at] !== undefined && /[a-z]/i.test(String.fromCharCode(bytes[at]))) bytes[at] ^= 0x20
    }
  }
  return Buffer.from(bytes.map((b) => b ?? 0))
}

function randomLimits(random: () => number, length: number): HttpLimits {
  return limitsOf({
    maxHeaderBytes: 16 + Math.floor(random() * (length + 16)),
    maxTargetBytes: 1 + Math.floor(random() * 32),
    maxHeaderCount: 1 + Math.floor(random() * 6),
  })
}
