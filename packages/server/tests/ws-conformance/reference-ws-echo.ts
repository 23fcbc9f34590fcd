/**
 * The suite's reference echo server on the `ws` package, the independent implementation the
 * suite is validated against (scripts/validate-corpora.ts): every message is sent back as the
 * same type, with maxPayload set from the case's maxPayloadLength.
 */
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import type { RunningServer } from '../http-corpus/server-pool.js'
import type { WsServerOptions } from './ws-case.js'

/** Starts a `ws` echo server on a loopback port. */
export function startWsEchoReference(options: WsServerOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: options.maxPayloadLength, perMessageDeflate: false })
    server.on('connection', (socket) => {
      // Protocol errors surface here after ws has sent its Close; the suite judges them on the wire.
      socket.on('error', () => {})
      socket.on('message', (data, isBinary) => socket.send(data as Buffer, { binary: isBinary }))
    })
    server.once('error', reject)
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        address: { host: '127.0.0.1', port },
        close: () =>
          new Promise<void>((done) => {
            for (const client of server.clients) client.terminate()
            server.close(() => done())
          }),
      })
    })
  })
}
