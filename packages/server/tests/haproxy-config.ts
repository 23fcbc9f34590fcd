/**
 * The HAProxy configuration the load-balancer tests run, written by one function so that the
 * one shown in docs/deploy.md is the one tested (haproxy.test.ts checks that the page holds
 * `exampleConfig()` verbatim). Print it with:
 *
 *     npx tsx packages/server/tests/haproxy-config.ts
 */
import { fileURLToPath } from 'node:url'

/** One frontend and its backend of io-serve processes. */
export interface HaproxyListener {
  /** Names the frontend and the backend (`<name>` and `<name>_servers`). */
  name: string
  /** Address clients connect to. */
  bind: string
  /** PROXY protocol towards the servers: 'v1' (send-proxy), 'v2' (send-proxy-v2), or none. */
  sendProxy: 'v1' | 'v2' | null
  /** The io-serve processes: name and address. */
  servers: Array<{ name: string; address: string }>
}

/** What {@link haproxyConfig} writes. */
export interface HaproxyConfig {
  /** The runtime API socket (`show stat` tells whether each server is UP or DOWN). */
  statsSocket: string
  /** Address HAProxy connects to the servers from: the only one they need to trust. */
  source: string
  listeners: HaproxyListener[]
}

/**
 * An HAProxy configuration in TCP mode: roundrobin over the servers, a health check every
 * 100 ms that takes a server out after one failure and back after one success (short, so the
 * tests wait little; production would rather use the defaults, 2 s, 3 and 2), and a failed
 * connection retried on another server (`retries`, `option redispatch 1`).
 */
export function haproxyConfig(config: HaproxyConfig): string {
  const lines = [
    'global',
    `    stats socket ${config.statsSocket} mode 600 level admin`,
    '    maxconn 4096',
    '',
    'defaults',
    '    mode tcp',
    '    timeout connect 2s',
    '    timeout client 30s',
    '    timeout server 30s',
    '    retries 3',
    '    option redispatch 1',
  ]
  for (const listener of config.listeners) {
    const proxy = listener.sendProxy === 'v1' ? ' send-proxy' : listener.sendProxy === 'v2' ? ' send-proxy-v2' : ''
    lines.push(
      '',
      `frontend ${listener.name}`,
      `    bind ${listener.bind}`,
      `    default_backend ${listener.name}_servers`,
      '',
      `backend ${listener.name}_servers`,
      '    balance roundrobin',
      `    default-server check inter 100 fall 1 rise 1 source ${config.source}${proxy}`,
      ...listener.servers.map((s) => `    server ${s.name} ${s.address}`),
    )
  }
  return `${lines.join('\n')}\n`
}

/** The configuration shown in docs/deploy.md: two io-serve processes behind PROXY protocol v2. */
export function exampleConfig(): string {
  return haproxyConfig({
    statsSocket: '/run/haproxy/admin.sock',
    source: '10.0.0.2',
    listeners: [
      {
        name: 'app',
        bind: ':8080',
        sendProxy: 'v2',
        servers: [
          { name: 'io1', address: '10.0.0.11:9000' },
          { name: 'io2', address: '10.0.0.12:9000' },
        ],
      },
    ],
  })
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) process.stdout.write(exampleConfig())
