// Patients and the health record, as the scenarios: the receptionist
// registers a patient on a desktop; a nurse fast-tracks an unknown emergency
// patient on a tablet and the record is merged later; a doctor on a tablet
// records vitals, a note, an ICD-10 diagnosis and an allergy; the patient on a
// phone sees them and downloads the PDF.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { launch, openDevice, hydrated, signIn, expectNoHorizontalScroll, assertClean, api, apiSignIn, BASE_URL, DEMO, DEMO_PASSWORD } from './helpers.mjs';

const RECEPTION = 'reception@demo-hospital.example';
const NURSE = 'nurse@demo-hospital.example';
// Validation errors come back as HTTP 422, which Chromium logs as a failed load.
const expected422 = (problems) => problems.filter((p) => !p.includes('status of 422'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const suffix = Date.now().toString(36).slice(-5);
// A phone number nobody else has, so only the name and birth date make a duplicate.
const phone = `+46 70 ${String(Date.now() % 10_000_000).padStart(7, '0')}`;
// A national identifier nobody else has (a Swedish personnummer's shape).
const personnummer = `19710614-${String(Date.now() % 10_000).padStart(4, '0')}`;

async function openPatientFromSearch(page, query, name) {
  await page.getByLabel('MRN, name, phone, national ID or date of birth').fill(query);
  await page.getByTestId('search-results').getByRole('link', { name }).click();
}

/** Opens an encounter in the chart on screen and starts its note; answers the encounter. */
async function newEncounterNote(page, reason) {
  await page.getByRole('button', { name: 'New encounter' }).click();
  await page.getByLabel('Reason for the visit').fill(reason);
  await page.getByRole('button', { name: 'Open encounter' }).click();
  const encounter = page.getByTestId('encounter').filter({ hasText: reason });
  await encounter.getByRole('button', { name: 'Write note' }).click();
  return encounter;
}

test('the receptionist registers a patient on a desktop, with a duplicate warning', async () => {
  const desk = await openDevice(browser, 'desktop');
  await signIn(desk.page, RECEPTION, DEMO_PASSWORD);
  await desk.page.waitForURL('**/clinic');
  await desk.page.getByRole('link', { name: 'Register patient' }).click();
  await desk.page.getByRole('heading', { name: 'Register a patient' }).waitFor();
  await hydrated(desk.page);

  // Nothing filled in: every required field says what it needs.
  await desk.page.getByRole('button', { name: 'Register patient' }).click();
  await desk.page.getByText('Enter the given name.').waitFor();
  await desk.page.getByText('Enter the family name.').waitFor();
  await desk.page.getByText('Choose the sex recorded for administrative purposes.').waitFor();

  const family = `Lindqvist${suffix}`;
  const form = desk.page.locator('form');
  await form.getByLabel('Given name').fill('Ingrid');
  await form.getByLabel('Family name').fill(family);
  await form.getByLabel('Preferred name').fill('Inga');
  await form.getByLabel('Date of birth').fill('1971-06-14');
  await form.getByLabel('Sex (administrative)').selectOption('female');
  await form.getByLabel('Gender identity').fill('Woman');
  await form.getByLabel('Preferred language').fill('Swedish');
  await form.getByLabel('National identifier').fill('19710614#1234');
  await form.getByLabel('Phone', { exact: true }).fill(phone);
  await form.getByLabel('City').fill('Malmö');
  await desk.page.getByRole('button', { name: 'Add emergency contact' }).click();
  const contact = desk.page.getByTestId('emergency-contact');
  await contact.getByLabel('Name').fill('Nils Lindqvist');
  await contact.getByLabel('Relationship').fill('Husband');
  await contact.getByLabel('Phone').fill('+46 70 765 43 21');
  await desk.page.getByRole('button', { name: 'Add coverage' }).click();
  const coverage = desk.page.getByTestId('coverage');
  await coverage.getByLabel('Insurer').fill('Nordic Health Mutual');
  await coverage.getByLabel('Member id').fill('NHM-448812');
  await coverage.getByLabel('Valid from').fill('2026-01-01');
  await coverage.getByLabel('Valid to').fill('2025-01-01');
  await desk.page.getByRole('button', { name: 'Register patient' }).click();
  await desk.page.getByText('The coverage cannot end before it starts.').waitFor();
  await desk.page.getByText('“#” cannot be part of a national identifier').waitFor();
  await coverage.getByLabel('Valid to').fill('2026-12-31');
  await form.getByLabel('National identifier').fill(personnummer);
  await desk.page.getByRole('button', { name: 'Register patient' }).click();
  const mrn = (await desk.page.getByTestId('new-mrn').textContent()).trim();
  assert.match(mrn, /^\d{8}-\d$/);

  // The same person again: the first record is offered instead.
  await form.getByLabel('Given name').fill('Ingrid');
  await form.getByLabel('Family name').fill(family);
  await form.getByLabel('Date of birth').fill('1971-06-14');
  await form.getByLabel('Sex (administrative)').selectOption('female');
  await desk.page.getByRole('button', { name: 'Register patient' }).click();
  const duplicates = desk.page.getByTestId('duplicates');
  await duplicates.getByText(mrn).waitFor();
  await duplicates.getByText('Same name and date of birth').waitFor();
  await expectNoHorizontalScroll(desk.page);
  await desk.page.screenshot({ path: 'test-results/register-duplicate-desktop.png', fullPage: true });
  await duplicates.getByRole('link', { name: new RegExp(family) }).click();
  await desk.page.getByTestId('mrn').getByText(mrn).waitFor();
  await desk.page.getByTestId('demographics').getByText('Swedish').waitFor();
  await desk.page.getByText('Nordic Health Mutual').waitFor();
  await desk.page.getByTestId('national-id').getByText(personnummer.replace('-', '')).waitFor();

  // Found by the national identifier, typed with spaces this time.
  await desk.page.goto(`${BASE_URL}/clinic`);
  await hydrated(desk.page);
  await openPatientFromSearch(desk.page, personnummer.replace('-', ' '), new RegExp(family));
  await desk.page.getByTestId('mrn').getByText(mrn).waitFor();
  assertClean(expected422(desk.problems));
  await desk.context.close();
});

test('a nurse fast-tracks an unknown patient on a tablet; the record is merged later', async () => {
  const nurse = await openDevice(browser, 'tablet');
  await signIn(nurse.page, NURSE, DEMO_PASSWORD);
  await nurse.page.waitForURL('**/clinic');
  await nurse.page.getByRole('link', { name: 'Emergency' }).click();
  await nurse.page.getByRole('heading', { name: 'Emergency registration' }).waitFor();
  await hydrated(nurse.page);
  const started = Date.now();
  await nurse.page.getByLabel('Sex').selectOption('male');
  await nurse.page.getByLabel('Approximate age (years)').fill('40');
  await nurse.page.getByLabel('Description').fill(`unknown male, ~40, blue jacket ${suffix}`);
  await nurse.page.getByRole('button', { name: 'Register emergency patient' }).click();
  const tempMrn = (await nurse.page.getByTestId('temp-mrn').textContent()).trim();
  assert.ok(Date.now() - started < 15000, 'the fast-track takes under 15 seconds');
  assert.match(tempMrn, /^\d{8}-\d$/);
  await nurse.page.getByRole('link', { name: 'Open the chart' }).click();
  await nurse.page.getByTestId('chart-banner').getByText('Temporary identity').waitFor();
  await hydrated(nurse.page);
  // Care is documented at once, on the temporary record.
  await nurse.page.getByRole('button', { name: 'Record vitals' }).click();
  await nurse.page.getByLabel('Heart rate (/min)').fill('118');
  await nurse.page.getByLabel('SpO2 (%)').fill('93');
  await nurse.page.getByRole('button', { name: 'Save vitals' }).click();
  await nurse.page.getByTestId('latest-vitals').getByText('93 %').waitFor();
  await expectNoHorizontalScroll(nurse.page);
  await nurse.page.screenshot({ path: 'test-results/fast-track-chart-tablet.png', fullPage: true });
  assertClean(nurse.problems);
  await nurse.context.close();

  // Later the front desk learns who he is: register him, then merge.
  const desk = await openDevice(browser, 'desktop');
  await signIn(desk.page, RECEPTION, DEMO_PASSWORD);
  await desk.page.waitForURL('**/clinic');
  await desk.page.getByRole('link', { name: 'Register patient' }).click();
  await hydrated(desk.page);
  const family = `Novak${suffix}`;
  await desk.page.getByLabel('Given name').fill('Tomas');
  await desk.page.getByLabel('Family name').fill(family);
  await desk.page.getByLabel('Date of birth').fill('1985-02-03');
  await desk.page.getByLabel('Sex (administrative)').selectOption('male');
  await desk.page.getByRole('button', { name: 'Register patient' }).click();
  const realMrn = (await desk.page.getByTestId('new-mrn').textContent()).trim();

  await desk.page.getByRole('link', { name: 'Today' }).click();
  await hydrated(desk.page);
  await openPatientFromSearch(desk.page, tempMrn, /Unknown/);
  await desk.page.getByTestId('temporary').waitFor();
  await hydrated(desk.page);
  const merge = desk.page.getByTestId('merge');
  await merge.getByLabel('Find the record to keep').fill(family);
  await merge.getByRole('button', { name: 'Find' }).click();
  await merge.getByRole('button', { name: 'Preview merge' }).click();
  const preview = desk.page.getByTestId('merge-preview');
  await preview.getByText('Encounters: 1').waitFor();
  await preview.getByText('Vital-sign sets: 1').waitFor();
  await desk.page.screenshot({ path: 'test-results/merge-preview-desktop.png', fullPage: true });
  await preview.getByRole('button', { name: 'Merge the records' }).click();
  // The kept record now answers to the temporary MRN as well.
  await desk.page.getByTestId('mrn').getByText(realMrn).waitFor();
  await desk.page.getByText(`also known as ${tempMrn}`).waitFor();
  await desk.page.getByRole('link', { name: 'Today' }).click();
  await hydrated(desk.page);
  await desk.page.getByLabel('MRN, name, phone, national ID or date of birth').fill(tempMrn);
  await desk.page.getByTestId('search-results').getByText(family).waitFor();
  assertClean(desk.problems);
  await desk.context.close();
});

test('a doctor on a tablet records vitals, a note, a diagnosis and an allergy; the patient sees them on a phone', async () => {
  const doctor = await openDevice(browser, 'tablet');
  await signIn(doctor.page, DEMO.doctor, DEMO_PASSWORD);
  await doctor.page.waitForURL('**/clinic');
  await hydrated(doctor.page);
  await openPatientFromSearch(doctor.page, 'muller', /Müller, Maria/);
  await doctor.page.getByTestId('chart-banner').waitFor();
  await hydrated(doctor.page);

  // Vitals with a plausibility check on the field.
  await doctor.page.getByRole('button', { name: 'Record vitals' }).click();
  await doctor.page.getByLabel('Systolic BP (mmHg)').fill('131');
  await doctor.page.getByLabel('Diastolic BP (mmHg)').fill('84');
  await doctor.page.getByLabel('SpO2 (%)').fill('101');
  await doctor.page.getByRole('button', { name: 'Save vitals' }).click();
  await doctor.page.getByText('SpO2 must be between 50 and 100 %; check the reading.').waitFor();
  await doctor.page.getByLabel('SpO2 (%)').fill('96');
  await doctor.page.getByRole('button', { name: 'Save vitals' }).click();
  await doctor.page.getByTestId('latest-vitals').getByText('131/84 mmHg').waitFor();

  // An encounter with a signed SOAP note.
  const reason = `Wheeze review ${suffix}`;
  const encounter = await newEncounterNote(doctor.page, reason);
  await encounter.getByLabel('Subjective').fill('Wheeze at night for two weeks.');
  await encounter.getByLabel('Assessment').fill('Mild intermittent asthma.');
  await encounter.getByLabel('Plan').fill('Salbutamol inhaler as needed; review in 4 weeks.');
  await encounter.getByRole('button', { name: 'Save draft' }).click();
  await encounter.getByText('Draft', { exact: true }).waitFor();
  await encounter.getByRole('button', { name: 'Sign note' }).click();
  await encounter.getByText('Signed', { exact: true }).waitFor();

  // An ICD-10-CM diagnosis picked by searching words.
  await encounter.getByRole('button', { name: 'Diagnosis for this visit' }).click();
  await encounter.getByLabel('Diagnosis (ICD-10-CM)').fill('mild intermittent asthma uncomplicated');
  await encounter.getByRole('option', { name: /J45\.20/ }).click();
  await encounter.getByTestId('icd10-chosen').getByText('J45.20').waitFor();
  await encounter.getByRole('button', { name: 'Save diagnosis' }).click();
  await doctor.page.getByTestId('problems').getByText('J45.20').waitFor();

  // An allergy, shown in the banner at once.
  await doctor.page.getByRole('button', { name: 'Add allergy' }).click();
  await doctor.page.getByLabel('Substance').fill('Ibuprofen');
  await doctor.page.getByLabel('Reaction').fill('Bronchospasm');
  await doctor.page.getByLabel('Severity').selectOption('moderate');
  await doctor.page.getByRole('button', { name: 'Save allergy' }).click();
  await doctor.page.getByTestId('allergy-banner').getByText(/Ibuprofen \(moderate\)/).waitFor();
  await expectNoHorizontalScroll(doctor.page);
  await doctor.page.screenshot({ path: 'test-results/chart-tablet.png', fullPage: true });
  assertClean(expected422(doctor.problems));
  await doctor.context.close();

  const patient = await openDevice(browser, 'phone');
  await signIn(patient.page, DEMO.patient, DEMO_PASSWORD);
  await patient.page.waitForURL('**/patient');
  await patient.page.getByTestId('allergies').getByText('Ibuprofen').waitFor();
  await patient.page.getByTestId('my-problems').getByText(/asthma/i).waitFor();
  await patient.page.getByTestId('my-visits').getByText(reason).waitFor();
  await patient.page.getByTestId('my-visits').getByText('Mild intermittent asthma.').waitFor();
  await patient.page.getByTestId('trend').first().waitFor();
  await expectNoHorizontalScroll(patient.page);
  await patient.page.screenshot({ path: 'test-results/patient-record-phone.png', fullPage: true });
  await hydrated(patient.page);
  const [download] = await Promise.all([
    patient.page.waitForEvent('download'),
    patient.page.getByTestId('download-pdf').click(),
  ]);
  assert.match(download.suggestedFilename(), /^health-record-\d{8}-\d\.pdf$/);
  const file = await download.path();
  assert.equal(readFileSync(file).subarray(0, 5).toString(), '%PDF-');
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-']).toString();
  for (const expected of ['Müller', 'Ibuprofen', 'J45.20', reason, 'Mild intermittent asthma.']) {
    assert.ok(text.includes(expected), `the PDF lacks ${expected}`);
  }
  assertClean(patient.problems);
  await patient.context.close();
});


test('the clinic home shows the day: the front desk its arrivals, the doctor their list, unsigned notes and recent charts', async () => {
  // An emergency on the demo doctor's list today (the demo server keeps UTC).
  const admin = await browser.newContext({ baseURL: BASE_URL });
  await apiSignIn(admin, DEMO.admin);
  const maria = (await api(admin, 'patients/search', { query: 'Müller', cursor: null })).hits[0];
  const doctors = await api(admin, 'appointments/doctors', { department: null });
  const yusuf = doctors.find((d) => d.name === 'Dr Amina Yusuf');
  const today = new Date().toISOString().slice(0, 10);
  await api(admin, 'appointments/emergency', {
    patient_id: maria.id, doctor_id: yusuf.id, start: `${today}T00:01`, minutes: 15, reason: 'Seen first thing, chest pain',
  });
  await admin.close();

  // The front desk's home: today's arrivals at every doctor.
  const desk = await openDevice(browser, 'tablet');
  await signIn(desk.page, RECEPTION, DEMO_PASSWORD);
  await desk.page.waitForURL('**/clinic');
  const arrivals = desk.page.getByRole('region', { name: "Today's appointments" });
  const arriving = arrivals.getByTestId('today-row').filter({ hasText: 'Müller, Maria' });
  await arriving.getByText('00:01–00:16').waitFor();
  await arriving.getByText('with Dr Amina Yusuf').waitFor();
  await arriving.getByText('Booked').waitFor();
  await arrivals.getByText(/\d+ appointment\(s\) today, \d+ checked in\./).waitFor();
  await expectNoHorizontalScroll(desk.page);
  assertClean(desk.problems);
  await desk.context.close();

  // The doctor's home: their own list for today.
  const doctor = await openDevice(browser, 'tablet');
  await signIn(doctor.page, DEMO.doctor, DEMO_PASSWORD);
  await doctor.page.waitForURL('**/clinic');
  await hydrated(doctor.page);
  const mine = doctor.page.getByRole('region', { name: "Today's appointments" });
  await mine.getByTestId('today-row').filter({ hasText: 'Müller, Maria' }).getByText('Booked').waitFor();

  // A draft note left unsigned, and the chart just opened, are on the home.
  await openPatientFromSearch(doctor.page, 'muller', /Müller, Maria/);
  await doctor.page.getByTestId('chart-banner').waitFor();
  await hydrated(doctor.page);
  const reason = `Chest pain follow-up ${suffix}`;
  const encounter = await newEncounterNote(doctor.page, reason);
  await encounter.getByLabel('Subjective').fill('Pain settled overnight.');
  await encounter.getByRole('button', { name: 'Save draft' }).click();
  await encounter.getByText('Draft', { exact: true }).waitFor();

  await doctor.page.getByRole('link', { name: 'Today' }).click();
  const unsigned = doctor.page.getByRole('region', { name: 'Unsigned notes' });
  await unsigned.getByText(reason).waitFor();
  const recent = doctor.page.getByRole('region', { name: 'Recently opened charts' });
  await recent.getByRole('link', { name: /Müller, Maria/ }).waitFor();
  await doctor.page.getByRole('region', { name: 'Patients in your care' }).getByRole('link', { name: /Müller, Maria/ }).waitFor();
  await expectNoHorizontalScroll(doctor.page);
  await doctor.page.screenshot({ path: 'test-results/clinic-home-doctor-tablet.png', fullPage: true });

  // The note leads back to the chart, where it is signed; then it is off the list.
  await unsigned.getByRole('listitem').filter({ hasText: reason }).getByRole('link', { name: /Müller, Maria/ }).click();
  await doctor.page.getByTestId('chart-banner').waitFor();
  await hydrated(doctor.page);
  const again = doctor.page.getByTestId('encounter').filter({ hasText: reason });
  await again.getByRole('button', { name: 'Sign note' }).click();
  await again.getByText('Signed', { exact: true }).waitFor();
  await doctor.page.getByRole('link', { name: 'Today' }).click();
  await doctor.page.getByRole('region', { name: 'Recently opened charts' }).getByRole('link', { name: /Müller, Maria/ }).waitFor();
  await doctor.page.getByRole('region', { name: 'Unsigned notes' }).getByText(reason).waitFor({ state: 'detached' });
  assertClean(doctor.problems);
  await doctor.context.close();
});
