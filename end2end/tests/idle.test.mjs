// A session about to end for inactivity: the warning with its countdown,
// "Stay signed in", and, once it has ended, signing in again over the page
// without losing what was typed. A server of its own whose staff sessions
// end after 20 idle seconds (so the warning comes 10 seconds before).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openDevice, hydrated, signIn, assertClean, startServer, nextCode, demoSecret, DEMO, DEMO_PASSWORD,
} from './helpers.mjs';

let browser, server;

before(async () => {
  server = await startServer(['--staff-idle-secs', '20']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('the idle warning keeps the session, and signing in again keeps the typing', async () => {
  const { context, page, problems } = await openDevice(browser, 'tablet', { baseURL: server.base });
  await signIn(page, DEMO.receptionist, DEMO_PASSWORD, '/clinic/register');
  await page.getByRole('heading', { name: 'Register a patient' }).waitFor();
  await hydrated(page);
  await page.getByLabel('Given name').fill('Zoë');
  await page.getByLabel('Family name').fill('Ἀθανασίου');

  // Ten seconds before the end: the warning, counting down.
  const warning = page.getByRole('alertdialog', { name: 'Are you still there?' });
  await warning.waitFor({ timeout: 20000 });
  const left = Number(await warning.getByTestId('idle-countdown').textContent());
  assert.ok(left > 0 && left <= 10, `${left} seconds left`);
  await page.screenshot({ path: 'test-results/idle-warning-tablet.png' });
  await warning.getByRole('button', { name: 'Stay signed in' }).click();
  await warning.waitFor({ state: 'detached' });

  // Warned again, and this time left alone: signed out, over the page.
  await warning.waitFor({ timeout: 20000 });
  const signedOut = page.getByRole('dialog', { name: 'You were signed out' });
  await signedOut.waitFor({ timeout: 20000 });
  assert.equal(new URL(page.url()).pathname, '/clinic/register', 'the page stays');
  assert.equal(await page.getByLabel('Given name').inputValue(), 'Zoë');

  // Signing in again in the dialog: the page carries on with the typing.
  await signedOut.getByLabel('E-mail').fill(DEMO.receptionist);
  await signedOut.getByLabel('Password').fill(DEMO_PASSWORD);
  await signedOut.getByRole('button', { name: 'Sign in' }).click();
  await signedOut.getByLabel('Code').fill(await nextCode(demoSecret(DEMO.receptionist), DEMO.receptionist));
  await signedOut.getByRole('button', { name: 'Verify and sign in' }).click();
  await signedOut.waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Given name').inputValue(), 'Zoë');
  assert.equal(await page.getByLabel('Family name').inputValue(), 'Ἀθανασίου');
  assert.equal(new URL(page.url()).pathname, '/clinic/register');
  assertClean(problems);
  await context.close();
});
