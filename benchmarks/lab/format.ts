/**
 * How the lab's page writes numbers. Tables and the generated answers use the same functions,
 * so a figure quoted in a sentence reads exactly as in its table.
 */

/** Round trips per second: a whole number with thousands separators. */
export function rate(v: number): string {
  return Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a'
}

/** Microseconds: one decimal below 10, whole numbers above. */
export function micros(v: number): string {
  if (!Number.isFinite(v)) return 'n/a'
  return Math.abs(v) < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')
}

/** A ratio, two decimals: "1.37×". */
export function times(v: number): string {
  return Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a'
}

/** Memory given in KiB: KiB below 1 MiB, else MiB with one decimal. */
export function kib(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a'
  return Math.abs(v) < 1024 ? `${Math.round(v)} KiB` : `${(v / 1024).toFixed(1)} MiB`
}

/** A connection count: "1 connection", "5,000 connections". */
export function connections(n: number): string {
  return `${n.toLocaleString('en-US')} connection${n === 1 ? '' : 's'}`
}

/** A share of one core, as a percentage. */
export function cores(v: number): string {
  return Number.isFinite(v) ? `${Math.round(v * 100)}%` : 'n/a'
}
