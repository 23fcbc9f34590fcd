import { describe, expect, it } from 'vitest'
import { decodeByteNotation, encodeByteNotation } from './http-corpus/byte-notation.js'
import { CaseFormatError, parseCaseFile } from './http-corpus/case-file.js'
import { listCaseFiles } from './http-corpus/corpus.js'
import { compareObservation, type HandlerReport } from './http-corpus/handler-report.js'
import { parseResponse } from './http-corpus/response-parser.js'

const TOPICS = ['request-line', 'headers', 'framing', 'chunked', 'limits', 'pipelining', 'valid']
const REFERENCES = ['node:http']
const sources = listCaseFiles()

describe('the HTTP corpus files', () => {
  it('exist in every topic', () => {
    const topics = new Set(sources.map((source) => source.id.split('/')[0]))
    expect([...topics].sort()).toEqual([...TOPICS].sort())
  })

  it.each(sources.map((source) => [source.id, source] as const))('%s parses and is well-formed', (id, source) => {
    const testCase = parseCaseFile(id, source.markdown)
    expect(id).toMatch(/^[a-z-]+\/[a-z0-9]+(-[a-z0-9]+)*$/)
    expect(TOPICS).toContain(testCase.topic)
    expect(testCase.citations.length).toBeGreaterThan(0)
    for (const reference of Object.keys(testCase.knownDisagreements)) expect(REFERENCES).toContain(reference)
    for (const step of testCase.steps) {
      if (step.kind === 'expect') for (const response of step.responses) expect(response.statuses.length + Number(response.noResponse)).toBeGreaterThan(0)
    }
  })

  it('have unique titles', () => {
    const titles = sources.map((source) => source.markdown.split('\n')[0])
    expect(titles.filter((title, index) => titles.indexOf(title) !== index)).toEqual([])
  })
})

describe('case file format', () => {
  const good = ['# Title', '', 'Rule (must): RFC 9112 §3.2: a reason.', '', '```send', 'GET / HTTP/1.1\\r\\n', 'Host: a\\r\\n', '\\r\\n', '```', '', '```expect', '200', '{"url": "/"}', 'open', '```']

  it('parses a minimal case', () => {
    const testCase = parseCaseFile('valid/minimal', good.join('\n'))
    expect(testCase.strength).toBe('must')
    expect(testCase.citations).toEqual(['RFC 9112 §3.2'])
    expect(testCase.terminal).toBe('open')
    expect(testCase.steps[0]).toMatchObject({ kind: 'send', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n') })
    expect(testCase.steps[1]).toMatchObject({ kind: 'expect', responses: [{ statuses: [200], observation: { url: '/' } }] })
  })

  it.each([
    ['no Rule line', (lines: string[]) => lines.filter((line) => !line.startsWith('Rule'))],
    ['a Rule without a citation', (lines: string[]) => lines.map((line) => (line.startsWith('Rule') ? 'Rule (must): because.' : line))],
    ['no terminal line', (lines: string[]) => lines.filter((line) => line !== 'open')],
    ['an observation on a non-200 status', (lines: string[]) => lines.map((line) => (line === '200' ? '400' : line))],
    ['an unknown observation key', (lines: string[]) => lines.map((line) => (line.startsWith('{') ? '{"uri": "/"}' : line))],
    ['an unknown block', (lines: string[]) => lines.map((line) => (line === '```expect' ? '```json' : line))],
    ['a trailing space in a send block', (lines: string[]) => lines.map((line) => (line === 'Host: a\\r\\n' ? 'Host: a ' : line))],
    ['"none" with open', (lines: string[]) => lines.map((line) => (line === '200' ? '400 or none' : line)).filter((line) => !line.startsWith('{'))],
    ['an unknown server option', (lines: string[]) => [...lines, '```server', '{"bodyLimits": 5}', '```']],
  ])('rejects %s', (_, alter) => {
    expect(() => parseCaseFile('valid/broken', alter(good).join('\n'))).toThrow(CaseFormatError)
  })
})

describe('byte notation', () => {
  it('decodes escapes and repeats, ignoring the line breaks of the block', () => {
    expect(decodeByteNotation('A\\r\\n\n\\0\\x7f\\t\\\\\\{{ab*3}')).toEqual(Buffer.from('A\r\n\0\x7f\t\\{ababab', 'latin1'))
  })

  it.each([
    ['a trailing space', 'abc '],
    ['a raw tab', 'a\tb'],
    ['a raw non-ASCII character', 'café'],
    ['an unknown escape', '\\q'],
    ['a short hex escape', '\\x4'],
    ['an unclosed repeat', '{a*3'],
    ['a repeat without a count', '{abc}'],
    ['a nested repeat', '{{a*2}*2}'],
  ])('rejects %s', (_, block) => {
    expect(() => decodeByteNotation(block)).toThrow()
  })

  it('writes bytes back in the notation it reads', () => {
    const bytes = Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nX: {y}\\ \r\n\r\n'), Buffer.alloc(40, 'z'), Buffer.from([0, 1, 0xff, 0x20])])
    expect(decodeByteNotation(encodeByteNotation(bytes))).toEqual(bytes)
  })
})

describe('response parser', () => {
  const context = { head: false, eof: false }

  it('reads a Content-Length response and reports its size', () => {
    const wire = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b \r\n\r\nhiHTTP/1.1')
    const response = parseResponse(wire, 0, context)
    expect(response).toMatchObject({ status: 200, reason: 'OK', headers: [['content-length', '2'], ['x-a', 'b']], size: wire.length - 8 })
    expect(response?.body.toString()).toBe('hi')
  })

  it('reads a chunked response with trailers, and waits while it is incomplete', () => {
    const wire = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n1;x=y\r\n!\r\n0\r\nX-T: v\r\n\r\n')
    expect(parseResponse(wire.subarray(0, wire.length - 2), 0, context)).toBeUndefined()
    expect(parseResponse(wire, 0, context)).toMatchObject({ body: Buffer.from('hi!'), trailers: [['x-t', 'v']], size: wire.length })
  })

  it('reads no body for HEAD, 1xx, 204 and 304, and a close-delimited body only at EOF', () => {
    const head = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n')
    expect(parseResponse(head, 0, { head: true, eof: false })?.size).toBe(head.length)
    expect(parseResponse(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), 0, context)?.status).toBe(100)
    const closeDelimited = Buffer.from('HTTP/1.0 200 OK\r\n\r\nrest')
    expect(parseResponse(closeDelimited, 0, context)).toBeUndefined()
    expect(parseResponse(closeDelimited, 0, { head: false, eof: true })?.body.toString()).toBe('rest')
  })

  it.each([
    ['a bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n'],
    ['a bad status line', 'HTTP/2 200 OK\r\n\r\n'],
    ['two Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx'],
    ['a chunk without its CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n'],
  ])('rejects %s', (_, wire) => {
    expect(() => parseResponse(Buffer.from(wire), 0, context)).toThrow()
  })
})

describe('observation compare', () => {
  const report: HandlerReport = {
    method: 'POST',
    url: '/a?b',
    path: '/a',
    query: 'b',
    httpVersion: '1.1',
    headers: [['host', 'x']],
    body: Buffer.from('hi').toString('base64'),
    trailers: [],
  }

  it('checks only the keys the case gives, body as text or base64', () => {
    expect(compareObservation({ method: 'POST', body: 'hi', bodyBase64: 'aGk=' }, report)).toEqual([])
    expect(compareObservation({ headers: [['host', 'y']], body: 'ho' }, report)).toHaveLength(2)
  })
})
