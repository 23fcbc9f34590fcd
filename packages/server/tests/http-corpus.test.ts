// The HTTP request corpus (http-corpus/cases, one markdown file per case) against this server,
// on every engine; then every valid request split at every byte boundary and pipelined in random
// pieces. The handler is the corpus's reference handler (http-corpus/README.md).
import { afterAll, describe, expect, it } from 'vitest'
import { createHttpServer, type HttpRequest, type HttpResponse } from '@io/server'
import { loadHttpCorpus } from './http-corpus/corpus.js'
import { runHttpCase } from './http-corpus/driver.js'
import { ServerPool } from './http-corpus/server-pool.js'
import { runSplitChecks } from './http-corpus/split-requests.js'
import type { CorpusLimits } from './http-corpus/case-file.js'
import { BACKENDS, backendLabel } from './helpers.js'

/** The corpus's reference handler: 200 and a JSON report of what the request looked like. */
export async function reportHandler(req: HttpRequest, res: HttpResponse): Promise<void> {
  const body = await req.body()
  const pairs = (raw: string[]) => {
    const out: Array<[string, string]> = []
    for (let k = 0; k < raw.length; k += 2) out.push([raw[k].toLowerCase(), raw[k + 1]])
    return out
  }
  const report = {
    method: req.method,
    url: req.url,
    path: req.path,
    query: req.query,
    httpVersion: req.httpVersion,
    headers: pairs(req.rawHeaders),
    body: body.toString('base64'),
    trailers: pairs(req.rawTrailers),
  }
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(report))
}

const cases = loadHttpCorpus()

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('HTTP corpus on %s', (_label, backend) => {
  const pool = new ServerPool(async (limits: CorpusLimits) => {
    const server = createHttpServer({ backend, ...limits }, reportHandler)
    const { port } = await server.listen(0, '127.0.0.1')
    return { address: { host: '127.0.0.1', port }, close: () => server.close({ graceMs: 0 }) }
  })
  afterAll(() => pool.closeAll())

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, testCase) => {
    const verdict = await runHttpCase(testCase, await pool.address(testCase.limits))
    expect(verdict.failures, verdict.transcript).toEqual([])
  })

  it('answers every valid request split at every byte boundary, and pipelines cut in random pieces', async () => {
    const result = await runSplitChecks(cases, (limits) => pool.address(limits), { seed: 7 })
    expect(result.verdicts.length).toBeGreaterThan(0)
    expect(result.verdicts.filter((v) => !v.ok).map((v) => `${v.id}: ${v.failures.join('; ')}`)).toEqual([])
  })
})
