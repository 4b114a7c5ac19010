import { expect } from 'chai';
import { UniqueControllerIdKeyBit } from '../../../src/keys/bits/UniqueControllerIdKeyBit';
import { UniqueMethodIdKeyBit } from '../../../src/keys/bits/UniqueMethodIdKeyBit';
import { keyContext } from '../context';

describe('UniqueControllerIdKeyBit', () => {
  it("returns the controller's class name", () => {
    expect(new UniqueControllerIdKeyBit().getData(keyContext())).to.equal('BookController');
  });

  it('returns Object for a plain or prototype-less controller', () => {
    expect(new UniqueControllerIdKeyBit().getData(keyContext({}, { controller: Object.create(null) }))).to.equal('Object');
  });
});

describe('UniqueMethodIdKeyBit', () => {
  it('returns Controller.method', () => {
    expect(new UniqueMethodIdKeyBit().getData(keyContext({}, { methodName: 'list' }))).to.equal('BookController.list');
  });
});
