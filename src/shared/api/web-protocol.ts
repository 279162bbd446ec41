/** Names shared by the web-mode server and its browser client. */
export const WEB_API_PREFIX = '/api/invoke/';
export const WEB_EVENTS_PATH = '/api/events';
/** The browser cannot set headers on a WebSocket, so the token travels as a subprotocol. */
export const WEB_TOKEN_SUBPROTOCOL_PREFIX = 'ctvlm.token.';
export const WEB_EVENTS_SUBPROTOCOL = 'ctvlm.events.v1';

/** One message on the events socket. */
export interface WebEventMessage {
  event: string;
  payload: unknown;
}
