import { expect } from 'chai';
import { InvalidOptionError } from '../../../src/errors';
import { UserKeyBit } from '../../../src/keys/bits/UserKeyBit';
import { keyContext } from '../context';

describe('UserKeyBit', () => {
  function dataOf(user: unknown, bit = new UserKeyBit()): Promise<unknown> {
    return Promise.resolve(bit.getData(keyContext({ user }), bit.params));
  }

  for (const user of [undefined, null, false, '']) {
    it(`returns 'anonymous' when the current user is ${JSON.stringify(user) ?? 'undefined'}`, async () => {
      expect(await dataOf(user)).to.equal('anonymous');
    });
  }

  it('returns the id of a user object', async () => {
    expect(await dataOf({ id: 123, username: 'ann' })).to.equal(123);
  });

  it('prefers id, then _id, then userId, then username', async () => {
    expect(await dataOf({ username: 'ann', userId: 'u1', _id: 'm1' })).to.equal('m1');
    expect(await dataOf({ username: 'ann', userId: 'u1' })).to.equal('u1');
    expect(await dataOf({ username: 'ann' })).to.equal('ann');
  });

  it('returns an id 0 as is', async () => {
    expect(await dataOf({ id: 0 })).to.equal(0);
  });

  it('returns an object id as its string', async () => {
    const objectId = { toString: () => '507f1f77bcf86cd799439011' };

    expect(await dataOf({ _id: objectId })).to.equal('507f1f77bcf86cd799439011');
  });

  it('returns a string or number user as the id itself', async () => {
    expect(await dataOf('ann')).to.equal('ann');
    expect(await dataOf(42)).to.equal(42);
  });

  it('fails for a user object with no id rather than share one key', async () => {
    const error = await dataOf({ email: 'ann@example.org' }).catch((caught: unknown) => caught);

    expect((error as Error).message).to.match(/UserKeyBit: the current user has none of id, _id, userId, username/);
  });

  it('uses a given extractor', async () => {
    const bit = new UserKeyBit((user) => (user as { email: string }).email);

    expect(await dataOf({ email: 'ann@example.org' }, bit)).to.equal('ann@example.org');
  });

  it('rejects an extractor that is not a function at construction', () => {
    expect(() => new UserKeyBit('email' as never)).to.throw(InvalidOptionError, /UserKeyBit: option params/);
  });
});
