// The emergency department on its devices: a nurse fast-tracks an unknown
// patient on a tablet and triages them from the confirmation (level, chief
// complaint, vital signs), the tracking board ranks them and a bay is
// assigned; the patient's phone reaches the emergency page in one tap and
// still shows it offline, from the app's cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  launch, launchProfile, openDevice, hydrated, watch, signIn, assertClean, expectNoHorizontalScroll,
  unique, DEMO, DEMO_PASSWORD,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a nurse triages a fast-tracked patient on a tablet', async () => {
  const nurse = await openDevice(browser, 'tablet');
  const { page } = nurse;
  await signIn(page, DEMO.nurse, DEMO_PASSWORD);
  await page.waitForURL('**/clinic');
  await page.goto('/clinic/emergency');
  await hydrated(page);
  const description = `unknown man, ~60, grey coat ${unique('ed')}`;
  await page.getByLabel('Sex').selectOption('male');
  await page.getByLabel('Approximate age (years)').fill('60');
  await page.getByLabel('Description').fill(description);
  await page.getByRole('button', { name: 'Register emergency patient' }).click();
  await page.getByTestId('triage-link').click();
  await page.waitForURL('**/clinic/ed/visits/*');
  await page.getByRole('heading', { name: 'Triage', exact: true }).waitFor();
  await hydrated(page);
  const visitUrl = page.url();

  // Level 2 needs vital signs: refused without, field by field, nothing lost.
  await page.getByLabel('Level (ESI)').selectOption('2');
  await page.getByLabel('Chief complaint').fill('Crushing chest pain for 30 minutes');
  await page.getByRole('button', { name: 'Save the triage' }).click();
  await page.getByRole('alert').first().waitFor();
  assert.equal(await page.getByLabel('Chief complaint').inputValue(), 'Crushing chest pain for 30 minutes');
  await page.getByLabel('Heart rate (/min)').fill('118');
  await page.getByLabel('SpO2 (%)').fill('93');
  await page.getByLabel('Systolic BP (mmHg)').fill('150');
  await page.getByLabel('Diastolic BP (mmHg)').fill('95');
  await page.getByRole('button', { name: 'Save the triage' }).click();
  const history = page.getByTestId('triages');
  await history.getByText('2 — Emergent').waitFor();
  await history.getByText('BP 150/95 · HR 118 · SpO2 93%').waitFor();
  await page.getByRole('heading', { name: 'Re-triage' }).waitFor();

  // A bay: the patient is in it, and on the board among those waiting.
  await page.getByTestId('assign-form').getByLabel('Bay').selectOption({ label: 'Bay 2' });
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByTestId('ed-bay').getByText('Bay 2').waitFor();

  // The board, loaded cold: the level-2 arrival ranks above the demo's level-3 patient.
  await page.goto('/clinic/ed');
  await hydrated(page);
  const waiting = page.getByTestId('waiting').getByTestId('ed-visit');
  await waiting.first().waitFor();
  const rows = await waiting.allTextContents();
  const mine = rows.findIndex((r) => r.includes('2 — Emergent') && r.includes('Bay 2'));
  const rossi = rows.findIndex((r) => r.includes('Rossi'));
  assert.ok(mine >= 0 && rossi >= 0 && mine < rossi, `queue order: ${rows.join(' | ')}`);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/ed-board-tablet.png', fullPage: true });

  // The visit page works from a bookmark too. He walks out before a
  // clinician sees him: the board keeps him among those who left.
  await page.goto(visitUrl);
  await hydrated(page);
  await page.getByTestId('ed-visit-facts').getByText('Crushing chest pain for 30 minutes').waitFor();
  await page.getByLabel('The visit ends').selectOption('left_unseen');
  await page.getByRole('button', { name: 'End the visit' }).click();
  await page.getByTestId('ed-disposition').getByText('Left without being seen').waitFor();
  await page.goto('/clinic/ed');
  await hydrated(page);
  await page.getByTestId('left').getByTestId('ed-left').filter({ hasText: 'Left without being seen' }).first().waitFor();
  await expectNoHorizontalScroll(page);
  assertClean(nurse.problems.filter((p) => !/status of 422/.test(p)));
  await nurse.context.close();
});

test("the patient's phone shows the emergency page in one tap, and offline", async () => {
  const profile = mkdtempSync(join(tmpdir(), 'hms-emergency-'));
  const context = await launchProfile(profile, 'phone');
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const problems = watch(page);
    await signIn(page, DEMO.patient, DEMO_PASSWORD);
    await page.waitForURL('**/patient');
    await hydrated(page);
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await page.getByTestId('emergency-link').click();
    await page.waitForURL('**/emergency');
    await page.getByRole('heading', { name: 'Emergency', exact: true }).waitFor();
    const call = page.getByRole('link', { name: 'Call 112' });
    assert.equal(await call.getAttribute('href'), 'tel:112');
    const map = page.getByRole('link', { name: 'Open the map' });
    assert.match(await map.getAttribute('href'), /^https:\/\/www\.openstreetmap\.org\/\?mlat=52\.52750/);
    await hydrated(page);
    await expectNoHorizontalScroll(page);
    // Kept by the service worker (at install, and again on this visit).
    await page.waitForFunction(async () => {
      const keys = await caches.keys();
      const cache = await caches.open(keys.find((k) => k.startsWith('hms-shell-')));
      return Boolean(await cache.match('/emergency'));
    });

    await context.setOffline(true);
    await page.goto('/emergency');
    await page.getByRole('link', { name: 'Call 112' }).waitFor();
    await page.getByText('Poison information centre').waitFor();
    // From the offline page, one tap away as well.
    await page.goto('/patient/appointments').catch(() => {});
    await page.getByRole('heading', { name: 'You are offline' }).waitFor();
    await page.getByRole('link', { name: 'Emergency numbers' }).click();
    await page.getByRole('link', { name: 'Call 112' }).waitFor();
    await context.setOffline(false);
    assertClean(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load resource/.test(p)));
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('an administrator keeps the emergency numbers and reads the care reports', async () => {
  const admin = await openDevice(browser, 'desktop');
  const { page } = admin;
  await signIn(page, DEMO.admin, DEMO_PASSWORD);
  await page.waitForURL('**/admin');
  await page.getByRole('navigation').getByRole('link', { name: 'Emergency' }).click();
  await page.getByRole('heading', { name: 'Emergency numbers and places' }).waitFor();
  await hydrated(page);
  const form = page.getByTestId('service-form');
  const name = `Urgences pédiatriques ${unique('er')}`;
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Phone').fill('call the desk');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText('A phone number has digits, spaces, +, - and brackets only.').waitFor();
  await form.getByLabel('Phone').fill('+33 4 67 33 00 00');
  await form.getByLabel('Address').fill('371 Avenue du Doyen Gaston Giraud, Montpellier');
  await form.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('services').getByText(name).waitFor();
  // The public page shows it at once, with a map link searching its address.
  const visitor = await openDevice(browser, 'phone');
  await visitor.page.goto('/emergency');
  await hydrated(visitor.page);
  const card = visitor.page.getByTestId('emergency-service').filter({ hasText: name });
  assert.match(await card.getByRole('link', { name: 'Open the map' }).getAttribute('href'), /search\?query=371\+Avenue/);
  assert.equal(await card.getByRole('link', { name: /^Call / }).getAttribute('href'), 'tel:+33467330000');
  assertClean(visitor.problems);
  await visitor.context.close();

  await page.getByRole('navigation').getByRole('link', { name: 'Care reports' }).click();
  await page.getByRole('heading', { name: 'Care reports' }).waitFor();
  await page.getByTestId('occupancy-chart').waitFor();
  await page.getByTestId('occupancy-table').getByText('Internal Medicine').waitFor();
  await page.getByTestId('ed-waits-table').getByText('3 — Urgent').waitFor();
  const csv = await page.request.get(await page.getByTestId('ed-waits-csv').getAttribute('href'));
  assert.equal(csv.status(), 200);
  assert.match(await csv.text(), /^level,visits,seen,median_minutes,p90_minutes,target_minutes,over_target\n/);
  await expectNoHorizontalScroll(page);
  assertClean(admin.problems.filter((p) => !/status of 422/.test(p)));
  await admin.context.close();
});
