import { expect } from 'chai';
import { Get, JsonController } from 'routing-controllers';
import { InvalidOptionError } from '../../src/errors';
import { etag } from '../../src/etag/etag';
import type { EtagOptions } from '../../src/etag/EtagOptions';
import { DefaultKeyConstructor } from '../../src/keys/DefaultKeyConstructor';
import { decorate } from '../helpers/decorate';

describe('@etag options', () => {
  for (const [name, options, pattern] of [
    ['an unknown option', { etagFunction: () => 'x' }, /@etag on Probe\.method: option etagFunction must be one of/],
    [
      'content with an etagFunc',
      { content: true, etagFunc: () => 'x' },
      /@etag on Probe\.method: option content must be false when etagFunc is given .*, got true/,
    ],
    [
      'content with rebuildAfterMethodEvaluation',
      { content: true, rebuildAfterMethodEvaluation: true },
      /option rebuildAfterMethodEvaluation/,
    ],
    ['a non-boolean weak', { weak: 'yes' }, /@etag on Probe\.method: option weak must be a boolean, got "yes"/],
    [
      'a bad requirePrecondition list',
      { requirePrecondition: ['PUT', 3] },
      /@etag on Probe\.method: option requirePrecondition must be a boolean or a non-empty list of methods, got \["PUT",3\]/,
    ],
    ['an empty requirePrecondition list', { requirePrecondition: [] }, /option requirePrecondition/],
    ['a non-function lastModified', { lastModified: new Date(0) }, /@etag on Probe\.method: option lastModified must be a function/],
    [
      'a zero member cap',
      { limits: { maxMembers: 0 } },
      /@etag on Probe\.method: option limits.maxMembers must be a positive integer, got 0/,
    ],
    ['a negative maxContentBytes', { maxContentBytes: -1 }, /@etag on Probe\.method: option maxContentBytes/],
    [
      'a KeyConstructor class instead of an instance',
      { etagFunc: DefaultKeyConstructor },
      /@etag on Probe\.method: option etagFunc must be .*an instance, not the class/,
    ],
    [
      'an empty method name',
      { etagFunc: '' },
      /@etag on Probe\.method: option etagFunc must be a KeyConstructor, a function or a controller method name, got ""/,
    ],
    ['a number as etagFunc', { etagFunc: 42 }, /@etag on Probe\.method: option etagFunc .* got 42/],
  ] as const) {
    it(`throws InvalidOptionError naming Controller.method when applied with ${name}`, () => {
      expect(() => decorate(etag(options as unknown as EtagOptions))).to.throw(InvalidOptionError, pattern);
    });
  }

  it('throws when the etagFunc is given twice', () => {
    expect(() => decorate(etag(() => 'a', { etagFunc: () => 'b' }))).to.throw(InvalidOptionError, /option etagFunc must be given once/);
  });

  it('fails while the controller class is defined, before any server starts', () => {
    expect(() => {
      @JsonController('/never')
      class BadController {
        @Get('/')
        @etag({ weak: 1 as unknown as boolean })
        never() {
          return {};
        }
      }
      return BadController;
    }).to.throw(InvalidOptionError, /@etag on BadController\.never: option weak must be a boolean, got 1/);
  });

  it('accepts a function with options, options alone, a method name and nothing', () => {
    expect(() => decorate(etag(() => 'v1', { weak: true, requirePrecondition: ['put', 'PATCH'] }))).to.not.throw();
    expect(() => decorate(etag({ content: true, lastModified: () => new Date() }))).to.not.throw();
    expect(() => decorate(etag('version'))).to.not.throw();
    expect(() => decorate(etag())).to.not.throw();
  });
});
