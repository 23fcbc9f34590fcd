// Selector events <-> POLL* bits, shared by every backend that speaks poll masks (select and
// poll through the table, io_uring's poll requests, the level re-check).
import { multiplex } from '@io/core'
import { EVENT_READ, EVENT_WRITE } from './events.js'

const { POLLIN, POLLOUT, POLLPRI, POLLERR, POLLHUP, POLLNVAL } = multiplex
const READ_BITS = POLLIN | POLLPRI | POLLERR | POLLHUP | POLLNVAL
const WRITE_BITS = POLLOUT | POLLERR | POLLHUP | POLLNVAL

/** POLL* interest bits for selector events. */
export function pollInterest(events: number): number {
  return (events & EVENT_READ ? POLLIN : 0) | (events & EVENT_WRITE ? POLLOUT : 0)
}

/**
 * Selector events for POLL* result bits. An error, a hang-up or a closed fd (POLLNVAL) makes an
 * fd "ready" for whatever it was registered for: the caller's next read or write then meets
 * the condition, as in Python.
 */
export function pollReadyEvents(revents: number): number {
  return (revents & READ_BITS ? EVENT_READ : 0) | (revents & WRITE_BITS ? EVENT_WRITE : 0)
}
