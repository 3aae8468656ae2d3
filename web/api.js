// api.js: the dashboard's only door to the node's HTTP API.
// The token lives in sessionStorage: it survives a reload of the tab but
// not the closing of the browser, and no other tab or site can read it.

const TOKEN_KEY = 'hcap.token';

/** An error reply of the API ({"error": {code, message, field}}) or a network failure. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

let unauthorizedHandler = () => {};

/** Called with the ApiError whenever the node answers 401 (token unknown or revoked). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') q.set(key, String(value));
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

// The reply's JSON, or null when the body is not JSON (a proxy's error page).
async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

function errorOf(response, body) {
  const e = body && body.error;
  if (e && typeof e === 'object') {
    return new ApiError(response.status, e.code || 'unknown', e.message || response.statusText, e.field);
  }
  return new ApiError(response.status, 'unknown', `HTTP ${response.status} ${response.statusText}`);
}

/**
 * GET (or another method with a JSON body) a path of the API with the
 * session's token. Resolves to the parsed JSON; rejects with an ApiError.
 * A 401 also calls the unauthorized handler, which sends the user to sign-in.
 */
export async function request(path, { method = 'GET', body, token = getToken(), signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method, headers, signal, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'The node did not answer. Is it running?');
  }
  const json = await readJson(response);
  if (response.ok) return json;
  const error = errorOf(response, json);
  if (response.status === 401) unauthorizedHandler(error);
  throw error;
}

/** Every item of a list endpoint, following `next` cursors up to `max` items. */
export async function listAll(path, params = {}, max = 2000) {
  const items = [];
  let after = null;
  do {
    const page = await request(path + query({ ...params, limit: 500, after }));
    items.push(...page.items);
    after = page.next;
  } while (after && items.length < max);
  return items;
}
