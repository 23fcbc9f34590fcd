// Hostile argument values, by kind. A value is planned as a spec, { label, make(ctx) }: the
// label is what a report prints, make() builds the value right before the call, inside the
// case's world (ctx: see world.mjs). Planning draws from the case's PRNG only, never from what
// earlier calls did, so a case replays the same.
//
// Each kind mixes plausible values (to get past the first argument check and reach deeper
// code) with hostile ones: wrong types, NaN, infinities, huge and negative numbers, detached,
// shared, resizable and too-short buffers, closed and foreign fds, and objects whose getters,
// callbacks or conversions run JavaScript with side effects (close the receiver, detach a
// buffer, throw).

/** Thrown by hostile getters and callbacks: an exception that reaches the caller is clean. */
export class FuzzSideEffect extends Error {
  constructor(what) {
    super(`fuzz side effect: ${what}`)
    this.code = 'FUZZ_SIDE_EFFECT'
  }
}

const value = (label, make) => ({ label, make: typeof make === 'function' ? make : () => make })
const constant = (v, label = describe(v)) => value(label, () => v)

function describe(v) {
  if (typeof v === 'bigint') return `${v}n`
  if (typeof v === 'string') return v.length > 20 ? `'${v.slice(0, 8)}...'(${v.length})` : `'${v}'`
  if (typeof v === 'symbol') return 'Symbol()'
  if (Object.is(v, -0)) return '-0'
  return String(v)
}

const NUMBERS = [
  0, 1, -1, -0, 0.5, 1.5, NaN, Infinity, -Infinity, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, 2 ** 53,
  -(2 ** 53), 1e308, Number.MIN_VALUE, 255, 256, 1024, 1025, 4096, 32768, 65535, 65536, 2 ** 20, 2 ** 20 + 1, 2 ** 30,
]
const primitives = () => [
  constant(undefined), constant(null), constant(true), constant(false), constant(''), constant('1'), constant('abc'),
  constant(1n), constant(-1n), value('Symbol()', () => Symbol('fuzz')), constant('x'.repeat(100000)),
]

/** Objects whose conversions, getters or traps run JavaScript: native code must not call them. */
function trickyObjects() {
  return [
    value('{}', () => ({})),
    value('[]', () => []),
    value('function', () => () => {}),
    value('{valueOf: closes receiver}', (ctx) => ({ valueOf: () => (ctx.closeReceiver(), 1), toString: () => '1' })),
    value('{[Symbol.toPrimitive]: throws}', () => ({
      [Symbol.toPrimitive]() {
        throw new FuzzSideEffect('toPrimitive')
      },
    })),
    value('Proxy(throwing traps)', () => new Proxy({}, { get() { throw new FuzzSideEffect('proxy get') }, has() { throw new FuzzSideEffect('proxy has') }, ownKeys() { throw new FuzzSideEffect('proxy ownKeys') } })),
    value('new Date(0)', () => new Date(0)),
    value('Object.create(null)', () => Object.create(null)),
  ]
}

function numbers(plausible) {
  return [...plausible.map((n) => constant(n)), ...NUMBERS.map((n) => constant(n))]
}

/** One of `specs`, or with probability `p` something of any kind. */
function mostly(r, specs, p = 0.85, any = anyValue) {
  return r.chance(p) ? r.pick(specs) : any(r)
}

// ---- buffers

function detached(make, label) {
  return value(`detached ${label}`, (ctx) => {
    const v = make()
    ctx.detach(ArrayBuffer.isView(v) ? v.buffer : v)
    return v
  })
}

function bufferSpecs() {
  const plain = [
    value('Buffer(0)', () => Buffer.alloc(0)),
    value('Buffer(1)', () => Buffer.alloc(1)),
    value('Buffer(64)', () => Buffer.alloc(64, 1)),
    value('Buffer(65536)', () => Buffer.alloc(65536)),
    value('Uint8Array(4096)', () => new Uint8Array(4096)),
    value('Uint16Array(ab, 2, 3)', () => new Uint16Array(new ArrayBuffer(16), 2, 3)),
    value('Float64Array(2)', () => new Float64Array(2)),
    value('BigInt64Array(2)', () => new BigInt64Array(2)),
    value('DataView(ab, 3, 5)', () => new DataView(new ArrayBuffer(16), 3, 5)),
    value('ArrayBuffer(32)', () => new ArrayBuffer(32)),
    value('Uint8Array(sab)', () => new Uint8Array(new SharedArrayBuffer(64))),
    value('DataView(sab, 1)', () => new DataView(new SharedArrayBuffer(16), 1)),
    value('SharedArrayBuffer(16)', () => new SharedArrayBuffer(16)),
    value('Uint8Array(resizable, tracking)', () => new Uint8Array(new ArrayBuffer(64, { maxByteLength: 4096 }))),
    value('Uint8Array(resizable, shrunk to 0)', () => {
      const ab = new ArrayBuffer(64, { maxByteLength: 4096 })
      const view = new Uint8Array(ab, 8)
      ab.resize(0)
      return view
    }),
    value('Uint8Array(readyBuffer of receiver)', (ctx) => {
      const b = ctx.receiverBuffer()
      return b ? new Uint8Array(b) : new Uint8Array(8)
    }),
  ]
  const gone = [
    detached(() => new Uint8Array(64), 'Uint8Array(64)'),
    detached(() => new ArrayBuffer(64), 'ArrayBuffer(64)'),
    detached(() => new DataView(new ArrayBuffer(8)), 'DataView(8)'),
  ]
  return [...plain, ...gone]
}

/** Arrays of views, some with getters that run JavaScript while native code reads them. */
function viewArraySpecs(r) {
  const n = r.int(4)
  const shortFirst = () => Array.from({ length: n + 1 }, () => new Uint8Array(64))
  const withGetter = (label, effect) =>
    value(`[view, getter: ${label}]`, (ctx) => {
      const list = shortFirst()
      const first = list[0]
      Object.defineProperty(list, list.length, {
        get() {
          effect(ctx, first)
          return new Uint8Array(16)
        },
        enumerable: true,
      })
      return list
    })
  return [
    value('[]', () => []),
    value(`[Uint8Array(64) x${n + 1}]`, shortFirst),
    value('[Buffer, DataView(sab)]', () => [Buffer.alloc(8), new DataView(new SharedArrayBuffer(8))]),
    value('[detached view]', (ctx) => {
      const v = new Uint8Array(64)
      ctx.detach(v.buffer)
      return [v]
    }),
    withGetter('closes receiver', (ctx) => ctx.closeReceiver()),
    withGetter('detaches an earlier buffer', (ctx, first) => ctx.detach(first.buffer)),
    withGetter('calls the receiver', (ctx) => ctx.pokeReceiver()),
    value('[view, getter: throws]', () => {
      const list = [new Uint8Array(8)]
      Object.defineProperty(list, 1, { get: () => { throw new FuzzSideEffect('element getter') }, enumerable: true })
      return list
    }),
    value('[view, 42]', () => [new Uint8Array(8), 42]),
    value('sparse [, view]', () => {
      const list = [] // a hole: Array.prototype is consulted for index 0
      list[1] = new Uint8Array(8)
      return list
    }),
    value('array of 1025', () => Array.from({ length: 1025 }, () => new Uint8Array(1))),
    value('array length 2^32-1', () => {
      const list = []
      list.length = 2 ** 32 - 1
      return list
    }),
    value('Proxy(array)', () => new Proxy([new Uint8Array(8)], {})),
  ]
}

// ---- fds

/** fds the case's world owns, by role; some belong to objects (an epoll, a ring, a signalfd). */
export const PLAIN_FD_ROLES = ['pair0', 'pair1', 'pipeRead', 'pipeWrite', 'eventfd', 'listener', 'client']
export const OBJECT_FD_ROLES = ['Epoll', 'Uring', 'SignalDrivenIO']

// Numbers as fds: none that could name an open fd (those below a few thousand could be Node's
// own, or one a started object uses: closing it is the documented libuv abort, not a defect).
const FD_NUMBERS = [-1, 0.5, 1.5, NaN, Infinity, -Infinity, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, 1e308]

function fdSpecs(closing) {
  const roles = closing ? PLAIN_FD_ROLES : [...PLAIN_FD_ROLES, ...OBJECT_FD_ROLES]
  return [
    ...roles.map((role) => value(`fd:${role}`, (ctx) => ctx.fd(role, closing))),
    value('fd:never opened', (ctx) => ctx.neverOpened()),
    ...FD_NUMBERS.map((n) => constant(n)),
  ]
}

// ---- callbacks

function callbackSpecs() {
  return [
    value('() => {}', () => () => {}),
    value('callback: throws', () => () => {
      throw new FuzzSideEffect('callback')
    }),
    value('callback: closes receiver', (ctx) => () => ctx.closeReceiver()),
    value('callback: stops receiver', (ctx) => () => ctx.callReceiver('stop')),
    value('callback: calls the receiver', (ctx) => () => ctx.pokeReceiver()),
    value('callback: detaches receiver buffer', (ctx) => () => {
      const b = ctx.receiverBuffer()
      if (b) ctx.detach(b)
    }),
    value('callback: waits on receiver', (ctx) => () => ctx.callReceiver('wait', 0, 0)),
    value('callback: restarts receiver', (ctx) => () => ctx.restartReceiver()),
    value('class as callback', (ctx) => ctx.anyClass()),
  ]
}

// ---- option objects

function optionSpecs(name) {
  return [
    value(`{${name}: true}`, () => ({ [name]: true })),
    value(`{${name}: false}`, () => ({ [name]: false })),
    value(`{get ${name}: closes receiver}`, (ctx) => ({
      get [name]() {
        ctx.closeReceiver()
        return true
      },
    })),
    value(`{get ${name}: throws}`, () => ({
      get [name]() {
        throw new FuzzSideEffect('option getter')
      },
    })),
    value('Proxy(options)', (ctx) => new Proxy({}, { get: () => (ctx.closeReceiver(), true) })),
    constant(null),
    constant(undefined),
    constant(5),
  ]
}

// ---- tables (select/poll)

function tableSpecs(r) {
  const entries = r.int(5)
  const fill = (ctx, ab) => {
    const i32 = new Int32Array(ab)
    const i16 = new Int16Array(ab)
    for (let i = 0; i < entries; i++) {
      i32[2 * i] = r.pick([ctx.fd('pair0', false), ctx.fd('eventfd', false), -1, ctx.neverOpened(), 1023, 1024, 2 ** 31 - 1])
      i16[4 * i + 2] = r.pick([1, 4, 1 | 4, 2, 0x7fff, -1])
    }
    return ab
  }
  return [
    value(`table(${entries})`, (ctx) => fill(ctx, new ArrayBuffer(8 * Math.max(entries, 1)))),
    value('table(8, offset by 4)', () => new ArrayBuffer(12)),
    value('detached table', (ctx) => {
      const ab = new ArrayBuffer(64)
      ctx.detach(ab)
      return ab
    }),
    value('SharedArrayBuffer table', () => new SharedArrayBuffer(64)),
    value('Int32Array as table', () => new Int32Array(16)),
    value('ArrayBuffer(0)', () => new ArrayBuffer(0)),
  ]
}

// ---- kinds

const EPOLL_BITS = [1, 4, 1 | 4, 0x2000, 2, 1 | 0x80000000, -2147483647, 1 << 28, 1 << 29, 1 << 30, 0x40000000 | 1, 0xffffffff, 8, 16]
const POLL_BITS = [1, 2, 4, 1 | 4, 8, 16, 0x2000, 0x7fff, 32]

/** Per kind: (r) => spec. `timeout` never blocks: an unbounded wait is a legitimate hang. */
export const kinds = {
  int: (r) => mostly(r, numbers([0, 1, 2, 3, 4, 8, 16, 64, 4096])),
  token: (r) => mostly(r, numbers([0, 1, 7, 2 ** 32 - 1])),
  fd: (r) => mostly(r, fdSpecs(false)),
  // An fd a call may close: never one an object of the world (or Node) uses.
  'fd-closing': (r) => mostly(r, fdSpecs(true), 0.9, (rr) => rr.pick([...primitives(), ...trickyObjects()])),
  bytes: (r) => mostly(r, bufferSpecs()),
  views: (r) => mostly(r, viewArraySpecs(r)),
  timeout: (r) =>
    r.pick([0, 0, 1, 0.5, 5, -0, NaN, '10', {}, 1n].map((v) => (typeof v === 'object' ? value('{}', () => ({})) : constant(v)))),
  callback: (r) => mostly(r, callbackSpecs(), 0.9),
  options: (r) => mostly(r, [...optionSpecs('multishot'), ...optionSpecs('zeroCopy')]),
  host: (r) =>
    mostly(r, ['127.0.0.1', '::1', '0.0.0.0', 'localhost', '', '1.2.3.4.5', '::ffff:127.0.0.1', '127.0.0.1\0x', 'x'.repeat(300)].map((h) => constant(h))),
  // Only ports of this machine's own fuzz world: never another program's listener.
  port: (r) => mostly(r, [value('port:listener', (ctx) => ctx.listenerPort()), constant(0), ...[-1, 65536, NaN, 1.5].map((n) => constant(n)), constant('80')]),
  kind: (r) => mostly(r, ['poll', 'select', 'epoll', '', 'POLL'].map((k) => constant(k))),
  table: (r) => mostly(r, tableSpecs(r)),
  int32array: (r) =>
    mostly(r, [
      value('Int32Array(4)', () => new Int32Array(4)),
      value('Int32Array(0)', () => new Int32Array(0)),
      value('Int32Array(sab)', () => new Int32Array(new SharedArrayBuffer(16))),
      value('detached Int32Array', (ctx) => {
        const a = new Int32Array(4)
        ctx.detach(a.buffer)
        return a
      }),
      value('Uint32Array(4)', () => new Uint32Array(4)),
    ]),
  bool: (r) => mostly(r, [constant(true), constant(false), constant(0), constant(1)]),
  // setNonBlocking's switch: never false-ish, or a world fd would block a later read forever.
  truthy: (r) => r.pick([constant(undefined), constant(true), constant(1), constant('yes'), value('{}', () => ({}))]),
  how: (r) => mostly(r, numbers([0, 1, 2, 3])),
  interest: (r) => mostly(r, EPOLL_BITS.map((n) => constant(n))),
  pollEvents: (r) => mostly(r, POLL_BITS.map((n) => constant(n))),
  signal: (r) => mostly(r, numbers([0, 34, 35, 40, 64, 65, 2, 29])),
  ms: (r) => mostly(r, numbers([0, 0.5, 1, 10, 1e9, 2147483647, 2147483648])),
  syscall: (r) => mostly(r, [constant('recv'), constant(''), constant(undefined)]),
  any: (r) => anyValue(r),
}

/** Anything: every kind's values and the plain hostile ones. */
export function anyValue(r) {
  const group = r.int(6)
  if (group === 0) return r.pick(primitives())
  if (group === 1) return r.pick(trickyObjects())
  if (group === 2) return r.pick(NUMBERS.map((n) => constant(n)))
  if (group === 3) return r.pick(bufferSpecs())
  if (group === 4) return r.pick(fdSpecs(true))
  return r.pick([...viewArraySpecs(r), ...callbackSpecs()])
}
