/**
 * Group 7: the closing handshake (RFC 6455 §5.5.1, §7.1, §7.4). A Close is answered with a
 * Close, then the server closes TCP; a close code that may not be sent, a one-byte body, a
 * reason that is not UTF-8 or a body over 125 bytes fail the connection instead; nothing the
 * client sends after its Close is processed.
 */
import { Opcode } from '../frames.js'
import { binary, close, closedWith, echoText, expectEvents, ping, send, text, wsCase, type WsCase } from '../ws-case.js'

/** Codes a client may send: 1000-1003, 1007-1011 (RFC 6455 §7.4.1), 3000-4999 (§7.4.2). */
const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]
/** Codes that must never appear in a Close frame, or that are not assigned (RFC 6455 §7.4.1, §7.4.2). */
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]

const basics: WsCase[] = [
  wsCase({
    id: '7.1.1',
    title: 'A Close with code 1000',
    description: 'RFC 6455 §5.5.1: an endpoint that receives a Close MUST answer with a Close, typically echoing the code; then the server closes TCP (§7.1.1).',
    steps: [send([close(1000)]), expectEvents(closedWith(1000))],
  }),
  wsCase({
    id: '7.1.2',
    title: 'A Close without a body',
    description: 'RFC 6455 §5.5.1 and §7.1.5: a Close without a status code is valid (the code is taken as 1005); the answer is a Close without a code or with 1000.',
    steps: [send([close()]), expectEvents(closedWith(null, 1000))],
  }),
  wsCase({
    id: '7.1.3',
    title: 'A message, then a Close',
    description: 'RFC 6455 §5.5.1: the message before the Close is echoed, then the Close is answered.',
    steps: [send([text('last words'), close(1000)]), expectEvents(echoText('last words'), closedWith(1000))],
  }),
  wsCase({
    id: '7.1.4',
    title: 'A message after the Close',
    description: 'RFC 6455 §5.5.1: after sending a Close the client sends no more data frames, and the server processes nothing after it: only the Close is answered.',
    steps: [send([close(1000), text('ignored')]), expectEvents(closedWith(1000))],
  }),
  wsCase({
    id: '7.1.5',
    title: 'A ping after the Close',
    description: 'RFC 6455 §5.5.1: frames after the Close are not processed, so the ping gets no pong.',
    steps: [send([close(1000), ping('ignored')]), expectEvents(closedWith(1000))],
  }),
  wsCase({
    id: '7.1.6',
    title: 'A Close in the middle of a fragmented message',
    description: 'RFC 6455 §5.4 and §5.5.1: a Close may come between fragments (it is a control frame); the unfinished message is dropped, not echoed, and the Close is answered.',
    steps: [send([text('never ', { fin: false }), close(1000), { opcode: Opcode.continuation, payload: 'finished' }]), expectEvents(closedWith(1000))],
  }),
  wsCase({
    id: '7.1.7',
    title: 'A Close with code 1000 and a reason',
    description: 'RFC 6455 §5.5.1: the body may carry a UTF-8 reason after the code.',
    steps: [send([close(1000, 'done for today')]), expectEvents(closedWith(1000))],
  }),
  wsCase({
    id: '7.1.8',
    title: 'A Close with a 123-byte reason, 125 bytes in all',
    description: 'RFC 6455 §5.5: a control frame carries up to 125 bytes; a code and a 123-byte reason fit.',
    steps: [send([close(1000, 'r'.repeat(123))]), expectEvents(closedWith(1000))],
  }),
  wsCase({
    id: '7.1.9',
    title: 'A Close with a reason of multi-byte characters',
    description: 'RFC 6455 §5.5.1: the reason is UTF-8; valid multi-byte text is accepted.',
    steps: [send([close(1000, 'αντίο 👋')]), expectEvents(closedWith(1000))],
  }),
]

const malformed: WsCase[] = [
  wsCase({
    id: '7.3.1',
    title: 'A Close with a one-byte body',
    description: 'RFC 6455 §5.5.1: if there is a body, its first two bytes are the code; one byte is not a code: fail with 1002.',
    steps: [send([{ opcode: Opcode.close, payload: Uint8Array.of(0x03) }]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '7.3.2',
    title: 'A Close with a 124-byte reason, 126 bytes in all',
    description: 'RFC 6455 §5.5: control frames MUST NOT carry more than 125 bytes: fail with 1002.',
    steps: [send([close(1000, 'r'.repeat(124))]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '7.3.3',
    title: 'A Close whose reason is not UTF-8',
    description: 'RFC 6455 §5.5.1 and §8.1: the reason is UTF-8; invalid bytes fail the connection with 1007.',
    steps: [send([close(1000, Uint8Array.of(0x62, 0x79, 0x65, 0xc0, 0x80))]), expectEvents(closedWith(1007))],
  }),
  wsCase({
    id: '7.3.4',
    title: 'A message, then a Close whose reason is not UTF-8',
    description: 'RFC 6455 §8.1 and §7.1.7: the message is echoed, then the bad Close fails the connection with 1007.',
    steps: [send([binary([7]), close(1000, Uint8Array.of(0xed, 0xa0, 0x80))]), expectEvents({ kind: 'message', type: 'binary', payload: Uint8Array.of(7) }, closedWith(1007))],
  }),
]

const validCodes = VALID_CODES.map((code, i) =>
  wsCase({
    id: `7.5.${i + 1}`,
    title: `Close code ${code}`,
    description: `RFC 6455 §7.4.1 and §7.4.2: ${code} is a code a client may send; the server answers with a Close, typically echoing it (§5.5.1), or with 1000.`,
    steps: [send([close(code, 'code test')]), expectEvents(closedWith(code, 1000))],
  }),
)

const invalidCodes = INVALID_CODES.map((code, i) =>
  wsCase({
    id: `7.7.${i + 1}`,
    title: `Close code ${code}`,
    description:
      code >= 1004 && code <= 1006
        ? `RFC 6455 §7.4.1: ${code} is reserved and MUST NOT be set in a Close frame; receiving it fails the connection with 1002.`
        : `RFC 6455 §7.4.2: ${code} is outside the codes defined for use (1000-1011 as assigned, 3000-4999); the server fails the connection with 1002.`,
    steps: [send([close(code)]), expectEvents(closedWith(1002))],
  }),
)

const registered: WsCase[] = [1012, 1013, 1014].map((code, i) =>
  wsCase({
    id: `7.9.${i + 1}`,
    title: `Close code ${code}, registered after RFC 6455`,
    description: `RFC 6455 §11.7 created the close code registry; ${code} was registered later. A server that knows it answers with a Close (the code or 1000); one that follows the RFC's own list alone fails with 1002.`,
    steps: [send([close(code)]), expectEvents(closedWith(code, 1000, 1002))],
  }),
)

/** The close-handling cases. */
export const closeCases: WsCase[] = [...basics, ...malformed, ...validCodes, ...invalidCodes, ...registered]
