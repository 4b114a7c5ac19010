import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CaptureResult, HeaderValue } from './CapturedResponse';

/** Options of {@link captureResponse}. @internal */
export interface CaptureOptions {
  /** Stop collecting bytes past this size; the capture then reports `too-large`. */
  readonly maxBytes: number;
}

const captures = new WeakMap<ServerResponse, Promise<CaptureResult>>();

/**
 * Tees what is written to a Node `ServerResponse` (status, headers, exact bytes) without
 * changing it, and resolves when the response ends, or with `aborted` if the connection closes
 * first. Works for both drivers since Express and Koa both finish with `res.end`. Installed at
 * most once per response; later callers share the first capture.
 * @internal
 */
export function captureResponse(res: ServerResponse, options: CaptureOptions): Promise<CaptureResult> {
  const existing = captures.get(res);
  if (existing) return existing;
  const capture = new Promise<CaptureResult>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    let explicitHeaders: OutgoingHttpHeaders | undefined;
    const { write, end, writeHead } = res;

    const collect = (chunk: unknown, encoding?: unknown): void => {
      if (tooLarge || chunk == null || typeof chunk === 'function') return;
      const buffer = Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === 'string'
          ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
            : undefined;
      if (!buffer) return;
      size += buffer.length;
      if (size > options.maxBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(buffer);
      }
    };

    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      const headers = args.find((arg) => arg !== null && typeof arg === 'object' && !Array.isArray(arg));
      if (headers) explicitHeaders = headers as OutgoingHttpHeaders;
      return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];

    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      collect(chunk, rest[0]);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as ServerResponse['write'];

    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      collect(chunk, rest[0]);
      const headers = snapshotHeaders(res, explicitHeaders);
      const result = (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
      resolve(
        tooLarge
          ? { complete: false, reason: 'too-large', status: res.statusCode }
          : { complete: true, response: { status: res.statusCode, headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) } },
      );
      return result;
    } as ServerResponse['end'];

    res.once('close', () => resolve({ complete: false, reason: 'aborted', status: res.statusCode }));
  });
  captures.set(res, capture);
  return capture;
}

function snapshotHeaders(res: ServerResponse, explicit: OutgoingHttpHeaders | undefined): Record<string, HeaderValue> {
  const headers: Record<string, HeaderValue> = Object.create(null);
  const current = res.getHeaders();
  for (const name in current) {
    const value = current[name];
    if (value !== undefined) headers[name] = value as HeaderValue;
  }
  if (explicit) {
    for (const name in explicit) {
      const value = explicit[name];
      if (value !== undefined) headers[name.toLowerCase()] = value as HeaderValue;
    }
  }
  return headers;
}
