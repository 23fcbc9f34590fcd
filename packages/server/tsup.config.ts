import { defineConfig } from 'tsup'

// index: the library. worker, echo and cli are loaded by URL at run time (worker threads,
// handler modules, the io-serve bin); they are built in the same pass so that the ESM output
// shares one chunk with the library.
export default defineConfig({
  entry: { index: 'src/index.ts', worker: 'src/worker-main.ts', echo: 'src/echo.ts', cli: 'src/cli.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  shims: true,
  target: 'node20',
  sourcemap: true,
})
