import type { UringProbe } from './uring-probe.js'
import type { UringSupport } from './uring.js'

/**
 * The state a package keeps for the life of a thread, one object however the package was
 * loaded.
 *
 * Each @io package ships two builds, ESM (`import`) and CJS (`require`), and Node loads them as
 * two separate modules: a program that imports a package in one place and requires it in
 * another (or that depends on a package which does) gets two copies of every module-level
 * variable, and a registration, a warn-once flag or a cache kept in one is invisible to the
 * other. So packages keep no such variable: each declares its state once, in its own
 * `module-state.ts`, through this function, which keeps it on `globalThis` under a
 * `Symbol.for` key. `Symbol.for` is the one registry both builds see; `globalThis` is per
 * thread (each worker has its own), as module state is.
 *
 * `key` names the package and the state's layout version, e.g. `'@io/selectors/state@1'`:
 * change the version whenever the object's shape changes, so two installed versions of a
 * package whose layouts differ never read each other's state.
 *
 * @example
 * ```ts
 * export const registryState = moduleState('@io/example/state@1', () => ({ backends: new Map() }))
 * ```
 */
export function moduleState<T extends object>(key: string, create: () => T): T {
  const holder = globalThis as unknown as Record<symbol, T | undefined>
  const symbol = Symbol.for(key)
  return (holder[symbol] ??= create())
}

/** What @io/core keeps for the life of a thread (see {@link moduleState}). */
interface CoreState {
  /** `Uring.isSupported()`: the io_uring_setup probe, run once. */
  uringSupport?: UringSupport
  /** `probeUring()`: support plus what a ring here can do, run once. */
  uringProbe?: UringProbe
  /** The warn functions that already told of an io_uring fallback (each says it once). */
  readonly warned: WeakSet<(message: string) => void>
  /** The default warn function: one for every build, so that the warning comes once. */
  readonly emitUringWarning: (message: string) => void
}

/** @internal The one state of @io/core, shared by its ESM and CJS builds. */
export const coreState: CoreState = moduleState(
  '@io/core/state@1',
  (): CoreState => ({
    warned: new WeakSet(),
    emitUringWarning: (message) => process.emitWarning(message, { type: 'IoUringWarning', code: 'IO_URING_UNAVAILABLE' }),
  }),
)
