import { readFileSync } from 'node:fs'

/**
 * The kernel's view of a thread's signals, read from `/proc/self/task/<tid>/status`: which
 * signals are blocked, ignored, caught or pending, and how full the per-user queue of
 * real-time signals is (the `SigQ` line: queued / RLIMIT_SIGPENDING). Signals are listed by
 * number.
 */
export interface SignalStatus {
  /** Signals queued for the process's real user id, all processes together (SigQ, first half). */
  queued: number
  /** RLIMIT_SIGPENDING of this process (SigQ, second half). */
  queueLimit: number
  /** Signals pending for this thread (SigPnd). */
  pendingThread: number[]
  /** Signals pending for the whole process (ShdPnd). */
  pendingProcess: number[]
  /** Signals blocked in this thread (SigBlk). */
  blocked: number[]
  /** Signals whose disposition is SIG_IGN (SigIgn, process-wide). */
  ignored: number[]
  /** Signals with a handler installed (SigCgt, process-wide). */
  caught: number[]
}

function signalsOfMask(hex: string): number[] {
  const mask = BigInt(`0x${hex}`)
  const out: number[] = []
  for (let sig = 1; sig <= 64; sig++) if ((mask >> BigInt(sig - 1)) & 1n) out.push(sig)
  return out
}

/**
 * Reads the signal status of thread `tid` of this process (default: the main thread; pass
 * `SignalDrivenIO#ownerTid` for an instance's owner thread). For diagnostics (is the queue
 * close to overflowing? is SIGIO ignored?) and for tests; it reads a /proc file, so keep it
 * off hot paths.
 *
 * @example
 * ```ts
 * const { queued, queueLimit } = readSignalStatus(sio.ownerTid)
 * if (queued > queueLimit / 2) console.warn('the real-time signal queue is filling up')
 * ```
 */
export function readSignalStatus(tid: number = process.pid): SignalStatus {
  const text = readFileSync(`/proc/self/task/${tid}/status`, 'utf8')
  const field = (name: string): string => {
    const match = new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(text)
    if (!match) throw new Error(`no ${name} line in /proc/self/task/${tid}/status`)
    return match[1]
  }
  const [queued, queueLimit] = field('SigQ').split('/').map(Number)
  return {
    queued,
    queueLimit,
    pendingThread: signalsOfMask(field('SigPnd')),
    pendingProcess: signalsOfMask(field('ShdPnd')),
    blocked: signalsOfMask(field('SigBlk')),
    ignored: signalsOfMask(field('SigIgn')),
    caught: signalsOfMask(field('SigCgt')),
  }
}
