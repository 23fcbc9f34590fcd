/** The shape of docs/io-models.json: everything the page is rendered from. */

/** One (connections, activity) point of one model. Figures are medians over the runs. */
export interface Cell {
  conns: number
  /** 'all': every connection keeps a message in flight; 'idle': 1% do, the rest stay idle. */
  activity: 'all' | 'idle'
  /** Connections with a message in flight. */
  active: number
  rps: number
  p50Us: number
  p99Us: number
  /** Server CPU microseconds per round trip. */
  cpuUsPerRoundTrip: number
  /** Server CPU over the counted seconds, in cores (1 = one core busy all the time). */
  serverCpuShare: number
  /** Connections the server closed instead of serving (select past FD_SETSIZE). */
  refused: number
  /** Bytes echoed wrong, summed over the runs (must be 0). */
  corrupt: number
  /** Anonymous RSS growth per connection, KiB (all-active cells only: taken on a fresh server). */
  memPerConnKb?: number
  /** Server threads with every connection open. */
  threads: number
  /** Each run's round trips/s, CPU µs per round trip and p99, in run order. */
  runs: Array<{ rps: number; cpuUsPerRoundTrip: number; p99Us: number }>
}

/** Everything measured of one model (one entry of docs/io-models.json). */
export interface ModelRecord {
  id: string
  label: string
  example: string | null
  /** Not measured at all, and why (io_uring unavailable...). */
  skipped: string | null
  /** The connection count at which measuring stopped, and why. */
  stoppedAt: { conns: number; reason: string } | null
  /** What the server printed on stderr that explains a result (first line of each kind). */
  serverSaid: string[]
  cells: Cell[]
}

/** One run of the lab: docs/io-models.json. */
export interface LabRecord {
  command: string
  quick: boolean
  revision: string
  machine: { cpu: string; cores: number; kernel: string; node: string; memoryGiB: number; pendingSignalLimit: number }
  /** `taskset -c` CPUs of server and load, or null when not pinned. */
  pinned: { server: string; load: string } | null
  /** 1-minute load average before the first server started and after the last one stopped. */
  loadAverage: { start: number; end: number }
  settings: { seconds: number; warmup: number; runs: number; size: number; depth: number; connCounts: number[]; idleShare: number }
  startedAt: string
  durationSeconds: number
  models: Record<string, ModelRecord>
}

/** Below this many connections, start-up work and garbage collection swamp memory per connection. */
export const MEMORY_FROM = 100

/** Connections kept busy in the idle-heavy case: 1%, at least one. */
export function idleActive(conns: number, share: number): number {
  return Math.max(1, Math.round(conns * share))
}

/**
 * The measured point of model `id` at `conns` connections, or undefined. An 'idle' point whose
 * 1% is all connections (1 connection) is the 'all' point: the same measurement.
 */
export function pointOf(record: LabRecord, id: string, conns: number, activity: Cell['activity']): Cell | undefined {
  const cells = record.models[id]?.cells ?? []
  const same = activity === 'idle' && idleActive(conns, record.settings.idleShare) === conns
  return cells.find((c) => c.conns === conns && c.activity === (same ? 'all' : activity))
}
