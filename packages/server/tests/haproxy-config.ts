/**
 * The HAProxy configuration the load-balancer tests run, written by one function so that the
 * one shown in docs/deploy.md is the one tested (haproxy.test.ts checks that the page holds
 * `exampleConfig()` and `exampleHttpConfig()` verbatim). Print them with:
 *
 *     npx tsx packages/server/tests/haproxy-config.ts
 *     npx tsx packages/server/tests/haproxy-config.ts http
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
  /**
   * 'http': HAProxy parses HTTP (`mode http`) and checks each server with `GET <check>` (its
   * readiness path: 200 ready, 503 draining). Default: TCP, checked by connecting.
   */
  http?: { check: string }
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
 * An HAProxy configuration, TCP mode unless a listener asks for HTTP: roundrobin over the
 * servers, a health check every 100 ms that takes a server out after one failure and back after
 * one success (short, so the tests wait little; production would rather use the defaults, 2 s,
 * 3 and 2), and a failed connection retried on another server (`retries`, `option redispatch 1`).
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
    const http = listener.http
    lines.push(
      '',
      `frontend ${listener.name}`,
      ...(http === undefined ? [] : ['    mode http']),
      `    bind ${listener.bind}`,
      `    default_backend ${listener.name}_servers`,
      '',
      `backend ${listener.name}_servers`,
      ...(http === undefined ? [] : ['    mode http', `    option httpchk GET ${http.check}`]),
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

/**
 * The HTTP configuration shown in docs/deploy.md: two io-serve HTTP processes behind PROXY
 * protocol v2, each checked on its readiness path.
 */
export function exampleHttpConfig(): string {
  return haproxyConfig({
    statsSocket: '/run/haproxy/admin.sock',
    source: '10.0.0.2',
    listeners: [
      {
        name: 'web',
        bind: ':80',
        sendProxy: 'v2',
        http: { check: '/readyz' },
        servers: [
          { name: 'io1', address: '10.0.0.11:8080' },
          { name: 'io2', address: '10.0.0.12:8080' },
        ],
      },
    ],
  })
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(process.argv[2] === 'http' ? exampleHttpConfig() : exampleConfig())
}
