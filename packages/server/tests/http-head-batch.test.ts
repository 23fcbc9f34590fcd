// HeadBatch: the native parser's records taken one at a time, as parseHead would return them;
// never a record of other bytes, whatever was parsed in between.
import { describe, expect, it } from 'vitest'
import { HeadBatch } from '../src/http/head-batch.js'
import { INCOMPLETE, RequestHead, parseHead } from '../src/http/head-parser.js'
import { HTTP_DEFAULTS } from '../src/http/limits.js'

const limits = { ...HTTP_DEFAULTS }
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`

/** What parseHead makes of the head at `i`: its verdict and the head's fields. */
function typescript(buf: Buffer, i: number): [number, Record<string, unknown>] {
  const head = new RequestHead(limits.maxHeaderCount)
  const verdict = parseHead(buf, i, buf.length, limits, head)
  return [verdict, snapshot(head)]
}

function snapshot(head: RequestHead): Record<string, unknown> {
  const { fields, fieldCount, ...rest } = head
  return { ...rest, fieldCount, fields: [...fields.subarray(0, 4 * fieldCount)] }
}

describe('HeadBatch', () => {
  it('takes pipelined heads in order, a body between them included, as parseHead reads each', () => {
    const buf = Buffer.from(get('/1') + get('/2', 'Content-Length: 3\r\n') + 'abc' + get('/3') + 'GET /4 HTTP/1.1\r\nHo')
    const batch = new HeadBatch(limits)
    const head = new RequestHead(limits.maxHeaderCount)
    const seen: number[] = []
    let i = 0
    for (;;) {
      const verdict = batch.next(buf, i, buf.length, head)
      const [expected, fields] = typescript(buf, i)
      expect(verdict).toBe(expected)
      if (verdict <= 0) break
      batch.fieldsOf(head)
      expect(snapshot(head)).toEqual(fields)
      seen.push(verdict)
      i = verdict + Math.max(0, head.contentLength)
    }
    expect(seen.length).toBe(3)
    expect(buf.subarray(i).toString()).toBe('GET /4 HTTP/1.1\r\nHo')
  })

  it('never takes a record parsed from other bytes in between', () => {
    const a = Buffer.from(get('/a1') + get('/a2/longer') + get('/a3'))
    const b = Buffer.from(get('/b1') + get('/b2'))
    const batch = new HeadBatch(limits)
    const head = new RequestHead(limits.maxHeaderCount)
    const first = batch.next(a, 0, a.length, head)
    expect(first).toBe(typescript(a, 0)[0])
    // Another session's read (a handler's side effect) parses its own bytes meanwhile.
    expect(batch.next(b, 0, b.length, head)).toBe(typescript(b, 0)[0])
    // Back in the first read: its second head, not b's second record.
    expect(batch.next(a, first, a.length, head)).toBe(typescript(a, first)[0])
    expect(a.toString('latin1', head.targetStart, head.targetEnd)).toBe('/a2/longer')
    // The same bytes, a shorter end: parsed again, not taken from the longer parse.
    const second = head.headEnd
    expect(batch.next(a, second, second + 5, head)).toBe(INCOMPLETE)
    batch.clear()
    expect(batch.next(a, second, a.length, head)).toBe(a.length)
    expect(a.toString('latin1', head.targetStart, head.targetEnd)).toBe('/a3')
  })

  it('returns a refusal as parseHead does, and parses again after it', () => {
    const buf = Buffer.from(get('/ok') + 'GET /bad HTTP/2.0\r\nHost: a\r\n\r\n')
    const batch = new HeadBatch(limits)
    const head = new RequestHead(limits.maxHeaderCount)
    const end = batch.next(buf, 0, buf.length, head)
    expect(batch.next(buf, end, buf.length, head)).toBe(typescript(buf, end)[0])
    expect(typescript(buf, end)[0]).toBe(-505)
  })
})
