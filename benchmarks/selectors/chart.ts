/**
 * A log-log line chart as SVG text, drawn without a charting library: one line per series,
 * a marker per point, decade gridlines on both axes, and a legend.
 */
export interface Series {
  name: string
  points: Array<{ x: number; y: number }>
  /** Index into the palette (default: the series' position). */
  color?: number
  /** Draw a dashed line. */
  dashed?: boolean
}

export interface Chart {
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
}

const WIDTH = 760
const HEIGHT = 460
const PLOT = { left: 80, right: 170, top: 50, bottom: 60 }
const COLORS = ['#d1495b', '#edae49', '#00798c', '#30638e', '#6a4c93']

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function decades(min: number, max: number): number[] {
  const out: number[] = []
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e)
  return out
}

function label(v: number): string {
  if (v >= 1000) return `${v / 1000}k`
  return v >= 1 ? String(v) : v.toString()
}

export function drawChart(chart: Chart): string {
  const all = chart.series.flatMap((s) => s.points)
  const xs = decades(Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x)))
  const ys = decades(Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y)))
  const [x0, x1] = [Math.log10(xs[0]), Math.log10(xs[xs.length - 1])]
  const [y0, y1] = [Math.log10(ys[0]), Math.log10(ys[ys.length - 1])]
  const w = WIDTH - PLOT.left - PLOT.right
  const h = HEIGHT - PLOT.top - PLOT.bottom
  const px = (x: number) => PLOT.left + ((Math.log10(x) - x0) / (x1 - x0 || 1)) * w
  const py = (y: number) => PLOT.top + h - ((Math.log10(y) - y0) / (y1 - y0 || 1)) * h
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="16">${escape(chart.title)}</text>`,
  ]
  for (const x of xs) {
    parts.push(`<line x1="${px(x)}" y1="${PLOT.top}" x2="${px(x)}" y2="${PLOT.top + h}" stroke="#e3e3e3"/>`)
    parts.push(`<text x="${px(x)}" y="${PLOT.top + h + 18}" text-anchor="middle">${label(x)}</text>`)
  }
  for (const y of ys) {
    parts.push(`<line x1="${PLOT.left}" y1="${py(y)}" x2="${PLOT.left + w}" y2="${py(y)}" stroke="#e3e3e3"/>`)
    parts.push(`<text x="${PLOT.left - 8}" y="${py(y) + 4}" text-anchor="end">${label(y)}</text>`)
  }
  parts.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`)
  parts.push(`<text x="${PLOT.left + w / 2}" y="${HEIGHT - 18}" text-anchor="middle">${escape(chart.xLabel)} (log scale)</text>`)
  parts.push(
    `<text transform="translate(22 ${PLOT.top + h / 2}) rotate(-90)" text-anchor="middle">${escape(chart.yLabel)} (log scale)</text>`,
  )
  chart.series.forEach((series, i) => {
    const color = COLORS[(series.color ?? i) % COLORS.length]
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : ''
    const points = [...series.points].sort((a, b) => a.x - b.x)
    const path = points.map((p, k) => `${k === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)} ${py(p.y).toFixed(1)}`).join(' ')
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2.5"${dash}/>`)
    for (const p of points) parts.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${color}"/>`)
    const ly = PLOT.top + 20 + i * 22
    parts.push(`<line x1="${PLOT.left + w + 16}" y1="${ly}" x2="${PLOT.left + w + 40}" y2="${ly}" stroke="${color}" stroke-width="2.5"${dash}/>`)
    parts.push(`<text x="${PLOT.left + w + 46}" y="${ly + 4}">${escape(series.name)}</text>`)
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
