import { expect } from 'chai';
import { resetExtensions } from '../../src/configure';
import type { RequestView } from '../../src/http/RequestView';
import { resolveKeyFunc } from '../../src/keys/KeyFunc';
import { requestView } from '../fixtures/requestView';
import { ArgsKeyBit } from '../../src/keys/bits/ArgsKeyBit';
import { KeyBit, type KeyBitContext } from '../../src/keys/KeyBit';
import { KeyConstructor, type KeyConstructorOptions } from '../../src/keys/KeyConstructor';
import { AuthorController, keyContext } from './context';

class CountingKeyBit extends KeyBit {
  calls = 0;

  getData(): number {
    return ++this.calls;
  }
}

class Counted extends KeyConstructor {
  counter: CountingKeyBit;
  args = new ArgsKeyBit('*');

  constructor(options?: KeyConstructorOptions, counter = new CountingKeyBit()) {
    super(options);
    this.counter = counter;
  }
}

class Uuid {
  constructor(readonly value: string) {}
}

function sameRequest(context: KeyBitContext, changes: Partial<KeyBitContext>): KeyBitContext {
  return { ...context, ...changes };
}

describe('KeyConstructor memoizeForRequest', () => {
  afterEach(() => resetExtensions());

  it('computes the key on every call by default', async () => {
    const constructor = new Counted();
    const context = keyContext();

    const first = await constructor.getKey(context);
    const second = await constructor.getKey(context);

    expect(constructor.counter.calls).to.equal(2);
    expect(first).to.not.equal(second);
  });

  it('computes the key once per request when on', async () => {
    const constructor = new Counted({ memoizeForRequest: true });
    const context = keyContext();

    const keys = await Promise.all([constructor.getKey(context), constructor.getKey(context), constructor.getKey(context)]);

    expect(constructor.counter.calls).to.equal(1);
    expect(new Set(keys).size).to.equal(1);
  });

  it('computes the key again for another request object', async () => {
    const constructor = new Counted({ memoizeForRequest: true });

    await constructor.getKey(keyContext());
    await constructor.getKey(keyContext());

    expect(constructor.counter.calls).to.equal(2);
  });

  it('keeps separate memos for two instances of one class', async () => {
    const counter = new CountingKeyBit();
    const first = new Counted({ memoizeForRequest: true }, counter);
    const second = new Counted({ memoizeForRequest: true }, counter);
    const context = keyContext();

    await first.getKey(context);
    await second.getKey(context);
    await first.getKey(context);

    expect(counter.calls).to.equal(2);
  });

  it('computes again when the same request reaches another controller with the same method', async () => {
    const constructor = new Counted({ memoizeForRequest: true });
    const context = keyContext();

    await constructor.getKey(context);
    await constructor.getKey(sameRequest(context, { controller: new AuthorController() }));

    expect(constructor.counter.calls).to.equal(2);
  });

  it('computes again when the arguments change within a request, then memoizes the new ones', async () => {
    const constructor = new Counted({ memoizeForRequest: true });
    const context = keyContext({}, { args: [1, 2, 3, 'Привет мир'] });
    const changed = sameRequest(context, { args: [3, 4, 5, 'мир'] });

    const first = await constructor.getKey(context);
    const second = await constructor.getKey(sameRequest(context, { args: [1, 2, 3, 'Привет мир'] }));
    const third = await constructor.getKey(changed);
    const fourth = await constructor.getKey(sameRequest(changed, { args: [3, 4, 5, 'мир'] }));

    expect(first).to.equal(second);
    expect(third).to.equal(fourth);
    expect(first).to.not.equal(third);
    expect(constructor.counter.calls).to.equal(2);
  });

  it('memoizes with UUID strings and class instances as arguments', async () => {
    const constructor = new Counted({ memoizeForRequest: true });
    const id = new Uuid('5f0c1c5e-8a43-4d6b-9a1e-0b6c1f2d3e4f');
    const context = keyContext({}, { args: ['5f0c1c5e-8a43-4d6b-9a1e-0b6c1f2d3e4f', id, new Date(0)] });

    const first = await constructor.getKey(context);
    const second = await constructor.getKey(sameRequest(context, { args: [...context.args] }));

    expect(first).to.equal(second);
    expect(constructor.counter.calls).to.equal(1);
  });

  it('computes afresh with refresh and memoizes the new key', async () => {
    const constructor = new Counted({ memoizeForRequest: true });
    const context = keyContext();

    const before = await constructor.getKey(context);
    const rebuilt = await constructor.getKey(context, { refresh: true });
    const after = await constructor.getKey(context);

    expect(rebuilt).to.not.equal(before);
    expect(after).to.equal(rebuilt);
    expect(constructor.counter.calls).to.equal(2);
  });

  it('forgets a failed computation so the next call retries', async () => {
    let fail = true;
    class Flaky extends KeyBit {
      getData(): string {
        if (fail) throw new Error('store down');
        return 'ok';
      }
    }
    class WithFlaky extends KeyConstructor {
      flaky = new Flaky();
    }
    const constructor = new WithFlaky({ memoizeForRequest: true });
    const context = keyContext();

    const error = await constructor.getKey(context).catch((caught: unknown) => caught);
    fail = false;
    const key = await constructor.getKey(context);

    expect(error).to.be.instanceOf(Error);
    expect(key).to.match(/^[0-9a-f]{64}$/);
  });

  it('memoizes when resolved for a route whose settings turn memoizing on', async () => {
    const constructor = new Counted();
    const keyOf = resolveKeyFunc(constructor, '@cacheResponse', 'keyFunc', { memoizeForRequest: true });
    const context = keyContext();

    await keyOf(context);
    await keyOf(context);

    expect(constructor.counter.calls).to.equal(1);
  });

  it('does not memoize when called directly without its own option', async () => {
    const constructor = new Counted();
    const context = keyContext();

    await constructor.getKey(context);
    await constructor.getKey(context);

    expect(constructor.counter.calls).to.equal(2);
  });

  it('keeps an explicit false over a true setting', async () => {
    const constructor = new Counted({ memoizeForRequest: false });
    const keyOf = resolveKeyFunc(constructor, '@cacheResponse', 'keyFunc', { memoizeForRequest: true });
    const context = keyContext();

    await keyOf(context);
    await keyOf(context);

    expect(constructor.counter.calls).to.equal(2);
  });

  it('memoizes on a hand-built request view that carries no memo table of its own', async () => {
    const constructor = new Counted({ memoizeForRequest: true });
    // An app's own unit test builds the view by hand, without the driver's `raw` object.
    const { raw: _raw, ...request } = requestView({ url: '/cities/1' });
    const context = { request: request as RequestView, controller: {}, methodName: 'one', args: [] };

    const first = await constructor.getKey(context);
    const second = await constructor.getKey({ ...context });

    expect(second).to.equal(first);
    expect(constructor.counter.calls).to.equal(1);
  });
});
