// The handler module each worker thread imports (its default export).
import { threadId } from 'node:worker_threads'

export default {
  open(conn) {
    conn.write(`served by worker thread ${threadId}\n`)
  },
  data(conn, chunk) {
    if (!conn.write(chunk)) conn.pause()
  },
  drain(conn) {
    conn.resume()
  },
}
