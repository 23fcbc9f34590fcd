// The world one fuzz case runs in: an instance of each native class and a set of fds with
// something ready on them (so that started objects do call back), built fresh for each case
// and torn down after it. Also the context hostile values act through (values.mjs).
import { readlinkSync } from 'node:fs'

/** The fd numbers "never opened" values use: far above any a fuzz child opens. */
const NEVER_OPENED_BASE = 19000

function identity(fd) {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`)
  } catch {
    return undefined
  }
}

/** The method that closes instances of `cls` (the addon's Uring closes with closeRing). */
function closerOf(cls) {
  const proto = cls?.prototype
  if (proto && typeof Object.getOwnPropertyDescriptor(proto, 'closeRing')?.value === 'function') return 'closeRing'
  if (proto && typeof Object.getOwnPropertyDescriptor(proto, 'close')?.value === 'function') return 'close'
  return undefined
}

const quietly = (fn) => {
  try {
    return fn()
  } catch {
    return undefined
  }
}

export class World {
  constructor(native, classNames) {
    this.native = native
    this.classNames = classNames
    this.objects = {} // class name -> the world's instance (or null when it cannot be built)
    this.created = [] // further instances a case made: closed at teardown
    this.fds = {} // role -> fd
    this.identities = {} // role -> what /proc/self/fd said when the world was built
    this.neverOpenedCount = 0
    this.table = new ArrayBuffer(16)
    this.#build()
  }

  #build() {
    const n = this.native
    const c = n.socketConstants
    const pair = n.socketpair(c.AF_UNIX, c.SOCK_STREAM | c.SOCK_NONBLOCK)
    const pipe = n.pipe2(c.O_NONBLOCK)
    const listener = n.socket(c.AF_INET, c.SOCK_STREAM | c.SOCK_NONBLOCK)
    n.bind(listener, '127.0.0.1', 0)
    n.listen(listener, 8)
    this.port = n.getsockname(listener).port
    const client = n.socket(c.AF_INET, c.SOCK_STREAM | c.SOCK_NONBLOCK)
    n.connect(client, '127.0.0.1', this.port) // in progress; the listener has one to accept
    Object.assign(this.fds, {
      pair0: pair[0],
      pair1: pair[1],
      pipeRead: pipe[0],
      pipeWrite: pipe[1],
      eventfd: n.eventfd(1, c.EFD_NONBLOCK),
      listener,
      client,
    })
    for (const [role, fd] of Object.entries(this.fds)) this.identities[role] = identity(fd)
    n.send(pair[1], Buffer.from('ready'))
    n.write(pipe[1], Buffer.from('ready'))
    const table = new Int32Array(this.table)
    const shorts = new Int16Array(this.table)
    table[0] = pair[0]
    shorts[2] = 1
    table[2] = this.fds.eventfd
    shorts[6] = 1
    for (const name of this.classNames) this.objects[name] = quietly(() => this.#instance(name))
    const o = this.objects
    quietly(() => o.Epoll?.add(pair[0], 1, 1))
    quietly(() => o.Epoll?.add(this.fds.eventfd, 1, 2))
    quietly(() => o.SignalDrivenIO?.watch(pipe[0], 3, 1))
    quietly(() => o.Uring?.pollAdd(this.fds.eventfd, 1, 4, true))
    quietly(() => o.Uring?.recv(pair[0], Buffer.alloc(2), 0, 2, 5))
  }

  /** A new instance of the addon's class `name`, with arguments that work. */
  #instance(name) {
    const cls = this.native[name]
    switch (name) {
      case 'Epoll':
        return new cls(8)
      case 'Uring':
        return new cls(8)
      case 'SignalDrivenIO':
        return new cls(8)
      case 'MultiplexWatcher':
        return new cls('poll')
      default:
        return new cls() // a class the fuzzer has no recipe for yet
    }
  }

  /** A fresh instance of `name`, closed: for calls after close. */
  closedInstance(name) {
    const instance = quietly(() => this.#instance(name))
    if (instance) this.close(instance, name)
    return instance
  }

  track(instance, name) {
    if (instance !== null && typeof instance === 'object') this.created.push([instance, name])
  }

  close(instance, name) {
    const closer = closerOf(this.native[name])
    if (closer) quietly(() => this.native[name].prototype[closer].call(instance))
  }

  // ---- what values act through (values.mjs): see also StepContext

  /** The context values of a call on `receiver` act through. */
  contextFor(receiver) {
    return new StepContext(this, receiver)
  }

  fd(role, closing) {
    const object = this.objects[role]
    if (object !== undefined) return object === null ? this.neverOpened() : quietly(() => object.fd) ?? -1
    const fd = this.fds[role]
    // A call may have closed it and the number been reused (by a ring's eventfd, say): never
    // close what the number names now.
    if (closing && identity(fd) !== this.identities[role]) return this.neverOpened()
    return fd
  }

  neverOpened() {
    return NEVER_OPENED_BASE + (this.neverOpenedCount++ % 500)
  }

  detach(buffer) {
    quietly(() => structuredClone(buffer, { transfer: [buffer] }))
    globalThis.gc?.()
  }

  /** Starts `instance` of `name` in Node's loop with `callback`. */
  start(instance, name, callback) {
    const proto = this.native[name].prototype
    if (typeof proto.startNative === 'function') return proto.startNative.call(instance, callback, () => {})
    if (name === 'MultiplexWatcher') return proto.start.call(instance, this.table, 2, callback)
    if (typeof proto.start === 'function') return proto.start.call(instance, callback)
  }

  teardown() {
    for (const [name, instance] of Object.entries(this.objects)) if (instance) this.close(instance, name)
    for (const [instance, name] of this.created) this.close(instance, name)
    for (const [role, fd] of Object.entries(this.fds)) {
      if (identity(fd) === this.identities[role]) quietly(() => this.native.close(fd))
    }
  }
}


/**
 * The context of one call: the world's fds and helpers, and the receiver the call goes to (a
 * callback made for a call keeps acting on that receiver, whenever it runs).
 */
class StepContext {
  constructor(world, receiver) {
    this.world = world
    this.receiver = receiver
  }

  fd(role, closing) {
    return this.world.fd(role, closing)
  }

  neverOpened() {
    return this.world.neverOpened()
  }

  listenerPort() {
    return this.world.port
  }

  detach(buffer) {
    this.world.detach(buffer)
  }

  anyClass() {
    return this.world.native[this.world.classNames[0]]
  }

  #receiverClass() {
    const r = this.receiver
    if (r === null || typeof r !== 'object') return undefined
    return this.world.classNames.find((name) => r instanceof this.world.native[name])
  }

  closeReceiver() {
    const name = this.#receiverClass()
    if (name) this.world.close(this.receiver, name)
  }

  callReceiver(method, ...args) {
    const name = this.#receiverClass()
    const fn = name && this.world.native[name].prototype[method]
    if (typeof fn === 'function') quietly(() => fn.apply(this.receiver, args))
  }

  /** Calls into the receiver the way a re-entrant user would: reads and harmless calls. */
  pokeReceiver() {
    const name = this.#receiverClass()
    if (!name) return
    const proto = this.world.native[name].prototype
    for (const [member, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (d.get) quietly(() => d.get.call(this.receiver))
      else if (['submit', 'rescan', 'hasRef', 'cancel', 'pollRemove'].includes(member)) quietly(() => d.value.call(this.receiver, 1))
    }
    this.callReceiver('wait', 0, 0)
  }

  restartReceiver() {
    const name = this.#receiverClass()
    if (name === 'Uring') this.callReceiver('startNative', () => {}, () => {})
    else if (name === 'MultiplexWatcher') this.callReceiver('start', this.world.table, 2, () => {})
    else this.callReceiver('start', () => {})
  }

  receiverBuffer() {
    const r = this.receiver
    if (r === null || typeof r !== 'object') return undefined
    return quietly(() => r.readyBuffer ?? r.completionBuffer)
  }
}
