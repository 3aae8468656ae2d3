// ui.js: the page-wide live regions (loading status, errors) and the
// sentences the dashboard says for the API's error codes.

import { h, replace } from './dom.js';

const statusEl = () => document.getElementById('status');
const alertEl = () => document.getElementById('alert');

/** Says what is loading (polite live region); '' clears it. */
export function setStatus(text) {
  statusEl().textContent = text;
  document.getElementById('main').setAttribute('aria-busy', text ? 'true' : 'false');
}

// What a user can do about each error code, said before the node's message.
const HINTS = {
  invalid_argument: 'The request was not accepted',
  unauthenticated: 'The token was not accepted',
  permission_denied: 'Your token’s role may not see this',
  not_found: 'Not found',
  already_exists: 'That already exists',
  failed_precondition: 'Not possible in the current state',
  resource_exhausted: 'The request is too large',
  unavailable: 'A service of the node did not answer; try again in a moment',
  deadline_exceeded: 'The node took too long to answer; try again',
  network: 'No connection',
};

/** An ApiError (or any error) as one sentence, naming the field when there is one. */
export function errorText(err) {
  const hint = HINTS[err.code] || 'Something went wrong';
  const field = err.field ? ` (field “${err.field}”)` : '';
  const message = err.message ? `: ${err.message}` : '';
  return `${hint}${message}${field}.`;
}

/** Shows an error in the assertive live region. */
export function showError(err, prefix) {
  const el = alertEl();
  replace(el, h('strong', null, prefix || 'Error'), ' ', errorText(err));
  el.hidden = false;
}

/** Shows a plain message in the alert region (e.g. why sign-in is needed). */
export function showMessage(text) {
  const el = alertEl();
  replace(el, text);
  el.hidden = false;
}

export function clearAlert() {
  const el = alertEl();
  el.hidden = true;
  el.replaceChildren();
}

/** An inline error box for one part of a page that failed while the rest loaded. */
export function errorBox(err, what) {
  return h('p.inline-error', { role: 'alert' }, h('strong', null, `${what}: `), errorText(err));
}
