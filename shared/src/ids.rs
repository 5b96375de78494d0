//! Identifiers as types: a server function that takes a [`PatientId`] cannot
//! be handed an appointment's id. On the wire each is its UUID as a string
//! (serde transparent), so URLs, JSON and stored rows are unchanged; with the
//! `db` feature each is also a SeaORM value, for filters and inserts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident;)+) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The UUID itself, for the database layer.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl PartialEq<Uuid> for $name {
            fn eq(&self, other: &Uuid) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for Uuid {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )+};
}

ids! {
    /// A patient's record.
    PatientId;
    /// A drug of the formulary.
    DrugId;
    /// A doctor's order of laboratory tests or imaging studies.
    LabOrderId;
    /// One ordered test of a laboratory order.
    LabItemId;
    /// A result entered for an ordered test (corrections are results too).
    LabResultId;
    /// A patient's booked visit to have an order's samples taken.
    LabVisitId;
    /// An image or PDF attached to an imaging report.
    LabAttachmentId;
    /// A signed prescription (one drug).
    PrescriptionId;
    /// A patient's request for another fill of a prescription.
    RefillRequestId;
    /// A patient's online order of a prescription's fill, to collect or deliver.
    PharmacyOrderId;
    /// An interaction or allergy rule of the decision support.
    DrugRuleId;
    /// A batch of a drug in the pharmacy's stock.
    BatchId;
    /// One change of a batch's stock (received, dispensed, returned, written off).
    MovementId;
    /// An entry of the price list (one item's price from a date on).
    PriceId;
    /// Something billed: a consultation, a test, a dispensed drug, a procedure.
    ChargeId;
    /// An invoice or a credit note.
    InvoiceId;
    /// Money received against an invoice.
    PaymentId;
    /// Money given back from a payment.
    RefundId;
    /// An insurer the hospital bills.
    PayerId;
    /// A claim of an invoice's insurer's portion.
    ClaimId;
    /// A file attached to a claim.
    ClaimDocumentId;
    /// A ward or unit of beds.
    WardId;
    /// A bed of a ward.
    BedId;
    /// A patient's stay in the hospital, from admission to discharge.
    AdmissionId;
    /// A patient's visit to the emergency department.
    EdVisitId;
    /// A treatment bay of the emergency department.
    EdBayId;
    /// An emergency number or place the patient portal shows.
    EmergencyServiceId;
    /// An account: staff (a doctor's id is their account's) or patient.
    UserId;
    AppointmentId;
    DepartmentId;
    /// One block of a doctor's weekly availability.
    TemplateBlockId;
    /// A doctor's leave or extra hours.
    ExceptionId;
    /// One of a user's sessions, as the account page lists them (not its secret).
    SessionHandle;
    EncounterId;
    NoteId;
    ProblemId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_uuid_on_the_wire() {
        let raw = Uuid::parse_str("7f1c2a52-3d1e-4c55-9a57-0d2c8b7d9e10").unwrap();
        let id = PatientId::from(raw);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{raw}\""));
        assert_eq!(serde_json::from_str::<PatientId>(&json).unwrap(), id);
        assert_eq!(id.to_string().parse::<PatientId>().unwrap(), id);
        assert_eq!(id, raw);
        assert_eq!(raw, id);
    }
}
