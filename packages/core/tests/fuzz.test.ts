// A short, fixed-seed run of the native fuzzer (scripts/fuzz): every export of the addon called
// with hostile arguments, in child processes. Any crash, hang or exception without a code fails
// the test with the replay command. The long run is `npm run fuzz -- --seed N --cases M`.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const fuzzer = fileURLToPath(new URL('../../../scripts/fuzz/fuzz.mjs', import.meta.url))
const SEED = 1
const CASES = 2000

it(`the native fuzzer finds nothing in ${CASES} cases of seed ${SEED}`, { timeout: 180_000 }, () => {
  let output: string
  try {
    output = execFileSync(process.execPath, [fuzzer, '--seed', String(SEED), '--cases', String(CASES), '--batch', '500', '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
  } catch (error) {
    output = (error as { stdout: string }).stdout // exit code 1: there are findings, listed below
  }
  const result = JSON.parse(output.trim().split('\n').pop()!)
  expect(result.findings).toEqual([])
  const { ok, error, uncoded, crash, hang } = result.counts
  expect(ok + error + uncoded + crash + hang).toBe(CASES)
  expect(error).toBeGreaterThan(0) // the hostile input does reach the checks
  expect(ok).toBeGreaterThan(0) // and plausible input gets past them
})
