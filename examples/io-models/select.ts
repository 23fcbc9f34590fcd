/**
 * select: multiplexing with select(2), the oldest way for one thread to watch many sockets.
 *
 * The kettle picture: instead of standing at one kettle, you stand at a board with one lamp
 * per kettle and wait until some lamp lights; then you walk to those kettles only. The catch
 * with select(2) is how the board is built: every call hands the kernel a bitmap of *every*
 * watched fd (up to the highest one), the kernel checks each of them, and hands the bitmap
 * back for the program to scan again. The work per call grows with the number of watched
 * connections, ready or not. And the bitmap has a fixed size, FD_SETSIZE (1024 bits on
 * Linux): an fd numbered 1024 or more cannot be watched at all, so this server refuses such
 * connections (the first refusal is printed).
 *
 * The loop itself (common/readiness-loop.ts) is the same for select, poll and epoll: ask what
 * is ready, read or write those sockets, ask again. Only the selector differs.
 *
 *   npm run build && npx tsx examples/io-models/select.ts --port 9000
 */
import { SelectSelector } from '@io/selectors'
import { announce, portOption } from './common/command-line.js'
import { listenTcp } from './common/listen.js'
import { serveLevelTriggered } from './common/readiness-loop.js'

const { fd, port } = listenTcp(portOption())
announce('select', port, `fds below ${SelectSelector.FD_LIMIT} only`)
// Blocks this thread in select(2) for good; Ctrl-C (SIGINT) or SIGTERM ends the process.
serveLevelTriggered(new SelectSelector(), fd)
