/**
 * A grouped bar chart as a self-contained SVG string, drawn here so the benchmark needs no
 * plotting library: one group per scenario, one bar per series, a dashed reference line.
 */
export interface BarGroup {
  label: string
  values: number[] // one per series, NaN for missing
}

const COLORS = ['#9ca3af', '#4b5563', '#dc2626', '#f59e0b', '#2563eb', '#10b981']

/** 1, 2, 2.5 or 5 times a power of ten: tick steps a reader can add up. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough))
  const scaled = rough / power
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 2.5 ? 2.5 : scaled <= 5 ? 5 : 10) * power
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

export function barChart(options: {
  title: string
  yLabel: string
  series: string[]
  groups: BarGroup[]
  reference?: number
}): string {
  const { title, yLabel, series, groups, reference } = options
  const barWidth = 12
  const groupGap = 18
  const groupWidth = series.length * barWidth + groupGap
  const left = 56
  const top = 40
  const plotHeight = 260
  const width = left + groups.length * groupWidth + 70
  const height = top + plotHeight + 110
  const top_ = Math.max(reference ?? 0, ...groups.flatMap((g) => g.values.filter(Number.isFinite))) || 1
  const step = niceStep(top_ / 4)
  const max = Math.ceil((top_ * 1.05) / step) * step
  const y = (v: number) => Math.round((top + plotHeight - (v / max) * plotHeight) * 10) / 10
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    `<text transform="translate(14 ${top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
  ]
  for (let k = 0; k * step <= max + step / 1000; k++) {
    const v = k * step
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`)
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toFixed(6))}</text>`)
  }
  groups.forEach((group, g) => {
    const x0 = left + g * groupWidth + groupGap / 2
    group.values.forEach((v, s) => {
      if (!Number.isFinite(v)) return
      const x = x0 + s * barWidth
      parts.push(
        `<rect x="${x}" y="${y(v)}" width="${barWidth - 2}" height="${Math.round((top + plotHeight - y(v)) * 10) / 10}" fill="${COLORS[s % COLORS.length]}"><title>${escape(`${group.label} ${series[s]}: ${v.toFixed(2)}`)}</title></rect>`,
      )
    })
    const cx = x0 + (series.length * barWidth) / 2
    parts.push(
      `<text transform="translate(${cx} ${top + plotHeight + 8}) rotate(45)" font-size="10">${escape(group.label)}</text>`,
    )
  })
  if (reference !== undefined) {
    parts.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(reference)}" y2="${y(reference)}" stroke="#111827" stroke-dasharray="4 3"/>`,
    )
  }
  series.forEach((name, s) => {
    const x = left + s * 110
    parts.push(`<rect x="${x}" y="${height - 18}" width="10" height="10" fill="${COLORS[s % COLORS.length]}"/>`)
    parts.push(`<text x="${x + 14}" y="${height - 9}">${escape(name)}</text>`)
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
