//! The pharmacy as the browser and the server see it: the queue of
//! prescriptions to fill, stock batches with their expiry, receiving,
//! dispensing first expiry first, returns and write-offs.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::ids::{BatchId, DrugId, MovementId, PatientId, PrescriptionId};
use crate::prescribing::PrescriptionView;
use crate::validate::bounded_text;
use crate::AppError;

crate::coded!(
    /// Where the pharmacy has a prescription.
    FillStatus {
        New = "new", "New";
        Preparing = "preparing", "In preparation";
        Ready = "ready", "Ready";
        Partial = "partial", "Partly dispensed";
        Dispensed = "dispensed", "Dispensed";
    } "Choose the status."
);

crate::coded!(
    /// A change of a batch's stock.
    MovementKind {
        Receive = "receive", "Received";
        Dispense = "dispense", "Dispensed";
        Return = "return", "Returned";
        WriteOff = "write_off", "Written off";
    } "Choose the kind of movement."
);

crate::coded!(
    /// What a charge item is for (billing prices it).
    ChargeKind {
        Drug = "drug", "Drug";
    } "Choose the kind of charge."
);

/// The expiry windows the stock page shows, nearest first.
pub const EXPIRY_WINDOWS: [i64; 3] = [7, 30, 90];

/// How soon a batch expires: `Some(0)` expired, `Some(7 | 30 | 90)` within
/// that many days, `None` later.
pub fn expiry_window(expires_on: NaiveDate, today: NaiveDate) -> Option<i64> {
    let days = (expires_on - today).num_days();
    if days < 0 {
        return Some(0);
    }
    EXPIRY_WINDOWS.into_iter().find(|w| days <= *w)
}

/// What the pharmacist types when a delivery arrives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveForm {
    pub drug_id: Option<DrugId>,
    pub lot_number: String,
    pub expires_on: String,
    pub quantity: String,
    pub location: String,
}

/// A delivery as it passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatch {
    pub drug_id: DrugId,
    pub lot_number: String,
    pub expires_on: NaiveDate,
    pub quantity: u32,
    pub location: String,
}

/// A whole number of units in `range`.
pub fn parse_units(
    input: &str,
    range: std::ops::RangeInclusive<u32>,
    what: &str,
) -> Result<u32, String> {
    let s: String = input
        .trim()
        .chars()
        .map(|c| crate::validate::canonical_char(c).unwrap_or(c))
        .collect();
    if s.is_empty() {
        return Err(format!("Enter the {what}."));
    }
    let n: u32 = s
        .parse()
        .map_err(|_| format!("The {what} is a whole number."))?;
    if !range.contains(&n) {
        return Err(format!(
            "The {what} is between {} and {}.",
            range.start(),
            range.end()
        ));
    }
    Ok(n)
}

impl ReceiveForm {
    pub fn parse(&self, today: NaiveDate) -> Result<NewBatch, AppError> {
        let mut e = FieldErrors::new();
        let drug_id = e.check(
            "drug",
            self.drug_id
                .ok_or_else(|| "Choose the drug received.".to_string()),
        );
        let lot_number = e.check(
            "lot_number",
            bounded_text(&self.lot_number, 40, "lot number").and_then(|s| {
                if s.is_empty() {
                    Err("Enter the lot number printed on the pack.".to_string())
                } else {
                    Ok(s)
                }
            }),
        );
        let expires_on = e.check(
            "expires_on",
            NaiveDate::parse_from_str(self.expires_on.trim(), "%Y-%m-%d")
                .map_err(|_| "Enter the expiry date as YYYY-MM-DD.".to_string())
                .and_then(|d| {
                    if d <= today {
                        Err("This batch has expired: it cannot be taken into stock.".to_string())
                    } else {
                        Ok(d)
                    }
                }),
        );
        let quantity = e.check(
            "quantity",
            parse_units(&self.quantity, 1..=1_000_000, "quantity"),
        );
        let location = e.check(
            "location",
            bounded_text(&self.location, 80, "location").and_then(|s| {
                if s.is_empty() {
                    Err("Enter where it is kept, e.g. Shelf B3.".to_string())
                } else {
                    Ok(s)
                }
            }),
        );
        e.finish()?;
        let missing = || AppError::Internal;
        Ok(NewBatch {
            drug_id: drug_id.ok_or_else(missing)?,
            lot_number: lot_number.ok_or_else(missing)?,
            expires_on: expires_on.ok_or_else(missing)?,
            quantity: quantity.ok_or_else(missing)?,
            location: location.ok_or_else(missing)?,
        })
    }
}

/// One batch of one drug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    pub id: BatchId,
    pub drug_id: DrugId,
    pub drug_label: String,
    pub lot_number: String,
    pub expires_on: NaiveDate,
    pub location: String,
    pub received_quantity: u32,
    pub quantity: u32,
    pub received_at: DateTime<Utc>,
}

/// A drug's stock: what is on hand (unexpired), its reorder level and its
/// batches, first expiry first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    pub drug_id: DrugId,
    pub drug_label: String,
    pub on_hand: u32,
    pub reorder_level: u32,
    pub batches: Vec<BatchView>,
}

impl StockLevel {
    /// At or below the reorder level (when one is set).
    pub fn low(&self) -> bool {
        self.reorder_level > 0 && self.on_hand <= self.reorder_level
    }
}

/// One prescription in the pharmacy's queue, with what the pharmacist needs
/// in view: the patient, their allergies, what is left to give and what is
/// in stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    pub prescription: PrescriptionView,
    pub patient_name: String,
    pub mrn: String,
    pub allergies: Vec<String>,
    pub fill_status: FillStatus,
    pub dispensed_quantity: u32,
    /// Unexpired units of the drug in stock.
    pub on_hand: u32,
}

impl QueueItem {
    pub fn remaining(&self) -> u32 {
        self.prescription
            .sig
            .quantity
            .saturating_sub(self.dispensed_quantity)
    }
}

/// What one dispense took from which batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taken {
    pub movement_id: MovementId,
    pub batch_id: BatchId,
    pub lot_number: String,
    pub expires_on: NaiveDate,
    pub quantity: u32,
}

/// The outcome of a dispense.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispensed {
    pub prescription_id: PrescriptionId,
    pub patient_id: PatientId,
    pub taken: Vec<Taken>,
    pub fill_status: FillStatus,
    pub dispensed_quantity: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn expiry_windows() {
        let today = day("2026-12-04");
        assert_eq!(expiry_window(day("2026-12-03"), today), Some(0));
        assert_eq!(expiry_window(day("2026-12-10"), today), Some(7));
        assert_eq!(expiry_window(day("2026-12-30"), today), Some(30));
        assert_eq!(expiry_window(day("2027-02-01"), today), Some(90));
        assert_eq!(expiry_window(day("2027-06-01"), today), None);
    }

    #[test]
    fn a_delivery_is_checked_field_by_field() {
        let today = day("2026-12-04");
        let form = ReceiveForm {
            drug_id: Some(DrugId(uuid::Uuid::nil())),
            lot_number: " L123 ".into(),
            expires_on: "2027-12-31".into(),
            quantity: "٥٠".into(),
            location: "Shelf B3".into(),
        };
        let b = form.parse(today).unwrap();
        assert_eq!((b.lot_number.as_str(), b.quantity), ("L123", 50));
        let bad = ReceiveForm {
            expires_on: "2026-12-01".into(),
            quantity: "0".into(),
            ..Default::default()
        };
        let AppError::Validation(errors) = bad.parse(today).unwrap_err() else {
            panic!("field errors expected");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["drug", "lot_number", "expires_on", "quantity", "location"]
        );
    }
}
