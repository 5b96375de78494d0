use sea_orm::entity::prelude::*;
use shared::lab::{Flag, LabValue, Limits};
use shared::lab_work::ResultStatus;

/// A result entered for an ordered test, with the limits it was judged
/// against (migration 26).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub item_id: Uuid,
    pub patient_id: Uuid,
    pub test_id: Uuid,
    pub status: ResultStatus,
    /// Millionths (`shared::lab::LabValue`).
    pub value: Option<i64>,
    /// A text result; imaging: the findings.
    pub value_text: Option<String>,
    /// Imaging: the impression.
    pub impression: Option<String>,
    pub unit: Option<String>,
    pub low: Option<i64>,
    pub high: Option<i64>,
    pub critical_low: Option<i64>,
    pub critical_high: Option<i64>,
    pub flag: Option<Flag>,
    /// When the specimen was collected (imaging: when reported).
    pub observed_at: DateTimeUtc,
    pub entered_by: Uuid,
    pub entered_at: DateTimeUtc,
    pub verified_by: Option<Uuid>,
    pub released_at: Option<DateTimeUtc>,
    /// The released result this one corrects.
    pub corrects: Option<Uuid>,
    pub correction_reason: Option<String>,
    pub acknowledged_by: Option<Uuid>,
    pub acknowledged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The limits the result was judged against.
    pub fn limits(&self) -> Limits {
        Limits {
            low: self.low.map(LabValue),
            high: self.high.map(LabValue),
            critical_low: self.critical_low.map(LabValue),
            critical_high: self.critical_high.map(LabValue),
        }
    }
}
