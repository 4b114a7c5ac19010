import { KeyBit, type KeyBitContext } from '../KeyBit';
import { controllerName } from './UniqueControllerIdKeyBit';

/**
 * The action's identity, `ControllerClassName.methodName`, so two actions never share a key
 * (drf-extensions' `UniqueMethodIdKeyBit`). Two controller classes with the same name share it;
 * give them distinct names.
 *
 * @example
 * ```ts
 * class ActionKeyConstructor extends KeyConstructor {
 *   method = new UniqueMethodIdKeyBit(); // data: 'BookController.one'
 * }
 * ```
 */
export class UniqueMethodIdKeyBit extends KeyBit {
  getData({ controller, methodName }: KeyBitContext): string {
    return `${controllerName(controller)}.${methodName}`;
  }
}
