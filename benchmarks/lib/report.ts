/**
 * Shared output for benchmark scripts: a printed table, a JSON results file in docs/, and a
 * section of docs/benchmarks.md that the script rewrites in place (between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers), so each scenario owns its section.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, release, tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'

export const docsDir = fileURLToPath(new URL('../../docs/', import.meta.url))

export type Row = Record<string, string | number>

/**
 * Formats rows as a GitHub markdown table: the columns of every row, in the order they first
 * appear (a row without some column leaves its cell empty).
 */
export function markdownTable(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)'
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const cell = (v: string | number | undefined) => (typeof v === 'number' ? formatNumber(v) : (v ?? ''))
  const lines = [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`]
  for (const row of rows) lines.push(`| ${columns.map((c) => cell(row[c])).join(' | ')} |`)
  return lines.join('\n')
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (Number.isInteger(v)) return v.toLocaleString('en-US')
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2)
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Which order statistics of n independent samples make a distribution-free confidence interval
 * for their distribution's median: the k-th lowest and k-th highest, with k as large as leaves
 * the interval's coverage, 1 - 2 P(Binomial(n, 1/2) < k), at or above `confidence`. Null when
 * even the lowest and highest together fall short (n of 5 or fewer for 95%).
 */
export function medianIntervalRank(n: number, confidence = 0.95): { k: number; coverage: number } | null {
  // P(Binomial(n, 1/2) = i) for i = 0, 1, ...: the chance that exactly i samples fall below the median.
  let term = 0.5 ** n
  let below = 0 // P(Binomial(n, 1/2) < k)
  let best: { k: number; coverage: number } | null = null
  for (let k = 1; 2 * k <= n; k++) {
    below += term
    term = (term * (n - (k - 1))) / k
    const coverage = 1 - 2 * below
    if (coverage < confidence) break
    best = { k, coverage }
  }
  return best
}

/** The interval of {@link medianIntervalRank} over `values`, or null. */
export function medianInterval(values: number[], confidence = 0.95): { low: number; high: number; coverage: number } | null {
  const rank = medianIntervalRank(values.length, confidence)
  if (rank === null) return null
  const sorted = [...values].sort((a, b) => a - b)
  return { low: sorted[rank.k - 1], high: sorted[values.length - rank.k], coverage: rank.coverage }
}

/** A one-line description of the machine the numbers come from. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu'
  return `${cpus().length} x ${cpu}, Linux ${release()}, Node ${process.version}`
}

/**
 * Where a benchmark writes its results: docs/, or for a smoke run (too short to be a result) a
 * new temporary folder, so that a smoke run never overwrites recorded results.
 */
export function resultsDir(smoke: boolean): string {
  return smoke ? `${mkdtempSync(`${tmpdir()}/io-bench-`)}/` : docsDir
}

/** Writes `data` as docs/NAME (or NAME in `dir`, a folder path ending in '/'). */
export function writeJson(name: string, data: unknown, dir = docsDir): string {
  const path = `${dir}${name}`
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`)
  return path
}

/** Replaces (or appends) the section NAME of docs/benchmarks.md (or of benchmarks.md in `dir`) with `body`. */
export function writeSection(name: string, body: string, dir = docsDir): void {
  const path = `${dir}benchmarks.md`
  const start = `<!-- bench:${name} -->`
  const end = `<!-- /bench:${name} -->`
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\nMeasured results. Each section is rewritten by the script named in it.\n'
  const block = `${start}\n${body.trim()}\n${end}`
  const at = text.indexOf(start)
  const stop = text.indexOf(end)
  text = at >= 0 && stop > at ? text.slice(0, at) + block + text.slice(stop + end.length) : `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(path, text)
}

/**
 * The lines of a docs section that say where the numbers come from: the machine and revision,
 * then notes (a list, if any), then a shell block with `setup` and this very command line
 * (`npx tsx benchmarks/SCRIPT ...`).
 */
export function provenance(script: string, setup: string, notes: string[] = []): string {
  const command = `npx tsx benchmarks/${script} ${process.argv.slice(2).join(' ')}`.trim()
  const noted = notes.length > 0 ? `\n\n${notes.map((note) => `- ${note}`).join('\n')}` : ''
  return `Machine: ${machine()}; revision ${revision()}.${noted}\n\n\`\`\`sh\n${setup}\n${command}\n\`\`\``
}

/** The short git revision the numbers were taken at. */
export function revision(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
