import { expect } from 'chai';
import { FormatKeyBit } from '../../../src/keys/bits/FormatKeyBit';
import { LanguageKeyBit } from '../../../src/keys/bits/LanguageKeyBit';
import { UniqueControllerIdKeyBit } from '../../../src/keys/bits/UniqueControllerIdKeyBit';
import { UniqueMethodIdKeyBit } from '../../../src/keys/bits/UniqueMethodIdKeyBit';
import { keyContext } from '../context';

describe('FormatKeyBit', () => {
  it('returns the negotiated format', () => {
    expect(new FormatKeyBit().getData(keyContext({ format: 'super-format' }))).to.equal('super-format');
  });
});

describe('LanguageKeyBit', () => {
  it('returns the preferred language', () => {
    expect(new LanguageKeyBit().getData(keyContext({ language: 'br' }))).to.equal('br');
  });

  it('returns null when the request states none', () => {
    expect(new LanguageKeyBit().getData(keyContext())).to.equal(null);
  });
});

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
