/**
 * Parses the query string of a raw request URL: a single value is a string, a repeated name
 * gives an array in the order received. Both drivers get the same result this way (Express's
 * `qs` would build nested objects, Koa's `querystring` would not).
 * @internal
 */
export function parseQuery(url: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  const mark = url.indexOf('?');
  if (mark < 0) return query;
  for (const [name, value] of new URLSearchParams(url.slice(mark + 1))) {
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (typeof existing === 'string') query[name] = [existing, value];
    else existing.push(value);
  }
  return query;
}
