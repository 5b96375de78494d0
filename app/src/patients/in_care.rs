//! The patients in the caller's care, for the clinic's home; and the
//! patients' lines that home tiles show (name, MRN, temporary identity).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use shared::patients::PatientSearchHit;
use shared::AppError;

/// How many patients the tile lists.
pub const IN_CARE_LISTED: u64 = 10;

/// The first of the caller's patients, and how many there are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InCare {
    /// Those whose care began last first, at most [`IN_CARE_LISTED`].
    pub patients: Vec<PatientSearchHit>,
    pub total: u64,
}

/// The live (not merged away) patients among `ids`, as search hits, in the
/// order of `ids`.
#[cfg(feature = "ssr")]
pub async fn hits_in_order(
    db: &impl sea_orm::ConnectionTrait,
    ids: &[uuid::Uuid],
) -> Result<Vec<PatientSearchHit>, AppError> {
    let rows = super::service::by_id(db, ids.iter().copied()).await?;
    ids.iter()
        .filter_map(|id| rows.get(id))
        .filter(|p| p.merged_into.is_none())
        .map(super::service::hit_of)
        .collect()
}

/// The patients in the caller's care (registered by them, assigned to them,
/// booked with them), newest first. A list of many patients, audited like
/// the patient search: one event with the number, naming no patient.
#[server(endpoint = "patients/in_my_care", input = Json)]
pub async fn in_my_care() -> Result<InCare, AppError> {
    use crate::context::OrInternal;
    use crate::entity::care_relationships::{Column, Entity};
    use sea_orm::sea_query::{Condition, Expr, ExprTrait};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ReadCharts),
        async |caller| {
            let db = &caller.ctx.db;
            let mine = || {
                Entity::find()
                    .select_only()
                    .filter(Column::UserId.eq(caller.user.id))
                    .filter(
                        Condition::any()
                            .add(Column::EndsAt.is_null())
                            .add(Column::EndsAt.gt(caller.now())),
                    )
            };
            let total = mine()
                .column_as(Expr::col(Column::PatientId).count_distinct(), "total")
                .into_tuple::<i64>()
                .one(db)
                .await
                .or_internal()?
                .unwrap_or(0);
            let ids: Vec<uuid::Uuid> = mine()
                .column(Column::PatientId)
                .group_by(Column::PatientId)
                .order_by_desc(Expr::col(Column::CreatedAt).max())
                .limit(IN_CARE_LISTED)
                .into_tuple()
                .all(db)
                .await
                .or_internal()?;
            let patients = hits_in_order(db, &ids).await?;
            let event = caller
                .event("patients.in_my_care")
                .detail(format!("{} listed of {total}", patients.len()));
            Ok((
                InCare {
                    patients,
                    total: u64::try_from(total).unwrap_or(0),
                },
                event,
            ))
        },
    )
    .await
}
crate::access!("patients/in_my_care", AnyOf(&[ReadCharts]), patient_data);
