/**
 * Group 0: the opening handshake (RFC 6455 §4.1, §4.2.1, §4.2.2, §4.4). A request the server
 * cannot accept gets an HTTP error and no upgrade; a good one gets a correct 101.
 */
import { echoText, expectEvents, send, text, wsCase, type HandshakeSpec, type WsCase } from '../ws-case.js'

const refused = (statuses: number[], headers: HandshakeSpec['headers'], requestLine?: string): HandshakeSpec => ({ statuses, headers, requestLine })

/** The handshake cases. */
export const handshakeCases: WsCase[] = [
  wsCase({
    id: '0.1.1',
    title: 'A valid handshake, then one message',
    description: 'RFC 6455 §4.2.2: the server answers 101 with Upgrade: websocket, Connection: Upgrade and Sec-WebSocket-Accept derived from the key (§1.3), and offers no extension or subprotocol that the client did not ask for.',
    steps: [send([text('hello')]), expectEvents(echoText('hello'))],
  }),
  wsCase({
    id: '0.1.2',
    title: 'Upgrade and Connection tokens in other cases and lists',
    description: 'RFC 6455 §4.2.1: the Upgrade value "websocket" and the Connection option "Upgrade" are matched case-insensitively, and Connection may list other options (RFC 9110 §7.6.1).',
    handshake: { statuses: [101], headers: { Upgrade: 'WebSocket', Connection: 'keep-alive, upgrade' } },
    steps: [send([text('tokens')]), expectEvents(echoText('tokens'))],
  }),
  wsCase({
    id: '0.2.1',
    title: 'Sec-WebSocket-Version 12',
    description: 'RFC 6455 §4.2.2: if the version is not one the server understands, it MUST abort the handshake with an HTTP error (such as 426; the example of §4.4 uses 400) and a Sec-WebSocket-Version field listing the versions it understands (§4.4).',
    handshake: { ...refused([426, 400], { 'Sec-WebSocket-Version': '12' }), responseHeaders: { 'Sec-WebSocket-Version': /(^|[ ,])13($|[ ,])/ } },
    steps: [],
  }),
  wsCase({
    id: '0.2.2',
    title: 'Sec-WebSocket-Version 14, a version from the future',
    description: 'RFC 6455 §4.2.2 and §4.4: an unknown version is refused with an HTTP error (such as 426) and Sec-WebSocket-Version: 13.',
    handshake: { ...refused([426, 400], { 'Sec-WebSocket-Version': '14' }), responseHeaders: { 'Sec-WebSocket-Version': /(^|[ ,])13($|[ ,])/ } },
    steps: [],
  }),
  wsCase({
    id: '0.2.3',
    title: 'No Sec-WebSocket-Version',
    description: 'RFC 6455 §4.2.1 item 6: the request must carry Sec-WebSocket-Version; without it the server refuses with 400 (§4.2.1) or 426 with the versions it supports (§4.4).',
    handshake: refused([400, 426], { 'Sec-WebSocket-Version': null }),
    steps: [],
  }),
  wsCase({
    id: '0.3.1',
    title: 'No Sec-WebSocket-Key',
    description: 'RFC 6455 §4.2.1 item 5: the request must carry Sec-WebSocket-Key; otherwise the server stops and answers with an HTTP error such as 400.',
    handshake: refused([400], { 'Sec-WebSocket-Key': null }),
    steps: [],
  }),
  wsCase({
    id: '0.3.2',
    title: 'A Sec-WebSocket-Key that is not base64',
    description: 'RFC 6455 §4.2.1 item 5: the key is a base64 value that decodes to 16 bytes; "not a key!" is not base64: 400.',
    handshake: refused([400], { 'Sec-WebSocket-Key': 'not a key!' }),
    steps: [],
  }),
  wsCase({
    id: '0.3.3',
    title: 'A Sec-WebSocket-Key of 15 bytes',
    description: 'RFC 6455 §4.2.1 item 5: the key must decode to exactly 16 bytes; 15 is refused with 400.',
    handshake: refused([400], { 'Sec-WebSocket-Key': Buffer.alloc(15, 7).toString('base64') }),
    steps: [],
  }),
  wsCase({
    id: '0.3.4',
    title: 'A Sec-WebSocket-Key of 20 bytes',
    description: 'RFC 6455 §4.2.1 item 5: the key must decode to exactly 16 bytes; 20 is refused with 400.',
    handshake: refused([400], { 'Sec-WebSocket-Key': Buffer.alloc(20, 7).toString('base64') }),
    steps: [],
  }),
  wsCase({
    id: '0.4.1',
    title: 'No Upgrade field',
    description: 'RFC 6455 §4.2.1 item 3: the request must carry Upgrade: websocket. Without it this is a plain GET to a WebSocket endpoint, refused with 400 (§4.2.1) or 426 Upgrade Required (RFC 9110 §15.5.22).',
    handshake: refused([400, 426], { Upgrade: null }),
    steps: [],
  }),
  wsCase({
    id: '0.4.2',
    title: 'Upgrade to another protocol',
    description: 'RFC 6455 §4.2.1 item 3: the Upgrade value must include "websocket"; "h2c" is not it: 400 or 426.',
    handshake: refused([400, 426], { Upgrade: 'h2c' }),
    steps: [],
  }),
  wsCase({
    id: '0.4.3',
    title: 'Connection without the Upgrade option',
    description: 'RFC 6455 §4.2.1 item 4: Connection must include the "Upgrade" option; with only keep-alive the server does not upgrade: 400 or 426.',
    handshake: refused([400, 426], { Connection: 'keep-alive' }),
    steps: [],
  }),
  wsCase({
    id: '0.5.1',
    title: 'A POST handshake',
    description: 'RFC 6455 §4.2.1 item 1: the handshake is a GET; another method is refused (400, or 405 Method Not Allowed, RFC 9110 §15.5.6).',
    handshake: refused([400, 405], {}, 'POST / HTTP/1.1'),
    steps: [],
  }),
  wsCase({
    id: '0.5.2',
    title: 'An HTTP/1.0 handshake',
    description: 'RFC 6455 §4.2.1 item 1: the handshake is an HTTP/1.1 or higher GET; an HTTP/1.0 request is not upgraded (400, 426 or 505).',
    handshake: refused([400, 426, 505], {}, 'GET / HTTP/1.0'),
    steps: [],
    knownDisagreements: {
      ws: 'ws upgrades an HTTP/1.0 request with 101; RFC 6455 §4.2.1 says the handshake is an HTTP/1.1 or higher GET and a server that receives anything else MUST stop processing it and answer with an HTTP error.',
    },
  }),
  wsCase({
    id: '0.5.3',
    title: 'A handshake without Host',
    description: 'RFC 6455 §4.2.1 item 2 and RFC 9112 §3.2: the request must carry Host; a server MUST answer 400 to an HTTP/1.1 request without it.',
    handshake: refused([400], { Host: null }),
    steps: [],
    knownDisagreements: {
      ws: 'ws answers 101 to a handshake without Host (node:http does not apply its Host check to upgrade requests); RFC 6455 §4.2.1 lists Host as required and RFC 9112 §3.2 says a server MUST answer 400 to an HTTP/1.1 request without it.',
    },
  }),
]
