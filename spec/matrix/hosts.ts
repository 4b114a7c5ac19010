import express from 'express';
import { readFileSync } from 'node:fs';
import express5 from 'express5';
import Koa from 'koa';
import Koa2 from 'koa2';
import { useExpressServer, useKoaServer, type RoutingControllersOptions } from 'routing-controllers';
import { serve, type Driver, type ListeningApp, type TestServer } from '../helpers/servers';

/**
 * One framework major of the version matrix: how to build a routing-controllers app on it. The
 * app is always passed in (`useExpressServer(express5())`, `useKoaServer(new Koa2())`):
 * `createExpressServer` and `createKoaServer` build on the copy routing-controllers itself
 * resolves, which is its own nested Express 4 / Koa 3 when the app installs another major.
 */
export interface Host {
  /** e.g. `Express 5`. */
  readonly name: string;
  readonly driver: Driver;
  /** The major the package installed under this host's module name must have. */
  readonly major: number;
  /** The version actually installed. */
  readonly version: string;
  /** Builds the app (throws what routing-controllers' builder throws). */
  build(options: RoutingControllersOptions): ListeningApp;
}

function host(name: string, driver: Driver, major: number, moduleName: string, build: Host['build']): Host {
  const { version } = JSON.parse(readFileSync(require.resolve(`${moduleName}/package.json`), 'utf8')) as { version: string };
  return { name, driver, major, version, build };
}

/** Express 4 and 5, Koa 3 and 2: what CI runs the cross-feature suite on. */
export const HOSTS: readonly Host[] = [
  host('Express 4', 'express', 4, 'express', (options) => useExpressServer(express(), options)),
  host('Express 5', 'express', 5, 'express5', (options) => useExpressServer(express5(), options)),
  host('Koa 3', 'koa', 3, 'koa', (options) => useKoaServer(new Koa(), options)),
  host('Koa 2', 'koa', 2, 'koa2', (options) => useKoaServer(new Koa2(), options)),
];

/** Builds an app on `host` and serves it on a free loopback port. */
export function startOn(host: Host, options: RoutingControllersOptions): Promise<TestServer> {
  return serve(host.driver, host.build(options));
}
