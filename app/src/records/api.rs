//! Server functions of the health record.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::records::Icd10Code;
use shared::AppError;

/// ICD-10-CM codes matching what the clinician typed (at most 25).
#[server(endpoint = "records/icd10", input = Json)]
pub async fn search_icd10(query: String) -> Result<Vec<Icd10Code>, AppError> {
    use crate::auth::guard::require;

    crate::audited::plain(
        || require(shared::Permission::UseClinicPortal),
        async |caller| {
            if query.chars().count() > 100 {
                return Err(AppError::field(
                    "query",
                    "Search for at most 100 characters.",
                ));
            }
            super::service::search_icd10(
                &caller.ctx.db,
                &query,
                shared::records::ICD10_SEARCH_LIMIT,
            )
            .await
        },
    )
    .await
}
crate::access!("records/icd10", AnyOf(&[UseClinicPortal]), no_patient_data);
