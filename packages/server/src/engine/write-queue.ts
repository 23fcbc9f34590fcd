/**
 * A connection's output queue: chunks the socket has not taken yet. It exists only while
 * output waits, so an idle or keeping-up connection holds no queue at all.
 *
 * A chunk that is a view of the reactor's shared read buffer (an echo handler writing its
 * `data` chunk back) is copied on the way in: the next read would overwrite it. Any other
 * chunk is kept by reference, as Node's streams do: do not modify a Buffer after writing it.
 */
import type { Connection } from './connection.js'

/** Appends `bytes[offset..]` to the queue; copies it when it lives in memory the reactor reuses. */
export function enqueue(conn: Connection, bytes: Uint8Array, offset: number, shared: boolean): void {
  const length = bytes.byteLength - offset
  if (length <= 0) return
  let chunk: Uint8Array
  if (shared) chunk = Buffer.from(bytes.subarray(offset))
  else chunk = offset === 0 ? bytes : bytes.subarray(offset)
  if (conn.queue === null) conn.queue = [chunk]
  else conn.queue.push(chunk)
  conn.queuedBytes += length
}

/** Drops the first `n` bytes of the queue; leaves `queue` null when it is empty. */
export function consume(conn: Connection, n: number): void {
  const queue = conn.queue!
  conn.queuedBytes -= n
  let i = 0
  while (i < queue.length && n >= queue[i].byteLength) n -= queue[i++].byteLength
  if (i === queue.length) {
    conn.queue = null
    return
  }
  if (i > 0) queue.splice(0, i)
  if (n > 0) queue[0] = queue[0].subarray(n)
}

/** Most iovecs one writev takes (IOV_MAX on Linux). */
export const IOV_MAX = 1024

/** The queue, or its first IOV_MAX chunks, as writev wants them. */
export function iovecs(queue: Uint8Array[]): Uint8Array[] {
  return queue.length <= IOV_MAX ? queue : queue.slice(0, IOV_MAX)
}
