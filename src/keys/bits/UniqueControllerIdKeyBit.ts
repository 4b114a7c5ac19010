import { KeyBit, type KeyBitContext } from '../KeyBit';

/**
 * The controller's class name: one key per controller whatever the action
 * (drf-extensions' `UniqueViewIdKeyBit`). Two controller classes with the same name share it;
 * give them distinct names.
 *
 * @example
 * ```ts
 * class ControllerKeyConstructor extends KeyConstructor {
 *   controller = new UniqueControllerIdKeyBit(); // data: 'BookController'
 * }
 * ```
 */
export class UniqueControllerIdKeyBit extends KeyBit {
  getData({ controller }: KeyBitContext): string {
    return controllerName(controller);
  }
}

/**
 * The class name of a controller instance (`Object` for a plain object).
 * @internal
 */
export function controllerName(controller: object): string {
  const ctor = (controller as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'Object';
}
