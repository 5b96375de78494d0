// Appointments, as the scenarios: a patient on a phone books,
// reschedules and cancels; a receptionist books for a patient; the doctor on
// a tablet sees the day list and checks the patient in; an administrator on a
// desktop edits a doctor's weekly hours and a holiday, and reads the overview.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, signIn, expectNoHorizontalScroll, assertClean, DEMO, DEMO_PASSWORD } from './helpers.mjs';

const RECEPTION = 'reception@demo-hospital.example';
// Validation errors come back as HTTP 422, which Chromium logs as a failed load.
const expected422 = (problems) => problems.filter((p) => !p.includes('status of 422'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Picks the first free time on the second day offered (never today, so the
 * cancellation cut-off cannot get in the way), and answers its summary. */
async function pickSlot(scope) {
  const picker = scope.getByTestId('slot-picker');
  const tabs = picker.getByRole('tab');
  await tabs.first().waitFor();
  await tabs.nth(1).click();
  await picker.locator('.slot').first().click();
}

test('a patient on a phone books, reschedules and cancels an appointment', async () => {
  const phone = await openDevice(browser, 'phone');
  const { page } = phone;
  await signIn(page, DEMO.patient, DEMO_PASSWORD);
  await page.waitForURL('**/patient');
  // Every tab of the bottom bar fits the phone's width, and its label its tab.
  const tabs = await page.locator('.portal__nav ul').evaluate((ul) => ul.scrollWidth - ul.clientWidth);
  assert.ok(tabs <= 0, `the tab bar overflows by ${tabs}px`);
  const cramped = await page.locator('.portal__nav a').evaluateAll((links) =>
    links.filter((a) => a.scrollWidth > a.clientWidth).map((a) => a.textContent));
  assert.deepEqual(cramped, [], 'tab labels wider than their tabs');
  await page.getByRole('link', { name: 'Visits', exact: true }).click();
  await page.getByRole('heading', { name: 'My appointments' }).waitFor();
  await hydrated(page);
  await page.getByText('No upcoming appointments').waitFor();
  await page.getByRole('link', { name: 'Book an appointment' }).first().click();
  await page.getByRole('heading', { name: 'Book an appointment' }).waitFor();
  await hydrated(page);

  // Department, then "first available", then a day and a time.
  await page.getByLabel('Department').selectOption({ label: 'General medicine' });
  await pickSlot(page);
  const summary = (await page.getByTestId('booking-summary').textContent()).trim();
  assert.match(summary, /^\w{3} \d{1,2} \w{3} \d{4} at \d{2}:\d{2} with /);
  await page.getByLabel('Reason for the visit (optional)').fill('Persistent cough');
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/booking-phone.png', fullPage: true });
  await page.getByRole('button', { name: 'Confirm appointment' }).click();
  const booked = page.getByTestId('booked');
  await booked.getByText('Your appointment is booked.').waitFor();

  // The calendar file: time, place and doctor, nothing clinical.
  const ics = await page.request.get(await booked.getByRole('link', { name: 'Add to calendar' }).getAttribute('href'));
  assert.equal(ics.status(), 200);
  const body = await ics.text();
  assert.match(body, /BEGIN:VCALENDAR/);
  assert.ok(!body.includes('cough'), 'no reason in the calendar file');

  await booked.getByRole('link', { name: 'See appointments' }).click();
  await page.getByRole('heading', { name: 'My appointments' }).waitFor();
  await hydrated(page);
  const item = page.getByTestId('appointment');
  await item.waitFor();
  const before = (await item.locator('.appointment__when').textContent()).trim();

  // Reschedule to another free time of the same doctor.
  await item.getByRole('button', { name: 'Reschedule' }).click();
  const move = item.getByTestId('move-panel');
  await move.getByRole('tab').first().waitFor();
  await move.getByRole('tab').nth(1).click();
  await move.locator('.slot').nth(1).click();
  await move.getByRole('button', { name: 'Move appointment' }).click();
  await page.waitForFunction((old) => {
    const el = document.querySelector('[data-testid=appointment] .appointment__when');
    return el && el.textContent.trim() !== old;
  }, before);
  assert.equal(await page.getByTestId('appointment').count(), 1, 'the old time is gone, the new one is there');

  // The home shows it first, as the next appointment.
  const moved = (await page.getByTestId('appointment').locator('.appointment__when').textContent()).trim();
  await page.getByRole('link', { name: 'Record', exact: true }).click();
  await page.getByRole('region', { name: 'Your next appointment' }).getByText(moved).waitFor();
  await page.getByRole('link', { name: 'Visits', exact: true }).click();
  await page.getByRole('heading', { name: 'My appointments' }).waitFor();
  await hydrated(page);

  // Cancel, with a confirmation step.
  await page.getByTestId('appointment').getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Yes, cancel it' }).click();
  await page.getByText('No upcoming appointments').waitFor();
  await expectNoHorizontalScroll(page);
  assertClean(phone.problems);
  await phone.context.close();
});

let bookedDay;

test('a receptionist books for a patient', async () => {
  const desk = await openDevice(browser, 'desktop');
  const { page } = desk;
  await signIn(page, RECEPTION, DEMO_PASSWORD);
  await page.waitForURL('**/clinic');
  await hydrated(page);
  await page.getByLabel('MRN, name, phone, national ID or date of birth').fill('muller');
  await page.getByTestId('search-results').getByRole('link', { name: /Müller, Maria/ }).click();
  await page.getByRole('link', { name: 'Book appointment' }).click();
  await page.getByRole('heading', { name: /Book for Maria Müller/ }).waitFor();
  await hydrated(page);
  // The directory: initials, specialty, languages and, for staff, the staff line.
  const cards = page.getByRole('list', { name: 'Our doctors' });
  await cards.getByText(/Staff line/).first().waitFor();
  await cards.getByRole('button', { name: /^Choose / }).first().click();
  assert.notEqual(await page.getByLabel('Doctor', { exact: true }).inputValue(), '');
  await pickSlot(page);
  bookedDay = await page.getByTestId('booking-summary').getAttribute('data-date');
  await page.getByRole('button', { name: 'Confirm appointment' }).click();
  await page.getByTestId('booked').waitFor();
  assertClean(desk.problems);
  await desk.context.close();
});

test('the doctor on a tablet sees the day list, checks the patient in, opens the chart and sees their own hours', async () => {
  assert.ok(bookedDay, 'the receptionist booked first');
  const tablet = await openDevice(browser, 'tablet');
  const { page } = tablet;
  await signIn(page, DEMO.doctor, DEMO_PASSWORD);
  await page.waitForURL('**/clinic');
  await page.getByRole('link', { name: 'Appointments', exact: true }).click();
  await page.getByRole('heading', { name: 'My appointments' }).waitFor();
  await hydrated(page);
  await page.getByLabel('Day').fill(bookedDay);
  await page.getByLabel('Day').dispatchEvent('change');
  const row = page.getByTestId('day-row').filter({ hasText: 'Müller, Maria' });
  await row.waitFor();
  await row.getByTestId('status').getByText('Booked').waitFor();
  await row.getByRole('button', { name: 'Check in' }).click();
  await row.getByTestId('status').getByText('Checked in').waitFor();
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/day-list-tablet.png', fullPage: true });
  await row.getByRole('link', { name: 'Müller, Maria' }).click();
  await page.getByRole('heading', { name: /Maria/ }).first().waitFor();
  // The doctor keeps their own hours.
  await page.getByRole('link', { name: 'My availability' }).click();
  await page.getByRole('heading', { name: /Weekly hours of/ }).waitFor();
  await page.getByTestId('template').getByText('Monday').first().waitFor();
  assertClean(tablet.problems);
  await tablet.context.close();
});

test('an administrator on a desktop edits a doctor’s weekly hours and a holiday, assigns an emergency and reads the overview', async () => {
  const desk = await openDevice(browser, 'desktop');
  const { page } = desk;
  await signIn(page, DEMO.admin, DEMO_PASSWORD);
  await page.waitForURL('**/admin');
  await page.getByRole('link', { name: 'Schedules' }).click();
  await page.getByRole('heading', { name: 'Schedules' }).waitFor();
  await hydrated(page);
  await page.getByLabel('Doctor', { exact: true }).selectOption({ index: 1 });
  const hours = page.getByTestId('template');
  await hours.getByText('Friday').first().waitFor();

  // A block that ends before it starts is refused with a message.
  const add = page.getByTestId('add-block');
  await add.getByLabel('Weekday').selectOption({ label: 'Saturday' });
  await add.getByLabel('From').fill('12:00');
  await add.getByLabel('To').fill('10:00');
  await add.getByRole('button', { name: 'Add hours' }).click();
  await add.getByText('The block must end after it starts.').waitFor();
  await add.getByLabel('From').fill('10:00');
  await add.getByLabel('To').fill('12:00');
  await add.getByRole('button', { name: 'Add hours' }).click();
  await hours.getByText('Saturday').waitFor();
  await hours.getByRole('button', { name: 'Remove Friday 14:00–16:00' }).click();
  await hours.getByRole('button', { name: 'Remove Friday 14:00–16:00' }).waitFor({ state: 'detached' });

  // A holiday.
  const holiday = page.getByTestId('add-holiday');
  await holiday.getByLabel('Day').fill('2027-12-24');
  await holiday.getByLabel('Name').fill('Christmas Eve');
  await holiday.getByRole('button', { name: 'Add holiday' }).click();
  await page.getByTestId('holidays').getByText(/Christmas Eve/).waitFor();
  await holiday.getByLabel('Day').fill('2027-12-24');
  await holiday.getByLabel('Name').fill('Again');
  await holiday.getByRole('button', { name: 'Add holiday' }).click();
  await holiday.getByText('This day is a holiday already.').waitFor();
  await page.screenshot({ path: 'test-results/schedules-desktop.png', fullPage: true });

  // An emergency goes onto the doctor's list outside the normal slots, with a reason.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await hydrated(page);
  await page.getByLabel('MRN, name, phone, national ID or date of birth').fill('muller');
  await page.getByTestId('search-results').getByRole('link', { name: /Müller, Maria/ }).click();
  const er = page.getByTestId('emergency-assign');
  await er.waitFor();
  await hydrated(page);
  await er.getByLabel('Doctor').selectOption({ index: 1 });
  await er.getByLabel('Start').fill(`${bookedDay}T12:30`);
  await er.getByRole('button', { name: 'Assign' }).click();
  await er.getByText('Record why this patient is seen outside the normal slots.').waitFor();
  await er.getByLabel('Reason').fill('Chest pain, to be seen at once');
  await er.getByRole('button', { name: 'Assign' }).click();
  await er.getByText('On the doctor\'s list.').waitFor();

  // The overview: utilisation and no-show rate for the week.
  await page.getByRole('link', { name: 'Appointments', exact: true }).click();
  await page.getByRole('heading', { name: 'Appointments' }).waitFor();
  await hydrated(page);
  await page.getByTestId('overview-stats').waitFor();
  assert.match(await page.getByTestId('utilisation').textContent(), /%|—/);
  await page.getByTestId('overview').waitFor();
  assertClean(expected422(desk.problems));
  await desk.context.close();
});
