import { InvalidOptionError } from '../errors';
import { resolveKeyFunc } from '../keys/KeyFunc';
import { isLock } from '../locks/getLock';
import type { IdempotencyKeyOptions, IdempotencySettings } from './IdempotencyKeyOptions';

const KNOWN = new Set([
  'header',
  'optional',
  'strict',
  'anonymous',
  'conflictStatusCode',
  'storeOnStatuses',
  'cache',
  'lock',
  'leaseMs',
  'lockTimeoutMs',
  'inFlight',
  'maxWaitMs',
  'retryAfterSeconds',
  'ttl',
  'keyFunc',
  'fingerprint',
  'maxBodyBytes',
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const POSITIVE_MS = ['leaseMs', 'lockTimeoutMs', 'maxWaitMs', 'ttl', 'maxBodyBytes'] as const;

/**
 * Checks the options of an idempotency decorator (or the `idempotency` settings, which also
 * take a `clock`) when they are applied, so a mistake fails at startup with an
 * `InvalidOptionError` naming `owner`, the option and the value. Returns a frozen copy.
 *
 * @example
 * ```ts
 * const options = validateIdempotencyOptions({ ttl: 60_000 }, '@idempotencyKey');
 * ```
 */
export function validateIdempotencyOptions<T extends IdempotencyKeyOptions>(value: unknown, owner: string, allowClock = false): Readonly<T> {
  if (value === undefined) return Object.freeze({}) as T;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError(owner, 'options', 'an object', value);
  const options = value as IdempotencySettings;
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name) && !(allowClock && name === 'clock')) throw new InvalidOptionError(owner, name, `one of ${[...KNOWN].join(', ')}`, name);
  }
  const { header, optional, strict, conflictStatusCode, storeOnStatuses, cache, lock, inFlight, retryAfterSeconds, keyFunc, fingerprint, clock } = options;
  if (header !== undefined && !(typeof header === 'string' && TOKEN.test(header))) throw new InvalidOptionError(owner, 'header', 'a header field name', header);
  for (const [name, flag] of [['optional', optional], ['strict', strict]] as const) {
    if (flag !== undefined && typeof flag !== 'boolean') throw new InvalidOptionError(owner, name, 'a boolean', flag);
  }
  if (conflictStatusCode !== undefined && conflictStatusCode !== null && !isStatus(conflictStatusCode)) {
    throw new InvalidOptionError(owner, 'conflictStatusCode', 'null or an HTTP status (100–599)', conflictStatusCode);
  }
  if (storeOnStatuses !== undefined && !(Array.isArray(storeOnStatuses) && storeOnStatuses.every(isStatus))) {
    throw new InvalidOptionError(owner, 'storeOnStatuses', 'an array of HTTP statuses (100–599)', storeOnStatuses);
  }
  if (cache !== undefined && !(typeof cache === 'string' && cache !== '')) throw new InvalidOptionError(owner, 'cache', 'a store name', cache);
  if (lock !== undefined && !(isLock(lock) || (typeof lock === 'string' && lock !== ''))) {
    throw new InvalidOptionError(owner, 'lock', 'a Lock or the name of a configured lock', lock);
  }
  if (options.anonymous !== undefined && !['shared', 'reject'].includes(options.anonymous)) {
    throw new InvalidOptionError(owner, 'anonymous', "'shared' or 'reject'", options.anonymous);
  }
  if (inFlight !== undefined && !['wait', 'conflict', 'locked'].includes(inFlight)) {
    throw new InvalidOptionError(owner, 'inFlight', "'wait', 'conflict' or 'locked'", inFlight);
  }
  for (const name of POSITIVE_MS) {
    const number = options[name];
    if (number !== undefined && !(typeof number === 'number' && Number.isFinite(number) && number > 0)) {
      throw new InvalidOptionError(owner, name, name === 'maxBodyBytes' ? 'a positive number of bytes' : 'a positive number of milliseconds', number);
    }
  }
  if (retryAfterSeconds !== undefined && !(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0)) {
    throw new InvalidOptionError(owner, 'retryAfterSeconds', 'a whole number of seconds', retryAfterSeconds);
  }
  if (keyFunc !== undefined) resolveKeyFunc(keyFunc, owner, 'keyFunc');
  if (fingerprint !== undefined && fingerprint !== false) resolveKeyFunc(fingerprint, owner, 'fingerprint');
  if (clock !== undefined && !(typeof clock === 'object' && clock !== null && typeof clock.now === 'function' && typeof clock.setTimeout === 'function' && typeof clock.clearTimeout === 'function')) {
    throw new InvalidOptionError(owner, 'clock', 'an object with now, setTimeout and clearTimeout', clock);
  }
  const copy = { ...options } as T;
  if (storeOnStatuses !== undefined) (copy as IdempotencyKeyOptions).storeOnStatuses = Object.freeze([...storeOnStatuses]);
  return Object.freeze(copy);
}

function isStatus(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 599;
}
