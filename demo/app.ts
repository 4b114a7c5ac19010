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
import { cacheResponse, etag, ExemptIdempotencyKeyMiddleware, idempotencyKey, invalidates } from '../src';
import { cityStore, type City } from './cityStore';
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
    controllers: [CityController, OrderController],
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
