#!/usr/bin/env bash
# Packs the library as npm would publish it, installs the tarball into a scratch consumer and
# checks that the consumer compiles against its types and runs against its CommonJS build.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.pack-check
rm -rf "$scratch" && mkdir -p "$scratch/node_modules"
tarball=$(npm pack --silent --ignore-scripts --pack-destination "$scratch" | tail -1)
tar xzf "$scratch/$tarball" -C "$scratch/node_modules"
mv "$scratch/node_modules/package" "$scratch/node_modules/routing-controllers-extensions"
echo '{ "name": "consumer", "private": true }' > "$scratch/package.json"
cat > "$scratch/consumer.ts" <<'TS'
import 'reflect-metadata';
import { Get, JsonController } from 'routing-controllers';
import { cacheResponse, DefaultKeyConstructor, KeyConstructor, UserKeyBit, type CacheResponseOptions } from 'routing-controllers-extensions';

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
console.log('consumer ok', typeof new DefaultKeyConstructor().getKey);
TS
cat > "$scratch/tsconfig.json" <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext", "strict": true,
  "experimentalDecorators": true, "emitDecoratorMetadata": true, "skipLibCheck": false, "types": ["node"], "outDir": "out" },
  "files": ["consumer.ts"] }
JSON
npx tsc -p "$scratch/tsconfig.json"
node "$scratch/out/consumer.js"
rm -rf "$scratch"
