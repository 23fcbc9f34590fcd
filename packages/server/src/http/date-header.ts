/**
 * The Date field line (RFC 9110 §6.6.1), made once per second rather than per response:
 * formatting a date, or even reading the clock, costs more than the rest of a small response
 * head. A timer that does not keep the process alive refreshes it every second.
 */
let cachedLine = ''
let timer: NodeJS.Timeout | null = null
/** A line set by `setDateLine`, kept until it is cleared. */
let fixedLine: string | null = null

function refresh(): void {
  cachedLine = fixedLine ?? `Date: ${new Date().toUTCString()}\r\n`
}

/** @internal Tests: the Date line as of `now` from here on (a second passing), until `null` clears it. */
export function setDateLine(now: Date | null): void {
  dateLine()
  fixedLine = now === null ? null : `Date: ${now.toUTCString()}\r\n`
  refresh()
}

/** `Date: <IMF-fixdate>\r\n`, at most a second old. */
export function dateLine(): string {
  if (timer === null) {
    refresh()
    timer = setInterval(refresh, 1000)
    timer.unref()
  }
  return cachedLine
}
