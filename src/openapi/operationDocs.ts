import type { ValidatedEtagOptions } from '../etag/EtagOptions';
import { IDEMPOTENCY_PROBLEM_BASE, IDEMPOTENCY_PROBLEMS, type IdempotencyProblem } from '../idempotency/idempotencyProblems';
import type { IdempotencyKeyOptions, InFlightPolicy } from '../idempotency/IdempotencyKeyOptions';
import type { OpenApiOperation, OpenApiParameter, OpenApiResponse } from './OpenApiDocument';

/** Name of the RFC 9457 schema the problem responses refer to (added to `components.schemas`). */
export const PROBLEM_SCHEMA_NAME = 'ProblemDetails';

/** RFC 9457 problem details, as every error response of the library is shaped. @internal */
export const PROBLEM_SCHEMA = Object.freeze({
  type: 'object',
  description: 'RFC 9457 problem details (application/problem+json)',
  properties: {
    type: { type: 'string', description: 'A URI naming the problem type' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
  },
});

const SAFE = new Set(['get', 'head', 'options', 'trace']);
const RETRY_AFTER = { description: 'Seconds after which a retry may succeed', schema: { type: 'integer', minimum: 0 } };

/** One problem a response may carry: its `type` URI and title. */
interface ProblemDoc {
  readonly name: string;
  readonly type: string;
  readonly title: string;
}

/** Adds `If-None-Match`/`If-Match`, 304/412/428/431 and the `ETag` header of an `@etag` operation. @internal */
export function documentEtag(operation: OpenApiOperation, method: string, options: ValidatedEtagOptions): void {
  const required = requiresPrecondition(options.requirePrecondition, method);
  addParameter(operation, {
    in: 'header',
    name: 'If-None-Match',
    required: false,
    description: SAFE.has(method)
      ? 'Entity tags the client holds: a match answers 304 Not Modified without running the action'
      : 'Entity tags (or *): a match answers 412 Precondition Failed',
    schema: { type: 'string' },
  });
  addParameter(operation, {
    in: 'header',
    name: 'If-Match',
    required,
    description: required
      ? 'Entity tag of the representation the change is based on (If-Unmodified-Since also satisfies the requirement); without either the answer is 428, on a mismatch 412'
      : 'Entity tags (or *): a mismatch answers 412 Precondition Failed',
    schema: { type: 'string' },
  });
  addSuccessHeader(operation, 'ETag', { description: 'Entity tag of the representation (RFC 9110 §8.8.3)', schema: { type: 'string' } });
  if (options.lastModified) {
    addSuccessHeader(operation, 'Last-Modified', { description: 'HTTP date of the last change', schema: { type: 'string' } });
  }
  if (method === 'get' || method === 'head') {
    addResponse(operation, '304', {
      description: 'Not Modified: the client’s representation (If-None-Match / If-Modified-Since) is current',
      headers: { ETag: { schema: { type: 'string' } } },
    });
  }
  addResponse(
    operation,
    '412',
    problemResponse('Precondition Failed: If-Match or If-Unmodified-Since did not hold', [blank('Precondition Failed')]),
  );
  if (required) {
    addResponse(
      operation,
      '428',
      problemResponse('Precondition Required: send If-Match or If-Unmodified-Since', [blank('Precondition Required')]),
    );
  }
  addResponse(
    operation,
    '431',
    problemResponse('Request Header Fields Too Large: an If-Match / If-None-Match list past the limits', [
      blank('Request Header Fields Too Large'),
    ]),
  );
}

/** Idempotency options as documented: the decorator's over the settings' over the defaults. @internal */
export interface DocumentedIdempotency {
  readonly header: string;
  readonly optional: boolean;
  readonly anonymous: 'shared' | 'reject';
  readonly fingerprint: boolean;
  readonly inFlight: InFlightPolicy;
  readonly ttl: number;
  /** `@idempotencyKeyManual`: duplicates run the action too. */
  readonly manual: boolean;
}

/** Adds the key header, 400/409/422/423/503 and `Idempotent-Replayed` of an idempotent operation. @internal */
export function documentIdempotency(operation: OpenApiOperation, method: string, idempotency: DocumentedIdempotency): void {
  if (SAFE.has(method)) return; // safe methods are never processed
  const { header, optional, manual, inFlight } = idempotency;
  const hours = Math.round((idempotency.ttl / 3_600_000) * 10) / 10;
  addParameter(operation, {
    in: 'header',
    name: header,
    required: !optional,
    description:
      `Idempotency key (IETF draft-ietf-httpapi-idempotency-key-header): an sf-string or token of 1–255 characters. ` +
      (manual
        ? 'A duplicate runs the action, which is told the key was seen. '
        : 'A retry with the same key replays the first response (Idempotent-Replayed: true) instead of running again. ') +
      `Keys are kept ${hours} h after completion${optional ? '; without the header the request runs normally' : ''}.`,
    schema: { type: 'string', minLength: 1, maxLength: 255 },
  });
  const bad: IdempotencyProblem[] = optional ? ['invalid-key'] : ['missing-key', 'invalid-key'];
  if (idempotency.anonymous === 'reject') bad.push('scope-required');
  addResponse(operation, '400', problemResponse(`Bad Request: the ${header} header is missing or invalid`, bad.map(idempotencyProblem)));
  const conflicts: IdempotencyProblem[] = inFlight === 'locked' ? [] : ['request-in-progress'];
  if (!manual) conflicts.push('replay-unavailable');
  if (conflicts.length > 0) {
    addResponse(
      operation,
      '409',
      problemResponse(
        'Conflict: a request with this key is still in progress, or its response cannot be replayed',
        conflicts.map(idempotencyProblem),
        true,
      ),
    );
  }
  if (idempotency.fingerprint) {
    addResponse(
      operation,
      '422',
      problemResponse('Unprocessable Content: the key was used for another request', [idempotencyProblem('key-reused')]),
    );
  }
  if (inFlight === 'locked') {
    addResponse(
      operation,
      '423',
      problemResponse('Locked: a request with this key is still in progress', [idempotencyProblem('locked')], true),
    );
  }
  addResponse(
    operation,
    '503',
    problemResponse('Service Unavailable: the idempotency store or lock failed; nothing ran', [idempotencyProblem('unavailable')], true),
  );
  if (!manual) {
    addSuccessHeader(operation, 'Idempotent-Replayed', {
      description: '`true` on a replay of the first response to this key',
      schema: { type: 'string', enum: ['true'] },
    });
  }
}

/** Adds the `Cache-Status` and `Age` headers of a `@cacheResponse` operation. @internal */
export function documentCache(operation: OpenApiOperation): void {
  addSuccessHeader(operation, 'Cache-Status', {
    description: 'RFC 9211: how the response cache answered (hit, miss, stale)',
    schema: { type: 'string' },
  });
  addSuccessHeader(operation, 'Age', {
    description: 'Seconds since a cached response was stored',
    schema: { type: 'integer', minimum: 0 },
  });
}

/** Merges `defaults` under a decorator's idempotency options (what the route will run with). @internal */
export function documentedIdempotency(
  options: IdempotencyKeyOptions,
  settings: IdempotencyKeyOptions,
  defaults: { header: string; optional: boolean; anonymous: 'shared' | 'reject'; inFlight: InFlightPolicy; ttl: number },
  manual: boolean,
): DocumentedIdempotency {
  const pick = <K extends keyof typeof defaults>(name: K) => (options[name] ?? settings[name] ?? defaults[name]) as (typeof defaults)[K];
  const fingerprint = options.fingerprint ?? settings.fingerprint;
  return {
    header: pick('header'),
    optional: pick('optional'),
    anonymous: pick('anonymous'),
    inFlight: pick('inFlight'),
    ttl: pick('ttl'),
    fingerprint: fingerprint !== false,
    manual,
  };
}

function requiresPrecondition(required: boolean | readonly string[], method: string): boolean {
  if (required === true) return !SAFE.has(method);
  return Array.isArray(required) && required.some((name) => name.toLowerCase() === method);
}

function idempotencyProblem(name: IdempotencyProblem): ProblemDoc {
  return { name, type: IDEMPOTENCY_PROBLEM_BASE + name, title: IDEMPOTENCY_PROBLEMS[name].title };
}

function blank(title: string): ProblemDoc {
  return { name: title.toLowerCase().replace(/\W+/g, '-'), type: 'about:blank', title };
}

function problemResponse(description: string, problems: readonly ProblemDoc[], retryAfter = false): OpenApiResponse {
  const response: OpenApiResponse = {
    description,
    content: {
      'application/problem+json': {
        schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA_NAME}` },
        examples: Object.fromEntries(problems.map(({ name, type, title }) => [name, { value: { type, title } }])),
      },
    },
  };
  if (retryAfter) response.headers = { 'Retry-After': RETRY_AFTER };
  return response;
}

/** Adds a parameter unless the operation documents one of that name and place already. */
function addParameter(operation: OpenApiOperation, parameter: OpenApiParameter): void {
  const parameters = (operation.parameters ??= []);
  const name = parameter.name.toLowerCase();
  const existing = parameters.some((other) => 'name' in other && other.in === parameter.in && other.name.toLowerCase() === name);
  if (!existing) parameters.push(parameter);
}

/** Adds a response unless the operation documents that status already (yours wins). */
function addResponse(operation: OpenApiOperation, status: string, response: OpenApiResponse): void {
  const responses = (operation.responses ??= {});
  if (!(status in responses)) responses[status] = response;
}

/** Adds a header to every 2xx response the operation documents. */
function addSuccessHeader(
  operation: OpenApiOperation,
  name: string,
  header: { description?: string; schema?: Record<string, unknown> },
): void {
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (!/^2(\d\d|XX)$/i.test(status) || '$ref' in response) continue;
    const headers = (response.headers ??= {});
    if (!(name in headers)) headers[name] = header;
  }
}
