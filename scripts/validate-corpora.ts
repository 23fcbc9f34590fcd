/**
 * Validates the HTTP corpus and the WebSocket conformance suite against independent
 * implementations: node:http (strict parser, with the corpus's reference handler) and the `ws`
 * package (an echo WebSocketServer, maxPayload 16 MiB). Prints one line per case and a summary.
 *
 *   npm run validate:corpora -- [--http] [--ws] [--split] [--seed N] [--verbose] [filter]
 *
 * A case that fails against a reference is reported as a known disagreement when its file says
 * why (`Known disagreement (node:http): ...` / `knownDisagreements.ws`), and as unexpected
 * otherwise; the exit code is 1 when any failure is unexpected or any note has gone stale.
 */
import { readFileSync } from 'node:fs'
import { loadHttpCorpus } from '../packages/server/tests/http-corpus/corpus.js'
import { runHttpCase, type CaseVerdict } from '../packages/server/tests/http-corpus/driver.js'
import { startNodeHttpReference } from '../packages/server/tests/http-corpus/reference-node-http.js'
import { ServerPool } from '../packages/server/tests/http-corpus/server-pool.js'
import { runSplitChecks } from '../packages/server/tests/http-corpus/split-requests.js'

interface Tally {
  suite: string
  reference: string
  total: number
  passed: number
  known: { id: string; note: string; failure: string }[]
  unexpected: { id: string; failure: string }[]
  stale: string[]
}

const args = process.argv.slice(2)
const flags = new Set(args.filter((arg) => arg.startsWith('--')))
const seedIndex = args.indexOf('--seed')
const seed = seedIndex >= 0 ? Number(args[seedIndex + 1]) : 1
const filter = args.find((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--seed')
const verbose = flags.has('--verbose')
const all = !flags.has('--http') && !flags.has('--ws') && !flags.has('--split')

function record(tally: Tally, verdict: CaseVerdict, note: string | undefined): void {
  tally.total++
  const failure = verdict.failures.join(' | ')
  if (verdict.ok) {
    tally.passed++
    if (note) tally.stale.push(verdict.id)
    console.log(`  pass   ${verdict.id}${note ? '   (stale disagreement note: it passes now)' : ''}`)
  } else if (note) {
    tally.known.push({ id: verdict.id, note, failure })
    console.log(`  known  ${verdict.id}: ${failure}`)
  } else {
    tally.unexpected.push({ id: verdict.id, failure })
    console.log(`  FAIL   ${verdict.id}: ${failure}`)
    if (verbose) console.log(verdict.transcript.replace(/^/gm, '         '))
  }
}

async function validateHttp(): Promise<Tally> {
  const tally: Tally = { suite: 'HTTP corpus', reference: 'node:http', total: 0, passed: 0, known: [], unexpected: [], stale: [] }
  const pool = new ServerPool(startNodeHttpReference)
  console.log(`HTTP corpus against node:http ${process.version}`)
  try {
    for (const testCase of loadHttpCorpus()) {
      if (filter && !testCase.id.includes(filter)) continue
      const verdict = await runHttpCase(testCase, await pool.address(testCase.limits))
      record(tally, verdict, testCase.knownDisagreements['node:http'])
    }
  } finally {
    await pool.closeAll()
  }
  return tally
}

async function validateSplits(): Promise<Tally> {
  const tally: Tally = { suite: 'HTTP split/pipeline checks', reference: 'node:http', total: 0, passed: 0, known: [], unexpected: [], stale: [] }
  const pool = new ServerPool(startNodeHttpReference)
  console.log(`HTTP requests split at every byte and pipelined in random pieces (seed ${seed}) against node:http`)
  try {
    const cases = loadHttpCorpus().filter((c) => !c.knownDisagreements['node:http'])
    const summary = await runSplitChecks(cases, (limits) => pool.address(limits), { seed })
    for (const verdict of summary.verdicts) record(tally, verdict, undefined)
    console.log(`  (${summary.connections} connections)`)
  } finally {
    await pool.closeAll()
  }
  return tally
}

async function validateWs(): Promise<Tally> {
  const tally: Tally = { suite: 'WebSocket conformance', reference: 'ws', total: 0, passed: 0, known: [], unexpected: [], stale: [] }
  const { loadWsConformance } = await import('../packages/server/tests/ws-conformance/suite.js')
  const { runWsCase } = await import('../packages/server/tests/ws-conformance/driver.js')
  const { startWsEchoReference } = await import('../packages/server/tests/ws-conformance/reference-ws-echo.js')
  const pool = new ServerPool(startWsEchoReference)
  const { version } = JSON.parse(readFileSync(require.resolve('ws/package.json'), 'utf8')) as { version: string }
  console.log(`WebSocket conformance against ws ${version}`)
  try {
    for (const testCase of loadWsConformance()) {
      if (filter && !testCase.id.startsWith(filter)) continue
      const verdict = await runWsCase(testCase, await pool.address(testCase.server))
      record(tally, verdict, testCase.knownDisagreements?.ws)
    }
  } finally {
    await pool.closeAll()
  }
  return tally
}

async function main(): Promise<void> {
  const tallies: Tally[] = []
  if (all || flags.has('--http')) tallies.push(await validateHttp())
  if (all || flags.has('--split')) tallies.push(await validateSplits())
  if (all || flags.has('--ws')) tallies.push(await validateWs())

  console.log('\nSummary')
  for (const tally of tallies) {
    console.log(
      `  ${tally.suite} against ${tally.reference}: ${tally.total} cases, ${tally.passed} pass, ` +
        `${tally.known.length} known disagreements, ${tally.unexpected.length} unexpected failures, ${tally.stale.length} stale notes`,
    )
    for (const { id, note } of tally.known) console.log(`    known  ${id}: ${note}`)
    for (const { id, failure } of tally.unexpected) console.log(`    FAIL   ${id}: ${failure}`)
    for (const id of tally.stale) console.log(`    stale  ${id}`)
  }
  const failed = tallies.some((tally) => tally.unexpected.length > 0 || tally.stale.length > 0)
  process.exitCode = failed ? 1 : 0
}

// The root package is CommonJS, so no top-level await here.
void main()
