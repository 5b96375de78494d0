//! A clinician's own work in the charts, for the clinic's home: the notes
//! they left unsigned, and the charts they opened lately.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use shared::patients::PatientSearchHit;
use shared::AppError;
use uuid::Uuid;

/// How many entries each list shows.
pub const WORKLIST_LISTED: u64 = 10;

/// A draft note of the caller's, waiting for their signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnsignedNote {
    pub note_id: Uuid,
    pub patient: PatientSearchHit,
    /// The visit's reason.
    pub visit: String,
    /// When the draft was last saved, hospital time ("Thu 3 Dec 2026, 08:12").
    pub saved: String,
}

/// The caller's drafts, last saved first, and how many there are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftNotes {
    pub notes: Vec<UnsignedNote>,
    pub total: u64,
}

/// A chart the caller opened, and when they last did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentChart {
    pub patient: PatientSearchHit,
    /// Hospital time ("Thu 3 Dec 2026, 08:12").
    pub opened: String,
}

/// An instant as the hospital's clock shows it.
#[cfg(feature = "ssr")]
fn local(tz: chrono_tz::Tz, t: chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

/// The notes the caller wrote and has not signed. Notes of many patients,
/// audited like the patient search: one event with the number, naming no
/// patient.
#[server(endpoint = "chart/unsigned_notes", input = Json)]
pub async fn unsigned_notes() -> Result<DraftNotes, AppError> {
    use crate::context::OrInternal;
    use crate::entity::{clinical_notes, encounters};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::DocumentCare),
        async |caller| {
            let (db, tz) = (&caller.ctx.db, caller.ctx.timezone);
            let drafts = || {
                clinical_notes::Entity::find()
                    .filter(clinical_notes::Column::AuthorId.eq(caller.user.id))
                    .filter(clinical_notes::Column::Status.eq(shared::chart::NoteStatus::Draft))
            };
            let total = drafts().count(db).await.or_internal()?;
            let rows = drafts()
                .order_by_desc(clinical_notes::Column::UpdatedAt)
                .limit(WORKLIST_LISTED)
                .all(db)
                .await
                .or_internal()?;
            let visits: std::collections::HashMap<Uuid, String> = encounters::Entity::find()
                .filter(encounters::Column::Id.is_in(rows.iter().map(|n| n.encounter_id)))
                .all(db)
                .await
                .or_internal()?
                .into_iter()
                .map(|e| (e.id, e.reason))
                .collect();
            let ids: Vec<Uuid> = rows.iter().map(|n| n.patient_id).collect();
            let patients: std::collections::HashMap<Uuid, PatientSearchHit> =
                crate::patients::in_care::hits_in_order(db, &ids)
                    .await?
                    .into_iter()
                    .map(|p| (p.id.uuid(), p))
                    .collect();
            let notes: Vec<UnsignedNote> = rows
                .into_iter()
                .filter_map(|n| {
                    Some(UnsignedNote {
                        note_id: n.id,
                        patient: patients.get(&n.patient_id)?.clone(),
                        visit: visits.get(&n.encounter_id).cloned().unwrap_or_default(),
                        saved: local(tz, n.updated_at),
                    })
                })
                .collect();
            let event = caller
                .event("chart.unsigned_notes")
                .detail(format!("{} listed of {total}", notes.len()));
            Ok((DraftNotes { notes, total }, event))
        },
    )
    .await
}
crate::access!("chart/unsigned_notes", AnyOf(&[DocumentCare]), patient_data);

/// The charts the caller opened lately (their own `chart.read` events in
/// the audit trail), newest first, one line a patient, and only those they
/// may still open. Audited like the patient search: one event with the
/// number, naming no patient.
#[server(endpoint = "chart/recent", input = Json)]
pub async fn recent_charts() -> Result<Vec<RecentChart>, AppError> {
    use crate::context::OrInternal;
    use crate::entity::audit_events::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    /// Chart openings read to find the distinct patients (one patient's
    /// chart opened again and again fills some of them).
    const OPENINGS_READ: u64 = 100;
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ReadCharts),
        async |caller| {
            let (db, tz) = (&caller.ctx.db, caller.ctx.timezone);
            let openings: Vec<(Uuid, chrono::DateTime<chrono::Utc>)> = Entity::find()
                .select_only()
                .column(Column::PatientId)
                .column(Column::At)
                .filter(Column::ActorId.eq(caller.user.id))
                .filter(Column::Action.eq("chart.read"))
                .filter(Column::Outcome.eq(shared::audit::Outcome::Success))
                .filter(Column::PatientId.is_not_null())
                .order_by_desc(Column::Id)
                .limit(OPENINGS_READ)
                .into_tuple()
                .all(db)
                .await
                .or_internal()?;
            // The distinct patients, latest first; of those, only the charts
            // the caller may still open (care, or a break-glass grant that has
            // not run out). At most twice the list's length are checked.
            let mut seen: Vec<Uuid> = Vec::new();
            let mut opened = std::collections::HashMap::new();
            let mut ids = Vec::new();
            for (patient, at) in openings {
                if seen.contains(&patient) {
                    continue;
                }
                seen.push(patient);
                if crate::patients::access::chart_access(caller, patient)
                    .await?
                    .is_some()
                {
                    opened.insert(patient, at);
                    ids.push(patient);
                }
                if ids.len() as u64 == WORKLIST_LISTED || seen.len() as u64 == 2 * WORKLIST_LISTED {
                    break;
                }
            }
            let charts: Vec<RecentChart> = crate::patients::in_care::hits_in_order(db, &ids)
                .await?
                .into_iter()
                .map(|patient| RecentChart {
                    opened: local(tz, opened[&patient.id.uuid()]),
                    patient,
                })
                .collect();
            let event = caller
                .event("chart.recent")
                .detail(format!("{} chart(s)", charts.len()));
            Ok((charts, event))
        },
    )
    .await
}
crate::access!("chart/recent", AnyOf(&[ReadCharts]), patient_data);
