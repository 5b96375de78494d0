// Shared set-up for the end-to-end tests: Debian's Chromium driven by
// playwright-core, one browser context per simulated device, and a record of
// console errors (the console must stay clean).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readdir, readFile } from 'node:fs/promises';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const DEMO_PASSWORD = 'hms-demo-2026!';
export const DEMO = {
  admin: 'admin@demo-hospital.example',
  doctor: 'doctor@demo-hospital.example',
  patient: 'patient@demo-hospital.example',
  nurse: 'nurse@demo-hospital.example',
  receptionist: 'reception@demo-hospital.example',
  pharmacist: 'pharmacy@demo-hospital.example',
  billing: 'billing@demo-hospital.example',
};

export const DEVICES = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  tablet: { viewport: { width: 820, height: 1180 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1440, height: 900 } },
};

const LAUNCH = {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic', '--no-first-run',
  ],
};

export async function launch() {
  return chromium.launch(LAUNCH);
}

/** A browser with a real profile: Chromium never offers to install an app in incognito. */
export async function launchProfile(userDataDir, device) {
  return chromium.launchPersistentContext(userDataDir, { ...LAUNCH, ...DEVICES[device], baseURL: BASE_URL });
}

/** A page on a fresh device that records console errors and failed requests;
 * `options` add to (or replace) the browser context's, e.g. another server or zone. */
export async function openDevice(browser, device, options = {}) {
  const context = await browser.newContext({ ...DEVICES[device], baseURL: BASE_URL, ...options });
  const page = await context.newPage();
  return { context, page, problems: watch(page) };
}

/** The page's console errors and uncaught exceptions, as they happen. */
export function watch(page) {
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return problems;
}

/** Waits until the wasm has hydrated the page, so clicks reach Leptos handlers. */
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated]', { state: 'attached', timeout: 30000 });
}

export async function expectNoHorizontalScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
}

/** Signs in with the form at `at`: the front page's, or a portal's own (it
 * asks whoever opens it signed out). A demo staff account is then asked for
 * its code, which this computes as the account's authenticator app would. */
export async function signIn(page, email, password, at = '/') {
  await page.goto(at);
  await hydrated(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (password === DEMO_PASSWORD && isDemoStaff(email)) await enterCode(page, demoSecret(email), email);
}

/** Types the next unused code of `secret` into the sign-in's code step. */
export async function enterCode(page, secret, account) {
  await page.getByLabel('Code').fill(await nextCode(secret, account));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
}

/** Calls a server function in a browser context (signed in as someone, or
 * not) whose site is `origin`; it must succeed. Answers its value. */
export async function api(context, endpoint, data, origin = BASE_URL) {
  const response = await context.request.post(`/api/${endpoint}`, { data, headers: { Origin: origin } });
  assert.ok(response.ok(), `${endpoint}: ${response.status()} ${await response.text()}`);
  return response.json();
}

/** Signs a browser context in through the server functions, with the code
 * when the account asks for one. */
export async function apiSignIn(context, email, { password = DEMO_PASSWORD, origin = BASE_URL } = {}) {
  const step = await api(context, 'auth/login', { email, password }, origin);
  if (step.step === 'code_required') {
    await api(context, 'auth/login/code', { code: await nextCode(demoSecret(email), email) }, origin);
  }
}

const isDemoStaff = (email) => email.endsWith('@demo-hospital.example') && email !== DEMO.patient;

/** A demo staff account's authenticator secret: `server/src/seed.rs`'s `demo_totp_secret`. */
export function demoSecret(email) {
  return createHash('sha256').update(`hms demo authenticator ${email}`).digest().subarray(0, 20);
}

/** The RFC 6238 code of `secret` (bytes) for 30-second step `step`. */
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

/** Decodes a base32 secret as the enrolment page shows it (groups of four). */
export function fromBase32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/[\s=]/g, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

// The server takes each code once, so the steps already sent are kept, per
// account, in a file the whole run shares (test files run one at a time).
const stepsFile = () => process.env.HMS_E2E_STEPS ?? 'test-results/totp-steps.json';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A code of `secret` that the server has not taken yet for `account`: the
 * current step's or the next one's (one step of skew is allowed); when
 * both are spent, it waits for the next step. */
export async function nextCode(secret, account) {
  for (;;) {
    const now = Math.floor(Date.now() / 30000);
    const steps = existsSync(stepsFile()) ? JSON.parse(readFileSync(stepsFile(), 'utf8')) : {};
    const step = Math.max(now, (steps[account] ?? -1) + 1);
    if (step <= now + 1) {
      steps[account] = step;
      writeFileSync(stepsFile(), JSON.stringify(steps));
      return totp(secret, step);
    }
    await sleep(500);
  }
}

/** A free TCP port on the loopback interface. */
export async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts an `hms` of the test's own on a fresh data directory with demo
 * data (`HMS_BIN`, set by `.ci/e2e`), with extra `serve` flags and
 * environment. Answers its base URL and `stop()`. */
export async function startServer(flags = [], env = {}) {
  assert.ok(process.env.HMS_BIN && process.env.LEPTOS_SITE_ROOT, 'set by .ci/e2e');
  const dataDir = mkdtempSync(join(tmpdir(), 'hms-own-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.env.HMS_BIN, ['--data-dir', dataDir, 'serve', '--bind', `127.0.0.1:${port}`, '--seed-demo', ...flags], {
    env: { ...process.env, ...env },
    stdio: 'ignore',
  });
  for (let i = 0; i < 150; i++) {
    if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
    await sleep(200);
  }
  return {
    base,
    stop() {
      server.kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function assertClean(problems) {
  assert.deepEqual(problems, [], `the browser reported problems:\n${problems.join('\n')}`);
}

export function unique(prefix) {
  return `${prefix}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

// `.ci/e2e` names the server's data directory.
const MAIL_DIR = join(process.env.HMS_E2E_DATA ?? '.', 'outbox', 'mail');

/** The body of a plain-text e-mail as a mail program shows it. */
function bodyOf(eml) {
  const split = eml.search(/\r?\n\r?\n/);
  const head = eml.slice(0, split);
  const body = eml.slice(split).trimStart();
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
    return body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  }
  if (/content-transfer-encoding:\s*base64/i.test(head)) {
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return body;
}

/** Waits for an e-mail (left in the server's mail folder by its file
 * transport, as a mail program would get it) to `to` whose body matches `pattern`; answers the match. */
export async function mailTo(to, pattern, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const name of await readdir(MAIL_DIR).catch(() => [])) {
      if (!name.endsWith('.eml')) continue;
      const eml = await readFile(join(MAIL_DIR, name), 'utf8');
      if (!new RegExp(`^To:.*${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'im').test(eml)) continue;
      const found = bodyOf(eml).match(pattern);
      if (found) return found[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no e-mail to ${to} matching ${pattern} in ${MAIL_DIR}`);
}
