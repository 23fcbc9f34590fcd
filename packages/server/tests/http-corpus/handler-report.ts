/**
 * The reference handler's report: what the server under test must answer to every request of
 * the corpus (status 200, Content-Length, this JSON as the body), and how a case's expected
 * observation is compared with it. The contract is written out in README.md.
 */

/** One header or trailer field as the handler saw it: lower-case name, value without OWS. */
export type FieldPair = [name: string, value: string]

/** The JSON body the reference handler answers with. */
export interface HandlerReport {
  method: string
  /** The request-target exactly as received. */
  url: string
  /** The path of the target: the part before `?` (for absolute-form, the URI's path). */
  path: string
  /** The raw query: the text after the first `?`, without it; '' when there is none. */
  query: string
  /** '1.1' or '1.0' (as node:http's `req.httpVersion`). */
  httpVersion: string
  /** Every header field line in received order; names lower-case, values latin1 strings. */
  headers: FieldPair[]
  /** The body bytes, base64. */
  body: string
  /** Trailer fields of a chunked body in received order; [] when there are none. */
  trailers: FieldPair[]
}

/**
 * What a case expects the handler to have seen. Every key is optional; a key present is compared
 * exactly. `body` is the body as UTF-8 text, `bodyBase64` the same for binary bodies.
 */
export interface ExpectedObservation {
  method?: string
  url?: string
  path?: string
  query?: string
  httpVersion?: string
  headers?: FieldPair[]
  body?: string
  bodyBase64?: string
  trailers?: FieldPair[]
}

const STRING_KEYS = ['method', 'url', 'path', 'query', 'httpVersion', 'body', 'bodyBase64'] as const
const PAIR_KEYS = ['headers', 'trailers'] as const

/** Checks the shape of an expected observation parsed from a case; returns the problems found. */
export function validateObservation(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['the observation is not a JSON object']
  const problems: string[] = []
  for (const [key, field] of Object.entries(value)) {
    if ((STRING_KEYS as readonly string[]).includes(key)) {
      if (typeof field !== 'string') problems.push(`"${key}" must be a string`)
    } else if ((PAIR_KEYS as readonly string[]).includes(key)) {
      if (!isPairList(field)) problems.push(`"${key}" must be a list of [name, value] string pairs`)
      else if (field.some(([name]) => name !== name.toLowerCase())) problems.push(`"${key}" names must be lower-case`)
    } else {
      problems.push(`unknown key "${key}"`)
    }
  }
  if ('body' in value && 'bodyBase64' in value) problems.push('give "body" or "bodyBase64", not both')
  return problems
}

function isPairList(value: unknown): value is FieldPair[] {
  return (
    Array.isArray(value) &&
    value.every((pair) => Array.isArray(pair) && pair.length === 2 && pair.every((part) => typeof part === 'string'))
  )
}

/** Parses a response body as a handler report; throws with a readable reason if it is not one. */
export function parseHandlerReport(body: Buffer): HandlerReport {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    throw new Error(`the 200 body is not the reference handler's JSON: ${JSON.stringify(body.subarray(0, 200).toString('latin1'))}`)
  }
  const report = value as Partial<HandlerReport>
  const missing = [...STRING_KEYS.filter((key) => key !== 'bodyBase64'), ...PAIR_KEYS].filter((key) =>
    PAIR_KEYS.includes(key as (typeof PAIR_KEYS)[number]) ? !isPairList(report[key]) : typeof report[key] !== 'string',
  )
  if (missing.length > 0) throw new Error(`the handler report lacks or mistypes: ${missing.join(', ')}`)
  return report as HandlerReport
}

/** Compares an expectation with a report; returns one readable line per difference. */
export function compareObservation(expected: ExpectedObservation, report: HandlerReport): string[] {
  const differences: string[] = []
  const actualBody = Buffer.from(report.body, 'base64')
  for (const key of Object.keys(expected) as (keyof ExpectedObservation)[]) {
    const want = expected[key]
    let got: unknown
    if (key === 'body') got = actualBody.toString('utf8')
    else if (key === 'bodyBase64') got = report.body
    else got = report[key]
    if (JSON.stringify(want) !== JSON.stringify(got)) {
      differences.push(`${key}: expected ${JSON.stringify(want)}, handler saw ${JSON.stringify(got)}`)
    }
  }
  return differences
}
