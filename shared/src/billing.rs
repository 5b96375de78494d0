//! Billing: the price list, charges, invoices and payments as the pages and
//! the server exchange them. Amounts are integer minor units ([`crate::money`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldErrors};
use crate::ids::{ChargeId, InvoiceId, PatientId, PaymentId, PriceId, RefundId};
use crate::money::{check_discount, Currency, LineAmounts, LineInput, Money, Rate, Totals};

crate::coded!(
    /// What a charge is for; the price list is organised by the same kinds.
    ChargeKind {
        Drug = "drug", "Drug";
        /// A laboratory test, once its result is released.
        Lab = "lab", "Laboratory test";
        /// An imaging study, once reported.
        Imaging = "imaging", "Imaging study";
        /// A completed appointment.
        Consultation = "consultation", "Consultation";
        /// A procedure the billing clerk charges by hand.
        Procedure = "procedure", "Procedure";
        /// Another service charged by hand (a certificate, a copy of a record).
        Service = "service", "Other service";
        /// A night an admitted patient spent in a bed (priced by the ward's kind).
        BedDay = "bed_day", "Bed day";
    } "Choose the kind of charge."
);

impl ChargeKind {
    /// The kinds the billing clerk charges by hand; the others arise from
    /// care (an appointment completed, a result released, a drug dispensed).
    pub fn is_manual(self) -> bool {
        matches!(self, ChargeKind::Procedure | ChargeKind::Service)
    }
}

crate::coded!(
    /// An invoice, or a credit note correcting one.
    InvoiceKind {
        Invoice = "invoice", "Invoice";
        CreditNote = "credit_note", "Credit note";
    } "Choose invoice or credit note."
);

crate::coded!(
    /// A draft can change; an issued invoice is numbered and never edited.
    InvoiceStatus {
        Draft = "draft", "Draft";
        Issued = "issued", "Issued";
    } "Choose the status."
);

crate::coded!(
    /// How a payment was made.
    PaymentMethod {
        Cash = "cash", "Cash";
        Card = "card", "Card";
        Online = "online", "Online";
    } "Choose how the patient pays."
);

crate::coded!(
    /// Whether the money arrived (online payments wait for the provider).
    PaymentStatus {
        Pending = "pending", "Pending";
        Succeeded = "succeeded", "Received";
        Failed = "failed", "Failed";
    } "Choose the status."
);

crate::coded!(
    /// A patient's online payment on the provider's hosted page.
    CheckoutStatus {
        Open = "open", "Waiting for the payment";
        Paid = "paid", "Paid";
        Expired = "expired", "Expired";
    } "Choose the status."
);

crate::coded!(
    /// A refund: online ones wait for the provider's answer.
    RefundStatus {
        Pending = "pending", "Being refunded";
        Succeeded = "succeeded", "Refunded";
        Failed = "failed", "Refused by the payment service";
    } "Choose the status."
);

/// The numbering series: invoices, credit notes, receipts and refunds, each gapless per year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Invoice,
    CreditNote,
    Receipt,
    Refund,
    Claim,
}

impl Series {
    pub fn code(self) -> &'static str {
        match self {
            Series::Invoice => "INV",
            Series::CreditNote => "CRN",
            Series::Receipt => "RCP",
            Series::Refund => "RFD",
            Series::Claim => "CLM",
        }
    }

    /// `INV-2026-000123`.
    pub fn number(self, year: i32, seq: i64) -> String {
        format!("{}-{year}-{seq:06}", self.code())
    }
}

/// The price list's key for consultations with any doctor.
pub const ANY_DOCTOR: &str = "any";

/// The price-list key of a consultation with `doctor`.
pub fn doctor_key(doctor: impl std::fmt::Display) -> String {
    format!("doctor:{doctor}")
}

/// The price-list key of a consultation in `department`.
pub fn department_key(department: impl std::fmt::Display) -> String {
    format!("department:{department}")
}

/// A price as the administrator types it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceForm {
    pub kind: String,
    /// The item within its kind (a choice of `billing/price_items`, or a
    /// code for procedures and services).
    pub item_key: String,
    pub name: String,
    /// Major units ("45.00") of the hospital's currency.
    pub price: String,
    /// Percent ("16"); empty: no tax.
    pub tax_rate: String,
    /// `YYYY-MM-DD`; the hospital's day.
    pub valid_from: String,
}

/// A price as the server stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPrice {
    pub kind: ChargeKind,
    pub item_key: String,
    pub name: String,
    pub price: Money,
    pub tax_rate: Rate,
    pub valid_from: NaiveDate,
}

impl PriceForm {
    /// The price in `currency`, the hospital's: one currency per price list.
    pub fn parse(&self, currency: Currency) -> Result<NewPrice, AppError> {
        let mut e = FieldErrors::new();
        let kind = e.check("kind", ChargeKind::parse(&self.kind));
        let item_key = self.item_key.trim().to_string();
        let item_key = e.check(
            "item_key",
            if item_key.is_empty() {
                Err("Choose the item, or type its code.".into())
            } else if item_key.chars().count() > 64 || item_key.chars().any(char::is_whitespace) {
                Err("A code has at most 64 characters and no spaces.".into())
            } else {
                Ok(item_key)
            },
        );
        let name = e.check(
            "name",
            crate::validate::required_text(
                &self.name,
                200,
                "name",
                "Enter the name shown on invoices.",
            ),
        );
        let minor = e.check("price", currency.parse_amount(&self.price));
        let tax_rate = e.check("tax_rate", Rate::parse(&self.tax_rate));
        let valid_from = e.check(
            "valid_from",
            NaiveDate::parse_from_str(self.valid_from.trim(), "%Y-%m-%d")
                .map_err(|_| "Enter the first day the price applies.".to_string()),
        );
        e.finish()?;
        match (kind, item_key, name, minor, tax_rate, valid_from) {
            (
                Some(kind),
                Some(item_key),
                Some(name),
                Some(minor),
                Some(tax_rate),
                Some(valid_from),
            ) => Ok(NewPrice {
                kind,
                item_key,
                name,
                price: Money::new(minor, currency),
                tax_rate,
                valid_from,
            }),
            _ => Err(AppError::Internal),
        }
    }
}

/// A price list entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceView {
    pub id: PriceId,
    pub kind: ChargeKind,
    pub item_key: String,
    pub name: String,
    pub price: Money,
    pub tax_rate: Rate,
    pub valid_from: NaiveDate,
    /// The day the next price of the same item takes over, if one is set.
    pub valid_until: Option<NaiveDate>,
}

/// An item the price list can price, offered by the administrator's form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceItem {
    pub key: String,
    pub label: String,
}

/// A charge as the billing clerk sees it, priced at its service date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargeView {
    pub id: ChargeId,
    pub kind: ChargeKind,
    pub description: String,
    pub quantity: i32,
    pub service_date: NaiveDate,
    /// `None`: the price list has no price for it on that day.
    pub unit_price: Option<Money>,
    pub tax_rate: Rate,
    /// Added by hand (not arisen from care).
    pub manual: bool,
    /// Why it was voided, if it was.
    pub voided: Option<String>,
    /// The invoice it is on (a draft's id; an issued invoice's number).
    pub invoice: Option<String>,
}

/// A charge the billing clerk adds by hand: an item of the price list's
/// procedures and services.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ManualChargeForm {
    /// `procedure:CODE` or `service:CODE`.
    pub item: String,
    pub quantity: String,
    /// `YYYY-MM-DD`; empty: today.
    pub service_date: String,
}

/// A manual charge as the server stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct ManualCharge {
    pub kind: ChargeKind,
    pub item_key: String,
    pub quantity: i32,
    pub service_date: Option<NaiveDate>,
}

impl ManualChargeForm {
    pub fn parse(&self) -> Result<ManualCharge, AppError> {
        let mut e = FieldErrors::new();
        let item = e.check(
            "item",
            self.item
                .split_once(':')
                .and_then(|(k, key)| {
                    ChargeKind::from_code(k)
                        .ok()
                        .filter(|k| k.is_manual())
                        .map(|k| (k, key.to_string()))
                })
                .filter(|(_, key)| !key.is_empty())
                .ok_or_else(|| "Choose a procedure or service.".to_string()),
        );
        let quantity = e.check("quantity", parse_quantity(&self.quantity));
        let date = if self.service_date.trim().is_empty() {
            Some(None)
        } else {
            e.check(
                "service_date",
                NaiveDate::parse_from_str(self.service_date.trim(), "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| "Enter the day of the service.".to_string()),
            )
        };
        e.finish()?;
        match (item, quantity, date) {
            (Some((kind, item_key)), Some(quantity), Some(service_date)) => Ok(ManualCharge {
                kind,
                item_key,
                quantity,
                service_date,
            }),
            _ => Err(AppError::Internal),
        }
    }
}

/// A count of 1 to 1,000.
pub fn parse_quantity(text: &str) -> Result<i32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(1);
    }
    t.parse::<i32>()
        .ok()
        .filter(|q| (1..=1000).contains(q))
        .ok_or_else(|| "Enter a quantity from 1 to 1000.".into())
}

/// Why a charge or a line is changed: required, at most 500 characters.
pub fn parse_reason(text: &str) -> Result<String, String> {
    crate::validate::required_text(text, 500, "reason", "Give the reason.")
}

/// One line of an invoice or credit note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineView {
    pub id: uuid::Uuid,
    pub description: String,
    pub service_date: NaiveDate,
    pub quantity: i32,
    pub unit_price: i64,
    pub tax_rate: Rate,
    pub discount_reason: Option<String>,
    pub amounts: LineAmounts,
    /// The insurer's portion of the line (0 when no coverage was eligible
    /// on its service date).
    pub insurer_portion: i64,
}

impl LineView {
    pub fn input(&self) -> LineInput {
        LineInput {
            quantity: self.quantity,
            unit_price: self.unit_price,
            discount: self.amounts.discount,
            tax_rate: self.tax_rate,
        }
    }
}

/// A payment on an invoice, with its receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentView {
    pub id: PaymentId,
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    pub amount: Money,
    pub reference: Option<String>,
    pub receipt_number: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
    /// What may still be refunded of it (its refunds, pending ones too, taken off).
    pub refundable: i64,
}

/// Money given back from a payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefundView {
    pub id: RefundId,
    pub payment_id: PaymentId,
    pub method: PaymentMethod,
    pub status: RefundStatus,
    pub amount: Money,
    pub reason: String,
    /// `RFD-2026-000001`, once refunded.
    pub number: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An amount typed in major units of `currency`: not zero, and at most
/// `cap` (`over` says why more is refused, given the cap as shown).
fn amount_up_to(
    text: &str,
    currency: Currency,
    cap: i64,
    zero: &str,
    over: impl Fn(&str) -> String,
) -> Result<i64, String> {
    let amount = currency.parse_amount(text)?;
    if amount == 0 {
        Err(zero.into())
    } else if amount > cap {
        Err(over(&currency.format(cap)))
    } else {
        Ok(amount)
    }
}

/// A refund as the billing clerk types it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RefundForm {
    /// Major units ("12.50").
    pub amount: String,
    pub reason: String,
}

impl RefundForm {
    /// The refund in minor units of `currency`, at most `left` (what is
    /// left of the payment), with its reason.
    pub fn parse(&self, left: i64, currency: Currency) -> Result<(i64, String), AppError> {
        let mut e = FieldErrors::new();
        let amount = e.check(
            "amount",
            amount_up_to(
                &self.amount,
                currency,
                left,
                "Enter the amount to give back.",
                |cap| {
                    format!("At most {cap} can be refunded: that is what is left of this payment.")
                },
            ),
        );
        let reason = e.check("reason", parse_reason(&self.reason));
        e.finish()?;
        amount.zip(reason).ok_or(AppError::Internal)
    }
}

/// Where an instalment of a payment plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstalmentState {
    Paid,
    Due,
    /// Past its due date and not covered by what was paid.
    Overdue,
}

impl InstalmentState {
    pub fn label(self) -> &'static str {
        match self {
            InstalmentState::Paid => "Paid",
            InstalmentState::Due => "Due",
            InstalmentState::Overdue => "Overdue",
        }
    }
}

/// One instalment of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstalmentView {
    /// 1, 2, …
    pub seq: i32,
    pub due_date: NaiveDate,
    pub amount: i64,
    pub state: InstalmentState,
}

/// A balance spread over instalments with due dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub amount: Money,
    pub instalments: Vec<InstalmentView>,
    pub created_at: DateTime<Utc>,
}

impl PlanView {
    pub fn overdue(&self) -> bool {
        self.instalments
            .iter()
            .any(|i| i.state == InstalmentState::Overdue)
    }
}

/// The most instalments a plan has.
pub const MAX_INSTALMENTS: u32 = 24;

/// A payment plan as the billing clerk types it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanForm {
    /// How many monthly instalments ("3").
    pub instalments: String,
    /// `YYYY-MM-DD`: the first one's due date; the others follow monthly.
    pub first_due: String,
}

impl PlanForm {
    /// The number of instalments and the first due date, which is not
    /// before `today` (the hospital's) nor more than a year after it.
    pub fn parse(&self, today: NaiveDate) -> Result<(u32, NaiveDate), AppError> {
        let mut e = FieldErrors::new();
        let n = e.check(
            "instalments",
            self.instalments
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (2..=MAX_INSTALMENTS).contains(n))
                .ok_or_else(|| format!("Enter from 2 to {MAX_INSTALMENTS} instalments.")),
        );
        let first = e.check(
            "first_due",
            NaiveDate::parse_from_str(self.first_due.trim(), "%Y-%m-%d")
                .map_err(|_| "Enter the first due date.".to_string())
                .and_then(|d| {
                    if d < today {
                        Err("The first instalment cannot be due in the past.".into())
                    } else if d > today + chrono::Duration::days(366) {
                        Err("The first instalment is due within a year.".into())
                    } else {
                        Ok(d)
                    }
                }),
        );
        e.finish()?;
        n.zip(first).ok_or(AppError::Internal)
    }
}

/// `amount` in `n` monthly instalments from `first` (a due date past the
/// end of a shorter month falls on its last day), which add up to it
/// exactly ([`crate::money::split`]).
pub fn schedule(amount: i64, n: u32, first: NaiveDate) -> Vec<(NaiveDate, i64)> {
    crate::money::split(amount, n)
        .into_iter()
        .enumerate()
        .map(|(i, part)| {
            let due = first
                .checked_add_months(chrono::Months::new(i as u32))
                .unwrap_or(first);
            (due, part)
        })
        .collect()
}

/// Each instalment's state when `paid` of the plan's amount has been paid
/// (instalments are covered in order) on `today`.
pub fn instalment_states(
    instalments: &[(NaiveDate, i64)],
    paid: i64,
    today: NaiveDate,
) -> Vec<InstalmentState> {
    let mut due_so_far = 0;
    instalments
        .iter()
        .map(|(due, amount)| {
            due_so_far += amount;
            if due_so_far <= paid {
                InstalmentState::Paid
            } else if *due < today {
                InstalmentState::Overdue
            } else {
                InstalmentState::Due
            }
        })
        .collect()
}

/// An invoice or credit note, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceView {
    pub id: InvoiceId,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub mrn: String,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    /// `None` while a draft.
    pub number: Option<String>,
    /// The invoice a credit note corrects (its number).
    pub credit_of: Option<String>,
    /// The credit notes issued against an invoice (their numbers).
    pub credited_by: Vec<String>,
    pub currency: Currency,
    pub lines: Vec<LineView>,
    pub totals: Totals,
    pub payments: Vec<PaymentView>,
    /// Refunds of its payments, oldest first.
    pub refunds: Vec<RefundView>,
    /// Received payments.
    pub paid: i64,
    /// Refunded (succeeded refunds).
    pub refunded: i64,
    /// Issued credit notes against it.
    pub credited: i64,
    /// What is still owed.
    pub balance: i64,
    pub created_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
    /// The patient may pay the balance online (the hospital takes online
    /// payments, and something is owed).
    pub payable_online: bool,
    /// The balance in instalments, if the clerk agreed a plan.
    pub plan: Option<PlanView>,
    /// The insurer's part, when a coverage was eligible.
    pub insurance: Option<crate::insurance::InsuranceView>,
}

/// An invoice in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceSummary {
    pub id: InvoiceId,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub number: Option<String>,
    pub total: Money,
    pub balance: i64,
    pub created_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
    /// An instalment of its payment plan is overdue.
    pub overdue: bool,
}

/// A patient's bills: the charges not yet invoiced and the invoices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub patient_id: PatientId,
    pub patient_name: String,
    pub mrn: String,
    pub charges: Vec<ChargeView>,
    pub invoices: Vec<InvoiceSummary>,
    /// What the patient owes across issued invoices, per currency.
    pub outstanding: Vec<Money>,
}

/// A discount on a line of a draft.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DiscountForm {
    /// Major units ("5.00") or a percentage ("10 %").
    pub amount: String,
    pub reason: String,
}

impl DiscountForm {
    /// The discount in minor units on a line of `gross` in `currency`.
    pub fn parse(&self, gross: i64, currency: Currency) -> Result<(i64, String), AppError> {
        let mut e = FieldErrors::new();
        let text = self.amount.trim();
        let amount = if text.ends_with('%') {
            e.check("amount", Rate::parse(text).map(|r| r.of(gross)))
        } else {
            e.check("amount", currency.parse_amount(text))
        };
        let amount = amount.and_then(|a| e.check("amount", check_discount(a, gross)));
        let reason = e.check("reason", parse_reason(&self.reason));
        e.finish()?;
        amount.zip(reason).ok_or(AppError::Internal)
    }
}

/// A payment taken at the desk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeskPaymentForm {
    pub method: String,
    pub amount: String,
    /// The card terminal's slip number (cards).
    pub reference: String,
}

/// A desk payment as the server records it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeskPayment {
    pub method: PaymentMethod,
    pub amount: i64,
    pub reference: Option<String>,
}

impl DeskPaymentForm {
    /// The payment on an invoice owing `balance` in `currency`: more than is
    /// owed is refused (give change for cash).
    pub fn parse(&self, balance: i64, currency: Currency) -> Result<DeskPayment, AppError> {
        let mut e = FieldErrors::new();
        let method = e.check(
            "method",
            PaymentMethod::parse(&self.method).and_then(|m| {
                if m == PaymentMethod::Online {
                    Err("Online payments are made from the patient's phone.".into())
                } else {
                    Ok(m)
                }
            }),
        );
        let amount = e.check(
            "amount",
            amount_up_to(
                &self.amount,
                currency,
                balance,
                "Enter the amount received.",
                |cap| format!("The balance is {cap}; give change for the rest."),
            ),
        );
        let reference = self.reference.trim();
        let reference = if reference.is_empty() {
            Some(None)
        } else {
            e.check(
                "reference",
                crate::validate::required_text(reference, 100, "reference", "").map(Some),
            )
        };
        e.finish()?;
        match (method, amount, reference) {
            (Some(method), Some(amount), Some(reference)) => Ok(DeskPayment {
                method,
                amount,
                reference,
            }),
            _ => Err(AppError::Internal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_monthly_loses_no_cent_and_is_covered_in_order() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let plan = schedule(10_000, 3, day(2026, 1, 31));
        assert_eq!(
            plan,
            vec![
                (day(2026, 1, 31), 3_334),
                (day(2026, 2, 28), 3_333),
                (day(2026, 3, 31), 3_333)
            ]
        );
        use InstalmentState::*;
        assert_eq!(
            instalment_states(&plan, 0, day(2026, 1, 31)),
            [Due, Due, Due]
        );
        assert_eq!(
            instalment_states(&plan, 3_334, day(2026, 3, 1)),
            [Paid, Overdue, Due]
        );
        assert_eq!(
            instalment_states(&plan, 10_000, day(2027, 1, 1)),
            [Paid, Paid, Paid]
        );
        assert_eq!(
            instalment_states(&plan, 3_000, day(2026, 2, 1)),
            [Overdue, Due, Due]
        );

        let today = day(2026, 12, 5);
        let form = |n: &str, first: &str| PlanForm {
            instalments: n.into(),
            first_due: first.into(),
        };
        assert_eq!(form("3", "2026-12-05").parse(today).unwrap(), (3, today));
        let AppError::Validation(errors) = form("1", "2026-12-04").parse(today).unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["instalments", "first_due"]);
        assert!(form("25", "2026-12-06").parse(today).is_err());
        assert!(form("2", "2028-01-01").parse(today).is_err());
    }

    #[test]
    fn a_refund_is_at_most_what_is_left_of_the_payment() {
        let eur = Currency::parse("EUR").unwrap();
        let form = |amount: &str, reason: &str| RefundForm {
            amount: amount.into(),
            reason: reason.into(),
        };
        assert_eq!(
            form("12.50", "Charged twice").parse(1250, eur).unwrap(),
            (1250, "Charged twice".to_string())
        );
        let AppError::Validation(errors) = form("12.51", "").parse(1250, eur).unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["amount", "reason"]);
        assert!(
            errors[0].message.contains("EUR 12.50"),
            "{}",
            errors[0].message
        );
        assert!(form("0", "x").parse(1250, eur).is_err());
        assert!(form("-1", "x").parse(1250, eur).is_err());
    }

    #[test]
    fn a_price_form_names_each_bad_field() {
        let form = PriceForm {
            kind: "consultation".into(),
            item_key: "any".into(),
            name: "Consultation".into(),
            price: "45.005".into(),
            tax_rate: "120".into(),
            valid_from: "yesterday".into(),
        };
        let eur = Currency::parse("EUR").unwrap();
        let AppError::Validation(errors) = form.parse(eur).unwrap_err() else {
            panic!()
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["price", "tax_rate", "valid_from"]);
        let good = PriceForm {
            price: "45".into(),
            tax_rate: "".into(),
            valid_from: "2026-01-01".into(),
            ..form
        };
        let price = good.parse(eur).unwrap();
        assert_eq!(price.price.minor, 4500);
        assert_eq!(price.price.currency.as_str(), "EUR");
    }

    #[test]
    fn numbers_are_padded_per_series() {
        assert_eq!(Series::Invoice.number(2026, 123), "INV-2026-000123");
        assert_eq!(Series::Receipt.number(2027, 1), "RCP-2027-000001");
    }

    #[test]
    fn discounts_are_amounts_or_percentages_with_a_reason() {
        let eur = Currency::parse("EUR").unwrap();
        let form = DiscountForm {
            amount: "10 %".into(),
            reason: "Hardship".into(),
        };
        assert_eq!(form.parse(4999, eur).unwrap(), (500, "Hardship".into()));
        let form = DiscountForm {
            amount: "60".into(),
            reason: "".into(),
        };
        let AppError::Validation(errors) = form.parse(4999, eur).unwrap_err() else {
            panic!()
        };
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn desk_payments_stop_at_the_balance() {
        let eur = Currency::parse("EUR").unwrap();
        let form = DeskPaymentForm {
            method: "cash".into(),
            amount: "20".into(),
            reference: "".into(),
        };
        assert_eq!(form.parse(2000, eur).unwrap().amount, 2000);
        assert!(form.parse(1999, eur).is_err());
        let online = DeskPaymentForm {
            method: "online".into(),
            ..form
        };
        assert!(online.parse(2000, eur).is_err());
    }

    #[test]
    fn manual_charges_name_a_procedure_or_service() {
        let form = ManualChargeForm {
            item: "procedure:SUTURE".into(),
            quantity: "2".into(),
            service_date: "".into(),
        };
        let charge = form.parse().unwrap();
        assert_eq!(
            (charge.kind, charge.item_key.as_str(), charge.quantity),
            (ChargeKind::Procedure, "SUTURE", 2)
        );
        let drug = ManualChargeForm {
            item: "drug:x".into(),
            ..form
        };
        assert!(drug.parse().is_err());
    }
}
