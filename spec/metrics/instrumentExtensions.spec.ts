import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { resolve } from 'node:path';
import Keyv from 'keyv';
import { Body, Get, JsonController, NotFoundError, Post } from 'routing-controllers';
import { cached } from '../../src/cache/cached';
import { cacheResponse } from '../../src/cache/cacheResponse';
import { configureExtensions, resetExtensions } from '../../src/configure';
import { InvalidOptionError } from '../../src/errors';
import { CACHE_CHANNEL_NAME, type CacheEvent } from '../../src/events';
import { idempotencyKey } from '../../src/idempotency/idempotencyDecorators';
import { instrumentExtensions, type ExtensionsInstrumentation } from '../../src/metrics/instrumentExtensions';
import { Latch, until } from '../helpers/latch';
import { DRIVERS, startServer, type TestServer } from '../helpers/servers';
import { FaultyStore } from '../storage/FaultyStore';

let gate: Latch | undefined;
let listRuns = 0;

class MetricsCatalog {
  @cached({ ttl: 60_000 })
  async count(country: string) {
    return { country, cities: 3 };
  }
}

@JsonController('/metrics')
class MetricsController {
  @Get('/cities')
  @cacheResponse(60_000)
  async list() {
    listRuns++;
    await gate?.promise;
    return { cities: [] };
  }

  @Get('/missing')
  @cacheResponse(60_000)
  missing() {
    throw new NotFoundError('no such city');
  }

  @Get('/outage')
  @cacheResponse({ ttl: 60_000, cache: 'faulty' })
  outage() {
    return { served: true };
  }

  @Post('/orders')
  @idempotencyKey()
  create(@Body() order: { item: string }) {
    return order;
  }
}

/** An SDK meter provider whose metrics a test reads from memory. */
function inMemoryMetrics() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // The interval is never reached: tests flush by hand.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    meter: provider.getMeter('routing-controllers-extensions-spec'),
    /** Every metric as of now (cumulative), by name. */
    async collect(): Promise<Map<string, MetricData>> {
      exporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const resource of exporter.getMetrics())
        for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** The sum of a counter's points (or the count of a histogram's) whose attributes include `where`. */
function total(collected: Map<string, MetricData>, name: string, where: Record<string, unknown> = {}): number {
  const metric = collected.get(name);
  if (!metric) return 0;
  let sum = 0;
  for (const point of metric.dataPoints) {
    if (!Object.entries(where).every(([key, value]) => point.attributes[key] === value)) continue;
    sum += metric.dataPointType === DataPointType.HISTOGRAM ? (point.value as { count: number }).count : (point.value as number);
  }
  return sum;
}

describe('instrumentExtensions', () => {
  for (const driver of DRIVERS) {
    describe(`with an in-memory metric reader (${driver})`, () => {
      let server: TestServer;
      let otel: ReturnType<typeof inMemoryMetrics>;
      let instrumentation: ExtensionsInstrumentation;
      let collected: Map<string, MetricData>;

      before(async () => {
        resetExtensions();
        const faulty = new FaultyStore();
        faulty.fault = 'throw';
        configureExtensions({ caches: { faulty: new Keyv({ store: faulty }) } });
        server = await startServer(driver, { controllers: [MetricsController] });
        otel = inMemoryMetrics();
        instrumentation = instrumentExtensions({ meter: otel.meter });
        listRuns = 0;

        // A miss held open while two more requests coalesce onto it, then a hit.
        gate = new Latch();
        let coalesced = 0;
        const onCache = (event: unknown) => void ((event as CacheEvent).type === 'coalesced' && coalesced++);
        subscribe(CACHE_CHANNEL_NAME, onCache);
        const misses = [server.send('/metrics/cities'), server.send('/metrics/cities'), server.send('/metrics/cities')];
        await until(() => listRuns === 1 && coalesced === 2, 'two requests waited for the first one');
        unsubscribe(CACHE_CHANNEL_NAME, onCache);
        gate.open();
        await Promise.all(misses);
        gate = undefined;
        await server.send('/metrics/cities');
        await server.send('/metrics/missing');
        await server.send('/metrics/outage');
        const headers = { 'idempotency-key': `"metrics-${driver}"` };
        await server.send('/metrics/orders', { method: 'POST', headers, body: { item: 'tea' } });
        await server.send('/metrics/orders', { method: 'POST', headers, body: { item: 'tea' } });
        await server.send('/metrics/orders', { method: 'POST', headers, body: { item: 'coffee' } });
        const catalog = new MetricsCatalog();
        await catalog.count('PT');
        collected = await otel.collect();
      });
      after(async () => {
        instrumentation.stop();
        await otel.shutdown();
        await server.close();
        resetExtensions();
      });

      it('counts misses, hits and the requests coalesced onto a miss, by route', () => {
        expect(total(collected, 'rcx.cache.misses', { route: '/metrics/cities' })).to.equal(1);
        expect(total(collected, 'rcx.cache.coalesced', { route: '/metrics/cities' })).to.equal(2);
        expect(total(collected, 'rcx.cache.hits', { route: '/metrics/cities' })).to.equal(1);
        expect(total(collected, 'rcx.cache.stored', { route: '/metrics/cities' })).to.equal(1);
      });

      it('counts responses not stored, by reason', () => {
        expect(total(collected, 'rcx.cache.not_stored', { route: '/metrics/missing', reason: 'status' })).to.equal(1);
      });

      it('counts store errors of the cache layer', () => {
        expect(total(collected, 'rcx.store.errors', { layer: 'cache', route: '/metrics/outage' })).to.be.greaterThan(0);
      });

      it('counts claims, replays and a key reused with another request', () => {
        expect(total(collected, 'rcx.idempotency.claims', { route: '/metrics/orders', takeover: false })).to.equal(1);
        expect(total(collected, 'rcx.idempotency.replays', { route: '/metrics/orders' })).to.equal(1);
        expect(total(collected, 'rcx.idempotency.conflicts', { route: '/metrics/orders', reason: 'key-reused' })).to.equal(1);
        expect(total(collected, 'rcx.idempotency.completions', { route: '/metrics/orders' })).to.equal(1);
      });

      it('counts @cached calls under Class.method', () => {
        expect(total(collected, 'rcx.cache.misses', { route: 'MetricsCatalog.count' })).to.equal(1);
      });

      it('records the duration of store calls in seconds, failed ones apart', () => {
        const duration = collected.get('rcx.store.duration');

        expect(duration?.descriptor.unit).to.equal('s');
        expect(total(collected, 'rcx.store.duration', { store: 'memory', operation: 'get', outcome: 'ok' })).to.be.greaterThan(0);
        expect(total(collected, 'rcx.store.duration', { store: 'memory-records', outcome: 'ok' })).to.be.greaterThan(0);
        expect(total(collected, 'rcx.store.duration', { store: 'keyv', outcome: 'error' })).to.be.greaterThan(0);
      });
    });
  }

  it('records nothing after stop()', async () => {
    resetExtensions();
    const otel = inMemoryMetrics();
    const instrumentation = instrumentExtensions({ meter: otel.meter });
    const catalog = new MetricsCatalog();
    try {
      await catalog.count('NO');
      instrumentation.stop();
      await catalog.count('JP');
      const collected = await otel.collect();

      expect(total(collected, 'rcx.cache.misses', { route: 'MetricsCatalog.count' })).to.equal(1);
    } finally {
      instrumentation.stop();
      await otel.shutdown();
    }
  });

  it('uses the global meter of @opentelemetry/api when no meter is given', async () => {
    resetExtensions();
    const otel = inMemoryMetrics();
    metrics.setGlobalMeterProvider(otel.provider);
    const instrumentation = instrumentExtensions();
    try {
      await new MetricsCatalog().count('FR');
      const collected = await otel.collect();

      expect(total(collected, 'rcx.cache.misses', { route: 'MetricsCatalog.count' })).to.equal(1);
    } finally {
      instrumentation.stop();
      metrics.disable();
      await otel.shutdown();
    }
  });

  it('refuses a meter that is not one, naming the option', () => {
    expect(() => instrumentExtensions({ meter: {} as never })).to.throw(
      InvalidOptionError,
      'instrumentExtensions: option meter must be an OpenTelemetry Meter (createCounter, createHistogram), got {}',
    );
  });

  it('does not load @opentelemetry/api when the library is imported', async () => {
    const root = resolve(__dirname, '../..');
    const script =
      "require('reflect-metadata'); require('./src/index.ts'); " +
      "console.log(Object.keys(require.cache).filter((file) => file.includes('@opentelemetry')).length)";
    const output = await new Promise<string>((done, fail) =>
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', '-e', script],
        { cwd: root, timeout: 60_000 },
        (error, stdout) => (error ? fail(error) : done(stdout.trim())),
      ),
    );

    expect(output).to.equal('0');
  });
});
