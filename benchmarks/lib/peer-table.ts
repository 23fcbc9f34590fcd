/**
 * The rows of the peer benchmarks' tables: one server in one scenario, its medians and its
 * ratios to each baseline server measured in the same runs. The figures it reads from the
 * samples: rate (per second), perCpu (per server CPU-second), p99, serverCpu and loadCpu
 * (shares of one core).
 */
import type { Row } from './report.js'
import type { SameRunSamples } from './same-run-samples.js'
import type { ServerSpec } from './server-process.js'

/** A share of one core as a percentage ("n/a" when not measured). */
export function percent(share: number): string {
  return Number.isFinite(share) ? `${Math.round(100 * share)}%` : 'n/a'
}

/** Column names, with their units: e.g. { rate: 'req/s', perCpu: 'req/CPU-s', p99: 'p99 ms' }. */
export interface ComparisonColumns {
  rate: string
  perCpu: string
  p99: string
}

/** Sentences for a docs section about the runs left out of a scenario for errors. */
export function failureNotes(samples: SameRunSamples, specs: ServerSpec[], scenario: string): string[] {
  return samples.failures.map(({ server, run, errors }) => {
    const label = specs.find((s) => s.name === server)?.label ?? server
    return `${label}, ${scenario}: run ${run + 1} saw ${errors} errors (wrong or missing answers) and was left out.`
  })
}

/**
 * The row of `server` in one scenario: `scenario` (the leading cells), medians, then
 * "vs BASELINE (/s, /CPU-s)" ratio cells. A server with no samples says why: not available
 * (with the reason in `unavailable`), or failed.
 */
export function comparisonRow(
  samples: SameRunSamples,
  server: ServerSpec,
  scenario: Row,
  columns: ComparisonColumns,
  baselines: ServerSpec[],
  unavailable: Map<string, string>,
): Row {
  const row: Row = { ...scenario, server: server.label }
  const figure = (name: string) => samples.median(server.name, name)
  if (!Number.isFinite(figure('rate'))) return { ...row, [columns.rate]: unavailable.has(server.name) ? 'not available' : 'failed' }
  row[columns.rate] = Math.round(figure('rate'))
  row[columns.perCpu] = Math.round(figure('perCpu'))
  row[columns.p99] = Number.isFinite(figure('p99')) ? figure('p99') : 'n/a'
  row['server CPU'] = percent(figure('serverCpu'))
  row['load CPU'] = percent(figure('loadCpu'))
  for (const baseline of baselines) row[`vs ${baseline.label} (/s, /CPU-s)`] = samples.ratioCell(server.name, baseline.name, ['rate', 'perCpu'])
  return row
}
