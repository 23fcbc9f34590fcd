/**
 * The readiness path (`readinessPath`): a path the server answers itself, before the request
 * handler, with what a load balancer's health check or a Kubernetes readiness probe wants to
 * know: may new requests come here? `200 ready` while serving, `503 draining` (and the
 * connection closes) from the moment `close()` is called, so the balancer takes the server
 * out while it still serves what it has.
 */
import { invalidArgType, outOfRange } from '../errors.js'
import type { HttpRequest } from './request.js'
import type { HttpResponse } from './response.js'

/** A path of visible ASCII characters, without '?' or '#' (the query is the client's). */
const PATH = /^\/[\x21-\x7e]*$/

/** Validates the `readinessPath` option: undefined (none, the default) or an absolute path. */
export function resolveReadinessPath(value: unknown): string | null {
  if (value === undefined) return null
  if (typeof value !== 'string') throw invalidArgType('readinessPath', "a path such as '/readyz'", value)
  if (!PATH.test(value) || value.includes('?') || value.includes('#')) {
    throw outOfRange('readinessPath', "a path starting with '/', of visible ASCII characters, without '?' or '#'", value)
  }
  return value
}

/**
 * Answers a request for the readiness path: GET and HEAD get `200 ready` or, once `draining`,
 * `503 draining` with `Connection: close`; other methods `405` with `Allow: GET, HEAD`.
 */
export function answerReadiness(req: HttpRequest, res: HttpResponse, draining: boolean): void {
  res.setHeader('content-type', 'text/plain')
  res.setHeader('cache-control', 'no-store')
  const method = req.method
  if (method !== 'GET' && method !== 'HEAD') {
    res.statusCode = 405
    res.setHeader('allow', 'GET, HEAD')
    res.end('method not allowed\n')
  } else if (draining) {
    res.statusCode = 503
    res.setHeader('connection', 'close')
    res.end('draining\n')
  } else {
    res.statusCode = 200
    res.end('ready\n')
  }
}
