/**
 * The command line every I/O-model example shares: `--port P` (default 9000; 0 picks a free
 * port), and the one line each prints once it accepts connections.
 */

/** The value of `--port`, or 9000. Exits with a message for anything but a port number. */
export function portOption(argv: string[] = process.argv.slice(2)): number {
  const at = argv.indexOf('--port')
  if (at < 0) return 9000
  const port = Number(argv[at + 1])
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port takes a port number from 0 to 65535, got ${JSON.stringify(argv[at + 1] ?? '')}`)
    process.exit(2)
  }
  return port
}

/** Prints `<model>: listening on 127.0.0.1:<port>` (the lab and the tests wait for it). */
export function announce(model: string, port: number, note = ''): void {
  console.log(`${model}: listening on 127.0.0.1:${port}${note ? ` (${note})` : ''}`)
}
