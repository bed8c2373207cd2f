// The API client: every call sends the session cookie (credentials: 'include') and turns problem+json into ApiError.

const defaultApi = 'http://localhost:5000';
export const apiBase = chooseApi(new URLSearchParams(location.search).get('api'));

// ?api= points the page at another API, for development. It is honoured only for an API on the page's own host (any
// port, same scheme): a link must never be able to route the user's password and cookies to a host of its choosing.
// That is stricter than same-site, which would need the Public Suffix List to tell example.co.uk from co.uk.
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
  constructor(status, problem, retryAfter) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.title = problem.title ?? `HTTP ${status}`;
    this.detail = problem.detail ?? '';
    this.errors = problem.errors ?? {};
    this.retryAfter = retryAfter;
  }
}

export async function api(method, path, body) {
  let response;
  try {
    response = await fetch(apiBase + path, {
      method,
      credentials: 'include',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { title: 'API unreachable', detail: `Could not reach ${apiBase}.` });
  }
  if (response.status === 204) {
    return null;
  }
  const isJson = (response.headers.get('Content-Type') ?? '').includes('json');
  const payload = isJson ? await response.json() : {};
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('Retry-After')) || null;
    throw new ApiError(response.status, payload, retryAfter);
  }
  return payload;
}
