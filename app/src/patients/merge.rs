//! Merging two records of one person: everything clinical and administrative
//! moves from the source to the target, the source's MRN becomes an alias of
//! the target (wristbands and paper keep working), and the source stays as a
//! tombstone pointing at the target. One transaction; audited.

use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, Set,
};
use shared::demographics::{MergePreview, MergeResult, PatientStatus};
use shared::patients::AdministrativeSex;
use shared::AppError;
use uuid::Uuid;

use super::service::{find, hit_of};
use crate::audit::service::AuditEvent;
use crate::auth::guard::Caller;
use crate::context::{internal, OrInternal};
use crate::entity::{mrn_aliases, patients, users};

/// Every table holding rows that belong to a patient, with what the preview calls them.
pub const PATIENT_TABLES: [(&str, &str); 39] = [
    ("encounters", "Encounters"),
    ("clinical_notes", "Clinical notes"),
    ("vital_signs", "Vital-sign sets"),
    ("problems", "Problems and diagnoses"),
    ("allergies", "Allergies"),
    ("immunizations", "Immunizations"),
    ("history_entries", "History entries"),
    ("medications", "Medications"),
    ("prescriptions", "Prescriptions"),
    ("refill_requests", "Refill requests"),
    ("pharmacy_orders", "Online pharmacy orders"),
    ("stock_movements", "Pharmacy dispenses and returns"),
    ("charge_items", "Charges to bill"),
    ("invoices", "Invoices and credit notes"),
    ("invoice_lines", "Invoice lines"),
    ("payments", "Payments"),
    ("payment_checkouts", "Online payments opened"),
    ("refunds", "Refunds"),
    ("payment_plans", "Payment plans"),
    ("plan_instalments", "Payment plan instalments"),
    ("claims", "Insurance claims"),
    ("claim_documents", "Documents of insurance claims"),
    ("admissions", "Admissions"),
    ("bed_stays", "Beds the patient lay in"),
    ("ed_visits", "Emergency department visits"),
    ("ed_triages", "Emergency triages"),
    ("lab_orders", "Laboratory and imaging orders"),
    ("lab_order_items", "Ordered tests"),
    ("lab_specimens", "Specimens"),
    ("lab_results", "Test results"),
    ("lab_collection_visits", "Sample collection visits"),
    ("lab_attachments", "Imaging attachments"),
    ("emergency_contacts", "Emergency contacts"),
    ("insurance_coverages", "Insurance coverages"),
    ("care_relationships", "Care-team entries"),
    ("break_glass_grants", "Emergency-access grants"),
    ("mrn_aliases", "Earlier MRNs"),
    ("appointments", "Appointments"),
    ("notification_outbox", "Messages to the patient"),
];

/// Tables that name a patient but whose rows a merge does not move, and why.
/// With [`PATIENT_TABLES`] they must cover every table of the schema that
/// names a patient ([`tables_naming_patients`]); the merge test checks it, so
/// a new module's table cannot be forgotten.
pub const NOT_MOVED: [(&str, &str); 2] = [
    (
        "audit_events",
        "the trail keeps the ids it was written with",
    ),
    (
        "users",
        "the portal account moves on its own (refused when both records have one)",
    ),
];

/// Every table of the database schema with a `patient_id` column or a foreign
/// key to `patients`, read from the database's own catalogue.
pub async fn tables_naming_patients(db: &impl ConnectionTrait) -> Result<Vec<String>, AppError> {
    let sql = match db.get_database_backend() {
        sea_orm::DatabaseBackend::Sqlite => {
            "SELECT m.name AS t FROM sqlite_master m, pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND c.name = 'patient_id' \
             UNION SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND f.\"table\" = 'patients' ORDER BY 1"
        }
        _ => {
            "SELECT table_name::text AS t FROM information_schema.columns \
             WHERE table_schema = current_schema() AND column_name = 'patient_id' \
             UNION SELECT tc.table_name::text FROM information_schema.table_constraints tc \
             JOIN information_schema.constraint_column_usage u \
               ON u.constraint_name = tc.constraint_name AND u.table_schema = tc.table_schema \
             WHERE tc.constraint_type = 'FOREIGN KEY' AND u.table_name = 'patients' \
               AND tc.table_schema = current_schema() ORDER BY 1"
        }
    };
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .or_internal()?;
    rows.iter()
        .map(|r| r.try_get::<String>("", "t").or_internal())
        .collect()
}

/// How many rows of `table` belong to `patient_id`.
pub async fn count_rows(
    db: &impl ConnectionTrait,
    table: &'static str,
    patient_id: Uuid,
) -> Result<u64, AppError> {
    let query = Query::select()
        .expr_as(
            Func::count(Expr::col(Alias::new("patient_id"))),
            Alias::new("n"),
        )
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new("patient_id")).eq(patient_id))
        .to_owned();
    let row = db
        .query_one(&query)
        .await
        .or_internal()?
        .ok_or_else(|| crate::context::internal("COUNT returned no row"))?;
    let n: i64 = row.try_get("", "n").or_internal()?;
    Ok(n as u64)
}

async fn both(
    db: &impl ConnectionTrait,
    source: Uuid,
    target: Uuid,
) -> Result<(patients::Model, patients::Model), AppError> {
    if source == target {
        return Err(AppError::BadRequest(
            "A record cannot be merged into itself.".into(),
        ));
    }
    let s = find(db, source).await?;
    let t = find(db, target).await?;
    for p in [&s, &t] {
        if p.status == PatientStatus::Merged {
            return Err(AppError::Conflict(format!(
                "{} {} was already merged into another record.",
                p.given_name, p.family_name
            )));
        }
    }
    Ok((s, t))
}

async fn portal_account(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Option<users::Model>, AppError> {
    users::Entity::find()
        .filter(users::Column::PatientId.eq(patient_id))
        .one(db)
        .await
        .or_internal()
}

/// What a merge of `source` into `target` would move, and what to check first.
pub async fn preview(
    db: &impl ConnectionTrait,
    source: Uuid,
    target: Uuid,
) -> Result<MergePreview, AppError> {
    let (s, t) = both(db, source, target).await?;
    let mut moves = Vec::new();
    for (table, label) in PATIENT_TABLES {
        let n = count_rows(db, table, source).await?;
        if n > 0 {
            moves.push((label.to_string(), n));
        }
    }
    let mut warnings = Vec::new();
    if s.date_of_birth.is_some()
        && t.date_of_birth.is_some()
        && s.date_of_birth != t.date_of_birth
        && !s.birth_date_estimated
    {
        warnings.push("The two records have different dates of birth.".to_string());
    }
    if s.sex != t.sex && s.sex != AdministrativeSex::Unknown && t.sex != AdministrativeSex::Unknown
    {
        warnings.push("The two records have different sexes recorded.".to_string());
    }
    let (sa, ta) = (
        portal_account(db, source).await?,
        portal_account(db, target).await?,
    );
    match (sa, ta) {
        (Some(_), Some(_)) => warnings.push(
            "Both records have a patient-portal account; the merge is refused until one is removed."
                .to_string(),
        ),
        (Some(_), None) => {
            warnings.push("The source's patient-portal account moves to the target.".to_string())
        }
        _ => {}
    }
    if both_admitted(db, source, target).await? {
        warnings.push(BOTH_ADMITTED.to_string());
    }
    if both_in_emergency(db, source, target).await? {
        warnings.push(BOTH_IN_EMERGENCY.to_string());
    }
    Ok(MergePreview {
        source: hit_of(&s)?,
        target: hit_of(&t)?,
        moves,
        warnings,
    })
}

const BOTH_ADMITTED: &str =
    "Both records are admitted now; the merge is refused until one is discharged or transferred.";

/// Both records have an open admission: a patient lies in one bed at a
/// time (the database holds one open admission per patient).
async fn both_admitted(
    db: &impl ConnectionTrait,
    source: Uuid,
    target: Uuid,
) -> Result<bool, AppError> {
    Ok(crate::beds::service::current_admission(db, source)
        .await?
        .is_some()
        && crate::beds::service::current_admission(db, target)
            .await?
            .is_some())
}

const BOTH_IN_EMERGENCY: &str =
    "Both records have an open emergency department visit; the merge is refused until one visit ends.";

/// Both records are in the emergency department now (the database holds
/// one open visit per patient). A fast-tracked record merged into a
/// patient who is not there keeps its visit, which moves with it.
async fn both_in_emergency(
    db: &impl ConnectionTrait,
    source: Uuid,
    target: Uuid,
) -> Result<bool, AppError> {
    Ok(crate::emergency::service::open_visit(db, source)
        .await?
        .is_some()
        && crate::emergency::service::open_visit(db, target)
            .await?
            .is_some())
}

/// What a merge did: its answer, and the portal account it moved (whose
/// cached sessions must be forgotten once the merge is committed).
pub struct Merged {
    pub result: MergeResult,
    pub moved_account: Option<Uuid>,
}

/// Merges `source` into `target`. Nothing is deleted: rows change owner, the
/// source becomes a tombstone and its MRN an alias.
pub async fn merge(
    caller: &Caller,
    txn: &DatabaseTransaction,
    source: Uuid,
    target: Uuid,
) -> Result<(Merged, Vec<AuditEvent>), AppError> {
    let (s, t) = both(txn, source, target).await?;
    let source_account = portal_account(txn, source).await?;
    if source_account.is_some() && portal_account(txn, target).await?.is_some() {
        return Err(AppError::Conflict(
            "Both records have a patient-portal account. Deactivate one account first.".into(),
        ));
    }
    if both_admitted(txn, source, target).await? {
        return Err(AppError::Conflict(BOTH_ADMITTED.into()));
    }
    if both_in_emergency(txn, source, target).await? {
        return Err(AppError::Conflict(BOTH_IN_EMERGENCY.into()));
    }
    let mut moved = 0u64;
    let mut summary = Vec::new();
    for (table, label) in PATIENT_TABLES {
        let update = Query::update()
            .table(Alias::new(table))
            .value(Alias::new("patient_id"), target)
            .and_where(Expr::col(Alias::new("patient_id")).eq(source))
            .to_owned();
        let n = txn
            .execute(&update)
            .await
            .map_err(|e| match crate::appointments::booking::overlap_error(&e) {
                Some(_) => AppError::Conflict(
                    "Both records have appointments at the same time. Cancel one of them first."
                        .into(),
                ),
                None => internal(e),
            })?
            .rows_affected();
        if n > 0 {
            summary.push(format!("{label}: {n}"));
        }
        moved += n;
    }
    // A target without a national identifier takes the source's, sealed
    // anew for its own row: the number keeps finding the person.
    let cipher = &caller.ctx.cipher;
    if t.national_id.is_none() {
        if let Some(national) = super::service::national_id_of(cipher, &s)? {
            let mut row = t.clone().into_active_model();
            super::service::seal_national_id(&mut row, cipher, target, &Some(national));
            row.updated_at = Set(Utc::now());
            row.update(txn).await.or_internal()?;
            summary.push("national identifier".into());
        }
    }
    let moved_account = source_account.as_ref().map(|a| a.id);
    if let Some(account) = source_account {
        let mut account = account.into_active_model();
        account.patient_id = Set(Some(target));
        account.updated_at = Set(Utc::now());
        account.update(txn).await.or_internal()?;
        summary.push("portal account".into());
    }
    // Records merged into the source earlier now point at the target.
    patients::Entity::update_many()
        .col_expr(patients::Column::MergedInto, Expr::value(target))
        .filter(patients::Column::MergedInto.eq(source))
        .exec(txn)
        .await
        .or_internal()?;
    mrn_aliases::ActiveModel {
        mrn: Set(s.mrn.clone()),
        patient_id: Set(target),
        merged_from: Set(source),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await
    .or_internal()?;
    let source_mrn = super::service::hit_of(&s)?.mrn;
    let mut tomb = s.into_active_model();
    tomb.status = Set(PatientStatus::Merged);
    tomb.merged_into = Set(Some(target));
    tomb.merged_at = Set(Some(Utc::now()));
    tomb.updated_at = Set(Utc::now());
    tomb.update(txn).await.or_internal()?;
    let target_hit = hit_of(&t)?;
    let detail = format!(
        "merged {source_mrn} into {}; moved {}",
        target_hit.mrn,
        if summary.is_empty() {
            "nothing".to_string()
        } else {
            summary.join(", ")
        }
    );
    let events = [(source, "source"), (target, "target")]
        .map(|(patient, role)| {
            caller
                .event("patients.merge")
                .patient(patient)
                .entity("patient", role)
                .detail(detail.clone())
        })
        .to_vec();
    let result = MergeResult {
        target_id: target.into(),
        target_mrn: target_hit.mrn,
        alias_mrn: source_mrn,
        moved,
    };
    Ok((
        Merged {
            result,
            moved_account,
        },
        events,
    ))
}
