/**
 * The shape of a WebSocket conformance case, and the small builders the case tables use. A case
 * is data: the frames to send (and how to cut them into writes), then the events expected back
 * from an echo server, in order. See README.md for the rules the driver applies around them.
 */
import { closePayload, Opcode, type FrameSpec, type Payload } from './frames.js'

/** Options of the echo server a case runs against. */
export interface WsServerOptions {
  /** Largest message accepted, in bytes; over it the server closes with 1009. */
  maxPayloadLength: number
}

/** The echo server the suite assumes unless a case says otherwise. */
export const WS_DEFAULT_SERVER: Readonly<WsServerOptions> = Object.freeze({ maxPayloadLength: 16 * 1024 * 1024 })

/**
 * How the bytes of a send step reach the socket: all frames in one write (`together`, the
 * default), one write per frame, fixed-size pieces, or one write per byte.
 */
export type WritePattern = 'together' | 'per-frame' | 'bytewise' | { chunk: number }

/** What the client expects from the server, in order. */
export type ExpectedEvent =
  | { kind: 'message'; type: 'text' | 'binary'; payload: Payload }
  | { kind: 'pong'; payload: Payload }
  /** One or more pongs, each for one of these pings in order, the last one included (RFC 6455 §5.5.3). */
  | { kind: 'pongs'; payloads: Payload[] }
  /** A Close frame with one of these codes (null: a Close without a code), then the TCP close. */
  | { kind: 'close'; codes: (number | null)[] }

export type WsStep = { send: FrameSpec[]; writes?: WritePattern } | { expect: ExpectedEvent[] }

/** The opening handshake a case sends instead of the default one. */
export interface HandshakeSpec {
  /** The request line; `GET / HTTP/1.1` by default. */
  requestLine?: string
  /** Header fields to replace or add (a value of null removes a default field); `{key}` is the generated key. */
  headers?: Record<string, string | null>
  /** Acceptable status codes (101 continues with the steps). */
  statuses: number[]
  /** Header fields the response must have, with a pattern for the value. */
  responseHeaders?: Record<string, RegExp>
}

/** One conformance case. */
export interface WsCase {
  /** Autobahn-style number: group.subgroup.case. */
  id: string
  title: string
  /** What is tested and why, citing RFC 6455 sections. */
  description: string
  server: WsServerOptions
  handshake?: HandshakeSpec
  steps: WsStep[]
  /** Reference implementation name -> why it disagrees with this case. */
  knownDisagreements?: Record<string, string>
}

/** A case with the default server unless `server` is given. */
export function wsCase(fields: Omit<WsCase, 'server'> & { server?: Partial<WsServerOptions> }): WsCase {
  return { ...fields, server: { ...WS_DEFAULT_SERVER, ...fields.server } }
}

type FrameOptions = Omit<FrameSpec, 'opcode' | 'payload'>

/** A text frame. */
export const text = (payload: Payload, options: FrameOptions = {}): FrameSpec => ({ opcode: Opcode.text, payload, ...options })
/** A binary frame. */
export const binary = (payload: Payload, options: FrameOptions = {}): FrameSpec => ({ opcode: Opcode.binary, payload, ...options })
/** A continuation frame. */
export const continuation = (payload: Payload, options: FrameOptions = {}): FrameSpec => ({ opcode: Opcode.continuation, payload, ...options })
/** A ping frame. */
export const ping = (payload: Payload = '', options: FrameOptions = {}): FrameSpec => ({ opcode: Opcode.ping, payload, ...options })
/** A pong frame. */
export const pong = (payload: Payload = '', options: FrameOptions = {}): FrameSpec => ({ opcode: Opcode.pong, payload, ...options })
/** A close frame with an optional code and reason. */
export const close = (code?: number, reason: string | Uint8Array = '', options: FrameOptions = {}): FrameSpec => ({
  opcode: Opcode.close,
  payload: closePayload(code, reason),
  ...options,
})

/** A send step. */
export const send = (frames: FrameSpec[], writes?: WritePattern): WsStep => ({ send: frames, writes })
/** An expect step. */
export const expectEvents = (...events: ExpectedEvent[]): WsStep => ({ expect: events })

/** An echoed text message. */
export const echoText = (payload: Payload): ExpectedEvent => ({ kind: 'message', type: 'text', payload })
/** An echoed binary message. */
export const echoBinary = (payload: Payload): ExpectedEvent => ({ kind: 'message', type: 'binary', payload })
/** A pong with this payload. */
export const pongOf = (payload: Payload = ''): ExpectedEvent => ({ kind: 'pong', payload })
/** A Close frame with one of these codes, then the TCP close. */
export const closedWith = (...codes: (number | null)[]): ExpectedEvent => ({ kind: 'close', codes })

/**
 * Splits bytes into fragments at the given offsets: the first a text (or binary) frame with FIN
 * clear, the middle ones continuations, the last a continuation with FIN set.
 */
export function fragments(bytes: Uint8Array, offsets: number[], opcode: number = Opcode.text): FrameSpec[] {
  const bounds = [0, ...offsets, bytes.length]
  return bounds.slice(1).map((end, i) => ({
    opcode: i === 0 ? opcode : Opcode.continuation,
    payload: Buffer.from(bytes.subarray(bounds[i], end)),
    fin: i === bounds.length - 2,
  }))
}
