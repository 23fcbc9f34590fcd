// Runs a scenario of fixtures/hostile-inputs.ts in a child process: input that once crashed the
// process must now end in a clean error, and a crash or a wedge must fail the test, not the
// test runner.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const fixture = fileURLToPath(new URL('./fixtures/hostile-inputs.ts', import.meta.url))

export interface HostileRun {
  /** The scenario's result (parsed from its JSON line), when it finished. */
  outcome: any
  status: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

/** Runs `scenario` of fixtures/hostile-inputs.ts in `node --expose-gc --import tsx`. */
export function runHostile(scenario: string): HostileRun {
  return runChild([process.execPath, '--expose-gc', '--import', 'tsx', fixture, scenario])
}

/**
 * Runs `command`, a child that prints one `{"outcome": ...}` line. The timeout only guards
 * against a wedge: a passing child ends at once.
 */
export function runChild(command: string[]): HostileRun {
  const child = spawnSync(command[0], command.slice(1), { encoding: 'utf8', timeout: 30_000 })
  const line = child.stdout.split('\n').find((l) => l.startsWith('{"outcome"'))
  return {
    outcome: line === undefined ? undefined : JSON.parse(line).outcome,
    status: child.status,
    signal: child.signal,
    stderr: child.stderr,
  }
}

/** Asserts-by-throwing that the child exited normally, with the reason in the message. */
export function finished(run: HostileRun): any {
  if (run.status !== 0 || run.outcome === undefined) {
    throw new Error(`child did not finish cleanly (status ${run.status}, signal ${run.signal}):\n${run.stderr.slice(-2000)}`)
  }
  return run.outcome
}
