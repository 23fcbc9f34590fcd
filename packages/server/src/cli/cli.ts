#!/usr/bin/env node
/**
 * io-serve: runs a server from the command line.
 *
 *   io-serve echo --port P [--host H] [--backend B] [--workers N]
 *
 * Prints one line with the address once listening, e.g.
 * `io-serve echo listening on 127.0.0.1:9000 (backend epoll, 1 worker)`, and on SIGINT or
 * SIGTERM closes gracefully (after the --drain-delay, with 2 s grace) and exits with status 0.
 * A second signal ends the drain delay, or once it is over exits at once.
 * On SIGUSR2 it restarts without dropping a connection: a new copy of the process takes over
 * the listening sockets (see tcp/handover.ts), then this one drains and exits.
 * `--help` prints the usage, `--version` the package version; both exit 0. Bad arguments print
 * the problem and the usage on stderr and exit 2.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createHttpServer, type HttpServerOptions } from '../http/http-server.js'
import { createServer } from '../tcp/create-server.js'
import { handedOverFds, reportReady, startSuccessor } from '../tcp/handover.js'
import type { ListenOptions, ServerOptions } from '../options.js'

/** What each command serves: a handler module next to this file, and the kind of server for it. */
const COMMANDS: Record<string, { module: string; summary: string; protocol: 'tcp' | 'http' }> = {
  echo: { module: './echo.js', summary: 'writes back every byte it reads (TCP)', protocol: 'tcp' },
  whoami: { module: './whoami.js', summary: 'greets with the client address it sees and its pid, then echoes (TCP)', protocol: 'tcp' },
  hello: { module: './hello.js', summary: 'answers every HTTP request with 200 Hello World!', protocol: 'http' },
  'whoami-http': { module: './whoami-http.js', summary: 'answers every HTTP request with the client address it sees and its pid', protocol: 'http' },
  'ws-echo': { module: './ws-echo.js', summary: 'echoes every WebSocket message, as the same type (up to 16 MiB)', protocol: 'http' },
}

const BACKENDS = 'auto|epoll|epoll-et|uring'
const USAGE = `usage: io-serve <command> --port P [--host H] [--backend ${BACKENDS}] [--workers N]
       io-serve <command> --fd N | --systemd [--systemd-name NAME] [...]
       io-serve --help | --version

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`)
  .join('\n')}

options:
  --port P       TCP port to listen on (0 picks a free one); required unless --fd or --systemd
  --host H       address to bind (default 127.0.0.1)
  --fd N         serve on the listening socket inherited as fd N (with --workers, fds N, N+1, ...)
  --systemd      serve on the sockets systemd passed (socket activation, LISTEN_FDS)
  --systemd-name NAME
                 only those named NAME (FileDescriptorName=); implies --systemd
  --backend B    engine: ${BACKENDS} (default auto; IO_BACKEND decides what auto means)
  --workers N    worker threads sharing the port (default 1)
  --proxy-protocol CIDR[,CIDR...]
                 accept PROXY protocol headers (v1, v2) from these networks
  --proxy-timeout MS
                 a trusted peer's header must arrive within MS (default 5000)
  --grace MS     how long a shutdown or restart waits for connections (default 2000)
  --drain-delay MS
                 on SIGINT or SIGTERM, drain (readiness fails) but serve on for MS before
                 closing, so that a load balancer takes this server out first (default 0)
  --ready-path PATH
                 HTTP commands: answer GET PATH with 200 ready, and 503 draining once
                 stopping, for load balancers' health checks (e.g. /readyz)
  -h, --help     print this and exit
  --version      print the version and exit

signals:
  SIGINT, SIGTERM  close gracefully (after --drain-delay) and exit 0; a second one ends the
                   drain delay, or once it is over exits at once
  SIGUSR2          restart: a new process takes over the sockets, this one drains and exits
`

function fail(message: string): never {
  process.stderr.write(`io-serve: ${message}\n${USAGE}`)
  process.exit(2)
}

interface Args {
  command: string
  listen: ListenOptions
  backend: string
  workers: number
  proxyProtocol: ServerOptions['proxyProtocol']
  graceMs: number
  drainDelayMs: number
  readinessPath: string | undefined
}

/** A non-negative integer option, or exit 2. */
function count(name: string, text: string | undefined, fallback: number, min = 0): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (text.trim() === '' || !Number.isInteger(value) || value < min) fail(`bad --${name} "${text}"`)
  return value
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
        fd: { type: 'string' },
        systemd: { type: 'boolean' },
        'systemd-name': { type: 'string' },
        backend: { type: 'string' },
        workers: { type: 'string' },
        'proxy-protocol': { type: 'string' },
        'proxy-timeout': { type: 'string' },
        grace: { type: 'string' },
        'drain-delay': { type: 'string' },
        'ready-path': { type: 'string' },
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
  const workers = count('workers', values.workers, 1, 1)
  const systemd = values['systemd-name'] ?? (values.systemd === true ? true : undefined)
  const sources = [values.port, values.fd, systemd].filter((v) => v !== undefined).length
  if (sources === 0) fail('--port is required')
  if (sources > 1) fail('give one of --port, --fd and --systemd')
  let listen: ListenOptions
  if (values.fd !== undefined) {
    const fd = count('fd', values.fd, 0)
    listen = { fd: workers === 1 ? fd : Array.from({ length: workers }, (_, i) => fd + i) }
  } else if (systemd !== undefined) listen = { systemd }
  else {
    const port = count('port', values.port, 0)
    if (port > 65535) fail(`bad --port "${values.port}"`)
    listen = { port, host: values.host ?? '127.0.0.1', backlog: 4096 }
  }
  const trusted = values['proxy-protocol']
  const proxyProtocol =
    trusted === undefined ? undefined : { trusted: trusted.split(',').filter((t) => t !== ''), timeoutMs: count('proxy-timeout', values['proxy-timeout'], 5000, 1) }
  if (trusted === undefined && values['proxy-timeout'] !== undefined) fail('--proxy-timeout needs --proxy-protocol')
  const readinessPath = values['ready-path']
  if (readinessPath !== undefined && COMMANDS[command].protocol !== 'http') {
    fail(`--ready-path is for the HTTP commands (${httpCommands()}); ${command} serves raw TCP`)
  }
  return {
    command,
    listen,
    backend: values.backend ?? 'auto',
    workers,
    proxyProtocol,
    graceMs: count('grace', values.grace, 2000),
    drainDelayMs: count('drain-delay', values['drain-delay'], 0),
    readinessPath,
  }
}

function httpCommands(): string {
  return Object.keys(COMMANDS)
    .filter((name) => COMMANDS[name].protocol === 'http')
    .join(', ')
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2))
  const options = { backend: args.backend, workers: args.workers, proxyProtocol: args.proxyProtocol } as ServerOptions
  const command = COMMANDS[args.command]
  const module = new URL(command.module, import.meta.url)
  let server
  try {
    server =
      command.protocol === 'http'
        ? createHttpServer({ ...(options as HttpServerOptions), readinessPath: args.readinessPath }, module)
        : createServer(options, module)
  } catch (err) {
    fail((err as Error).message)
  }
  // Started by a predecessor's restart: its sockets win over --port, --fd and --systemd.
  const inherited = handedOverFds()
  const listen = inherited === null ? args.listen : { fd: inherited.length === 1 ? inherited[0] : inherited }
  const address = await server.listen(listen)
  let stopping = false
  let successor: ReturnType<typeof startSuccessor> | null = null
  let delayUntil = 0
  const stop = () => {
    if (stopping) {
      if (Date.now() >= delayUntil) process.exit(1)
      delayUntil = 0
      void server.close() // a second signal during the drain delay ends it: the close proper starts
      return
    }
    stopping = true
    // The drain delay: readiness fails at once, service goes on while balancers notice.
    delayUntil = Date.now() + args.drainDelayMs
    server.close({ graceMs: args.graceMs, delayMs: args.drainDelayMs }).then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  // SIGUSR2, not SIGHUP: SIGHUP also means "your terminal went away", and SIGUSR2 is what
  // nginx (binary upgrade) and unicorn use to start a new copy of themselves.
  const restart = () => {
    if (stopping || successor !== null) return
    successor = startSuccessor(server.listenerFds())
    successor.then(
      (child) => {
        if (stopping) {
          child.kill('SIGTERM') // asked to stop while the successor was starting: no service left
          return
        }
        stopping = true
        process.stdout.write(`io-serve ${args.command} handed over to pid ${child.pid}, draining\n`)
        server.close({ graceMs: args.graceMs, idle: 'keep' }).then(
          () => process.exit(0),
          () => process.exit(1),
        )
      },
      (err: Error) => {
        successor = null
        process.stderr.write(`io-serve: restart failed, still serving: ${err.message}\n`)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  process.on('SIGUSR2', restart)
  // The address line is the "ready" signal that scripts (and the tests) wait for, so it comes
  // after the signal handlers: with workers, connections are served by other threads, and a
  // client can be answered and send SIGTERM before this thread runs its next statement.
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const workers = `${args.workers} worker${args.workers === 1 ? '' : 's'}`
  process.stdout.write(`io-serve ${args.command} listening on ${host}:${address.port} (backend ${server.backend}, ${workers})\n`)
  reportReady()
}

main().catch((err: Error) => {
  process.stderr.write(`io-serve: ${err.message}\n`)
  process.exit(1)
})
