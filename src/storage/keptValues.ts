// How in-process stores (MemoryStorage, a near cache's copies) keep values so that a reader can
// change what it read without changing what is kept, at no cost for strings (cache entries).
import { defaultDeserialize, defaultSerialize } from '@keyv/serialize';

/** A value other than a string, as kept: serialized the way keyv would (Buffers survive). */
class Serialized {
  constructor(readonly text: string) {}
}

/**
 * `value` as kept: a string as the very object written (no copy on a hit, and a reader can tell a
 * value it decoded before by identity), anything else serialized.
 * @internal
 */
export function encodeKept(value: unknown): string | object {
  return typeof value === 'string' ? value : new Serialized(defaultSerialize(value));
}

/** A fresh copy of what {@link encodeKept} kept (`undefined` for anything else). @internal */
export function decodeKept(kept: unknown): unknown {
  if (typeof kept === 'string') return kept;
  return kept instanceof Serialized ? defaultDeserialize(kept.text) : undefined;
}
