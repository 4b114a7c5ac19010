import { expect } from 'chai';
import { InvalidOptionError } from '../../../src/errors';
import { FormatKeyBit } from '../../../src/keys/bits/FormatKeyBit';
import { HeadersKeyBit } from '../../../src/keys/bits/HeadersKeyBit';
import { LanguageKeyBit } from '../../../src/keys/bits/LanguageKeyBit';
import { RequestMetaKeyBit } from '../../../src/keys/bits/RequestMetaKeyBit';
import { UserKeyBit } from '../../../src/keys/bits/UserKeyBit';
import { KeyConstructor } from '../../../src/keys/KeyConstructor';
import { keyContext } from '../context';

const formatOf = (bit: FormatKeyBit, headers: Record<string, string>, url = '/', defaults = {}) =>
  bit.getData(keyContext({ url, headers }), bit.params, defaults);
const languageOf = (bit: LanguageKeyBit, headers: Record<string, string>, defaults = {}) =>
  bit.getData(keyContext({ headers }), bit.params, defaults);

describe('FormatKeyBit', () => {
  const served = new FormatKeyBit({ available: ['json', 'xml'] });
  const textFirst = new FormatKeyBit({ available: ['text', 'json'] });

  it('keys on the format Accept negotiates to among the available ones', () => {
    expect(formatOf(served, { accept: 'application/xml' })).to.equal('xml');
    expect(formatOf(served, { accept: 'text/xml;q=0.9, application/json;q=0.8' })).to.equal('xml');
    expect(formatOf(served, { accept: 'application/json' })).to.equal('json');
  });

  it('gives a missing Accept and */* the first available format, as the app negotiates them', () => {
    expect(formatOf(textFirst, {})).to.equal('text');
    expect(formatOf(textFirst, { accept: '*/*' })).to.equal('text');
    expect(formatOf(textFirst, { accept: 'application/json' })).to.equal('json');
  });

  it('keys null when no available format is acceptable', () => {
    expect(formatOf(served, { accept: 'image/png' })).to.equal(null);
  });

  it('lets ?format= win over Accept', () => {
    expect(formatOf(served, { accept: 'application/json' }, '/?format=XML')).to.equal('xml');
  });

  it('accepts media types in the list and reports them as given', () => {
    const vendor = new FormatKeyBit({ available: ['application/vnd.shop+json', 'json'] });

    expect(formatOf(vendor, { accept: 'application/vnd.shop+json' })).to.equal('application/vnd.shop+json');
    expect(formatOf(vendor, { accept: 'application/json' })).to.equal('json');
  });

  it('falls back to the settings list when built without one', () => {
    expect(formatOf(new FormatKeyBit(), { accept: 'text/xml' }, '/', { availableFormats: ['json', 'xml'] })).to.equal('xml');
  });

  it('keys on the normalised Accept list without any list, so different lists never share an entry', () => {
    const bit = new FormatKeyBit();

    expect(formatOf(bit, { accept: 'Text/HTML , application/json;q=0.5' })).to.deep.equal(['text/html', 'application/json;q=0.5']);
    expect(formatOf(bit, { accept: 'application/json;q=0.5, text/html' })).to.deep.equal(['application/json;q=0.5', 'text/html']);
    expect(formatOf(bit, {})).to.equal(null);
  });

  it('declares Accept for Vary', () => {
    expect(served.vary()).to.deep.equal(['accept']);
  });

  it('rejects an unknown format name or a malformed list when built', () => {
    expect(() => new FormatKeyBit({ available: ['pdf-ish'] })).to.throw(InvalidOptionError, /FormatKeyBit: option available/);
    expect(() => new FormatKeyBit({ available: [] })).to.throw(InvalidOptionError, /available/);
    expect(() => new FormatKeyBit({ formats: ['json'] } as never)).to.throw(InvalidOptionError, /FormatKeyBit: option options/);
  });
});

describe('LanguageKeyBit', () => {
  const served = new LanguageKeyBit({ available: ['en', 'fr'] });

  it('keys on the language the app serves, not on the first preference', () => {
    expect(languageOf(served, { 'accept-language': 'de, fr;q=0.5' })).to.equal('fr');
    expect(languageOf(served, { 'accept-language': 'de, en;q=0.5' })).to.equal('en');
    expect(languageOf(served, { 'accept-language': 'fr-CA, en;q=0.1' })).to.equal('fr');
  });

  it('gives a missing Accept-Language the first available language and null to an unservable one', () => {
    expect(languageOf(served, {})).to.equal('en');
    expect(languageOf(served, { 'accept-language': 'de' })).to.equal(null);
  });

  it('falls back to the settings list when built without one', () => {
    expect(languageOf(new LanguageKeyBit(), { 'accept-language': 'de, fr;q=0.5' }, { availableLanguages: ['en', 'fr'] })).to.equal('fr');
  });

  it('keys on the normalised Accept-Language list without any list', () => {
    expect(languageOf(new LanguageKeyBit(), { 'accept-language': 'de-DE, fr;q=0.5' })).to.deep.equal(['de-de', 'fr;q=0.5']);
    expect(languageOf(new LanguageKeyBit(), {})).to.equal(null);
  });

  it('declares Accept-Language for Vary and rejects what is not a language tag', () => {
    expect(served.vary()).to.deep.equal(['accept-language']);
    expect(() => new LanguageKeyBit({ available: ['en;q=1'] })).to.throw(InvalidOptionError, /LanguageKeyBit: option available/);
  });
});

describe('the headers a key declares', () => {
  it('declares the names of a HeadersKeyBit, lower-cased, and * for all of them', () => {
    expect(new HeadersKeyBit(['X-Tenant', 'User-Agent']).vary(['X-Tenant', 'User-Agent'])).to.deep.equal(['x-tenant', 'user-agent']);
    expect(new HeadersKeyBit('*').vary('*')).to.deep.equal(['*']);
  });

  it('declares the forwarded headers the framework may read for ip, host and protocol', () => {
    expect(new RequestMetaKeyBit(['host', 'method']).vary(['host', 'method'])).to.deep.equal(['x-forwarded-host']);
    expect(new RequestMetaKeyBit('*').vary('*')).to.deep.equal(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']);
  });

  it('unions the bits of a constructor, with param overrides, and knows whether it identifies the user', () => {
    class PageKey extends KeyConstructor {
      format = new FormatKeyBit();
      headers = new HeadersKeyBit(['X-Tenant']);
      user = new UserKeyBit();
    }

    const key = new PageKey({ params: { headers: ['X-Region'] } });

    expect(key.varyHeaders()).to.deep.equal(['accept', 'x-region']);
    expect(key.identifiesUser()).to.equal(true);
    expect(new KeyConstructor().identifiesUser()).to.equal(false);
  });
});
