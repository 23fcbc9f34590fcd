/**
 * Group 1: framing of text and binary messages (RFC 6455 §5.2): every payload-length encoding
 * (7-bit, 16-bit, 64-bit) at its edges, writes cut at odd places, and the masking rule (§5.3).
 */
import { binary, closedWith, echoBinary, echoText, expectEvents, send, text, wsCase, type WsCase } from '../ws-case.js'

const LENGTHS = [0, 1, 125, 126, 127, 128, 65535, 65536]

function sized(kind: 'text' | 'binary', length: number) {
  return kind === 'text' ? { repeat: 'abcdefghij', length } : { repeat: [0x00, 0xff, 0x80, 0x7f, 0x10], length }
}

function lengthCases(kind: 'text' | 'binary', subgroup: number): WsCase[] {
  const frame = kind === 'text' ? text : binary
  const echo = kind === 'text' ? echoText : echoBinary
  return LENGTHS.map((length, index) =>
    wsCase({
      id: `1.${subgroup}.${index + 1}`,
      title: `A ${kind} message of ${length} bytes`,
      description: `RFC 6455 §5.2: a payload of ${length} bytes uses the ${length <= 125 ? '7-bit' : length <= 65535 ? '16-bit (126)' : '64-bit (127)'} length encoding; the echo comes back unchanged.`,
      steps: [send([frame(sized(kind, length))]), expectEvents(echo(sized(kind, length)))],
    }),
  )
}

/** The framing cases. */
export const framingCases: WsCase[] = [
  ...lengthCases('text', 1),
  ...lengthCases('binary', 2),
  wsCase({
    id: '1.3.1',
    title: 'A 65536-byte text message written in pieces of 997 bytes',
    description: 'RFC 6455 §5.2: framing does not depend on how TCP cuts the stream; the header and payload arrive in odd pieces.',
    steps: [send([text(sized('text', 65536))], { chunk: 997 }), expectEvents(echoText(sized('text', 65536)))],
  }),
  wsCase({
    id: '1.3.2',
    title: 'A 200-byte binary message written one byte at a time',
    description: 'RFC 6455 §5.2: the 16-bit length and the masking key are split over many reads.',
    steps: [send([binary(sized('binary', 200))], 'bytewise'), expectEvents(echoBinary(sized('binary', 200)))],
  }),
  wsCase({
    id: '1.3.3',
    title: 'Three messages in one write',
    description: 'RFC 6455 §5.2: several frames in one read are each handled, in order.',
    steps: [send([text('one'), binary([1, 2, 3]), text('three')]), expectEvents(echoText('one'), echoBinary([1, 2, 3]), echoText('three'))],
  }),
  wsCase({
    id: '1.4.1',
    title: 'An unmasked text frame',
    description: 'RFC 6455 §5.1: a server MUST close the connection on an unmasked client frame, and MAY send 1002 first; the suite requires the Close with 1002 (§7.4.1).',
    steps: [send([text('unmasked', { masked: false })]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '1.4.2',
    title: 'A valid message, then an unmasked one',
    description: 'RFC 6455 §5.1 and §7.1.7: the message before the unmasked frame is echoed, then the connection fails with 1002.',
    steps: [send([text('masked'), binary([9, 9], { masked: false })]), expectEvents(echoText('masked'), closedWith(1002))],
  }),
  wsCase({
    id: '1.5.1',
    title: 'A 64-bit length with the most significant bit set',
    description: 'RFC 6455 §5.2: the most significant bit of a 64-bit length MUST be 0; the frame is refused from its header alone (1002, or 1009 as too big).',
    steps: [send([binary('', { headerOnly: true, announcedLength: 1n << 63n })]), expectEvents(closedWith(1002, 1009))],
  }),
]
