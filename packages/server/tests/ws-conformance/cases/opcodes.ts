/**
 * Group 4: reserved opcodes (RFC 6455 §5.2): 3-7 are reserved for further non-control frames
 * and 11-15 for further control frames; receiving one fails the connection with 1002, after
 * the messages before it are echoed.
 */
import { closedWith, echoText, expectEvents, ping, send, text, wsCase, type WsCase } from '../ws-case.js'

function reservedOpcodeCases(opcodes: number[], subgroup: number, kind: string): WsCase[] {
  return opcodes.flatMap((opcode, index) => [
    wsCase({
      id: `4.${subgroup}.${index * 2 + 1}`,
      title: `Reserved ${kind} opcode ${opcode}`,
      description: `RFC 6455 §5.2: opcode ${opcode} is reserved for further ${kind} frames; receiving it fails the connection with 1002 (§7.4.1).`,
      steps: [send([{ opcode, payload: opcode < 8 ? 'reserved' : '' }]), expectEvents(closedWith(1002))],
    }),
    wsCase({
      id: `4.${subgroup}.${index * 2 + 2}`,
      title: `A message, reserved opcode ${opcode} with payload, then a ping`,
      description: `RFC 6455 §5.2 and §7.1.7: the message before opcode ${opcode} is echoed, the connection fails with 1002, and the ping after it is not answered.`,
      steps: [send([text('before'), { opcode, payload: 'payload' }, ping('after')]), expectEvents(echoText('before'), closedWith(1002))],
    }),
  ])
}

/** The reserved-opcode cases. */
export const opcodeCases: WsCase[] = [
  ...reservedOpcodeCases([3, 4, 5, 6, 7], 1, 'non-control'),
  ...reservedOpcodeCases([11, 12, 13, 14, 15], 2, 'control'),
]
