import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { DRIVERS } from '../helpers/servers';

const ROOT = resolve(__dirname, '../..');

/** Runs `demo/tour.ts` exactly as `npm run demo` does, in its own process. */
function runTour(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'demo/tour.ts', ...args],
      { cwd: ROOT, env: { ...process.env, REDIS_URL: '' }, timeout: 60_000 },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

describe('demo tour', () => {
  for (const driver of DRIVERS) {
    it(`behaves at every step on the in-memory store with the ${driver} driver`, async () => {
      const { code, output } = await runTour(['--driver', driver]);

      expect(output, output).to.match(/all \d+ steps behaved/);
      expect(output).not.to.match(/^FAIL/m);
      expect(code, output).to.equal(0);
    });
  }
});
