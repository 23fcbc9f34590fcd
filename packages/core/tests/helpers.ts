import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'

/** How many fds this process has open (entries of /proc/self/fd, less the one readdir uses). */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length - 1
}

/** Lets Node's loop run one full turn (timers, poll, check). */
export function loopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * How long {@link until} waits for its condition before it fails: a third of the 60 s test
 * timeout, so that its own error, which names the condition, is what a stuck test reports
 * (and there is room for a test that waits twice).
 */
export const UNTIL_LIMIT_MS = 20_000

/** What {@link until} waits for, and how long. */
export interface UntilOptions {
  /** The condition in words, for the error. Default: the predicate's source. */
  what?: string
  /** Fail after this long. Default {@link UNTIL_LIMIT_MS}. */
  withinMs?: number
}

/**
 * Turns the loop (a 1 ms timer per turn, so timers, I/O and immediates all run) until
 * `predicate()` holds. A condition that never comes fails after `withinMs` with an error that
 * names it (`options` may be that name, or the bound in ms), before the test timeout would.
 * The bound is a guard against a hang, never a measurement: no test asserts how long it took.
 */
export async function until(predicate: () => boolean, options: UntilOptions | string | number = {}): Promise<void> {
  const { what = conditionOf(predicate), withinMs = UNTIL_LIMIT_MS } =
    typeof options === 'string' ? { what: options } : typeof options === 'number' ? { withinMs: options } : options
  const deadline = performance.now() + withinMs
  for (let turns = 0; ; turns++) {
    if (predicate()) return
    if (performance.now() >= deadline) {
      throw new Error(`until: ${what} did not hold within ${withinMs} ms (${turns} loop turns)`)
    }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

// `() => batches.length > 0` names itself well enough; the source of a named function does not.
function conditionOf(predicate: () => boolean): string {
  const source = predicate.toString().replace(/\s+/g, ' ')
  return source.length > 160 ? `${source.slice(0, 160)}...` : source
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const PACKAGES = ['core', 'selectors', 'server', 'signal']

/**
 * Runs `node ...args` in a child process against the packages as users load them: the built
 * `dist` of each (ESM and CJS), found through node_modules. Fails at once, saying what to do,
 * when a build is missing. `cwd` defaults to the repository root.
 */
export function runAgainstDist(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  for (const name of PACKAGES) {
    for (const file of ['index.js', 'index.cjs']) {
      const path = join(repoRoot, 'packages', name, 'dist', file)
      if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`)
    }
  }
  return spawnSync(process.execPath, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: 30_000,
  })
}
