import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// One vitest project per package (tests/ beside src/), all in a `forks` pool: native code and
// signal masks must not share a process with other test files' threads. Tests import the
// packages by name and run against their TypeScript sources.
const packages = ['core', 'selectors', 'server', 'signal']
const alias = Object.fromEntries(
  packages.map((name) => [`@io/${name}`, fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url))]),
)

export default defineConfig({
  resolve: { alias },
  test: {
    // vitest 3 takes execArgv only at the root; gc() is there for the leak project's tests.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    projects: [
      ...packages.map((name) => ({
        resolve: { alias },
        test: {
          name,
          root: `packages/${name}`,
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/**/*.leak.test.ts'],
          pool: 'forks' as const,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      })),
      {
        // Leak checks: fd counts and heap after many cycles, with the GC under the test's control
        // (globalThis.gc: every fork runs with --expose-gc, set once above for all projects).
        resolve: { alias },
        test: {
          name: 'leak',
          include: ['packages/*/tests/**/*.leak.test.ts'],
          pool: 'forks' as const,
          testTimeout: 120_000,
        },
      },
      {
        // The runnable examples, started as a user starts them (each in its own process).
        resolve: { alias },
        test: {
          name: 'examples',
          root: 'examples',
          include: ['tests/**/*.test.ts'],
          pool: 'forks' as const,
          testTimeout: 60_000,
        },
      },
    ],
  },
})
