/**
 * The Date field line (RFC 9110 §6.6.1), made once per second rather than per response:
 * formatting a date costs more than the rest of a small response head.
 */
let cachedSecond = -1
let cachedLine = ''

/** `Date: <IMF-fixdate>\r\n` for the current second. */
export function dateLine(now: number = Date.now()): string {
  const second = Math.floor(now / 1000)
  if (second !== cachedSecond) {
    cachedSecond = second
    cachedLine = `Date: ${new Date(second * 1000).toUTCString()}\r\n`
  }
  return cachedLine
}
