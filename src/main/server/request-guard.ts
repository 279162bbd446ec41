/**
 * Web-mode access checks: the per-launch token, the Host header (against DNS rebinding)
 * and the Origin header (no cross-site callers; there is no CORS).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export class RequestGuard {
  private readonly allowedHosts: Set<string> | null;
  private readonly tokenBytes: Buffer;

  constructor(
    private readonly token: string,
    bindHost: string,
    port: number,
  ) {
    this.tokenBytes = Buffer.from(token);
    // On loopback only the loopback names are valid Hosts; a user who binds elsewhere opted in.
    this.allowedHosts = isLoopbackHost(bindHost)
      ? new Set([...LOOPBACK_HOSTS, bindHost.includes(':') ? `[${bindHost}]` : bindHost].map((h) => `${h}:${port}`))
      : null;
  }

  /** Null when allowed; otherwise the reason to refuse. */
  checkHostAndOrigin(headers: IncomingHttpHeaders): string | null {
    const host = headers.host ?? '';
    if (this.allowedHosts && !this.allowedHosts.has(host)) return `Host "${host}" is not this server.`;
    const origin = headers.origin;
    if (origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
      return `Requests from ${origin} are not allowed; open the workbench from the address the server printed.`;
    }
    return null;
  }

  checkToken(presented: string | undefined | null): boolean {
    if (!presented) return false;
    const bytes = Buffer.from(presented);
    return bytes.length === this.tokenBytes.length && timingSafeEqual(bytes, this.tokenBytes);
  }

  bearerOf(headers: IncomingHttpHeaders): string | null {
    const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
    return match?.[1] ?? null;
  }

  get value(): string {
    return this.token;
  }
}
