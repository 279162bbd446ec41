/**
 * The web-mode transport: routes over HTTP POST with the per-launch token, events over one
 * WebSocket that reconnects. The token comes from the URL fragment the server printed.
 */
import type { ApiBridge } from '@shared/api/bridge';
import type { Envelope } from '@shared/api/envelope';
import {
  WEB_API_PREFIX,
  WEB_EVENTS_PATH,
  WEB_EVENTS_SUBPROTOCOL,
  WEB_TOKEN_SUBPROTOCOL_PREFIX,
  type WebEventMessage,
} from '@shared/api/web-protocol';

const TOKEN_KEY = 'ctvlm.token';

/** Take the token from `#token=...`, keep it for this tab, and clear it from the address bar. */
export function readWebToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

/** The token this tab keeps (web mode), for requests outside the API such as the viewer's files. */
export function getWebToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function createWebBridge(token: string): ApiBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let socket: WebSocket | null = null;
  let retryMs = 500;

  function connect(): void {
    const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}${WEB_EVENTS_PATH}`;
    socket = new WebSocket(url, [WEB_EVENTS_SUBPROTOCOL, WEB_TOKEN_SUBPROTOCOL_PREFIX + token]);
    socket.onopen = () => {
      retryMs = 500;
    };
    socket.onmessage = (message: MessageEvent<string>) => {
      const data = JSON.parse(message.data) as WebEventMessage;
      listeners.get(data.event)?.forEach((listener) => listener(data.payload));
    };
    socket.onclose = () => {
      socket = null;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  }
  connect();

  return {
    async invoke(route, input) {
      let response: Response;
      try {
        response = await fetch(WEB_API_PREFIX + encodeURIComponent(route), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return {
          ok: false,
          error: {
            code: 'IO_ERROR',
            kind: 'user',
            message: 'The workbench server does not answer. Is `npm run serve` (or `ctvlm serve`) still running?',
          },
        };
      }
      return (await response.json()) as Envelope<unknown>;
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}
