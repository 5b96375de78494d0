// The formulary as the pharmacy keeps it: a pharmacist on a tablet adds a
// drug (with a mistake first), finds it by its brand name and retires it; a
// doctor on a tablet finds the shipped RxNorm drugs but not the retired one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, signIn, expectNoHorizontalScroll, assertClean, BASE_URL, DEMO, DEMO_PASSWORD } from './helpers.mjs';

// Validation errors come back as HTTP 422, which Chromium logs as a failed load.
const expected422 = (problems) => problems.filter((p) => !p.includes('status of 422'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const brand = `Xofluza${Date.now().toString(36).slice(-5)}`;

test('a pharmacist adds, finds and retires a drug; a doctor searches the formulary', async () => {
  const rx = await openDevice(browser, 'tablet');
  await signIn(rx.page, DEMO.pharmacist, DEMO_PASSWORD);
  await rx.page.waitForURL('**/clinic');
  await rx.page.goto(`${BASE_URL}/clinic/formulary`);
  await hydrated(rx.page);

  const form = rx.page.locator('form');
  await form.getByLabel('Generic name').fill('baloxavir marboxil');
  await form.getByLabel('Brand names').fill(brand);
  await rx.page.getByRole('button', { name: 'Add drug' }).click();
  await rx.page.getByText('Enter the strength.').waitFor();
  await form.getByLabel('Strength').fill('40 mg');
  await form.getByLabel('Dose form').fill('Oral Tablet');
  await form.getByLabel('Route').fill('oral');
  await rx.page.getByRole('button', { name: 'Add drug' }).click();
  await rx.page.getByText('Saved: baloxavir marboxil 40 mg Oral Tablet.').waitFor();

  const search = rx.page.getByLabel('Generic or brand name');
  await search.fill(brand.toLowerCase());
  const results = rx.page.getByTestId('formulary-results');
  await results.getByText(brand).waitFor();
  await expectNoHorizontalScroll(rx.page);
  await rx.page.screenshot({ path: 'test-results/formulary-pharmacist-tablet.png', fullPage: true });
  await results.getByRole('button', { name: 'Retire' }).click();
  await rx.page.getByText('Retired: baloxavir marboxil 40 mg Oral Tablet.').waitFor();
  await rx.page.getByText('No drug found').waitFor();
  assertClean(expected422(rx.problems));
  await rx.context.close();

  const doctor = await openDevice(browser, 'tablet');
  await signIn(doctor.page, DEMO.doctor, DEMO_PASSWORD);
  await doctor.page.waitForURL('**/clinic');
  await doctor.page.getByRole('link', { name: 'Formulary' }).click();
  await hydrated(doctor.page);
  await doctor.page.getByLabel('Generic or brand name').fill('amox clav');
  const found = doctor.page.getByTestId('formulary-results');
  await found.getByText('amoxicillin / clavulanate 875 mg / 125 mg Oral Tablet').waitFor();
  assert.equal(await doctor.page.getByRole('button', { name: 'Retire' }).count(), 0, 'doctors do not keep the formulary');
  await doctor.page.getByLabel('Generic or brand name').fill(brand);
  await doctor.page.getByText('No drug found').waitFor();
  assertClean(doctor.problems);
  await doctor.context.close();
});
