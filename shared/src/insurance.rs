//! Insurance: payers and their share, the eligibility of a coverage, the
//! insurer's and the patient's portions, and claims with their states.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::ids::{ClaimDocumentId, ClaimId, InvoiceId, PatientId, PayerId};
use crate::lab_visits::AttachmentType;
use crate::money::{Currency, Money, Rate};
use crate::AppError;

crate::coded!(
    /// Where a claim stands: draft → submitted → approved, partly approved
    /// or denied → paid (approved ones).
    ClaimStatus {
        Draft = "draft", "Draft";
        Submitted = "submitted", "Submitted";
        Approved = "approved", "Approved";
        PartlyApproved = "partly_approved", "Partly approved";
        Denied = "denied", "Denied";
        Paid = "paid", "Paid";
    } "Choose the status."
);

impl ClaimStatus {
    /// `self` may become `to`.
    pub fn may_become(self, to: ClaimStatus) -> bool {
        use ClaimStatus::*;
        matches!(
            (self, to),
            (Draft, Submitted)
                | (Submitted, Approved | PartlyApproved | Denied)
                | (Approved | PartlyApproved, Paid)
        )
    }

    /// Refuses an illegal transition with what the user may do instead.
    pub fn check(self, to: ClaimStatus) -> Result<(), AppError> {
        if self.may_become(to) {
            Ok(())
        } else {
            Err(AppError::Conflict(format!(
                "A claim that is {} cannot become {}.",
                self.label().to_lowercase(),
                to.label().to_lowercase()
            )))
        }
    }

    /// The insurer has answered.
    pub fn decided(self) -> bool {
        matches!(
            self,
            ClaimStatus::Approved
                | ClaimStatus::PartlyApproved
                | ClaimStatus::Denied
                | ClaimStatus::Paid
        )
    }

    /// Money is still expected from the insurer.
    pub fn open(self) -> bool {
        matches!(
            self,
            ClaimStatus::Submitted | ClaimStatus::Approved | ClaimStatus::PartlyApproved
        )
    }
}

/// The status an adjudication of `approved` out of `claimed` gives.
pub fn adjudicated(claimed: i64, approved: i64) -> ClaimStatus {
    if approved <= 0 {
        ClaimStatus::Denied
    } else if approved >= claimed {
        ClaimStatus::Approved
    } else {
        ClaimStatus::PartlyApproved
    }
}

/// What the insurer is counted on to pay of an invoice whose insurer's
/// portion is `portion`: the portion until the insurer answers, then what
/// it approved (nothing when it denied). A credited invoice counts on
/// nothing: the credit note cancelled it whole.
pub fn insurer_cover(
    portion: i64,
    claim: Option<(ClaimStatus, Option<i64>)>,
    credited: bool,
) -> i64 {
    if credited {
        return 0;
    }
    match claim {
        Some((status, approved)) if status.decided() => approved.unwrap_or(0).clamp(0, portion),
        _ => portion,
    }
}

/// A coverage valid from `from` to `to` (either open) covers `on`.
pub fn eligible(from: Option<NaiveDate>, to: Option<NaiveDate>, on: NaiveDate) -> bool {
    from.is_none_or(|f| f <= on) && to.is_none_or(|t| on <= t)
}

crate::coded!(
    /// How long money has been waiting, in days.
    AgingBucket {
        Current = "0-30", "0–30 days";
        Days31 = "31-60", "31–60 days";
        Days61 = "61-90", "61–90 days";
        Over90 = "90+", "Over 90 days";
    } "Choose the age."
);

impl AgingBucket {
    /// The bucket of something `days` old.
    pub fn of(days: i64) -> AgingBucket {
        match days {
            ..=30 => AgingBucket::Current,
            31..=60 => AgingBucket::Days31,
            61..=90 => AgingBucket::Days61,
            _ => AgingBucket::Over90,
        }
    }
}

/// An insurer the hospital bills.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayerView {
    pub id: PayerId,
    pub name: String,
    /// The share of a covered line's total the payer pays.
    pub share: Rate,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

/// A payer as the administrator types it (`id` set: a change).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PayerForm {
    pub id: Option<PayerId>,
    pub name: String,
    /// A percentage ("80", "72.5 %").
    pub share: String,
    pub active: bool,
}

/// A checked payer.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPayer {
    pub name: String,
    pub share: Rate,
    pub active: bool,
}

impl PayerForm {
    pub fn parse(&self) -> Result<NewPayer, AppError> {
        let mut e = FieldErrors::new();
        let name = e.check(
            "name",
            crate::validate::required_text(&self.name, 200, "name", "Enter the payer's name."),
        );
        let share = e.check(
            "share",
            if self.share.trim().is_empty() {
                Err("Enter the share of covered services the payer pays, e.g. 80.".into())
            } else {
                Rate::parse(&self.share)
            },
        );
        e.finish()?;
        Ok(NewPayer {
            name: name.ok_or(AppError::Internal)?,
            share: share.ok_or(AppError::Internal)?,
            active: self.active,
        })
    }
}

/// The insurer's part of an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsuranceView {
    pub payer: String,
    pub member_id: String,
    pub share: Rate,
    /// The insurer's portion of the covered lines, as invoiced.
    pub insurer_portion: i64,
    /// The rest of the total.
    pub patient_portion: i64,
    /// What the insurer is counted on to pay now ([`insurer_cover`]).
    pub cover: i64,
    pub claim: Option<ClaimRef>,
}

/// A claim, named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRef {
    pub id: ClaimId,
    pub number: String,
    pub status: ClaimStatus,
}

/// A file attached to a claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimDocumentView {
    pub id: ClaimDocumentId,
    pub file_name: String,
    pub content_type: AttachmentType,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

impl ClaimDocumentView {
    /// Where the file is served (to billing staff and the patient).
    pub fn href(&self) -> String {
        format!("/api/billing/claim-documents/{}", self.id)
    }
}

/// Where a claim's documents are uploaded (`?name=` the file's name), one
/// file per request (outside `/api/`, like imaging attachments).
pub fn claim_upload_path(claim: ClaimId) -> String {
    format!("/uploads/billing/claims/{claim}/documents")
}

/// The most files one claim carries.
pub const MAX_CLAIM_DOCUMENTS: usize = 10;

/// A claim, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimView {
    pub id: ClaimId,
    pub number: String,
    pub status: ClaimStatus,
    pub invoice_id: InvoiceId,
    pub invoice_number: String,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub mrn: String,
    pub payer: String,
    pub member_id: String,
    pub claimed: Money,
    pub approved: Option<Money>,
    pub paid: Option<Money>,
    /// Why the insurer denied or cut it.
    pub reason: Option<String>,
    pub payment_ref: Option<String>,
    pub filed_by_patient: bool,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub documents: Vec<ClaimDocumentView>,
}

/// A claim on the board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRow {
    pub id: ClaimId,
    pub number: String,
    pub status: ClaimStatus,
    pub patient_name: String,
    pub mrn: String,
    pub payer: String,
    pub claimed: Money,
    pub approved: Option<Money>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Days since it was submitted, while money is expected from the insurer.
    pub age_days: Option<i64>,
}

/// Where the board's next page starts: after this claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimCursor {
    pub created_at: DateTime<Utc>,
    pub id: ClaimId,
}

/// The claims board: one page of claims, and the counts of all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimBoard {
    pub rows: Vec<ClaimRow>,
    pub next: Option<ClaimCursor>,
    /// Claims per status.
    pub counts: Vec<(ClaimStatus, u64)>,
    /// Claims awaiting the insurer by age since submission, and what they
    /// claim (in the hospital's currency).
    pub aging: Vec<(AgingBucket, u64, Money)>,
}

/// The claims on one page of the board.
pub const CLAIMS_PAGE: u64 = 50;

/// The insurer's decision as the clerk types it from its letter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdjudicationForm {
    /// What the insurer approved, in major units ("0" denies).
    pub approved: String,
    /// The insurer's reason; required unless everything was approved.
    pub reason: String,
}

impl AdjudicationForm {
    /// The approved amount (0 to `claimed`) and the reason.
    pub fn parse(
        &self,
        claimed: i64,
        currency: Currency,
    ) -> Result<(i64, Option<String>), AppError> {
        let mut e = FieldErrors::new();
        let approved = e.check(
            "approved",
            if self.approved.trim().is_empty() {
                Err("Enter what the insurer approved (0 if it denied the claim).".into())
            } else {
                currency.parse_amount(&self.approved).and_then(|a| {
                    if a > claimed {
                        Err(format!(
                            "At most {} can be approved: that is what was claimed.",
                            currency.format(claimed)
                        ))
                    } else {
                        Ok(a)
                    }
                })
            },
        );
        let reason = crate::validate::bounded_text(&self.reason, 500, "reason");
        let reason = e.check("reason", reason);
        if let (Some(a), Some(r)) = (approved, &reason) {
            if a < claimed && r.is_empty() {
                e.push(
                    "reason",
                    "Give the insurer's reason for what it did not approve.",
                );
            }
        }
        e.finish()?;
        let reason = reason.filter(|r| !r.is_empty());
        Ok((approved.ok_or(AppError::Internal)?, reason))
    }
}

/// The insurer's payment as the clerk records it.
pub fn parse_payment_ref(text: &str) -> Result<String, AppError> {
    crate::validate::required_text(
        text,
        100,
        "reference",
        "Enter the insurer's payment reference (remittance or transfer).",
    )
    .map_err(|m| AppError::field("reference", m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ClaimStatus::*;

    const ALL: [ClaimStatus; 6] = [Draft, Submitted, Approved, PartlyApproved, Denied, Paid];

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        let allowed = [
            (Draft, Submitted),
            (Submitted, Approved),
            (Submitted, PartlyApproved),
            (Submitted, Denied),
            (Approved, Paid),
            (PartlyApproved, Paid),
        ];
        for from in ALL {
            for to in ALL {
                assert_eq!(
                    from.check(to).is_ok(),
                    allowed.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
            }
        }
        let e = Denied.check(Paid).unwrap_err();
        assert_eq!(
            e,
            AppError::Conflict("A claim that is denied cannot become paid.".into())
        );
    }

    #[test]
    fn adjudication_names_the_outcome() {
        assert_eq!(adjudicated(8000, 8000), Approved);
        assert_eq!(adjudicated(8000, 5000), PartlyApproved);
        assert_eq!(adjudicated(8000, 0), Denied);
    }

    #[test]
    fn eligibility_is_inclusive_and_open_ended() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(eligible(None, None, d("2026-01-01")));
        assert!(eligible(
            Some(d("2026-01-01")),
            Some(d("2026-12-31")),
            d("2026-12-31")
        ));
        assert!(!eligible(Some(d("2026-01-02")), None, d("2026-01-01")));
        assert!(!eligible(None, Some(d("2025-12-31")), d("2026-01-01")));
    }

    #[test]
    fn aging_buckets_have_their_edges() {
        assert_eq!(AgingBucket::of(0), AgingBucket::Current);
        assert_eq!(AgingBucket::of(30), AgingBucket::Current);
        assert_eq!(AgingBucket::of(31), AgingBucket::Days31);
        assert_eq!(AgingBucket::of(60), AgingBucket::Days31);
        assert_eq!(AgingBucket::of(61), AgingBucket::Days61);
        assert_eq!(AgingBucket::of(90), AgingBucket::Days61);
        assert_eq!(AgingBucket::of(91), AgingBucket::Over90);
    }

    #[test]
    fn an_adjudication_form_is_checked_field_by_field() {
        let eur = Currency::parse("EUR").unwrap();
        let form = |a: &str, r: &str| AdjudicationForm {
            approved: a.into(),
            reason: r.into(),
        };
        assert_eq!(form("80", "").parse(8000, eur).unwrap(), (8000, None));
        assert_eq!(
            form("50.00", "Not covered: cosmetic")
                .parse(8000, eur)
                .unwrap(),
            (5000, Some("Not covered: cosmetic".into()))
        );
        let over = form("80.01", "").parse(8000, eur).unwrap_err();
        assert!(over.field_message("approved").is_some(), "{over:?}");
        let unexplained = form("0", " ").parse(8000, eur).unwrap_err();
        assert!(unexplained.field_message("reason").is_some());
        assert!(form("", "x")
            .parse(8000, eur)
            .unwrap_err()
            .field_message("approved")
            .is_some());
    }

    #[test]
    fn a_payer_needs_a_name_and_a_share() {
        let form = PayerForm {
            id: None,
            name: "  Caisse primaire d'assurance maladie ".into(),
            share: "72.5 %".into(),
            active: true,
        };
        let p = form.parse().unwrap();
        assert_eq!(p.name, "Caisse primaire d'assurance maladie");
        assert_eq!(p.share, Rate(7250));
        let e = PayerForm::default().parse().unwrap_err();
        assert!(e.field_message("name").is_some() && e.field_message("share").is_some());
    }

    proptest! {
        /// The patient's and the insurer's parts always make the whole:
        /// what the patient owes plus what the insurer is counted on for
        /// equals the total less payments, plus refunds, less credits.
        #[test]
        fn the_portions_make_the_whole(
            total in 0i64..10_000_000,
            share in 0u32..=10_000,
            paid in 0i64..10_000_000,
            refunded_part in 0u32..=100,
            approved_part in 0u32..=120,
            status in 0usize..6,
        ) {
            let (insurer, patient) = crate::money::portions(total, Rate(share));
            prop_assert_eq!(insurer + patient, total);
            let refunded = paid * refunded_part as i64 / 100;
            let approved = insurer * approved_part as i64 / 100;
            let claim = Some((ALL[status], Some(approved)));
            let cover = insurer_cover(insurer, claim, false);
            prop_assert!((0..=insurer).contains(&cover));
            let owed = crate::money::balance(total - cover, paid, refunded, 0);
            prop_assert_eq!(owed + cover, total - paid + refunded);
            // A denial hands the whole portion to the patient.
            prop_assert_eq!(insurer_cover(insurer, Some((Denied, Some(0))), false), 0);
        }
    }
}
