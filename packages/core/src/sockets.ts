// Socket and fd syscalls on plain fd numbers (the `sockets` namespace of @io/core; its
// conventions are documented where index.ts exports it).
import { native } from './native.js'

/** The names of {@link constants}. */
export const SOCKET_CONSTANT_NAMES = [
  'AF_INET', 'AF_INET6', 'AF_UNIX', 'SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_NONBLOCK', 'SOCK_CLOEXEC',
  'SOL_SOCKET', 'SO_REUSEADDR', 'SO_REUSEPORT', 'SO_KEEPALIVE', 'SO_RCVBUF', 'SO_SNDBUF', 'SO_ERROR', 'SO_ACCEPTCONN',
  'SO_TYPE', 'IPPROTO_TCP', 'TCP_NODELAY', 'SHUT_RD', 'SHUT_WR', 'SHUT_RDWR', 'O_NONBLOCK', 'O_CLOEXEC',
  'EFD_NONBLOCK', 'EFD_CLOEXEC', 'EFD_SEMAPHORE', 'MSG_PEEK', 'MSG_DONTWAIT', 'MSG_NOSIGNAL',
  'WOULD_BLOCK', 'IOV_MAX',
] as const

/** A socket constant's name. */
export type SocketConstantName = (typeof SOCKET_CONSTANT_NAMES)[number]

/** Socket, fcntl and eventfd constants (AF_INET, SOCK_NONBLOCK, SO_REUSEPORT, ...), this host's values. */
export const constants: Readonly<Record<SocketConstantName, number>> = Object.freeze({ ...native.socketConstants })
/** Returned by the I/O calls instead of throwing EAGAIN. */
export const WOULD_BLOCK: -1 = -1

/** A socket's address, as getsockname and getpeername report it. */
export interface SocketAddress {
  family: 'IPv4' | 'IPv6' | 'unix' | 'unknown'
  address: string
  port: number
}

type Bytes = NodeJS.ArrayBufferView | ArrayBuffer

/** socket(2); SOCK_CLOEXEC is always added. `type` may include SOCK_NONBLOCK. */
export const socket: (domain: number, type: number, protocol?: number) => number = native.socket
/** bind(2) to an IPv4 or IPv6 literal and a port (0 picks one). */
export const bind: (fd: number, host: string, port: number) => void = native.bind
/** listen(2); backlog defaults to 511. */
export const listen: (fd: number, backlog?: number) => void = native.listen
/** accept4(2): new fd (non-blocking and close-on-exec by default) or WOULD_BLOCK. */
export const accept: (fd: number, flags?: number) => number = native.accept
/**
 * Accepts until the queue is empty or `out` is full; returns how many fds it stored in `out`.
 * An error after at least one accept is left for the next call (EMFILE, for instance).
 */
export const acceptBatch: (fd: number, out: Int32Array, flags?: number) => number = native.acceptBatch
/** connect(2): true when connected, false when in progress (EINPROGRESS). */
export const connect: (fd: number, host: string, port: number) => boolean = native.connect
/** read(2) into `buffer[offset, offset+length)`. */
export const read: (fd: number, buffer: Bytes, offset?: number, length?: number) => number = native.read
/** write(2) from `buffer[offset, offset+length)`. May raise SIGPIPE on pipes; prefer `send` on sockets. */
export const write: (fd: number, buffer: Bytes, offset?: number, length?: number) => number = native.write
/** recv(2) with flags (MSG_PEEK...). */
export const recv: (fd: number, buffer: Bytes, offset?: number, length?: number, flags?: number) => number =
  native.recv
/** send(2) with MSG_NOSIGNAL always added. */
export const send: (fd: number, buffer: Bytes, offset?: number, length?: number, flags?: number) => number =
  native.send
/** readv(2) into several buffers, filled in order. */
export const readv: (fd: number, buffers: NodeJS.ArrayBufferView[]) => number = native.readv
/** writev(2) (sendmsg with MSG_NOSIGNAL on sockets) from several buffers in one syscall. */
export const writev: (fd: number, buffers: NodeJS.ArrayBufferView[]) => number = native.writev
/** shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR. */
export const shutdown: (fd: number, how: number) => void = native.shutdown
/** close(2). Not retried on EINTR (Linux releases the fd either way). */
export const close: (fd: number) => void = native.close
/** setsockopt(2) with an int value (SO_REUSEADDR, TCP_NODELAY, SO_RCVBUF...). */
export const setsockopt: (fd: number, level: number, option: number, value: number) => void = native.setsockopt
/** getsockopt(2) of an int option (SO_ERROR after a non-blocking connect...). */
export const getsockopt: (fd: number, level: number, option: number) => number = native.getsockopt
/** getsockname(2): the address `fd` is bound to. */
export const getsockname: (fd: number) => SocketAddress = native.getsockname
/** getpeername(2): the address of `fd`'s peer (ENOTCONN when there is none). */
export const getpeername: (fd: number) => SocketAddress = native.getpeername
/** pipe2(2): [readEnd, writeEnd]; flags O_NONBLOCK (O_CLOEXEC always added). */
export const pipe2: (flags?: number) => [number, number] = native.pipe2
/** socketpair(2), AF_UNIX/SOCK_STREAM by default. */
export const socketpair: (domain?: number, type?: number, protocol?: number) => [number, number] = native.socketpair
/** eventfd(2); flags EFD_NONBLOCK, EFD_SEMAPHORE (EFD_CLOEXEC always added). */
export const eventfd: (initval?: number, flags?: number) => number = native.eventfd
/** Sets or clears O_NONBLOCK with fcntl(2). */
export const setNonBlocking: (fd: number, on?: boolean) => void = native.setNonBlocking

/**
 * Status of one fd after {@link readBatch} (`runs[3 * i + 2]`); a negative status is -errno.
 * READ: a short read (the socket had no more then). FULL: the read filled the room it had,
 * more may wait. EOF: the peer ended its side. SKIP: a negative fd, nothing done.
 * WOULD_BLOCK: nothing to read.
 */
export const batchStatus: Readonly<{ READ: 0; FULL: 1; EOF: 2; SKIP: 3; WOULD_BLOCK: 4 }> = Object.freeze({
  ...native.batchStatus,
})

/**
 * One read(2) per fd of `fds[start, end)`, each into the next free bytes of `arena` (at most
 * `maxChunk` bytes each), in a single call: a wakeup of many ready connections crosses into
 * native code once. Stops early when less than `min(maxChunk, 16 KB)` of the arena is left and
 * returns the index of the first fd not read (`end` when every one was). Negative fds are
 * skipped. For fd i, `runs[3i]` is the offset of its bytes in `arena`, `runs[3i + 1]` how many
 * were read, `runs[3i + 2]` a {@link batchStatus} or -errno. Never throws for a failed read.
 *
 * @example
 * ```ts
 * let next = 0
 * while (next < count) {
 *   const stop = sockets.readBatch(fds, next, count, arena, runs, 65536)
 *   for (let i = next; i < stop; i++) handle(i, runs[3 * i], runs[3 * i + 1], runs[3 * i + 2])
 *   next = stop // the arena can be reused now
 * }
 * ```
 */
export const readBatch: (fds: Int32Array, start: number, end: number, arena: Uint8Array, runs: Int32Array, maxChunk: number) => number =
  native.readBatch

/**
 * One gathered write per fd of `fds[0, count)`, in a single call: fd j writes the next
 * `segments[j]` entries of `buffers` (sendmsg with MSG_NOSIGNAL on sockets, writev otherwise),
 * stopping at the first short write. `results[j]` is the bytes written (0 when the socket would
 * block) or -errno. Negative fds consume their segments and write nothing.
 *
 * With `spans` and `memory`, each segment is a pair of `spans` instead: `(offset, length)`
 * names `memory[offset, offset + length)`, and `(-1, any)` the next entry of `buffers`. Output
 * written into one block of memory (many small responses, say) then crosses as numbers, which
 * costs far less per segment than a view read out of an array. A RangeError when a span lies
 * outside `memory` or `spans` is too short.
 */
export const writeBatch: (
  fds: Int32Array,
  count: number,
  segments: Int32Array,
  buffers: NodeJS.ArrayBufferView[],
  results: Int32Array,
  spans?: Int32Array,
  memory?: Uint8Array,
) => void = native.writeBatch
