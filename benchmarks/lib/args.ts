/**
 * The benchmarks' command line: `--name value` pairs, as a Map from name to value.
 * (Every benchmark script takes its options this way.)
 */
export function cliArgs(argv: string[] = process.argv.slice(2)): Map<string, string> {
  const args = new Map<string, string>()
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i].replace(/^--/, ''), argv[i + 1])
  return args
}

/** A comma-separated option (`--name a,b,c`), or `fallback` when it is absent. */
export function listArg(args: Map<string, string>, name: string, fallback: string): string[] {
  return (args.get(name) ?? fallback).split(',').filter(Boolean)
}

/**
 * The options both echo benchmarks take: run length, the scenario grid and CPU pinning.
 * `seconds` and `warmup` default per benchmark.
 */
export function echoRunArgs(args: Map<string, string>, defaults: { seconds: number; warmup: number }) {
  return {
    seconds: Number(args.get('seconds') ?? defaults.seconds),
    warmup: Number(args.get('warmup') ?? defaults.warmup),
    runs: Number(args.get('runs') ?? 3),
    connCounts: listArg(args, 'conns', '1,100,1000').map(Number),
    sizes: listArg(args, 'sizes', '64,4096').map(Number),
    depths: listArg(args, 'depths', '1,16').map(Number),
    serverCpu: args.get('server-cpu') ?? '0',
    loadCpu: args.get('load-cpu') ?? '1',
  }
}
