//! Documents attached to a claim (a referral, a receipt, the insurance
//! card): uploaded by the patient from the phone or by a billing clerk, one
//! file per request whose body is the file. Its type is read from its first
//! bytes (PDF, JPEG or PNG only), its size is limited, and it is stored
//! encrypted outside the database (`files::FileStore`). Served only to
//! billing staff and the patient the claim is for. Server-only.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use shared::ids::{ClaimDocumentId, ClaimId, PatientId};
use shared::insurance::{ClaimDocumentView, ClaimStatus, MAX_CLAIM_DOCUMENTS};
use shared::lab_visits::{check_attachment, clean_file_name};
use shared::AppError;
use uuid::Uuid;

use crate::auth::guard::Caller;
use crate::context::OrInternal;
use crate::entity::{claim_documents as documents, claims};
use crate::patients::care::{name_of, user_names};

/// The documents of a claim, oldest first.
pub async fn of_claim(
    db: &impl ConnectionTrait,
    claim_id: Uuid,
) -> Result<Vec<ClaimDocumentView>, AppError> {
    let rows = documents::Entity::find()
        .filter(documents::Column::ClaimId.eq(claim_id))
        .order_by_asc(documents::Column::CreatedAt)
        .order_by_asc(documents::Column::Id)
        .all(db)
        .await
        .or_internal()?;
    let people = user_names(db, rows.iter().map(|d| d.uploaded_by)).await?;
    Ok(rows
        .into_iter()
        .map(|d| ClaimDocumentView {
            id: ClaimDocumentId(d.id),
            file_name: d.file_name,
            content_type: d.content_type,
            size_bytes: d.size_bytes,
            uploaded_by: name_of(&people, d.uploaded_by),
            uploaded_at: d.created_at,
        })
        .collect())
}

/// Billing staff may work on any claim, a patient on their own; anyone else
/// is refused (and the refusal audited).
pub async fn may_handle(
    caller: &Caller,
    claim: &claims::Model,
    action: &'static str,
) -> Result<(), AppError> {
    if caller.can(shared::Permission::ManageBilling) {
        return Ok(());
    }
    if crate::auth::guard::own_or_staff(caller, claim.patient_id, action).await? {
        return Ok(());
    }
    crate::auth::guard::deny(caller, action).await?;
    Err(AppError::Forbidden)
}

async fn record(
    txn: &impl ConnectionTrait,
    claim: &claims::Model,
    key: &str,
    file_name: String,
    bytes: &[u8],
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<documents::Model, AppError> {
    let content_type = check_attachment(bytes)?;
    let count = documents::Entity::find()
        .filter(documents::Column::ClaimId.eq(claim.id))
        .count(txn)
        .await
        .or_internal()?;
    if count >= MAX_CLAIM_DOCUMENTS as u64 {
        return Err(AppError::field(
            "file",
            format!("A claim carries at most {MAX_CLAIM_DOCUMENTS} documents."),
        ));
    }
    documents::ActiveModel {
        id: Set(Uuid::parse_str(key).or_internal()?),
        claim_id: Set(claim.id),
        patient_id: Set(claim.patient_id),
        file_name: Set(file_name),
        content_type: Set(content_type),
        size_bytes: Set(i64::try_from(bytes.len()).or_internal()?),
        sha256: Set(crate::files::sha256_hex(bytes)),
        storage_key: Set(key.to_string()),
        uploaded_by: Set(by),
        created_at: Set(now),
    }
    .insert(txn)
    .await
    .or_internal()
}

/// `POST /uploads/billing/claims/{id}/documents?name=…`: attaches the
/// request's body to a claim still with the hospital or the insurer (draft
/// or submitted). Answers the document's view as JSON, or the error as JSON
/// (`file` names what was wrong with the file).
pub async fn upload(
    axum::extract::Path(claim_id): axum::extract::Path<Uuid>,
    axum::extract::Query(query): axum::extract::Query<crate::lab::attachments::UploadQuery>,
    axum::Extension(ctx): axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let files = ctx.files.clone();
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        let db = &caller.ctx.db;
        let claim = super::insurance::find(db, ClaimId(claim_id)).await?;
        may_handle(&caller, &claim, "billing.claim_document").await?;
        if !matches!(claim.status, ClaimStatus::Draft | ClaimStatus::Submitted) {
            return Err(AppError::Conflict(
                "The insurer has decided this claim: documents are no longer added.".into(),
            ));
        }
        // Checked before storing anything; checked again with the row.
        check_attachment(&body)?;
        let saved = files
            .put_recorded(&caller.ctx.cipher, &body, async |key| {
                let txn = crate::context::begin_write(db).await?;
                let saved = record(
                    &txn,
                    &claim,
                    &key,
                    clean_file_name(&query.name),
                    &body,
                    caller.user.id.uuid(),
                    caller.now(),
                )
                .await?;
                let event = caller
                    .event("billing.claim_document")
                    .patient(PatientId::from(claim.patient_id))
                    .entity("claim_document", saved.id)
                    .detail(format!(
                        "{} ({} bytes) for {}",
                        saved.content_type.as_str(),
                        saved.size_bytes,
                        claim.number
                    ));
                caller.record(&txn, event).await?;
                txn.commit().await.or_internal()?;
                Ok::<_, AppError>(saved)
            })
            .await?;
        of_claim(db, claim.id)
            .await?
            .into_iter()
            .find(|d| d.id.uuid() == saved.id)
            .ok_or(AppError::Internal)
    }
    .await;
    match result {
        Ok(view) => axum::Json(view).into_response(),
        Err(e) => crate::lab::attachments::json_error(&e),
    }
}

/// `GET /api/billing/claim-documents/{id}`: the file, shown in the browser,
/// to billing staff and the patient the claim is for. Its digest is checked.
pub async fn download(
    axum::extract::Path(id): axum::extract::Path<Uuid>,
    axum::Extension(ctx): axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> axum::response::Response {
    let files = ctx.files.clone();
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        let db = &caller.ctx.db;
        let row = documents::Entity::find_by_id(id)
            .one(db)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::NotFound("The document".into()))?;
        let claim = super::insurance::find(db, ClaimId(row.claim_id)).await?;
        may_handle(&caller, &claim, "billing.claim_document_read").await?;
        let bytes = files.get(&caller.ctx.cipher, &row.storage_key).await?;
        if crate::files::sha256_hex(&bytes) != row.sha256 {
            return Err(crate::context::internal(format!(
                "claim document {id}: the stored file does not match its digest"
            )));
        }
        let event = caller
            .event("billing.claim_document_read")
            .patient(PatientId::from(row.patient_id))
            .entity("claim_document", ClaimDocumentId::from(id));
        caller.record_read(event).await?;
        Ok((bytes, row))
    }
    .await;
    match result {
        Ok((bytes, row)) => {
            crate::files::inline_response(bytes, &row.file_name, row.content_type.as_str())
        }
        Err(e) => crate::context::error_response(&e),
    }
}

/// `GET /api/billing/claims/{id}/fhir`: the claim as a FHIR R4 `Claim`
/// (JSON), for billing staff and the patient it is for.
pub async fn fhir(
    axum::extract::Path(id): axum::extract::Path<Uuid>,
    axum::Extension(ctx): axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        let db = &caller.ctx.db;
        let claim = super::insurance::find(db, ClaimId(id)).await?;
        may_handle(&caller, &claim, "billing.claim_fhir").await?;
        let view = super::insurance::view(db, &claim).await?;
        let invoice = super::invoices::find(db, view.invoice_id, None).await?;
        let invoice = super::invoices::view(db, &invoice).await?;
        let event = caller
            .event("billing.claim_fhir")
            .patient(PatientId::from(claim.patient_id))
            .entity("claim", claim.id);
        caller.record_read(event).await?;
        Ok((
            super::insurance::fhir_claim(&view, &invoice, &caller.ctx.hospital_name),
            view.number,
        ))
    }
    .await;
    match result {
        Ok((json, number)) => (
            [
                (
                    http::header::CONTENT_TYPE,
                    "application/fhir+json".to_string(),
                ),
                (
                    http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{number}.fhir.json\""),
                ),
                (http::header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            json.to_string(),
        )
            .into_response(),
        Err(e) => crate::context::error_response(&e),
    }
}
