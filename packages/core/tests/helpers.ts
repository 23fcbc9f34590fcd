import { readdirSync } from 'node:fs'

/** How many fds this process has open (entries of /proc/self/fd, less the one readdir uses). */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length - 1
}

/** Lets Node's loop run one full turn (timers, poll, check). */
export function loopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Turns the loop until `predicate()` holds. Bounded by a count of turns, not by time, so a slow
 * machine only makes it slower; it throws if the condition never comes.
 */
export async function until(predicate: () => boolean, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  throw new Error('condition not reached')
}
