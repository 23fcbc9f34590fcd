#!/usr/bin/env node
// Seeded fuzzer for the native addon: calls every export with hostile arguments in child
// processes and classifies each case as ok / error (a clean, coded exception) / uncoded (an
// exception without a code) / crash (the child died: a signal, an abort) / hang (it did not
// finish in time). Cases run in batches, one child per batch; when a batch crashes or hangs,
// its cases are re-run one per child to name the one responsible.
//
//   npm run fuzz -- --seed 7 --cases 20000            a long run (exit 1 on any finding)
//   npm run fuzz -- --seed 7 --case 1234              replay one case, every call printed
//   node scripts/fuzz/fuzz.mjs --seed 1 --cases 500 --json   the result as one JSON line
//   IO_NATIVE_PATH=native/build-asan/... npm run fuzz  against another build (ASan)
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const childScript = fileURLToPath(new URL('./child.mjs', import.meta.url))

/**
 * Runs `node child.mjs` over `args`; resolves with its report lines and how it ended. A child
 * that writes nothing for `timeoutMs` (one case taking that long) is killed as hung.
 */
function runChild(args, timeoutMs, env) {
  return new Promise((resolve) => {
    // Reports come on fd 3; stdin and stdout are /dev/null, so a case that reads or writes fd 0
    // or 1 (hostile numbers do) touches nothing that matters. stderr carries crash reports.
    const child = spawn(process.execPath, ['--expose-gc', childScript, ...args], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, FUZZ_REPORT_FD: '3' },
    })
    let out = ''
    let err = ''
    let timedOut = false
    const hung = () => {
      timedOut = true
      child.kill('SIGKILL')
    }
    let timer = setTimeout(hung, timeoutMs)
    child.stdio[3].on('data', (d) => {
      out += d
      clearTimeout(timer)
      timer = setTimeout(hung, timeoutMs)
    })
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)))
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const started = []
      const reports = new Map()
      for (const line of out.split('\n')) {
        if (line.startsWith('S ')) started.push(Number(line.slice(2)))
        else if (line.startsWith('R ')) {
          const space = line.indexOf(' ', 2)
          reports.set(Number(line.slice(2, space)), JSON.parse(line.slice(space + 1)))
        }
      }
      resolve({ code, signal, timedOut, started, reports, stderr: err })
    })
  })
}

/** How a child that did not finish ended, in words. */
function ending(run) {
  if (run.timedOut) return 'hang'
  return 'crash'
}

function endingDetail(run) {
  if (run.timedOut) return 'no progress before the timeout'
  const last = run.stderr.trim().split('\n').slice(-3).join(' | ')
  return `${run.signal ? `signal ${run.signal}` : `exit code ${run.code}`}${last ? `: ${last}` : ''}`
}

/**
 * Runs cases [start, start + cases) of `seed`. Returns { seed, cases, counts, findings }, a
 * finding being { kind: 'crash' | 'hang' | 'uncoded', cases: [index...], detail, replay }.
 */
export async function runFuzz({ seed, cases, start = 0, batch = 200, jobs = 1, caseTimeoutMs = 20_000, env = {}, log = () => {} }) {
  const classes = new Map() // case -> ok | error | uncoded | crash | hang
  const findings = []
  const replay = (list) =>
    list.length === 1 ? `npm run fuzz -- --seed ${seed} --case ${list[0]}` : `npm run fuzz -- --seed ${seed} --list ${list.join(',')}`

  const record = (index, report) => {
    classes.set(index, report.result)
    if (report.result === 'uncoded') {
      findings.push({ kind: 'uncoded', cases: [index], detail: report.unclean.join('; '), replay: replay([index]) })
    }
  }

  // A batch died in case `died`: re-run it alone, and if it passes alone, each case of the batch
  // up to it, to name the one responsible; if none fails alone, the sequence is the finding.
  async function isolate(died, run, from) {
    const suspects = [died, ...Array.from({ length: died - from }, (_, i) => from + i)]
    for (const index of suspects) {
      const alone = await runChild(['--seed', String(seed), '--list', String(index)], caseTimeoutMs, env)
      if (alone.code === 0 && alone.reports.has(index)) {
        if (index === died) record(index, alone.reports.get(index))
        continue
      }
      classes.set(index, ending(alone))
      findings.push({ kind: ending(alone), cases: [index], detail: endingDetail(alone), replay: replay([index]) })
      log(`  case ${index}: ${ending(alone)} (${endingDetail(alone)})`)
      return
    }
    const sequence = Array.from({ length: died - from + 1 }, (_, i) => from + i)
    classes.set(died, ending(run))
    findings.push({ kind: ending(run), cases: sequence, detail: `only in sequence: ${endingDetail(run)}`, replay: replay(sequence) })
  }

  async function runBatch(from, to) {
    const run = await runChild(['--seed', String(seed), '--from', String(from), '--to', String(to)], caseTimeoutMs, env)
    for (const [index, report] of run.reports) record(index, report)
    if (run.code === 0 && run.reports.size === to - from) return
    // The case that was running when the child died; the ones before it finished.
    const died = run.started.find((i) => !run.reports.has(i)) ?? from
    log(`batch ${from}..${to - 1}: ${ending(run)} in case ${died} (${endingDetail(run)}); re-running cases alone`)
    await isolate(died, run, from)
    if (died + 1 < to) await runBatch(died + 1, to) // the cases the dead child never reached
  }

  const batches = []
  for (let from = start; from < start + cases; from += batch) batches.push([from, Math.min(from + batch, start + cases)])
  let nextBatch = 0
  const worker = async () => {
    while (nextBatch < batches.length) {
      const [from, to] = batches[nextBatch++]
      await runBatch(from, to)
      log(`cases ${from}..${to - 1} done`)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker))
  const counts = { ok: 0, error: 0, uncoded: 0, crash: 0, hang: 0 }
  for (const c of classes.values()) counts[c]++
  return { seed, start, cases, counts, findings }
}

/** The summary a run prints. */
export function summarize(result) {
  const c = result.counts
  const lines = [
    `seed ${result.seed}, cases ${result.start}..${result.start + result.cases - 1}: ` +
      `${c.ok} ok, ${c.error} clean errors, ${c.uncoded} uncoded, ${c.crash} crashes, ${c.hang} hangs`,
  ]
  for (const f of result.findings) lines.push(`  ${f.kind.toUpperCase()} case ${f.cases.join(',')}: ${f.detail}\n    replay: ${f.replay}`)
  return lines.join('\n')
}

async function main() {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      cases: { type: 'string', default: '2000' },
      start: { type: 'string', default: '0' },
      batch: { type: 'string', default: '200' },
      jobs: { type: 'string', default: '1' },
      case: { type: 'string' },
      list: { type: 'string' },
      'case-timeout': { type: 'string', default: '20000' },
      json: { type: 'boolean', default: false },
    },
  })
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
  if (!Number.isInteger(seed) || seed < 0) throw new Error('--seed must be a non-negative integer')
  if (values.case !== undefined || values.list !== undefined) {
    // A replay: the cases in one child, every call printed.
    const list = values.list ?? values.case
    const run = await runChild(['--seed', String(seed), '--list', list, '--verbose'], 60_000, {})
    for (const index of list.split(',').map(Number)) {
      const report = run.reports.get(index)
      console.log(`case ${index}: ${report ? report.result : ending(run)}`)
      for (const c of report?.calls ?? []) console.log(`  ${c}`)
      for (const u of report?.unclean ?? []) console.log(`  UNCODED ${u}`)
    }
    if (run.code !== 0) console.log(`child ended with ${endingDetail(run)}`)
    process.exit(run.code === 0 ? 0 : 1)
  }
  const started = Date.now()
  const result = await runFuzz({
    seed,
    cases: Number(values.cases),
    start: Number(values.start),
    batch: Number(values.batch),
    jobs: Number(values.jobs),
    caseTimeoutMs: Number(values['case-timeout']),
    log: (line) => (values.json ? undefined : console.log(line)),
  })
  if (values.json) console.log(JSON.stringify(result))
  else {
    console.log(summarize(result))
    console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`)
  }
  process.exit(result.findings.length === 0 ? 0 : 1)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
