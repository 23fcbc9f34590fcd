// Protocol output goes into the reactor's scratch memory (256 KB) until the batch's flush.
// A batch whose responses need more than that is flushed part way, so that no response is
// written into an ArrayBuffer of its own (stats.scratchOverflows), on every engine.
import { describe, expect, it } from 'vitest'
import { BACKENDS, backendLabel, until } from './helpers.js'
import { HttpClient, get, httpServer } from './http-helpers.js'

const CLIENTS = 100
const BODY = 'x'.repeat(4000) // 100 responses of 4 KB: 400 KB from one batch of reads

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('scratch output memory on %s', (_label, backend) => {
  it('answers a batch of reads whose responses exceed the scratch memory without a buffer per response', async () => {
    const { server, port } = await httpServer({ backend }, (req, res) => res.end(`${req.url}:${BODY}`))
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => HttpClient.open(port)))
    await until(() => server.connections === CLIENTS, 'every connection accepted')
    // All written before the server's loop runs again: one batch reads them all.
    const sent = clients.map((c, i) => c.send(get(`/${i}`)))
    await Promise.all(sent)
    const bodies = await Promise.all(clients.map(async (c) => (await c.response()).body.toString()))
    bodies.forEach((body, i) => expect(body).toBe(`/${i}:${BODY}`))
    expect(server.stats.scratchOverflows).toBe(0)
    for (const c of clients) c.destroy()
  })
})
