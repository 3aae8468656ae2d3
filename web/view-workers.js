// view-workers.js: worker search. The query lives in the route
// (#/workers?q=ana), so the back button returns to the same results.

import { query, request } from './api.js';
import { empty, h, link, table } from './dom.js';
import { word } from './labels.js';
import { employers, nameOf } from './lookups.js';
import { showError } from './ui.js';

const PAGE = 50;

function searchForm(ctx, q) {
  const input = h('input', {
    id: 'q', name: 'q', type: 'search', value: q || null, autocomplete: 'off',
    'aria-describedby': 'q-help',
  });
  const form = h('form.card.inline-form', { role: 'search', 'aria-label': 'Workers' },
    h('div.field.grow', null, h('label', { for: 'q' }, 'Search workers'), input,
      h('p.help', { id: 'q-help' }, 'The start of a given or family name, or a whole external ID.')),
    h('button.button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`/workers${query({ q: input.value.trim() })}`);
  });
  return form;
}

function workerRow(worker, names) {
  const name = `${worker.given_name} ${worker.family_name}`;
  return [link(`/workers/${encodeURIComponent(worker.id)}`, name), worker.external_id || '–',
    worker.job_title || '–', nameOf(names, worker.employer_id), word(worker.employment_status)];
}

function resultsTable(items, names, caption) {
  return table(caption, ['Name', 'External ID', 'Job title', 'Employer', 'Status'],
    items.map((w) => workerRow(w, names)));
}

// "Show more" fetches the next page after the last cursor and adds its
// rows to the same table.
function moreButton(q, next, tbody, names) {
  let cursor = next;
  const button = h('button.button.ghost', { type: 'button' }, 'Show more workers');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const page = await request(`/v1/workers${query({ q, limit: PAGE, after: cursor })}`);
      const fresh = resultsTable(page.items, names, '').querySelectorAll('tbody tr');
      tbody.append(...fresh);
      fresh[0]?.querySelector('a')?.focus();
      cursor = page.next;
      button.hidden = !cursor;
    } catch (err) {
      if (err.status !== 401) showError(err, 'More workers could not be loaded.');
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** #/workers?q= */
export async function renderWorkers(ctx) {
  const q = ctx.params.get('q') || '';
  const [page, names] = await Promise.all([
    request(`/v1/workers${query({ q, limit: PAGE })}`), employers()]);
  const caption = q ? `Workers matching “${q}”` : 'All workers';
  const section = h('section', null, h('h1', null, 'Workers'), searchForm(ctx, q),
    h('h2.section-title', { 'data-focus-results': true }, caption));
  if (!page.items.length) {
    section.append(empty(q ? `No worker matches “${q}”.` : 'No workers yet.'));
    return section;
  }
  const results = resultsTable(page.items, names, caption);
  section.append(results);
  if (page.next) section.append(moreButton(q, page.next, results.querySelector('tbody'), names));
  return section;
}
