import { getExtensionsSettings } from '../configure';
import { InvalidOptionError } from '../errors';
import type { ValidatedEtagOptions } from '../etag/EtagOptions';
import { registeredRoutes, type RegisteredRoute } from '../http/routingControllers';
import { DEFAULT_IDEMPOTENCY_OPTIONS, type IdempotencyKeyOptions } from '../idempotency/IdempotencyKeyOptions';
import { isPlainObject } from '../options';
import { OPERATION_METHODS, type OpenApiDocumentLike, type OpenApiOperation } from './OpenApiDocument';
import {
  documentCache,
  documentedIdempotency,
  documentEtag,
  documentIdempotency,
  PROBLEM_SCHEMA,
  PROBLEM_SCHEMA_NAME,
} from './operationDocs';

/** Options of {@link documentExtensions}. */
export interface DocumentExtensionsOptions {
  /**
   * The app's `routePrefix`, as given to routing-controllers (and to `routingControllersToSpec`),
   * so operations are found by path; they are found by `operationId` (`Class.method`) otherwise.
   * @default ''
   */
  routePrefix?: string;
  /**
   * The app's `middlewares`: with `IdempotencyKeyMiddleware` every unsafe operation is documented
   * as idempotent (unless it is exempt), as the app runs it.
   * @default []
   */
  middlewares?: readonly Function[];
}

const OWNER = 'documentExtensions';
const IDEMPOTENCY_STEPS = new Set(['@idempotencyKey', '@idempotencyKeyManual', 'IdempotencyKeyMiddleware']);

/**
 * Documents what the decorators add to each operation of an OpenAPI 3 document — the one
 * `routing-controllers-openapi` generates, or any with the same paths or `operationId`s
 * (`Controller.method`): the `Idempotency-Key` header (required unless `optional`), `If-Match` /
 * `If-None-Match` on `@etag` operations (`If-Match` required with `requirePrecondition`), the
 * 304, 409, 412, 422, 423, 428, 431 and 503 responses where they can occur, with an RFC 9457
 * `application/problem+json` schema (`components.schemas.ProblemDetails`) and the problems'
 * `type` URIs as examples, and the `ETag`, `Cache-Status`, `Age` and `Idempotent-Replayed`
 * headers of successful responses. What the document already says (a parameter, a response
 * status) is kept. Options come from the decorators and the settings in force. Returns a new
 * document; the one given is not changed.
 *
 * @example
 * ```ts
 * import { getMetadataArgsStorage } from 'routing-controllers';
 * import { routingControllersToSpec } from 'routing-controllers-openapi';
 *
 * const spec = documentExtensions(routingControllersToSpec(getMetadataArgsStorage(), { routePrefix: '/api' }), {
 *   routePrefix: '/api',
 * });
 * ```
 */
export function documentExtensions<T extends OpenApiDocumentLike>(spec: T, options: DocumentExtensionsOptions = {}): T {
  if (spec === null || typeof spec !== 'object') throw new InvalidOptionError(OWNER, 'spec', 'an OpenAPI document', spec);
  if (!isPlainObject(options)) throw new InvalidOptionError(OWNER, 'options', 'an object', options);
  const { routePrefix = '', middlewares = [] } = options;
  if (typeof routePrefix !== 'string') throw new InvalidOptionError(OWNER, 'routePrefix', 'a string', routePrefix);
  if (!Array.isArray(middlewares) || !middlewares.every((cls) => typeof cls === 'function'))
    throw new InvalidOptionError(OWNER, 'middlewares', 'an array of middleware classes', middlewares);
  const document = structuredClone(spec) as T & { paths?: Record<string, Record<string, unknown>>; components?: Record<string, unknown> };
  const paths = document.paths ?? {};
  const settings = getExtensionsSettings();
  const documented = new Set<OpenApiOperation>();
  let problems = false;
  for (const route of registeredRoutes(middlewares)) {
    if (route.steps.length === 0) continue;
    for (const [method, operation] of operationsOf(paths, route, routePrefix)) {
      if (documented.has(operation)) continue;
      documented.add(operation);
      for (const step of route.steps) {
        if (step.name === '@etag') {
          documentEtag(operation, method, step.options as ValidatedEtagOptions);
          problems = true;
        } else if (step.name === '@cacheResponse' && method === 'get') {
          documentCache(operation);
        } else if (IDEMPOTENCY_STEPS.has(step.name)) {
          const idempotency = documentedIdempotency(
            step.options as IdempotencyKeyOptions,
            settings.idempotency,
            DEFAULT_IDEMPOTENCY_OPTIONS,
            step.name === '@idempotencyKeyManual',
          );
          documentIdempotency(operation, method, idempotency);
          problems = true;
        }
      }
    }
  }
  if (problems) {
    const components = (document.components ??= {});
    const schemas = (components.schemas ??= {}) as Record<string, unknown>;
    schemas[PROBLEM_SCHEMA_NAME] ??= structuredClone(PROBLEM_SCHEMA);
  }
  return document;
}

/** The operations of `paths` a route answers: by its path first, else by `operationId`. */
function operationsOf(
  paths: Record<string, Record<string, unknown>>,
  route: RegisteredRoute,
  routePrefix: string,
): Array<[string, OpenApiOperation]> {
  const methods: readonly string[] = route.type === 'all' ? OPERATION_METHODS : [route.type];
  const found: Array<[string, OpenApiOperation]> = [];
  const item = route.path === undefined ? undefined : paths[openApiPath(routePrefix + route.path)];
  for (const method of methods) {
    const operation = item?.[method];
    if (isOperation(operation)) found.push([method, operation]);
  }
  if (found.length > 0) return found;
  const ids = new Set([`${route.controller.name}.${route.methodName}`, `${route.declaringClass.name}.${route.methodName}`]);
  for (const pathItem of Object.values(paths)) {
    for (const method of methods) {
      const operation = pathItem?.[method];
      if (isOperation(operation) && operation.operationId !== undefined && ids.has(operation.operationId)) found.push([method, operation]);
    }
  }
  return found;
}

/** `/cities/:id` → `/cities/{id}`, as routing-controllers-openapi writes paths. */
function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?[?*+]?/g, '{$1}');
}

function isOperation(value: unknown): value is OpenApiOperation {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
