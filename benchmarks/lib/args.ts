/**
 * The benchmarks' command line: `--name value` pairs, as a Map from name to value.
 * (Every benchmark script takes its options this way.)
 */
export function cliArgs(argv: string[] = process.argv.slice(2)): Map<string, string> {
  const args = new Map<string, string>()
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i].replace(/^--/, ''), argv[i + 1])
  return args
}
