// Shared set-up for the end-to-end tests: Debian's Chromium driven by
// playwright-core, one browser context per simulated device, and a record of
// console errors (the console must stay clean).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

export const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
export const DEMO_PASSWORD = 'hms-demo-2026!';
export const DEMO = {
  admin: 'admin@demo-hospital.example',
  doctor: 'doctor@demo-hospital.example',
  patient: 'patient@demo-hospital.example',
  nurse: 'nurse@demo-hospital.example',
  receptionist: 'reception@demo-hospital.example',
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

/** Signs in with the form at `at`: the front page's, or a portal's own (it asks whoever opens it signed out). */
export async function signIn(page, email, password, at = '/') {
  await page.goto(at);
  await hydrated(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export function assertClean(problems) {
  assert.deepEqual(problems, [], `the browser reported problems:\n${problems.join('\n')}`);
}

export function unique(prefix) {
  return `${prefix}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}
