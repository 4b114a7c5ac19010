// The floor: plain node:http writing the same 46 bytes every routing-controllers row sends, no
// framework at all. `npx ts-node --transpile-only bench/floor.ts serve` (the bench starts it).
import { createServer } from 'node:http';
import { announceServer } from './lib/serverChild';

const RESPONSE = JSON.stringify({ hello: 'world', id: 42, tags: ['a', 'b', 'c'] });
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(RESPONSE) };

announceServer(
  createServer((_request, response) => {
    response.writeHead(200, HEADERS);
    response.end(RESPONSE);
  }),
).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
