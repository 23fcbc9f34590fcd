import { defineConfig } from 'tsup'
import { packageBuild } from '../../tsup.base'

// index: the library. worker, echo, whoami, hello, whoami-http, ws-echo and cli are loaded by
// URL at run time (worker threads, handler modules, the io-serve bin); they are built in the
// same pass so that the ESM output shares one chunk with the library.
export default defineConfig({
  ...packageBuild,
  entry: { index: 'src/index.ts', worker: 'src/workers/worker-main.ts', echo: 'src/tcp/echo.ts', whoami: 'src/tcp/whoami.ts', hello: 'src/http/hello.ts', 'whoami-http': 'src/http/whoami-http.ts', 'ws-echo': 'src/ws/ws-echo.ts', http: 'src/http/index.ts', cli: 'src/cli/cli.ts' },
  dts: { entry: { index: 'src/index.ts', http: 'src/http/index.ts' } },
})
