/**
 * The client's opening handshake (RFC 6455 §4.1) and the checks on the server's answer
 * (RFC 6455 §4.2.2): a default request any case can alter field by field, and the 101 rules.
 */
import { createHash } from 'node:crypto'
import type { ParsedResponse } from '../http-corpus/response-parser.js'
import type { ServerAddress } from '../http-corpus/raw-connection.js'
import type { HandshakeSpec } from './ws-case.js'

/** The GUID of RFC 6455 §1.3 that the accept key is derived with. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

/** Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64')
}

/** The handshake request bytes: the default fields, altered by the case's overrides. */
export function handshakeRequest(address: ServerAddress, key: string, spec?: HandshakeSpec): Buffer {
  const fields: [string, string][] = [
    ['Host', `${address.host}:${address.port}`],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', '{key}'],
    ['Sec-WebSocket-Version', '13'],
  ]
  for (const [name, value] of Object.entries(spec?.headers ?? {})) {
    const index = fields.findIndex(([existing]) => existing.toLowerCase() === name.toLowerCase())
    if (value === null) {
      if (index >= 0) fields.splice(index, 1)
    } else if (index >= 0) {
      fields[index] = [name, value]
    } else {
      fields.push([name, value])
    }
  }
  const lines = [spec?.requestLine ?? 'GET / HTTP/1.1', ...fields.map(([name, value]) => `${name}: ${value.replaceAll('{key}', key)}`)]
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
}

function header(response: ParsedResponse, name: string): string[] {
  return response.headers.filter(([field]) => field === name).map(([, value]) => value)
}

/** The ways a 101 answer breaks RFC 6455 §4.2.2; empty when it is right. */
export function upgradeProblems(response: ParsedResponse, key: string): string[] {
  const problems: string[] = []
  const upgrade = header(response, 'upgrade')
  if (upgrade.length !== 1 || upgrade[0]!.toLowerCase() !== 'websocket') problems.push(`Upgrade is ${JSON.stringify(upgrade)}, not "websocket"`)
  const connection = header(response, 'connection').flatMap((value) => value.split(',').map((token) => token.trim().toLowerCase()))
  if (!connection.includes('upgrade')) problems.push(`Connection ${JSON.stringify(connection)} lacks the "upgrade" option`)
  const accept = header(response, 'sec-websocket-accept')
  if (accept.length !== 1 || accept[0] !== acceptKey(key)) problems.push(`Sec-WebSocket-Accept is ${JSON.stringify(accept)}, expected "${acceptKey(key)}"`)
  for (const unasked of ['sec-websocket-extensions', 'sec-websocket-protocol']) {
    if (header(response, unasked).length > 0) problems.push(`${unasked} was not offered by the client but is in the answer`)
  }
  return problems
}
