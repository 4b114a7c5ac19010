/**
 * The parts of an OpenAPI 3 document `documentExtensions` reads and writes, typed structurally
 * so that the library depends on no OpenAPI package (`openapi3-ts`' `OpenAPIObject`, the spec
 * `routing-controllers-openapi` generates, or a hand-written one all fit).
 */
export interface OpenApiDocumentLike {
  readonly paths?: object;
  readonly components?: object;
}

/** An operation as `documentExtensions` edits it. @internal */
export interface OpenApiOperation {
  operationId?: string;
  parameters?: Array<OpenApiParameter | { $ref: string }>;
  responses?: Record<string, OpenApiResponse | { $ref: string }>;
  [field: string]: unknown;
}

/** A header parameter. @internal */
export interface OpenApiParameter {
  in: string;
  name: string;
  required?: boolean;
  description?: string;
  schema?: Record<string, unknown>;
}

/** A response. @internal */
export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { description?: string; schema?: Record<string, unknown> }>;
  content?: Record<string, { schema?: Record<string, unknown>; examples?: Record<string, { value: unknown }> }>;
  [field: string]: unknown;
}

/** The HTTP methods a path item holds operations under. @internal */
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
