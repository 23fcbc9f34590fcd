/**
 * Shared output for benchmark scripts: a printed table, a JSON results file in docs/, and a
 * section of docs/benchmarks.md that the script rewrites in place (between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers), so each scenario owns its section.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, release } from 'node:os'
import { fileURLToPath } from 'node:url'

export const docsDir = fileURLToPath(new URL('../../docs/', import.meta.url))

export type Row = Record<string, string | number>

/** Formats rows as a GitHub markdown table (columns in the order of the first row's keys). */
export function markdownTable(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)'
  const columns = Object.keys(rows[0])
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

/** A one-line description of the machine the numbers come from. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu'
  return `${cpus().length} x ${cpu}, Linux ${release()}, Node ${process.version}`
}

export function writeJson(name: string, data: unknown): string {
  const path = `${docsDir}${name}`
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`)
  return path
}

/** Replaces (or appends) the section NAME of docs/benchmarks.md with `body`. */
export function writeSection(name: string, body: string): void {
  const path = `${docsDir}benchmarks.md`
  const start = `<!-- bench:${name} -->`
  const end = `<!-- /bench:${name} -->`
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\nMeasured results. Each section is rewritten by the script named in it.\n'
  const block = `${start}\n${body.trim()}\n${end}`
  const at = text.indexOf(start)
  const stop = text.indexOf(end)
  text = at >= 0 && stop > at ? text.slice(0, at) + block + text.slice(stop + end.length) : `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(path, text)
}

/** The short git revision the numbers were taken at. */
export function revision(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
