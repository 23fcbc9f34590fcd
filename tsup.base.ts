import type { Options } from 'tsup'

/** The build every package shares: ESM + CJS + .d.ts for Node 20, shims for import.meta.url. */
export const packageBuild: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  shims: true,
  target: 'node20',
  sourcemap: true,
}
