/**
 * The classic claims about I/O models, each answered with sentences computed from one lab
 * record: the figures quoted are the ones in the page's tables, and the verdict follows from
 * them, including "does not hold here" when the numbers say so.
 */
import { median } from '../lib/report.js'
import { connections, cores, kib, micros, rate, times } from './format.js'
import { type Cell, type LabRecord, MEMORY_FROM, pointOf } from './record.js'

/** What the numbers say about a claim. */
export type Verdict = 'holds here' | 'partly holds here' | 'does not hold here' | 'not measurable' | 'not measured'

/** A claim, the verdict on it and the sentences that back the verdict with figures. */
export interface Answer {
  claim: string
  verdict: Verdict
  text: string
}

/** Connection counts at which every model in `ids` has a point (with nothing refused). */
function commonCounts(record: LabRecord, ids: string[], activity: Cell['activity']): number[] {
  return record.settings.connCounts.filter((n) =>
    ids.every((id) => {
      const p = pointOf(record, id, n, activity)
      return p !== undefined && p.refused === 0 && p.rps > 0
    }),
  )
}

const missing = (claim: string, needs: string): Answer => ({ claim, verdict: 'not measured', text: `Not measured in this run: it needs ${needs}.` })

function scanCost(record: LabRecord): Answer {
  const claim = 'select and poll hand the kernel every watched descriptor on each call, so their cost grows with the number of connections; epoll does not.'
  const counts = commonCounts(record, ['poll', 'epoll'], 'idle')
  if (counts.length < 2) return missing(claim, 'poll and epoll at two connection counts or more')
  const [lo, hi] = [counts[0], counts[counts.length - 1]]
  const at = (id: string, n: number, activity: Cell['activity'] = 'idle') => pointOf(record, id, n, activity)!
  const ratioLo = at('poll', lo).cpuUsPerRoundTrip / at('epoll', lo).cpuUsPerRoundTrip
  const ratioHi = at('poll', hi).cpuUsPerRoundTrip / at('epoll', hi).cpuUsPerRoundTrip
  const verdict: Verdict = ratioHi >= 1.5 * ratioLo && ratioHi >= 1.25 ? 'holds here' : ratioHi > 1.1 * ratioLo ? 'partly holds here' : 'does not hold here'
  let text =
    `With 1% of the connections active, poll spent ${micros(at('poll', lo).cpuUsPerRoundTrip)} µs of server CPU per round trip at ${connections(lo)} ` +
    `and ${micros(at('poll', hi).cpuUsPerRoundTrip)} µs at ${connections(hi)}; epoll spent ${micros(at('epoll', lo).cpuUsPerRoundTrip)} and ${micros(at('epoll', hi).cpuUsPerRoundTrip)} µs. ` +
    `Against epoll under the same load, poll cost ${times(ratioLo)} at ${lo.toLocaleString('en-US')} and ${times(ratioHi)} at ${hi.toLocaleString('en-US')} connections, ` +
    `and made ${times(at('poll', hi).rps / at('epoll', hi).rps)} epoll's round trips per second at ${hi.toLocaleString('en-US')}.`
  const selectCounts = commonCounts(record, ['select', 'epoll'], 'idle')
  if (selectCounts.length > 0) {
    const top = selectCounts[selectCounts.length - 1]
    text += ` select, at the most connections it served in full (${top.toLocaleString('en-US')}), cost ${times(at('select', top).cpuUsPerRoundTrip / at('epoll', top).cpuUsPerRoundTrip)} epoll's CPU per round trip.`
  }
  const busy = commonCounts(record, ['poll', 'epoll'], 'all')
  if (busy.length > 0) {
    const top = busy[busy.length - 1]
    text +=
      ` With every connection busy each call finds many sockets ready, so the scan is shared among them: at ${connections(top)} all active, ` +
      `poll cost ${times(at('poll', top, 'all').cpuUsPerRoundTrip / at('epoll', top, 'all').cpuUsPerRoundTrip)} epoll's CPU per round trip.`
  }
  return { claim, verdict, text }
}

function fdSetSize(record: LabRecord): Answer {
  const claim = 'select cannot watch descriptors numbered 1024 or more (FD_SETSIZE).'
  const select = record.models.select
  if (select === undefined || select.cells.length === 0) return missing(claim, 'the select model')
  const refusedAt = select.cells.filter((c) => c.refused > 0).sort((a, b) => a.conns - b.conns)
  if (refusedAt.length === 0) {
    const most = Math.max(...select.cells.map((c) => c.conns))
    return { claim, verdict: 'not measured', text: `select served all connections up to ${connections(most)}; no point of this run needed a descriptor above 1023.` }
  }
  const first = refusedAt[0]
  const said = select.serverSaid.find((line) => /FD_SETSIZE/.test(line))
  const more = refusedAt.length > 1 ? `; at ${connections(refusedAt[refusedAt.length - 1].conns)} it refused ${refusedAt[refusedAt.length - 1].refused.toLocaleString('en-US')}` : ''
  return {
    claim,
    verdict: 'holds here',
    text:
      `At ${connections(first.conns)} the select server served ${(first.conns - first.refused).toLocaleString('en-US')} and refused ${first.refused.toLocaleString('en-US')}${more}: ` +
      `a Node.js process holds a few dozen descriptors of its own before its first connection, so the limit bites below 1,024 connections.` +
      (said ? ` The server said: “${said}”.` : '') +
      ' poll and epoll have no such limit (see their 5,000-connection columns).',
  }
}

function threadsVersusMultiplexing(record: LabRecord): Answer {
  const claim = 'Multiplexing does not make one connection faster, it lets one thread serve many; with few connections, threads and blocking I/O may do better, with lower latency.'
  const b1 = pointOf(record, 'blocking-threads', 1, 'all')
  const e1 = pointOf(record, 'epoll', 1, 'all')
  if (b1 === undefined || e1 === undefined) return missing(claim, 'blocking-threads and epoll at 1 connection')
  const notFaster = e1.rps <= 1.1 * b1.rps
  // "Better with lower latency": about as many round trips (within 10%) at a p50 no higher.
  const threadsBetter = (b: Cell, e: Cell) => b.rps >= 0.9 * e.rps && b.p50Us <= e.p50Us
  const better = [threadsBetter(b1, e1)]
  let text =
    `With one connection, epoll made ${rate(e1.rps)} round trips/s (p50 ${micros(e1.p50Us)} µs, p99 ${micros(e1.p99Us)} µs) and blocking-threads ${rate(b1.rps)} ` +
    `(p50 ${micros(b1.p50Us)} µs, p99 ${micros(b1.p99Us)} µs): ${notFaster ? 'multiplexing did not make the one connection faster' : `epoll was ${times(e1.rps / b1.rps)} as fast`}` +
    `${better[0] ? ', and the thread answered sooner' : ''}.`
  const b10 = pointOf(record, 'blocking-threads', 10, 'all')
  const e10 = pointOf(record, 'epoll', 10, 'all')
  if (b10 !== undefined && e10 !== undefined) {
    better.push(threadsBetter(b10, e10))
    text +=
      ` At 10 connections blocking-threads made ${rate(b10.rps)} round trips/s at p50 ${micros(b10.p50Us)} µs and p99 ${micros(b10.p99Us)} µs, ` +
      `epoll ${rate(e10.rps)} at p50 ${micros(e10.p50Us)} µs and p99 ${micros(e10.p99Us)} µs: ` +
      `${better[1] ? 'the threads kept up, at lower latency' : 'here epoll did better'}.`
  }
  const threads = record.models['blocking-threads']
  const withMemory = threads.cells.filter((c) => c.activity === 'all' && c.conns >= MEMORY_FROM)
  const largest = withMemory[withMemory.length - 1]
  const epollThere = largest && pointOf(record, 'epoll', largest.conns, 'all')
  if (largest && epollThere) {
    text += ` The price is memory: at ${connections(largest.conns)} blocking-threads grew by ${kib(largest.memPerConnKb)} per connection (${largest.threads.toLocaleString('en-US')} threads), epoll by ${kib(epollThere.memPerConnKb)}.`
  }
  const epollMost = record.models.epoll.cells.filter((c) => c.activity === 'all').pop()
  if (epollMost) text += ` One epoll thread served ${connections(epollMost.conns)} at ${rate(epollMost.rps)} round trips/s.`
  if (threads.stoppedAt) text += ` blocking-threads was not measured from ${connections(threads.stoppedAt.conns)} on: ${threads.stoppedAt.reason}.`
  if (record.pinned) text += ` The server is pinned to one core here, so its threads take turns rather than run in parallel.`
  const verdict: Verdict = notFaster && better.every(Boolean) ? 'holds here' : notFaster || better.some(Boolean) ? 'partly holds here' : 'does not hold here'
  return { claim, verdict, text }
}

function signalDriven(record: LabRecord): Answer {
  const claim = 'Signal-driven I/O is rarely used in practice.'
  const counts = commonCounts(record, ['sigio', 'epoll-et'], 'all')
  let text = 'How often a model is used is not something a benchmark can measure. What it can measure:'
  if (counts.length > 0) {
    const rps = counts.map((n) => pointOf(record, 'sigio', n, 'all')!.rps / pointOf(record, 'epoll-et', n, 'all')!.rps)
    const cpu = counts.map((n) => pointOf(record, 'sigio', n, 'all')!.cpuUsPerRoundTrip / pointOf(record, 'epoll-et', n, 'all')!.cpuUsPerRoundTrip)
    text +=
      ` against edge-triggered epoll, whose example shares its drain-until-EAGAIN code, sigio made ${times(Math.min(...rps))} to ${times(Math.max(...rps))} the round trips per second ` +
      `and spent ${times(Math.min(...cpu))} to ${times(Math.max(...cpu))} the server CPU per round trip (all connections active, ${connections(counts[0])} to ${counts[counts.length - 1].toLocaleString('en-US')}).`
  } else text += ' (sigio and epoll-et were not both measured in this run.)'
  text +=
    ` Its limits are the kernel's: on this machine a user can have ${record.machine.pendingSignalLimit.toLocaleString('en-US')} real-time signals pending (RLIMIT_SIGPENDING); ` +
    'past that the kernel sends a plain SIGIO and every watched descriptor has to be polled, and a signal is sent to one thread, which suits a multi-threaded runtime badly.'
  return { claim, verdict: 'not measurable', text }
}

function coroutines(record: LabRecord): Answer {
  const claim = 'Coroutines (async/await, gevent) give blocking-style code on a multiplexed loop, cheap to switch, but on one core only.'
  const counts = commonCounts(record, ['coroutine', 'server-callbacks'], 'all')
  if (counts.length === 0) return missing(claim, 'the coroutine model and @io/server in callback style')
  const cpu = counts.map((n) => pointOf(record, 'coroutine', n, 'all')!.cpuUsPerRoundTrip / pointOf(record, 'server-callbacks', n, 'all')!.cpuUsPerRoundTrip)
  const rps = counts.map((n) => pointOf(record, 'coroutine', n, 'all')!.rps / pointOf(record, 'server-callbacks', n, 'all')!.rps)
  const overhead = median(cpu)
  const verdict: Verdict = overhead <= 1.25 ? 'holds here' : overhead <= 1.6 ? 'partly holds here' : 'does not hold here'
  let text =
    `On the same @io/server epoll engine, the coroutine echo (\`for await\` + \`await conn.write()\`) spent ${times(Math.min(...cpu))} to ${times(Math.max(...cpu))} ` +
    `(median ${times(overhead)}) the server CPU per round trip of the callback-style echo, and made ${times(Math.min(...rps))} to ${times(Math.max(...rps))} its round trips per second ` +
    `(all connections active, ${connections(counts[0])} to ${counts[counts.length - 1].toLocaleString('en-US')}).`
  const co = record.models.coroutine.cells
  const memoryAt = commonCounts(record, ['coroutine', 'blocking-threads'], 'all').filter((n) => n >= MEMORY_FROM).pop()
  if (memoryAt !== undefined) {
    text +=
      ` At ${connections(memoryAt)} a coroutine connection took ${kib(pointOf(record, 'coroutine', memoryAt, 'all')!.memPerConnKb)} of memory, ` +
      `a blocking thread ${kib(pointOf(record, 'blocking-threads', memoryAt, 'all')!.memPerConnKb)}.`
  }
  const busy = co.filter((c) => c.activity === 'all') // the tables of core share and threads
  const share = Math.max(...busy.map((c) => c.serverCpuShare).filter(Number.isFinite))
  const threads = Math.max(...busy.map((c) => c.threads))
  text +=
    ` One core: the coroutine server never used more than ${cores(share)} of one core with all connections active; its JavaScript runs on one thread ` +
    `(the process had ${threads} threads, Node's own helpers included).` +
    (record.pinned ? ' Every server here is pinned to one core, so this lab does not show what more cores would give the threaded models.' : '')
  return { claim, verdict, text }
}

/** Every claim, answered from `record`. */
export function answerClaims(record: LabRecord): Answer[] {
  return [scanCost(record), fdSetSize(record), threadsVersusMultiplexing(record), signalDriven(record), coroutines(record)]
}
