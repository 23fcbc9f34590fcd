import { describe, expect, it } from 'vitest'
import { closePayload, encodeFrame, Opcode, payloadLength, readFrame } from './ws-conformance/frames.js'
import { acceptKey } from './ws-conformance/handshake.js'
import { loadWsConformance } from './ws-conformance/suite.js'
import type { WsCase } from './ws-conformance/ws-case.js'

const GROUPS = ['0', '1', '2', '3', '4', '5', '6', '7', '9']
const REFERENCES = ['ws']
const cases = loadWsConformance()

/** The problems of one case's data; empty when it is well-formed. */
function caseProblems(testCase: WsCase): string[] {
  const problems: string[] = []
  if (!/^\d+(\.\d+)+$/.test(testCase.id) || !GROUPS.includes(testCase.id.split('.')[0]!)) problems.push('id is not group.number')
  if (!/RFC 6455 §\d+(\.\d+)*/.test(testCase.description)) problems.push('the description cites no RFC 6455 section')
  if (testCase.title.trim() === '') problems.push('no title')
  for (const reference of Object.keys(testCase.knownDisagreements ?? {})) if (!REFERENCES.includes(reference)) problems.push(`unknown reference ${reference}`)
  const refused = testCase.handshake && !testCase.handshake.statuses.includes(101)
  if (refused && testCase.steps.length > 0) problems.push('a refused handshake has steps')
  if (!refused && !testCase.steps.some((step) => 'send' in step)) problems.push('sends nothing')
  const last = testCase.steps[testCase.steps.length - 1]
  testCase.steps.forEach((step) => {
    if ('send' in step) {
      for (const frame of step.send) {
        if (!Number.isInteger(frame.opcode) || frame.opcode < 0 || frame.opcode > 15) problems.push(`opcode ${frame.opcode}`)
        if (frame.rsv !== undefined && (frame.rsv < 0 || frame.rsv > 7)) problems.push(`rsv ${frame.rsv}`)
      }
      if (step.send.length === 0) problems.push('an empty send step')
    } else {
      const closeAt = step.expect.findIndex((event) => event.kind === 'close')
      if (closeAt >= 0 && (closeAt !== step.expect.length - 1 || step !== last)) problems.push('a close expectation that is not the very last event')
      if (step.expect.length === 0) problems.push('an empty expect step')
    }
  })
  const sendsClose = testCase.steps.some((step) => 'send' in step && step.send.some((frame) => frame.opcode === Opcode.close))
  const expectsClose = last !== undefined && 'expect' in last && last.expect.some((event) => event.kind === 'close')
  if (sendsClose && !expectsClose) problems.push('sends a Close but expects no Close back')
  return problems
}

describe('the WebSocket conformance cases', () => {
  it('cover every group', () => {
    expect([...new Set(cases.map((c) => c.id.split('.')[0]))].sort()).toEqual(GROUPS)
  })

  it('have unique ids', () => {
    const ids = cases.map((c) => c.id)
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([])
  })

  it.each(cases.map((c) => [c.id, c] as const))('%s is well-formed', (_, testCase) => {
    expect(caseProblems(testCase)).toEqual([])
  })

  it('the checks catch a malformed case', () => {
    const [sample] = cases.filter((c) => c.id === '3.2')
    const broken: WsCase = { ...sample!, id: '8.x', description: 'no citation', steps: [...sample!.steps].reverse() }
    expect(caseProblems(broken)).toEqual([
      'id is not group.number',
      'the description cites no RFC 6455 section',
      'a close expectation that is not the very last event',
    ])
  })
})

describe('frame codec', () => {
  const key = Uint8Array.of(1, 2, 3, 4)

  it.each([0, 125, 126, 65535, 65536])('round-trips a masked frame of %i bytes through the 7/16/64-bit lengths', (length) => {
    const payload = Buffer.alloc(length, 'q')
    const wire = encodeFrame({ opcode: Opcode.binary, payload, fin: false, rsv: 5 }, key)
    expect(wire.length).toBe(length + (length <= 125 ? 6 : length <= 65535 ? 8 : 14))
    expect(readFrame(wire, 0)).toMatchObject({ fin: false, rsv: 5, opcode: 2, masked: true, payload, size: wire.length })
    expect(readFrame(wire.subarray(0, wire.length - 1), 0)).toBeUndefined()
  })

  it('writes unmasked frames, forced length encodings and header-only frames', () => {
    expect(encodeFrame({ opcode: Opcode.text, payload: 'hi', masked: false }, key)).toEqual(Buffer.from([0x81, 0x02, 0x68, 0x69]))
    expect(encodeFrame({ opcode: Opcode.text, payload: 'hi', masked: false, lengthEncoding: 16 }, key)).toEqual(Buffer.from([0x81, 126, 0, 2, 0x68, 0x69]))
    const header = encodeFrame({ opcode: Opcode.binary, payload: { repeat: 'x', length: 70000 }, headerOnly: true, masked: false }, key)
    expect(header).toEqual(Buffer.from([0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]))
  })

  it('builds close payloads and measures payloads without materialising them', () => {
    expect(closePayload(1000, 'ok')).toEqual(Buffer.from([0x03, 0xe8, 0x6f, 0x6b]))
    expect(closePayload()).toHaveLength(0)
    expect(payloadLength({ repeat: 'abc', length: 16 * 1024 * 1024 })).toBe(16 * 1024 * 1024)
    expect(payloadLength('€')).toBe(3)
  })

  it('derives Sec-WebSocket-Accept as in the example of RFC 6455 §1.3', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
  })
})
