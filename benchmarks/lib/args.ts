/**
 * The benchmarks' command line: `--name value` pairs, as a Map from name to value.
 * (Every benchmark script takes its options this way.) A `--name` followed by another option
 * or by nothing is a flag: it maps to ''.
 */
export function cliArgs(argv: string[] = process.argv.slice(2)): Map<string, string> {
  const args = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1]
    const isFlag = value === undefined || value.startsWith('--')
    args.set(argv[i].replace(/^--/, ''), isFlag ? '' : value)
    if (!isFlag) i++
  }
  return args
}

/** A comma-separated option (`--name a,b,c`), or `fallback` when it is absent. */
export function listArg(args: Map<string, string>, name: string, fallback: string): string[] {
  return (args.get(name) ?? fallback).split(',').filter(Boolean)
}

/**
 * The options every server-under-load benchmark takes: run length, runs per scenario and CPU
 * pinning. `seconds`, `warmup` (and `runs`, default 3) default per benchmark.
 */
export function loadRunArgs(args: Map<string, string>, defaults: { seconds: number; warmup: number; runs?: number }) {
  return {
    seconds: Number(args.get('seconds') ?? defaults.seconds),
    warmup: Number(args.get('warmup') ?? defaults.warmup),
    runs: Number(args.get('runs') ?? defaults.runs ?? 3),
    serverCpu: args.get('server-cpu') ?? '0',
    loadCpu: args.get('load-cpu') ?? '1',
  }
}

/**
 * The options both echo benchmarks take: loadRunArgs() and the scenario grid.
 * `seconds` and `warmup` default per benchmark.
 */
export function echoRunArgs(args: Map<string, string>, defaults: { seconds: number; warmup: number }) {
  return {
    ...loadRunArgs(args, defaults),
    connCounts: listArg(args, 'conns', '1,100,1000').map(Number),
    sizes: listArg(args, 'sizes', '64,4096').map(Number),
    depths: listArg(args, 'depths', '1,16').map(Number),
  }
}
