// Admin portal on a desktop creates a doctor; the doctor signs in to the
// clinic portal on a tablet, replaces the one-time password, is made to set
// up two-step sign-in, signs out and back in with a code; a patient turns
// two-step sign-in on from a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, openDevice, hydrated, signIn, enterCode, nextCode, fromBase32, totp, expectNoHorizontalScroll, assertClean, unique,
  DEMO, DEMO_PASSWORD,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the admin creates a doctor account and the doctor signs in to the clinic portal', async () => {
  const admin = await openDevice(browser, 'desktop');
  await signIn(admin.page, DEMO.admin, DEMO_PASSWORD);
  await admin.page.waitForURL('**/admin');
  await admin.page.getByRole('heading', { name: 'Dashboard' }).waitFor();
  await admin.page.getByRole('link', { name: 'Staff accounts' }).first().click();
  await admin.page.getByRole('heading', { name: 'Staff accounts' }).waitFor();
  await hydrated(admin.page);

  // Field errors from the shared validation.
  await admin.page.getByRole('button', { name: 'Create account' }).click();
  await admin.page.getByText('Enter the full name.').waitFor();
  await admin.page.getByText('Choose a role.').waitFor();

  const email = `${unique('dr.ines')}@demo-hospital.example`;
  await admin.page.getByLabel('Full name').fill('Dr Ines Duarte');
  await admin.page.getByLabel('Work e-mail').fill(email);
  await admin.page.getByLabel('Role', { exact: true }).selectOption('doctor');
  await admin.page.getByRole('button', { name: 'Create account' }).click();
  const temporary = (await admin.page.getByTestId('temporary-password').textContent()).trim();
  assert.match(temporary, /^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/);
  await admin.page.getByTestId('staff-table').getByText(email).waitFor();

  // The creation is in the audit trail, and the viewer sorts by a column.
  await admin.page.getByRole('link', { name: 'Audit trail' }).click();
  await admin.page.getByRole('heading', { name: 'Audit trail' }).waitFor();
  await hydrated(admin.page);
  await admin.page.getByLabel('Action starts with').fill('users.create');
  await admin.page.getByRole('button', { name: 'Apply filters' }).click();
  await admin.page.getByTestId('audit-table').getByText(`${email} as doctor`).waitFor();
  await admin.page.getByRole('button', { name: 'Action' }).click();
  await admin.page.waitForSelector('th[aria-sort="ascending"] button[data-sort="action"]');
  await expectNoHorizontalScroll(admin.page);
  await admin.page.screenshot({ path: 'test-results/admin-audit-desktop.png', fullPage: true });
  // A review's first views, and the export of what is shown.
  await admin.page.getByRole('button', { name: 'Failed sign-ins' }).click();
  await admin.page.waitForSelector('button.chip[aria-pressed="true"]');
  const exportLink = admin.page.getByTestId('audit-export');
  await admin.page.waitForFunction(
    () => document.querySelector('[data-testid="audit-export"]')?.getAttribute('href')?.includes('outcome=failure'),
  );
  const href = await exportLink.getAttribute('href');
  assert.match(href, /^\/api\/audit\/export\.csv\?action=auth\.login&outcome=failure/);
  const csv = await admin.page.request.get(href);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'], /^text\/csv/);
  const lines = (await csv.text()).trim().split('\n');
  assert.ok(lines[0].startsWith('seq,at_utc,at_hospital,actor_email'), lines[0]);
  for (const line of lines.slice(1)) {
    assert.ok(line.includes(',auth.login,') && line.includes(',failure,'), line);
  }
  // Desktop-first, but still usable on a phone: wide tables scroll inside their box, not the page.
  await admin.page.setViewportSize({ width: 390, height: 844 });
  await admin.page.goto('/admin/audit');
  await admin.page.getByTestId('audit-table').waitFor();
  await expectNoHorizontalScroll(admin.page);
  await admin.page.getByRole('link', { name: 'Staff accounts' }).first().click();
  await admin.page.getByTestId('staff-table').getByText(email).waitFor();
  await expectNoHorizontalScroll(admin.page);
  assertClean(admin.problems);
  await admin.context.close();

  const doctor = await openDevice(browser, 'tablet');
  await signIn(doctor.page, email, temporary);
  await doctor.page.waitForURL('**/clinic');
  await doctor.page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
  await hydrated(doctor.page);
  await doctor.page.getByLabel('Current password').fill(temporary);
  await doctor.page.getByLabel('New password', { exact: true }).fill('harbour lamp violin');
  await doctor.page.getByLabel('Repeat the new password').fill('harbour lamp violin');
  await doctor.page.getByRole('button', { name: 'Change password' }).click();
  // Staff cannot go on without two-step sign-in.
  await doctor.page.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor();
  await hydrated(doctor.page);
  await doctor.page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await doctor.page.getByRole('img', { name: 'QR code to scan with your authenticator app' }).waitFor();
  const secret = fromBase32(await doctor.page.getByTestId('mfa-secret').textContent());
  assert.equal(secret.length, 20);
  await expectNoHorizontalScroll(doctor.page);
  await doctor.page.getByLabel('Code shown by the app').fill('000000');
  await doctor.page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await doctor.page.getByText('That code is not right.').waitFor();
  const step = Math.floor(Date.now() / 30000);
  await doctor.page.getByLabel('Code shown by the app').fill(totp(secret, step));
  await doctor.page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await doctor.page.getByTestId('recovery-codes').waitFor();
  const codes = await doctor.page.getByTestId('recovery-codes').locator('li').allTextContents();
  assert.equal(codes.length, 10);
  for (const code of codes) assert.match(code.trim(), /^[a-z2-9]{5}-[a-z2-9]{5}$/);
  await doctor.page.getByRole('button', { name: 'I have kept these codes' }).click();
  await doctor.page.getByRole('heading', { name: 'Welcome, Dr Ines Duarte' }).waitFor();
  await doctor.page.getByText('Doctor', { exact: true }).first().waitFor();
  await expectNoHorizontalScroll(doctor.page);
  await doctor.page.screenshot({ path: 'test-results/clinic-dashboard-tablet.png', fullPage: true });
  // The account page lists this session, named by device.
  await doctor.page.getByRole('link', { name: 'Account' }).click();
  await doctor.page.getByRole('heading', { name: 'Account and security' }).waitFor();
  await doctor.page.getByText('Chrome on Linux').waitFor();
  await doctor.page.getByText('This device').waitFor();

  await doctor.page.getByRole('button', { name: 'Sign out' }).click();
  await doctor.page.waitForURL((url) => url.pathname === '/');
  await doctor.page.goto('/clinic');
  await doctor.page.getByRole('heading', { name: 'Please sign in' }).waitFor();

  // Back in with the password and a code; the code that set the app up is
  // refused a second time.
  await signIn(doctor.page, email, 'harbour lamp violin', '/clinic');
  await doctor.page.getByLabel('Code').fill(totp(secret, step));
  await doctor.page.getByRole('button', { name: 'Verify and sign in' }).click();
  await doctor.page.getByText('That code was used already.').waitFor();
  await doctor.page.getByLabel('Code').fill(totp(secret, step + 1));
  await doctor.page.getByRole('button', { name: 'Verify and sign in' }).click();
  await doctor.page.getByRole('heading', { name: 'Welcome, Dr Ines Duarte' }).waitFor();
  // The wrong and reused codes answered 422, which Chromium logs.
  assertClean(doctor.problems.filter((p) => !/status of 422/.test(p)));
  await doctor.context.close();
});

test('a patient turns two-step sign-in on from a phone, and signs in with a code and with a recovery code', async () => {
  const { context, page, problems } = await openDevice(browser, 'phone');
  const email = `${unique('noor')}@example.org`;
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Given name').fill('نور');
  await page.getByLabel('Family name').fill('Haddad');
  await page.getByLabel('Date of birth').fill('1990-04-12');
  await page.getByLabel('Sex (as on your official documents)').selectOption('female');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('quiet meadow lantern');
  await page.getByLabel('Repeat the password').fill('quiet meadow lantern');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/patient');

  await page.goto('/patient/account');
  await hydrated(page);
  const section = page.getByRole('region', { name: 'Two-step sign-in' });
  await section.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = fromBase32(await section.getByTestId('mfa-secret').textContent());
  await section.getByLabel('Code shown by the app').fill(await nextCode(secret, email));
  await section.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await section.getByTestId('recovery-codes').waitFor();
  const codes = (await section.getByTestId('recovery-codes').locator('li').allTextContents()).map((c) => c.trim());
  assert.equal(codes.length, 10);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/patient-mfa-phone.png', fullPage: true });
  await section.getByRole('button', { name: 'I have kept these codes' }).click();
  await section.getByText('Recovery codes left: 10 of 10.').waitFor();

  // Signed out, the password alone is not enough.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await signIn(page, email, 'quiet meadow lantern');
  await enterCode(page, secret, email);
  await page.waitForURL('**/patient');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  // A recovery code works once.
  await signIn(page, email, 'quiet meadow lantern');
  await page.getByLabel('Code').fill(codes[0].toUpperCase());
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.waitForURL('**/patient');
  await page.goto('/patient/account');
  await page.getByText('Recovery codes left: 9 of 10.').waitFor();
  assertClean(problems);
  await context.close();
});

test('a wrong password shows a clear message and a patient cannot open the admin portal', async () => {
  const { context, page, problems } = await openDevice(browser, 'phone');
  await signIn(page, DEMO.patient, 'definitely not it');
  await page.getByText('The e-mail address or password is incorrect.').waitFor();
  await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/patient');
  await page.goto('/admin');
  await page.getByRole('heading', { name: 'This portal is not for your account' }).waitFor();
  // The failed sign-in answered 401, which Chromium logs; nothing else may appear.
  assertClean(problems.filter((p) => !/status of 401/.test(p)));
  await context.close();
});

test('the receptionist finds a patient from the clinic search box as they type', async () => {
  const { context, page, problems } = await openDevice(browser, 'tablet');
  await signIn(page, 'reception@demo-hospital.example', DEMO_PASSWORD);
  await page.waitForURL('**/clinic');
  await hydrated(page);
  const box = page.getByLabel('MRN, name, phone, national ID or date of birth');
  // A single digit never searches.
  await box.fill('7');
  await page.getByText('Type at least two characters').waitFor();
  assert.equal(await page.getByTestId('search-results').count(), 0);
  // Accent-insensitive, as the user types.
  await box.pressSequentially('mul', { delay: 60 });
  await box.fill('mul');
  await page.getByTestId('search-results').getByText('Müller, Maria').waitFor();
  const mrn = (await page.getByTestId('search-results').locator('.mrn').first().textContent()).trim();
  assert.match(mrn, /^\d{8}-\d$/);
  // The MRN finds exactly that patient.
  await box.fill(mrn);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="search-results"] li').length === 1);
  await box.fill('zzzz');
  await page.getByTestId('search-empty').waitFor();
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/clinic-search-tablet.png', fullPage: true });
  assertClean(problems);
  await context.close();
});
