/**
 * The loop of the level-triggered readiness models (select, poll, epoll): one thread asks the
 * kernel which sockets are ready, handles those, and asks again. The same code serves all
 * three; what each `selector.select()` costs is the difference between them.
 */
import { sockets } from '@io/core'
import { type BaseSelector, EVENT_READ, EVENT_WRITE } from '@io/selectors'
import { EchoConnection } from './echo-connection.js'
import { acceptAll } from './listen.js'

/**
 * Echoes on every connection of `listenFd` with `selector`, forever. A connection the
 * selector refuses to watch (select(2) and fds >= 1024) is closed, and the first refusal
 * printed.
 */
export function serveLevelTriggered(selector: BaseSelector<EchoConnection | null>, listenFd: number): never {
  const buffer = Buffer.allocUnsafe(64 * 1024)
  let refused = 0
  selector.register(listenFd, EVENT_READ, null)
  for (;;) {
    for (const [key, events] of selector.select()) {
      const conn = key.data
      if (conn === null) {
        acceptAll(listenFd, (fd) => {
          try {
            selector.register(fd, EVENT_READ, new EchoConnection(fd))
          } catch (error) {
            if (refused++ === 0) console.error(`refusing connections: ${(error as Error).message}`)
            sockets.close(fd)
          }
        })
        continue
      }
      // Level-triggered: one read per report is enough; if more is waiting, the next select says so.
      if (events & EVENT_WRITE) conn.flush()
      else conn.readOnce(buffer)
      if (conn.ended) {
        selector.unregister(conn.fd)
        conn.close()
        continue
      }
      // Wait for room to write while an echo is pending, for data otherwise.
      const wanted = conn.pending === null ? EVENT_READ : EVENT_WRITE
      if (wanted !== key.events) selector.modify(conn.fd, wanted, conn)
    }
  }
}
