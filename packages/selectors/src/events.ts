// The two readiness events of the selector API, as in Python's `selectors`. A registration's
// `events` is a non-empty combination of them, and every report is masked to it.

/** Readable: data, a connection to accept, end of file, or an error a read would return. */
export const EVENT_READ = 1
/** Writable: a write would not block (or would fail at once: peer gone, error pending). */
export const EVENT_WRITE = 2
/** Every event a registration may ask for. */
export const ALL_EVENTS = EVENT_READ | EVENT_WRITE
