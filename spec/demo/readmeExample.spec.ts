import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** The first ```ts block after the README's `## Example` heading. */
function readmeExample(): string {
  const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Example\n'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README.md has no ```ts block under ## Example');
  return match[1];
}

/** What demo/readme-example.ts holds between its README markers. */
function demoExample(): string {
  const demo = readFileSync(resolve(ROOT, 'demo/readme-example.ts'), 'utf8');
  const start = demo.indexOf('// --- README Example ---\n');
  const end = demo.indexOf('// --- end of README Example ---');
  if (start < 0 || end < 0) throw new Error('demo/readme-example.ts lost its README markers');
  return demo.slice(start + '// --- README Example ---\n'.length, end);
}

describe('README example', () => {
  it('is, character for character, the code demo/readme-example.ts runs (CI runs it: npm run demo:readme)', () => {
    expect(readmeExample()).to.equal(demoExample());
  });
});
