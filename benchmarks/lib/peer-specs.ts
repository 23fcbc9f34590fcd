/**
 * The servers the peer benchmarks (HTTP, WebSocket) start: @io/server through its own CLI on
 * each backend, peer scripts on Node or on Bun, native binaries; and a check that what they
 * need is installed, with the command that installs it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isRunning, startServer, type RunningServer, type ServerSpec, type UnavailableServer } from './server-process.js'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** The io-serve CLI as built by `npm run build`. */
export const ioCli = here('../../packages/server/dist/cli.js')
/** The Bun binary that the npm package @oven/bun-linux-x64 ships (installed by setup.sh). */
export const bunBinary = here('../node_modules/@oven/bun-linux-x64/bin/bun')
/** tsx's loader, for the TypeScript servers run with `node --import`. */
export const tsxLoader = import.meta.resolve('tsx')

/** The @io/server backends every peer benchmark measures. */
export const IO_BACKENDS = ['epoll', 'epoll-et', 'uring'] as const

/** @io/server on each backend: `command(backend)` gives the arguments after `node`. */
export function ioServers(command: (backend: string) => string[]): ServerSpec[] {
  return IO_BACKENDS.map((backend) => ({
    name: `io-${backend}`,
    label: `@io/server ${backend}`,
    runtime: 'node',
    command: [process.execPath, ...command(backend)],
    engine: backend,
  }))
}

/** A peer server script (under benchmarks/) run by Node. */
export function nodeServer(name: string, label: string, script: string): ServerSpec {
  return { name, label, runtime: 'node', command: [process.execPath, here(`../${script}`), '--port', '0'] }
}

/** A peer server script (under benchmarks/) run by Bun. */
export function bunServer(name: string, label: string, script: string): ServerSpec {
  return { name, label, runtime: 'bun', command: [bunBinary, here(`../${script}`), '--port', '0'] }
}

/** A binary built into benchmarks/bin/ by build.sh. */
export function nativeServer(name: string, label: string, binary: string): ServerSpec {
  return { name, label, runtime: 'native', command: [here(`../bin/${binary}`), '--port', '0'] }
}

/** Path of a tool built into benchmarks/bin/. */
export function benchBinary(name: string): string {
  return here(`../bin/${name}`)
}

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * Exits with the command to run when something the benchmark needs is missing: files (peer
 * packages, built binaries) and commands on PATH. The @io/server build is not required: its
 * rows are reported as not available without it.
 */
export function requirePrerequisites(needs: { files?: string[]; commands?: string[] }): void {
  const missing = [...(needs.files ?? []).filter((path) => !existsSync(path)), ...(needs.commands ?? []).filter((command) => !onPath(command))]
  if (missing.length === 0) return
  console.error(`missing: ${missing.join(', ')}\nrun \`bash benchmarks/setup.sh\` first (as root, it also installs wrk and h2load)`)
  process.exit(1)
}

/** Why @io/server cannot run at all, or null: its CLI has not been built. */
export function ioUnavailable(): string | null {
  return existsSync(ioCli) ? null : 'packages/server/dist/cli.js is missing: run `npm run build`'
}

/**
 * Starts each server pinned to `cpu`, one after the other; those that cannot start (or fall
 * back to another backend) are recorded in `unavailable` with the reason, and said so.
 */
export async function startServers(specs: ServerSpec[], cpu: string, unavailable: Map<string, string>): Promise<RunningServer[]> {
  const running: RunningServer[] = []
  const ioMissing = ioUnavailable()
  for (const spec of specs) {
    const started: RunningServer | UnavailableServer =
      spec.engine !== undefined && ioMissing !== null ? { spec, unavailable: ioMissing } : await startServer(spec, cpu)
    if (isRunning(started)) {
      running.push(started)
    } else {
      unavailable.set(spec.name, started.unavailable)
      console.warn(`${spec.label}: not available (${started.unavailable})`)
    }
  }
  return running
}
