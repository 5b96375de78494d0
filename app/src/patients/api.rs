//! Server functions for patient records.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::patients::PatientProfile;
use shared::AppError;
use uuid::Uuid;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::audit::service::{append, AuditEvent};
    use crate::auth::guard::{deny_patient, Caller};
    use crate::context::OrInternal;
    use shared::audit::Outcome;

    /// Whether the caller may read this patient's record. Patients read their
    /// own. Staff access arrives with care relationships and break-glass;
    /// until then it is denied (deny by default).
    pub fn may_read(caller: &Caller, patient_id: Uuid) -> bool {
        caller.user.patient_id == Some(patient_id)
    }

    /// Reads a profile after the access check; the read (or refusal) is audited.
    pub async fn read(caller: Caller, patient_id: Uuid) -> Result<PatientProfile, AppError> {
        if !may_read(&caller, patient_id) {
            deny_patient(&caller, "patients.read", patient_id).await?;
            return Err(AppError::Forbidden);
        }
        let profile = crate::patients::service::profile(&caller.ctx.db, patient_id).await?;
        let event = AuditEvent::new(caller.actor(), "patients.read", Outcome::Success)
            .patient(patient_id)
            .entity("patient", patient_id);
        append(&caller.ctx.db, event, &caller.meta)
            .await
            .or_internal()?;
        Ok(profile)
    }
}

/// The signed-in patient's own registration details.
#[server(endpoint = "patients/me", input = Json)]
pub async fn my_profile() -> Result<PatientProfile, AppError> {
    use crate::auth::guard::require;
    use crate::context::reply;
    reply(
        async {
            let caller = require(shared::Permission::ViewOwnRecord).await?;
            let patient_id = caller
                .user
                .patient_id
                .ok_or_else(|| AppError::NotFound("Your patient record".into()))?;
            ssr::read(caller, patient_id).await
        }
        .await,
    )
}

/// One patient's registration details, if the caller may see them.
#[server(endpoint = "patients/get", input = Json)]
pub async fn get_patient(patient_id: Uuid) -> Result<PatientProfile, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::context::reply;
    reply(
        async {
            let caller = authenticate_active().await?;
            ssr::read(caller, patient_id).await
        }
        .await,
    )
}

/// The patient index search: an MRN, a name or part of one, a phone number or
/// a birth date. Answers one page; pass `next` back for the following one.
#[server(endpoint = "patients/search", input = Json)]
pub async fn search_patients(
    query: String,
    cursor: Option<shared::patients::SearchCursor>,
) -> Result<shared::patients::PatientSearchPage, AppError> {
    use crate::audit::service::{append, AuditEvent};
    use crate::auth::guard::require;
    use crate::context::{reply, OrInternal};
    use shared::audit::Outcome;
    use shared::patients::{PatientQuery, PatientSearchPage, PATIENT_SEARCH_PAGE};
    reply(
        async {
            let caller = require(shared::Permission::SearchPatients).await?;
            let Some(parsed) =
                PatientQuery::parse(&query).map_err(|m| AppError::field("query", m))?
            else {
                return Ok(PatientSearchPage {
                    hits: Vec::new(),
                    next: None,
                });
            };
            let page = super::search::search(
                &caller.ctx.db,
                &parsed,
                cursor.as_ref(),
                PATIENT_SEARCH_PAGE,
            )
            .await?;
            let event = AuditEvent::new(caller.actor(), "patients.search", Outcome::Success)
                .detail(format!("{:?}: {} result(s)", query.trim(), page.hits.len()));
            append(&caller.ctx.db, event, &caller.meta)
                .await
                .or_internal()?;
            Ok(page)
        }
        .await,
    )
}
