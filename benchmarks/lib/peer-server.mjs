// The command line and the ready line every peer server script of the benchmarks shares
// (node and Bun alike):  --port P (0: any free port) --host H (default 127.0.0.1); once
// listening, the script prints "listening <port>", the line the harnesses wait for.
import { parseArgs } from 'node:util'

/** The port and host the server was asked to listen on. */
export function peerOptions() {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } } })
  return { port: Number(values.port), host: values.host }
}

/** Tells the harness the server is ready, on the port it got. */
export function announce(port) {
  process.stdout.write(`listening ${port}\n`)
}
