/**
 * The benchmarks' charts, as self-contained SVG text, so that no benchmark needs a plotting
 * library: a grouped bar chart (one group per scenario, one bar per series, an optional dashed
 * reference line) and a log-log line chart (one line per series, a marker per point).
 */

const PALETTE = ['#4b5563', '#2563eb', '#dc2626', '#f59e0b', '#10b981', '#7c3aed', '#9ca3af']

function color(index: number): string {
  return PALETTE[index % PALETTE.length]
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function svgOpen(width: number, height: number, title: string, titleX: number, anchor: 'start' | 'middle'): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${titleX}" y="22" font-size="14" font-weight="bold" text-anchor="${anchor}">${escape(title)}</text>`,
  ]
}

const round1 = (v: number) => Math.round(v * 10) / 10

/** 1, 2, 2.5 or 5 times a power of ten: tick steps a reader can add up. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough))
  const scaled = rough / power
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 2.5 ? 2.5 : scaled <= 5 ? 5 : 10) * power
}

export interface BarGroup {
  label: string
  /** One value per series, in the order of `series`; NaN for "not measured". */
  values: number[]
}

export function barChart(options: {
  title: string
  yLabel: string
  series: string[]
  groups: BarGroup[]
  /** A dashed horizontal line, e.g. at 1 for ratios to a baseline. */
  reference?: number
}): string {
  const { title, yLabel, series, groups, reference } = options
  const barWidth = 12
  const groupGap = 18
  const groupWidth = series.length * barWidth + groupGap
  const left = 56
  const top = 40
  const plotHeight = 260
  // Room for the legend in one row, the title, and the group labels slanting down.
  const legendStep = Math.max(130, 20 + 6.5 * Math.max(0, ...series.map((name) => name.length)))
  const labelDrop = 8 + 4 * Math.max(0, ...groups.map((group) => group.label.length))
  const width = Math.max(left + groups.length * groupWidth + 70, left + series.length * legendStep, left + 8.5 * title.length)
  const height = top + plotHeight + Math.max(110, labelDrop + 50)
  const highest = Math.max(reference ?? 0, ...groups.flatMap((g) => g.values.filter(Number.isFinite))) || 1
  const step = niceStep(highest / 4)
  const max = Math.ceil((highest * 1.05) / step) * step
  const y = (v: number) => round1(top + plotHeight - (v / max) * plotHeight)
  const parts = svgOpen(width, height, title, left, 'start')
  parts.push(`<text transform="translate(14 ${top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`)
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
      const tip = escape(`${group.label} ${series[s]}: ${v.toFixed(2)}`)
      parts.push(
        `<rect x="${x}" y="${y(v)}" width="${barWidth - 2}" height="${round1(top + plotHeight - y(v))}" fill="${color(s)}"><title>${tip}</title></rect>`,
      )
    })
    const cx = x0 + (series.length * barWidth) / 2
    parts.push(`<text transform="translate(${cx} ${top + plotHeight + 8}) rotate(45)" font-size="10">${escape(group.label)}</text>`)
  })
  if (reference !== undefined) {
    parts.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(reference)}" y2="${y(reference)}" stroke="#111827" stroke-dasharray="4 3"/>`,
    )
  }
  series.forEach((name, s) => {
    const x = left + s * legendStep
    parts.push(`<rect x="${x}" y="${height - 18}" width="10" height="10" fill="${color(s)}"/>`)
    parts.push(`<text x="${x + 14}" y="${height - 9}">${escape(name)}</text>`)
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

export interface LineSeries {
  name: string
  points: Array<{ x: number; y: number }>
  /** Index into the palette (default: the series' position). */
  color?: number
  /** Draw a dashed line. */
  dashed?: boolean
}

/** Powers of ten covering [lo, hi]. */
function decades(lo: number, hi: number): number[] {
  const ticks: number[] = []
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) ticks.push(10 ** p)
  return ticks
}

function tickText(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`
  if (v >= 1e3) return `${v / 1e3}k`
  return String(v)
}

/**
 * Both axes on a log scale, gridlines at powers of ten (and at 2x and 5x between them on the
 * y axis when it spans few decades), a legend on the right. Points <= 0 are left out.
 */
export function logLineChart(chart: { title: string; xLabel: string; yLabel: string; series: LineSeries[] }): string {
  const width = 760
  const height = 460
  const margin = { left: 80, right: 190, top: 50, bottom: 60 }
  const series = chart.series.map((s) => ({ ...s, points: s.points.filter((p) => p.x > 0 && p.y > 0).sort((a, b) => a.x - b.x) }))
  const all = series.flatMap((s) => s.points)
  const xTicks = decades(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)))
  const yTicks = decades(Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)))
  const w = width - margin.left - margin.right
  const h = height - margin.top - margin.bottom
  const scale = (v: number, ticks: number[], length: number) => {
    const lo = Math.log10(ticks[0])
    const hi = Math.log10(ticks[ticks.length - 1])
    return ((Math.log10(v) - lo) / (hi - lo || 1)) * length
  }
  const px = (v: number) => round1(margin.left + scale(v, xTicks, w))
  const py = (v: number) => round1(margin.top + h - scale(v, yTicks, h))
  const parts = svgOpen(width, height, chart.title, margin.left + w / 2, 'middle')
  for (const t of xTicks) {
    parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${margin.top}" y2="${margin.top + h}" stroke="#e3e3e3"/>`)
    parts.push(`<text x="${px(t)}" y="${margin.top + h + 18}" text-anchor="middle">${tickText(t)}</text>`)
  }
  const minor = yTicks.length <= 3 ? yTicks.slice(0, -1).flatMap((p) => [2 * p, 5 * p]) : []
  for (const t of [...yTicks, ...minor]) {
    parts.push(`<line x1="${margin.left}" x2="${margin.left + w}" y1="${py(t)}" y2="${py(t)}" stroke="#e3e3e3"/>`)
    parts.push(`<text x="${margin.left - 8}" y="${py(t) + 4}" text-anchor="end">${tickText(t)}</text>`)
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`)
  parts.push(`<text x="${margin.left + w / 2}" y="${height - 18}" text-anchor="middle">${escape(chart.xLabel)} (log scale)</text>`)
  parts.push(
    `<text transform="translate(22 ${margin.top + h / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)} (log scale)</text>`,
  )
  series.forEach((s, i) => {
    const stroke = color(s.color ?? i)
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : ''
    const path = s.points.map((p, k) => `${k === 0 ? 'M' : 'L'}${px(p.x)} ${py(p.y)}`).join(' ')
    parts.push(`<path d="${path}" fill="none" stroke="${stroke}" stroke-width="2.5"${dash}/>`)
    for (const p of s.points) parts.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="4" fill="${stroke}"/>`)
    const ly = margin.top + 20 + i * 22
    parts.push(`<line x1="${margin.left + w + 16}" y1="${ly}" x2="${margin.left + w + 40}" y2="${ly}" stroke="${stroke}" stroke-width="2.5"${dash}/>`)
    parts.push(`<text x="${margin.left + w + 46}" y="${ly + 4}">${escape(s.name)}</text>`)
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
