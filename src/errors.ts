import { HttpError } from 'routing-controllers';

/**
 * Base of every internal error this library throws (never sent to a client as such).
 * `cause` is kept so the original failure stays inspectable.
 */
export class ExtensionsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** A decorator, middleware or `configureExtensions` received an option it cannot use. Thrown at startup. */
export class InvalidOptionError extends ExtensionsError {
  /**
   * @param owner - the decorator or function, e.g. `@cacheResponse`
   * @param option - the option name, e.g. `ttl`
   * @param expected - what was expected, e.g. `a positive number of milliseconds`
   * @param value - the value received
   */
  constructor(owner: string, option: string, expected: string, value: unknown) {
    super(`${owner}: option ${option} must be ${expected}, got ${describeValue(value)}`);
  }
}

/** A `KeyBit` threw or rejected while a key was built; the message names the bit. */
export class KeyConstructionError extends ExtensionsError {
  constructor(
    readonly bitName: string,
    constructorName: string,
    cause: unknown,
  ) {
    super(`${constructorName}: key bit "${bitName}" failed: ${messageOf(cause)}`, { cause });
  }
}

/** A store operation failed or did not answer in time. */
export class StorageError extends ExtensionsError {
  constructor(
    readonly operation: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`storage ${operation} failed: ${message}`, options);
  }
}

/** A lock could not be acquired within the allowed wait. */
export class LockTimeoutError extends ExtensionsError {
  constructor(
    readonly key: string,
    readonly waitMs: number,
  ) {
    super(`lock "${key}" was not acquired within ${waitMs} ms`);
  }
}

/** The lock backend failed (unreachable, I/O error, or the lock was lost while held). */
export class LockError extends ExtensionsError {}

/**
 * Base of the errors a client sees: routing-controllers' drivers read `httpCode` and send it.
 * Restores the subclass prototype once here, since `HttpError`'s constructor pins its own.
 */
export class ExtensionsHttpError extends HttpError {
  constructor(httpCode: number, message: string) {
    super(httpCode, message);
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** RFC 9110 §15.5.13: a precondition (`If-Match`, `If-Unmodified-Since`) failed. */
export class PreconditionFailedError extends ExtensionsHttpError {
  constructor(message = 'Precondition Failed') {
    super(412, message);
  }
}

/** RFC 6585 §3: the route requires a conditional request (`If-Match` or `If-Unmodified-Since`). */
export class PreconditionRequiredError extends ExtensionsHttpError {
  constructor(message = 'This request must be conditional: send If-Match or If-Unmodified-Since') {
    super(428, message);
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The message of an error, or the thrown value as text. @internal */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Two decorators that exclude each other sit on one action (e.g. `@idempotencyKeyExempt` and `@idempotencyKey`). Thrown at startup. */
export class ConflictingDecoratorsError extends ExtensionsError {
  /**
   * @param action - the action, e.g. `OrderController.create`
   * @param first - the decorator already applied
   * @param second - the decorator being applied
   */
  constructor(action: string, first: string, second: string) {
    super(`${second}: ${action} already has ${first}; the two cannot be combined on one action`);
  }
}

/** RFC 6585 §5: a request header field (e.g. an `If-None-Match` list) is larger than accepted. */
export class RequestHeaderFieldsTooLargeError extends ExtensionsHttpError {
  constructor(message = 'Request Header Fields Too Large') {
    super(431, message);
  }
}
