// A fuzz child: runs cases of one seed and reports each (on fd 3, or stdout when run by hand),
// written synchronously so that the parent knows which case was running when the process died.
//   node --expose-gc child.mjs --seed S --from A --to B [--native PATH] [--verbose]
//   node --expose-gc child.mjs --seed S --list a,b,c ...
// Lines: `S <index>` when a case starts, `R <index> <json>` when it ended; the json holds its
// class (ok: every call returned; error: a call threw an Error with a code, or a hostile
// value's own exception came through; uncoded: a call threw something without a code) and,
// with --verbose, every call and what it did.
import { writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'
import { classesOf, describeStep, planCase, targetsOf } from './plan.mjs'
import { caseRandom } from './random.mjs'
import { addonPath } from './addon-path.mjs'
import { World } from './world.mjs'

const { values: opts } = parseArgs({
  options: {
    seed: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    list: { type: 'string' },
    native: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
})
const seed = Number(opts.seed)
const native = createRequire(import.meta.url)(opts.native ?? addonPath())
const targets = targetsOf(native)
const classNames = classesOf(targets)
const indexes = opts.list
  ? opts.list.split(',').map(Number)
  : Array.from({ length: Number(opts.to) - Number(opts.from) }, (_, i) => Number(opts.from) + i)

// Reports go to fd 3 when the parent opened it (stdout is /dev/null then): a case may write to
// fd 1, which hostile numbers reach, and must not garble the reports.
const reportFd = process.env.FUZZ_REPORT_FD ? Number(process.env.FUZZ_REPORT_FD) : 1
const emit = (line) => writeSync(reportFd, `${line}\n`)

/** An exception as the report wants it: clean (a coded Error, or a hostile value's own) or not. */
function classify(error) {
  if (error?.code === 'FUZZ_SIDE_EFFECT') return { clean: true, text: 'side effect came through' }
  if (error instanceof Error && typeof error.code === 'string') return { clean: true, text: `${error.name} ${error.code}` }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : `non-Error thrown: ${String(error)}`
  return { clean: false, text: text.slice(0, 300) }
}

let uncaught = []
process.on('uncaughtException', (error) => uncaught.push(classify(error)))

const turns = async (n) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

function receiverOf(step, world) {
  const self = world.objects[step.target.className] ?? undefined
  switch (step.receiver) {
    case 'self':
      return self
    case 'closed': {
      const instance = world.closedInstance(step.target.className)
      world.track(instance, step.target.className)
      return instance
    }
    case 'other':
      return world.objects[step.other] ?? undefined
    case 'plain':
      return {}
    case 'undefined':
      return undefined
    case 'prototype':
      return native[step.target.className].prototype
    case 'proxy':
      return new Proxy(self ?? {}, {})
    case 'derived':
      return Object.create(self ?? {})
    case 'number':
      return 1
    default:
      return world.objects[step.other] ?? undefined // a function: what its hostile values act on
  }
}

function call(step, world) {
  const t = step.target
  const receiver = receiverOf(step, world)
  const self = world.objects[t.className]
  if (step.pre && self) {
    if (step.pre.type === 'close') world.close(self, t.className)
    else {
      const callback = step.pre.callback.make(world.contextFor(self))
      try {
        world.start(self, t.className, callback)
      } catch {
        // a hostile callback refused: the call below still runs
      }
    }
  }
  const args = step.args.map((spec) => spec.make(world.contextFor(receiver)))
  if (t.kind === 'function') return t.fn(...args)
  if (t.kind === 'get') return t.fn.call(receiver)
  if (t.kind === 'call') return t.fn.apply(receiver, args)
  const made = step.newTarget ? Reflect.construct(t.fn, args, native[step.newTarget]) : new t.fn(...args)
  world.track(made, t.className)
  return made
}

async function runCase(index) {
  const plan = planCase(caseRandom(seed, index), targets, classNames)
  const world = new World(native, classNames)
  uncaught = []
  const calls = []
  let result = 'ok'
  const unclean = []
  for (const step of plan.steps) {
    let outcome
    try {
      const value = call(step, world)
      outcome = `returned ${typeof value}`
    } catch (error) {
      const c = classify(error)
      outcome = `threw ${c.text}`
      if (c.clean) result = result === 'ok' ? 'error' : result
      else unclean.push(c.text)
    }
    if (opts.verbose) calls.push(`${describeStep(step)} -> ${outcome}`)
  }
  await turns(3) // let started objects call back
  world.teardown()
  await turns(2)
  for (const u of uncaught) if (!u.clean) unclean.push(`uncaught ${u.text}`)
  if (unclean.length > 0) result = 'uncoded'
  const report = { result, uncaught: uncaught.length }
  if (unclean.length > 0) report.unclean = unclean
  if (opts.verbose) report.calls = calls
  return report
}

for (const index of indexes) {
  emit(`S ${index}`)
  const report = await runCase(index)
  emit(`R ${index} ${JSON.stringify(report)}`)
}
process.exit(0)
