/**
 * poll: multiplexing with poll(2), select without the 1024 limit.
 *
 * The lamp board again (see select.ts), built differently: the program keeps an array of
 * `struct pollfd` entries (fd, events wanted, events that happened), one per watched socket,
 * of any length and any fd number. FD_SETSIZE is gone, but the other cost stays: each call
 * copies the whole array into the kernel, which checks every entry, and back out, and the
 * program walks it to find the ready ones. With 5,000 connections of which 50 are busy, each
 * call still looks at 5,000 entries.
 *
 * The loop (common/readiness-loop.ts) is the one select.ts and epoll.ts use; only the
 * selector differs.
 *
 *   npm run build && npx tsx examples/io-models/poll.ts --port 9000
 */
import { PollSelector } from '@io/selectors'
import { announce, portOption } from './common/command-line.js'
import { listenTcp } from './common/listen.js'
import { serveLevelTriggered } from './common/readiness-loop.js'

const { fd, port } = listenTcp(portOption())
announce('poll', port)
// Blocks this thread in poll(2) for good; Ctrl-C (SIGINT) or SIGTERM ends the process.
serveLevelTriggered(new PollSelector(), fd)
