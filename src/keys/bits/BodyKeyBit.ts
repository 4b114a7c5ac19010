import { KeyBit, type EarlyConditions, type KeyBitContext } from '../KeyBit';
import { validateNames, type NamesParam } from '../RecordKeyBit';

/**
 * The parsed request body, canonicalised with the rest of the key (object keys sorted, so
 * `{"a":1,"b":2}` and `{"b":2,"a":1}` match): `'*'` (default) the whole body (`null` when there is
 * none), a list of names the top-level fields of an object body, `null` nothing. Used by the
 * idempotency fingerprint to spot a key reused with another payload.
 *
 * @example
 * ```ts
 * class PaymentFingerprint extends KeyConstructor {
 *   body = new BodyKeyBit(['amount', 'currency']); // { amount: 100, currency: 'EUR' }
 * }
 * ```
 */
export class BodyKeyBit extends KeyBit<NamesParam> {
  /** The body is known early only where the app parsed it before the route (Koa always does). */
  override availableEarly(_params: NamesParam, conditions: EarlyConditions): boolean {
    return conditions.bodyParsed;
  }

  /** @param params - field names, `'*'` for the whole body, or `null` for none */
  constructor(params: NamesParam = '*') {
    super(params);
  }

  getData({ request }: KeyBitContext, params: NamesParam): unknown {
    const body = request.body;
    if (params === '*') return body ?? null;
    const data: Record<string, unknown> = {};
    if (params === null || typeof body !== 'object' || body === null || Array.isArray(body)) return data;
    for (const name of params) {
      if (Object.hasOwn(body, name)) data[name] = (body as Record<string, unknown>)[name];
    }
    return data;
  }

  override validateParams(params: unknown): NamesParam {
    return validateNames(this.constructor.name, params);
  }
}
