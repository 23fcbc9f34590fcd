/**
 * The engine contract: what moves bytes for a server, written once.
 *
 * A server is two layers. The {@link Reactor} (reactor.ts) is the same on every engine: it owns
 * the connection table, calls the handlers, queues and flushes output, and runs half-close,
 * idle timeouts and graceful close. An {@link Engine} moves the bytes: it accepts connections,
 * reads, reports writability and closes sockets, with the kernel interface it is named after
 * (epoll level- or edge-triggered, io_uring completions). Protocols (TCP handlers, HTTP,
 * WebSocket) sit on the reactor and never see the engine.
 *
 * ## What an engine must do
 * - **Accept**: once `listen(fd)` is called, hand every accepted fd to `acceptor.accepted(fd)`
 *   and every accept failure to `acceptor.failed()`. When the acceptor pauses (fds ran out),
 *   stop accepting until it calls `retryAccept()`; `stopAccepting()` closes the listener.
 * - **Read**: from `attach(conn)` on, deliver input with `reactor.received(conn, chunk)`, the end
 *   of stream with `reactor.peerEnded(conn)` and read errors with `reactor.destroy(conn, err)`,
 *   in the order the kernel produced them, for every connection that is not paused. A chunk
 *   lies in memory the engine reuses (`isShared` says so); it must stay intact until the
 *   reactor's next flush has returned (see batches, below).
 * - **Pause**: after `pause(conn)` deliver nothing more for `conn` until `resume(conn)`, and read
 *   at most one more chunk from its socket (hold it, and deliver it first after `resume`): the
 *   kernel's socket buffer and TCP window hold the peer back, not the server's memory. While
 *   paused, a reset (ERROR/HANGUP) must still be noticed and reported with `destroy`.
 * - **Writability**: output is written by the reactor (`sockets.writeBatch`). When it leaves
 *   some behind, it calls `waitWritable(conn)`; the engine then calls `reactor.writable(conn)`
 *   once the socket takes more. `wroteAll(conn)` says the queue is empty again.
 * - **Batches**: call `reactor.beginBatch()` before handing over a wakeup's events and
 *   `reactor.endBatch()` after them, and `reactor.flush()` before reusing the memory of chunks
 *   already delivered. Writes made during a batch are gathered and flushed together, one
 *   native call for every connection (automatic cork).
 * - **Close**: `closeSocket(conn)` closes the fd, cancelling whatever the engine has in flight
 *   on it; `detach(conn)` forgets the engine's per-connection state; `release()` frees the
 *   engine itself once every connection is gone.
 *
 * ## What an engine may assume
 * - Connections come from `reactor.table`; a token names one connection for its whole life,
 *   and an event carrying a stale token (the connection closed, its slot reused) is dropped by
 *   `table.lookup`.
 * - Handlers run only inside `received`, `peerEnded`, `writable`, `destroy` and the flushes,
 *   and any of them may close, pause or resume any connection, or write to it: the engine
 *   re-checks a connection's flags after each call it makes into the reactor.
 * - `pause`, `resume`, `waitWritable` and `wroteAll` are called only for open connections, and
 *   `closeSocket` exactly once per attached connection (`detach` first).
 * - Each engine keeps its own per-connection state; `Connection.flags` holds only what the
 *   reactor decides (paused, ended, closing...), which the engine reads but never writes.
 */
import type { Acceptor } from './acceptor.js'
import type { EngineName } from './backend.js'
import type { Connection } from './connection.js'
import type { Reactor } from './reactor.js'

/** An engine: the kernel interface under a {@link Reactor}. See the contract above. */
export interface Engine {
  /** Which engine this is. */
  readonly name: EngineName
  /** True when `bytes` lies in memory this engine reuses for reads (copy it to keep it). */
  isShared(bytes: Uint8Array): boolean
  /** Starts accepting on the listening socket `fd`, owned by the engine from then on. */
  listen(fd: number, acceptor: Acceptor): void
  /** The acceptor's backoff ran out: accept again (failures go to `acceptor.failed` again). */
  retryAccept(): void
  /** Stops accepting and closes the listening socket. Idempotent. */
  stopAccepting(): void
  /** Starts reading a connection the acceptor attached; false when the engine cannot take it. */
  attach(conn: Connection): boolean
  /** Reading was paused (the flag is already set). */
  pause(conn: Connection): void
  /** Reading was resumed (the flag is already cleared). */
  resume(conn: Connection): void
  /** Output is left over after a flush: call `reactor.writable(conn)` when the socket takes more. */
  waitWritable(conn: Connection): void
  /** The output queue is empty. */
  wroteAll(conn: Connection): void
  /** Forgets the engine's state of a connection about to be closed. */
  detach(conn: Connection): void
  /** Closes the connection's socket, with whatever is in flight on it. */
  closeSocket(conn: Connection): void
  /** Frees the engine (its epoll fd or ring) once every connection is gone. */
  release(): void
}

/** Creates the engine of a reactor (the reactor exists first: the engine calls into it). */
export type EngineFactory = (reactor: Reactor) => Engine
