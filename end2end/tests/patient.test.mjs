// Patient portal on a phone: self-registration, the dashboard, signing out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, expectNoHorizontalScroll, assertClean, unique } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a patient registers on a phone, sees their record with an MRN, and signs out', async () => {
  const { context, page, problems } = await openDevice(browser, 'phone');
  await page.goto('/');
  await hydrated(page);
  await expectNoHorizontalScroll(page);
  await page.getByRole('link', { name: 'Create your account' }).click();
  await page.waitForURL('**/register');
  await hydrated(page);

  // Submitting the empty form shows a message on each required field.
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Enter the given name.').waitFor();
  await page.getByText('Enter an e-mail address.').waitFor();
  assert.equal(await page.getByLabel('Given name').getAttribute('aria-invalid'), 'true');

  const email = `${unique('amara')}@example.org`;
  await page.getByLabel('Given name').fill('Amara');
  await page.getByLabel('Family name').fill('Okafor');
  await page.getByLabel('Date of birth').fill('1990-05-14');
  await page.getByLabel('Sex (as on your official documents)').selectOption('female');
  await page.getByLabel('Mobile phone').fill('+44 7700 900456');
  await page.getByLabel('E-mail').fill(email);
  // A common password is refused with a clear reason before anything is sent.
  await page.getByLabel('Password', { exact: true }).fill('password123');
  await page.getByLabel('Repeat the password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('This password is too common').waitFor();

  await page.getByLabel('Password', { exact: true }).fill('amber kite meadow');
  await page.getByLabel('Repeat the password').fill('amber kite meadow');
  await page.getByRole('button', { name: 'Create account' }).click();

  await page.waitForURL('**/patient');
  await page.getByRole('heading', { name: 'Hello, Amara' }).waitFor();
  // The next appointment comes first on the home; a new patient has none yet.
  await page.getByRole('region', { name: 'Your next appointment' }).getByText('No upcoming appointments.').waitFor();
  const mrn = (await page.getByTestId('mrn').textContent()).trim();
  assert.match(mrn, /^\d{8}-\d$/);
  await page.getByText('+447700900456').waitFor();
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/patient-dashboard-phone.png', fullPage: true });

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.goto('/patient');
  await page.getByRole('heading', { name: 'Please sign in' }).waitFor();
  assertClean(problems);
  await context.close();
});
