// A patient who forgot their password: the link by e-mail (read from the
// server's mail folder: `mailTo`), a new password, every other device signed out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, expectNoHorizontalScroll, assertClean, unique, signIn, mailTo } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a patient resets a forgotten password with the link from the e-mail', async () => {
  const email = `${unique('sofia')}@example.org`;
  const first = 'mountain river lantern';
  const second = 'copper garden whistle';

  // Registered and signed in on a phone.
  const phone = await openDevice(browser, 'phone');
  await phone.page.goto('/register');
  await hydrated(phone.page);
  await phone.page.getByLabel('Given name').fill('Sofía');
  await phone.page.getByLabel('Family name').fill('Núñez');
  await phone.page.getByLabel('Date of birth').fill('1986-03-02');
  await phone.page.getByLabel('Sex (as on your official documents)').selectOption('female');
  await phone.page.getByLabel('E-mail').fill(email);
  await phone.page.getByLabel('Password', { exact: true }).fill(first);
  await phone.page.getByLabel('Repeat the password').fill(first);
  await phone.page.getByRole('button', { name: 'Create account' }).click();
  await phone.page.waitForURL('**/patient');
  await phone.page.getByRole('heading', { name: 'Hello, Sofía' }).waitFor();

  // At a desktop, the password is forgotten.
  const desk = await openDevice(browser, 'desktop');
  const { page } = desk;
  await page.goto('/');
  await hydrated(page);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL('**/forgot-password');
  await hydrated(page);
  await page.getByLabel('E-mail').fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await page.getByRole('status').getByText('we have sent it a link to choose a new password').waitFor();
  await expectNoHorizontalScroll(page);

  // The link, from the e-mail, opened cold.
  const link = await mailTo(email, /https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]{43}/);
  await page.goto(link);
  await hydrated(page);
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await page.getByLabel('New password', { exact: true }).fill(second);
  await page.getByLabel('Repeat the new password').fill('copper garden whistles');
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await page.getByText('The two passwords do not match.').waitFor();
  await page.getByLabel('Repeat the new password').fill(second);
  await page.getByRole('button', { name: 'Save the new password' }).click();
  await page.getByText('Your password has been changed.').waitFor();
  await page.screenshot({ path: 'test-results/password-reset-desktop.png', fullPage: true });

  // The phone was signed out; the new password signs in.
  await phone.page.reload();
  await phone.page.getByRole('heading', { name: 'Please sign in' }).waitFor();
  await signIn(page, email, second);
  await page.waitForURL('**/patient');
  await page.getByRole('heading', { name: 'Hello, Sofía' }).waitFor();

  // The link works once.
  const again = await openDevice(browser, 'phone');
  await again.page.goto(link);
  await hydrated(again.page);
  await again.page.getByLabel('New password', { exact: true }).fill('another quiet phrase');
  await again.page.getByLabel('Repeat the new password').fill('another quiet phrase');
  await again.page.getByRole('button', { name: 'Save the new password' }).click();
  await again.page.getByText('This link has expired or has been used already.').waitFor();
  await again.page.getByRole('link', { name: 'Ask for a new link' }).waitFor();
  await expectNoHorizontalScroll(again.page);

  assertClean(phone.problems);
  assertClean(desk.problems);
  // The refused second use is the server's 422, which the browser logs.
  assertClean(again.problems.filter((p) => !/status of 422/.test(p)));
  for (const device of [phone, desk, again]) await device.context.close();
});
