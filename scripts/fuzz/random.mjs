// A small seeded PRNG (splitmix32 to mix, mulberry32 to draw): case `index` of run `seed` is
// the same sequence of draws whatever else the process ran, so any case can be replayed alone.

/** A 32-bit mix of `a` and `b`. */
function mix(a, b) {
  let z = (Math.imul(a >>> 0, 0x9e3779b1) ^ (b >>> 0)) >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return (z ^ (z >>> 16)) >>> 0
}

/** The draws of case `index` of run `seed`. */
export function caseRandom(seed, index) {
  let state = mix(mix(seed, 0x2545f491), index)
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return {
    /** A float in [0, 1). */
    next,
    /** An integer in [0, n). */
    int: (n) => Math.floor(next() * n),
    /** True with probability p. */
    chance: (p) => next() < p,
    /** One element of `list`. */
    pick: (list) => list[Math.floor(next() * list.length)],
  }
}
