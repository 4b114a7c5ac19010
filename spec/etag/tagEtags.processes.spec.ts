import { randomBytes } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { expect } from 'chai';
import { spawnChild, type Child } from '../helpers/children/spawnChild';
import { send } from '../helpers/http';
import { describeRedis } from '../helpers/redisServer';

interface App {
  readonly driver: 'express' | 'koa';
  readonly child: Child;
  readonly url: string;
}

describeRedis('@etag({ tags }) across processes sharing Redis', (server) => {
  const namespace = `rcx-tag-etags-${randomBytes(4).toString('hex')}`;
  const apps: App[] = [];
  let redis: ReturnType<typeof createClient>;

  before(async function () {
    this.timeout(30_000);
    redis = createClient({ url: server().url });
    redis.on('error', () => undefined);
    await redis.connect();
    const started = (['express', 'koa'] as const).map((driver) => ({
      driver,
      child: spawnChild('tagEtagApp.ts', [driver, server().url, namespace]),
    }));
    for (const { driver, child } of started) {
      const { port } = await child.nextMessage<{ port: number }>();
      apps.push({ driver, child, url: `http://127.0.0.1:${port}` });
    }
  });

  after(async () => {
    for (const { child } of apps) child.process.kill('SIGKILL');
    await Promise.all(apps.map(({ child }) => child.exited));
    redis?.destroy();
  });

  const runs = async (id: string) => Number((await redis.get(`${namespace}:runs:${id}`)) ?? 0);
  const entryReads = async (app: App) => (await send(app.url, '/stats')).json<{ entryReads: number }>().entryReads;

  for (const [readerIndex, writerIndex] of [
    [0, 1],
    [1, 0],
  ] as const) {
    it(`changes the ETag ${['express', 'koa'][readerIndex]} sends after @invalidates ran in the ${['express', 'koa'][writerIndex]} process, whose 304s ran no handler and read no entry`, async function () {
      this.timeout(20_000);
      const reader = apps[readerIndex];
      const writer = apps[writerIndex];
      const id = `town-${readerIndex}`;

      const first = await send(reader.url, `/towns/${id}`);
      const before = String(first.headers.etag);
      const readsBefore = await entryReads(writer);
      const elsewhere = await send(writer.url, `/towns/${id}`, { headers: { 'if-none-match': before } });
      expect(elsewhere.status).to.equal(304);
      expect(elsewhere.headers.etag).to.equal(before);
      expect(await runs(id)).to.equal(1);
      expect(await entryReads(writer)).to.equal(readsBefore);

      const written = await send(writer.url, `/towns/${id}`, { method: 'PATCH', body: { name: 'Nice' } });
      expect(written.status).to.equal(200);

      const changed = await send(reader.url, `/towns/${id}`, { headers: { 'if-none-match': before } });
      expect(changed.status).to.equal(200);
      expect(changed.json<{ name: string }>().name).to.equal('Nice');
      const after = String(changed.headers.etag);
      expect(after).not.to.equal(before);
      expect(await runs(id)).to.equal(2);

      const readsAfter = await entryReads(writer);
      const revalidated = await send(writer.url, `/towns/${id}`, { headers: { 'if-none-match': after } });
      expect(revalidated.status).to.equal(304);
      expect(await runs(id)).to.equal(2);
      expect(await entryReads(writer)).to.equal(readsAfter);
    });
  }
});
