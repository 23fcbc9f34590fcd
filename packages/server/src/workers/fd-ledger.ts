/**
 * Which fds a worker thread owns, kept in shared memory so that its supervisor can close them
 * if the worker dies. fds belong to the process, not the thread: a crashed worker would leave
 * its listener in the SO_REUSEPORT group (the kernel would go on routing a share of new
 * connections to a socket nobody accepts on) and its clients hanging.
 *
 * Layout: an Int32Array over a SharedArrayBuffer, one entry per connection slot plus one for
 * the listener (the last). An entry is fd + 1, or 0 for none. The worker writes the entry
 * after it gets an fd and clears it before it closes one, so a death in between can only leak
 * an fd, never make the supervisor close an fd number that another thread has since reused.
 * The buffer is zero-filled lazily by the OS: untouched entries cost no memory.
 */
import { closeQuietly } from '../engine/close-quietly.js'
import { MAX_CONNECTIONS } from '../engine/connection-table.js'

/** Index of the listener's entry. */
export const LISTENER_ENTRY = MAX_CONNECTIONS

/** A ledger's shared memory, to send to a worker. */
export function createLedgerMemory(): SharedArrayBuffer {
  return new SharedArrayBuffer((MAX_CONNECTIONS + 1) * 4)
}

export class FdLedger {
  private readonly entries: Int32Array

  constructor(memory: SharedArrayBuffer) {
    this.entries = new Int32Array(memory)
  }

  record(index: number, fd: number): void {
    this.entries[index] = fd + 1
  }

  clear(index: number): void {
    this.entries[index] = 0
  }

  /**
   * Supervisor side, once the worker is gone: closes every fd it still owned, but its
   * listener with `keepListener` (an inherited socket its replacement takes over).
   */
  closeAll(keepListener = false): number {
    let closed = 0
    const entries = this.entries
    for (let i = 0; i < entries.length; i++) {
      if (entries[i] !== 0 && !(keepListener && i === LISTENER_ENTRY)) {
        closeQuietly(entries[i] - 1)
        entries[i] = 0
        closed++
      }
    }
    return closed
  }
}
