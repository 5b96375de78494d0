//! Billing: the price list, charges, invoices and payments as the pages and
//! the server exchange them. Amounts are integer minor units ([`crate::money`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldErrors};
use crate::ids::{ChargeId, InvoiceId, PatientId, PaymentId, PriceId};
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

/// The numbering series: invoices, credit notes and receipts, each gapless per year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Invoice,
    CreditNote,
    Receipt,
}

impl Series {
    pub fn code(self) -> &'static str {
        match self {
            Series::Invoice => "INV",
            Series::CreditNote => "CRN",
            Series::Receipt => "RCP",
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
    /// Received payments.
    pub paid: i64,
    /// Issued credit notes against it.
    pub credited: i64,
    /// What is still owed.
    pub balance: i64,
    pub created_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
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
        let amount = e
            .check("amount", currency.parse_amount(&self.amount))
            .and_then(|a| {
                e.check(
                    "amount",
                    if a == 0 {
                        Err("Enter the amount received.".into())
                    } else if a > balance {
                        Err(format!(
                            "The balance is {}; give change for the rest.",
                            currency.format(balance)
                        ))
                    } else {
                        Ok(a)
                    },
                )
            });
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
