/**
 * What the kernel knows about a TCP connection, for tests that must know the server has read
 * what a client sent (to split a message across reads for certain, not by luck).
 */
import { sockets } from '@io/core'
import type { Server } from '@io/server'
import type { Connection } from '../src/engine/connection.js'
import type { Reactor } from '../src/engine/reactor.js'
import { client, loopTurn } from './helpers.js'

const { MSG_PEEK, MSG_DONTWAIT } = sockets.constants
const peekBuffer = Buffer.alloc(1)

/**
 * The fd of `server`'s side of the connection from local port `clientPort`, found in its
 * reactor's table (it is there from accept on, before any handler runs).
 */
export function serverSideFd(server: Server, clientPort: number): number {
  return serverSideConnection(server, clientPort).fd
}

/** `server`'s Connection for the client at local port `clientPort` (see serverSideFd). */
export function serverSideConnection(server: Server, clientPort: number): Connection {
  const reactor = (server as unknown as { reactor: Reactor }).reactor
  const conn = reactor.table.list().find((c) => sockets.getpeername(c.fd).port === clientPort)
  if (conn === undefined) throw new Error(`no connection from port ${clientPort}`)
  return conn
}

/**
 * Waits until the server has read everything the socket `fd` (its side of a connection)
 * received: a peek finds nothing. Turns the loop between looks (the server runs in this
 * process); bounded by a count of turns. Call it once the client's write has completed, so
 * that what was sent is in the server's receive queue already (loopback delivers in the send).
 */
export async function untilServerRead(fd: number, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (sockets.recv(fd, peekBuffer, 0, 1, MSG_PEEK | MSG_DONTWAIT) === sockets.WOULD_BLOCK) return
    await loopTurn()
  }
  throw new Error(`the server did not read what fd ${fd} received`)
}

/** True when connecting to `port` on 127.0.0.1 is refused (nothing listens there). */
export async function refused(port: number): Promise<boolean> {
  return client(port).then(
    (c) => {
      c.socket.destroy()
      return false
    },
    (err: { code?: string }) => err.code === 'ECONNREFUSED',
  )
}
