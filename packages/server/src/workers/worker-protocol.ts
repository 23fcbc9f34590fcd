/** Messages between a WorkerPool and its worker threads. */
import type { HttpLimits } from '../http/limits.js'
import type { ListenOptions, ResolvedOptions } from '../options.js'
import type { AddressInfo } from '../tcp/server.js'

/** A protocol the workers run over TCP, described in data (functions cannot cross threads). */
export interface WorkerProtocol {
  name: 'http'
  limits: HttpLimits
  /** The HTTP server's `readinessPath`, or null. */
  readinessPath: string | null
}

/** `workerData` of each worker. */
export interface WorkerData {
  /** URL of the handler module (its default export is the handlers). */
  module: string
  /** Server options, with `backend` already resolved by the pool. */
  options: ResolvedOptions
  /** An address to bind (with SO_REUSEPORT), or `{ fd }`: this worker's inherited socket. */
  listen: ListenOptions
  index: number
  /** The worker's fd ledger (see FdLedger), read by the pool if the worker dies. */
  ledger: SharedArrayBuffer
  /** The protocol wrapped around what the module exports; none for plain TCP handlers. */
  protocol: WorkerProtocol | null
  /**
   * One Int32 the pool sets to 1 (Atomics) the moment its close() is called, shared by all
   * workers: a readiness path says 503 at once, not when the 'drain' message arrives.
   */
  drain: SharedArrayBuffer
}

/** Worker to pool. */
export type WorkerMessage =
  | { type: 'listening'; address: AddressInfo; fd: number }
  | { type: 'failed'; message: string; props: Record<string, unknown> }

/**
 * Pool to worker. 'drain': the pool's close() was called; the worker drains (its `draining` is
 * true) but serves on until 'close', which the pool sends after its drain delay. A worker that
 * started too late for 'drain' closes on 'close' alone.
 */
export type PoolMessage = { type: 'drain' | 'close'; graceMs: number; idle: 'close' | 'keep' }
