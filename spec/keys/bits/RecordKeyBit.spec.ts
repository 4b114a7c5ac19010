import { expect } from 'chai';
import type { KeyBitContext } from '../../../src/keys/KeyBit';
import { KeyConstructor } from '../../../src/keys/KeyConstructor';
import { RecordKeyBit } from '../../../src/keys/RecordKeyBit';
import { keyContext } from '../context';

class SourceKeyBit extends RecordKeyBit {
  static source: Record<string, unknown> = {};

  getSource(): Record<string, unknown> {
    return SourceKeyBit.source;
  }
}

class UpperSourceKeyBit extends SourceKeyBit {
  protected override sourceKey(name: string): string {
    return name.toUpperCase();
  }
}

class UpperDataKeyBit extends SourceKeyBit {
  protected override dataKey(name: string): string {
    return name.toUpperCase();
  }
}

function dataOf(bit: RecordKeyBit, source: Record<string, unknown>): unknown {
  SourceKeyBit.source = source;
  return bit.getData(keyContext(), bit.params);
}

describe('RecordKeyBit', () => {
  const city = { id: 1, geobase_id: 123, name: 'London' };

  it('returns {} for an empty source', () => {
    expect(dataOf(new SourceKeyBit(['name']), {})).to.deep.equal({});
  });

  it('returns {} for null params without reading the source', () => {
    class Throwing extends RecordKeyBit {
      getSource(): never {
        throw new Error('read');
      }
    }

    expect(new Throwing(null).getData({} as KeyBitContext, null)).to.deep.equal({});
  });

  it('returns the named entries with their values as they are', () => {
    expect(dataOf(new SourceKeyBit(['name', 'geobase_id']), city)).to.deep.equal({ name: 'London', geobase_id: 123 });
  });

  it("returns every entry for '*'", () => {
    expect(dataOf(new SourceKeyBit('*'), city)).to.deep.equal(city);
  });

  it('skips missing, null and undefined entries and keeps empty strings', () => {
    const source = { a: null, b: undefined, c: '' };

    expect(dataOf(new SourceKeyBit(['a', 'b', 'c', 'd']), source)).to.deep.equal({ c: '' });
  });

  it('does not read inherited properties of the source', () => {
    expect(dataOf(new SourceKeyBit(['constructor', 'toString']), {})).to.deep.equal({});
  });

  it('keeps non-ASCII values as text', () => {
    expect(dataOf(new SourceKeyBit(['name']), { name: 'Лондон' })).to.deep.equal({ name: 'Лондон' });
  });

  it('reads through sourceKey', () => {
    expect(dataOf(new UpperSourceKeyBit(['name', 'geobase_id']), { NAME: 'London', GEOBASE_ID: 123 })).to.deep.equal({
      name: 'London',
      geobase_id: 123,
    });
  });

  it('writes through dataKey', () => {
    expect(dataOf(new UpperDataKeyBit(['name', 'geobase_id']), city)).to.deep.equal({ NAME: 'London', GEOBASE_ID: 123 });
  });

  it('gives the same key whatever the order of the names', async () => {
    SourceKeyBit.source = city;
    class First extends KeyConstructor {
      city = new SourceKeyBit(['name', 'geobase_id']);
    }
    class Second extends KeyConstructor {
      city = new SourceKeyBit(['geobase_id', 'name']);
    }

    expect(await new First().getKey(keyContext())).to.equal(await new Second().getKey(keyContext()));
  });

  it('copies the names so changing the caller array later changes nothing', () => {
    const names = ['name'];
    const bit = new SourceKeyBit(names);

    names.push('id');

    expect(dataOf(bit, city)).to.deep.equal({ name: 'London' });
  });

  for (const bad of [42, 'name', [1], [''], {}, undefined]) {
    it(`rejects params ${JSON.stringify(bad) ?? 'undefined'} at construction`, () => {
      expect(() => new SourceKeyBit(bad as never)).to.throw(/SourceKeyBit: option params must be '\*', null or an array of names/);
    });
  }
});
