import { expect } from 'chai';
import Negotiator from 'negotiator';
import { Get, HeaderParam, JsonController } from 'routing-controllers';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { DefaultKeyConstructor } from '../../src/keys/DefaultKeyConstructor';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';

// An app that serves a subset of what clients ask for: text or JSON, English or French. The
// action negotiates with negotiator as Express and Koa do; the cache must key on its outcome.

const FORMATS = ['text/plain', 'application/json'];
const LANGUAGES = ['en', 'fr'];
const GREETINGS: Record<string, string> = { en: 'Hello', fr: 'Bonjour' };
let runs = 0;

@JsonController('/neg')
class GreetingController {
  @Get('/greeting')
  @cacheResponse({ ttl: 60_000, keyFunc: new DefaultKeyConstructor() })
  greeting(@HeaderParam('accept') accept?: string, @HeaderParam('accept-language') acceptLanguage?: string) {
    runs += 1;
    const negotiator = new Negotiator({ headers: { accept, 'accept-language': acceptLanguage } });
    const type = negotiator.mediaType(FORMATS) ?? FORMATS[0];
    const language = negotiator.language(LANGUAGES) ?? LANGUAGES[0];
    return { type, language, greeting: GREETINGS[language] };
  }
}

const ACCEPTS = [
  undefined,
  '*/*',
  'application/json',
  'text/plain',
  'application/json;q=0.5, text/plain',
  'image/png, application/json;q=0.1',
];
const ACCEPT_LANGUAGES = [undefined, 'fr', 'de, fr;q=0.5', 'de, en;q=0.5', 'en-US', 'fr-CA, en;q=0.1'];

/** What the action serves for a pair of headers. */
function expected(accept: string | undefined, acceptLanguage: string | undefined): { type: string; language: string } {
  const negotiator = new Negotiator({ headers: { accept, 'accept-language': acceptLanguage } });
  return { type: negotiator.mediaType(FORMATS) ?? FORMATS[0], language: negotiator.language(LANGUAGES) ?? LANGUAGES[0] };
}

for (const driver of DRIVERS) {
  describe(`@cacheResponse keyed on the negotiated representation (${driver})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer(driver, { controllers: [GreetingController] });
    });
    after(async () => {
      await server.close();
      resetExtensions();
    });
    beforeEach(() => {
      resetExtensions();
      runs = 0;
    });

    async function matrix(): Promise<void> {
      for (const accept of ACCEPTS) {
        for (const acceptLanguage of ACCEPT_LANGUAGES) {
          const headers: Record<string, string> = {};
          if (accept !== undefined) headers.accept = accept;
          if (acceptLanguage !== undefined) headers['accept-language'] = acceptLanguage;
          const response = await server.send('/neg/greeting', { headers });
          const wanted = expected(accept, acceptLanguage);
          expect(response.json(), `Accept ${accept} / Accept-Language ${acceptLanguage}`).to.include(wanted);
          expect(response.headers.vary).to.equal('Accept, Accept-Language, X-Forwarded-Host');
        }
      }
    }

    it('serves every Accept × Accept-Language pair its own representation with one entry per negotiated pair', async () => {
      configureExtensions({
        caches: { default: new MemoryStorage() },
        availableFormats: ['text', 'json'],
        availableLanguages: ['en', 'fr'],
      });
      await matrix();
      const firstPass = runs;
      await matrix();

      // text/json × en/fr: four representations, whatever the 36 header pairs were.
      expect(firstPass).to.equal(4);
      expect(runs).to.equal(firstPass);
    });

    it('keeps every preference list apart without the settings lists, and still never mixes them up', async () => {
      configureExtensions({ caches: { default: new MemoryStorage() } });
      await matrix();
      await matrix();

      expect(runs).to.equal(ACCEPTS.length * ACCEPT_LANGUAGES.length);
    });
  });
}

describe('availableFormats and availableLanguages settings', () => {
  afterEach(() => resetExtensions());

  it('take lists of formats and language tags, lower-cased, and null for no list', () => {
    const settings = configureExtensions({ availableFormats: ['JSON', 'application/vnd.shop+json'], availableLanguages: ['en', 'pt-BR'] });

    expect(settings.availableFormats).to.deep.equal(['json', 'application/vnd.shop+json']);
    expect(settings.availableLanguages).to.deep.equal(['en', 'pt-br']);
    expect(configureExtensions({ availableFormats: null }).availableFormats).to.equal(null);
  });

  it('reject what is not such a list, naming the setting', () => {
    expect(() => configureExtensions({ availableFormats: ['jayson'] })).to.throw(
      InvalidOptionError,
      /configureExtensions: option availableFormats/,
    );
    expect(() => configureExtensions({ availableLanguages: [] })).to.throw(
      InvalidOptionError,
      /configureExtensions: option availableLanguages/,
    );
    expect(() => configureExtensions({ availableLanguages: 'en' as never })).to.throw(InvalidOptionError, /availableLanguages/);
  });
});
