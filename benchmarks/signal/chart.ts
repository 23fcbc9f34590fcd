/**
 * Grouped line chart as SVG text for the signal-dispatch benchmark: x on a log scale (active
 * fds), y on a log scale, one polyline and marker set per series, gridlines at powers of ten,
 * a legend on the right. Drawn by hand so that the benchmark needs no charting package.
 */
export interface Line {
  name: string
  points: Array<[x: number, y: number]>
}

export interface LineChart {
  title: string
  xLabel: string
  yLabel: string
  lines: Line[]
}

const SIZE = { width: 720, height: 440 }
const MARGIN = { left: 84, right: 170, top: 48, bottom: 56 }
const PALETTE = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#a6761d', '#666666']

const xml = (s: string) => s.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)

/** Powers of ten covering [lo, hi]. */
function tenPowers(lo: number, hi: number): number[] {
  const ticks: number[] = []
  for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); p++) ticks.push(10 ** p)
  return ticks
}

/** 2x and 5x between the powers of ten: labelled gridlines when a range spans few decades. */
function minorTicks(powers: number[]): number[] {
  return powers.slice(0, -1).flatMap((p) => [2 * p, 5 * p])
}

function tickText(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`
  if (v >= 1e3) return `${v / 1e3}k`
  return String(v)
}

export function renderLineChart(chart: LineChart): string {
  const points = chart.lines.flatMap((l) => l.points).filter(([x, y]) => x > 0 && y > 0)
  const xTicks = tenPowers(Math.min(...points.map((p) => p[0])), Math.max(...points.map((p) => p[0])))
  const yTicks = tenPowers(Math.min(...points.map((p) => p[1])), Math.max(...points.map((p) => p[1])))
  const innerW = SIZE.width - MARGIN.left - MARGIN.right
  const innerH = SIZE.height - MARGIN.top - MARGIN.bottom
  const scale = (v: number, ticks: number[], length: number) => {
    const lo = Math.log10(ticks[0])
    const hi = Math.log10(ticks[ticks.length - 1])
    return ((Math.log10(v) - lo) / (hi - lo || 1)) * length
  }
  const X = (v: number) => MARGIN.left + scale(v, xTicks, innerW)
  const Y = (v: number) => MARGIN.top + innerH - scale(v, yTicks, innerH)

  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE.width} ${SIZE.height}" width="${SIZE.width}" height="${SIZE.height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`)
  out.push(`<rect x="0" y="0" width="${SIZE.width}" height="${SIZE.height}" fill="white"/>`)
  out.push(`<text x="${MARGIN.left + innerW / 2}" y="26" font-size="15" text-anchor="middle">${xml(chart.title)}</text>`)
  for (const t of xTicks) {
    out.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${MARGIN.top}" y2="${MARGIN.top + innerH}" stroke="#ddd"/>`)
    out.push(`<text x="${X(t)}" y="${MARGIN.top + innerH + 18}" text-anchor="middle">${tickText(t)}</text>`)
  }
  const yLabelled = yTicks.length <= 3 ? [...yTicks, ...minorTicks(yTicks)] : yTicks
  for (const t of yLabelled) {
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + innerW}" y1="${Y(t)}" y2="${Y(t)}" stroke="#ddd"/>`)
    out.push(`<text x="${MARGIN.left - 8}" y="${Y(t) + 4}" text-anchor="end">${tickText(t)}</text>`)
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${innerW}" height="${innerH}" fill="none" stroke="#333"/>`)
  out.push(`<text x="${MARGIN.left + innerW / 2}" y="${SIZE.height - 14}" text-anchor="middle">${xml(chart.xLabel)}</text>`)
  out.push(`<text transform="translate(20 ${MARGIN.top + innerH / 2}) rotate(-90)" text-anchor="middle">${xml(chart.yLabel)}</text>`)
  chart.lines.forEach((line, i) => {
    const color = PALETTE[i % PALETTE.length]
    const pts = line.points.filter(([x, y]) => x > 0 && y > 0)
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`)
    for (const [x, y] of pts) out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3.5" fill="${color}"/>`)
    const ly = MARGIN.top + 14 + i * 20
    out.push(`<line x1="${SIZE.width - MARGIN.right + 14}" x2="${SIZE.width - MARGIN.right + 38}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`)
    out.push(`<text x="${SIZE.width - MARGIN.right + 44}" y="${ly + 4}">${xml(line.name)}</text>`)
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
