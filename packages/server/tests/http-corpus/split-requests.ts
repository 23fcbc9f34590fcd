/**
 * The randomised splitter: the corpus's valid requests sent split at every byte boundary, and
 * several pipelined at once cut into random pieces (reproducible from a seed). A parser that
 * keeps state across reads wrongly shows up here even when every whole-request case passes.
 *
 * Each piece is written only after the kernel took the previous one, with Nagle off, so pieces
 * usually reach the server as separate reads; when the server happens to read two at once the
 * check is weaker but still valid, so nothing depends on timing.
 */
import type { CorpusLimits, HttpCase } from './case-file.js'
import { CORPUS_DEFAULT_LIMITS } from './case-file.js'
import { runHttpCase, type CaseVerdict, type Splitter } from './driver.js'
import type { ServerAddress } from './raw-connection.js'
import { seededRandom } from './seeded-random.js'

/** Cuts a send block in two at byte `offset`. */
export function splitAt(offset: number): Splitter {
  return (bytes) => [bytes.subarray(0, offset), bytes.subarray(offset)]
}

/** Cuts a send block into 2 to 12 pieces at random offsets. */
export function randomPieces(random: () => number): Splitter {
  return (bytes) => {
    const cuts = new Set<number>()
    const wanted = 1 + Math.floor(random() * 11)
    for (let i = 0; i < wanted && bytes.length > 1; i++) cuts.add(1 + Math.floor(random() * (bytes.length - 1)))
    const offsets = [0, ...[...cuts].sort((a, b) => a - b), bytes.length]
    return offsets.slice(1).map((end, i) => bytes.subarray(offsets[i], end))
  }
}

/**
 * A case the splitter can use: one whole send block, one expect block of plain 2xx responses
 * (no alternatives), the default limits, and a connection that stays open or closes for sure.
 */
export function isSplittable(testCase: HttpCase): boolean {
  const [send, expect, ...rest] = testCase.steps
  return (
    rest.length === 0 &&
    send?.kind === 'send' &&
    !send.endAfter &&
    expect?.kind === 'expect' &&
    expect.responses.every((r) => r.statuses.length === 1 && r.statuses[0]! >= 200 && r.statuses[0]! < 300 && !r.noResponse) &&
    (testCase.terminal === 'open' || testCase.terminal === 'close') &&
    JSON.stringify(testCase.limits) === JSON.stringify(CORPUS_DEFAULT_LIMITS)
  )
}

/** Options of a split run. */
export interface SplitOptions {
  /** Seed of the pipelined rounds. */
  seed: number
  /** How many random pipelines to send (default 100). */
  rounds?: number
  /** Send blocks longer than this are not split at every byte (default 1024). */
  maxBytesForEveryBoundary?: number
}

/** One verdict per case split at every boundary, and one per pipelined round. */
export interface SplitSummary {
  verdicts: CaseVerdict[]
  /** How many connections were made in all. */
  connections: number
}

/** Runs the every-boundary splits and the seeded pipelines against the server `addressFor` gives. */
export async function runSplitChecks(
  corpus: HttpCase[],
  addressFor: (limits: CorpusLimits) => Promise<ServerAddress>,
  options: SplitOptions,
): Promise<SplitSummary> {
  const cases = corpus.filter(isSplittable)
  const address = await addressFor({ ...CORPUS_DEFAULT_LIMITS })
  const verdicts: CaseVerdict[] = []
  let connections = 0

  for (const testCase of cases) {
    const send = testCase.steps[0]!
    if (send.kind !== 'send' || send.bytes.length > (options.maxBytesForEveryBoundary ?? 1024)) continue
    const failures: string[] = []
    for (let offset = 1; offset < send.bytes.length && failures.length < 3; offset++) {
      connections++
      const verdict = await runHttpCase(testCase, address, { split: splitAt(offset) })
      if (!verdict.ok) failures.push(`split at byte ${offset}: ${verdict.failures.join('; ')}`)
    }
    verdicts.push({ id: `every-boundary/${testCase.id}`, ok: failures.length === 0, failures, transcript: '' })
  }

  const random = seededRandom(options.seed)
  const pipelinable = cases.filter((c) => c.terminal === 'open')
  for (let round = 1; round <= (options.rounds ?? 100); round++) {
    const members = Array.from({ length: 2 + Math.floor(random() * 5) }, () => pipelinable[Math.floor(random() * pipelinable.length)]!)
    const pipeline = combine(members, `pipeline/seed-${options.seed}-round-${round}`)
    connections++
    const verdict = await runHttpCase(pipeline, address, { split: randomPieces(random) })
    verdicts.push({ ...verdict, failures: verdict.failures.map((f) => `${f} [members: ${members.map((m) => m.id).join(', ')}]`) })
  }
  return { verdicts, connections }
}

/** One case that sends the members' requests back to back and expects their responses in order. */
function combine(members: HttpCase[], id: string): HttpCase {
  const bytes: Buffer[] = []
  const responses = members.flatMap((member) => {
    const [send, expect] = member.steps
    if (send?.kind === 'send') bytes.push(send.bytes)
    return expect?.kind === 'expect' ? expect.responses : []
  })
  return {
    ...members[0]!,
    id,
    title: `pipeline of ${members.length}`,
    steps: [
      { kind: 'send', bytes: Buffer.concat(bytes), endAfter: false },
      { kind: 'expect', responses },
    ],
    terminal: 'open',
    knownDisagreements: {},
  }
}
