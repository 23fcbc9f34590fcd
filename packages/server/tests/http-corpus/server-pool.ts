/**
 * One server per distinct set of options: cases that need other limits (a small bodyLimit, a
 * small maxPayloadLength) get a server of their own, the rest share one.
 */
import type { ServerAddress } from './raw-connection.js'

/** A server the conformance drivers can talk to. */
export interface RunningServer {
  address: ServerAddress
  close(): Promise<void>
}

/** Starts a server under test (or a reference) with the given options. */
export type ServerFactory<Options> = (options: Options) => Promise<RunningServer>

/** Starts servers on demand, one per distinct options object, and closes them all at the end. */
export class ServerPool<Options> {
  private servers = new Map<string, Promise<RunningServer>>()

  constructor(private readonly factory: ServerFactory<Options>) {}

  /** The address of the server started with `options` (started on first use). */
  async address(options: Options): Promise<ServerAddress> {
    const key = JSON.stringify(options)
    let server = this.servers.get(key)
    if (!server) {
      server = this.factory(options)
      this.servers.set(key, server)
    }
    return (await server).address
  }

  /** Closes every server started so far. */
  async closeAll(): Promise<void> {
    const started = [...this.servers.values()]
    this.servers.clear()
    await Promise.all(started.map(async (server) => (await server).close()))
  }
}
