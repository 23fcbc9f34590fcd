/**
 * Runs one case of the HTTP corpus against a listening server over a raw TCP connection and
 * returns a verdict with a readable account of any difference. The driver never decides by the
 * clock: it reads until the expected responses are complete, then waits for the close (EOF) or
 * proves the connection is still usable with a probe request.
 */
import type { ExpectedResponse, HttpCase } from './case-file.js'
import { encodeByteNotation } from './byte-notation.js'
import { compareObservation, parseHandlerReport } from './handler-report.js'
import { RawConnection, type ServerAddress } from './raw-connection.js'
import { parseResponse, type ParsedResponse } from './response-parser.js'

/** The request the driver sends to prove a connection is still open and in step. */
export const PROBE_REQUEST = Buffer.from('GET /__probe HTTP/1.1\r\nHost: probe.invalid\r\n\r\n', 'latin1')

/** How the driver hands a send block to the socket. */
export type Splitter = (bytes: Buffer, stepIndex: number) => Buffer[]

/** Options of one run. */
export interface RunCaseOptions {
  /** Cuts each send block into writes; by default each block is one write. */
  split?: Splitter
  /** See RawConnection: fails a wait after this long without any byte or close. */
  silenceGuardMs?: number
}

/** The outcome of one case. */
export interface CaseVerdict {
  id: string
  ok: boolean
  /** One line per difference between the case and what the server did. */
  failures: string[]
  /** What was sent and received, in byte notation, for the report. */
  transcript: string
}

class CaseFailure extends Error {}

/**
 * Loop turns the driver lets pass between the pieces of a split send block. A server in the
 * same process (node:http in the validator, an in-process server in vitest) only reads when the
 * loop turns, so without them every piece would arrive in one read. Only the shape of the
 * reads depends on this, never a verdict.
 */
const LOOP_TURNS_BETWEEN_PIECES = 2

async function loopTurns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Runs `testCase` against the server at `address`. */
export async function runHttpCase(testCase: HttpCase, address: ServerAddress, options: RunCaseOptions = {}): Promise<CaseVerdict> {
  const connection = await RawConnection.open(address, options.silenceGuardMs)
  const sent: Buffer[] = []
  const failures: string[] = []
  try {
    await playSteps(testCase, connection, sent, options.split)
  } catch (err) {
    failures.push(err instanceof CaseFailure ? err.message : `${(err as Error).name}: ${(err as Error).message}`)
  } finally {
    connection.destroy()
  }
  return { id: testCase.id, ok: failures.length === 0, failures, transcript: transcript(sent, connection.received()) }
}

async function playSteps(testCase: HttpCase, connection: RawConnection, sent: Buffer[], split: Splitter | undefined): Promise<void> {
  const reader = new ResponseReader(connection)
  let lastFinalStatus: number | undefined
  let closedWithoutResponse = false
  for (const [index, step] of testCase.steps.entries()) {
    if (step.kind === 'send') {
      const pieces = split ? split(step.bytes, index) : [step.bytes]
      for (const [position, piece] of pieces.entries()) {
        sent.push(piece)
        await connection.write(piece)
        if (position < pieces.length - 1) await loopTurns(LOOP_TURNS_BETWEEN_PIECES)
      }
      if (step.endAfter) connection.end()
      continue
    }
    for (const expected of step.responses) {
      const label = `response ${reader.count + 1}`
      const response = await reader.next(expected.head, label)
      if (!response) {
        if (expected.optional) continue
        if (expected.noResponse) {
          closedWithoutResponse = true
          break
        }
        throw new CaseFailure(`${label}: expected ${describe(expected)}, but the connection closed${reader.leftover()}`)
      }
      if (expected.optional && response.status !== expected.statuses[0]) {
        // The optional interim response was omitted: the response read is for the next expectation.
        reader.unread(response)
        continue
      }
      checkResponse(response, expected, label)
      if (response.status >= 200) lastFinalStatus = response.status
    }
  }
  if (closedWithoutResponse) return
  switch (testCase.terminal) {
    case 'close':
      return expectClose(connection, reader)
    case 'open':
      return expectOpen(connection, reader, sent, false)
    case 'close on error':
      return (lastFinalStatus ?? 0) >= 400 ? expectClose(connection, reader) : expectOpen(connection, reader, sent, false)
    case 'close or open':
      return connection.ended ? expectClose(connection, reader) : expectOpen(connection, reader, sent, true)
  }
}

function checkResponse(response: ParsedResponse, expected: ExpectedResponse, label: string): void {
  if (!expected.statuses.includes(response.status)) {
    const hint = response.status < 200 ? ' (an interim response the case does not allow)' : ''
    throw new CaseFailure(`${label}: expected ${describe(expected)}, got ${response.status} ${response.reason}${hint}`)
  }
  if (response.status === 200 && expected.observation) {
    let report
    try {
      report = parseHandlerReport(response.body)
    } catch (err) {
      throw new CaseFailure(`${label}: ${(err as Error).message}`)
    }
    const differences = compareObservation(expected.observation, report)
    if (differences.length > 0) throw new CaseFailure(`${label}: ${differences.join('; ')}`)
  }
}

async function expectClose(connection: RawConnection, reader: ResponseReader): Promise<void> {
  try {
    await connection.waitForEnd('the server to close the connection')
  } catch {
    throw new CaseFailure(`expected the server to close the connection; it stayed open${reader.leftover()}`)
  }
  const extra = reader.rest()
  if (extra.length > 0) {
    throw new CaseFailure(`expected the connection to close after ${reader.count} response(s), but more bytes came: ${quote(extra)}`)
  }
}

/**
 * Sends the probe and checks that its own 200 comes back. With `closeAllowed`, the server may
 * instead close without another byte (it was closing when the probe went out).
 */
async function expectOpen(connection: RawConnection, reader: ResponseReader, sent: Buffer[], closeAllowed: boolean): Promise<void> {
  if (connection.ended) throw new CaseFailure(`expected the connection to stay open; the server closed it${reader.leftover()}`)
  sent.push(PROBE_REQUEST)
  await connection.write(PROBE_REQUEST)
  const probe = await reader.next(false, 'the probe response')
  if (!probe && closeAllowed && reader.rest().length === 0) return
  if (!probe) throw new CaseFailure(`expected the connection to stay open; it closed instead of answering the probe${reader.leftover()}`)
  const url = probe.status === 200 ? safeUrl(probe.body) : undefined
  if (url !== '/__probe') {
    throw new CaseFailure(`the probe request got ${probe.status} ${probe.reason} (url ${JSON.stringify(url)}) instead of its own 200: the connection is out of step`)
  }
}

function safeUrl(body: Buffer): string | undefined {
  try {
    return parseHandlerReport(body).url
  } catch {
    return undefined
  }
}

/** Reads responses one after the other off a connection. */
class ResponseReader {
  private offset = 0
  private pushedBack: ParsedResponse | undefined
  count = 0

  constructor(private readonly connection: RawConnection) {}

  /** The next complete response, or undefined when the connection ended before one. */
  async next(head: boolean, label: string): Promise<ParsedResponse | undefined> {
    if (this.pushedBack) {
      const response = this.pushedBack
      this.pushedBack = undefined
      return response
    }
    let response: ParsedResponse | undefined
    try {
      await this.connection.waitFor(() => {
        response = parseResponse(this.connection.received(), this.offset, { head, eof: this.connection.ended })
        return response !== undefined
      }, label)
    } catch (err) {
      throw new CaseFailure(`${label}: ${(err as Error).message}${this.leftover()}`)
    }
    if (!response) return undefined
    this.offset += response.size
    this.count++
    return response
  }

  /** Gives back a response for the next call of next(). */
  unread(response: ParsedResponse): void {
    this.pushedBack = response
  }

  /** The bytes after the last complete response. */
  rest(): Buffer {
    return this.connection.received().subarray(this.offset)
  }

  /** A note about bytes that did not make a complete response, for failure messages. */
  leftover(): string {
    const rest = this.rest()
    return rest.length === 0 ? '' : ` (unparsed bytes: ${quote(rest)})`
  }
}

function describe(expected: ExpectedResponse): string {
  const alternatives = [...expected.statuses.map(String), ...(expected.noResponse ? ['no response'] : [])]
  return alternatives.join(' or ')
}

function quote(bytes: Buffer, limit = 300): string {
  const text = encodeByteNotation(bytes.subarray(0, limit)).replace(/\n/g, '')
  return bytes.length > limit ? `${text}... (${bytes.length} bytes)` : text
}

function transcript(sent: Buffer[], received: Buffer): string {
  const show = (bytes: Buffer) => {
    const text = encodeByteNotation(bytes.subarray(0, 2000))
    return bytes.length > 2000 ? `${text}\n... (${bytes.length} bytes in all)` : text
  }
  return `sent:\n${show(Buffer.concat(sent))}\nreceived:\n${show(received)}`
}
