#!/usr/bin/env node
/**
 * io-serve: runs a server from the command line.
 *
 *   io-serve echo --port P [--host H] [--backend B] [--workers N]
 *
 * Prints one line with the address once listening, e.g.
 * `io-serve echo listening on 127.0.0.1:9000 (backend epoll, 1 worker)`, and on SIGINT or
 * SIGTERM closes gracefully (2 s grace) and exits with status 0. A second signal exits at once.
 */
import { createServer } from './create-server.js'
import type { ServerOptions } from './options.js'

const USAGE = 'usage: io-serve echo --port P [--host H] [--backend auto|epoll|epoll-et|uring] [--workers N]'

function fail(message: string): never {
  process.stderr.write(`io-serve: ${message}\n${USAGE}\n`)
  process.exit(2)
}

function parse(argv: string[]): { command: string; port: number; host: string; backend: string; workers: number } {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') fail('no command given')
  if (command !== 'echo') fail(`unknown command "${command}"`)
  const values: Record<string, string> = {}
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i]
    const value = rest[i + 1]
    if (!['--port', '--host', '--backend', '--workers'].includes(key)) fail(`unknown option "${key}"`)
    if (value === undefined) fail(`${key} needs a value`)
    values[key.slice(2)] = value
  }
  if (values.port === undefined) fail('--port is required')
  const port = Number(values.port)
  const workers = Number(values.workers ?? 1)
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port "${values.port}"`)
  if (!Number.isInteger(workers) || workers < 1) fail(`bad --workers "${values.workers}"`)
  return { command, port, host: values.host ?? '127.0.0.1', backend: values.backend ?? 'auto', workers }
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2))
  const options = { backend: args.backend, workers: args.workers } as ServerOptions
  let server
  try {
    server = createServer(options, new URL('./echo.js', import.meta.url))
  } catch (err) {
    fail((err as Error).message)
  }
  const address = await server.listen({ port: args.port, host: args.host, backlog: 4096 })
  let stopping = false
  const stop = () => {
    if (stopping) process.exit(1)
    stopping = true
    server.close({ graceMs: 2000 }).then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // The address line is the "ready" signal that scripts (and the tests) wait for, so it comes
  // after the signal handlers: with workers, connections are served by other threads, and a
  // client can be answered and send SIGTERM before this thread runs its next statement.
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const workers = `${args.workers} worker${args.workers === 1 ? '' : 's'}`
  process.stdout.write(`io-serve ${args.command} listening on ${host}:${address.port} (backend ${server.backend}, ${workers})\n`)
}

main().catch((err: Error) => {
  process.stderr.write(`io-serve: ${err.message}\n`)
  process.exit(1)
})
