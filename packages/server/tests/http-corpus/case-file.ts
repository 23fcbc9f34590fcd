/**
 * Parses one markdown case of the HTTP corpus (the format is described in README.md) into the
 * steps the driver runs. Parsing is strict: a case that a reader could misread is an error.
 */
import { decodeByteNotation } from './byte-notation.js'
import { validateObservation, type ExpectedObservation } from './handler-report.js'

/** How firmly the RFC asks for the expected behaviour. */
export type RuleStrength = 'must' | 'should' | 'choice' | 'limit'

/** One response a case waits for. */
export interface ExpectedResponse {
  /** Acceptable status codes; empty only when `noResponse` is the sole alternative. */
  statuses: number[]
  /** `none` was listed: the server may close instead of answering. */
  noResponse: boolean
  /** The response answers a HEAD request: it has no body whatever its headers say. */
  head: boolean
  /** An interim (1xx) response that the server may omit. */
  optional: boolean
  /** Compared with the handler report when the response is a 200. */
  observation?: ExpectedObservation
}

/**
 * What must happen to the connection once every expected response has arrived: `close` (EOF and
 * nothing more), `open` (a probe request gets its own answer), `close on error` (close after a
 * final status of 400 or more, open otherwise), `close or open` (either, but if it stays open
 * the probe must still get its own answer).
 */
export type Terminal = 'close' | 'open' | 'close on error' | 'close or open'

export type CaseStep =
  | { kind: 'send'; bytes: Buffer; /** half-close (FIN) after sending */ endAfter: boolean }
  | { kind: 'expect'; responses: ExpectedResponse[] }

/** The limits a server runs a case with; a case's `server` block overrides the defaults. */
export interface CorpusLimits {
  /** Largest request body accepted, in bytes (over it: 413). */
  bodyLimit: number
  /** Largest request line plus header section, in bytes (over it: 431). */
  maxHeaderBytes: number
  /** Longest request-target, in bytes (over it: 414). */
  maxTargetBytes: number
  /** Most header field lines (over it: 431). */
  maxHeaderCount: number
}

/** The defaults the corpus assumes; a server under test is started with these unless a case overrides one. */
export const CORPUS_DEFAULT_LIMITS: Readonly<CorpusLimits> = Object.freeze({
  bodyLimit: 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxTargetBytes: 8 * 1024,
  maxHeaderCount: 100,
})

/** A parsed case file. */
export interface HttpCase {
  /** The path below cases/ without `.md`: `framing/cl-and-te-together`. */
  id: string
  /** The folder: request-line, headers, framing, ... */
  topic: string
  title: string
  strength: RuleStrength
  /** The text of the `Rule (...):` line. */
  rule: string
  /** `RFC 9112 §6.1` and the like, as cited by the rule. */
  citations: string[]
  limits: CorpusLimits
  steps: CaseStep[]
  terminal: Terminal
  /** Reference implementation name -> why it disagrees with this case (from `Known disagreement (...)`). */
  knownDisagreements: Record<string, string>
}

/** A case file that does not follow the format. */
export class CaseFormatError extends Error {
  constructor(id: string, problems: string[]) {
    super(`${id}: ${problems.join('; ')}`)
    this.name = 'CaseFormatError'
  }
}

const FENCE = /^```(.*)$/
const RULE = /^Rule \((must|should|choice|limit)\): (.+)$/
const CITATION = /RFC \d{4} §\d+(?:\.\d+)*/g
const DISAGREEMENT = /^Known disagreement \(([^)]+)\): (.+)$/
const STATUS_LINE = /^((?:[1-5]\d\d|none)(?: or (?:[1-5]\d\d|none))*)((?: head| optional)*)$/
const TERMINAL = /^(close|open|close on error|close or open)$/

/** Parses the markdown of a case; throws CaseFormatError listing every problem found. */
export function parseCaseFile(id: string, markdown: string): HttpCase {
  const problems: string[] = []
  const lines = markdown.replace(/\r\n/g, '\n').split('\n')
  const title = /^# (.+)$/.exec(lines[0] ?? '')?.[1]?.trim()
  if (!title) problems.push('the first line must be "# Title"')

  let rule: RegExpExecArray | null = null
  const knownDisagreements: Record<string, string> = {}
  const steps: CaseStep[] = []
  let limits: CorpusLimits = { ...CORPUS_DEFAULT_LIMITS }
  let terminal: Terminal | undefined
  let terminalStep = -1

  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const fence = FENCE.exec(line)
    if (!fence) {
      const ruleMatch = RULE.exec(line)
      if (ruleMatch) {
        if (rule) problems.push('more than one Rule line')
        rule = ruleMatch
      }
      const disagreement = DISAGREEMENT.exec(line)
      if (disagreement) knownDisagreements[disagreement[1]!] = joinParagraph(lines, i, disagreement[2]!)
      continue
    }
    const end = lines.indexOf('```', i + 1)
    if (end < 0) {
      problems.push(`the fence on line ${i + 1} is never closed`)
      break
    }
    const body = lines.slice(i + 1, end)
    const info = fence[1]!.trim()
    const where = `block on line ${i + 1}`
    try {
      if (info === 'send' || info === 'send end') {
        const bytes = decodeByteNotation(body.join('\n'))
        if (bytes.length === 0) problems.push(`${where}: sends nothing`)
        steps.push({ kind: 'send', bytes, endAfter: info === 'send end' })
      } else if (info === 'expect') {
        const parsed = parseExpectBlock(body)
        if (parsed.terminal) {
          if (terminal) problems.push(`${where}: a second terminal line (close/open) in the case`)
          terminal = parsed.terminal
          terminalStep = steps.length
        }
        steps.push({ kind: 'expect', responses: parsed.responses })
      } else if (info === 'server') {
        limits = parseServerBlock(body.join('\n'))
      } else {
        problems.push(`${where}: unknown block "${info}" (send, send end, expect or server)`)
      }
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`)
    }
    i = end
  }

  if (!rule) problems.push('no "Rule (must|should|choice|limit): ... RFC NNNN §N ..." line')
  const citations = rule ? [...rule[2]!.matchAll(CITATION)].map((m) => m[0]) : []
  if (rule && citations.length === 0) problems.push('the Rule line cites no "RFC NNNN §N"')
  problems.push(...checkStepOrder(steps, terminal))
  if (terminal && terminalStep !== steps.length - 1) problems.push('the terminal line must be in the last expect block')
  if (problems.length > 0) throw new CaseFormatError(id, problems)

  return {
    id,
    topic: id.split('/')[0]!,
    title: title!,
    strength: rule![1] as RuleStrength,
    rule: rule![2]!,
    citations,
    limits,
    steps,
    terminal: terminal!,
    knownDisagreements,
  }
}

function joinParagraph(lines: string[], start: number, first: string): string {
  const parts = [first]
  for (let j = start + 1; j < lines.length && lines[j]!.trim() !== '' && !FENCE.test(lines[j]!); j++) parts.push(lines[j]!.trim())
  return parts.join(' ')
}

function parseExpectBlock(body: string[]): { responses: ExpectedResponse[]; terminal?: Terminal } {
  const responses: ExpectedResponse[] = []
  const json: string[][] = []
  let terminal: Terminal | undefined
  for (const raw of body) {
    const line = raw.trim()
    if (line === '') continue
    if (terminal) throw new Error(`"${line}" after the terminal line "${terminal}"`)
    const status = STATUS_LINE.exec(line)
    const end = TERMINAL.exec(line)
    if (status) {
      const alternatives = status[1]!.split(' or ')
      const flags = status[2]!.trim().split(' ').filter(Boolean)
      responses.push({
        statuses: alternatives.filter((s) => s !== 'none').map(Number),
        noResponse: alternatives.includes('none'),
        head: flags.includes('head'),
        optional: flags.includes('optional'),
      })
      json.push([])
    } else if (end) {
      terminal = end[1] as Terminal
    } else if (responses.length > 0) {
      json[json.length - 1]!.push(line)
    } else {
      throw new Error(`"${line}" is neither a status line nor a terminal line`)
    }
  }
  responses.forEach((response, index) => {
    const text = json[index]!.join('\n')
    if (text === '') return
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      throw new Error(`the observation of response ${index + 1} is not JSON: ${(err as Error).message}`)
    }
    const problems = validateObservation(value)
    if (problems.length > 0) throw new Error(`observation of response ${index + 1}: ${problems.join(', ')}`)
    if (!response.statuses.includes(200)) throw new Error(`response ${index + 1} has an observation but 200 is not among its statuses`)
    response.observation = value as ExpectedObservation
  })
  for (const [index, response] of responses.entries()) {
    const interim = response.statuses.some((s) => s < 200)
    if (response.optional && (!interim || response.statuses.length !== 1)) {
      throw new Error(`response ${index + 1}: only a single 1xx status may be optional`)
    }
    if (interim && (response.statuses.length !== 1 || response.noResponse)) {
      throw new Error(`response ${index + 1}: a 1xx status cannot have alternatives`)
    }
  }
  return { responses, terminal }
}

function parseServerBlock(text: string): CorpusLimits {
  const value = JSON.parse(text) as Record<string, unknown>
  const limits: CorpusLimits = { ...CORPUS_DEFAULT_LIMITS }
  for (const [key, field] of Object.entries(value)) {
    if (!(key in CORPUS_DEFAULT_LIMITS)) throw new Error(`unknown server option "${key}"`)
    if (!Number.isSafeInteger(field) || (field as number) < 1) throw new Error(`server option "${key}" must be a positive integer`)
    limits[key as keyof CorpusLimits] = field as number
  }
  return limits
}

function checkStepOrder(steps: CaseStep[], terminal: Terminal | undefined): string[] {
  const problems: string[] = []
  if (steps[0]?.kind !== 'send') problems.push('the first block must be a send block')
  const last = steps[steps.length - 1]
  if (last?.kind !== 'expect') problems.push('the last block must be an expect block')
  if (!terminal) problems.push('the last expect block must end with close, open, close on error or close or open')
  steps.forEach((step, index) => {
    if (step.kind === 'expect' && step !== last) {
      if (step.responses.length === 0) problems.push(`expect block ${index + 1} expects no response`)
      if (step.responses.some((r) => r.noResponse)) problems.push('"none" is only allowed in the last expect block')
    }
    if (step.kind === 'send' && step.endAfter) {
      if (steps.slice(index + 1).some((s) => s.kind === 'send')) problems.push('nothing can be sent after "send end"')
      if (terminal !== 'close') problems.push('after "send end" the case must end with close')
    }
  })
  const noResponseAt = last?.kind === 'expect' ? last.responses.findIndex((r) => r.noResponse) : -1
  if (last?.kind === 'expect' && noResponseAt >= 0) {
    if (noResponseAt !== last.responses.length - 1) problems.push('"none" must be the last expected response')
    if (terminal !== 'close') problems.push('"none" requires the terminal line close')
  }
  return problems
}
