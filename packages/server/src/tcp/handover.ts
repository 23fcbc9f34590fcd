/**
 * Zero-downtime restart: a running server starts a new copy of its process, hands it the
 * listening sockets, waits until the copy listens on them, then drains and exits.
 *
 * The sockets themselves are passed, not their address: the new process accepts from the same
 * kernel queue as the old one, so no connection is refused while both run, and none waiting in
 * the queue is lost when the old one closes its copy of the fd (the socket lives on in the new
 * process). Binding a second socket with SO_REUSEPORT instead would not do: the kernel gives
 * each socket of a reuseport group its own queue, and connections waiting in the old one's are
 * reset when it closes.
 *
 * The protocol between the two processes, in the environment of the successor:
 * - `IO_HANDOVER_FDS=n`: the listening sockets are fds 3 to 3 + n - 1 (one per worker thread),
 *   as with systemd's LISTEN_FDS.
 * - `IO_HANDOVER_READY_FD=k`: once listening, the successor writes "READY\n" to fd k (a socket
 *   to the old process) and closes it. If it exits first, the restart failed and the old
 *   process goes on serving.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, writeSync } from 'node:fs'
import { serverError } from '../errors.js'
import { LISTEN_FDS_START } from './systemd.js'

const FDS_VARIABLE = 'IO_HANDOVER_FDS'
const READY_VARIABLE = 'IO_HANDOVER_READY_FD'
const READY = 'READY\n'

/** How a successor is started: by default the same program, arguments and Node options. */
export interface SuccessorOptions {
  /** Arguments after the node executable. Default: `process.execArgv` then `process.argv.slice(1)`. */
  args?: string[]
  /** Environment. Default: `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Give up (and kill the successor) if it is not ready by then. Default 60000 ms. */
  readyTimeoutMs?: number
}

/**
 * Starts a successor process with the listening sockets `fds` as its fds 3, 4, ... and resolves
 * with it once it reports that it listens on them; rejects (after killing it, if it still
 * runs) when it exits, fails or times out first. Its stdout and stderr are this process's.
 */
export function startSuccessor(fds: readonly number[], options: SuccessorOptions = {}): Promise<ChildProcess> {
  if (fds.length === 0) return Promise.reject(serverError('ERR_SERVER_NOT_RUNNING', 'no listening socket to hand over'))
  const readyFd = LISTEN_FDS_START + fds.length
  const env = { ...(options.env ?? process.env), [FDS_VARIABLE]: String(fds.length), [READY_VARIABLE]: String(readyFd) }
  const args = options.args ?? [...process.execArgv, ...process.argv.slice(1)]
  const child = spawn(process.execPath, args, { stdio: ['inherit', 'inherit', 'inherit', ...fds, 'pipe'], env })
  const ready = child.stdio[readyFd]!
  return new Promise<ChildProcess>((resolve, reject) => {
    let said = ''
    const timer = setTimeout(() => fail(`it did not report ready within ${options.readyTimeoutMs ?? 60_000} ms`), options.readyTimeoutMs ?? 60_000)
    const onExit = (code: number | null, signal: string | null) => fail(`it exited (${signal ?? `code ${code}`}) before listening`)
    const settle = () => {
      clearTimeout(timer)
      child.off('exit', onExit)
      ready.destroy()
    }
    function fail(why: string): void {
      settle()
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      reject(serverError('ERR_HANDOVER_FAILED', `the successor process ${child.pid ?? '(not started)'} did not take over: ${why}`))
    }
    child.once('exit', onExit)
    child.once('error', (err) => fail(err.message))
    ready.on('data', (chunk: Buffer) => {
      said += chunk.toString('latin1')
      if (said !== READY) return
      settle()
      child.unref() // the successor outlives this process
      resolve(child)
    })
  })
}

/**
 * Successor side: the fds of the listening sockets the predecessor handed over, or null when
 * this process was not started by {@link startSuccessor}. Removes the variable from `env`.
 */
export function handedOverFds(env: NodeJS.ProcessEnv = process.env): number[] | null {
  const count = env[FDS_VARIABLE]
  delete env[FDS_VARIABLE]
  if (count === undefined || !/^[1-9][0-9]{0,3}$/.test(count)) return null
  return Array.from({ length: Number(count) }, (_, i) => LISTEN_FDS_START + i)
}

/**
 * Successor side: tells the predecessor that this process listens (it then drains and exits).
 * Does nothing when there is no predecessor. Removes the variable from `env`.
 */
export function reportReady(env: NodeJS.ProcessEnv = process.env): void {
  const fd = env[READY_VARIABLE]
  delete env[READY_VARIABLE]
  if (fd === undefined || !/^[0-9]+$/.test(fd)) return
  try {
    writeSync(Number(fd), READY)
  } catch (err) {
    throw serverError('ERR_HANDOVER_FAILED', `the process that started this one is gone: ${(err as Error).message}`)
  } finally {
    closeSync(Number(fd))
  }
}
