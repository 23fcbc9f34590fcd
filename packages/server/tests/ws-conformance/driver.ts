/**
 * Runs one WebSocket conformance case against an echo server over a raw TCP connection: the
 * handshake, the case's frames written as the case says, the expected events read back in
 * order, then the end of the connection. Nothing waits on a clock: every wait is for bytes or
 * for the close (a silence guard turns a hang into a failure, see RawConnection).
 *
 * The end of a case:
 * - the case expected a Close from the server: the client answers it with a Close (unless it
 *   already sent one), half-closes, and the server must close TCP with nothing after its Close;
 * - otherwise the client starts a clean close (1000), expects the server's Close (1000 or no
 *   code, RFC 6455 §5.5.1) and then the TCP close; anything else the server sends before that
 *   (an extra echo, a pong nobody asked for) fails the case.
 */
import type { CaseVerdict } from '../http-corpus/driver.js'
import { RawConnection, type ServerAddress } from '../http-corpus/raw-connection.js'
import { parseResponse, type ParsedResponse } from '../http-corpus/response-parser.js'
import { seededRandom } from '../http-corpus/seeded-random.js'
import { encodeFrame, Opcode, payloadBytes, type Payload } from './frames.js'
import { handshakeRequest, upgradeProblems } from './handshake.js'
import { ConformanceFailure, ServerEvents, type ServerEvent } from './server-events.js'
import { close, type ExpectedEvent, type WritePattern, type WsCase } from './ws-case.js'

/** Options of one run. */
export interface RunWsCaseOptions {
  /** See RawConnection: fails a wait after this long without any byte or close. */
  silenceGuardMs?: number
}

/** Runs `testCase` against the echo server at `address`. */
export async function runWsCase(testCase: WsCase, address: ServerAddress, options: RunWsCaseOptions = {}): Promise<CaseVerdict> {
  const connection = await RawConnection.open(address, options.silenceGuardMs)
  const failures: string[] = []
  try {
    await play(testCase, connection, address)
  } catch (err) {
    failures.push(err instanceof ConformanceFailure ? err.message : `${(err as Error).name}: ${(err as Error).message}`)
  } finally {
    connection.destroy()
  }
  return { id: testCase.id, ok: failures.length === 0, failures, transcript: `${connection.received().length} bytes received` }
}

function seedOf(id: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 0x01000193) >>> 0
  return hash
}

async function play(testCase: WsCase, connection: RawConnection, address: ServerAddress): Promise<void> {
  const random = seededRandom(seedOf(testCase.id))
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256))
  const key = Buffer.from(randomBytes(16)).toString('base64')
  await connection.write(handshakeRequest(address, key, testCase.handshake))
  const response = await readHandshakeResponse(connection)

  const spec = testCase.handshake
  const statuses = spec?.statuses ?? [101]
  if (!statuses.includes(response.status)) {
    throw new ConformanceFailure(`handshake: expected ${statuses.join(' or ')}, got ${response.status} ${response.reason}`)
  }
  if (response.status !== 101) {
    for (const [name, pattern] of Object.entries(spec?.responseHeaders ?? {})) {
      const values = response.headers.filter(([field]) => field === name.toLowerCase()).map(([, value]) => value)
      if (!values.some((value) => pattern.test(value))) {
        throw new ConformanceFailure(`handshake: the ${response.status} lacks ${name} matching ${pattern} (got ${JSON.stringify(values)})`)
      }
    }
    return
  }
  const problems = upgradeProblems(response, key)
  if (problems.length > 0) throw new ConformanceFailure(`handshake: ${problems.join('; ')}`)

  const events = new ServerEvents(connection, response.size, () => randomBytes(4))
  let clientSentClose = false
  let closeCode: number | null | undefined
  for (const step of testCase.steps) {
    if ('send' in step) {
      const frames = step.send.map((frame) => encodeFrame(frame, randomBytes(4)))
      clientSentClose ||= step.send.some((frame) => frame.opcode === Opcode.close)
      for (const piece of cutIntoWrites(frames, step.writes ?? 'together')) await connection.write(piece)
      continue
    }
    for (const expected of step.expect) {
      const code = await matchEvent(events, expected)
      if (code !== undefined) closeCode = code
    }
  }

  if (!events.closeReceived) {
    if (!clientSentClose) await connection.write(encodeFrame(close(1000), randomBytes(4)))
    closeCode = await matchEvent(events, { kind: 'close', codes: [1000, null] }, 'the Close answering the client\'s clean close')
  } else if (!clientSentClose) {
    await connection.write(encodeFrame(close(closeCode ?? undefined), randomBytes(4)))
  }
  connection.end()
  const after = await events.next('the TCP close after the Close handshake')
  if (after) throw new ConformanceFailure(`after its Close the server sent ${describeEvent(after)}`)
  if (events.unreadBytes() > 0) throw new ConformanceFailure(`${events.unreadBytes()} stray bytes after the server's Close`)
}

async function readHandshakeResponse(connection: RawConnection): Promise<ParsedResponse> {
  let response: ParsedResponse | undefined
  try {
    await connection.waitFor(() => {
      response = parseResponse(connection.received(), 0, { head: false, eof: connection.ended })
      return response !== undefined
    }, 'the handshake response')
  } catch (err) {
    throw new ConformanceFailure(`handshake: ${(err as Error).message}`)
  }
  if (!response) throw new ConformanceFailure(`handshake: the connection closed without a response (${connection.received().length} bytes)`)
  return response
}

function cutIntoWrites(frames: Buffer[], pattern: WritePattern): Buffer[] {
  if (pattern === 'per-frame') return frames
  const all = Buffer.concat(frames)
  if (pattern === 'together') return [all]
  const size = pattern === 'bytewise' ? 1 : pattern.chunk
  const pieces: Buffer[] = []
  for (let i = 0; i < all.length; i += size) pieces.push(all.subarray(i, i + size))
  return pieces
}

/** Reads the next event(s) and compares with `expected`; returns the close code when it was a close. */
async function matchEvent(events: ServerEvents, expected: ExpectedEvent, label?: string): Promise<number | null | undefined> {
  const waitingFor = label ?? describeExpected(expected)
  const event = await events.next(waitingFor)
  if (!event) throw new ConformanceFailure(`expected ${waitingFor}, but the TCP connection closed${events.closeReceived ? '' : ' without a Close frame'}`)
  switch (expected.kind) {
    case 'close':
      if (event.kind !== 'close') throw new ConformanceFailure(`expected ${waitingFor}, got ${describeEvent(event)}`)
      if (!expected.codes.includes(event.code)) throw new ConformanceFailure(`expected ${waitingFor}, got a Close with code ${event.code ?? 'none'}`)
      return event.code
    case 'message':
      if (event.kind !== 'message' || event.type !== expected.type) throw new ConformanceFailure(`expected ${waitingFor}, got ${describeEvent(event)}`)
      comparePayload(expected.payload, event.payload, waitingFor)
      return undefined
    case 'pong':
      if (event.kind !== 'pong') throw new ConformanceFailure(`expected ${waitingFor}, got ${describeEvent(event)}`)
      comparePayload(expected.payload, event.payload, waitingFor)
      return undefined
    case 'pongs':
      return matchPongs(events, expected.payloads, event)
  }
}

/** Pongs for a subsequence of the pings, in order, ending with the last ping (RFC 6455 §5.5.3). */
async function matchPongs(events: ServerEvents, payloads: Payload[], first: ServerEvent): Promise<undefined> {
  const wanted = payloads.map(payloadBytes)
  let next = 0
  let event: ServerEvent | undefined = first
  if (event.kind !== 'pong') throw new ConformanceFailure(`expected pongs for ${wanted.length} pings, got ${describeEvent(event)}`)
  while (event?.kind === 'pong') {
    const payload = event.payload
    const index = wanted.findIndex((bytes, i) => i >= next && bytes.equals(payload))
    if (index < 0) throw new ConformanceFailure(`a pong with payload ${preview(payload)} answers no outstanding ping, or comes out of order`)
    next = index + 1
    if (next === wanted.length) return undefined
    event = await events.next(`pongs up to the last of ${wanted.length} pings`)
  }
  throw new ConformanceFailure(
    event ? `the pong for the last ping never came; got ${describeEvent(event)}` : 'the connection closed before the pong for the last ping',
  )
}

function comparePayload(expected: Payload, actual: Buffer, what: string): void {
  const bytes = payloadBytes(expected)
  if (bytes.equals(actual)) return
  let at = 0
  while (at < bytes.length && at < actual.length && bytes[at] === actual[at]) at++
  throw new ConformanceFailure(
    `${what}: payload differs at byte ${at} (expected ${bytes.length} bytes ${preview(bytes)}, got ${actual.length} bytes ${preview(actual)})`,
  )
}

function preview(bytes: Buffer): string {
  const head = bytes.subarray(0, 24).toString('hex')
  return bytes.length > 24 ? `${head}...` : head || '(empty)'
}

function describeExpected(expected: ExpectedEvent): string {
  switch (expected.kind) {
    case 'message':
      return `an echoed ${expected.type} message of ${payloadBytes(expected.payload).length} bytes`
    case 'pong':
      return `a pong of ${payloadBytes(expected.payload).length} bytes`
    case 'pongs':
      return `pongs for ${expected.payloads.length} pings`
    case 'close':
      return `a Close with code ${expected.codes.map((code) => code ?? 'none').join(' or ')}`
  }
}

function describeEvent(event: ServerEvent): string {
  switch (event.kind) {
    case 'message':
      return `a ${event.type} message of ${event.payload.length} bytes (${preview(event.payload)})`
    case 'pong':
      return `a pong of ${event.payload.length} bytes`
    case 'close':
      return `a Close with code ${event.code ?? 'none'}`
  }
}
