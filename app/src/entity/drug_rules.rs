use sea_orm::entity::prelude::*;
use shared::decision::{AlertSeverity, RuleKind, TermKind};

/// An interaction or allergy rule of the decision support (migration 21
/// documents the columns): shipped, or the pharmacy's own (`local`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "drug_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: RuleKind,
    pub a_kind: TermKind,
    pub a_value: String,
    pub b_kind: TermKind,
    pub b_value: String,
    pub severity: AlertSeverity,
    pub description: String,
    pub source: String,
    pub local: bool,
    pub added_by: Option<Uuid>,
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
