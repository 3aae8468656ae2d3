// view-grants.js: the list of grants and a grant's deliverables report:
// per deliverable how far it is toward its target beside how much of the
// grant period has passed, and whether it keeps pace, said in words.

import { listAll, request } from './api.js';
import { paceBar, timeBar } from './charts.js';
import { day, empty, h, link, num, pct } from './dom.js';
import { METRIC_WORDS, RATE_METRICS } from './labels.js';
import { session } from './session.js';

// A grant in the list, with its pace when its report came back.
function grantCard(grant, report) {
  const count = (grant.deliverables || []).length;
  const pace = report
    ? [h('p.meta', null, `${pct(report.elapsed_pct)} of the period elapsed`),
      timeBar(report.elapsed_pct, `Time elapsed in ${grant.code}`),
      h('p', null, `${report.deliverables.filter((d) => d.on_pace === true).length} of ${count} deliverables on pace`)]
    : h('p', null, `${count} deliverable${count === 1 ? '' : 's'}`);
  return h('li.card.grant-card', null,
    h('h2', null, link(`/grants/${encodeURIComponent(grant.code)}`, grant.name)),
    h('p.meta', null, `${grant.code} · ${day(grant.start_date)} to ${day(grant.end_date)}`),
    grant.funder ? h('p.meta', null, `Funder: ${grant.funder}`) : null,
    pace);
}

// Each grant's report, or null where it failed: the list shows without it.
function reportsOf(grants) {
  return Promise.all(grants.map((g) => request(`/v1/reports/grants/${encodeURIComponent(g.code)}`)
    .catch((err) => {
      if (err.status === 401) throw err;
      return null;
    })));
}

// Analysts may read a grant's report but not the list of grants: they
// open a report by its code.
function codeForm(ctx) {
  const input = h('input', { id: 'grant-code', name: 'code', required: true, autocomplete: 'off' });
  const form = h('form.card.inline-form', null,
    h('div.field', null, h('label', { for: 'grant-code' }, 'Grant code'), input),
    h('button.button', { type: 'submit' }, 'Open report'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const code = input.value.trim();
    if (code) ctx.navigate(`/grants/${encodeURIComponent(code)}`);
  });
  return form;
}

/** #/grants */
export async function renderGrants(ctx) {
  const page = h('section', null, h('h1', null, 'Grants'));
  if (session.access !== 'fund') {
    page.append(h('p.lead', null, 'Your token reads grant reports but not the list of grants. Enter the grant’s code.'), codeForm(ctx));
    return page;
  }
  const grants = await listAll('/v1/grants');
  const reports = await reportsOf(grants);
  page.append(h('p.lead', null, 'Deliverables of each grant against its targets.'),
    grants.length ? h('ul.cards', null, grants.map((g, i) => grantCard(g, reports[i]))) : empty('No grants yet. Add one with POST /v1/grants or “hcapctl grants add FILE.json”.'));
  return page;
}

// A figure's cell: "67", or "100%" for a rate metric; the API's null is
// "suppressed", set apart in the style of suppressed cells.
function figure(cls, value, rate) {
  if (value === null || value === undefined) return h(`dd.${cls}.is-suppressed`, null, 'suppressed');
  return h(`dd.${cls}`, null, rate ? pct(value) : num(value));
}

// [class, symbol, words]: the symbol and the words carry the meaning, the
// colour of the class only repeats it.
function paceWords(d) {
  if (d.suppressed) return ['pace-unknown', '–', 'Pace not shown (suppressed)'];
  return d.on_pace ? ['pace-ok', '✓', 'On pace'] : ['pace-behind', '!', 'Behind pace'];
}

function deliverableFigures(d) {
  const rate = RATE_METRICS.has(d.metric);
  const ratio = d.numerator !== null && d.numerator !== undefined
    ? h('p.meta', null, `${num(d.numerator)} of ${num(d.denominator)} completers placed`) : null;
  return [h('dl.figures', null,
    h('div', null, h('dt', null, 'Actual'), figure('actual', d.actual, rate)),
    h('div', null, h('dt', null, 'Target'), figure('target', d.target, rate)),
    h('div', null, h('dt', null, 'Of target'), figure('pct', d.pct_of_target, true))),
  ratio];
}

function deliverableCard(d, elapsed) {
  const [paceClass, symbol, paceText] = paceWords(d);
  const valueText = d.suppressed
    ? `${d.name}: suppressed; ${pct(elapsed)} of the grant period elapsed`
    : `${d.name}: ${pct(d.pct_of_target)} of target, ${pct(elapsed)} of the grant period elapsed, ${paceText.toLowerCase()}`;
  const bar = paceBar(d.suppressed ? 0 : d.pct_of_target, elapsed, valueText);
  if (d.suppressed) bar.classList.add('suppressed');
  return h('li.card.deliverable', { 'data-code': d.code },
    h('div.deliverable-head', null,
      h('h2', null, d.name),
      h('p', { class: `pace ${paceClass}` }, h('span', { 'aria-hidden': 'true' }, symbol), ' ', paceText)),
    h('p.meta', null, `${d.code} · ${METRIC_WORDS[d.metric] || d.metric}`),
    deliverableFigures(d),
    bar,
    h('p.bar-caption', null, h('span.swatch.fill', { 'aria-hidden': 'true' }), 'reached ',
      h('span.swatch.marker', { 'aria-hidden': 'true' }), `time elapsed: ${pct(elapsed)}`));
}

function periodCard(report) {
  const onPace = report.deliverables.filter((d) => d.on_pace === true).length;
  const hidden = report.deliverables.filter((d) => d.suppressed).length;
  return h('div.card.period', null,
    h('p', null, h('strong', null, 'Grant period: '), `${day(report.start_date)} to ${day(report.end_date)}`,
      report.as_of ? ` (as of ${report.as_of})` : ''),
    h('p.elapsed', null, h('strong', null, 'Time elapsed: '), h('span.elapsed-pct', null, pct(report.elapsed_pct))),
    timeBar(report.elapsed_pct, 'Time elapsed in the grant period'),
    h('p', null, `${onPace} of ${report.deliverables.length} deliverables on pace`,
      hidden ? ` (${hidden} suppressed, pace not shown).` : '.'));
}

/** #/grants/CODE */
export async function renderGrant(ctx) {
  const report = await request(`/v1/reports/grants/${encodeURIComponent(ctx.id)}`);
  return h('section', null,
    h('p.crumbs', null, link('/grants', 'Grants'), ' › ', report.code),
    h('h1', null, report.name),
    periodCard(report),
    h('h2.section-title', { 'data-focus-results': true }, 'Deliverables'),
    h('p.help', null, 'Each bar fills with the share of the target reached; the dark line marks the share of the grant period that has passed. A deliverable is on pace when its bar reaches the line (or the target is met).'),
    h('ol.cards.deliverables', null, report.deliverables.map((d) => deliverableCard(d, report.elapsed_pct))));
}
