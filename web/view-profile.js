// view-profile.js: one worker's profile from the gateway's fan-out
// (GET /v1/workers/{id}/profile). Parts owned by a service that did not
// answer come back empty and named in `unavailable`: the page says so,
// above the page and in each empty section, so "none" is never claimed
// for a part that was simply not read.

import { request } from './api.js';
import { hoursBar } from './charts.js';
import { day, empty, facts, h, hours, link, money, num, table } from './dom.js';
import { word } from './labels.js';
import { apprenticeshipPrograms, cohorts, employers, nameOf, programs } from './lookups.js';

// Which sections each service fills.
const PARTS = {
  enrollment: ['employment', 'enrollments', 'tuition claims'],
  credentialing: ['credentials', 'career ladders'],
  apprenticeship: ['apprenticeships'],
};

function unavailableNotice(services) {
  if (!services.length) return null;
  const items = services.map((s) => h('li', null, `${s}: ${(PARTS[s] || ['its part']).join(', ')}`));
  return h('div.notice.warning.unavailable', { role: 'status' },
    h('p', null, h('strong', null, 'Part of this profile is missing. '),
      'These services did not answer in time, so their sections are empty here. Reload the page to try again:'),
    h('ul', null, items));
}

// A section with its count in the heading; when its service did not
// answer, a "not available" line instead of the content.
function part(id, title, items, missing, render) {
  const count = missing ? 'not available' : String(items.length);
  const body = missing
    ? h('p.inline-error', null, `Not available: the ${missing} service did not answer.`)
    : (items.length ? render(items) : empty(`No ${title.toLowerCase()}.`));
  return h('section.card.part', { id, 'aria-labelledby': `${id}-title`, 'data-count': missing ? null : items.length },
    h('h2', { id: `${id}-title` }, title, ' ', h('span.count', null, `(${count})`)), body);
}

function workerFacts(w, names) {
  return facts([
    ['Employer', w.employer_id ? nameOf(names.employers, w.employer_id) : null],
    ['Job title', w.job_title], ['Employment status', word(w.employment_status)],
    ['Hourly wage', w.hourly_wage_cents ? money(w.hourly_wage_cents) : null], ['Hire date', w.hire_date],
    ['Birth date', w.birth_date], ['Gender', w.gender ? word(w.gender) : null],
    ['Race and ethnicity', (w.race_ethnicity || []).map(word).join(', ')],
    ['Preferred language', w.preferred_language], ['Email', w.email], ['Phone', w.phone],
  ]);
}

function employmentTable(items, names) {
  return table('Employment records', ['Date', 'Kind', 'Employer', 'Job title', 'Hourly wage'],
    items.map((e) => [day(e.effective_date), word(e.kind), nameOf(names.employers, e.employer_id),
      e.job_title || '–', money(e.hourly_wage_cents)]), { numeric: [4] });
}

function enrollmentTable(items, names) {
  return table('Enrollments', ['Program', 'Cohort', 'Status', 'Since', 'Hours attended'],
    items.map((e) => [nameOf(names.programs, e.program_id), nameOf(names.cohorts, e.cohort_id),
      e.waitlist_position ? `${word(e.status)} (#${e.waitlist_position})` : word(e.status),
      day(e.status_date), num(e.hours_attended ?? 0)]), { numeric: [4] });
}

function tuitionTable(items) {
  return table('Tuition claims', ['Institution', 'Course', 'Term', 'Claimed', 'Status', 'Approved'],
    items.map((c) => [c.institution, c.course || '–', c.term || '–', money(c.amount_cents),
      word(c.status), c.approved_cents ? money(c.approved_cents) : '–']), { numeric: [3, 5] });
}

function credentialTable(items) {
  return table('Credentials', ['Credential', 'Code', 'Issuer', 'Issued', 'Expires', 'Status', 'Source'],
    items.map((c) => [c.credential_name || c.credential_code, h('code.credential-code', null, c.credential_code),
      c.issuer || '–', day(c.issued_on), c.expires_on || 'never', word(c.status), word(c.source)]));
}

function apprenticeshipList(items, names) {
  return h('ul.plain', null, items.map((a) => {
    const program = names.apprenticeshipPrograms.get(a.program_code);
    return h('li.appr-item', null,
      h('p', null, link(`/apprentices/${encodeURIComponent(a.id)}`, program?.name || a.program_code),
        ` · ${word(a.status)} · wage step ${a.wage_step ?? '–'}`),
      program ? hoursBar(a.ojl_hours, a.credited_ojl_hours, program.ojl_hours, 'On-the-job hours') : null,
      h('p.meta', null, `On-the-job ${hours(a.ojl_hours + a.credited_ojl_hours)} of ${program ? hours(program.ojl_hours) : '–'}`));
  }));
}

function ladderList(items) {
  return h('ul.plain', null, items.map((l) => h('li.ladder', null,
    h('p', null, h('strong', null, l.name), l.next ? ` · next: ${l.next}` : ' · top rung reached'),
    h('ol.rungs', { 'aria-label': `${l.name} rungs` }, l.rungs.map((rung) => {
      const held = l.highest_rung !== null && l.rungs.indexOf(rung) <= l.rungs.indexOf(l.highest_rung);
      return h('li', { class: held ? 'held' : null }, rung, held ? ' (held)' : '');
    })))));
}

async function loadNames() {
  const [e, p, c, a] = await Promise.all([employers(), programs(), cohorts(), apprenticeshipPrograms()]);
  return { employers: e, programs: p, cohorts: c, apprenticeshipPrograms: a };
}

/** #/workers/ID */
export async function renderProfile(ctx) {
  const [profile, names] = await Promise.all([
    request(`/v1/workers/${encodeURIComponent(ctx.id)}/profile`), loadNames()]);
  const w = profile.worker;
  const down = new Set(profile.unavailable || []);
  const miss = (service) => (down.has(service) ? service : null);
  return h('section.profile', null,
    h('p.crumbs', null, link('/workers', 'Workers'), ' › ', `${w.given_name} ${w.family_name}`),
    h('h1', null, `${w.given_name} ${w.family_name}`),
    h('p.meta.ids', null, w.external_id ? `External ID ${w.external_id} · ` : '', 'Worker ID ', h('code', null, w.id)),
    unavailableNotice([...down]),
    h('section.card.part', { 'aria-labelledby': 'worker-title' }, h('h2', { id: 'worker-title' }, 'Worker'), workerFacts(w, names)),
    part('credentials', 'Credentials', profile.credentials, miss('credentialing'), credentialTable),
    part('enrollments', 'Enrollments', profile.enrollments, miss('enrollment'), (i) => enrollmentTable(i, names)),
    part('apprenticeships', 'Apprenticeships', profile.apprenticeships, miss('apprenticeship'), (i) => apprenticeshipList(i, names)),
    part('ladders', 'Career ladders', profile.ladders, miss('credentialing'), ladderList),
    part('employment', 'Employment', profile.employment, miss('enrollment'), (i) => employmentTable(i, names)),
    part('tuition', 'Tuition claims', profile.tuition_claims, miss('enrollment'), tuitionTable));
}
