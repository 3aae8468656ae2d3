// session.js: what kind of node this is and what the signed-in token may
// see. The API has no "who am I" call, so the dashboard asks the cheapest
// question each role may or may not ask, and shows only the pages that
// will answer, instead of pages that fail with 403.

import { ApiError, health, request } from './api.js';
import { clearLookups } from './lookups.js';

/** The pages each kind of access opens, in menu order. */
const PAGES = {
  fund: ['grants', 'outcomes', 'workers', 'apprentices'],
  analyst: ['grants', 'outcomes'],
  mentor: ['apprentices'],
  central: ['central', 'outcomes'],
  none: [],
};

export const NAMES = {
  grants: 'Grants',
  outcomes: 'Outcomes',
  workers: 'Workers',
  apprentices: 'Apprentices',
  central: 'Nodes',
};

export const session = { central: false, access: null, pages: [] };

// true when the call is allowed for the token, false on 403. The gateway
// checks the role before it asks a service, so a service that is down
// (503, 504) still means "allowed": its page will say what is wrong. A 401
// or no answer at all goes to the caller.
async function allowed(path, token) {
  try {
    await request(path, { token });
    return true;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 401 || err.status === 0) throw err;
    if (err.status === 403) return false;
    if (err.status >= 500) return true;
    throw err;
  }
}

async function accessAtRegion(token) {
  if (await allowed('/v1/grants?limit=1', token)) return 'fund';
  if (await allowed('/v1/apprenticeship-programs?limit=1', token)) return 'mentor';
  return 'analyst';
}

/**
 * Finds out the node's role (from the public /healthz) and the token's
 * access; fills `session`. Rejects with the ApiError of a refused token.
 */
export async function probe(token) {
  const status = await health();
  const central = (status.services || []).some((s) => s.name === 'central');
  let access;
  if (central) {
    access = (await allowed('/v1/nodes?limit=1', token)) ? 'central' : 'none';
  } else {
    access = await accessAtRegion(token);
  }
  Object.assign(session, { central, access, pages: PAGES[access] });
  clearLookups();
  return session;
}

export function forget() {
  Object.assign(session, { central: false, access: null, pages: [] });
  clearLookups();
}

/** The page a signed-in user lands on. */
export function homePage() {
  return session.pages[0] || 'signin';
}
