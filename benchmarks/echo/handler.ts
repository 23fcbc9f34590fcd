/**
 * The one echo handler every JavaScript server in benchmarks/echo-backends.ts runs, whatever
 * the backend underneath: bytes in, the same bytes out. A backend calls `onData` with a view it
 * owns only for the duration of the call (`data[offset, offset + length)`); `write` must take
 * the bytes before it returns (send them, or copy what it cannot send yet).
 */
export interface EchoConnection {
  write(data: Uint8Array, offset: number, length: number): void
}

export function onData(conn: EchoConnection, data: Uint8Array, offset: number, length: number): void {
  conn.write(data, offset, length)
}
