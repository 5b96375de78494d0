// Prescribing as a doctor does it on a tablet: the chart lists the demo
// patient's prescriptions; prescribing amoxicillin to her (allergic to
// penicillin) raises a major allergy alert in the browser before signing,
// signing without a reason is refused with a message on the reason, and
// with one the prescription is signed and listed with the chart's
// medications. The patient, on a phone, asks for a refill, her doctor
// approves it, she orders it online to collect, the pharmacist prepares it
// and she is told by e-mail (no drug named) and in the portal that it is ready.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, signIn, expectNoHorizontalScroll, assertClean, mailTo, DEMO, DEMO_PASSWORD } from './helpers.mjs';

// Validation errors come back as HTTP 422, which Chromium logs as a failed load.
const expected422 = (problems) => problems.filter((p) => !p.includes('status of 422'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a doctor prescribes on a tablet, is warned of an allergy and overrides it with a reason', async () => {
  const { page, problems, context } = await openDevice(browser, 'tablet');
  await signIn(page, DEMO.doctor, DEMO_PASSWORD);
  await page.waitForURL('**/clinic');
  await hydrated(page);
  await page.getByLabel('MRN, name, phone, national ID or date of birth').fill('muller');
  await page.getByTestId('search-results').getByRole('link', { name: /Müller, Maria/ }).click();
  await page.getByTestId('chart-banner').waitFor();
  await hydrated(page);
  const active = page.getByTestId('active-prescriptions');
  await active.getByText('metformin 500 mg Oral Tablet').waitFor();
  await active.getByText('Take 1 tablet by mouth twice a day for 90 days.').waitFor();

  await page.getByRole('link', { name: 'Prescribe', exact: true }).click();
  await page.waitForURL('**/prescribe');
  await page.getByTestId('allergy-banner').getByText(/Penicillin/).waitFor();
  await page.getByLabel('Drug (generic or brand name)').fill('amoxicillin');
  await page.getByTestId('drug-results').getByRole('button', { name: 'amoxicillin 500 mg Oral Capsule' }).click();
  await page.getByTestId('chosen-drug').getByText('amoxicillin 500 mg Oral Capsule').waitFor();

  // The alert is computed in the browser as soon as the drug is chosen.
  const alerts = page.getByTestId('prescribing-alerts');
  await alerts.getByText('Major · Allergy:').waitFor();
  await alerts.getByText(/Allergy to Penicillin/).waitFor();

  await page.getByLabel('Times a day').fill('3');
  await page.getByLabel('Days').fill('7');
  await page.getByTestId('computed-quantity').getByText('Leave blank for 21 capsules.').waitFor();
  await page.getByTestId('directions').getByText('Take 1 capsule by mouth 3 times a day for 7 days.').waitFor();
  await page.getByLabel('Instructions to the patient').fill('Finish the course — أكمل العلاج');

  await page.getByRole('button', { name: 'Sign prescription' }).click();
  await page.getByText('A major or contraindicated alert needs the reason you prescribe anyway.').waitFor();
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/prescribe-override-tablet.png', fullPage: true });
  await page.getByLabel('Reason to prescribe despite the alerts').fill('Tolerated amoxicillin in 2024; allergist cleared');
  await page.getByRole('button', { name: 'Sign prescription' }).click();

  await page.waitForURL(/\/clinic\/patients\/[0-9a-f-]+(#.*)?$/);
  await hydrated(page);
  const item = page.getByTestId('active-prescriptions').getByTestId('prescription').filter({ hasText: 'amoxicillin 500 mg Oral Capsule' });
  await item.getByText('Take 1 capsule by mouth 3 times a day for 7 days.').waitFor();
  await item.getByText('Finish the course — أكمل العلاج').waitFor();
  await item.getByText(/1 alert\(s\) overridden: Tolerated amoxicillin/).waitFor();
  const meds = page.getByRole('region', { name: 'Current medications' });
  await meds.getByText(/amoxicillin 500 mg Oral Capsule/).waitFor();

  // Stopping keeps it in the history with its reason.
  await item.getByRole('button', { name: 'Stop' }).click();
  await item.getByLabel('Why is it stopped?').fill('Course changed after culture');
  await item.getByRole('button', { name: 'Stop prescription' }).click();
  await page.getByText('Earlier prescriptions (1)').click();
  await page.getByText('Ended: Course changed after culture').waitFor();
  assert.equal(await page.getByTestId('active-prescriptions').getByText('amoxicillin 500 mg Oral Capsule').count(), 0);
  assertClean(expected422(problems));
  await context.close();
});

test('the patient reads her prescriptions on a phone, orders a refill to collect and is told it is ready', async () => {
  const { page, problems, context } = await openDevice(browser, 'phone');
  await signIn(page, DEMO.patient, DEMO_PASSWORD);
  await page.waitForURL('**/patient');
  await hydrated(page);
  await page.goto(new URL('/patient/prescriptions', page.url()).href);
  await hydrated(page);
  const current = page.getByTestId('my-prescriptions');
  const metformin = current.getByTestId('my-prescription').filter({ hasText: 'metformin 500 mg Oral Tablet' });
  await metformin.getByText('Take 1 tablet by mouth twice a day for 90 days.').waitFor();
  await metformin.getByText(/5 refill\(s\) left/).waitFor();
  await metformin.getByRole('link', { name: 'Download (PDF)' }).waitFor();
  await expectNoHorizontalScroll(page);

  // She asks for a refill; her doctor approves it from the refill queue.
  await metformin.getByRole('button', { name: 'Request a refill' }).click();
  await metformin.getByTestId('refill-status').getByText(/Waiting for the doctor/).waitFor();
  assert.equal(await metformin.getByRole('button', { name: 'Request a refill' }).count(), 0, 'one request at a time');
  const doctor = await openDevice(browser, 'tablet');
  await signIn(doctor.page, DEMO.doctor, DEMO_PASSWORD);
  await doctor.page.waitForURL('**/clinic');
  await hydrated(doctor.page);
  await doctor.page.getByRole('link', { name: 'Refills' }).click();
  await hydrated(doctor.page);
  const asked = doctor.page.getByTestId('refill-request').filter({ hasText: 'metformin 500 mg Oral Tablet' });
  await asked.getByText('Müller, Maria').waitFor();
  await asked.getByRole('button', { name: 'Approve' }).click();
  await doctor.page.getByText('Approved: metformin 500 mg Oral Tablet for Müller, Maria.').waitFor();
  assertClean(doctor.problems);
  await doctor.context.close();

  await page.reload();
  await hydrated(page);
  const again = page.getByTestId('my-prescriptions').getByTestId('my-prescription').filter({ hasText: 'metformin 500 mg Oral Tablet' });
  await again.getByTestId('refill-status').getByText(/Approved/).waitFor();
  await again.getByText(/4 refill\(s\) left/).waitFor();

  // The approved fill is in the pharmacy's queue: she orders it online, to collect.
  await again.getByLabel('Order online').selectOption('collect');
  await again.getByRole('button', { name: 'Place the order' }).click();
  await again.getByTestId('order-status').getByText('Placed').waitFor();
  await expectNoHorizontalScroll(page);
  const pharmacist = await openDevice(browser, 'desktop');
  await signIn(pharmacist.page, DEMO.pharmacist, DEMO_PASSWORD);
  await pharmacist.page.waitForURL('**/clinic');
  await pharmacist.page.goto(new URL('/clinic/pharmacy', pharmacist.page.url()).href);
  await hydrated(pharmacist.page);
  const card = pharmacist.page.getByTestId('queue-item').filter({ hasText: 'metformin 500 mg Oral Tablet' }).filter({ hasText: 'Müller, Maria' });
  await card.getByTestId('queue-order').getByText(/the patient collects/).waitFor();
  await card.getByRole('button', { name: 'Start preparing' }).click();
  await card.getByRole('button', { name: 'Mark ready' }).click();
  await card.getByText('Ready', { exact: true }).waitFor();
  assertClean(pharmacist.problems);
  await pharmacist.context.close();

  // She is told, without the drug's name, by e-mail and in the portal.
  const told = await mailTo(DEMO.patient, /Your pharmacy order is ready for pickup[^\r\n]*/);
  assert.ok(!/metformin/i.test(told), told);
  await page.reload();
  await hydrated(page);
  const ordered = page.getByTestId('my-prescriptions').getByTestId('my-prescription').filter({ hasText: 'metformin 500 mg Oral Tablet' });
  await ordered.getByTestId('order-status').getByText('Ready for pickup').waitFor();
  await ordered.locator('[aria-current="step"]').getByText('Ready for pickup').waitFor();
  await page.screenshot({ path: 'test-results/order-ready-phone.png', fullPage: true });
  assertClean(problems);
  await context.close();
});
