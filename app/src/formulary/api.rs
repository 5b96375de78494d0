//! Server functions of the formulary.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::formulary::{DrugForm, FormularyDrug};
use shared::ids::DrugId;
use shared::AppError;

/// Drugs matching what was typed (at most `FORMULARY_SEARCH_LIMIT`), by
/// generic or brand name. `include_retired` is for those who keep the
/// formulary.
#[server(endpoint = "formulary/search", input = Json)]
pub async fn search_formulary(
    query: String,
    include_retired: bool,
) -> Result<Vec<FormularyDrug>, AppError> {
    use crate::auth::guard::require;
    use shared::Permission::{ManageFormulary, SearchFormulary};

    crate::audited::plain(
        || require(SearchFormulary),
        async |caller| {
            if include_retired && !caller.can(ManageFormulary) {
                return Err(AppError::Forbidden);
            }
            if query.chars().count() > 100 {
                return Err(AppError::field(
                    "query",
                    "Search for at most 100 characters.",
                ));
            }
            super::service::search(
                &caller.ctx.db,
                &query,
                include_retired,
                shared::formulary::FORMULARY_SEARCH_LIMIT,
            )
            .await
        },
    )
    .await
}
crate::access!(
    "formulary/search",
    AnyOf(&[SearchFormulary]),
    no_patient_data
);

/// Adds a drug to the formulary (a local drug, or an RxNorm one the data
/// lacks).
#[server(endpoint = "formulary/add", input = Json)]
pub async fn add_drug(form: DrugForm) -> Result<FormularyDrug, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ManageFormulary),
        async |caller, txn| {
            let fields = form.parse()?;
            let drug = super::service::add(txn, &fields, caller.now()).await?;
            let event = caller
                .event("formulary.add")
                .entity("formulary_drug", drug.id)
                .detail(drug.label());
            Ok((drug, event))
        },
    )
    .await
}
crate::access!("formulary/add", AnyOf(&[ManageFormulary]), no_patient_data);

/// Changes a drug of the formulary. Prescriptions already written keep
/// what they were written with.
#[server(endpoint = "formulary/update", input = Json)]
pub async fn update_drug(drug_id: DrugId, form: DrugForm) -> Result<FormularyDrug, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ManageFormulary),
        async |caller, txn| {
            let fields = form.parse()?;
            let drug = super::service::update(txn, drug_id, &fields, caller.now()).await?;
            let event = caller
                .event("formulary.update")
                .entity("formulary_drug", drug_id)
                .detail(drug.label());
            Ok((drug, event))
        },
    )
    .await
}
crate::access!(
    "formulary/update",
    AnyOf(&[ManageFormulary]),
    no_patient_data
);

/// Retires a drug (no longer offered for new prescriptions), or offers a
/// retired one again.
#[server(endpoint = "formulary/retire", input = Json)]
pub async fn retire_drug(drug_id: DrugId, retired: bool) -> Result<FormularyDrug, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ManageFormulary),
        async |caller, txn| {
            let drug = super::service::set_retired(txn, drug_id, retired, caller.now()).await?;
            let action = if retired {
                "formulary.retire"
            } else {
                "formulary.restore"
            };
            let event = caller
                .event(action)
                .entity("formulary_drug", drug_id)
                .detail(drug.label());
            Ok((drug, event))
        },
    )
    .await
}
crate::access!(
    "formulary/retire",
    AnyOf(&[ManageFormulary]),
    no_patient_data
);

/// One drug of the formulary, retired or not (a prescription being changed
/// names its drug by id).
#[server(endpoint = "formulary/get", input = Json)]
pub async fn get_drug(drug_id: DrugId) -> Result<FormularyDrug, AppError> {
    use crate::auth::guard::require;
    crate::audited::plain(
        || require(shared::Permission::SearchFormulary),
        async |caller| {
            let row = super::service::find(&caller.ctx.db, drug_id).await?;
            Ok(super::service::view(row))
        },
    )
    .await
}
crate::access!("formulary/get", AnyOf(&[SearchFormulary]), no_patient_data);
