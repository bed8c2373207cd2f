// The API client: every call sends the session cookie (credentials: 'include') and turns problem+json into ApiError.
// Its types come from api-types.d.ts, which openapi-typescript generates from the API's OpenAPI document; the test suite
// regenerates it from the running API and type-checks this app against it (tsc --checkJs --strict), so a change to the
// contract that the app does not follow fails the build. A bundled app would use openapi-fetch over the same types.

/**
 * @typedef {import('./api-types').paths} Paths
 * @typedef {import('./api-types').components['schemas']} Schemas
 * @typedef {Schemas['HttpValidationProblemDetails']} Problem
 * @typedef {Problem['code'] | 'api_unreachable'} ErrorCode
 */

/**
 * The methods path P answers (lower case, as in the document).
 * @template {keyof Paths} P
 * @typedef {{ [M in keyof Paths[P]]-?: [Paths[P][M]] extends [never] ? never : Paths[P][M] extends { responses: object } ? M : never }[keyof Paths[P]]} MethodOf
 */

/**
 * What a successful call returns: the JSON of its 200, 201 or 202 answer, or null for 204.
 * @template O
 * @typedef {O extends { responses: { 200: { content: { 'application/json': infer T } } } } ? T
 *   : O extends { responses: { 201: { content: { 'application/json': infer T } } } } ? T
 *   : O extends { responses: { 202: { content: { 'application/json': infer T } } } } ? T
 *   : null} SuccessOf
 */

/**
 * The options an operation needs: its JSON body, its path parameters and its query, each only where it has them.
 * @template O
 * @typedef {(O extends { requestBody: { content: { 'application/json': infer B } } } ? { body: B } : { body?: never })
 *   & (O extends { parameters: { path: infer T } } ? { path: T } : { path?: never })
 *   & (O extends { parameters: { query?: infer Q } } ? ([Q] extends [undefined] ? { query?: never } : { query?: Q }) : { query?: never })} OptionsOf
 */

/**
 * The arguments after method and path: required when the operation has a body or path parameters, else optional.
 * @template O
 * @typedef {{} extends OptionsOf<O> ? [options?: OptionsOf<O>] : [options: OptionsOf<O>]} ArgsOf
 */

const defaultApi = 'http://localhost:5000';
export const apiBase = chooseApi(new URLSearchParams(location.search).get('api'));

// ?api= points the page at another API, for development. It is honoured only for an API on the page's own host (any
// port, same scheme): a link must never be able to route the user's password and cookies to a host of its choosing.
// That is stricter than same-site, which would need the Public Suffix List to tell example.co.uk from co.uk.
/** @param {string | null} requested */
function chooseApi(requested) {
  if (requested === null) {
    return defaultApi;
  }
  try {
    const api = new URL(requested);
    if (api.protocol === location.protocol && api.hostname === location.hostname) {
      return api.origin + api.pathname.replace(/\/$/, '');
    }
  } catch {
    // Not a URL: ignored like any other refused value.
  }
  console.warn(`Ignoring ?api=${requested}: only an API on ${location.hostname} may be chosen.`);
  return defaultApi;
}

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{ code?: ErrorCode, title?: string, detail?: string, errors?: Record<string, string[]> }} problem
   * @param {number | null} retryAfter
   */
  constructor(status, problem, retryAfter) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    /** @type {ErrorCode | null} The problem's stable code: branch on this, never on the title. */
    this.code = problem.code ?? null;
    this.title = problem.title ?? `HTTP ${status}`;
    this.detail = problem.detail ?? '';
    /** @type {Record<string, string[]>} */
    this.errors = problem.errors ?? {};
    this.retryAfter = retryAfter;
  }
}

/**
 * Calls one operation of the API, typed by the OpenAPI document.
 * @type {<P extends keyof Paths, M extends MethodOf<P>>(method: M, path: P, ...args: ArgsOf<Paths[P][M]>) => Promise<SuccessOf<Paths[P][M]>>}
 */
export const api = async (method, path, ...args) => {
  /** @type {{ body?: unknown, path?: Record<string, string | number>, query?: Record<string, string | number | undefined> }} */
  const options = /** @type {any} */ (args[0]) ?? {};
  const url = new URL(apiBase + String(path).replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(String(options.path?.[name]))));
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined) {
      url.searchParams.set(name, String(value));
    }
  }
  let response;
  try {
    response = await fetch(url, {
      method: String(method).toUpperCase(),
      credentials: 'include',
      headers: options.body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, { code: 'api_unreachable', title: 'API unreachable', detail: `Could not reach ${apiBase}.` }, null);
  }
  if (response.status === 204) {
    return /** @type {any} */ (null);
  }
  const isJson = (response.headers.get('Content-Type') ?? '').includes('json');
  const payload = isJson ? await response.json() : {};
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('Retry-After')) || null;
    throw new ApiError(response.status, payload, retryAfter);
  }
  return payload;
};
