import { expect } from 'chai';
import { PaginationKeyBit } from '../../../src/keys/bits/PaginationKeyBit';
import { keyContext } from '../context';

describe('PaginationKeyBit', () => {
  const context = keyContext({ url: '/books?page_size=10&page=1&limit=5&offset=15&cursor=foo&pageSize=20&q=x' });

  function dataOf(bit: PaginationKeyBit, at = context): unknown {
    return bit.getData(at, bit.params);
  }

  it('reads page, pageSize, page_size, limit, offset and cursor by default, nothing else', () => {
    expect(dataOf(new PaginationKeyBit())).to.deep.equal({
      page: '1',
      pageSize: '20',
      page_size: '10',
      limit: '5',
      offset: '15',
      cursor: 'foo',
    });
  });

  it('returns {} when the query has no pagination parameter', () => {
    expect(dataOf(new PaginationKeyBit(), keyContext({ url: '/books?q=x' }))).to.deep.equal({});
  });

  it('returns {} for an empty list of names', () => {
    expect(dataOf(new PaginationKeyBit([]))).to.deep.equal({});
  });

  it('reads only the page parameter when told so', () => {
    expect(dataOf(new PaginationKeyBit(['page']))).to.deep.equal({ page: '1' });
  });

  it('reads only the page size parameter when told so', () => {
    expect(dataOf(new PaginationKeyBit(['page_size']))).to.deep.equal({ page_size: '10' });
  });

  it('reads page and page size together', () => {
    expect(dataOf(new PaginationKeyBit(['page', 'page_size']))).to.deep.equal({ page: '1', page_size: '10' });
  });

  it('reads limit and offset', () => {
    expect(dataOf(new PaginationKeyBit(['limit', 'offset']))).to.deep.equal({ limit: '5', offset: '15' });
  });

  it('reads the cursor', () => {
    expect(dataOf(new PaginationKeyBit(['cursor']))).to.deep.equal({ cursor: 'foo' });
  });

  it('reads custom parameter names', () => {
    expect(dataOf(new PaginationKeyBit(['p', 'per']), keyContext({ url: '/?p=3&per=50' }))).to.deep.equal({ p: '3', per: '50' });
  });
});
