/** Picks the transport: the Electron preload's bridge when present, else web mode. */
import type { ApiBridge } from '@shared/api/bridge';
import { createApiClient, type ApiClient } from '@shared/api/client';
import { createWebBridge, readWebToken } from './web-bridge';

declare global {
  interface Window {
    /** Set by src/preload in the desktop app; absent in a browser. */
    ctvlm?: ApiBridge;
  }
}

export type ConnectResult = { client: ApiClient; mode: 'electron' | 'web' } | { client: null; reason: string };

export function connectApi(): ConnectResult {
  if (window.ctvlm) return { client: createApiClient(window.ctvlm), mode: 'electron' };
  const token = readWebToken();
  if (!token) {
    return {
      client: null,
      reason:
        'This page needs the access token from the address the server printed (…/#token=…). Open that address again.',
    };
  }
  return { client: createApiClient(createWebBridge(token)), mode: 'web' };
}
