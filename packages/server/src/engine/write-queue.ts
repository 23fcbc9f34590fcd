/**
 * A connection's output queue: chunks the socket has not taken yet. It exists only while
 * output waits, so an idle or keeping-up connection holds no queue at all.
 *
 * Chunks are queued by reference, as Node's streams do: do not modify a Buffer after writing it.
 * A chunk that is a view of memory the engine reuses for reads (an echo handler writing its
 * `data` chunk back) may stay a view only until the flush at the end of the batch, which comes
 * before that memory is reused; whatever the socket did not take is then copied (`keep`).
 */
import { Buffer } from 'node:buffer'
import type { Connection } from './connection.js'

/** Appends `bytes` to the queue, by reference. */
export function enqueue(conn: Connection, bytes: Uint8Array): void {
  if (conn.queue === null) conn.queue = [bytes]
  else conn.queue.push(bytes)
  // `length`, not `byteLength` (the same for a Uint8Array): on Node 20 only `length` is inlined
  // by the optimizing compiler; `byteLength` is a property lookup call per write.
  conn.queuedBytes += bytes.length
  conn.unflushed += bytes.length
}

/** Appends a copy of `bytes` when `shared` (it lives in memory the engine reuses), else `bytes`. */
export function enqueueKept(conn: Connection, bytes: Uint8Array, shared: boolean): void {
  enqueue(conn, shared ? Buffer.from(bytes) : bytes)
}

/** Drops the first `n` bytes of the queue: the socket took them. */
export function consume(conn: Connection, n: number): void {
  const queue = conn.queue!
  conn.queuedBytes -= n
  let i = 0
  while (i < queue.length && n >= queue[i].length) n -= queue[i++].length
  if (i === queue.length) {
    conn.queue = null
    return
  }
  if (i > 0) queue.splice(0, i)
  if (n > 0) queue[0] = queue[0].subarray(n)
}

/** Replaces every chunk of the queue that `isShared` claims with a copy: its memory is about to be reused. */
export function keep(conn: Connection, isShared: (bytes: Uint8Array) => boolean): void {
  const queue = conn.queue
  if (queue === null) return
  for (let i = 0; i < queue.length; i++) if (isShared(queue[i])) queue[i] = Buffer.from(queue[i])
}
