/** Header values as Node's `ServerResponse` holds them. */
export type HeaderValue = string | number | readonly string[];

/**
 * A complete HTTP response as it went (or will go) on the wire: status, headers by lower-cased
 * name, and the exact body bytes. What the capture produces and what the replay writes.
 */
export interface CapturedResponse {
  /** Status code, e.g. 200. */
  readonly status: number;
  /** Headers by lower-cased name. */
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** Exact body bytes (empty for bodiless responses). */
  readonly body: Buffer;
}

/** Why a capture has no complete response. */
export type CaptureFailure = 'aborted' | 'too-large';

/** The outcome of capturing a response: the response, or why it could not be captured whole. */
export type CaptureResult =
  | { readonly complete: true; readonly response: CapturedResponse }
  | { readonly complete: false; readonly reason: CaptureFailure; readonly status: number };

/**
 * A header value as one string: repeated field lines joined with `, ` (RFC 9110 §5.3); `''`
 * for an absent header.
 * @internal
 */
export function headerText(value: HeaderValue | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}
