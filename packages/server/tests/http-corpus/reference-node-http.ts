/**
 * The corpus's reference handler on node:http, the independent implementation the corpus is
 * validated against (scripts/validate-corpora.ts). node:http runs with its strict parser; the
 * handler answers every request with the JSON report of README.md and enforces bodyLimit
 * itself, since node:http has no such option.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { CorpusLimits } from './case-file.js'
import type { FieldPair, HandlerReport } from './handler-report.js'
import type { RunningServer } from './server-pool.js'

/** Splits a request-target into the report's path and query (see README.md). */
export function splitTarget(target: string): { path: string; query: string } {
  if (target === '*') return { path: '*', query: '' }
  let rest = target
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?]*/.exec(target)
  if (absolute) {
    rest = target.slice(absolute[0].length)
    if (!rest.startsWith('/')) rest = `/${rest}`
  }
  const question = rest.indexOf('?')
  return question < 0 ? { path: rest, query: '' } : { path: rest.slice(0, question), query: rest.slice(question + 1) }
}

function pairs(raw: string[]): FieldPair[] {
  const out: FieldPair[] = []
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!])
  return out
}

/** The reference handler for node:http's (req, res). */
export function referenceHandler(limits: Pick<CorpusLimits, 'bodyLimit'>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const declared = req.headers['content-length']
    if (declared !== undefined && Number(declared) > limits.bodyLimit) {
      refuseBody(res)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > limits.bodyLimit) {
        refused = true
        refuseBody(res)
      } else {
        chunks.push(chunk)
      }
    })
    req.on('end', () => {
      if (refused) return
      const report: HandlerReport = {
        method: req.method ?? '',
        url: req.url ?? '',
        ...splitTarget(req.url ?? ''),
        httpVersion: req.httpVersion,
        headers: pairs(req.rawHeaders),
        body: Buffer.concat(chunks).toString('base64'),
        trailers: pairs(req.rawTrailers),
      }
      const json = Buffer.from(JSON.stringify(report))
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length })
      res.end(json)
    })
  }
}

function refuseBody(res: ServerResponse): void {
  res.writeHead(413, { connection: 'close', 'content-length': 0 })
  res.end()
}

/** Starts node:http with the reference handler on a loopback port. */
export function startNodeHttpReference(limits: CorpusLimits): Promise<RunningServer> {
  const server = createServer(
    { maxHeaderSize: limits.maxHeaderBytes, insecureHTTPParser: false, requireHostHeader: true },
    referenceHandler(limits),
  )
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({
        address: { host: '127.0.0.1', port },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}
