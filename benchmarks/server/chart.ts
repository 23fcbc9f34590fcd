/**
 * A grouped bar chart as a standalone SVG, drawn here so that the benchmarks need no
 * plotting library: one group per scenario, one bar per series, values relative to a baseline.
 */
export interface ChartGroup {
  label: string
  /** One value per series, in the order of `series`; NaN for "not measured". */
  values: number[]
}

const COLORS = ['#555555', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd']

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** Bars of `values` (e.g. ratios to the C server), with a dashed line at `reference`. */
export function groupedBarChart(title: string, series: string[], groups: ChartGroup[], reference = 1): string {
  const barWidth = 14
  const gap = 18
  const groupWidth = series.length * barWidth + gap
  const left = 50
  const top = 40
  const height = 220
  const width = left + groups.length * groupWidth + 20
  const max = Math.max(reference * 1.2, ...groups.flatMap((g) => g.values.filter(Number.isFinite)))
  const y = (v: number) => top + height - (v / max) * height
  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + 90}" font-family="sans-serif" font-size="11">`)
  parts.push(`<rect width="100%" height="100%" fill="white"/>`)
  parts.push(`<text x="${left}" y="18" font-size="13" font-weight="bold">${escape(title)}</text>`)
  for (let t = 0; t <= max; t += max > 4 ? 1 : 0.25) {
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`)
    parts.push(`<text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(2)}x</text>`)
  }
  parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(reference)}" y2="${y(reference)}" stroke="#000" stroke-dasharray="4 3"/>`)
  groups.forEach((group, g) => {
    const x0 = left + g * groupWidth + gap / 2
    group.values.forEach((v, s) => {
      if (!Number.isFinite(v)) return
      const x = x0 + s * barWidth
      parts.push(`<rect x="${x}" y="${y(v)}" width="${barWidth - 2}" height="${top + height - y(v)}" fill="${COLORS[s % COLORS.length]}"><title>${escape(`${series[s]}: ${v.toFixed(2)}x`)}</title></rect>`)
    })
    const cx = x0 + (series.length * barWidth) / 2
    parts.push(`<text x="${cx}" y="${top + height + 14}" text-anchor="middle">${escape(group.label)}</text>`)
  })
  series.forEach((name, s) => {
    const x = left + s * 150
    parts.push(`<rect x="${x}" y="${top + height + 40}" width="10" height="10" fill="${COLORS[s % COLORS.length]}"/>`)
    parts.push(`<text x="${x + 14}" y="${top + height + 49}">${escape(name)}</text>`)
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
