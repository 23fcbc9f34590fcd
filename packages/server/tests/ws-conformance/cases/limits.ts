/**
 * Group 9: large messages and the message size limit (RFC 6455 §5.2, §7.4.1 code 1009, §10.4).
 * Messages up to maxPayloadLength (16 MiB by default) are echoed whole, however they are
 * fragmented or written; one byte more fails the connection with 1009, whether it comes in one
 * frame or adds up over fragments.
 */
import { Opcode } from '../frames.js'
import { binary, closedWith, continuation, echoBinary, echoText, expectEvents, fragments, send, text, wsCase, type WsCase } from '../ws-case.js'

const KIB = 1024
const MIB = 1024 * KIB
const SIZES = [64 * KIB, 256 * KIB, MIB, 4 * MIB, 16 * MIB]
const label = (size: number) => (size >= MIB ? `${size / MIB} MiB` : `${size / KIB} KiB`)

const textOf = (length: number) => ({ repeat: 'The quick brown fox. ', length })
const bytesOf = (length: number) => ({ repeat: [0xde, 0xad, 0xbe, 0xef, 0x00], length })

const large: WsCase[] = SIZES.flatMap((size, i) => [
  wsCase({
    id: `9.1.${i + 1}`,
    title: `A text message of ${label(size)}`,
    description: 'RFC 6455 §5.2 and §10.4: a message within maxPayloadLength (16 MiB) is echoed whole.',
    steps: [send([text(textOf(size))]), expectEvents(echoText(textOf(size)))],
  }),
  wsCase({
    id: `9.2.${i + 1}`,
    title: `A binary message of ${label(size)}`,
    description: 'RFC 6455 §5.2 and §10.4: a message within maxPayloadLength (16 MiB) is echoed whole.',
    steps: [send([binary(bytesOf(size))]), expectEvents(echoBinary(bytesOf(size)))],
  }),
])

const shaped: WsCase[] = [
  wsCase({
    id: '9.3.1',
    title: 'A 4 MiB binary message written in pieces of 997 bytes',
    description: 'RFC 6455 §5.2: a large frame arriving in many small, odd reads.',
    steps: [send([binary(bytesOf(4 * MIB))], { chunk: 997 }), expectEvents(echoBinary(bytesOf(4 * MIB)))],
  }),
  wsCase({
    id: '9.3.2',
    title: 'A 1 MiB text message in 4096 fragments of 256 bytes',
    description: 'RFC 6455 §5.4: many fragments add up to one message.',
    steps: [
      send(fragments(Buffer.alloc(MIB, 'abcd'), Array.from({ length: 4095 }, (_, k) => (k + 1) * 256))),
      expectEvents(echoText({ repeat: 'abcd', length: MIB })),
    ],
  }),
  wsCase({
    id: '9.3.3',
    title: 'A 16 MiB binary message in 16 fragments of 1 MiB',
    description: 'RFC 6455 §5.4 and §10.4: the limit is on the message, and a message of exactly 16 MiB is within it.',
    steps: [
      send(fragments(Buffer.alloc(16 * MIB, Uint8Array.of(5, 6, 7)), Array.from({ length: 15 }, (_, k) => (k + 1) * MIB), Opcode.binary)),
      expectEvents(echoBinary({ repeat: [5, 6, 7], length: 16 * MIB })),
    ],
  }),
]

const overLimit: WsCase[] = [
  wsCase({
    id: '9.4.1',
    title: 'A binary message one byte over 16 MiB',
    description: 'RFC 6455 §7.4.1 and §10.4: a message too big to process is refused with 1009; the frame header already says so.',
    steps: [send([binary(bytesOf(16 * MIB + 1))]), expectEvents(closedWith(1009))],
  }),
  wsCase({
    id: '9.4.2',
    title: 'A text frame announcing 16 MiB + 1, header only',
    description: 'RFC 6455 §10.4: the server refuses on the length in the header, without waiting for a payload it will not accept: 1009.',
    steps: [send([text(textOf(16 * MIB + 1), { headerOnly: true })]), expectEvents(closedWith(1009))],
  }),
  wsCase({
    id: '9.4.3',
    title: 'Two fragments of 9 MiB',
    description: 'RFC 6455 §10.4: the limit applies to the reassembled message: 18 MiB in two fragments is refused with 1009.',
    steps: [send([binary(bytesOf(9 * MIB), { fin: false }), continuation(bytesOf(9 * MIB))]), expectEvents(closedWith(1009))],
  }),
  wsCase({
    id: '9.5.1',
    title: 'maxPayloadLength 1024: a message of exactly 1024 bytes',
    description: 'RFC 6455 §10.4: the limit is inclusive: 1024 bytes pass.',
    server: { maxPayloadLength: 1024 },
    steps: [send([binary(bytesOf(1024))]), expectEvents(echoBinary(bytesOf(1024)))],
  }),
  wsCase({
    id: '9.5.2',
    title: 'maxPayloadLength 1024: a message of 1025 bytes',
    description: 'RFC 6455 §7.4.1 and §10.4: one byte over the configured limit: 1009.',
    server: { maxPayloadLength: 1024 },
    steps: [send([text(textOf(1025))]), expectEvents(closedWith(1009))],
  }),
  wsCase({
    id: '9.5.3',
    title: 'maxPayloadLength 1024: a valid message, then 600 + 600 bytes in fragments',
    description: 'RFC 6455 §10.4 and §7.1.7: the first message is echoed; the fragmented one grows past the limit and is refused with 1009.',
    server: { maxPayloadLength: 1024 },
    steps: [
      send([text('small'), binary(bytesOf(600), { fin: false }), continuation(bytesOf(600))]),
      expectEvents(echoText('small'), closedWith(1009)),
    ],
  }),
]

/** The large-message and limit cases. */
export const limitCases: WsCase[] = [...large, ...shaped, ...overLimit]
