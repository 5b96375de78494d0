//! Images and PDFs attached to an imaging report. Uploaded by who reports
//! imaging, one file per request, the body being the file itself: its type
//! is read from its first bytes (JPEG, PNG or PDF only, whatever the name
//! says), its size is limited, and it is stored encrypted outside the
//! database (`files::FileStore`). Served only to those who may read the
//! chart: the laboratory, staff with access to the patient, and the patient
//! once the report is released.

use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use shared::ids::{LabAttachmentId, LabResultId, PatientId};
use shared::lab::TestKind;
use shared::lab_visits::{check_attachment, clean_file_name, AttachmentView};
use shared::lab_work::ResultStatus;
use shared::AppError;
use uuid::Uuid;

use crate::context::OrInternal;
use crate::entity::{lab_attachments as attachments, lab_results as results};
use crate::patients::care::{name_of, user_names};

/// The most files one report carries.
pub const MAX_PER_RESULT: u64 = 20;

/// The attachments of `result_ids`, oldest first.
pub async fn for_results(
    db: &impl ConnectionTrait,
    result_ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<AttachmentView>, AppError> {
    let ids: Vec<Uuid> = result_ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = attachments::Entity::find()
        .filter(attachments::Column::ResultId.is_in(ids))
        .order_by_asc(attachments::Column::CreatedAt)
        .order_by_asc(attachments::Column::Id)
        .all(db)
        .await
        .or_internal()?;
    let people = user_names(db, rows.iter().map(|a| a.uploaded_by)).await?;
    Ok(rows
        .into_iter()
        .map(|a| AttachmentView {
            id: a.id.into(),
            result_id: a.result_id.into(),
            file_name: a.file_name,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            uploaded_by: name_of(&people, a.uploaded_by),
            uploaded_at: a.created_at,
        })
        .collect())
}

/// Records an attachment of `bytes` (already stored under `key`) to the
/// imaging result `result`.
async fn record(
    txn: &impl ConnectionTrait,
    result: &results::Model,
    key: &str,
    file_name: String,
    bytes: &[u8],
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<attachments::Model, AppError> {
    let content_type = check_attachment(bytes)?;
    let count = attachments::Entity::find()
        .filter(attachments::Column::ResultId.eq(result.id))
        .count(txn)
        .await
        .or_internal()?;
    if count >= MAX_PER_RESULT {
        return Err(AppError::field(
            "file",
            format!("A report carries at most {MAX_PER_RESULT} files."),
        ));
    }
    attachments::ActiveModel {
        id: Set(Uuid::parse_str(key).or_internal()?),
        result_id: Set(result.id),
        patient_id: Set(result.patient_id),
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

/// The query of an upload: the file's name as the user's device had it.
#[derive(Debug, serde::Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    pub name: String,
}

pub(crate) fn json_error(e: &AppError) -> axum::response::Response {
    (crate::context::http_status(e), axum::Json(e.clone())).into_response()
}

/// `POST /uploads/lab/results/{id}/attachments?name=…`: attaches the request's
/// body to an imaging report. Answers the attachment's view as JSON, or the
/// error as JSON (`file` names what was wrong with the file).
pub async fn upload(
    axum::extract::Path(result_id): axum::extract::Path<Uuid>,
    axum::extract::Query(query): axum::extract::Query<UploadQuery>,
    axum::Extension(ctx): axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
    body: axum::body::Bytes,
) -> axum::response::Response {
    let files = ctx.files.clone();
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        if !caller.can(shared::Permission::ReportImaging) {
            crate::auth::guard::deny(&caller, "lab.attach").await?;
            return Err(AppError::Forbidden);
        }
        let db = &caller.ctx.db;
        let row = super::orders::result(db, LabResultId::from(result_id)).await?;
        super::api::ssr::may_read(&caller, row.patient_id, true, "lab.attach").await?;
        let test = super::catalogue::by_id(db, row.test_id).await?;
        if test.kind != TestKind::Imaging {
            return Err(AppError::Conflict(
                "Files are attached to imaging reports only.".into(),
            ));
        }
        if !matches!(row.status, ResultStatus::Entered | ResultStatus::Released) {
            return Err(AppError::Conflict(
                "This report was corrected; attach the files to the correction.".into(),
            ));
        }
        // Checked before storing anything; checked again with the row.
        check_attachment(&body)?;
        let saved = files
            .put_recorded(&caller.ctx.cipher, &body, async |key| {
                let txn = crate::context::begin_write(db).await?;
                let saved = record(
                    &txn,
                    &row,
                    &key,
                    clean_file_name(&query.name),
                    &body,
                    caller.user.id.uuid(),
                    caller.now(),
                )
                .await?;
                let event = caller
                    .event("lab.attach")
                    .patient(PatientId::from(row.patient_id))
                    .entity("lab_attachment", saved.id)
                    .detail(format!(
                        "{} ({} bytes)",
                        saved.content_type.as_str(),
                        saved.size_bytes
                    ));
                caller.record(&txn, event).await?;
                txn.commit().await.or_internal()?;
                Ok::<_, AppError>(saved)
            })
            .await?;
        for_results(db, [saved.result_id])
            .await?
            .into_iter()
            .find(|a| a.id.uuid() == saved.id)
            .ok_or(AppError::Internal)
    }
    .await;
    match result {
        Ok(view) => axum::Json(view).into_response(),
        Err(e) => json_error(&e),
    }
}

/// `GET /api/lab/attachments/{id}`: the file, shown in the browser (images
/// and PDFs), to the laboratory, staff who may open the patient's chart,
/// and the patient once the report is released. Its digest is checked.
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
        let row = attachments::Entity::find_by_id(id)
            .one(db)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::NotFound("The file".into()))?;
        let patient_id = PatientId::from(row.patient_id);
        let action = "lab.attachment";
        if crate::auth::guard::own_or_staff(&caller, row.patient_id, action).await? {
            // The patient's own: once the report is released.
            let report = super::orders::result(db, row.result_id.into()).await?;
            if report.status != ResultStatus::Released {
                return Err(AppError::NotFound("The file".into()));
            }
        } else {
            super::api::ssr::may_read(&caller, row.patient_id, false, action).await?;
        }
        let bytes = files.get(&caller.ctx.cipher, &row.storage_key).await?;
        if crate::files::sha256_hex(&bytes) != row.sha256 {
            return Err(crate::context::internal(format!(
                "attachment {id}: the stored file does not match its digest"
            )));
        }
        let event = caller
            .event("lab.attachment")
            .patient(patient_id)
            .entity("lab_attachment", LabAttachmentId::from(id));
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
