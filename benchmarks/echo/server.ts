/**
 * One echo server process for benchmarks/echo-backends.ts:
 *
 *   node --import tsx benchmarks/echo/server.ts --backend epoll|epoll-et|uring|uring-wait [--port P]
 *
 * Prints "listening <port>" once it accepts connections; runs until SIGTERM/SIGINT.
 */
import { EpollEchoServer } from './epoll-server.js'
import { listenTcp } from './listen.js'
import { UringEchoServer } from './uring-server.js'
import { cliArgs } from '../lib/args.js'

const args = cliArgs()
const backend = args.get('backend') ?? 'epoll'
const { fd, port } = listenTcp(Number(args.get('port') ?? 0))

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0))
console.log(`listening ${port}`)

switch (backend) {
  case 'epoll':
  case 'epoll-et':
    new EpollEchoServer(fd, backend === 'epoll-et')
    break
  case 'uring':
    new UringEchoServer(fd, 'start')
    break
  case 'uring-wait':
    // Blocks this thread in io_uring_enter: signals cannot run JS handlers, so exit on SIGTERM
    // is left to the default disposition.
    process.removeAllListeners('SIGTERM')
    process.removeAllListeners('SIGINT')
    new UringEchoServer(fd, 'wait')
    break
  default:
    console.error(`unknown backend ${backend}`)
    process.exit(2)
}
