/**
 * Echo handlers: every byte read is written back. Backpressure: when the peer reads slower
 * than it writes, reading pauses until the output drains, so memory stays bounded. The default
 * export makes this module usable as a handler module (`workers > 1`, `io-serve echo`).
 */
import type { Handlers } from '../engine/handlers.js'

/** Handlers that write back what they read, pausing while the peer does not keep up. */
export const echoHandlers: Handlers = {
  data(conn, chunk) {
    if (!conn.write(chunk)) conn.pause()
  },
  drain(conn) {
    conn.resume()
  },
}

export default echoHandlers
