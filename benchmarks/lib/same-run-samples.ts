/**
 * Figures of several servers measured back to back, run after run, and what the peer
 * benchmarks report from them: the median of each figure, and ratios between two servers
 * taken within each run (so that drift on a shared machine, which hits servers measured
 * side by side alike, cancels) and then the median of those ratios.
 */
import { median, medianInterval } from './report.js'
import { untilQuiet } from './server-process.js'

/** One scenario's samples: server -> figure -> run -> value. */
export class SameRunSamples {
  private readonly samples = new Map<string, Map<string, Map<number, number>>>()
  /** Runs left out because the load saw errors (wrong or missing answers, resets, timeouts). */
  readonly failures: Array<{ server: string; run: number; errors: number }> = []

  /** Records the figures one server gave in one run. */
  add(run: number, server: string, figures: Record<string, number>): void {
    let byFigure = this.samples.get(server)
    if (byFigure === undefined) this.samples.set(server, (byFigure = new Map()))
    for (const [figure, value] of Object.entries(figures)) {
      let byRun = byFigure.get(figure)
      if (byRun === undefined) byFigure.set(figure, (byRun = new Map()))
      byRun.set(run, value)
    }
  }

  /** The median of a server's figure over its runs; NaN when it was not measured. */
  median(server: string, figure: string): number {
    const byRun = this.samples.get(server)?.get(figure)
    return byRun === undefined || byRun.size === 0 ? NaN : median([...byRun.values()])
  }

  /** server / baseline in each run that has both. */
  ratios(server: string, baseline: string, figure: string): number[] {
    const mine = this.samples.get(server)?.get(figure)
    const theirs = this.samples.get(baseline)?.get(figure)
    if (mine === undefined || theirs === undefined) return []
    return [...mine].filter(([run]) => theirs.has(run)).map(([run, value]) => value / theirs.get(run)!)
  }

  /** The median over runs of server / baseline in that run; NaN when no run has both. */
  ratio(server: string, baseline: string, figure: string): number {
    const ratios = this.ratios(server, baseline, figure)
    return ratios.length === 0 ? NaN : median(ratios)
  }

  /** Ratios of several figures for a table cell: "1.23x / 0.98x" (n/a where not taken). */
  ratioCell(server: string, baseline: string, figures: string[]): string {
    return figures.map((figure) => formatRatio(this.ratio(server, baseline, figure))).join(' / ')
  }

  /**
   * Where the median of a run's ratio lies, with at least `confidence` (see
   * {@link medianInterval}), for several figures, for a table cell: "0.93-1.12x / 0.90-1.15x";
   * "n/a" where not taken or where there are too few runs for that confidence.
   */
  intervalCell(server: string, baseline: string, figures: string[], confidence = 0.95): string {
    return figures
      .map((figure) => {
        const interval = medianInterval(this.ratios(server, baseline, figure), confidence)
        return interval === null ? 'n/a' : `${interval.low.toFixed(2)}-${interval.high.toFixed(2)}x`
      })
      .join(' / ')
  }
}

/**
 * Measures every server `runs` times: in each run all of them back to back, in an order
 * rotated by one each run. A measurement that gives null (it failed, and said why) is left
 * out, and so is one whose `errors` figure is not 0 (recorded in `failures`): a server that
 * answers wrongly is not measured for speed.
 */
export async function measureSideBySide<S extends { spec: { name: string }; pid?: number }>(
  servers: S[],
  runs: number,
  measure: (server: S, run: number) => Promise<Record<string, number> | null>,
): Promise<SameRunSamples> {
  const samples = new SameRunSamples()
  const pids = servers.flatMap((s) => (s.pid === undefined ? [] : [s.pid]))
  for (let run = 0; run < runs; run++) {
    for (const server of rotated(servers, run)) {
      // Every server idle first: the last one measured may still be busy with its backlog.
      if ((await untilQuiet(pids)) < 0) console.warn(`servers still busy 30 s after the last load; measuring ${server.spec.name} anyway`)
      const figures = await measure(server, run)
      if (figures !== null && figures.errors > 0) samples.failures.push({ server: server.spec.name, run, errors: figures.errors })
      else if (figures !== null) samples.add(run, server.spec.name, figures)
    }
  }
  return samples
}

/** The order servers are measured in on run `run`: rotated by one each run. */
export function rotated<T>(items: readonly T[], run: number): T[] {
  return items.map((_, i) => items[(i + run) % items.length])
}

/** A ratio for a table: "1.23x", or "n/a" when it could not be taken. */
export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a'
}
