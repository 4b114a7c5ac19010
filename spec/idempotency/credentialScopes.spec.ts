import { expect } from 'chai';
import { Body, HttpCode, JsonController, Post } from 'routing-controllers';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { IdempotencyCredentialsKeyBit } from '../../src/idempotency/idempotencyKeyConstructors';
import { MemoryStorage } from '../../src/storage/MemoryStorage';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { count, currentUserChecker, recordingStorage, resetRuns } from './fixtures';

@JsonController('/cs')
class TransferController {
  @Post('/transfers')
  @HttpCode(201)
  @idempotencyKey()
  create(@Body() body: unknown) {
    return { run: count('create'), body };
  }
}

const transfer = (server: TestServer, headers: Record<string, string>) =>
  server.send('/cs/transfers', { method: 'POST', headers: { 'idempotency-key': 'k1', ...headers }, body: { amount: 5 } });

for (const driver of DRIVERS) {
  describe(`@idempotencyKey scopes by the credentials presented when no user is resolved (${driver})`, () => {
    let anonymousApp: TestServer;
    let usersApp: TestServer;
    let written: unknown[];

    before(async () => {
      anonymousApp = await startServer(driver, { controllers: [TransferController] });
      usersApp = await startServer(driver, { controllers: [TransferController], currentUserChecker });
    });
    after(async () => {
      await anonymousApp.close();
      await usersApp.close();
    });
    beforeEach(() => {
      resetExtensions();
      written = [];
      configureExtensions({ caches: { records: recordingStorage(new MemoryStorage(), written) }, idempotency: { cache: 'records' } });
      resetRuns();
    });

    it('runs the same key once per bearer token in an app without currentUserChecker, never replaying one to the other', async () => {
      const first = await transfer(anonymousApp, { authorization: 'Bearer token-a' });
      const second = await transfer(anonymousApp, { authorization: 'Bearer token-b' });
      const firstAgain = await transfer(anonymousApp, { authorization: 'Bearer token-a' });
      const secondAgain = await transfer(anonymousApp, { authorization: 'Bearer token-b' });

      expect(first.json()).to.deep.include({ run: 1 });
      expect(second.json()).to.deep.include({ run: 2 });
      expect(second.headers['idempotent-replayed']).to.equal(undefined);
      expect(firstAgain.headers['idempotent-replayed']).to.equal('true');
      expect(firstAgain.text).to.equal(first.text);
      expect(secondAgain.text).to.equal(second.text);
    });

    it('keeps callers with other cookies apart, and callers presenting no credentials in one scope', async () => {
      const withCookie = await transfer(anonymousApp, { cookie: 'session=one' });
      const otherCookie = await transfer(anonymousApp, { cookie: 'session=two' });
      const bare = await transfer(anonymousApp, {});
      const bareAgain = await transfer(anonymousApp, {});

      expect([withCookie, otherCookie, bare].map((response) => response.json<{ run: number }>().run)).to.deep.equal([1, 2, 3]);
      expect(bareAgain.headers['idempotent-replayed']).to.equal('true');
    });

    it('still replays to a resolved user after a token refresh', async () => {
      const first = await transfer(usersApp, { authorization: 'Bearer alice-t1' });
      const refreshed = await transfer(usersApp, { authorization: 'Bearer alice-t2' });

      expect(first.status).to.equal(201);
      expect(refreshed.headers['idempotent-replayed']).to.equal('true');
      expect(refreshed.text).to.equal(first.text);
    });

    it('follows the credentialHeaders setting', async () => {
      configureExtensions({ credentialHeaders: ['x-api-key'] });
      const first = await transfer(anonymousApp, { 'x-api-key': 'key-a' });
      const second = await transfer(anonymousApp, { 'x-api-key': 'key-b' });
      const otherAuthorization = await transfer(anonymousApp, { 'x-api-key': 'key-a', authorization: 'Bearer ignored' });

      expect(second.json()).to.deep.include({ run: 2 });
      expect(otherAuthorization.headers['idempotent-replayed']).to.equal('true');
      expect(otherAuthorization.text).to.equal(first.text);
    });

    it('keeps no credential in what it stores', async () => {
      await transfer(anonymousApp, { authorization: 'Bearer secret-token-123' });

      expect(JSON.stringify(written)).not.to.contain('secret-token-123');
    });
  });
}

describe('IdempotencyCredentialsKeyBit', () => {
  it('rejects params that are not a list of header names', () => {
    expect(() => new IdempotencyCredentialsKeyBit('authorization' as never)).to.throw(
      InvalidOptionError,
      /IdempotencyCredentialsKeyBit: option params must be an array of header names/,
    );
  });
});
