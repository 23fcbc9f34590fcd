/**
 * The HTTP server's limits and timeouts: named defaults, and the validation of the options
 * that change them. Every limit answers with its own status and closes the connection, since
 * the rest of the request is not read.
 */
import { invalidArgType, outOfRange } from '../errors.js'

/** Limits and timeouts of the HTTP layer (see {@link HTTP_DEFAULTS}). */
export interface HttpLimits {
  /** Request line plus header section, in bytes. Over it: 431. */
  maxHeaderBytes: number
  /** The request-target alone, in bytes. Over it: 414. */
  maxTargetBytes: number
  /** Header field lines. Over it: 431. */
  maxHeaderCount: number
  /** Body bytes a request may have: a declared Content-Length over it gets 413 at once; a chunked body, once it passes it. */
  bodyLimit: number
  /** Bytes of chunk extensions in one chunk-size line (and trailer section size, likewise). Over it: 400. */
  maxChunkExtensionBytes: number
  /** A request head must arrive in full within this long after its first byte (slowloris): else 408 and close. */
  headersTimeoutMs: number
  /** An idle keep-alive connection (no request in flight) is closed after this long. */
  keepAliveTimeoutMs: number
}

/** The defaults. */
export const HTTP_DEFAULTS: Readonly<HttpLimits> = Object.freeze({
  maxHeaderBytes: 16 * 1024,
  maxTargetBytes: 8 * 1024,
  maxHeaderCount: 100,
  bodyLimit: 1024 * 1024,
  maxChunkExtensionBytes: 4 * 1024,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
})

/** The option names of {@link HttpLimits}. */
export const HTTP_LIMIT_NAMES = Object.keys(HTTP_DEFAULTS) as Array<keyof HttpLimits>

const BOUNDS: Record<keyof HttpLimits, [number, number]> = {
  maxHeaderBytes: [256, 1024 * 1024],
  maxTargetBytes: [16, 1024 * 1024],
  maxHeaderCount: [1, 10_000],
  bodyLimit: [0, Number.MAX_SAFE_INTEGER],
  maxChunkExtensionBytes: [0, 1024 * 1024],
  headersTimeoutMs: [1, 2 ** 31 - 1],
  keepAliveTimeoutMs: [1, 2 ** 31 - 1],
}

/** Fills in defaults and checks types and ranges (TypeError / RangeError). */
export function resolveLimits(options: Partial<HttpLimits>): HttpLimits {
  const out = { ...HTTP_DEFAULTS }
  for (const name of HTTP_LIMIT_NAMES) {
    const value = options[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgType(name, 'an integer', value)
    const [min, max] = BOUNDS[name]
    if (value < min || value > max) throw outOfRange(name, `>= ${min} and <= ${max}`, value)
    out[name] = value
  }
  return out
}
