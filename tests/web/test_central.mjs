// The dashboard of a central node: a central hcap-node and a region
// "west" with the demo fund attached through its uplink. Once central's
// outcomes by node show the region, the dashboard opens on the nodes
// page, offers only the pages central has, and shows every cell central
// suppresses (null) as "suppressed", the others equal to the API's.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  accessibilityFaults, api, caughtUp, figure, finish, freePort, launch, overflowsX, screenshot, settled,
  startNode, waitCaughtUp, waitFor,
} from './hcap.mjs';

const METRICS = ['participants', 'completed', 'credentials', 'apprentices', 'apprentices_completed', 'placements'];
const started = Date.now();

function log(text) {
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}\n`);
}

// Central and the region, the region admitted by filing its key; resolves
// when the region's whole demo fund has reached central's reports.
async function federation(nodes) {
  const hub = `tcp://127.0.0.1:${await freePort()}`;
  const central = await startNode(['--role', 'central', '--listen', hub]);
  nodes.push(central);
  const region = await startNode(['--node-id', 'west', '--uplink', hub, '--central-key', path.join(central.dir, 'node.pub'), '--demo']);
  nodes.push(region);
  fs.mkdirSync(path.join(central.dir, 'nodes'), { recursive: true });
  fs.copyFileSync(path.join(region.dir, 'node.pub'), path.join(central.dir, 'nodes', 'west.pub'));
  await region.waitLog('event=demo_loaded', 60000);
  const regionToken = fs.readFileSync(path.join(region.dir, 'admin.token'), 'utf8').trim();
  // every follower of the region at its head (the uplink's toward central
  // counts what central has not acknowledged) and nothing in the outbox
  await waitFor('the uplink to deliver the demo fund', async () =>
    (await api(region, regionToken, '/v1/uplink')).pending === 0 && caughtUp(region), 60000);
  await waitCaughtUp(central, 60000);
  log(`region west at ${region.base} forwarded its demo fund to central at ${central.base}`);
  return central;
}

async function checkNodes(page, central, token) {
  await page.getByRole('heading', { name: 'Regional nodes' }).waitFor();
  await settled(page);
  assert.deepEqual(await page.locator('#nav a').allTextContents(), ['Nodes', 'Outcomes'], 'central pages only');
  assert.equal(await page.locator('#node-role').textContent(), 'central');
  const nodes = await api(central, token, '/v1/nodes');
  const rows = await page.getByRole('table', { name: 'Regional nodes' }).locator('tbody tr th').allTextContents();
  assert.deepEqual(rows, nodes.items.map((n) => n.node), 'one row per node');
  const report = await api(central, token, '/v1/reports/outcomes?by=node');
  await checkCells(page, report, 'west');
}

// Each metric's bar for a group: the API's number, or "suppressed" and a
// hatched bar where the API says null.
async function checkCells(page, report, mustHave) {
  assert.ok(report.rows.some((r) => r.group === mustHave), `${mustHave} is in the report`);
  let nulls = 0;
  for (const metric of METRICS) {
    const chart = page.locator(`.chart[data-metric="${metric}"]`);
    for (const row of report.rows) {
      const cell = chart.locator(`[data-group="${row.group}"]`);
      const shown = (await cell.locator('.value').textContent()).trim();
      if (row[metric] === null) {
        nulls += 1;
        assert.equal(shown, 'suppressed', `${metric}/${row.group}: null in the API`);
        assert.equal(await cell.locator('.bar.suppressed').count(), 1, `${metric}/${row.group}: hatched bar`);
      } else {
        assert.equal(figure(shown), row[metric], `${metric}/${row.group}`);
      }
    }
  }
  assert.ok(nulls > 0, 'central suppresses some cells');
  return nulls;
}

async function checkFundPagesHidden(page, central) {
  for (const route of ['/grants', '/workers', '/apprentices']) {
    await page.goto(`${central.base}/#${route}`);
    await settled(page);
    assert.equal(await page.locator('h1').textContent(), 'Page not available', `${route} at central`);
  }
}

async function run(central, { context, watch }) {
  const token = fs.readFileSync(path.join(central.dir, 'admin.token'), 'utf8').trim();
  const page = await context.newPage();
  await page.goto(`${central.base}/`);
  await page.getByLabel('Access token').waitFor();
  await page.keyboard.type(token);
  await page.keyboard.press('Enter');
  await checkNodes(page, central, token);
  await screenshot(page, 'central-desktop');
  await page.getByRole('link', { name: 'Outcomes' }).click();
  await settled(page);
  await page.getByLabel('Group by').selectOption('gender');
  await page.getByRole('button', { name: 'Show outcomes' }).click();
  await page.waitForURL(/by=gender/);
  await settled(page);
  const nulls = await checkCells(page, await api(central, token, '/v1/reports/outcomes?by=gender'), 'female');
  log(`central outcomes by gender: ${nulls} suppressed cells shown as "suppressed"`);
  await screenshot(page, 'central-outcomes-desktop');
  await checkFundPagesHidden(page, central);
  await page.setViewportSize({ width: 375, height: 812 });
  for (const [name, route] of [['central', '/central'], ['central-outcomes', '/outcomes?by=node']]) {
    await page.goto(`${central.base}/#${route}`);
    await settled(page);
    assert.equal(await overflowsX(page), false, `${name} scrolls sideways at 375 px`);
    assert.deepEqual(await accessibilityFaults(page), [], `${name}: labels, headings`);
    await screenshot(page, `${name}-phone`);
  }
  assert.deepEqual(watch.problems, [], 'no console errors or CSP violations');
}

async function main() {
  const nodes = [];
  let browser;
  let passed = false;
  try {
    const central = await federation(nodes);
    browser = await launch();
    await run(central, browser);
    passed = true;
  } catch (err) {
    for (const node of nodes) process.stderr.write(`${node.base} last output:\n${node.log().slice(-3000)}\n`);
    if (browser) process.stderr.write(`page problems: ${JSON.stringify(browser.watch.problems, null, 1)}\n`);
    throw err;
  } finally {
    if (browser) await browser.browser.close();
    for (const node of nodes.reverse()) {
      const code = await finish(node, passed);
      log(`${node.base} stopped (exit ${code})`);
      if (passed) assert.equal(code, 0, 'hcap-node stops in order on SIGTERM');
    }
  }
  log('ok');
}

await main();
