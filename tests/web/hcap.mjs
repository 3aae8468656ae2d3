// Helpers of the browser tests: a real hcap-node on a temporary directory
// and a free loopback port, the API as the test sees it, and Debian's
// Chromium driven by playwright-core, watched for console errors and
// Content-Security-Policy violations.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BIN_DIR = process.env.HCAP_BIN_DIR || path.resolve('build/bin');
export const ARTIFACTS = process.env.HCAP_ARTIFACTS || path.join(os.tmpdir(), 'hcap-web-artifacts');

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A port nobody listens on at 127.0.0.1 (asked of the kernel, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls fn until it returns a truthy value; throws what it says after timeoutMs. */
export async function waitFor(what, fn, timeoutMs = 30000, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

const nodes = new Set();

// A test that throws or is interrupted still stops its nodes: no process
// outlives the test.
function killAll() {
  for (const node of nodes) {
    try { process.kill(node.proc.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => { killAll(); process.exit(130); });
}

/**
 * Starts build/bin/hcap-node with args (plus --data and --http) and
 * resolves once it printed "hcap-node ready" on stdout. The returned
 * object has base (the URL), dir, log() (its recent output), children (the
 * pid of each child process by name), waitLog(text) and stop().
 */
export async function startNode(args, { dir = tempDir('hcap-web-'), timeoutMs = 45000 } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(path.join(BIN_DIR, 'hcap-node'), [...args, '--data', dir, '--http', `127.0.0.1:${port}`],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const children = new Map(); // child name -> its latest pid, from the log
  // each stream's unfinished last line waits for the rest of it
  const keep = (stream) => {
    let partial = '';
    stream.on('data', (chunk) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        const m = /event=child_started name=(\S+) pid=(\d+)/.exec(line);
        if (m) children.set(m[1], Number(m[2]));
      }
      output = (output + chunk).slice(-200000);
    });
  };
  keep(proc.stdout);
  keep(proc.stderr);
  const node = { proc, base, dir, port, children, log: () => output, exited: false };
  proc.on('exit', () => { node.exited = true; nodes.delete(node); });
  nodes.add(node);
  node.stop = () => stopNode(node);
  node.waitLog = (text, ms = timeoutMs) => waitFor(`"${text}" in the log of hcap-node`, () => {
    if (node.exited) throw new Error(`hcap-node exited:\n${output.slice(-3000)}`);
    return output.includes(text);
  }, ms, 100);
  await node.waitLog('hcap-node ready');
  return node;
}

/**
 * Stops the node; removes its directory when the test passed (kept after a
 * failure, for its logs and stores).
 */
export async function finish(node, passed) {
  const code = await stopNode(node);
  if (passed) fs.rmSync(node.dir, { recursive: true, force: true });
  else process.stderr.write(`kept ${node.dir}\n`);
  return code;
}

/** SIGTERM, then up to 20 s for the orderly stop; SIGKILL after that. Resolves to the exit code. */
export async function stopNode(node) {
  if (node.exited) return node.proc.exitCode;
  const done = new Promise((resolve) => node.proc.once('exit', (code) => resolve(code)));
  node.proc.kill('SIGTERM');
  const timer = setTimeout(() => node.proc.kill('SIGKILL'), 20000);
  const code = await done;
  clearTimeout(timer);
  return code;
}

/** The API as the test sees it: JSON of a path with a token; throws on an error reply. */
export async function api(node, token, pathname, { method = 'GET', body } = {}) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body) headers['Content-Type'] = 'application/json';
  const response = await fetch(node.base + pathname, { method, headers, body: body && JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${pathname}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * The heads of the node's event logs when every follower has applied its
 * source's head, else null.
 */
export async function caughtUp(node) {
  const response = await fetch(`${node.base}/healthz`);
  const followers = (await response.json()).followers || [];
  const done = followers.length > 0 && followers.every((f) => f.events_behind === 0 && f.seq === f.head);
  return done ? followers.map((f) => `${f.service}<${f.source}@${f.head}`).join(' ') : null;
}

/**
 * Waits until caughtUp(node) gives the same heads twice, 300 ms apart: a
 * service that was applying an event when /healthz looked may append
 * events of its own (a completion's credential) that others then follow.
 */
export function waitCaughtUp(node, timeoutMs = 30000) {
  let last = null;
  return waitFor('followers to catch up', async () => {
    const heads = await caughtUp(node);
    const stable = heads !== null && heads === last;
    last = heads;
    return stable;
  }, timeoutMs, 300);
}

/**
 * Launches Chromium (a fresh temporary profile) and a context whose pages
 * report console errors, uncaught exceptions and CSP violations into
 * `problems`. `allow` holds HTTP statuses whose "Failed to load resource"
 * console lines a test step expects (a 403 the dashboard asks on purpose).
 */
export async function launch() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 30000 });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const watch = { problems: [], allow: new Set() };
  await context.exposeFunction('__hcapCspViolation', (text) => watch.problems.push(`CSP violation: ${text}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__hcapCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));
  });
  context.on('page', (page) => watchPage(page, watch));
  return { browser, context, watch };
}

function watchPage(page, watch) {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    const status = /status of (\d{3})/.exec(text);
    if (status && watch.allow.has(Number(status[1]))) return;
    watch.problems.push(`console error: ${text}`);
  });
  page.on('pageerror', (err) => watch.problems.push(`uncaught exception: ${err.message}`));
}

/** Waits until the dashboard finished loading the current route (its status line is empty again). */
export async function settled(page) {
  await page.waitForFunction(() => {
    const status = document.getElementById('status');
    return status && status.textContent === '' && document.querySelector('main h1');
  }, null, { timeout: 30000 });
}

/** Saves a full-page PNG into HCAP_ARTIFACTS and checks it was written. */
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  fs.rmSync(file, { force: true });
  await page.screenshot({ path: file, fullPage: true });
  const bytes = fs.readFileSync(file);
  if (bytes.length < 1000 || bytes.toString('latin1', 1, 4) !== 'PNG') throw new Error(`${file}: no PNG written`);
  return file;
}

/** True when the page scrolls sideways (wider than the viewport). */
export function overflowsX(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth
    || document.body.scrollWidth > window.innerWidth);
}

/**
 * What a page lacks for keyboard and screen reader users: form fields
 * without a label, a count of h1 other than one, positive tabindex (which
 * breaks the reading order), an id used twice (a label or aria reference
 * would point at the wrong element). An empty list when nothing is wrong.
 */
export function accessibilityFaults(page) {
  return page.evaluate(() => {
    const faults = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (!el.labels?.length && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')) {
        faults.push(`unlabelled ${el.tagName.toLowerCase()}#${el.id}`);
      }
    }
    const h1 = document.querySelectorAll('h1').length;
    if (h1 !== 1) faults.push(`${h1} h1 elements`);
    for (const el of document.querySelectorAll('[tabindex]')) {
      if (Number(el.getAttribute('tabindex')) > 0) faults.push(`tabindex > 0 on ${el.tagName}`);
    }
    const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
    for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) faults.push(`id "${id}" used twice`);
    return faults;
  });
}

/** "1,800" -> 1800, "16.75%" -> 16.75; "suppressed" stays a string. */
export function figure(text) {
  const t = text.trim();
  if (t === 'suppressed') return t;
  const n = Number(t.replace(/[,%$\s]/g, ''));
  if (Number.isNaN(n)) throw new Error(`not a figure: "${text}"`);
  return n;
}
