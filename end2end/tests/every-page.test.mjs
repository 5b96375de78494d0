// Every page of every portal, loaded cold (a typed address, a reload, a link
// in a message), signed out and signed in as each role, at the role's usual
// device: HTTP 200, hydration finished, a clean console, no horizontal
// overflow and no axe-core violations. The list of pages comes from the
// router itself (`hms routes`), so a page added later is covered without
// editing this file.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launch, hydrated, watch, api, apiSignIn, BASE_URL, DEMO, DEVICES } from './helpers.mjs';

const require = createRequire(import.meta.url);
// axe-core is evaluated through the DevTools protocol, which the page's
// Content Security Policy does not govern: the pages keep their CSP, so an
// inline style or script it refuses shows in the console and fails the page.
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Who loads the pages, and on which device they usually do.
const VISITORS = [
  { role: 'signed out', email: null, device: 'phone' },
  { role: 'patient', email: 'patient@demo-hospital.example', device: 'phone' },
  { role: 'doctor', email: 'doctor@demo-hospital.example', device: 'tablet' },
  { role: 'nurse', email: 'nurse@demo-hospital.example', device: 'tablet' },
  { role: 'receptionist', email: 'reception@demo-hospital.example', device: 'tablet' },
  { role: 'lab technician', email: 'lab@demo-hospital.example', device: 'tablet' },
  { role: 'pharmacist', email: 'pharmacy@demo-hospital.example', device: 'tablet' },
  { role: 'billing clerk', email: 'billing@demo-hospital.example', device: 'tablet' },
  { role: 'administrator', email: 'admin@demo-hospital.example', device: 'desktop' },
];

function pageRoutes() {
  const bin = process.env.HMS_BIN;
  assert.ok(bin, 'HMS_BIN names the hms binary (set by .ci/e2e)');
  const routes = JSON.parse(execFileSync(bin, ['routes'], { encoding: 'utf8' }));
  assert.ok(routes.length >= 20, `the router lists too few pages: ${routes}`);
  return routes;
}


let browser;
let routes;
let patientId;
before(async () => {
  browser = await launch();
  routes = pageRoutes();
  const admin = await browser.newContext({ baseURL: BASE_URL });
  await apiSignIn(admin, DEMO.admin);
  const page = await api(admin, 'patients/search', { query: 'Müller', cursor: null });
  patientId = page.hits[0].id;
  await admin.close();
});
after(async () => { await browser?.close(); });

/** A concrete address for a route pattern: parameters take a demo record's id. */
function address(route) {
  return route.replace(/\{[^}]+\}|:[a-z_]+/g, patientId);
}

// Two visitors at a time: a page mostly waits (hydration, the network
// settling), so two browser contexts keep both cores busy.
describe('every page, every role', { concurrency: 2 }, () => {
for (const visitor of VISITORS) {
  test(`every page loads cold for ${visitor.role}`, async () => {
    // Cold means nothing cached: the service worker (the PWA test covers
    // it) is kept out, so every page comes from the server as on a first
    // visit. With it allowed, a page's module import failed now and then
    // ("Failed to fetch dynamically imported module", on the 7th or 8th
    // page of a visitor, about when the worker finished installing).
    const context = await browser.newContext({
      ...DEVICES[visitor.device], baseURL: BASE_URL, serviceWorkers: 'block',
    });
    if (visitor.email) await apiSignIn(context, visitor.email);
    const failures = [];
    for (const route of routes) {
      const url = address(route);
      const page = await context.newPage();
      const problems = watch(page);
      try {
        const response = await page.goto(url);
        if (response.status() !== 200) problems.push(`HTTP ${response.status()}`);
        await hydrated(page);
        // Let resources load and suspenses settle before judging the page.
        // A page that follows live changes (the bed board's server-sent
        // events) keeps a request open and never goes idle: the wait for
        // its suspenses below judges it.
        await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
        await page.waitForFunction(() => !document.querySelector('[aria-busy="true"], .loading'), null, { timeout: 15000 })
          .catch(() => problems.push('still loading after 15 s'));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 0) problems.push(`${overflow}px wider than the viewport`);
        await page.evaluate(AXE);
        const violations = await page.evaluate(async () => {
          const result = await window.axe.run(document, { resultTypes: ['violations'] });
          return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
        });
        problems.push(...violations.map((v) => `axe: ${v}`));
      } catch (err) {
        problems.push(`failed: ${err.message.split('\n')[0]}`);
      }
      if (problems.length) failures.push(`${url}\n    ${problems.join('\n    ')}`);
      await page.close();
    }
    await context.close();
    assert.deepEqual(failures, [], `pages that fail for ${visitor.role}:\n${failures.join('\n')}`);
  });
}
});
