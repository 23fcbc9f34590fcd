/**
 * The peers the signal-dispatch benchmark compares, behind one shape: watch N read ends, then
 * wait/start and read (token) from a ready list. Signal-driven I/O is edge-triggered, so the
 * fair epoll peers are level-triggered (the default) and edge-triggered epoll.
 */
import { EDGE_TRIGGERED, Epoll, READABLE, SignalDrivenIO } from '@io/core'

export const PEERS = ['sigio', 'epoll', 'epoll-et'] as const
export type Peer = (typeof PEERS)[number]

export interface Dispatcher {
  /** Blocks up to timeoutMs; returns how many tokens are in `tokens`. */
  wait(timeoutMs: number): number
  /** Runs inside Node's loop, one call per batch. */
  start(onReady: (count: number) => void): void
  readonly tokens: Uint32Array
  /** Overflow and rescan counters (signal-driven I/O only). */
  stats(): { overflows: number; rescans: number } | null
  close(): void
}

/** Watches `fds` (token = index) with the given peer. */
export function dispatcher(peer: Peer, fds: number[], maxEvents = 1024): Dispatcher {
  if (peer === 'sigio') {
    const s = new SignalDrivenIO({ maxEvents })
    fds.forEach((fd, i) => s.watch(fd, i, READABLE))
    return {
      wait: (t) => s.wait(t),
      start: (fn) => s.start(fn),
      tokens: s.readyTokens,
      stats: () => s.stats,
      close: () => s.close(),
    }
  }
  const ep = new Epoll({ maxEvents })
  const interest = peer === 'epoll-et' ? READABLE | EDGE_TRIGGERED : READABLE
  fds.forEach((fd, i) => ep.add(fd, interest, i))
  return {
    wait: (t) => ep.wait(t),
    start: (fn) => ep.start(fn),
    tokens: ep.readyTokens,
    stats: () => null,
    close: () => ep.close(),
  }
}
