// Billing at work: a billing clerk on a tablet charges a procedure to a
// patient, invoices it, issues the invoice and takes the payment in cash
// with a receipt; the demo patient on her phone sees her bill, what she
// still owes and the payment made, and pays the rest online through the
// payment service's test double; she claims the insurer's portion from her
// phone and the clerk records the insurer's partial approval, which changes
// what she owes; an administrator adds a price and downloads the revenue
// report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, openDevice, hydrated, signIn, expectNoHorizontalScroll, assertClean, DEMO, DEMO_PASSWORD } from './helpers.mjs';

// A refused form answers 422, which the browser logs as a failed request.
const expected422 = (problems) => problems.filter((p) => !p.includes('status of 422'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a clerk invoices a procedure and takes a cash payment with a receipt', async () => {
  const { page, problems, context } = await openDevice(browser, 'tablet');
  await signIn(page, DEMO.billing, DEMO_PASSWORD);
  await page.waitForURL('**/clinic');
  await hydrated(page);
  await page.getByRole('link', { name: 'Billing' }).click();
  await hydrated(page);
  // The page draws its content a second time in its first moment after a
  // client-side navigation, and what was typed before that is lost (a known
  // defect, docs/architecture.md): let it settle first.
  await page.waitForLoadState('networkidle');
  await page.getByText('Find the patient to charge, invoice or take a payment from.').waitFor();
  await page.waitForTimeout(500);
  await page.getByLabel('MRN, name, phone, national ID or date of birth').fill('garcía');
  await page.getByRole('link', { name: 'García, José' }).click();
  await page.waitForURL('**/clinic/billing/patients/*');
  await hydrated(page);
  await page.getByRole('heading', { name: 'García, José' }).waitFor();

  // A quantity out of range is named; then two sutures.
  await page.getByLabel('Item *', { exact: true }).selectOption({ label: 'Wound suture — EUR 30.00' });
  await page.getByLabel('Quantity', { exact: true }).fill('0');
  await page.getByRole('button', { name: 'Add the charge' }).click();
  await page.getByText('Enter a quantity from 1 to 1000.').waitFor();
  await page.getByLabel('Quantity', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Add the charge' }).click();
  const charge = page.getByTestId('charge').filter({ hasText: 'Wound suture' });
  await charge.getByText('2 × EUR 30.00').waitFor();
  await expectNoHorizontalScroll(page);

  await page.getByRole('button', { name: 'Create a draft invoice' }).click();
  await page.waitForURL('**/clinic/billing/invoices/*');
  await hydrated(page);
  await page.getByRole('heading', { name: 'Draft invoice' }).waitFor();
  await page.getByTestId('total').getByText('EUR 60.00').waitFor();
  await page.getByRole('button', { name: 'Issue the invoice' }).click();
  await page.getByRole('heading', { name: /^Invoice INV-\d{4}-\d{6}$/ }).waitFor();
  await page.getByTestId('balance').getByText('EUR 60.00').waitFor();

  // More than owed is refused; the whole balance in cash gives a receipt.
  await page.getByLabel('Amount *', { exact: true }).fill('70');
  await page.getByRole('button', { name: 'Record the payment' }).click();
  await page.getByText('The balance is EUR 60.00; give change for the rest.').waitFor();
  await page.getByLabel('Amount *', { exact: true }).fill('60.00');
  await page.getByRole('button', { name: 'Record the payment' }).click();
  await page.getByTestId('payment').getByText(/receipt RCP-\d{4}-\d{6}/).waitFor();
  await page.getByTestId('balance').getByText('EUR 0.00').waitFor();
  await page.getByTestId('payment').getByText(/EUR 60.00 · Cash · Received/).waitFor();
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/billing-invoice-tablet.png', fullPage: true });

  // Reloaded cold, the invoice is the same.
  await page.reload();
  await hydrated(page);
  await page.getByTestId('balance').getByText('EUR 0.00').waitFor();
  assertClean(expected422(problems));
  await context.close();
});

test('the patient sees her bill and what she still owes on her phone', async () => {
  const { page, problems, context } = await openDevice(browser, 'phone');
  await signIn(page, DEMO.patient, DEMO_PASSWORD);
  await page.waitForURL('**/patient');
  await hydrated(page);
  // The home's tile says what is owed and leads to the bills.
  await page.getByTestId('bills-tile').getByText(/^You owe EUR [\d,]+\.\d\d\.$/).waitFor();
  await page.getByRole('link', { name: 'Bills and payments' }).click();
  await page.waitForURL('**/patient/bills');
  await hydrated(page);
  await page.getByTestId('outstanding').getByText(/^You owe EUR [\d,]+\.\d\d\.$/).waitFor();
  await page.getByTestId('invoice').first().getByRole('link', { name: /^Invoice INV-/ }).click();
  await page.waitForURL('**/patient/bills/*');
  await hydrated(page);
  await page.getByTestId('line').first().waitFor();
  await page.getByTestId('payment').getByText(/Cash · Received · receipt RCP-/).waitFor();
  // The invoice as a PDF, from the phone.
  const href = await page.getByTestId('invoice-pdf').getAttribute('href');
  const pdf = await page.request.get(href);
  assert.equal(pdf.status(), 200);
  assert.equal(pdf.headers()['content-type'], 'application/pdf');
  const balance = await page.getByTestId('balance').textContent();
  assert.match(balance, /^EUR [\d,]+\.\d\d$/);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/billing-patient-phone.png', fullPage: true });

  // She pays the balance online: the payment service's page (the local
  // double, on its own address), the test card, and back to her invoice
  // with the receipt.
  await page.getByTestId('pay-online').getByText(balance).waitFor();
  await page.getByRole('button', { name: 'Pay online' }).click();
  await page.waitForURL(/\/checkout\/cs_test_/);
  await page.getByRole('heading', { name: 'Test payment' }).waitFor();
  await page.getByRole('button', { name: `Pay ${balance}` }).click();
  await page.waitForURL(/\/patient\/bills\/[0-9a-f-]+\?checkout=cs_test_/);
  await hydrated(page);
  await page.getByTestId('paid-online').getByText(new RegExp(`^Thank you: ${balance.replace('.', '\\.')} received, receipt RCP-\\d{4}-\\d{6}\\.$`)).waitFor();
  await page.getByTestId('balance').getByText('EUR 0.00').waitFor();
  await page.getByTestId('payment').getByText(new RegExp(`${balance.replace('.', '\\.')} · Online · Received · receipt RCP-`)).waitFor();
  assert.equal(await page.getByTestId('pay-online').count(), 0, 'nothing left to pay online');
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/billing-paid-online-phone.png', fullPage: true });
  assertClean(problems);
  await context.close();
});

test('the patient claims from her insurer on her phone; a partial approval changes what she owes', async () => {
  // Her phone: the bill shows the insurer's portion; she starts a claim,
  // attaches a referral (a PDF) and submits it.
  const phone = await openDevice(browser, 'phone');
  await signIn(phone.page, DEMO.patient, DEMO_PASSWORD);
  await phone.page.waitForURL('**/patient');
  await phone.page.goto('/patient/bills');
  await hydrated(phone.page);
  await phone.page.getByTestId('invoice').first().getByRole('link', { name: /^Invoice INV-/ }).click();
  await phone.page.waitForURL('**/patient/bills/*');
  await hydrated(phone.page);
  const billUrl = phone.page.url();
  const insurer = (await phone.page.getByTestId('insurer-portion').textContent()).trim();
  assert.match(insurer, /^EUR \d+\.\d\d$/);
  const before = (await phone.page.getByTestId('balance').textContent()).trim();
  await phone.page.getByRole('button', { name: 'Start a claim' }).click();
  await phone.page.getByText(/^Claim CLM-\d{4}-\d{6}$/).waitFor();
  await phone.page.getByLabel('Attach a document (photo or PDF, at most 20 MB)').setInputFiles({
    name: 'Überweisung.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% referral\n%%EOF\n'),
  });
  await phone.page.getByRole('button', { name: 'Attach', exact: true }).click();
  await phone.page.getByRole('link', { name: 'Überweisung.pdf' }).waitFor();
  await phone.page.getByRole('button', { name: 'Submit the claim to the insurer' }).click();
  await phone.page.getByTestId('claim-status').filter({ hasText: 'Submitted' }).first().waitFor();
  await expectNoHorizontalScroll(phone.page);
  await phone.page.screenshot({ path: 'test-results/billing-claim-phone.png', fullPage: true });

  // The billing clerk finds it on the claims board and records the
  // insurer's decision: EUR 5.00 less than claimed.
  const desk = await openDevice(browser, 'tablet');
  await signIn(desk.page, DEMO.billing, DEMO_PASSWORD);
  await desk.page.waitForURL('**/clinic');
  await hydrated(desk.page);
  await desk.page.getByRole('link', { name: 'Claims' }).click();
  await desk.page.waitForURL('**/clinic/billing/claims');
  await hydrated(desk.page);
  await desk.page.getByTestId('claim-row').filter({ hasText: 'Müller' }).getByRole('link').click();
  await desk.page.waitForURL('**/clinic/billing/claims/*');
  await hydrated(desk.page);
  await desk.page.getByRole('link', { name: 'Überweisung.pdf' }).waitFor();
  const fhir = await desk.page.request.get(await desk.page.getByTestId('claim-fhir').getAttribute('href'));
  assert.equal(fhir.status(), 200);
  const claim = await fhir.json();
  assert.equal(claim.resourceType, 'Claim');
  assert.equal(`EUR ${claim.total.value.toFixed(2)}`, insurer);
  const approved = (claim.total.value - 5).toFixed(2);
  await desk.page.getByLabel('Approved *', { exact: true }).fill(approved);
  await desk.page.getByRole('button', { name: 'Record the decision' }).click();
  await desk.page.getByText('Give the insurer\'s reason for what it did not approve.').waitFor();
  await desk.page.getByLabel('Insurer\'s reason').fill('Certificates are not covered in full');
  await desk.page.getByRole('button', { name: 'Record the decision' }).click();
  await desk.page.getByTestId('claim-status').filter({ hasText: 'Partly approved' }).waitFor();
  await desk.page.getByTestId('claim-approved').getByText(`EUR ${approved}`).waitFor();
  await expectNoHorizontalScroll(desk.page);
  assertClean(expected422(desk.problems));
  await desk.context.close();

  // Back on her phone, reloaded: she owes EUR 5.00 more.
  await phone.page.goto(billUrl);
  await hydrated(phone.page);
  await phone.page.getByTestId('claim-status').filter({ hasText: 'Partly approved' }).first().waitFor();
  const after = (await phone.page.getByTestId('balance').textContent()).trim();
  const minor = (text) => Math.round(Number(text.replace(/[^\d.-]/g, '')) * 100);
  assert.equal(minor(after) - minor(before), 500, `${before} → ${after}`);
  assertClean(phone.problems);
  await phone.context.close();
});

test('an administrator adds a price, with a field error first', async () => {
  const { page, problems, context } = await openDevice(browser, 'desktop');
  await signIn(page, DEMO.admin, DEMO_PASSWORD);
  await page.waitForURL('**/admin');
  await hydrated(page);
  await page.getByRole('link', { name: 'Price list' }).click();
  await hydrated(page);
  await page.getByTestId('price').filter({ hasText: 'Wound suture' }).waitFor();
  await page.getByLabel('Kind').selectOption({ label: 'Other service' });
  await page.getByLabel('Item code').fill('SICK-NOTE');
  await page.getByLabel('Name on invoices').fill('Sick note');
  await page.getByLabel('Price *', { exact: true }).fill('8.505');
  await page.getByLabel('Valid from').fill('2026-01-01');
  await page.getByRole('button', { name: 'Add the price' }).click();
  await page.getByText('An amount in EUR has at most 2 decimals.').waitFor();
  await page.getByLabel('Price *', { exact: true }).fill('8.50');
  await page.getByRole('button', { name: 'Add the price' }).click();
  await page.getByTestId('price').filter({ hasText: 'Sick note' }).getByText('EUR 8.50').waitFor();
  await expectNoHorizontalScroll(page);
  assertClean(expected422(problems));
  await context.close();
});

test('an administrator opens the revenue report by payer and downloads it as CSV', async () => {
  const { page, problems, context } = await openDevice(browser, 'desktop', { acceptDownloads: true });
  await signIn(page, DEMO.admin, DEMO_PASSWORD);
  await page.waitForURL('**/admin');
  await hydrated(page);
  await page.getByRole('link', { name: 'Reports', exact: true }).click();
  await page.waitForURL('**/admin/reports');
  await hydrated(page);
  // This year by month and department: the chart and the table.
  await page.getByTestId('revenue-chart').waitFor();
  await page.getByTestId('revenue-total').getByText(/^EUR [\d,]+\.\d\d$/).waitFor();
  await page.getByTestId('aging-table').waitFor();
  const form = page.getByTestId('revenue-form');
  await form.getByLabel('By *', { exact: true }).selectOption('payer');
  await form.getByRole('button', { name: 'Show' }).click();
  const table = page.getByTestId('revenue-table');
  await table.getByRole('rowheader', { name: 'Demo Health Insurance' }).waitFor();
  await table.getByRole('rowheader', { name: 'Self-pay' }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('revenue-csv').click(),
  ]);
  assert.match(download.suggestedFilename(), /^revenue-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync(await download.path(), 'utf8');
  const lines = csv.trim().split('\n');
  assert.equal(lines[0], 'period_start,period,payer,amount,currency');
  assert.ok(lines.some((l) => /,Demo Health Insurance,\d+\.\d\d,EUR$/.test(l)), csv);
  await expectNoHorizontalScroll(page);
  await page.screenshot({ path: 'test-results/reports-desktop.png', fullPage: true });
  assertClean(problems);
  await context.close();
});
