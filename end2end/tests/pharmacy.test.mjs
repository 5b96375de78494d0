// The pharmacy at work: a pharmacist on a desktop sees the demo patient's
// lisinopril in the queue with her allergies, prepares it and dispenses it
// from the batch that expires first; the stock page shows the batches near
// expiry and takes in a delivery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openDevice, hydrated, signIn, expectNoHorizontalScroll, assertClean, DEMO, DEMO_PASSWORD } from './helpers.mjs';

const expected422 = (problems) => problems.filter((p) => !p.includes('status of 422'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a pharmacist dispenses from the oldest batch and receives stock', async () => {
  const { page, problems, context } = await openDevice(browser, 'desktop');
  await signIn(page, DEMO.pharmacist, DEMO_PASSWORD);
  await page.waitForURL('**/clinic');
  await hydrated(page);
  await page.getByRole('link', { name: 'Pharmacy queue' }).click();
  await hydrated(page);
  const card = page.getByTestId('queue-item').filter({ hasText: 'lisinopril 10 mg Oral Tablet' }).filter({ hasText: 'Müller, Maria' });
  await card.getByText(/Allergies: .*Penicillin \(severe\)/).waitFor();
  await card.getByText('To give: 90 of 90 tablets').waitFor();
  await card.getByRole('button', { name: 'Start preparing' }).click();
  await card.getByText('In preparation').waitFor();
  await card.getByRole('button', { name: 'Mark ready' }).click();
  await card.getByText('Ready', { exact: true }).waitFor();
  await card.getByRole('button', { name: 'Dispense' }).click();
  // 60 from the lot that expires in 20 days, the other 30 from the next one.
  await page.getByText(/Dispensed 60 from lot LIS-1180 .*, 30 from lot LIS-2044 .*: Dispensed\./).waitFor();
  // The queue reloads without it (the notice comes first).
  await card.waitFor({ state: 'detached' });
  await expectNoHorizontalScroll(page);

  await page.getByRole('link', { name: 'Stock' }).click();
  await hydrated(page);
  const expiring = page.getByTestId('expiring');
  await expiring.getByText(/amoxicillin 500 mg Oral Capsule · lot AMX-0917/).waitFor();
  await expiring.getByText('Within 7 days').first().waitFor();
  await page.getByLabel('Drug (generic or brand name)').fill('cephalexin');
  await page.getByTestId('drug-results').getByRole('button', { name: 'cephalexin 250 mg Oral Capsule' }).click();
  await page.getByLabel('Lot number').fill('CEX-9001');
  await page.getByLabel('Units received').fill('200');
  await page.getByLabel('Location').fill('Shelf A3');
  await page.getByRole('button', { name: 'Receive into stock' }).click();
  await page.getByText('Enter the expiry date as YYYY-MM-DD.').waitFor();
  const nextYear = new Date(Date.now() + 365 * 86400000).toISOString().slice(0, 10);
  await page.getByLabel('Expiry date').fill(nextYear);
  await page.getByRole('button', { name: 'Receive into stock' }).click();
  await page.getByText('Received 200 × cephalexin 250 mg Oral Capsule (lot CEX-9001).').waitFor();
  await page.getByTestId('stock-level').filter({ hasText: 'cephalexin 250 mg Oral Capsule' }).getByText('200 on hand').waitFor();
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/pharmacy-stock-desktop.png', fullPage: true });

  // Local rules: the shipped high-risk pairs are listed; a new one needs its reason.
  await page.getByRole('link', { name: 'Local rules' }).click();
  await hydrated(page);
  await page.getByTestId('local-rules').getByText('warfarin with azole antifungal drugs').waitFor();
  await page.getByLabel('First: ingredient or class').fill('clopidogrel');
  await page.getByLabel('Second: what it names').selectOption('ingredient');
  await page.getByLabel('Second: ingredient or class').fill('omeprazole');
  await page.getByLabel('What the prescriber reads').fill('Omeprazole lowers the effect of clopidogrel; prefer pantoprazole.');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByText('Say why the pharmacy adds this rule.').waitFor();
  await page.getByLabel('Why the pharmacy adds it').fill('Drug and therapeutics committee, November');
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByText('Added: clopidogrel with omeprazole.').waitFor();
  await page.getByTestId('local-rule').filter({ hasText: 'clopidogrel with omeprazole' }).getByText(/Added by Chen Wei/).waitFor();
  await expectNoHorizontalScroll(page);
  assertClean(expected422(problems));
  await context.close();
});
