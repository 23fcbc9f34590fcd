/**
 * The two HTTP loads of the HTTP benchmark, as commands and as parsers of what they print:
 * wrk with keep-alive connections (one request in flight on each; its latency distribution
 * gives p99) and h2load over HTTP/1.1 with `-m` requests pipelined on each connection.
 * Both run one thread: one core of load against one core of server.
 */

/** What a load run measured. p99Ms is NaN where the tool does not report it. */
export interface HttpLoadResult {
  requestsPerSecond: number
  p99Ms: number
  /** Socket errors, timeouts and non-2xx responses (NaN: the output could not be read). */
  errors: number
}

/** One load: how to run it for some seconds against a port, and how to read its output. */
export interface HttpLoad {
  name: string
  label: string
  command(port: number, seconds: number): string[]
  parse(output: string): HttpLoadResult
}

const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1000, m: 60_000 }

function number(pattern: RegExp, text: string): number {
  const match = pattern.exec(text)
  return match === null ? NaN : Number(match[1])
}

/** wrk takes whole seconds. */
const wholeSeconds = (seconds: number) => Math.max(1, Math.round(seconds))

/** `wrk -t1 -c<connections> --latency`: keep-alive, one request at a time per connection. */
export function wrkLoad(connections: number): HttpLoad {
  return {
    name: 'wrk',
    label: `keep-alive (wrk -t1 -c${connections})`,
    command: (port, seconds) => ['wrk', '-t1', `-c${connections}`, `-d${wholeSeconds(seconds)}s`, '--latency', `http://127.0.0.1:${port}/`],
    parse(output) {
      const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output)
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output)
      const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, v) => sum + Number(v), 0)
      const non2xx = number(/Non-2xx or 3xx responses: (\d+)/, output)
      return {
        requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/, output),
        p99Ms: p99 === null ? NaN : Number(p99[1]) * UNIT_MS[p99[2]],
        errors: socketErrors + (Number.isNaN(non2xx) ? 0 : non2xx),
      }
    },
  }
}

/** `h2load --h1 -t1 -c<connections> -m<pipeline>`: HTTP/1.1 requests pipelined per connection. */
export function h2loadLoad(connections: number, pipeline: number): HttpLoad {
  return {
    name: 'h2load',
    label: `pipelined (h2load --h1 -t1 -c${connections} -m${pipeline})`,
    command: (port, seconds) => ['h2load', '--h1', '-t1', `-c${connections}`, `-m${pipeline}`, `-D${wholeSeconds(seconds)}`, `http://127.0.0.1:${port}/`],
    parse(output) {
      return {
        requestsPerSecond: number(/finished in [\d.]+\w+, ([\d.]+) req\/s/, output),
        p99Ms: NaN,
        // "failed" counts HTTP-level failures (non-2xx) and errored requests alike.
        errors: number(/requests: \d+ total, \d+ started, \d+ done, \d+ succeeded, (\d+) failed/, output),
      }
    },
  }
}
