// view-signin.js: the token sign-in form. The token is checked against
// the node before it is kept, so a typo is reported here and not as a
// failure on the next page.

import { setToken } from './api.js';
import { h, replace } from './dom.js';
import { forget, homePage, probe } from './session.js';
import { errorText } from './ui.js';

function tokenField() {
  return h('div.field', null,
    h('label', { for: 'token' }, 'Access token'),
    h('input', {
      id: 'token', 'data-autofocus': true, name: 'token', type: 'password', required: true,
      autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off',
      'aria-describedby': 'token-help',
    }),
    h('p.help', { id: 'token-help' },
      'The node’s first admin token is in admin.token in its data directory; ',
      'other tokens come from “hcapctl tokens create ROLE NAME”. ',
      'The token is kept for this browser tab only.'));
}

async function submit(event, ctx, form) {
  event.preventDefault();
  const input = form.querySelector('#token');
  const message = form.querySelector('#signin-error');
  const button = form.querySelector('button');
  const token = input.value.trim();
  if (!token) {
    showFormError(message, input, 'Enter a token.');
    return;
  }
  button.disabled = true;
  message.classList.remove('error');
  replace(message, 'Checking the token…');
  try {
    const session = await probe(token);
    if (!session.pages.length) {
      forget(); // a token kept from before is probed again on the next page
      showFormError(message, input, 'This token’s role has no pages on this node (a mentor’s token at central, say).');
      return;
    }
    setToken(token);
    const target = ctx.page && ctx.page !== 'signin' ? location.hash.slice(1) : `/${homePage()}`;
    ctx.navigate(target);
  } catch (err) {
    const text = err.status === 401 ? 'That token was not accepted by this node. Check it and try again.' : errorText(err);
    showFormError(message, input, text);
  } finally {
    button.disabled = false;
  }
}

function showFormError(message, input, text) {
  replace(message, text);
  message.classList.add('error');
  input.setAttribute('aria-invalid', 'true');
  input.focus();
}

/** The sign-in page; ctx.notice says why the user is here (signed out, 401). */
export function renderSignin(ctx) {
  const form = h('form.card.signin', { novalidate: true, 'aria-labelledby': 'signin-title' },
    tokenField(),
    h('p', { id: 'signin-error', class: 'form-message', role: 'status', 'aria-live': 'polite' }),
    h('button.button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', (event) => submit(event, ctx, form));
  const notice = ctx.notice ? h('p.notice', { role: 'status' }, ctx.notice) : null;
  return h('section.signin-page', null,
    h('h1', { id: 'signin-title' }, 'Sign in'),
    h('p.lead', null, 'Sign in with an API token of this node to see its grants, outcomes, workers and apprentices.'),
    notice, form);
}
