#!/usr/bin/env node
/**
 * io-serve: runs a server from the command line.
 *
 *   io-serve echo --port P [--host H] [--backend B] [--workers N]
 *
 * Prints one line with the address once listening, e.g.
 * `io-serve echo listening on 127.0.0.1:9000 (backend epoll, 1 worker)`, and on SIGINT or
 * SIGTERM closes gracefully (2 s grace) and exits with status 0. A second signal exits at once.
 * `--help` prints the usage, `--version` the package version; both exit 0. Bad arguments print
 * the problem and the usage on stderr and exit 2.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createHttpServer } from '../http/http-server.js'
import { createServer } from '../tcp/create-server.js'
import type { ServerOptions } from '../options.js'

/** What each command serves: a handler module next to this file, and the kind of server for it. */
const COMMANDS: Record<string, { module: string; summary: string; protocol: 'tcp' | 'http' }> = {
  echo: { module: './echo.js', summary: 'writes back every byte it reads (TCP)', protocol: 'tcp' },
  hello: { module: './hello.js', summary: 'answers every HTTP request with 200 Hello World!', protocol: 'http' },
  'ws-echo': { module: './ws-echo.js', summary: 'echoes every WebSocket message, as the same type (up to 16 MiB)', protocol: 'http' },
}

const BACKENDS = 'auto|epoll|epoll-et|uring'
const USAGE = `usage: io-serve <command> --port P [--host H] [--backend ${BACKENDS}] [--workers N]
       io-serve --help | --version

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`)
  .join('\n')}

options:
  --port P       TCP port to listen on (0 picks a free one); required
  --host H       address to bind (default 127.0.0.1)
  --backend B    engine: ${BACKENDS} (default auto; IO_BACKEND decides what auto means)
  --workers N    worker threads sharing the port (default 1)
  -h, --help     print this and exit
  --version      print the version and exit
`

function fail(message: string): never {
  process.stderr.write(`io-serve: ${message}\n${USAGE}`)
  process.exit(2)
}

interface Args {
  command: string
  port: number
  host: string
  backend: string
  workers: number
}

function parse(argv: string[]): Args {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        backend: { type: 'string' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    })
  } catch (err) {
    const e = err as Error & { code?: string }
    const option = /'([^']+)'/.exec(e.message)?.[1]
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) fail(`unknown option "${option}"`)
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) fail(`${option.split(' ')[0]} needs a value`)
    fail(e.message)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  if (values.version) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    process.stdout.write(`${pkg.version}\n`)
    process.exit(0)
  }
  const [command, ...extra] = positionals
  if (command === undefined) fail('no command given')
  if (!Object.hasOwn(COMMANDS, command)) fail(`unknown command "${command}"`)
  if (extra.length > 0) fail(`unexpected argument "${extra[0]}"`)
  if (values.port === undefined) fail('--port is required')
  const port = Number(values.port)
  const workers = Number(values.workers ?? 1)
  if (values.port.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) fail(`bad --port "${values.port}"`)
  if (!Number.isInteger(workers) || workers < 1) fail(`bad --workers "${values.workers}"`)
  return { command, port, host: values.host ?? '127.0.0.1', backend: values.backend ?? 'auto', workers }
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2))
  const options = { backend: args.backend, workers: args.workers } as ServerOptions
  const command = COMMANDS[args.command]
  const module = new URL(command.module, import.meta.url)
  let server
  try {
    server = command.protocol === 'http' ? createHttpServer(options, module) : createServer(options, module)
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
