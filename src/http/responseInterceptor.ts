import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { CaptureResult, CapturedResponse, HeaderValue } from './CapturedResponse';

/** Runs just before the final `res.end` reaches Node; may still set headers if none were sent. */
export type BeforeEndHook = (res: ServerResponse) => void | Promise<void>;

/**
 * Sees the capture of a response once `res.end` has been called, before the body leaves; if it
 * returns a promise, the head goes out and the body waits for it.
 */
export type CapturedHook = (result: CaptureResult) => void | Promise<void>;

/**
 * Sees the complete body before any of it leaves (`undefined` when it cannot: past the size cap,
 * or the head already went out). It may set headers and return a response to send instead.
 */
export type BodyHook = (res: ServerResponse, body: Buffer | undefined) => CapturedResponse | undefined;

interface Interceptor {
  maxBytes: number;
  capture?: Promise<CaptureResult>;
  resolveCapture?: (result: CaptureResult) => void;
  readonly hooks: BeforeEndHook[];
  holdMaxBytes: number;
  readonly bodyHooks: BodyHook[];
  readonly capturedHooks: CapturedHook[];
}

/** The interceptor of a response, as a symbol-keyed property (per-response WeakMap entries slow every GC). */
const INTERCEPTOR = Symbol('routing-controllers-extensions:interceptor');

type WithInterceptor = ServerResponse & { [INTERCEPTOR]?: Interceptor };

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

/**
 * Holds the body back until `res.end` (up to `maxBytes`) and hands it to `hook` first, e.g. to
 * derive an ETag from the exact bytes and answer 304 instead. Past `maxBytes`, or once the head
 * has gone out, the hook gets `undefined` and the body flows as usual. A capture still records
 * the representation the hook saw, not its replacement. One cap per response (the smallest wins).
 * @internal
 */
export function inspectResponseBody(res: ServerResponse, maxBytes: number, hook: BodyHook): void {
  const interceptor = interceptorOf(res);
  interceptor.holdMaxBytes = Math.min(interceptor.holdMaxBytes, maxBytes);
  interceptor.bodyHooks.push(hook);
}

/**
 * Hands `hook` the capture of the response (as `captureResponse` resolves it) when `res.end` is
 * called, after the before-end hooks and before the body leaves, so work that must be done
 * before the client can see the answer (e.g. storing an idempotent outcome) can use the exact
 * response. A hook returning a promise holds the body (never do that for an error response:
 * Express may destroy the socket right after it). Still called when `res.end` comes after the
 * connection closed, although the capture itself has then resolved `aborted`.
 * @internal
 */
export function onResponseCaptured(res: ServerResponse, maxBytes: number, hook: CapturedHook): void {
  void captureResponse(res, maxBytes);
  interceptorOf(res).capturedHooks.push(hook);
}

function interceptorOf(res: WithInterceptor): Interceptor {
  let interceptor = res[INTERCEPTOR];
  if (!interceptor) {
    interceptor = { maxBytes: Infinity, hooks: [], holdMaxBytes: Infinity, bodyHooks: [], capturedHooks: [] };
    res[INTERCEPTOR] = interceptor;
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

  // Body held back for the body hooks: nothing reaches the socket before `end` decides.
  const held: Buffer[] = [];
  let heldSize = 0;
  const giveUpHolding = (): void => {
    for (const hook of interceptor.bodyHooks.splice(0)) runBodyHook(hook, res, undefined);
  };
  const releaseHeld = (): void => {
    giveUpHolding();
    for (const buffer of held.splice(0)) (write as (...a: unknown[]) => boolean).call(res, buffer);
  };

  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const headers = args.find((arg) => arg !== null && typeof arg === 'object' && !Array.isArray(arg));
    if (headers) explicitHeaders = headers as OutgoingHttpHeaders;
    // An explicit head before `end`: the hooks can no longer see the body, nor change the head.
    giveUpHolding();
    const result = (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
    for (const buffer of held.splice(0)) (write as (...a: unknown[]) => boolean).call(res, buffer);
    return result;
  } as ServerResponse['writeHead'];

  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    collect(chunk, rest[0]);
    if (interceptor.bodyHooks.length > 0) {
      const buffer = res.headersSent ? undefined : toBuffer(chunk, rest[0]);
      if (buffer && heldSize + buffer.length <= interceptor.holdMaxBytes) {
        held.push(buffer);
        heldSize += buffer.length;
        const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
        if (callback) process.nextTick(callback);
        return true;
      }
      releaseHeld();
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];

  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    collect(chunk, rest[0]);
    let args: unknown[] = [chunk, ...rest];
    let replacement: CapturedResponse | undefined;
    if (interceptor.bodyHooks.length > 0) {
      const last = typeof chunk === 'function' ? undefined : toBuffer(chunk, rest[0]);
      const size = heldSize + (last?.length ?? 0);
      if (res.headersSent || (chunk != null && typeof chunk !== 'function' && !last) || size > interceptor.holdMaxBytes) {
        releaseHeld();
      } else {
        const body = Buffer.concat(last ? [...held, last] : held);
        held.length = 0;
        for (const hook of interceptor.bodyHooks.splice(0)) replacement = runBodyHook(hook, res, body) ?? replacement;
        args = [body, ...[chunk, ...rest].filter((arg) => typeof arg === 'function')];
      }
    }
    let result: CaptureResult | undefined;
    const captureResult = (): CaptureResult => {
      if (result) return result;
      const headers = snapshotHeaders(res, explicitHeaders);
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      return (result = tooLarge
        ? { complete: false, reason: 'too-large', status: res.statusCode }
        : { complete: true, response: { status: res.statusCode, headers, body } });
    };
    let captured = false;
    const settleCapture = (): void => {
      if (captured || !interceptor.resolveCapture) return;
      captured = true;
      interceptor.resolveCapture(captureResult());
    };
    const replace = (): void => {
      if (!replacement || res.headersSent) return;
      settleCapture();
      args = [replacement.body, ...args.filter((arg) => typeof arg === 'function')];
      applyResponse(res, replacement);
      replacement = undefined;
    };
    const finish = (): ServerResponse => {
      replace();
      settleCapture();
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    };
    if (interceptor.hooks.length === 0 && interceptor.capturedHooks.length === 0) return finish();
    const pending = runHooks(res, interceptor.hooks);
    // After the before-end hooks, which may still set headers the capture must show.
    if (interceptor.capturedHooks.length > 0) pending.push(...runCapturedHooks(captureResult(), interceptor.capturedHooks.splice(0)));
    if (pending.length === 0) return finish();
    replace();
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

function runCapturedHooks(result: CaptureResult, hooks: readonly CapturedHook[]): Promise<void>[] {
  const pending: Promise<void>[] = [];
  for (const hook of hooks) {
    try {
      const done = hook(result);
      if (done) pending.push(done);
    } catch {
      // A failing hook must not stop the response.
    }
  }
  return pending;
}

function runBodyHook(hook: BodyHook, res: ServerResponse, body: Buffer | undefined): CapturedResponse | undefined {
  try {
    return hook(res, body);
  } catch {
    // A failing hook must not stop the response.
    return undefined;
  }
}

/** Turns the pending response into `response`: its status, exactly its headers, its body. */
function applyResponse(res: ServerResponse, response: CapturedResponse): void {
  res.statusCode = response.status;
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  for (const name in response.headers) res.setHeader(name, response.headers[name]);
  if (response.body.length > 0) res.setHeader('content-length', response.body.length);
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
