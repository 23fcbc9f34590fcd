/** Messages between a WorkerPool and its worker threads. */
import type { HttpLimits } from '../http/limits.js'
import type { ListenOptions, ResolvedOptions } from '../options.js'
import type { AddressInfo } from '../tcp/server.js'

/** A protocol the workers run over TCP, described in data (functions cannot cross threads). */
export interface WorkerProtocol {
  name: 'http'
  limits: HttpLimits
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
}

/** Worker to pool. */
export type WorkerMessage =
  | { type: 'listening'; address: AddressInfo; fd: number }
  | { type: 'failed'; message: string; props: Record<string, unknown> }

/** Pool to worker. */
export type PoolMessage = { type: 'close'; graceMs: number; idle: 'close' | 'keep' }
