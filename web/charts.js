// charts.js: progress bars and bar charts drawn with plain elements.
// Bars are sized through the CSSOM (el.style.width), which the gateway's
// Content-Security-Policy allows, unlike style="" attributes. Every figure
// is also written out as text beside its bar, so nothing depends on colour
// or on seeing the bar.

import { h, num, pct } from './dom.js';

// A width in percent of the track, kept inside 0..100.
function widthOf(value, max) {
  if (!max || value === null || value === undefined) return 0;
  return Math.max(0, Math.min(100, (value / max) * 100));
}

/**
 * A deliverable's bar: the fill is the share of the target reached, the
 * marker the share of the grant period elapsed. role=progressbar with the
 * figures in aria-valuetext for screen readers.
 */
export function paceBar(pctOfTarget, elapsedPct, valueText) {
  const fill = h('div.bar-fill');
  fill.style.width = `${widthOf(pctOfTarget, 100)}%`;
  const marker = h('div.bar-marker', { 'aria-hidden': 'true' });
  marker.style.left = `${widthOf(elapsedPct, 100)}%`;
  return h('div.bar-track.pace-bar', {
    role: 'progressbar',
    'aria-valuemin': 0,
    'aria-valuemax': 100,
    'aria-valuenow': Math.round(Math.min(100, Math.max(0, pctOfTarget || 0)) * 100) / 100,
    'aria-valuetext': valueText,
  }, fill, marker);
}

/** The grant period's bar: how much of it has passed. */
export function timeBar(elapsedPct, label) {
  const fill = h('div.bar-fill.time');
  fill.style.width = `${widthOf(elapsedPct, 100)}%`;
  return h('div.bar-track', {
    role: 'progressbar', 'aria-label': label,
    'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': elapsedPct ?? 0,
    'aria-valuetext': `${pct(elapsedPct)} of the grant period elapsed`,
  }, fill);
}

/**
 * Hours toward a requirement: logged and credited hours as two segments of
 * one bar. label names the bar for assistive technology.
 */
export function hoursBar(logged, credited, required, label) {
  const done = (logged || 0) + (credited || 0);
  const creditedFill = h('div.bar-fill.credited');
  creditedFill.style.width = `${widthOf(credited, required)}%`;
  const loggedFill = h('div.bar-fill');
  loggedFill.style.width = `${Math.min(widthOf(logged, required), 100 - widthOf(credited, required))}%`;
  const share = required ? Math.min(100, (done / required) * 100) : 0;
  return h('div.bar-track.stacked', {
    role: 'progressbar', 'aria-label': label,
    'aria-valuemin': 0, 'aria-valuemax': required || 0, 'aria-valuenow': Math.min(done, required || done),
    'aria-valuetext': `${num(done)} of ${num(required)} hours (${pct(Math.round(share * 100) / 100)}), ${num(credited || 0)} credited`,
  }, creditedFill, loggedFill);
}

/**
 * A horizontal bar chart of one metric over groups. rows: [{label, value,
 * suppressed}] where a suppressed value is null: drawn as a hatched stub
 * labelled "suppressed", never as a zero-length bar.
 */
export function barChart(title, rows, id) {
  const max = Math.max(0, ...rows.map((r) => (r.suppressed ? 0 : r.value || 0)));
  const items = rows.map((row) => barRow(row, max));
  return h('figure.chart', { 'aria-labelledby': id },
    h('figcaption', { id }, title),
    h('ul.bars', null, items));
}

function barRow(row, max) {
  const bar = h(row.suppressed ? 'div.bar.suppressed' : 'div.bar');
  if (!row.suppressed) bar.style.width = `${widthOf(row.value, max)}%`;
  const value = row.suppressed
    ? h('span.value.suppressed-label', null, 'suppressed')
    : h('span.value', null, num(row.value));
  return h('li.bar-row', { 'data-group': row.group },
    h('span.bar-label', null, row.label),
    h('span.bar-area', { 'aria-hidden': 'true' }, bar),
    value);
}
