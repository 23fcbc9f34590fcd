/**
 * WebSocket (RFC 6455) on @io/server's HTTP server: `server.ws(pattern, behaviour)`.
 * @packageDocumentation
 */
export { WebSocket, SENT, BUFFERED, DROPPED, type WebSocketMessage } from './websocket.js'
export type { WebSocketBehaviour, UpgradeContext } from './behaviour.js'
