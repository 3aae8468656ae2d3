// view-apprentices.js: registered apprentices and their progress: on-the-
// job and classroom hours (logged plus credited for prior learning)
// against the program's requirement, competencies signed off, wage step.

import { listAll, query, request } from './api.js';
import { hoursBar } from './charts.js';
import { day, empty, facts, h, link, money, num, pct, table } from './dom.js';
import { word } from './labels.js';
import { apprenticeshipPrograms, employers, nameOf } from './lookups.js';
import { session } from './session.js';

const STATUSES = ['active', 'suspended', 'completed', 'cancelled'];

// Worker names for the apprentices shown, a few requests at a time; a
// mentor may not read workers, so a refusal leaves the worker id.
async function workerNames(ids) {
  const names = new Map();
  if (session.access !== 'fund') return names;
  const queue = [...new Set(ids)];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      try {
        const w = await request(`/v1/workers/${encodeURIComponent(id)}`);
        names.set(id, `${w.given_name} ${w.family_name}`);
      } catch (err) {
        if (err.status === 401) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return names;
}

function hoursCell(logged, credited, required, label) {
  const done = (logged || 0) + (credited || 0);
  return h('div.hours-cell', null,
    required ? hoursBar(logged, credited, required, label) : null,
    h('span.meta', null, `${num(done)} of ${required ? num(required) : '–'} h`,
      credited ? ` (${num(credited)} credited)` : ''));
}

function competencies(a) {
  const done = a.competencies_completed.length;
  return `${done} of ${done + a.competencies_remaining.length}`;
}

function apprenticeRow(a, programs, names) {
  const program = programs.get(a.program_code);
  return [link(`/apprentices/${encodeURIComponent(a.id)}`, names.get(a.worker_id) || a.worker_id),
    program?.name || a.program_code, word(a.status),
    hoursCell(a.ojl_hours, a.credited_ojl_hours, program?.ojl_hours, 'On-the-job hours'),
    hoursCell(a.rti_hours, a.credited_rti_hours, program?.rti_hours, 'Classroom hours'),
    competencies(a), a.wage_step ? `${money(a.hourly_wage_cents)} (step ${a.wage_step})` : '–'];
}

function filterForm(ctx, programs) {
  const status = h('select', { id: 'appr-status', name: 'status' }, h('option', { value: '' }, 'Any status'),
    STATUSES.map((s) => h('option', { value: s, selected: ctx.params.get('status') === s }, word(s))));
  const program = h('select', { id: 'program_code', name: 'program_code' }, h('option', { value: '' }, 'Any program'),
    [...programs.values()].map((p) => h('option', { value: p.code, selected: ctx.params.get('program_code') === p.code }, p.name)));
  const form = h('form.card.filters', { 'aria-label': 'Filter apprentices' },
    h('div.field', null, h('label', { for: 'appr-status' }, 'Status'), status),
    h('div.field', null, h('label', { for: 'program_code' }, 'Program'), program),
    h('button.button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(`/apprentices${query(Object.fromEntries(new FormData(form)))}`);
  });
  return form;
}

// The fund-wide apprenticeship report; analysts and mentors may lack it.
async function summary() {
  if (session.access !== 'fund') return null;
  const r = await request('/v1/reports/apprenticeship');
  return h('dl.stats', { 'aria-label': 'Apprenticeship summary' }, [
    ['Registered', num(r.registered)], ['Active', num(r.active)], ['Suspended', num(r.suspended)],
    ['Completed', num(r.completed)], ['Cancelled', num(r.cancelled)],
    ['Completion rate', pct(r.completion_rate)], ['Placement rate', pct(r.placement_rate)],
  ].map(([term, value]) => h('div.stat', null, h('dt', null, term), h('dd', null, value))));
}

/** #/apprentices?status=&program_code= */
export async function renderApprentices(ctx) {
  const filter = { status: ctx.params.get('status'), program_code: ctx.params.get('program_code') };
  const [items, programs, stats] = await Promise.all([
    listAll('/v1/apprentices', filter, 500), apprenticeshipPrograms(), summary()]);
  const names = await workerNames(items.map((a) => a.worker_id));
  const headers = ['Apprentice', 'Program', 'Status', 'On-the-job hours', 'Classroom hours', 'Competencies', 'Wage'];
  return h('section', null, h('h1', null, 'Apprentices'), stats, filterForm(ctx, programs),
    h('h2.section-title', { 'data-focus-results': true }, `${items.length} apprentice${items.length === 1 ? '' : 's'}`),
    items.length ? table('Apprentices and their progress', headers, items.map((a) => apprenticeRow(a, programs, names)))
      : empty('No apprentice matches.'));
}

function competencyLists(a) {
  const list = (items, text) => (items.length ? h('ul.tags', null, items.map((c) => h('li', null, c))) : empty(text));
  return h('div.two-col', null,
    h('div', null, h('h3', null, `Signed off (${a.competencies_completed.length})`), list(a.competencies_completed, 'None yet.')),
    h('div', null, h('h3', null, `Remaining (${a.competencies_remaining.length})`), list(a.competencies_remaining, 'None: all signed off.')));
}

function wageSteps(a, program) {
  if (!program?.wage_steps?.length) return empty('The program has no wage steps.');
  const rows = program.wage_steps.map((s, i) => [`Step ${i + 1}${i + 1 === a.wage_step ? ' (current)' : ''}`,
    `${num(s.after_ojl_hours)} h`, money(s.hourly_wage_cents)]);
  const wrap = table('Wage steps', ['Step', 'After on-the-job hours', 'Hourly wage'], rows, { numeric: [1, 2] });
  wrap.querySelectorAll('tbody tr')[a.wage_step - 1]?.classList.add('current');
  return wrap;
}

function recentHours(entries) {
  if (!entries.length) return empty('No hours logged.');
  const last = entries.slice(-15).reverse();
  return table(`Latest ${last.length} of ${entries.length} entries`, ['Date', 'Kind', 'Hours', 'Competency', 'Approved by'],
    last.map((e) => [day(e.date), word(e.kind), num(e.hours), e.competency || '–', e.approved_by || '–']), { numeric: [2] });
}

function progressCard(a, program) {
  return h('section.card.part', { 'aria-labelledby': 'progress-title' }, h('h2', { id: 'progress-title' }, 'Progress'),
    h('h3', null, 'On-the-job learning'), hoursCell(a.ojl_hours, a.credited_ojl_hours, program?.ojl_hours, 'On-the-job hours'),
    h('h3', null, 'Related technical instruction'), hoursCell(a.rti_hours, a.credited_rti_hours, program?.rti_hours, 'Classroom hours'),
    competencyLists(a));
}

/** #/apprentices/ID */
export async function renderApprentice(ctx) {
  const id = encodeURIComponent(ctx.id);
  const [a, programs, emps, entries] = await Promise.all([request(`/v1/apprentices/${id}`),
    apprenticeshipPrograms(), employers(), listAll(`/v1/apprentices/${id}/hours`, {}, 20000)]);
  const program = programs.get(a.program_code);
  const name = (await workerNames([a.worker_id])).get(a.worker_id);
  return h('section', null,
    h('p.crumbs', null, link('/apprentices', 'Apprentices'), ' › ', name || a.id),
    h('h1', null, name ? `${name}, apprentice` : `Apprentice ${a.id}`),
    h('section.card.part', { 'aria-labelledby': 'reg-title' }, h('h2', { id: 'reg-title' }, 'Registration'), facts([
      ['Program', program ? `${program.name} (${program.code})` : a.program_code],
      ['Approach', program ? word(program.approach) : null], ['Status', word(a.status)],
      ['Status since', a.status_date], ['Reason', a.status_reason], ['Employer', nameOf(emps, a.employer_id)],
      ['Mentor', a.mentor], ['Start date', a.start_date], ['Completed on', a.completed_on],
      ['Wage', a.wage_step ? `Step ${a.wage_step}: ${money(a.hourly_wage_cents)} an hour` : null],
      ['Worker', session.access === 'fund' ? link(`/workers/${encodeURIComponent(a.worker_id)}`, name || a.worker_id) : a.worker_id],
    ])),
    progressCard(a, program),
    h('section.card.part', { 'aria-labelledby': 'wage-title' }, h('h2', { id: 'wage-title' }, 'Wage steps'), wageSteps(a, program)),
    h('section.card.part', { 'aria-labelledby': 'hours-title' }, h('h2', { id: 'hours-title' }, 'Hours logged'), recentHours(entries)));
}
