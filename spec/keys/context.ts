import type { KeyBitContext } from '../../src/keys/KeyBit';
import { requestView, type RequestViewFields } from '../fixtures/requestView';

/** A controller for key tests. */
export class BookController {
  one(): void {}
  list(): void {}
}

/** Another controller with the same method names. */
export class AuthorController {
  one(): void {}
}

/** The invocation facts of a test context; the request is built from `RequestViewFields`. */
export type InvocationFields = Partial<Omit<KeyBitContext, 'request'>>;

/**
 * A key context for unit tests: `BookController.one()` with no arguments on `requestView(fields)`.
 *
 * @example
 * ```ts
 * const context = keyContext({ url: '/books/1' }, { args: [1] });
 * ```
 */
export function keyContext(fields: RequestViewFields = {}, invocation: InvocationFields = {}): KeyBitContext {
  return {
    request: requestView(fields),
    controller: invocation.controller ?? new BookController(),
    methodName: invocation.methodName ?? 'one',
    args: invocation.args ?? [],
  };
}
