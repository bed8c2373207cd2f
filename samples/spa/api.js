// The API client: every call sends the session cookie (credentials: 'include') and turns problem+json into ApiError.

const params = new URLSearchParams(location.search);
export const apiBase = params.get('api') ?? 'http://localhost:5000';

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
