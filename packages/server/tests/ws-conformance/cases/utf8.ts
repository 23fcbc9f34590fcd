/**
 * Group 6: UTF-8 in text messages (RFC 6455 §5.6 and §8.1, UTF-8 as RFC 3629 §3 and §4 define
 * it). Valid text is echoed however it is fragmented, including fragments that end inside a
 * character; invalid text (stray continuation bytes, truncated or overlong forms, surrogates,
 * code points over U+10FFFF, bytes that never occur) fails the connection with 1007, whether
 * it sits in one frame, in a later fragment, or across a fragment boundary.
 */
import { Opcode } from '../frames.js'
import { binary, closedWith, echoBinary, echoText, expectEvents, fragments, send, text, wsCase, type WsCase } from '../ws-case.js'

const VALID: [string, string][] = [
  ['empty text', ''],
  ['plain ASCII', 'plain ASCII text'],
  ['two-byte characters', 'Grüße aus Köln'],
  ['Greek', 'καλημέρα κόσμε'],
  ['three-byte characters', '漢字かな交じり文'],
  ['four-byte characters', '𝄞 and 🙂'],
  ['U+0000', '\u0000'],
  ['U+007F, the last one-byte character', '\u007f'],
  ['U+0080, the first two-byte character', '\u0080'],
  ['U+07FF, the last two-byte character', '\u07ff'],
  ['U+0800, the first three-byte character', '\u0800'],
  ['U+D7FF, just below the surrogates', '\ud7ff'],
  ['U+E000, just above the surrogates', '\ue000'],
  ['U+FFFD, the replacement character', '\ufffd'],
  ['U+FFFE, a noncharacter that is still valid UTF-8', '\ufffe'],
  ['U+FFFF, the last three-byte character', '\uffff'],
  ['U+10000, the first four-byte character', '\u{10000}'],
  ['U+10FFFF, the last code point', '\u{10ffff}'],
]

const INVALID: [string, number[]][] = [
  ['a lone continuation byte 0x80', [0x80]],
  ['a lone continuation byte 0xBF', [0xbf]],
  ['two continuation bytes without a lead', [0x80, 0xbf]],
  ['a two-byte lead at the end', [0xc2]],
  ['a three-byte sequence missing its last byte', [0xe2, 0x82]],
  ['a four-byte sequence missing its last byte', [0xf0, 0x9f, 0x99]],
  ['a two-byte lead followed by ASCII', [0xc2, 0x41]],
  ['a three-byte lead followed by a non-continuation', [0xe2, 0x28, 0xa1]],
  ['an overlong two-byte NUL (C0 80)', [0xc0, 0x80]],
  ['an overlong two-byte U+007F (C1 BF)', [0xc1, 0xbf]],
  ['an overlong three-byte NUL (E0 80 80)', [0xe0, 0x80, 0x80]],
  ['an overlong three-byte U+07FF (E0 9F BF)', [0xe0, 0x9f, 0xbf]],
  ['an overlong four-byte NUL (F0 80 80 80)', [0xf0, 0x80, 0x80, 0x80]],
  ['an overlong four-byte U+FFFF (F0 8F BF BF)', [0xf0, 0x8f, 0xbf, 0xbf]],
  ['the high surrogate U+D800 (ED A0 80)', [0xed, 0xa0, 0x80]],
  ['the low surrogate U+DFFF (ED BF BF)', [0xed, 0xbf, 0xbf]],
  ['a surrogate pair encoded as two three-byte forms', [0xed, 0xa0, 0xbd, 0xed, 0xb2, 0xa9]],
  ['U+110000, past the last code point (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80]],
  ['a four-byte form with lead F5', [0xf5, 0x80, 0x80, 0x80]],
  ['a four-byte form with lead F7', [0xf7, 0xbf, 0xbf, 0xbf]],
  ['a five-byte form (F8 88 80 80 80)', [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ['a six-byte form (FC 84 80 80 80 80)', [0xfc, 0x84, 0x80, 0x80, 0x80, 0x80]],
  ['the byte 0xFE', [0xfe]],
  ['the byte 0xFF', [0xff]],
]

const bytes = (text: string) => Buffer.from(text, 'utf8')
const VALID_PREFIX = bytes('valid start, ')

/** Offsets strictly inside each multi-byte character of `sample`. */
function offsetsInsideCharacters(sample: Buffer): number[] {
  const inside: number[] = []
  for (let i = 1; i < sample.length; i++) if ((sample[i]! & 0xc0) === 0x80) inside.push(i)
  return inside
}

const validSingle = VALID.map(([name, sample], i) =>
  wsCase({
    id: `6.1.${i + 1}`,
    title: `Valid UTF-8 in one frame: ${name}`,
    description: 'RFC 6455 §5.6 and RFC 3629 §3: a text message of valid UTF-8 is accepted and echoed unchanged.',
    steps: [send([text(sample)]), expectEvents(echoText(sample))],
  }),
)

const validBytewise = VALID.filter(([, sample]) => bytes(sample).length > 1).map(([name, sample], i) =>
  wsCase({
    id: `6.2.${i + 1}`,
    title: `Valid UTF-8, one byte per fragment: ${name}`,
    description: 'RFC 6455 §5.4 and §5.6: UTF-8 is a property of the whole message; fragments may end inside a character.',
    steps: [send(fragments(bytes(sample), Array.from({ length: bytes(sample).length - 1 }, (_, k) => k + 1))), expectEvents(echoText(sample))],
  }),
)

const SPLIT_SAMPLES = ['aéb', 'a€b', 'a𝄞b']
const validSplitInside = SPLIT_SAMPLES.flatMap((sample) => offsetsInsideCharacters(bytes(sample)).map((offset) => ({ sample, offset }))).map(
  ({ sample, offset }, i) =>
    wsCase({
      id: `6.3.${i + 1}`,
      title: `"${sample}" in two fragments split at byte ${offset}, inside a character`,
      description: 'RFC 6455 §5.6 and RFC 3629 §3: a character split across fragments is still valid; the server must not judge a fragment on its own.',
      steps: [send(fragments(bytes(sample), [offset])), expectEvents(echoText(sample))],
    }),
)

const invalidSingle = INVALID.map(([name, sequence], i) =>
  wsCase({
    id: `6.4.${i + 1}`,
    title: `Invalid UTF-8 in one frame: ${name}`,
    description: 'RFC 6455 §8.1: an endpoint that finds a text message is not valid UTF-8 (RFC 3629 §3 and §4) MUST fail the connection, with 1007 (§7.4.1).',
    steps: [send([text(Buffer.concat([bytes('text '), Buffer.from(sequence), bytes(' more')]))]), expectEvents(closedWith(1007))],
  }),
)

const invalidInLaterFragment = INVALID.map(([name, sequence], i) =>
  wsCase({
    id: `6.5.${i + 1}`,
    title: `Invalid UTF-8 in the second fragment: ${name}`,
    description: 'RFC 6455 §8.1 and §5.6: the first fragment is valid; the second holds the invalid sequence at its end; 1007 (or earlier, the server may fail as soon as it sees it).',
    steps: [send([text(VALID_PREFIX, { fin: false }), { opcode: Opcode.continuation, payload: Buffer.from(sequence) }]), expectEvents(closedWith(1007))],
  }),
)

const invalidAcrossFragments = INVALID.filter(([, sequence]) => sequence.length > 1).map(([name, sequence], i) =>
  wsCase({
    id: `6.6.${i + 1}`,
    title: `Invalid UTF-8 split across two fragments: ${name}`,
    description: 'RFC 6455 §8.1: validation carries its state across fragments, so an invalid sequence cut in two is found: 1007.',
    steps: [
      send(fragments(Buffer.concat([VALID_PREFIX, Buffer.from(sequence), bytes(' end')]), [VALID_PREFIX.length + 1])),
      expectEvents(closedWith(1007)),
    ],
  }),
)

const misc: WsCase[] = [
  wsCase({
    id: '6.7.1',
    title: 'A valid message, then an invalid one',
    description: 'RFC 6455 §8.1 and §7.1.7: the valid message is echoed before the connection fails with 1007.',
    steps: [send([text('valid'), text(Uint8Array.of(0x61, 0xff, 0x62))]), expectEvents(echoText('valid'), closedWith(1007))],
  }),
  wsCase({
    id: '6.7.2',
    title: 'Invalid UTF-8 in a binary message',
    description: 'RFC 6455 §5.6: binary data is not UTF-8 and is not validated; bytes that would be invalid text are echoed.',
    steps: [send([binary(Uint8Array.of(0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80))]), expectEvents(echoBinary(Uint8Array.of(0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80)))],
  }),
  wsCase({
    id: '6.7.3',
    title: 'Valid four-byte characters written one byte at a time',
    description: 'RFC 6455 §5.6: TCP boundaries inside characters do not matter either.',
    steps: [send([text('🙂🙂🙂')], 'bytewise'), expectEvents(echoText('🙂🙂🙂'))],
  }),
]

/** The UTF-8 cases. */
export const utf8Cases: WsCase[] = [...validSingle, ...validBytewise, ...validSplitInside, ...invalidSingle, ...invalidInLaterFragment, ...invalidAcrossFragments, ...misc]
