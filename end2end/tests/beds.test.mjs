// Beds at work, on tablets: the doctor admits the demo patient from her
// chart to a free bed (a missing diagnosis refused first); the nurse's
// open bed board shows her there without a reload; the nurse moves her to
// intensive care with a reason, and
// marks the bed she left cleaned; the doctor discharges her with a signed
// summary, downloads it as a PDF and books her follow-up on the same
// screen, and the board shows her last bed being cleaned.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, signIn, expectNoHorizontalScroll, assertClean, DEMO, DEMO_PASSWORD } from './helpers.mjs';

// A refused form answers 422, which the browser logs as a failed request.
const expected422 = (problems) => problems.filter((p) => !p.includes('status of 422'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/// The card of a bed on the board.
const bedCard = (page, name) => page.locator(`[data-testid="bed"][data-bed="${name}"]`);

test('a doctor admits, a nurse transfers, the doctor discharges', async () => {
  // The nurse's board is open before anything happens: it must follow.
  const nurse = await openDevice(browser, 'tablet');
  await signIn(nurse.page, DEMO.nurse, DEMO_PASSWORD);
  await nurse.page.waitForURL('**/clinic');
  await nurse.page.goto('/clinic/beds');
  await hydrated(nurse.page);
  const taken = bedCard(nurse.page, 'Room 102, bed A');
  await taken.getByTestId('bed-status').getByText('Free').waitFor();

  const doctor = await openDevice(browser, 'tablet');
  await signIn(doctor.page, DEMO.doctor, DEMO_PASSWORD);
  await doctor.page.waitForURL('**/clinic');
  await hydrated(doctor.page);
  await doctor.page.getByLabel('MRN, name, phone, national ID or date of birth').fill('muller');
  await doctor.page.getByTestId('search-results').getByRole('link', { name: /Müller, Maria/ }).click();
  await doctor.page.getByTestId('chart-banner').waitFor();
  await hydrated(doctor.page);
  await doctor.page.getByRole('link', { name: 'Admit', exact: true }).click();
  await doctor.page.waitForURL('**/admit');
  await hydrated(doctor.page);
  await doctor.page.getByRole('heading', { name: 'Admit Maria Müller' }).waitFor();

  // Without a diagnosis and a bed: both named.
  await doctor.page.getByRole('button', { name: 'Admit', exact: true }).click();
  await doctor.page.getByText("Enter the admitting diagnosis's ICD-10-CM code.").waitFor();
  await doctor.page.getByText('Choose a free bed.').waitFor();
  await doctor.page.getByLabel('Diagnosis (ICD-10-CM) *').fill('pneumonia, unspecified');
  await doctor.page.getByRole('option', { name: /J18\.9/ }).click();
  await doctor.page.getByTestId('icd10-chosen').getByText('J18.9').waitFor();
  await doctor.page.getByLabel('Expected stay (days) *').fill('4');
  await doctor.page.getByLabel('Bed *').selectOption({ label: 'Internal Medicine — Room 102, bed A (Standard)' });
  await doctor.page.getByLabel('Admission note').fill('Fever, cough; SpO₂ 92 % — منذ ثلاثة أيام');
  await expectNoHorizontalScroll(doctor.page);
  await doctor.page.getByRole('button', { name: 'Admit', exact: true }).click();
  await doctor.page.waitForURL('**/clinic/admissions/*');
  await hydrated(doctor.page);
  await doctor.page.getByRole('heading', { name: 'Müller, Maria' }).waitFor();
  await doctor.page.getByTestId('current-bed').getByText('Internal Medicine, Room 102, bed A').waitFor();
  const admission = doctor.page.url();

  // The nurse's board shows her without a reload (server-sent events).
  await taken.getByTestId('bed-status').getByText('Occupied').waitFor({ timeout: 5000 });
  await taken.getByTestId('occupant').getByText('Müller, Maria').waitFor();
  // The seeded patient lies in room 101, and a bed there waits to be cleaned.
  await bedCard(nurse.page, 'Room 101, bed B').getByTestId('bed-status').getByText('Being cleaned').waitFor();
  await expectNoHorizontalScroll(nurse.page);
  await nurse.page.screenshot({ path: 'test-results/beds-board-tablet.png', fullPage: true });
  await taken.getByTestId('occupant').click();
  await nurse.page.waitForURL('**/clinic/admissions/*');
  await hydrated(nurse.page);
  const transfer = nurse.page.getByTestId('transfer-form');
  await transfer.getByLabel('To the bed').selectOption({ label: 'Intensive Care — Room ICU, bed 1 (Intensive care)' });
  await transfer.getByRole('button', { name: 'Transfer' }).click();
  await nurse.page.getByText('Say why the patient is moved.').waitFor();
  await transfer.getByLabel('Reason *').fill('Needs close monitoring');
  await transfer.getByRole('button', { name: 'Transfer' }).click();
  await nurse.page.getByTestId('current-bed').getByText('Intensive Care, Room ICU, bed 1').waitFor();
  const stays = nurse.page.getByTestId('stays').locator('li');
  assert.equal(await stays.count(), 2);
  await stays.nth(1).getByText('Needs close monitoring').waitFor();
  // Only a doctor discharges: the nurse has no discharge form.
  assert.equal(await nurse.page.getByTestId('discharge-form').count(), 0);

  // The bed she left is cleaned.
  await nurse.page.goto('/clinic/beds');
  await hydrated(nurse.page);
  const left = bedCard(nurse.page, 'Room 102, bed A');
  await left.getByTestId('bed-status').getByText('Being cleaned').waitFor();
  await left.getByRole('button', { name: 'Cleaned: free' }).click();
  await left.getByTestId('bed-status').getByText('Free').waitFor();

  // The doctor discharges her with the summary.
  await doctor.page.goto(admission);
  await hydrated(doctor.page);
  await doctor.page.getByTestId('current-bed').getByText('Intensive Care, Room ICU, bed 1').waitFor();
  const discharge = doctor.page.getByTestId('discharge-form');
  await discharge.getByLabel('Diagnoses at discharge (ICD-10-CM codes) *').fill('J18.9');
  await discharge.getByLabel('Follow-up').fill('Chest X-ray and clinic visit in six weeks');
  await discharge.getByLabel('Summary of the stay').fill('Treated with oral antibiotics; afebrile for 48 hours.');
  await discharge.getByRole('button', { name: 'Sign and discharge' }).click();
  const summary = doctor.page.getByTestId('discharge-summary');
  await summary.getByText('Treated with oral antibiotics; afebrile for 48 hours.').waitFor();
  await summary.getByText(/Signed by/).waitFor();
  assert.equal(await doctor.page.getByTestId('discharge-form').count(), 0);
  await expectNoHorizontalScroll(doctor.page);

  // The summary as a PDF, and the follow-up booked on the same screen.
  const pdf = await doctor.page.request.get(await summary.getByTestId('discharge-pdf').getAttribute('href'));
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  assert.ok((await pdf.body()).subarray(0, 5).toString() === '%PDF-');
  const followUp = doctor.page.getByTestId('follow-up');
  const picker = followUp.getByTestId('slot-picker');
  await picker.getByRole('tab').first().waitFor();
  await picker.getByRole('tab').nth(1).click();
  await picker.locator('.slot').first().click();
  await followUp.getByLabel('Reason for the visit (optional)').fill('Follow-up after pneumonia');
  await followUp.getByRole('button', { name: 'Confirm appointment' }).click();
  await followUp.getByTestId('booked').waitFor();
  await expectNoHorizontalScroll(doctor.page);

  await nurse.page.reload();
  await hydrated(nurse.page);
  await bedCard(nurse.page, 'Room ICU, bed 1').getByTestId('bed-status').getByText('Being cleaned').waitFor();

  assertClean(expected422(doctor.problems));
  assertClean(expected422(nurse.problems));
  await doctor.context.close();
  await nurse.context.close();
});
