import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Body,
  createExpressServer,
  createKoaServer,
  Get,
  HttpCode,
  JsonController,
  NotFoundError,
  Param,
  Post,
  Put,
  QueryParam,
  type RoutingControllersOptions,
} from 'routing-controllers';
import { cacheResponse, cacheResponseExempt, etag, ExemptIdempotencyKeyMiddleware, idempotencyKey, invalidates } from '../src';
import { cityStore, type City } from './cityStore';
import { forecastStore, type Forecast } from './forecastStore';
import { CityKeyConstructor, cityListKey, cityVersionTag } from './keys';
import { orderStore } from './orderStore';

/** The demo's cities API: reads cached and validated, writes guarded by If-Match and invalidating. */
@JsonController('/cities')
export class CityController {
  @Get('/')
  @etag(cityListKey)
  @cacheResponse({ ttl: 60_000, keyFunc: cityListKey, tags: () => ['cities'] })
  async list(@QueryParam('country') country?: string) {
    cityStore.count('list');
    await slowDatabase();
    return cityStore.list(country);
  }

  @Get('/:id')
  @etag(cityVersionTag)
  @cacheResponse({ ttl: 60_000, keyFunc: new CityKeyConstructor() })
  async one(@Param('id') id: number) {
    cityStore.count('one');
    await slowDatabase();
    const city = cityStore.get(id);
    if (!city) throw new NotFoundError(`city ${id} not found`);
    return city;
  }

  @Put('/:id')
  @etag({ etagFunc: cityVersionTag, rebuildAfterMethodEvaluation: true, requirePrecondition: true })
  @invalidates(['cities'])
  update(@Param('id') id: number, @Body() fields: Partial<Pick<City, 'name' | 'population'>>) {
    cityStore.count('update');
    const city = cityStore.update(id, fields);
    if (!city) throw new NotFoundError(`city ${id} not found`);
    return city;
  }
}

/** Orders: placing one is not idempotent by nature, so retries carry an Idempotency-Key. */
@JsonController('/orders')
export class OrderController {
  @Post('/')
  @HttpCode(201)
  @idempotencyKey()
  async place(@Body() order: { cityId: number; tickets: number }) {
    await orderStore.gate;
    return orderStore.place(order.cityId, order.tickets);
  }
}

/**
 * Weather forecasts: one cache policy for every read of the controller (class-level
 * `@cacheResponse`), refined per action. Forecasts keep being served for 10 minutes past their
 * freshness while the weather service is down, previews (`?preview`) never touch the cache, a
 * CDN in front gets `CDN-Cache-Control` and surrogate keys, and ETags come from tag versions.
 */
@JsonController('/forecasts')
@cacheResponse({
  ttl: 30_000,
  staleIfError: 10 * 60_000,
  cdnCacheControl: { maxAgeSeconds: 60 },
  condition: ({ request }) => request.query.preview === undefined,
})
export class ForecastController {
  @Get('/')
  @cacheResponse({ tags: ['forecasts'], unless: (_context, response) => response.body.toString('utf8') === '[]' })
  list(@QueryParam('sky') sky?: string) {
    forecastStore.count('list');
    return forecastStore.list(sky);
  }

  @Get('/:city')
  @etag({ tags: ['forecast:{city}'] })
  @cacheResponse({
    tags: ['forecast:{city}', 'forecasts'],
    // A storm warning changes fast: keep it 5 s instead of the controller's 30 s.
    ttl: (_context, response) => ((JSON.parse(response.body.toString('utf8')) as Forecast).sky === 'storm' ? 5_000 : 30_000),
  })
  one(@Param('city') city: string) {
    forecastStore.count('one');
    const forecast = forecastStore.get(city);
    if (!forecast) throw new NotFoundError(`no forecast for ${city}`);
    return forecast;
  }

  @Get('/:city/now')
  @cacheResponseExempt()
  now(@Param('city') city: string) {
    forecastStore.count('now');
    return { city, observedAt: new Date().toISOString() };
  }

  @Put('/:city')
  @invalidates(['forecast:{city}', 'forecasts'])
  update(@Param('city') city: string, @Body() fields: Partial<Omit<Forecast, 'city'>>) {
    forecastStore.count('update');
    const forecast = forecastStore.update(city, fields);
    if (!forecast) throw new NotFoundError(`no forecast for ${city}`);
    return forecast;
  }
}

/** Stands in for a 20 ms database query, so a cache hit is visibly faster than a miss. */
function slowDatabase(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

/** A running demo server. */
export interface DemoServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the demo API on the chosen driver, on `port` (0 = a free one) on loopback. */
export async function startDemoServer(driver: 'express' | 'koa', port = 0): Promise<DemoServer> {
  const options: RoutingControllersOptions = {
    controllers: [CityController, OrderController, ForecastController],
    middlewares: [ExemptIdempotencyKeyMiddleware],
  };
  const app = driver === 'express' ? createExpressServer(options) : createKoaServer(options);
  const server: Server = await new Promise((resolve, reject) => {
    const listening: Server = app.listen(port, '127.0.0.1', () => resolve(listening));
    listening.on('error', reject);
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
