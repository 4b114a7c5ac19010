#!/usr/bin/env bash
# Packs the library as `npm publish` would, checks what the tarball holds, then installs it from
# the npm registry into a scratch app beside the app's own, older keyv and @keyv/redis, and
# type-checks (skipLibCheck: false) and runs one consumer per kind of app:
#   cjs-nodenext  CommonJS, module/moduleResolution nodenext
#   cjs-node10    CommonJS, moduleResolution node10, no esModuleInterop
#   esm-nodenext  ESM, module/moduleResolution nodenext
#   esm-bundler   ESM, module esnext, moduleResolution bundler
# The four share one install (one node_modules in the scratch root, a package.json with its own
# "type" in each consumer folder): 30 s to 90 s on a 2-core machine, depending on its load.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$root/.pack-check
tsc=$root/node_modules/.bin/tsc
rm -rf "$scratch" && mkdir -p "$scratch"
fail() { echo "check-package: $*" >&2; exit 1; }

# --- the tarball -------------------------------------------------------------------------------
# prepack builds dist afresh, so the tarball never carries stale output.
npm pack --json --pack-destination "$scratch" > "$scratch/pack.json"
node - "$scratch/pack.json" <<'JS'
const [info] = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const files = info.files.map((file) => file.path);
const need = ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts'];
const missing = need.filter((file) => !files.includes(file));
const stray = files.filter((file) => !need.includes(file) && !/^dist\/.+\.(js|d\.ts)$/.test(file));
if (missing.length) throw new Error(`tarball lacks ${missing.join(', ')}`);
if (stray.length) throw new Error(`tarball holds unexpected files: ${stray.join(', ')}`);
console.log(`tarball: ${info.filename}, ${files.length} files, ${(info.size / 1000).toFixed(1)} kB packed, ${(info.unpackedSize / 1000).toFixed(1)} kB unpacked`);
JS
tarball=$scratch/$(node -p "require('$scratch/pack.json')[0].filename")

# --- one install for every consumer ---------------------------------------------------------------
# The app brings its own keyv 5.5.5 and @keyv/redis 5.1.5, older than the library's floor (^5.6.0 and
# ^5.1.6, the versions it is tested with): npm nests the library's own copies, so the app's Keyv and
# KeyvRedis are other classes than the library's (and, in the ESM consumers, other builds again).
cat > "$scratch/package.json" <<'JSON'
{ "name": "consumer", "private": true }
JSON
(cd "$scratch" && npm install --no-audit --no-fund --loglevel=error "$tarball" \
  keyv@5.5.5 @keyv/redis@5.1.5 reflect-metadata@^0.2.2 routing-controllers@^0.11.3 typedi@^0.10.0 @types/node@^20.19.0)
node - "$scratch" <<'JS'
// Which copy each side loads (keyv exports no ./package.json, so look the folders up as Node does).
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const versionFrom = (name, dir) => {
  for (; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')).version;
    if (dir === dirname(dir)) throw new Error(`${name} not found`);
  }
};
const library = join(process.argv[2], 'node_modules', 'routing-controllers-extensions');
for (const name of ['keyv', '@keyv/redis']) {
  console.log(`${name}: the app's ${versionFrom(name, process.argv[2])}, the library's ${versionFrom(name, library)}`);
}
JS

# --- consumers ------------------------------------------------------------------------------------
# Each consumer writes one module: the public API, the README's Settings snippet with the app's own
# Keyv, an @keyv/redis store built by the app (constructed only: nothing connects), RedisLock.
consumer() { # kind: cjs-node10 | cjs-* | esm-*
  local kind=$1
  if [ "$kind" = cjs-node10 ]; then
    # @keyv/redis's own types cannot load here (node-redis's d.ts default-imports node:net, TS1192
    # without esModuleInterop), so this app takes KeyvRedis untyped; our types need no such thing.
    cat <<'TS'
import 'reflect-metadata';
import Keyv from 'keyv';
import type { KeyvRedisLike, RedisConnectionLike, RedisLockClient } from 'routing-controllers-extensions';
const { default: KeyvRedis, createClient } = require('@keyv/redis') as {
  default: new (url: string) => KeyvRedisLike;
  createClient: (options: { url: string }) => RedisConnectionLike & RedisLockClient;
};
TS
  else
    cat <<'TS'
import 'reflect-metadata';
import Keyv from 'keyv';
import KeyvRedis, { createClient } from '@keyv/redis';
TS
  fi
  cat <<'TS'
import { Get, JsonController } from 'routing-controllers';
import {
  cacheResponse, configureExtensions, createRedisStorage, InvalidOptionError, KeyConstructor, KeyvStorage, RedisLock,
  toStorage, UserKeyBit, type CacheResponseOptions,
} from 'routing-controllers-extensions';

class UserKey extends KeyConstructor {
  user = new UserKeyBit();
}
const options: CacheResponseOptions = { ttl: 1000, keyFunc: new UserKey() };

@JsonController('/c')
export class Consumer {
  @Get('/')
  @cacheResponse(options)
  list() {
    return [];
  }
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`consumer: ${what}`);
}

export async function main(): Promise<void> {
  // The README's Settings snippet, with the app's own keyv.
  const settings = configureExtensions({ caches: { default: new Keyv() } });
  const cache = toStorage(settings.caches.default, 'consumer');
  await cache.set('k', { n: 1 }, 60_000);
  const read = await cache.get<{ n: number }>('k');
  check(read?.n === 1, 'a value written through the app\'s Keyv reads back');

  const own = new Keyv();
  check(new KeyvStorage(own).keyv === own, 'KeyvStorage keeps the app\'s Keyv');

  // The app's @keyv/redis store: constructing it does not connect, nor does createRedisStorage.
  const store = new KeyvRedis('redis://127.0.0.1:1');
  const storage = createRedisStorage(store);
  check(storage.keyv.store === store, 'createRedisStorage takes the app\'s @keyv/redis store as is');
  // A client is taken too (type-checked only: createRedisStorage would connect it).
  const client: Parameters<typeof createRedisStorage>[0] = createClient({ url: 'redis://127.0.0.1:1' });
  check(typeof client === 'object', 'a node-redis client is a createRedisStorage target');
  let rejected: unknown;
  try {
    createRedisStorage({} as never);
  } catch (error) {
    rejected = error;
  }
  check(rejected instanceof InvalidOptionError, 'anything else is an InvalidOptionError');

  check(new RedisLock(createClient({ url: 'redis://127.0.0.1:1' })).scope === 'cluster', 'RedisLock takes a node-redis client');
  check(new RedisLock(store).scope === 'cluster', 'RedisLock takes an @keyv/redis store');
TS
  if [ "${kind%%-*}" = esm ]; then
    cat <<'TS'

  // One copy of the library: require() from this ESM app gets the very classes import gave.
  const { createRequire } = await import('node:module');
  const required = createRequire(import.meta.url)('routing-controllers-extensions') as Record<string, unknown>;
  check(required.KeyConstructor === KeyConstructor && required.InvalidOptionError === InvalidOptionError, 'import and require share one copy');
TS
  fi
  cat <<'TS'
  console.log(`consumer ok: ${process.argv[2]}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
TS
}

# kind, package type, compiler options
kinds=(
  'cjs-nodenext|commonjs|"module": "nodenext", "moduleResolution": "nodenext"'
  'cjs-node10|commonjs|"module": "commonjs", "moduleResolution": "node10"'
  'esm-nodenext|module|"module": "nodenext", "moduleResolution": "nodenext"'
  'esm-bundler|module|"module": "esnext", "moduleResolution": "bundler"'
)
for entry in "${kinds[@]}"; do
  IFS='|' read -r kind type compiler <<< "$entry"
  dir=$scratch/$kind
  mkdir -p "$dir"
  echo "{ \"type\": \"$type\" }" > "$dir/package.json"
  consumer "$kind" > "$dir/consumer.ts"
  cat > "$dir/tsconfig.json" <<JSON
{ "compilerOptions": { $compiler, "target": "ES2022", "strict": true, "skipLibCheck": false,
  "experimentalDecorators": true, "emitDecoratorMetadata": true, "types": ["node"], "outDir": "out" },
  "files": ["consumer.ts"] }
JSON
  "$tsc" -p "$dir/tsconfig.json" || fail "$kind: the consumer does not compile against the packed types"
  node "$dir/out/consumer.js" "$kind" || fail "$kind: the compiled consumer fails"
done

rm -rf "$scratch"
