import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createExpressServer, createKoaServer, type RoutingControllersOptions } from 'routing-controllers';
import { send, type SendOptions, type TestResponse } from './http';

/** The two routing-controllers drivers every decorator suite runs on. */
export const DRIVERS = ['express', 'koa'] as const;
export type Driver = (typeof DRIVERS)[number];

/** A routing-controllers app listening on a free loopback port. */
export interface TestServer {
  readonly driver: Driver;
  readonly url: string;
  send(path: string, options?: SendOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

/** What a test may do to the app before it listens (e.g. `app.set('trust proxy', true)`, `app.proxy = true`). */
export type PrepareApp = (app: { set?(name: string, value: unknown): void; proxy?: boolean }, driver: Driver) => void;

/** An Express or Koa app, as far as serving it goes. */
export interface ListeningApp {
  listen(port: number, host: string, callback: () => void): Server;
}

/**
 * Starts a real routing-controllers server of the given driver on port 0; `prepare` gets the
 * Express or Koa app first.
 */
export async function startServer(driver: Driver, options: RoutingControllersOptions, prepare?: PrepareApp): Promise<TestServer> {
  const app = driver === 'express' ? createExpressServer(options) : createKoaServer(options);
  prepare?.(app, driver);
  return serve(driver, app);
}

/** Serves an app already built (an Express or Koa app with `listen`) on a free loopback port. */
export async function serve(driver: Driver, app: ListeningApp): Promise<TestServer> {
  const server: Server = await new Promise((resolve, reject) => {
    const listening: Server = app.listen(0, '127.0.0.1', () => resolve(listening));
    listening.on('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    driver,
    url,
    send: (path, sendOptions) => send(url, path, sendOptions),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
