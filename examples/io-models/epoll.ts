/**
 * epoll: multiplexing where the kernel keeps the list (epoll(7)), level-triggered.
 *
 * The lamp board once more (see select.ts), but now the kernel owns it: each socket is
 * registered once (epoll_ctl), and the kernel itself puts a socket on a ready list when data
 * arrives. A wait (epoll_wait) just hands over that ready list, so its cost follows the number
 * of *ready* sockets, not of watched ones: idle connections cost (almost) nothing per wait.
 * `npm run lab` measures how little. Level-triggered means a socket stays on the list while it is readable, so one
 * read per report is enough, exactly as with select and poll.
 *
 * The loop (common/readiness-loop.ts) is the one select.ts and poll.ts use; only the
 * selector differs. For the edge-triggered variant see epoll-et.ts.
 *
 *   npm run build && npx tsx examples/io-models/epoll.ts --port 9000
 */
import { EpollSelector } from '@io/selectors'
import { announce, portOption } from './common/command-line.js'
import { listenTcp } from './common/listen.js'
import { serveLevelTriggered } from './common/readiness-loop.js'

const { fd, port } = listenTcp(portOption())
announce('epoll', port)
// Blocks this thread in epoll_wait(2) for good; Ctrl-C (SIGINT) or SIGTERM ends the process.
serveLevelTriggered(new EpollSelector(), fd)
