// What the fuzzer calls, and how one case is planned.
//
// Targets are read from the addon object itself: every exported function, every exported class
// (its constructor, and each method and accessor on its prototype). A new export is fuzzed as
// soon as it exists, with arguments of any kind; `hints` only make arguments plausible enough
// to reach deeper code, so an export without a hint is still covered.
import { anyValue, kinds } from './values.mjs'

/** Argument kinds per target (values.mjs). `closes`: the call may close its fd argument. */
export const hints = {
  'new Epoll': { args: ['int'] },
  'Epoll#add': { args: ['fd', 'interest', 'token'] },
  'Epoll#modify': { args: ['fd', 'interest', 'token'] },
  'Epoll#delete': { args: ['fd'] },
  'Epoll#wait': { args: ['timeout'] },
  'Epoll#start': { args: ['callback'] },
  'new Uring': { args: ['int', 'int'] },
  'Uring#pollAdd': { args: ['fd', 'interest', 'token', 'bool'] },
  'Uring#pollRemove': { args: ['token'] },
  'Uring#accept': { args: ['fd', 'token', 'options'] },
  'Uring#recv': { args: ['fd', 'bytes', 'int', 'int', 'token'] },
  'Uring#recvMultishotGroup': { args: ['fd', 'int', 'token'] },
  'Uring#send': { args: ['fd', 'bytes', 'int', 'int', 'token', 'options'] },
  'Uring#writev': { args: ['fd', 'views', 'token'] },
  'Uring#connect': { args: ['fd', 'host', 'port', 'token'] },
  'Uring#shutdown': { args: ['fd', 'how', 'token'] },
  'Uring#closeFd': { args: ['fd-closing', 'token'], closes: true },
  'Uring#cancel': { args: ['token'] },
  'Uring#cancelFd': { args: ['fd', 'token'] },
  'Uring#timeout': { args: ['ms', 'token'] },
  'Uring#wait': { args: ['int', 'timeout'] },
  'Uring#startNative': { args: ['callback', 'callback'] },
  'Uring#registerBufferRing': { args: ['int', 'int', 'int'] },
  'Uring#unregisterBufferRing': { args: ['int'] },
  'new MultiplexWatcher': { args: ['kind'] },
  'MultiplexWatcher#start': { args: ['table', 'int', 'callback'] },
  'MultiplexWatcher#update': { args: ['table', 'int'] },
  'new SignalDrivenIO': { args: ['int', 'signal', 'bool'] },
  'SignalDrivenIO#watch': { args: ['fd', 'token', 'pollEvents'] },
  'SignalDrivenIO#unwatch': { args: ['fd'] },
  'SignalDrivenIO#modify': { args: ['fd', 'token', 'pollEvents'] },
  'SignalDrivenIO#wait': { args: ['timeout'] },
  'SignalDrivenIO#start': { args: ['callback'] },
  'SignalDrivenIO#resize': { args: ['int'] },
  socket: { args: ['int', 'int', 'int'] },
  bind: { args: ['fd', 'host', 'port'] },
  listen: { args: ['fd', 'int'] },
  accept: { args: ['fd', 'int'] },
  acceptBatch: { args: ['fd', 'int32array', 'int'] },
  connect: { args: ['fd', 'host', 'port'] },
  read: { args: ['fd', 'bytes', 'int', 'int'] },
  write: { args: ['fd', 'bytes', 'int', 'int'] },
  recv: { args: ['fd', 'bytes', 'int', 'int', 'int'] },
  send: { args: ['fd', 'bytes', 'int', 'int', 'int'] },
  readv: { args: ['fd', 'views'] },
  writev: { args: ['fd', 'views'] },
  shutdown: { args: ['fd', 'how'] },
  close: { args: ['fd-closing'], closes: true },
  setsockopt: { args: ['fd', 'int', 'int', 'int'] },
  getsockopt: { args: ['fd', 'int', 'int'] },
  getsockname: { args: ['fd'] },
  getpeername: { args: ['fd'] },
  pipe2: { args: ['int'] },
  socketpair: { args: ['int', 'int', 'int'] },
  eventfd: { args: ['int', 'int'] },
  setNonBlocking: { args: ['fd', 'truthy'] },
  multiplexPoll: { args: ['table', 'int', 'timeout'] },
  multiplexSelect: { args: ['table', 'int', 'timeout'] },
  uringSupport: { args: [] },
}

/**
 * Every target of the addon: { kind: 'construct' | 'call' | 'get' | 'function', name,
 * className?, fn? }, in a fixed order (the addon's property order), so that a seed means the
 * same cases until the exports change.
 */
export function targetsOf(native) {
  const list = []
  for (const [name, v] of Object.entries(native)) {
    if (typeof v !== 'function') continue // constants tables
    const members = v.prototype ? Object.getOwnPropertyNames(v.prototype).filter((m) => m !== 'constructor') : []
    if (members.length === 0) {
      list.push({ kind: 'function', name, fn: v })
      continue
    }
    list.push({ kind: 'construct', name: `new ${name}`, className: name, fn: v })
    for (const member of members) {
      const d = Object.getOwnPropertyDescriptor(v.prototype, member)
      const kind = d.get ? 'get' : 'call'
      list.push({ kind, name: `${name}#${member}`, className: name, fn: d.get ?? d.value })
    }
  }
  return list
}

/** The classes among the targets. */
export function classesOf(targets) {
  return targets.filter((t) => t.kind === 'construct').map((t) => t.className)
}

const RECEIVERS = ['self', 'self', 'self', 'self', 'self', 'self', 'closed', 'other', 'plain', 'undefined', 'prototype', 'proxy', 'derived', 'number']

/** The arguments of one call: hinted kinds mostly, anything sometimes, counts off sometimes. */
function planArgs(r, target) {
  const hint = hints[target.name]
  if (!hint) return Array.from({ length: r.int(7) }, () => anyValue(r))
  const args = hint.args.map((kind) => {
    // A blocking wait or a closing call must keep its own kind: "anything" could block forever
    // (a legitimate hang) or close an fd Node itself uses.
    if (kind !== 'timeout' && kind !== 'fd-closing' && kind !== 'truthy' && r.chance(0.08)) return anyValue(r)
    return kinds[kind](r)
  })
  // Missing trailing arguments; never a timeout (a missing one means "wait forever").
  const keep = hint.args.lastIndexOf('timeout') + 1
  if (r.chance(0.1)) args.length = keep + r.int(args.length - keep + 1)
  else if (r.chance(0.05) && !hint.closes) args.push(anyValue(r)) // one too many
  return args
}

/**
 * Case `index`: 1 to 4 calls into one fresh world. Each may be preceded by closing or starting
 * its class's world instance (calls after close; callbacks that re-enter), and goes to its own
 * instance or to a wrong receiver.
 */
export function planCase(r, targets, classNames) {
  const steps = []
  const count = 1 + r.int(4)
  for (let i = 0; i < count; i++) {
    const target = r.pick(targets)
    // `other`: the wrong receiver of a method, or for a function the object its hostile
    // values act on (a getter that closes "the receiver" closes that one).
    const step = { target, args: planArgs(r, target), receiver: 'none', other: r.pick(classNames), pre: null, newTarget: null }
    if (target.kind === 'call' || target.kind === 'get') {
      step.receiver = r.pick(RECEIVERS)
      if (r.chance(0.08)) step.pre = { type: 'close' }
      else if (r.chance(0.3)) step.pre = { type: 'start', callback: kinds.callback(r) }
    } else if (target.kind === 'construct' && r.chance(0.1)) {
      step.newTarget = r.pick(classNames) // Reflect.construct with another class as new.target
    }
    steps.push(step)
  }
  return { steps }
}

/** A step as text: `Uring#writev.call(<self>, fd:pair0, [view, getter: closes receiver], 7)`. */
export function describeStep(step) {
  const args = step.args.map((a) => a.label).join(', ')
  const pre = step.pre ? `[${step.pre.type}${step.pre.callback ? ` with ${step.pre.callback.label}` : ''}] ` : ''
  const t = step.target
  if (t.kind === 'function') return `${t.name}(${args})`
  if (t.kind === 'construct') return step.newTarget ? `Reflect.construct(${t.className}, [${args}], ${step.newTarget})` : `${t.name}(${args})`
  const receiver = step.receiver === 'other' ? `<${step.other}>` : `<${step.receiver}>`
  return `${pre}${t.name}.call(${receiver}${t.kind === 'call' && args ? `, ${args}` : ''})`
}
