/**
 * The servers the lab measures: one echo server per I/O model (examples/io-models/<id>.ts) and
 * two references, node:net and @io/server in callback style.
 */
import { fileURLToPath } from 'node:url'

export interface ModelSpec {
  /** The model id: the example's file name, and the key in docs/io-models.json. */
  id: string
  /** The model in a few words, for tables and legends. */
  label: string
  /** The example file, relative to the repository root (references have none). */
  example?: string
  /** How to start it: argv after `node`; `--port 0` is appended. */
  argv: string[]
  env?: Record<string, string>
}

const root = fileURLToPath(new URL('../../', import.meta.url))
const example = (id: string, label: string, env?: Record<string, string>): ModelSpec => ({
  id,
  label,
  example: `examples/io-models/${id}.ts`,
  argv: ['--import', 'tsx', `${root}examples/io-models/${id}.ts`],
  env,
})

/** Every server the lab measures, in the order of its tables. */
export const MODELS: ModelSpec[] = [
  example('blocking-threads', 'blocking, a thread per connection'),
  example('nonblocking-poll-loop', 'non-blocking, busy checking'),
  example('select', 'select(2)'),
  example('poll', 'poll(2)'),
  example('epoll', 'epoll, level-triggered'),
  example('epoll-et', 'epoll, edge-triggered'),
  example('sigio', 'signal-driven (SIGIO)'),
  example('io_uring', 'io_uring completions'),
  // The coroutine style on the epoll engine, so that `server-callbacks` is its exact peer.
  example('coroutine', 'coroutines (for await, @io/server)', { IO_BACKEND: 'epoll' }),
  { id: 'server-callbacks', label: '@io/server callbacks (reference)', argv: [`${root}packages/server/dist/cli.js`, 'echo', '--backend', 'epoll'] },
  { id: 'node-net', label: 'node:net (reference)', argv: [`${root}benchmarks/server/node-net-echo.mjs`] },
]
