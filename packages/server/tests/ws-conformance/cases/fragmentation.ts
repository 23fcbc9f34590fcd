/**
 * Group 5: fragmentation (RFC 6455 §5.4): a message may span a first frame and continuations;
 * control frames may come between fragments but are never fragmented themselves; a
 * continuation needs a message to continue, and a new message cannot start inside one.
 */
import { Opcode } from '../frames.js'
import {
  binary,
  close,
  closedWith,
  continuation,
  echoBinary,
  echoText,
  expectEvents,
  fragments,
  ping,
  pong,
  pongOf,
  send,
  text,
  wsCase,
  type WsCase,
} from '../ws-case.js'

const LETTERS = Buffer.from('fragmented message')
const ONE_BYTE_EACH = Array.from({ length: LETTERS.length - 1 }, (_, i) => i + 1)

/** The fragmentation cases. */
export const fragmentationCases: WsCase[] = [
  wsCase({
    id: '5.1',
    title: 'A ping with FIN clear',
    description: 'RFC 6455 §5.4 and §5.5: control frames MUST NOT be fragmented; a ping without FIN fails the connection with 1002.',
    steps: [send([ping('part', { fin: false }), continuation('rest')]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '5.2',
    title: 'A pong with FIN clear',
    description: 'RFC 6455 §5.4 and §5.5: a fragmented pong fails the connection with 1002.',
    steps: [send([pong('part', { fin: false }), continuation('rest')]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '5.3',
    title: 'A text message in two fragments',
    description: 'RFC 6455 §5.4: a text frame with FIN clear and a continuation with FIN set make one message, echoed whole.',
    steps: [send([text('fragment1', { fin: false }), continuation('fragment2')]), expectEvents(echoText('fragment1fragment2'))],
  }),
  wsCase({
    id: '5.4',
    title: 'A text message in two fragments, one write each',
    description: 'RFC 6455 §5.4: as 5.3, with the fragments in separate writes.',
    steps: [send([text('fragment1', { fin: false }), continuation('fragment2')], 'per-frame'), expectEvents(echoText('fragment1fragment2'))],
  }),
  wsCase({
    id: '5.5',
    title: 'A binary message in three fragments',
    description: 'RFC 6455 §5.4: fragments of a binary message are continuations of it.',
    steps: [send([binary([1], { fin: false }), continuation([2], { fin: false }), continuation([3])]), expectEvents(echoBinary([1, 2, 3]))],
  }),
  wsCase({
    id: '5.6',
    title: 'A ping between two fragments',
    description: 'RFC 6455 §5.4: control frames MAY be injected in the middle of a fragmented message; the ping is answered at once, before the message is complete.',
    steps: [send([text('frag', { fin: false }), ping('middle'), continuation('ment')]), expectEvents(pongOf('middle'), echoText('fragment'))],
  }),
  wsCase({
    id: '5.7',
    title: 'A ping between two fragments, one write each',
    description: 'RFC 6455 §5.4: the pong is due before the last fragment is even sent.',
    steps: [send([text('frag', { fin: false }), ping('middle')], 'per-frame'), expectEvents(pongOf('middle')), send([continuation('ment')]), expectEvents(echoText('fragment'))],
  }),
  wsCase({
    id: '5.8',
    title: 'A pong between two fragments',
    description: 'RFC 6455 §5.4 and §5.5.3: an unsolicited pong inside a message is ignored and does not disturb it.',
    steps: [send([text('frag', { fin: false }), pong('middle'), continuation('ment')]), expectEvents(echoText('fragment'))],
  }),
  wsCase({
    id: '5.9',
    title: 'One byte per fragment with a ping after each',
    description: 'RFC 6455 §5.4: many small fragments and interleaved control frames; every ping gets its pong (or at least the last one, §5.5.3) before the echo.',
    steps: [
      send(fragments(LETTERS, ONE_BYTE_EACH).flatMap((frame, i) => (frame.fin ? [frame] : [frame, ping(`p${i}`)]))),
      expectEvents({ kind: 'pongs', payloads: ONE_BYTE_EACH.map((_, i) => `p${i}`) }, echoText(LETTERS)),
    ],
  }),
  wsCase({
    id: '5.10',
    title: 'One byte per fragment, one byte per write',
    description: 'RFC 6455 §5.4: fragment boundaries and TCP boundaries are independent.',
    steps: [send(fragments(LETTERS, ONE_BYTE_EACH), 'bytewise'), expectEvents(echoText(LETTERS))],
  }),
  wsCase({
    id: '5.11',
    title: 'A continuation with FIN set and no message started',
    description: 'RFC 6455 §5.4: a continuation frame continues a message; with none started the connection fails with 1002.',
    steps: [send([continuation('orphan')]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '5.12',
    title: 'A continuation with FIN clear and no message started',
    description: 'RFC 6455 §5.4: as 5.11, with the orphan continuation not final.',
    steps: [send([continuation('orphan', { fin: false }), continuation('end')]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '5.13',
    title: 'A message, then an orphan continuation',
    description: 'RFC 6455 §5.4 and §7.1.7: the complete message is echoed; the continuation after it has nothing to continue: 1002.',
    steps: [send([text('whole'), continuation('orphan')]), expectEvents(echoText('whole'), closedWith(1002))],
  }),
  wsCase({
    id: '5.14',
    title: 'A new text frame inside a fragmented message',
    description: 'RFC 6455 §5.4: the fragments of one message are not interleaved with another message; a text frame where a continuation belongs fails the connection with 1002.',
    steps: [send([text('first', { fin: false }), text('second')]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '5.15',
    title: 'A new binary frame with FIN clear inside a fragmented text message',
    description: 'RFC 6455 §5.4: as 5.14 with a binary frame: 1002.',
    steps: [send([text('first', { fin: false }), binary([1], { fin: false }), continuation('end')]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '5.16',
    title: 'Empty fragments',
    description: 'RFC 6455 §5.4: fragments may be empty; the message is the concatenation of the fragment payloads.',
    steps: [send([text('', { fin: false }), continuation('', { fin: false }), continuation('x', { fin: false }), continuation('')]), expectEvents(echoText('x'))],
  }),
  wsCase({
    id: '5.17',
    title: 'A wholly empty fragmented message',
    description: 'RFC 6455 §5.4: a text message of empty fragments is an empty message, echoed.',
    steps: [send([text('', { fin: false }), continuation('')]), expectEvents(echoText(''))],
  }),
  wsCase({
    id: '5.18',
    title: 'Two fragmented messages back to back',
    description: 'RFC 6455 §5.4: after the final fragment, a new message may start.',
    steps: [
      send([text('ab', { fin: false }), continuation('cd'), binary([1], { fin: false }), continuation([2])]),
      expectEvents(echoText('abcd'), echoBinary([1, 2])),
    ],
  }),
  wsCase({
    id: '5.19',
    title: 'A close frame with FIN clear',
    description: 'RFC 6455 §5.5: control frames MUST NOT be fragmented, close included: 1002 instead of a clean close.',
    steps: [send([close(1000, '', { fin: false })]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '5.20',
    title: 'A final continuation, then another continuation',
    description: 'RFC 6455 §5.4: once FIN ended the message, a continuation has nothing to continue: the message is echoed, then 1002.',
    steps: [send([text('a', { fin: false }), continuation('b'), continuation('c')]), expectEvents(echoText('ab'), closedWith(1002))],
  }),
  wsCase({
    id: '5.21',
    title: 'A 64 KiB binary message in 16 fragments of 4 KiB',
    description: 'RFC 6455 §5.4: fragments of any size; the reassembled message is echoed byte for byte.',
    steps: [
      send(fragments(Buffer.alloc(65536, Uint8Array.of(1, 2, 3, 250)), Array.from({ length: 15 }, (_, i) => (i + 1) * 4096), Opcode.binary)),
      expectEvents(echoBinary({ repeat: [1, 2, 3, 250], length: 65536 })),
    ],
  }),
]
