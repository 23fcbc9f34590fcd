/**
 * Group 2: pings and pongs (RFC 6455 §5.5.2, §5.5.3): every ping is answered with a pong of the
 * same payload, control payloads stop at 125 bytes, and unsolicited pongs are ignored.
 */
import { binary, closedWith, echoText, expectEvents, ping, pong, pongOf, send, text, wsCase, type WsCase } from '../ws-case.js'

const BYTES_125 = Uint8Array.from({ length: 125 }, (_, i) => (i * 37) & 0xff)
const TEN_PINGS = Array.from({ length: 10 }, (_, i) => `ping ${i}`)

/** The ping/pong cases. */
export const pingPongCases: WsCase[] = [
  wsCase({
    id: '2.1',
    title: 'A ping without payload',
    description: 'RFC 6455 §5.5.2: an endpoint that receives a ping MUST send a pong in response, as soon as practical.',
    steps: [send([ping()]), expectEvents(pongOf())],
  }),
  wsCase({
    id: '2.2',
    title: 'A ping with a text payload',
    description: 'RFC 6455 §5.5.3: the pong carries exactly the application data of the ping.',
    steps: [send([ping('Hello, pong')]), expectEvents(pongOf('Hello, pong'))],
  }),
  wsCase({
    id: '2.3',
    title: 'A ping with a binary payload',
    description: 'RFC 6455 §5.5.3: the payload is echoed byte for byte, whatever its bytes.',
    steps: [send([ping(Uint8Array.of(0x00, 0xff, 0xfe, 0x80, 0x0a, 0x0d))]), expectEvents(pongOf(Uint8Array.of(0x00, 0xff, 0xfe, 0x80, 0x0a, 0x0d)))],
  }),
  wsCase({
    id: '2.4',
    title: 'A ping with a payload of 125 bytes',
    description: 'RFC 6455 §5.5: control frames carry at most 125 bytes; 125 is allowed.',
    steps: [send([ping(BYTES_125)]), expectEvents(pongOf(BYTES_125))],
  }),
  wsCase({
    id: '2.5',
    title: 'A ping with a payload of 126 bytes',
    description: 'RFC 6455 §5.5: all control frames MUST have a payload length of 125 bytes or less; a longer one fails the connection with 1002 (§7.4.1).',
    steps: [send([ping({ repeat: 'x', length: 126 })]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '2.6',
    title: 'A 125-byte ping written one byte at a time',
    description: 'RFC 6455 §5.5.2: the pong comes once the whole ping has arrived, however it was cut.',
    steps: [send([ping(BYTES_125)], 'bytewise'), expectEvents(pongOf(BYTES_125))],
  }),
  wsCase({
    id: '2.7',
    title: 'An unsolicited pong without payload',
    description: 'RFC 6455 §5.5.3: a pong may be sent unsolicited (a unidirectional heartbeat) and no response is expected; the message after it is echoed and nothing else comes.',
    steps: [send([pong(), text('after pong')]), expectEvents(echoText('after pong'))],
  }),
  wsCase({
    id: '2.8',
    title: 'An unsolicited pong with payload',
    description: 'RFC 6455 §5.5.3: an unsolicited pong is not answered, whatever it carries.',
    steps: [send([pong('unsolicited'), text('after pong')]), expectEvents(echoText('after pong'))],
  }),
  wsCase({
    id: '2.9',
    title: 'An unsolicited pong, then a ping',
    description: 'RFC 6455 §5.5.2 and §5.5.3: only the ping is answered.',
    steps: [send([pong('ignored'), ping('answered')]), expectEvents(pongOf('answered'))],
  }),
  wsCase({
    id: '2.10',
    title: 'Ten pings in one write',
    description: 'RFC 6455 §5.5.3: an endpoint MAY answer only the most recent of several pings it has not yet answered; the pongs that come are for these pings, in order, the last one included.',
    steps: [send(TEN_PINGS.map((payload) => ping(payload))), expectEvents({ kind: 'pongs', payloads: TEN_PINGS })],
  }),
  wsCase({
    id: '2.11',
    title: 'Ten pings written one byte at a time',
    description: 'RFC 6455 §5.5.3: as 2.10, with every ping split over many reads.',
    steps: [send(TEN_PINGS.map((payload) => ping(payload)), 'bytewise'), expectEvents({ kind: 'pongs', payloads: TEN_PINGS })],
  }),
  wsCase({
    id: '2.12',
    title: 'A ping between two messages',
    description: 'RFC 6455 §5.5.2 and §5.4: control frames are answered in the order they are read; the echoes and the pong keep the order of the input.',
    steps: [send([text('before'), ping('between'), binary([1, 2])]), expectEvents(echoText('before'), pongOf('between'), { kind: 'message', type: 'binary', payload: Uint8Array.of(1, 2) })],
  }),
  wsCase({
    id: '2.13',
    title: 'An unmasked ping',
    description: 'RFC 6455 §5.1: a client frame that is not masked fails the connection, control frames included: Close 1002, and no pong.',
    steps: [send([ping('unmasked', { masked: false })]), expectEvents(closedWith(1002))],
  }),
]
