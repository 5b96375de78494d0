// The split wasm (`lazy_pages!`, `cargo leptos build --split`): a portal's
// first load fetches its home's piece and not the other portals', the rest
// of the portal arrives when the user first leaves the home, and a piece that
// cannot be loaded (a tab left open across an upgrade) reloads the page once
// instead of leaving it dead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, signIn, assertClean, DEMO, DEMO_PASSWORD } from './helpers.mjs';

/** The names of the wasm files the page fetched so far, without their hashes. */
function wasmFetched(page) {
  const seen = [];
  page.on('request', (r) => {
    const m = new URL(r.url()).pathname.match(/^\/pkg\/([^.]+)\.[^/]*\.wasm$/);
    if (m) seen.push(m[1].replace(/_\d+$/, ''));
  });
  return seen;
}

test('a portal loads its home first and the rest of the portal when it is needed', async () => {
  const browser = await launch();
  try {
    const { page, problems } = await openDevice(browser, 'tablet', { serviceWorkers: 'block' });
    await signIn(page, DEMO.doctor, DEMO_PASSWORD);
    await page.waitForURL('**/clinic');
    // A cold load of the clinic's home, as from a bookmark.
    const fetched = wasmFetched(page);
    await page.reload();
    await hydrated(page);
    const pieces = () => [...new Set(fetched.filter((f) => f.startsWith('split_')))];
    assert.deepEqual(pieces(), ['split_clinic_home'], `pieces fetched by the clinic's home: ${pieces()}`);
    assert.ok(fetched.includes('hms'), 'the main file');

    await page.getByRole('navigation').getByRole('link', { name: 'Appointments' }).click();
    await page.waitForURL('**/clinic/appointments');
    await page.getByRole('heading', { level: 1, name: 'My appointments' }).waitFor();
    assert.deepEqual(pieces(), ['split_clinic_home', 'split_clinic']);
    assert.ok(!fetched.some((f) => /^split_(patient|admin)/.test(f)), `another portal's piece: ${fetched}`);
    assertClean(problems);
  } finally {
    await browser.close();
  }
});

test('a piece of the wasm that fails to load reloads the page once, which then works', async () => {
  const browser = await launch();
  try {
    // No service worker: the test stands between the page and the server.
    const { page } = await openDevice(browser, 'phone', { serviceWorkers: 'block' });
    await signIn(page, DEMO.patient, DEMO_PASSWORD);
    await page.waitForURL('**/patient');
    await hydrated(page);
    // The patient portal's piece is gone once, as after an upgrade.
    let refused = 0;
    await page.route((url) => /^\/pkg\/split_patient_\d+\./.test(url.pathname), (route) => {
      if (refused++ === 0) return route.fulfill({ status: 404, body: 'gone' });
      return route.continue();
    });
    let documents = 0;
    page.on('request', (r) => { if (r.isNavigationRequest()) documents += 1; });
    const reloaded = page.waitForEvent('load', { timeout: 60000 });

    await page.getByRole('navigation').getByRole('link', { name: 'Details' }).click();
    await reloaded;
    await hydrated(page);
    assert.equal(documents, 1, 'the page reloaded once');
    // Whichever page the reload landed on, the portal works again.
    if (!page.url().endsWith('/patient/details')) {
      await page.getByRole('navigation').getByRole('link', { name: 'Details' }).click();
    }
    await page.waitForURL('**/patient/details');
    await page.getByRole('heading', { level: 1, name: 'Contact, emergency contacts and insurance' }).waitFor();
    assert.ok(refused >= 2, 'the piece was fetched again after the reload');
  } finally {
    await browser.close();
  }
});
