/**
 * The handler of `io-serve hello`: `200 Hello World!` for every request, for benchmarks and
 * smoke tests. The default export makes this module usable as an HTTP handler module.
 */
import type { HttpRequest } from './request.js'
import type { HttpResponse } from './response.js'

/** Answers every request with `Hello World!`. */
export default function hello(_req: HttpRequest, res: HttpResponse): void {
  res.end('Hello World!')
}
