/**
 * systemd socket activation: the sockets a service manager opened for this process, passed as
 * fds 3, 4, ... and described by three environment variables, read the way sd_listen_fds(3)
 * reads them:
 *
 * - `LISTEN_PID`: the process they are for. Anything but this process's pid means they were
 *   meant for another one (a parent that did not clear them): none are ours.
 * - `LISTEN_FDS`: how many, starting at fd 3.
 * - `LISTEN_FDNAMES`: their names, separated by colons (`FileDescriptorName=` in the .socket
 *   unit; "unknown" when unset), so a service given several can pick one.
 *
 * The variables are removed from `process.env` once read, as sd_listen_fds does when asked to,
 * so that a child process never takes them for its own. What was read is kept for the whole
 * process (in a global registry, the same for the ESM and CommonJS builds), so several servers
 * can each take their socket by name.
 */
import { serverError } from '../errors.js'

/** The first fd a service manager passes (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3

/** A socket passed by the service manager. */
export interface PassedSocket {
  fd: number
  /** Its name from LISTEN_FDNAMES ("unknown" when none was given). */
  name: string
}

/** What {@link readListenFds} found: the sockets, or why there are none for this process. */
export interface ListenFds {
  sockets: PassedSocket[]
  /** Why `sockets` is empty (the variables are missing, for another process, or malformed). */
  reason: string
}

/**
 * Reads LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES from `env` for the process `pid`, then
 * deletes them from `env`. Never throws: malformed variables give no sockets and a reason.
 */
export function readListenFds(env: Record<string, string | undefined>, pid: number): ListenFds {
  const { LISTEN_PID: listenPid, LISTEN_FDS: count, LISTEN_FDNAMES: names } = env
  delete env.LISTEN_PID
  delete env.LISTEN_FDS
  delete env.LISTEN_FDNAMES
  const none = (reason: string): ListenFds => ({ sockets: [], reason })
  if (count === undefined) return none('LISTEN_FDS is not set')
  if (listenPid === undefined) return none('LISTEN_PID is not set')
  if (!/^[1-9][0-9]*$/.test(listenPid)) return none(`LISTEN_PID=${JSON.stringify(listenPid)} is not a process id`)
  if (Number(listenPid) !== pid) return none(`LISTEN_PID=${listenPid} names another process (this one is ${pid})`)
  if (!/^[0-9]{1,5}$/.test(count)) return none(`LISTEN_FDS=${JSON.stringify(count)} is not a count`)
  const n = Number(count)
  if (n === 0) return none('LISTEN_FDS=0')
  let list: string[]
  if (names === undefined) list = Array.from({ length: n }, () => 'unknown')
  else {
    list = names.split(':')
    if (list.length !== n) return none(`LISTEN_FDNAMES has ${list.length} names for LISTEN_FDS=${n} sockets`)
  }
  return { sockets: list.map((name, i) => ({ fd: LISTEN_FDS_START + i, name })), reason: '' }
}

const REGISTRY = Symbol.for('@io/server.listen-fds')

/** This process's passed sockets, read (and removed from the environment) on first use. */
function passedSockets(): ListenFds {
  const registry = globalThis as { [REGISTRY]?: ListenFds }
  registry[REGISTRY] ??= readListenFds(process.env, process.pid)
  return registry[REGISTRY]
}

/**
 * The fds systemd passed to this process: all of them (`true`) or those named `name`. Throws
 * `ERR_SOCKET_ACTIVATION` with the reason when there is none.
 */
export function systemdListenFds(which: true | string): number[] {
  const { sockets, reason } = passedSockets()
  if (sockets.length === 0) throw serverError('ERR_SOCKET_ACTIVATION', `no sockets were passed by systemd: ${reason}`)
  const chosen = which === true ? sockets : sockets.filter((s) => s.name === which)
  if (chosen.length === 0) {
    const names = sockets.map((s) => `${s.name} (fd ${s.fd})`).join(', ')
    throw serverError('ERR_SOCKET_ACTIVATION', `no socket named ${JSON.stringify(which)} was passed by systemd; passed: ${names}`)
  }
  return chosen.map((s) => s.fd)
}
