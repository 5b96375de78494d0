//! The pharmacy as the browser and the server see it: the queue of
//! prescriptions to fill, stock batches with their expiry, receiving,
//! dispensing first expiry first, returns and write-offs.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::ids::{BatchId, DrugId, MovementId, PatientId, PharmacyOrderId, PrescriptionId};
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

/// What a charge is for (billing's, re-exported where dispensing charges).
pub use crate::billing::ChargeKind;

crate::coded!(
    /// How an online order reaches the patient.
    Fulfilment {
        Collect = "collect", "Collect at the pharmacy";
        Delivery = "delivery", "Deliver to my address";
    } "Choose collection or delivery."
);

crate::coded!(
    /// Where a patient's online order stands.
    OrderStatus {
        Placed = "placed", "Placed";
        Preparing = "preparing", "Being prepared";
        Ready = "ready", "Ready for pickup";
        Dispatched = "dispatched", "Dispatched";
        Collected = "collected", "Collected";
        Delivered = "delivered", "Delivered";
        Cancelled = "cancelled", "Cancelled";
    } "Choose the status."
);

impl OrderStatus {
    /// The steps an order goes through, in order.
    pub fn steps(f: Fulfilment) -> [OrderStatus; 4] {
        use OrderStatus::*;
        match f {
            Fulfilment::Collect => [Placed, Preparing, Ready, Collected],
            Fulfilment::Delivery => [Placed, Preparing, Dispatched, Delivered],
        }
    }

    /// Not yet collected, delivered or cancelled.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Placed | Self::Preparing | Self::Ready | Self::Dispatched
        )
    }

    /// The patient may still call it off: nothing has left the pharmacy.
    pub fn cancellable(self) -> bool {
        matches!(self, Self::Placed | Self::Preparing | Self::Ready)
    }

    /// Where an order goes when the pharmacy moves its prescription's fill
    /// to `fill`: ready means "ready for pickup" for a collection and
    /// "packed, waiting for the courier" (still being prepared) for a
    /// delivery; a dispense hands the medicine over (collected) or to the
    /// courier (dispatched). An order only moves forward: `None` when it
    /// stays where it is.
    pub fn after_fill(self, fill: FillStatus, f: Fulfilment) -> Option<OrderStatus> {
        use OrderStatus::*;
        let next = match (fill, f) {
            (FillStatus::New, _) => Placed,
            (FillStatus::Preparing, _) | (FillStatus::Ready, Fulfilment::Delivery) => Preparing,
            (FillStatus::Ready, Fulfilment::Collect) => Ready,
            (FillStatus::Dispensed | FillStatus::Partial, Fulfilment::Collect) => Collected,
            (FillStatus::Dispensed | FillStatus::Partial, Fulfilment::Delivery) => Dispatched,
        };
        let rank = |s: OrderStatus| Self::steps(f).iter().position(|x| *x == s);
        match (rank(self), rank(next)) {
            (Some(now), Some(then)) if then > now && self != Dispatched => Some(next),
            _ => None,
        }
    }
}

/// What the patient chooses when ordering a prescription online.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderForm {
    pub prescription_id: Option<PrescriptionId>,
    pub fulfilment: Option<Fulfilment>,
    /// Where to deliver (delivery only).
    pub address: String,
}

/// An order as it passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub prescription_id: PrescriptionId,
    pub fulfilment: Fulfilment,
    pub address: Option<String>,
}

impl OrderForm {
    pub fn parse(&self) -> Result<NewOrder, AppError> {
        let mut e = FieldErrors::new();
        let prescription_id = e.check(
            "prescription",
            self.prescription_id
                .ok_or_else(|| "Choose the prescription to order.".to_string()),
        );
        let fulfilment = e.check(
            "fulfilment",
            self.fulfilment
                .ok_or_else(|| Fulfilment::parse("").unwrap_err()),
        );
        let address = match self.fulfilment {
            Some(Fulfilment::Delivery) => e
                .check(
                    "address",
                    bounded_text(&self.address, 300, "address").and_then(|a| {
                        if a.is_empty() {
                            Err("Enter the address to deliver to.".to_string())
                        } else {
                            Ok(a)
                        }
                    }),
                )
                .map(Some),
            _ => Some(None),
        };
        e.finish()?;
        let missing = || AppError::Internal;
        Ok(NewOrder {
            prescription_id: prescription_id.ok_or_else(missing)?,
            fulfilment: fulfilment.ok_or_else(missing)?,
            address: address.ok_or_else(missing)?,
        })
    }
}

/// One online order, for the patient and for the pharmacy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: PharmacyOrderId,
    pub prescription_id: PrescriptionId,
    pub patient_id: PatientId,
    /// "Family, Given" (the pharmacy's lists).
    pub patient_name: String,
    pub drug_label: String,
    pub fulfilment: Fulfilment,
    pub status: OrderStatus,
    pub address: Option<String>,
    pub placed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancel_reason: Option<String>,
}

/// The patient's orders (open ones first, then the latest) and the
/// prescriptions they can order now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyOrders {
    pub orders: Vec<OrderView>,
    pub orderable: Vec<PrescriptionId>,
    /// The patient's address on file, offered for a delivery.
    pub address_on_file: Option<String>,
}

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
    /// The patient's open online order of this fill.
    pub order: Option<OrderView>,
}

impl QueueItem {
    pub fn remaining(&self) -> u32 {
        self.prescription
            .sig
            .quantity
            .saturating_sub(self.dispensed_quantity)
    }
}

/// Where the next page of the queue starts: the last prescription shown
/// (the queue runs oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueCursor {
    pub signed_at: DateTime<Utc>,
    pub id: PrescriptionId,
}

/// One page of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub next: Option<QueueCursor>,
}

/// Prescriptions per page of the queue.
pub const QUEUE_PAGE: u64 = 50;

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
    fn orders_follow_the_fill_forward_only() {
        use Fulfilment::*;
        use OrderStatus::*;
        assert_eq!(
            Placed.after_fill(FillStatus::Preparing, Collect),
            Some(Preparing)
        );
        assert_eq!(
            Preparing.after_fill(FillStatus::Ready, Collect),
            Some(Ready)
        );
        assert_eq!(Preparing.after_fill(FillStatus::Ready, Delivery), None);
        assert_eq!(
            Placed.after_fill(FillStatus::Ready, Delivery),
            Some(Preparing)
        );
        assert_eq!(
            Ready.after_fill(FillStatus::Dispensed, Collect),
            Some(Collected)
        );
        assert_eq!(
            Placed.after_fill(FillStatus::Partial, Delivery),
            Some(Dispatched)
        );
        // Never backwards, never past the courier, never out of an end.
        assert_eq!(Ready.after_fill(FillStatus::New, Collect), None);
        assert_eq!(Dispatched.after_fill(FillStatus::Dispensed, Delivery), None);
        assert_eq!(Cancelled.after_fill(FillStatus::Ready, Collect), None);
        assert!(Ready.cancellable() && !Dispatched.cancellable() && Dispatched.is_open());
    }

    #[test]
    fn an_order_needs_a_choice_and_a_delivery_an_address() {
        let id = Some(PrescriptionId(uuid::Uuid::nil()));
        let AppError::Validation(errors) = OrderForm::default().parse().unwrap_err() else {
            panic!("field errors expected");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["prescription", "fulfilment"]);
        let deliver = OrderForm {
            prescription_id: id,
            fulfilment: Some(Fulfilment::Delivery),
            address: "  ".into(),
        };
        let AppError::Validation(errors) = deliver.parse().unwrap_err() else {
            panic!("field errors expected");
        };
        assert_eq!(errors[0].field, "address");
        let collect = OrderForm {
            address: "ignored".into(),
            fulfilment: Some(Fulfilment::Collect),
            ..deliver.clone()
        };
        assert_eq!(collect.parse().unwrap().address, None);
        let home = OrderForm {
            address: " شارع الملك ١٢, الرياض ".into(),
            ..deliver
        };
        assert_eq!(
            home.parse().unwrap().address.as_deref(),
            Some("شارع الملك ١٢, الرياض")
        );
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
