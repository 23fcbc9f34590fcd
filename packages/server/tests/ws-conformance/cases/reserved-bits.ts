/**
 * Group 3: reserved bits (RFC 6455 §5.2): RSV1-3 MUST be 0 unless an extension defining them
 * was negotiated, and none is here; a frame with any of them set fails the connection with
 * 1002, after the messages received before it are echoed, and nothing after it is answered.
 */
import { binary, close, closedWith, continuation, echoText, expectEvents, ping, send, text, wsCase, type WsCase } from '../ws-case.js'

/** The reserved-bit cases. */
export const reservedBitCases: WsCase[] = [
  wsCase({
    id: '3.1',
    title: 'RSV1 on a text frame',
    description: 'RFC 6455 §5.2: RSV1 set with no extension negotiated: fail with 1002 (§7.4.1).',
    steps: [send([text('rsv1', { rsv: 4 })]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '3.2',
    title: 'A text message, then one with RSV2',
    description: 'RFC 6455 §5.2 and §7.1.7: the first message is echoed; the second fails the connection with 1002.',
    steps: [send([text('fine'), text('rsv2', { rsv: 2 })]), expectEvents(echoText('fine'), closedWith(1002))],
  }),
  wsCase({
    id: '3.3',
    title: 'A text message, one with RSV3, then a ping',
    description: 'RFC 6455 §5.2 and §7.1.7: the ping after the bad frame is never answered: the connection has failed.',
    steps: [send([text('fine'), text('rsv3', { rsv: 1 }), ping('too late')]), expectEvents(echoText('fine'), closedWith(1002))],
  }),
  wsCase({
    id: '3.4',
    title: 'The same, written one frame at a time',
    description: 'RFC 6455 §5.2: as 3.3, with each frame in its own write.',
    steps: [send([text('fine'), text('rsv1+3', { rsv: 5 }), ping('too late')], 'per-frame'), expectEvents(echoText('fine'), closedWith(1002))],
  }),
  wsCase({
    id: '3.5',
    title: 'RSV1 and RSV2 on a binary frame',
    description: 'RFC 6455 §5.2: any reserved bit fails the connection with 1002.',
    steps: [send([binary([1, 2, 3], { rsv: 6 })]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '3.6',
    title: 'All three RSV bits on a text frame',
    description: 'RFC 6455 §5.2: any reserved bit fails the connection with 1002.',
    steps: [send([text('all', { rsv: 7 })]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '3.7',
    title: 'RSV3 on a ping',
    description: 'RFC 6455 §5.2: the rule covers control frames too: 1002 and no pong.',
    steps: [send([ping('rsv', { rsv: 1 })]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '3.8',
    title: 'RSV2 on a close frame',
    description: 'RFC 6455 §5.2: a close frame with a reserved bit fails the connection with 1002 rather than closing it cleanly.',
    steps: [send([close(1000, '', { rsv: 2 })]), expectEvents(closedWith(1002))],
  }),
  wsCase({
    id: '3.9',
    title: 'RSV1 on a continuation frame',
    description: 'RFC 6455 §5.2: a reserved bit on any fragment fails the connection; the fragmented message is never echoed.',
    steps: [send([text('frag', { fin: false }), continuation('ment', { rsv: 4 })]), expectEvents(closedWith(1002))],
  }),
]
