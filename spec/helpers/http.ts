import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

/** A response as a test sees it. */
export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json<T = unknown>(): T;
}

/** Options of {@link send}. */
export interface SendOptions {
  method?: string;
  /** Header values; an array sends one field line per element. */
  headers?: OutgoingHttpHeaders;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
}

/**
 * Sends one request with `node:http` (not fetch: undici adds `cache-control: no-cache` to
 * conditional requests, which would defeat 304 tests).
 */
export function send(baseUrl: string, path: string, options: SendOptions = {}): Promise<TestResponse> {
  const url = new URL(path, baseUrl);
  const headers: OutgoingHttpHeaders = { ...options.headers };
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
      payload = Buffer.from(options.body);
    } else {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['content-type'] ??= 'application/json';
    }
    headers['content-length'] = payload.length;
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: <T>() => JSON.parse(text) as T });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
