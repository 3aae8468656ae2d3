// session.js: what kind of node this is and what the signed-in token may
// see: GET /v1/session names the token's role and whether the node is
// central, so the dashboard shows only the pages that will answer.

import { request } from './api.js';
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

// The pages of a role at a regional node; at central every role that may
// read reports sees the nodes and their outcomes.
const REGION_ACCESS = { admin: 'fund', staff: 'fund', analyst: 'analyst', mentor: 'mentor' };

/**
 * Asks the node who the token is; fills `session`. Rejects with the
 * ApiError of a refused token.
 */
export async function probe(token) {
  const who = await request('/v1/session', { token });
  const central = who.central === true;
  const access = central
    ? (who.role === 'mentor' ? 'none' : 'central')
    : (REGION_ACCESS[who.role] || 'none');
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
