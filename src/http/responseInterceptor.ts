import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CaptureResult, HeaderValue } from './CapturedResponse';

/** Runs just before the final `res.end` reaches Node; may still set headers if none were sent. */
export type BeforeEndHook = (res: ServerResponse) => void | Promise<void>;

interface Interceptor {
  maxBytes: number;
  capture?: Promise<CaptureResult>;
  resolveCapture?: (result: CaptureResult) => void;
  readonly hooks: BeforeEndHook[];
}

const interceptors = new WeakMap<ServerResponse, Interceptor>();

/**
 * Tees what is written to a Node `ServerResponse` (status, headers, exact bytes) without
 * changing it, and resolves when the response ends, or with `aborted` if the connection closes
 * first. Works for both drivers since Express and Koa both finish with `res.end`. One capture
 * per response; later callers share it (the smallest `maxBytes` wins).
 * @internal
 */
export function captureResponse(res: ServerResponse, maxBytes: number): Promise<CaptureResult> {
  const interceptor = interceptorOf(res);
  interceptor.maxBytes = Math.min(interceptor.maxBytes, maxBytes);
  interceptor.capture ??= new Promise((resolve) => (interceptor.resolveCapture = resolve));
  return interceptor.capture;
}

/**
 * Registers work that must finish before the response body leaves (e.g. invalidating cached
 * copies after a write, so the client's next read cannot see them). A hook may still set headers
 * synchronously; once any hook is asynchronous the head is sent and the body waits for it. A
 * failing hook does not stop the response (hooks report their own errors).
 * @internal
 */
export function beforeResponseEnd(res: ServerResponse, hook: BeforeEndHook): void {
  interceptorOf(res).hooks.push(hook);
}

function interceptorOf(res: ServerResponse): Interceptor {
  let interceptor = interceptors.get(res);
  if (!interceptor) {
    interceptor = { maxBytes: Infinity, hooks: [] };
    interceptors.set(res, interceptor);
    install(res, interceptor);
  }
  return interceptor;
}

function install(res: ServerResponse, interceptor: Interceptor): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  let explicitHeaders: OutgoingHttpHeaders | undefined;
  const { write, end, writeHead } = res;

  const collect = (chunk: unknown, encoding?: unknown): void => {
    if (!interceptor.capture || tooLarge || chunk == null || typeof chunk === 'function') return;
    const buffer = toBuffer(chunk, encoding);
    if (!buffer) return;
    size += buffer.length;
    if (size > interceptor.maxBytes) {
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
    const finish = (): ServerResponse => {
      if (interceptor.resolveCapture) {
        const headers = snapshotHeaders(res, explicitHeaders);
        const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
        interceptor.resolveCapture(
          tooLarge
            ? { complete: false, reason: 'too-large', status: res.statusCode }
            : { complete: true, response: { status: res.statusCode, headers, body } },
        );
      }
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    };
    if (interceptor.hooks.length === 0) return finish();
    const pending = runHooks(res, interceptor.hooks);
    if (pending.length === 0) return finish();
    // Express calls next() right after end(): with headers still unsent its final handler would
    // answer 404 over us. Sending the head now keeps that, and the body still waits for the hooks.
    if (!res.headersSent) res.flushHeaders();
    void Promise.allSettled(pending).then(finish);
    return this;
  } as ServerResponse['end'];

  res.once('close', () => interceptor.resolveCapture?.({ complete: false, reason: 'aborted', status: res.statusCode }));
}

/** Runs every hook; returns the promises of the asynchronous ones (failures are the hooks' to report). */
function runHooks(res: ServerResponse, hooks: readonly BeforeEndHook[]): Promise<void>[] {
  const pending: Promise<void>[] = [];
  for (const hook of hooks) {
    try {
      const result = hook(res);
      if (result) pending.push(result);
    } catch {
      // A failing hook must not stop the response.
    }
  }
  return pending;
}

function toBuffer(chunk: unknown, encoding: unknown): Buffer | undefined {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return undefined;
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
