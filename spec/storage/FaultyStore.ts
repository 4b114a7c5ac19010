import { EventEmitter } from 'node:events';

/** How a {@link FaultyStore} misbehaves. */
export type Fault = 'none' | 'swallow' | 'throw' | 'hang' | 'refuse';

/**
 * A keyv store adapter that fails on demand: `swallow` emits `error` and answers as if nothing
 * happened (what `@keyv/redis` does by default), `throw` rejects, `hang` never settles, `refuse`
 * answers `false` to writes.
 */
export class FaultyStore extends EventEmitter {
  readonly opts = { dialect: 'faulty', url: 'faulty://' };
  namespace: string | undefined;
  fault: Fault = 'none';
  readonly data = new Map<string, unknown>();

  async get(key: string): Promise<unknown> {
    return this.act(() => this.data.get(key), undefined);
  }

  async set(key: string, value: unknown): Promise<boolean> {
    if (this.fault === 'refuse') return false;
    return this.act(() => (this.data.set(key, value), true), undefined as unknown as boolean);
  }

  async delete(key: string): Promise<boolean> {
    return this.act(() => this.data.delete(key), false);
  }

  async clear(): Promise<void> {
    this.data.clear();
  }

  private act<T>(work: () => T, swallowed: T): Promise<T> {
    switch (this.fault) {
      case 'swallow':
        this.emit('error', new Error('connection lost'));
        return Promise.resolve(swallowed);
      case 'throw':
        return Promise.reject(new Error('disk on fire'));
      case 'hang':
        return new Promise<T>(() => undefined);
      default:
        return Promise.resolve(work());
    }
  }
}
