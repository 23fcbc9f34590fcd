/** Messages between a WorkerPool and its worker threads. */
import type { ListenOptions, ResolvedOptions } from '../options.js'
import type { AddressInfo } from '../tcp/server.js'

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
}

/** Worker to pool. */
export type WorkerMessage =
  | { type: 'listening'; address: AddressInfo; fd: number }
  | { type: 'failed'; message: string; props: Record<string, unknown> }

/** Pool to worker. */
export type PoolMessage = { type: 'close'; graceMs: number; idle: 'close' | 'keep' }
