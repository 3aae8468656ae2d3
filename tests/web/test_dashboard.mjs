// The dashboard against a real node with the demo fund: sign in with the
// keyboard, the grant page's figures equal GET /v1/reports/grants/{code},
// a worker found through the search box shows the figures of its profile,
// an analyst sees "suppressed" (never 0) where the API returns null, a 401
// sends the user back to sign-in, and no page scrolls sideways at 375 px.
// Screenshots of every page at desktop and phone width go to
// $HCAP_ARTIFACTS. Any console error or CSP violation fails the test.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  accessibilityFaults, api, figure, finish, launch, overflowsX, screenshot, settled, startNode, waitCaughtUp,
} from './hcap.mjs';

const GRANT = 'SEIU-CC';
const started = Date.now();

function log(text) {
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}\n`);
}

async function signIn(page, token) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  // the token field has the focus: a keyboard user types and presses Enter
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'token', 'focus starts in the token field');
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
  await page.locator('#nav').waitFor({ state: 'visible' });
  await settled(page);
}

function navNames(page) {
  return page.locator('#nav a').allTextContents();
}

async function checkGrant(page, node, token) {
  await page.getByRole('link', { name: /SEIU-Community Clinics/ }).click();
  await page.locator('.deliverable').first().waitFor();
  await settled(page);
  const report = await api(node, token, `/v1/reports/grants/${GRANT}`);
  assert.ok(report.deliverables.length >= 5, 'the demo grant has its deliverables');
  assert.equal(figure(await page.locator('.elapsed-pct').textContent()), report.elapsed_pct, 'elapsed_pct shown');
  assert.equal(await page.locator('.deliverable').count(), report.deliverables.length, 'one card per deliverable');
  for (const d of report.deliverables) {
    const card = page.locator(`.deliverable[data-code="${d.code}"]`);
    assert.equal(figure(await card.locator('.actual').textContent()), d.actual, `${d.code} actual`);
    assert.equal(figure(await card.locator('.target').textContent()), d.target, `${d.code} target`);
    assert.equal(figure(await card.locator('.pct').textContent()), d.pct_of_target, `${d.code} pct_of_target`);
    const pace = await card.locator('.pace').textContent();
    assert.match(pace, d.on_pace ? /On pace/ : /Behind pace/, `${d.code} on_pace in words`);
    const bar = card.getByRole('progressbar');
    assert.equal(Number(await bar.getAttribute('aria-valuenow')), Math.min(100, d.pct_of_target), `${d.code} bar value`);
    assert.match(await bar.getAttribute('aria-valuetext'), new RegExp(`${report.elapsed_pct}% of the grant period`));
  }
  log(`grant page: ${report.deliverables.length} deliverables equal the API's`);
}

// A worker of the demo with credentials and enrollments, so the profile
// has figures to compare.
async function pickWorker(node, token) {
  const credentials = await api(node, token, '/v1/credentials?limit=200');
  const ids = [...new Set(credentials.items.map((c) => c.worker_id))];
  for (const id of ids) {
    const profile = await api(node, token, `/v1/workers/${id}/profile`);
    if (profile.credentials.length >= 2 && profile.enrollments.length >= 1) return profile;
  }
  throw new Error('no demo worker with two credentials and an enrollment');
}

// The profile page and the API's profile with every service answering. On
// a loaded machine (the sanitizer build, tests side by side) a part can miss
// the fan-out's deadline: the page says so and offers a reload, which the
// test then does, as a user would.
async function completeProfile(page, node, token, id) {
  for (let attempt = 1; ; attempt += 1) {
    await page.locator('#credentials').waitFor();
    await settled(page);
    const profile = await api(node, token, `/v1/workers/${id}/profile`);
    const missing = await page.locator('.unavailable').count();
    if ((!missing && profile.unavailable.length === 0) || attempt === 3) return profile;
    log(`profile attempt ${attempt}: a part was unavailable, reloading`);
    await page.reload();
  }
}

async function checkProfile(page, node, token) {
  const picked = await pickWorker(node, token);
  const w = picked.worker;
  await page.getByRole('link', { name: 'Workers' }).click();
  await settled(page);
  await page.getByLabel('Search workers').fill(w.family_name);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `Workers matching “${w.family_name}”` }).waitFor();
  await settled(page);
  await screenshot(page, 'workers-desktop');
  await page.locator(`a[href="#/workers/${w.id}"]`).click();
  const profile = await completeProfile(page, node, token, w.id);
  assert.deepEqual(profile.unavailable, [], 'every service answered');
  assert.equal(await page.locator('h1').textContent(), `${w.given_name} ${w.family_name}`);
  assert.equal(await page.locator('.unavailable').count(), 0, 'no "missing parts" notice when all answered');
  const shownCodes = (await page.locator('#credentials .credential-code').allTextContents()).sort();
  assert.deepEqual(shownCodes, profile.credentials.map((c) => c.credential_code).sort(), 'credential codes');
  for (const [id, items] of [['credentials', profile.credentials], ['enrollments', profile.enrollments],
    ['apprenticeships', profile.apprenticeships], ['employment', profile.employment], ['tuition', profile.tuition_claims]]) {
    assert.equal(await page.locator(`#${id} h2 .count`).textContent(), `(${items.length})`, `${id} count`);
    assert.equal(await page.locator(`#${id}`).getAttribute('data-count'), String(items.length));
  }
  const statuses = await page.locator('#enrollments tbody tr td:nth-child(3)').allTextContents();
  assert.deepEqual(statuses.map((text) => text.split(' ')[0].toLowerCase()).sort(),
    profile.enrollments.map((e) => e.status).sort(), 'one row per enrollment, with its status');
  log(`profile of ${w.id}: ${profile.credentials.length} credentials, ${profile.enrollments.length} enrollments equal the API's`);
  return profile;
}

// With credentialing stopped (SIGSTOP: it neither answers nor exits) the
// fan-out answers without its parts: the page names the service and says
// "not available" for its sections instead of "none".
async function checkUnavailable(page, node, profile) {
  const pid = node.children.get('credentialing-1');
  assert.ok(pid, 'the log names the credentialing process');
  process.kill(pid, 'SIGSTOP');
  try {
    await page.reload();
    await page.locator('.unavailable').waitFor({ timeout: 20000 });
    await settled(page);
    assert.match(await page.locator('.unavailable').textContent(), /credentialing: credentials, career ladders/);
    assert.equal(await page.locator('#credentials h2 .count').textContent(), '(not available)');
    assert.equal(await page.locator('#enrollments h2 .count').textContent(), `(${profile.enrollments.length})`,
      'enrollment answered: its parts are still shown');
    await screenshot(page, 'profile-unavailable-desktop');
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  log('profile with credentialing stopped: the notice names it');
}

async function checkAdminOutcomes(page, node, token) {
  await page.getByRole('link', { name: 'Outcomes' }).click();
  await settled(page);
  await page.getByLabel('Group by').selectOption('gender');
  await page.getByRole('button', { name: 'Show outcomes' }).press('Enter');
  await page.waitForURL(/by=gender/);
  await settled(page);
  const report = await api(node, token, '/v1/reports/outcomes?by=gender');
  const chart = page.locator('.chart[data-metric="participants"]');
  for (const row of report.rows) {
    assert.equal(figure(await chart.locator(`[data-group="${row.group}"] .value`).textContent()), row.participants);
  }
  assert.equal(await page.getByText('suppressed', { exact: true }).count(), 0, 'nothing suppressed for an admin');
}

async function checkApprentices(page, node, token) {
  await page.getByRole('link', { name: 'Apprentices' }).click();
  await page.getByRole('table', { name: 'Apprentices and their progress' }).waitFor();
  await settled(page);
  const list = await api(node, token, '/v1/apprentices?limit=500');
  assert.equal(await page.locator('table tbody tr').count(), list.items.length, 'one row per apprentice');
  await screenshot(page, 'apprentices-desktop');
  await page.locator('table tbody tr a').first().click();
  await page.getByRole('heading', { name: 'Progress' }).waitFor();
  await settled(page);
  const first = list.items[0];
  const program = await api(node, token, `/v1/apprenticeship-programs/${first.program_code}`);
  const bar = page.getByRole('progressbar', { name: 'On-the-job hours' });
  const done = first.ojl_hours + first.credited_ojl_hours;
  assert.equal(Number(await bar.getAttribute('aria-valuenow')), Math.min(done, program.ojl_hours), 'OJL hours on the bar');
  assert.equal(Number(await bar.getAttribute('aria-valuemax')), program.ojl_hours, 'the program\'s required hours');
  await screenshot(page, 'apprentice-desktop');
}

// Every page again at phone width: nothing wider than the screen.
async function phonePass(page, routes) {
  await page.setViewportSize({ width: 375, height: 812 });
  for (const [name, route] of routes) {
    await page.goto(`${new URL(page.url()).origin}/#${route}`);
    await settled(page);
    assert.equal(await overflowsX(page), false, `${name} scrolls sideways at 375 px`);
    assert.deepEqual(await accessibilityFaults(page), [], `${name}: labels, headings`);
    await screenshot(page, `${name}-phone`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// The analyst's outcomes: every null of the API is "suppressed" in the
// chart and the table, every number equal.
async function checkSuppressed(page, node, analyst) {
  const report = await api(node, analyst, '/v1/reports/outcomes?by=gender');
  await page.goto(`${node.base}/#/outcomes?by=gender`);
  await settled(page);
  let nulls = 0;
  const metrics = ['participants', 'completed', 'credentials', 'apprentices', 'apprentices_completed', 'placements'];
  for (const metric of metrics) {
    const chart = page.locator(`.chart[data-metric="${metric}"]`);
    for (const row of report.rows) {
      const shown = (await chart.locator(`[data-group="${row.group}"] .value`).textContent()).trim();
      if (row[metric] === null) {
        nulls += 1;
        assert.equal(shown, 'suppressed', `${metric}/${row.group} is null in the API`);
        assert.equal(await chart.locator(`[data-group="${row.group}"] .bar.suppressed`).count(), 1, 'hatched bar');
      } else {
        assert.equal(figure(shown), row[metric], `${metric}/${row.group}`);
      }
    }
  }
  assert.ok(nulls > 0, 'the analyst report has suppressed cells to show');
  const cells = await page.locator('table tbody td').allTextContents();
  const expected = report.rows.flatMap((r) => metrics.map((m) => r[m]));
  const tableNulls = cells.slice(0, expected.length).filter((text) => text === 'suppressed').length;
  assert.equal(tableNulls, nulls, 'the table shows the same suppressed cells');
  log(`analyst outcomes: ${nulls} suppressed cells shown as "suppressed"`);
}

async function checkAnalyst(page, node, analyst, watch) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You are signed out.').waitFor();
  await signIn(page, analyst);
  assert.deepEqual(await navNames(page), ['Grants', 'Outcomes'], 'an analyst sees reports only');
  await checkSuppressed(page, node, analyst);
  await screenshot(page, 'outcomes-analyst-desktop');
  await page.goto(`${node.base}/#/grants/${GRANT}`);
  await settled(page);
  const report = await api(node, analyst, `/v1/reports/grants/${GRANT}`);
  for (const d of report.deliverables.filter((x) => x.actual === null)) {
    assert.equal(await page.locator(`.deliverable[data-code="${d.code}"] .actual`).textContent(), 'suppressed');
  }
  await screenshot(page, 'grant-analyst-desktop');
  await phonePass(page, [['outcomes-analyst', '/outcomes?by=gender']]);
}

// A token that stops working while the dashboard is open (here: replaced
// by an unknown one) sends the user to sign-in with a message.
async function checkUnauthorized(page, node, watch) {
  watch.allow.add(401);
  await page.evaluate(() => sessionStorage.setItem('hcap.token', 'hct_not_a_token'));
  await page.goto(`${node.base}/#/outcomes?by=sector`);
  await page.getByText('Your session has ended or the token is no longer valid').waitFor();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('hcap.token')), null, 'the bad token is dropped');
  await page.getByLabel('Access token').fill('hct_still_wrong');
  await page.keyboard.press('Enter');
  await page.getByText('That token was not accepted by this node').waitFor();
  await screenshot(page, 'signin-refused-desktop');
}

async function run(node, browser) {
  const { context, watch } = browser;
  const token = fs.readFileSync(`${node.dir}/admin.token`, 'utf8').trim();
  const analyst = (await api(node, token, '/v1/tokens', { method: 'POST', body: { role: 'analyst', name: 'web-test' } })).token;
  const page = await context.newPage();
  await page.goto(`${node.base}/`);
  await screenshot(page, 'signin-desktop');
  await signIn(page, token);
  log('signed in with the admin token');
  assert.deepEqual(await navNames(page), ['Grants', 'Outcomes', 'Workers', 'Apprentices']);
  await screenshot(page, 'grants-desktop');
  await checkGrant(page, node, token);
  await screenshot(page, 'grant-desktop');
  const profile = await checkProfile(page, node, token);
  const worker = profile.worker;
  await screenshot(page, 'profile-desktop');
  await checkUnavailable(page, node, profile);
  await checkAdminOutcomes(page, node, token);
  await screenshot(page, 'outcomes-desktop');
  await checkApprentices(page, node, token);
  await phonePass(page, [['grants', '/grants'], ['grant', `/grants/${GRANT}`], ['outcomes', '/outcomes?by=race_ethnicity'],
    ['workers', `/workers?q=${encodeURIComponent(worker.family_name)}`], ['profile', `/workers/${worker.id}`],
    ['apprentices', '/apprentices']]);
  log('phone width: no page scrolls sideways');
  await checkAnalyst(page, node, analyst, watch);
  await checkUnauthorized(page, node, watch);
  await phonePass(page, [['signin', '/signin']]);
  assert.deepEqual(watch.problems, [], 'no console errors or CSP violations');
}

async function main() {
  const node = await startNode(['--demo']);
  let browser;
  let passed = false;
  try {
    await node.waitLog('event=demo_loaded');
    await waitCaughtUp(node);
    log(`node with the demo fund at ${node.base}`);
    browser = await launch();
    log(`Chromium ${browser.browser.version()} launched`);
    await run(node, browser);
    passed = true;
  } catch (err) {
    process.stderr.write(`hcap-node's last output:\n${node.log().slice(-4000)}\n`);
    if (browser) process.stderr.write(`page problems: ${JSON.stringify(browser.watch.problems, null, 1)}\n`);
    throw err;
  } finally {
    if (browser) await browser.browser.close();
    const code = await finish(node, passed);
    log(`hcap-node stopped (exit ${code})`);
    if (passed) assert.equal(code, 0, 'hcap-node stops in order on SIGTERM');
  }
  log('ok');
}

await main();
