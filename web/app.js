// app.js: the dashboard's entry point: hash routing, the menu, sign-out,
// and turning a 401 anywhere into a return to the sign-in page.
// Routes: #/signin, #/grants[/CODE], #/outcomes?by=&from=&to=,
// #/workers[?q=] and #/workers/ID, #/apprentices[/ID], #/central.

import { clearToken, getToken, onUnauthorized } from './api.js';
import { h, replace } from './dom.js';
import { NAMES, forget, homePage, probe, session } from './session.js';
import { clearAlert, setStatus, showError } from './ui.js';
import { renderSignin } from './view-signin.js';
import { renderGrant, renderGrants } from './view-grants.js';
import { renderOutcomes } from './view-outcomes.js';
import { renderWorkers } from './view-workers.js';
import { renderProfile } from './view-profile.js';
import { renderApprentice, renderApprentices } from './view-apprentices.js';
import { renderCentral } from './view-central.js';

// page name -> [view without an id, view with an id]
const VIEWS = {
  grants: [renderGrants, renderGrant],
  outcomes: [renderOutcomes, null],
  workers: [renderWorkers, renderProfile],
  apprentices: [renderApprentices, renderApprentice],
  central: [renderCentral, null],
};

let generation = 0;
let lastPage = null;
let signinNotice = null;

/** The current route: page, id (decoded) and query parameters. */
function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, search = ''] = raw.split('?');
  const [page = '', id = null] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page, id, params: new URLSearchParams(search) };
}

/** Goes to a route (a hash without '#'); the hashchange listener renders it. */
function navigate(route) {
  if (location.hash === `#${route}`) render();
  else location.hash = route;
}

function buildNav(current) {
  const nav = document.getElementById('nav');
  const links = session.pages.map((page) => h('li', null, h('a', {
    href: `#/${page}`, 'aria-current': page === current ? 'page' : null,
  }, NAMES[page])));
  replace(document.getElementById('nav-links'), links);
  nav.hidden = !getToken() || links.length === 0;
  document.getElementById('signout').hidden = !getToken();
  document.getElementById('node-role').textContent =
    session.access ? (session.central ? 'central' : 'regional fund') : '';
}

// Moves focus to the new page's heading, so keyboard and screen reader
// users start reading at the top of what changed. Same-page updates (a
// search, another dimension) go to the results instead.
function focusPage(main, samePage) {
  const target = main.querySelector('[data-autofocus]')
    || (samePage && main.querySelector('[data-focus-results]')) || main.querySelector('h1');
  if (target) {
    if (!target.matches('input, select, button, a')) target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: samePage });
  }
}

async function ensureSession() {
  if (session.access || !getToken()) return;
  await probe(getToken());
}

function viewFor(route) {
  if (route.page === 'signin' || !getToken()) return { view: renderSignin, signin: true };
  const page = route.page || homePage();
  const pair = VIEWS[page];
  if (!pair || !session.pages.includes(page)) return { view: renderUnavailable, page };
  return { view: (route.id && pair[1]) || pair[0], page };
}

async function render() {
  const gen = ++generation;
  const alive = () => gen === generation;
  const route = parseHash();
  const main = document.getElementById('main');
  clearAlert();
  setStatus('Loading…');
  let page = null;
  try {
    await ensureSession();
    const found = viewFor(route);
    page = found.page;
    const ctx = { ...route, alive, navigate, notice: found.signin ? takeNotice() : null };
    const node = await found.view(ctx);
    if (!alive()) return;
    show(main, node, page, route);
  } catch (err) {
    if (alive() && err.status !== 401) show(main, errorPage(err), page, route);
  } finally {
    if (alive()) setStatus('');
  }
}

// Puts a rendered page in place: menu, title, focus.
function show(main, node, page, route) {
  buildNav(page);
  replace(main, node);
  document.title = `${main.querySelector('h1')?.textContent || 'Dashboard'} · hcap`;
  const where = `${page}/${route.id || ''}`;
  focusPage(main, where === lastPage);
  lastPage = where;
}

// A page whose data did not come: the reason in the alert region (a 401
// is not shown: the unauthorized handler has taken the user to sign-in).
function errorPage(err) {
  showError(err, 'This page could not be loaded.');
  return h('section', null, h('h1', null, 'Not loaded'),
    h('p', null, 'The node answered with an error, shown above.'),
    h('button.button', { type: 'button', onclick: () => render() }, 'Try again'));
}

function renderUnavailable(ctx) {
  const where = session.central ? 'a central node' : 'this regional node';
  return h('section', null, h('h1', null, 'Page not available'),
    h('p', null, `“${ctx.page}” is not a page your token can open on ${where}. `),
    session.pages.length
      ? h('p', null, 'Use the menu above.')
      : h('p', null, 'Your token’s role has no pages on this node. Sign out and use another token.'));
}

function takeNotice() {
  const text = signinNotice;
  signinNotice = null;
  return text;
}

function signOut(message) {
  clearToken();
  forget();
  buildNav(null);
  signinNotice = message;
  navigate('/signin');
}

onUnauthorized(() => {
  if (!getToken()) return; // the sign-in form reports its own refusals
  signOut('Your session has ended or the token is no longer valid. Please sign in again.');
});

document.getElementById('signout').addEventListener('click', () => signOut('You are signed out.'));
window.addEventListener('hashchange', render);
render();

