//! Sample collection visits (the laboratory as a bookable place with its
//! own weekly hours) and the files attached to imaging reports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::{LabAttachmentId, LabOrderId, LabResultId, LabVisitId};
use crate::schedule::{TemplateBlock, TemplateForm};
use crate::AppError;

crate::coded!(
    /// Where a booked collection visit stands.
    VisitStatus {
        Booked = "booked", "Booked";
        /// The order's samples were collected.
        Attended = "attended", "Attended";
        Cancelled = "cancelled", "Cancelled";
    } "Choose the status."
);

crate::coded!(
    /// The kinds of file an imaging report may carry.
    AttachmentType {
        Jpeg = "image/jpeg", "JPEG image";
        Png = "image/png", "PNG image";
        Pdf = "application/pdf", "PDF document";
    } "Attach a JPEG or PNG image or a PDF document."
);

/// The largest file an imaging report takes (a compressed image of a study
/// or a scanned report; DICOM series belong in a PACS).
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

impl AttachmentType {
    /// The type a file really is, from its first bytes (its magic number),
    /// whatever its name or the browser says.
    pub fn sniff(bytes: &[u8]) -> Option<AttachmentType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(AttachmentType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(AttachmentType::Png)
        } else if bytes.starts_with(b"%PDF-") {
            Some(AttachmentType::Pdf)
        } else {
            None
        }
    }

    /// An image the page can show inline.
    pub fn is_image(self) -> bool {
        matches!(self, AttachmentType::Jpeg | AttachmentType::Png)
    }
}

/// Checks a file offered as an attachment: not empty, not too large, and
/// really a JPEG, PNG or PDF (the message says which rule failed).
pub fn check_attachment(bytes: &[u8]) -> Result<AttachmentType, AppError> {
    if bytes.is_empty() {
        return Err(AppError::field("file", "Choose a file to attach."));
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(AppError::field(
            "file",
            format!(
                "The file is {:.1} MB; at most {} MB can be attached.",
                bytes.len() as f64 / 1_048_576.0,
                MAX_ATTACHMENT_BYTES / 1_048_576
            ),
        ));
    }
    AttachmentType::sniff(bytes).ok_or_else(|| {
        AppError::field(
            "file",
            "Only JPEG and PNG images and PDF documents can be attached.",
        )
    })
}

/// A file name as kept and offered back: its last path part, without
/// control characters or quotes, at most 200 characters; a name left empty
/// becomes `attachment`.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        "attachment".into()
    } else {
        cleaned
    }
}

/// One file attached to an imaging report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttachmentView {
    pub id: LabAttachmentId,
    pub result_id: LabResultId,
    pub file_name: String,
    pub content_type: AttachmentType,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

impl AttachmentView {
    /// Where the file is served (to those who may read the chart).
    pub fn href(&self) -> String {
        format!("/api/lab/attachments/{}", self.id)
    }
}

/// Where imaging attachments are uploaded, one file per request. Outside
/// `/api/`, whose POSTs are server functions (the gate refuses any path
/// without an access declaration); the handler authenticates the caller
/// itself, like sign-out.
pub fn upload_path(result_id: LabResultId) -> String {
    format!("/uploads/lab/results/{result_id}/attachments")
}

/// The slot lengths and capacities the collection hours accept.
pub const MAX_CAPACITY: u32 = 50;

/// A block of the laboratory's collection hours as shown and edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursView {
    pub id: uuid::Uuid,
    pub weekday: u8,
    /// `HH:MM`, hospital time.
    pub start: String,
    pub end: String,
    pub slot_minutes: u32,
    pub capacity: u32,
}

/// A new block of collection hours, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursForm {
    pub block: TemplateForm,
    pub capacity: String,
}

impl Default for HoursForm {
    fn default() -> Self {
        Self {
            block: TemplateForm {
                weekday: "1".into(),
                start: "07:30".into(),
                end: "11:00".into(),
                slot_minutes: "15".into(),
            },
            capacity: "2".into(),
        }
    }
}

impl HoursForm {
    /// The block and its capacity, or every field's message at once.
    pub fn parse(&self) -> Result<(TemplateBlock, u32), AppError> {
        let capacity = self
            .capacity
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|c| (1..=MAX_CAPACITY).contains(c));
        let capacity_error = || {
            FieldError::new(
                "capacity",
                format!("Places per slot: between 1 and {MAX_CAPACITY}."),
            )
        };
        match (self.block.parse(), capacity) {
            (Ok(block), Some(capacity)) => Ok((block, capacity)),
            (Ok(_), None) => Err(AppError::Validation(vec![capacity_error()])),
            (Err(AppError::Validation(mut errors)), capacity) => {
                if capacity.is_none() {
                    errors.push(capacity_error());
                }
                Err(AppError::Validation(errors))
            }
            (Err(e), _) => Err(e),
        }
    }
}

/// A booked collection visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitView {
    pub id: LabVisitId,
    pub order_id: LabOrderId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: VisitStatus,
}

/// An order whose samples are still to be taken, with the visit booked
/// for it, if any: what the patient's results page offers to book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToCollect {
    pub order_id: LabOrderId,
    pub ordered_at: DateTime<Utc>,
    pub tests: Vec<String>,
    pub visit: Option<VisitView>,
}

/// A visit on the laboratory's day list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayVisit {
    pub visit: VisitView,
    pub patient_name: String,
    pub mrn: String,
    pub tests: Vec<String>,
}

/// How a booking went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitOutcome {
    Booked(VisitView),
    /// The time was taken meanwhile (or is no longer free): other times.
    Taken {
        message: String,
        alternatives: Vec<crate::appointments::FreeSlot>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_known_by_its_first_bytes_not_its_name() {
        assert_eq!(
            AttachmentType::sniff(b"\xFF\xD8\xFF\xE0rest"),
            Some(AttachmentType::Jpeg)
        );
        assert_eq!(
            AttachmentType::sniff(b"\x89PNG\r\n\x1a\nrest"),
            Some(AttachmentType::Png)
        );
        assert_eq!(
            AttachmentType::sniff(b"%PDF-1.7\n"),
            Some(AttachmentType::Pdf)
        );
        assert_eq!(AttachmentType::sniff(b"GIF89a"), None);
        assert_eq!(AttachmentType::sniff(b"<html>"), None);
        let too_big = vec![0xFF; MAX_ATTACHMENT_BYTES + 1];
        assert!(check_attachment(&too_big)
            .unwrap_err()
            .field_message("file")
            .unwrap()
            .contains("at most 20 MB"));
        assert!(check_attachment(b"").is_err());
    }

    #[test]
    fn file_names_keep_their_script_and_lose_paths_and_quotes() {
        assert_eq!(clean_file_name("C:\\scans\\صدر.png"), "صدر.png");
        assert_eq!(clean_file_name("../../etc/\"x\".pdf"), "x.pdf");
        assert_eq!(clean_file_name(" \n"), "attachment");
    }

    #[test]
    fn collection_hours_need_a_place_per_slot() {
        let form = HoursForm {
            capacity: "0".into(),
            ..HoursForm::default()
        };
        let err = form.parse().unwrap_err();
        assert!(err.field_message("capacity").is_some());
        let form = HoursForm {
            block: TemplateForm {
                end: "07:00".into(),
                ..HoursForm::default().block
            },
            capacity: "x".into(),
        };
        let err = form.parse().unwrap_err();
        assert!(err.field_message("end").is_some() && err.field_message("capacity").is_some());
        let (block, capacity) = HoursForm::default().parse().unwrap();
        assert_eq!((block.slot_minutes, capacity), (15, 2));
    }
}
