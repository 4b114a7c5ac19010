import { ExtensionsError, InvalidOptionError } from '../errors';
import { routeParamNames } from '../http/routeParams';
import type { RouteTarget } from '../http/steps';
import type { KeyBitContext } from '../keys/KeyBit';
import { isThenable } from '../promises';

/**
 * Invalidation tags of a route: fixed names, where `{name}` stands for the route parameter `name`
 * of the request (`'city:{id}'` on `/cities/:id` is `city:42` for `/cities/42`), or a function
 * of the context returning the names.
 *
 * @example
 * ```ts
 * const byParam: TagList = ['city:{id}', 'cities'];
 * const byArgs: TagList = (context) => [`city:${String(context.args[0])}`];
 * ```
 */
export type TagList = readonly string[] | ((context: KeyBitContext) => readonly string[] | Promise<readonly string[]>);

/** A {@link TagList} checked when its decorator was applied, ready to expand per request. @internal */
export interface TagTemplates {
  /** Route parameters the fixed names refer to (checked against the route when it is bound). */
  readonly placeholders: ReadonlySet<string>;
  /** The tag names for one request. */
  expand(context: KeyBitContext): readonly string[] | Promise<readonly string[]>;
}

const PLACEHOLDER = /\{([A-Za-z_$][\w$]*)\}/g;

/**
 * Checks a {@link TagList} when its decorator is applied: an array of strings whose braces are
 * all `{name}` placeholders, or a function. Throws `InvalidOptionError` naming `owner` and `option`.
 * @internal
 */
export function parseTagList(value: unknown, owner: string, option: string): TagTemplates {
  if (typeof value === 'function') {
    const tags = value as (context: KeyBitContext) => unknown;
    return {
      placeholders: new Set(),
      expand(context) {
        const result = tags(context);
        return isThenable(result) ? Promise.resolve(result).then((names) => checked(names, owner, option)) : checked(result, owner, option);
      },
    };
  }
  if (!Array.isArray(value) || !value.every((tag) => typeof tag === 'string')) {
    throw new InvalidOptionError(
      owner,
      option,
      'an array of strings (with {param} placeholders) or a function (context) => string[]',
      value,
    );
  }
  const placeholders = new Set<string>();
  for (const tag of value as string[]) {
    if (/[{}]/.test(tag.replace(PLACEHOLDER, ''))) {
      throw new InvalidOptionError(owner, option, 'tags whose braces are {param} placeholders naming route parameters', tag);
    }
    for (const match of tag.matchAll(PLACEHOLDER)) placeholders.add(match[1]);
  }
  const fixed = Object.freeze([...(value as string[])]);
  if (placeholders.size === 0) return { placeholders, expand: () => fixed };
  return {
    placeholders,
    expand: (context) => fixed.map((tag) => tag.replace(PLACEHOLDER, (_match, name: string) => context.request.params[name] ?? '')),
  };
}

/**
 * Checks, when a route is bound, that every placeholder of `templates` names a parameter of each
 * of the route's paths; throws `InvalidOptionError` naming `owner` (the decorator and the route).
 * @internal
 */
export function checkTagPlaceholders(templates: TagTemplates, route: RouteTarget, owner: string, option: string): void {
  if (templates.placeholders.size === 0) return;
  const paths = routeParamNames(route);
  if (paths === undefined) return;
  for (const name of templates.placeholders) {
    if (paths.length === 0 || paths.some((params) => !params.includes(name))) {
      const known = [...new Set(paths.flat())].map((param) => `{${param}}`).join(', ') || 'none';
      throw new InvalidOptionError(owner, option, `placeholders naming route parameters (${known})`, `{${name}}`);
    }
  }
}

/**
 * Whether `tags` are plain names (no `{param}` placeholder): what `invalidateTags`, which has no
 * route, accepts.
 * @internal
 */
export function hasPlaceholder(tag: string): boolean {
  return /[{}]/.test(tag);
}

function checked(names: unknown, owner: string, option: string): readonly string[] {
  if (Array.isArray(names) && names.every((name) => typeof name === 'string')) return names as readonly string[];
  throw new ExtensionsError(`${owner}: option ${option} returned ${describe(names)}, expected an array of strings`);
}

function describe(value: unknown): string {
  return Array.isArray(value) ? 'an array with a non-string' : value === null ? 'null' : typeof value;
}
