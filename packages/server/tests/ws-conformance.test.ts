// The WebSocket conformance suite (ws-conformance/cases, modelled on Autobahn's groups 1-7 and
// 9) against this server's echo, on every engine.
import { afterAll, describe, expect, it } from 'vitest'
import { createHttpServer } from '@io/server'
import { ServerPool } from './http-corpus/server-pool.js'
import { loadWsConformance } from './ws-conformance/suite.js'
import { runWsCase } from './ws-conformance/driver.js'
import { BACKENDS, backendLabel } from './helpers.js'

const cases = loadWsConformance()

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('WebSocket conformance on %s', (_label, backend) => {
  const pool = new ServerPool(async (options: { maxPayloadLength: number }) => {
    const server = createHttpServer({ backend }, (_req, res) => res.end('not a WebSocket'))
    server.ws('/*', {
      maxPayloadLength: options.maxPayloadLength,
      maxBackpressure: 64 * 1024 * 1024,
      message(ws, data, isBinary) {
        ws.send(data, isBinary)
      },
    })
    const { port } = await server.listen(0, '127.0.0.1')
    return { address: { host: '127.0.0.1', port }, close: () => server.close({ graceMs: 0 }) }
  })
  afterAll(() => pool.closeAll())

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, testCase) => {
    const verdict = await runWsCase(testCase, await pool.address(testCase.server))
    expect(verdict.failures, verdict.transcript).toEqual([])
  })
})
