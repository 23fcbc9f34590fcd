/**
 * The whole WebSocket conformance suite, group by group in Autobahn's numbering: handshake (0),
 * framing (1), ping/pong (2), reserved bits (3), opcodes (4), fragmentation (5), UTF-8 (6),
 * close handling (7), limits (9).
 */
import { closeCases } from './cases/close.js'
import { fragmentationCases } from './cases/fragmentation.js'
import { framingCases } from './cases/framing.js'
import { handshakeCases } from './cases/handshake.js'
import { limitCases } from './cases/limits.js'
import { opcodeCases } from './cases/opcodes.js'
import { pingPongCases } from './cases/ping-pong.js'
import { reservedBitCases } from './cases/reserved-bits.js'
import { utf8Cases } from './cases/utf8.js'
import type { WsCase } from './ws-case.js'

/** Every case, in suite order. */
export function loadWsConformance(): WsCase[] {
  return [
    ...handshakeCases,
    ...framingCases,
    ...pingPongCases,
    ...reservedBitCases,
    ...opcodeCases,
    ...fragmentationCases,
    ...utf8Cases,
    ...closeCases,
    ...limitCases,
  ]
}
