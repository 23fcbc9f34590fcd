/**
 * A reproducible source of numbers in [0, 1) (xorshift32): the same seed gives the same
 * splits, pipelines and masking keys on every run, so a failure can be replayed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 0x1_0000_0000
  }
}
