import { InvalidOptionError } from '../../errors';
import { KeyBit, type KeyBitContext } from '../KeyBit';

/** Params of `ArgsKeyBit`: `'*'` for every argument, a list of positions, or `null` for none. */
export type ArgsParam = '*' | readonly number[] | null;

/**
 * The action's resolved positional arguments (drf-extensions' `ArgsKeyBit`), values kept as
 * they are: `1` and `'1'` give different keys. `'*'` (default) takes all of them, a list of
 * positions picks some (a position past the end reads as `null`), `null` none.
 *
 * @example
 * ```ts
 * class ArgsKeyConstructor extends KeyConstructor {
 *   args = new ArgsKeyBit([0, 2]); // one(@Param('id') id: number, @Req() req, @QueryParam('q') q: string) → [7, 'x']
 * }
 * ```
 */
export class ArgsKeyBit extends KeyBit<ArgsParam> {
  /** The action's arguments exist only once routing-controllers resolved them (`null`: none are read). */
  override availableEarly(params: ArgsParam): boolean {
    return params === null;
  }

  /** @param params - `'*'`, argument positions, or `null` */
  constructor(params: ArgsParam = '*') {
    super(params);
  }

  getData({ args }: KeyBitContext, params: ArgsParam): readonly unknown[] {
    if (params === '*') return args;
    if (params === null) return [];
    return params.map((index) => (index < args.length ? args[index] : null));
  }

  override validateParams(params: unknown): ArgsParam {
    if (params === '*' || params === null) return params;
    if (Array.isArray(params) && params.every((index) => Number.isInteger(index) && index >= 0)) {
      return Object.freeze([...(params as number[])]);
    }
    throw new InvalidOptionError(this.constructor.name, 'params', `'*', null or an array of argument positions`, params);
  }
}
