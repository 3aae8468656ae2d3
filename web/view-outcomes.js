// view-outcomes.js: equity outcomes by one dimension, a bar chart per
// metric and the same figures as a table. A count the API suppresses
// (null, for analysts and at central) is shown as "suppressed", never as
// 0: a zero would be a false statement about a small group.

import { query, request } from './api.js';
import { barChart } from './charts.js';
import { h, num, table } from './dom.js';
import { DIMENSIONS, NODE_DIMENSION, OUTCOME_METRICS, word } from './labels.js';
import { session } from './session.js';
import { errorBox } from './ui.js';

function dimensions() {
  return session.central ? [NODE_DIMENSION, ...DIMENSIONS] : DIMENSIONS;
}

function groupName(row, by) {
  if (row.label) return row.label;
  if (by === 'node' || by === 'preferred_language') return row.group === 'unknown' ? word('unknown') : row.group;
  return word(row.group);
}

// A cell's value for chart and table: null means suppressed.
function cellOf(row, metric) {
  const value = row[metric];
  return { value, suppressed: value === null || value === undefined };
}

function cellText(row, metric) {
  const cell = cellOf(row, metric);
  return cell.suppressed ? h('span.suppressed-label', null, 'suppressed') : num(cell.value);
}

function charts(report, prefix) {
  const rows = report.rows.map((row) => ({ ...row, label: groupName(row, report.by) }));
  return h('div.chart-grid', null, OUTCOME_METRICS.map(([metric, title]) => {
    const total = report.total ? cellOf(report.total, metric) : null;
    const caption = total ? `${title} (total ${total.suppressed ? 'suppressed' : num(total.value)})` : title;
    const data = rows.map((row) => ({ group: row.group, label: row.label, ...cellOf(row, metric) }));
    const chart = barChart(caption, data, `${prefix}-${metric}`);
    chart.dataset.metric = metric;
    return chart;
  }));
}

function outcomeTable(report, caption) {
  const dimension = Object.fromEntries([NODE_DIMENSION, ...DIMENSIONS])[report.by] || 'Group';
  const headers = [dimension, ...OUTCOME_METRICS.map(([, title]) => title)];
  const all = report.total ? [...report.rows, report.total] : report.rows;
  const rows = all.map((row) => [row === report.total ? 'Total' : groupName(row, report.by),
    ...OUTCOME_METRICS.map(([metric]) => cellText(row, metric))]);
  const wrap = table(caption, headers, rows, { numeric: [1, 2, 3, 4, 5, 6] });
  if (report.total) wrap.querySelector('tbody tr:last-child').classList.add('total');
  return wrap;
}

/**
 * The charts and the table of one outcomes report; prefix keeps element
 * ids unique when a page shows more than one report.
 */
export function outcomeSection(report, prefix, caption) {
  const suppressed = report.rows.some((r) => r.suppressed) || report.total?.suppressed;
  return h('div.outcomes', { 'data-by': report.by },
    suppressed ? h('p.notice.suppression', null, h('span.swatch.hatch', { 'aria-hidden': 'true' }),
      'Cells marked “suppressed” hide a count from 1 to 9, or a count from which a hidden one could be worked out.') : null,
    report.rows.length ? charts(report, prefix) : h('p.empty', null, 'No outcomes in this period.'),
    outcomeTable(report, caption));
}

function dateField(id, label, value) {
  return h('div.field', null, h('label', { for: id }, label),
    h('input', { id, name: id, type: 'date', value: value || null }));
}

function filterForm(ctx, by) {
  const select = h('select', { id: 'by', name: 'by' }, dimensions().map(([value, text]) =>
    h('option', { value, selected: value === by }, text)));
  const form = h('form.card.filters', { 'aria-label': 'Outcome report options' },
    h('div.field', null, h('label', { for: 'by' }, 'Group by'), select),
    dateField('from', 'From (optional)', ctx.params.get('from')),
    dateField('to', 'To (optional)', ctx.params.get('to')),
    h('button.button', { type: 'submit' }, 'Show outcomes'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    ctx.navigate(`/outcomes${query(values)}`);
  });
  return form;
}

/** #/outcomes?by=&from=&to= */
export async function renderOutcomes(ctx) {
  const names = Object.fromEntries(dimensions());
  const by = names[ctx.params.get('by')] ? ctx.params.get('by') : dimensions()[0][0];
  const params = { by, from: ctx.params.get('from'), to: ctx.params.get('to') };
  const period = params.from || params.to ? ` from ${params.from || 'the start'} to ${params.to || 'today'}` : ', whole history';
  return h('section', null,
    h('h1', null, 'Outcomes'),
    h('p.lead', null, 'Workers served and what they achieved, by group.'),
    filterForm(ctx, by),
    h('h2.section-title', { 'data-focus-results': true }, `By ${names[by].toLowerCase()}${period}`),
    await results(params, `Outcomes by ${names[by].toLowerCase()}${period}`));
}

// The report, or the reason there is none (a bad date range, say) beside
// the form that can fix it. A 401 goes up: it ends the session.
async function results(params, caption) {
  try {
    const report = await request(`/v1/reports/outcomes${query(params)}`);
    return outcomeSection(report, 'out', caption);
  } catch (err) {
    if (err.status === 401 || !err.code) throw err;
    return errorBox(err, 'No report');
  }
}
