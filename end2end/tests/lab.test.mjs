// The laboratory as the issue tells it: a doctor on a tablet orders a CBC,
// a potassium and a chest X-ray (STAT) for the demo patient; a technician
// finds them on the worklist, collects the specimens, opens a label (its
// barcode drawn as SVG), scans the accession number back and enters a
// critical potassium; a second technician verifies and releases it; the
// doctor sees the critical result on the clinic home, acknowledges it in
// the chart and, as the radiologist, reports the X-ray, whose impression the
// chart then shows, attaches an image to it (a GIF is refused) and opens the
// lab report; the patient on a phone reads the flagged potassium with the
// usual range and its trend, opens the image and the report, and books (and
// cancels) a visit to give the sample of a new routine test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, signIn, expectNoHorizontalScroll, assertClean, mailTo, api, DEMO, DEMO_PASSWORD } from './helpers.mjs';

// A small PNG (1×1, grey): what a scanner's export would start with.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==', 'base64');

/** A download behind a link, fetched with the page's session: its status and type. */
async function fetched(page, link) {
  const href = await link.getAttribute('href');
  const response = await page.request.get(href);
  return [response.status(), response.headers()['content-type']];
}

const TECH = 'lab@demo-hospital.example';
const SUPERVISOR = 'labsupervisor@demo-hospital.example';
// Validation errors come back as HTTP 422, which Chromium logs as a failed load.
const expected422 = (problems) => problems.filter((p) => !p.includes('status of 422'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function openChart(page) {
  await page.getByLabel('MRN, name, phone, national ID or date of birth').fill('muller');
  await page.getByTestId('search-results').getByRole('link', { name: /Müller, Maria/ }).click();
  await page.getByTestId('chart-banner').waitFor();
  await hydrated(page);
}

test('an order of tests becomes a verified, acknowledged result the patient reads', async () => {
  // The doctor orders on a tablet.
  const doctor = await openDevice(browser, 'tablet');
  await signIn(doctor.page, DEMO.doctor, DEMO_PASSWORD);
  await doctor.page.waitForURL('**/clinic');
  await hydrated(doctor.page);
  await openChart(doctor.page);
  await doctor.page.getByRole('link', { name: 'Order tests', exact: true }).click();
  await doctor.page.waitForURL('**/lab-order');
  await hydrated(doctor.page);
  const form = doctor.page.getByTestId('lab-order-form');
  await form.getByLabel('CBC', { exact: true }).check();
  await form.getByLabel('Find a test').fill('potassium');
  await form.getByLabel('Potassium (serum)').check();
  await form.getByLabel('Find a test').fill('chest');
  await form.getByLabel('X-ray, chest (imaging)').check();
  await form.getByLabel('Priority').selectOption('stat');
  await form.getByLabel('Clinical note for the laboratory').fill('Palpitations; on ramipril — خفقان');
  await expectNoHorizontalScroll(doctor.page);
  await form.getByRole('button', { name: 'Place the order' }).click();
  await doctor.page.waitForURL(/\/clinic\/patients\/[0-9a-f-]+#results$/);
  await hydrated(doctor.page);
  const row = (code) => doctor.page.getByTestId('chart-results').locator(`[data-code="${code}"]`).first();
  await row('2823-3').getByText('Ordered').waitFor();

  // The technician collects, opens a label, scans it back, enters a result.
  const tech = await openDevice(browser, 'tablet');
  await signIn(tech.page, TECH, DEMO_PASSWORD);
  await tech.page.waitForURL('**/clinic');
  await tech.page.getByRole('link', { name: 'Laboratory' }).first().click();
  await tech.page.waitForURL('**/clinic/lab');
  await hydrated(tech.page);
  const work = tech.page.getByTestId('worklist').getByTestId('work-row').filter({ hasText: 'Potassium' });
  await work.getByText('STAT').waitFor();
  await work.getByRole('link', { name: /Müller, Maria/ }).click();
  await tech.page.waitForURL(/\/clinic\/lab\/orders\//);
  await hydrated(tech.page);
  const orderUrl = tech.page.url();
  await tech.page.getByText('Palpitations; on ramipril — خفقان').waitFor();
  await tech.page.getByTestId('collect').click();
  const labels = tech.page.getByTestId('labels');
  await labels.getByRole('link').first().waitFor();
  assert.equal(await labels.getByRole('link').count(), 2, 'serum and whole blood');
  const k = tech.page.locator('[data-testid="bench-item"][data-code="2823-3"]');
  const accession = (await k.locator('.mrn').textContent()).trim();
  assert.match(accession, /^L\d{10}$/);
  await labels.getByRole('link', { name: accession }).click();
  await tech.page.waitForURL(`**/clinic/lab/labels/${accession}`);
  await hydrated(tech.page);
  await tech.page.getByTestId('label').getByText('Müller, Maria').waitFor();
  assert.ok(await tech.page.getByTestId('barcode').locator('rect').count() > 20, 'the bars are drawn');
  assert.equal(await tech.page.getByTestId('accession').textContent(), accession);
  await tech.page.screenshot({ path: 'test-results/lab-label-tablet.png', fullPage: true });
  // A USB scanner types the number and presses Enter.
  await tech.page.goto('/clinic/lab');
  await hydrated(tech.page);
  await tech.page.getByLabel('Scan or type an accession number').fill(accession.toLowerCase());
  await tech.page.getByLabel('Scan or type an accession number').press('Enter');
  await tech.page.waitForURL(orderUrl);
  await hydrated(tech.page);
  await k.getByLabel('Result').fill('abc');
  await k.getByRole('button', { name: 'Enter' }).click();
  await k.getByText('Enter a number, e.g. 4.2.', { exact: false }).waitFor();
  await k.getByLabel('Result').fill('6,9');
  await k.getByRole('button', { name: 'Enter' }).click();
  await k.getByTestId('flag').getByText('HH').waitFor();
  await k.getByTestId('item-status').getByText('Awaiting verification').waitFor();
  // The one who entered it cannot verify it.
  await k.getByRole('button', { name: /Verify and release/ }).click();
  await k.getByText('A result is verified by someone other than who entered it.').waitFor();
  await expectNoHorizontalScroll(tech.page);

  // A second technician verifies and releases it.
  const second = await openDevice(browser, 'desktop');
  await signIn(second.page, SUPERVISOR, DEMO_PASSWORD);
  await second.page.waitForURL('**/clinic');
  await second.page.goto(orderUrl);
  await hydrated(second.page);
  const k2 = second.page.locator('[data-testid="bench-item"][data-code="2823-3"]');
  await k2.getByRole('button', { name: /Verify and release/ }).click();
  await k2.getByTestId('item-status').getByText('Released').waitFor();

  // The doctor is alerted (clinic home and e-mail, neither clinical), acknowledges.
  const mail = await mailTo(DEMO.doctor, /A laboratory result you ordered is critical[^\r\n]*/);
  assert.ok(!/otassium|6[.,]9|Müller/.test(mail), mail);
  await doctor.page.goto('/clinic');
  await hydrated(doctor.page);
  await doctor.page.getByTestId('critical-alert').filter({ hasText: 'Potassium: 6.9 mmol/L' }).waitFor();
  await openChart(doctor.page);
  await row('2823-3').getByTestId('flag').getByText('HH').waitFor();
  await row('2823-3').getByTestId('acknowledge').click();
  await row('2823-3').getByTestId('acknowledge').waitFor({ state: 'detached' });
  await doctor.page.getByTestId('lab-trends').waitFor();

  // The doctor, as radiologist, reports the X-ray.
  await doctor.page.getByRole('link', { name: 'Worklist' }).first().click();
  await doctor.page.waitForURL('**/clinic/lab');
  await hydrated(doctor.page);
  await doctor.page.getByTestId('worklist').getByTestId('work-row').filter({ hasText: 'X-ray, chest' }).getByRole('link').click();
  await doctor.page.waitForURL(/\/clinic\/lab\/orders\//);
  await hydrated(doctor.page);
  const xray = doctor.page.locator('[data-testid="bench-item"][data-code="IMG-XR-CHEST"]');
  await xray.getByLabel('Findings').fill('Lungs clear. Heart size normal.');
  await xray.getByLabel('Impression').fill('No acute cardiopulmonary disease.');
  await xray.getByRole('button', { name: 'Sign the report' }).click();
  await xray.getByTestId('item-status').getByText('Released').waitFor();
  // An image goes with the report; a GIF does not.
  await xray.getByLabel(/Attach an image or PDF/).setInputFiles({ name: 'scan.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a0000') });
  await xray.getByRole('button', { name: 'Attach', exact: true }).click();
  await xray.getByText('Only JPEG and PNG images and PDF documents can be attached.').waitFor();
  await xray.getByLabel(/Attach an image or PDF/).setInputFiles({ name: 'صدر-PA.png', mimeType: 'image/png', buffer: PNG });
  await xray.getByRole('button', { name: 'Attach', exact: true }).click();
  const file = xray.getByTestId('attachments').getByRole('link', { name: 'صدر-PA.png' });
  await file.waitFor();
  assert.deepEqual(await fetched(doctor.page, file), [200, 'image/png']);
  assert.deepEqual(await fetched(doctor.page, doctor.page.getByTestId('lab-report').first()), [200, 'application/pdf']);
  await doctor.page.goto('/clinic');
  await hydrated(doctor.page);
  await openChart(doctor.page);
  await row('IMG-XR-CHEST').getByText('No acute cardiopulmonary disease.').waitFor();

  // The patient reads the flagged potassium and its trend on her phone.
  const patient = await openDevice(browser, 'phone');
  await signIn(patient.page, DEMO.patient, DEMO_PASSWORD);
  await patient.page.waitForURL('**/patient');
  await hydrated(patient.page);
  await patient.page.getByRole('link', { name: 'All test results' }).click();
  await patient.page.waitForURL('**/patient/results');
  await hydrated(patient.page);
  const card = patient.page.locator('[data-testid="my-result"][data-code="2823-3"]');
  await card.getByTestId('my-value').getByText('6.9 mmol/L').waitFor();
  await card.getByTestId('plain').getByText('above the usual range').waitFor();
  await card.getByText('Usual range: 3.5–5 mmol/L').waitFor();
  assert.ok(await card.getByTestId('trend').locator('circle').count() >= 2, 'the potassium trend');
  const report = patient.page.locator('[data-testid="my-result"][data-code="IMG-XR-CHEST"]');
  await report.getByText('No acute cardiopulmonary disease.').waitFor();
  assert.deepEqual(await fetched(patient.page, report.getByRole('link', { name: 'صدر-PA.png' })), [200, 'image/png']);
  assert.deepEqual(await fetched(patient.page, patient.page.getByTestId('lab-reports').getByRole('link').first()), [200, 'application/pdf']);
  // Haemoglobin and the rest of the CBC are not entered: not shown.
  assert.equal(await patient.page.locator('[data-testid="my-result"][data-code="718-7"]').count(), 0);
  await expectNoHorizontalScroll(patient.page);
  await patient.page.screenshot({ path: 'test-results/lab-results-phone.png', fullPage: true });

  // A routine HbA1c needs a sample: the patient books a visit at the laboratory.
  const hit = (await api(doctor.context, 'patients/search', { query: 'Müller', cursor: null })).hits[0];
  await api(doctor.context, 'lab/order', { form: { patient_id: hit.id, encounter_id: null, choices: ['4548-4'],
    priority: 'routine', note: '', confirm_duplicates: true } });
  await patient.page.reload();
  await hydrated(patient.page);
  const visit = patient.page.getByTestId('collect-order').filter({ hasText: 'Hemoglobin A1c' });
  await visit.getByRole('button', { name: 'Book a visit' }).click();
  const times = visit.getByTestId('collection-slots').getByRole('button');
  await times.first().waitFor();
  const chosen = (await times.first().textContent()).trim();
  await times.first().click();
  await visit.getByTestId('visit-booked').getByText(chosen).waitFor();
  await expectNoHorizontalScroll(patient.page);
  await visit.getByRole('button', { name: 'Cancel the visit' }).click();
  await visit.getByRole('button', { name: 'Book a visit' }).waitFor();

  for (const who of [doctor, tech, second, patient]) {
    assertClean(expected422(who.problems).filter((p) => !p.includes('status of 409')));
    await who.context.close();
  }
});

test('an administrator on a desktop sets the laboratory’s collection hours', async () => {
  const admin = await openDevice(browser, 'desktop');
  await signIn(admin.page, DEMO.admin, DEMO_PASSWORD);
  await admin.page.waitForURL('**/admin');
  await admin.page.goto('/admin/lab');
  await hydrated(admin.page);
  const form = admin.page.getByTestId('add-hours');
  // The demo's Saturday hours are 08:00–10:00: an overlap is refused on its field.
  await form.getByLabel('Weekday').selectOption('6');
  await form.getByLabel('From', { exact: true }).fill('09:00');
  await form.getByLabel('To', { exact: true }).fill('12:00');
  await form.getByLabel('Places per slot').fill('0');
  await form.getByRole('button', { name: 'Add hours' }).click();
  await form.getByText('Places per slot: between 1 and 50.').waitFor();
  await form.getByLabel('Places per slot').fill('3');
  await form.getByRole('button', { name: 'Add hours' }).click();
  await form.getByText('This overlaps the hours 08:00–10:00 of that day.').waitFor();
  // Sunday mornings are new.
  await form.getByLabel('Weekday').selectOption('7');
  await form.getByRole('button', { name: 'Add hours' }).click();
  const hours = admin.page.getByTestId('collection-hours');
  await hours.getByText('Sunday 09:00–12:00, every 15 min, 3 place(s)').waitFor();
  await hours.locator('li').filter({ hasText: 'Sunday' }).getByRole('button', { name: 'Remove' }).click();
  await hours.getByText('Sunday').waitFor({ state: 'detached' });
  await expectNoHorizontalScroll(admin.page);
  assertClean(expected422(admin.problems).filter((p) => !p.includes('status of 409')));
  await admin.context.close();
});
