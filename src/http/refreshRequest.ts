import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** Header that marks a background refresh; only this process knows the value that counts. */
export const REFRESH_HEADER = 'x-rcx-refresh';

const REFRESH_SECRET = randomBytes(18).toString('base64url');
const REFRESH_TIMEOUT_MS = 30_000;

/** Headers that would turn the refresh into something other than a plain, complete GET. */
const DROPPED = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
  'expect',
  'upgrade',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
  REFRESH_HEADER,
]);

/** Whether a request is this process's own background refresh (a client cannot forge it). */
export function isRefreshRequest(message: IncomingMessage): boolean {
  return message.headers[REFRESH_HEADER] === REFRESH_SECRET;
}

/**
 * Sends the same GET again to this server, over loopback to the socket it arrived on, marked as
 * a refresh. The whole route runs as for the client (authorization, params, the action, the
 * cache's store step), which is how a stale entry is refreshed in the background without
 * re-implementing the framework's serialisation. Resolves when the refresh response has ended;
 * never rejects.
 * @internal
 */
export function sendRefreshRequest(message: IncomingMessage, url: string): Promise<void> {
  const socket = message.socket as TLSSocket;
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (!DROPPED.has(name) && value !== undefined) headers[name] = value;
  }
  headers[REFRESH_HEADER] = REFRESH_SECRET;
  const options = {
    host: socket.localAddress,
    port: socket.localPort,
    family: socket.localFamily === 'IPv6' ? 6 : 4,
    method: 'GET',
    path: url,
    headers,
    agent: false,
    timeout: REFRESH_TIMEOUT_MS,
  } as const;
  return new Promise((resolve) => {
    const request = socket.encrypted
      ? httpsRequest({ ...options, rejectUnauthorized: false, servername: undefined }, drain)
      : httpRequest(options, drain);
    function drain(response: IncomingMessage): void {
      response.resume();
      response.on('end', () => resolve());
      response.on('error', () => resolve());
    }
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve());
    request.end();
  });
}
