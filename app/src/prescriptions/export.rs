//! The printable prescription: `GET /api/prescriptions/{id}/pdf`, for the
//! patient it belongs to and for staff who may open the patient's chart.
//! It carries the verification code the pharmacy looks the prescription up
//! by, so a paper copy can be checked against the record.

use chrono::DateTime;
use shared::demographics::PatientDetails;
use shared::prescribing::PrescriptionView;
use shared::AppError;
use uuid::Uuid;

use crate::pdf::{PdfDocument, PdfError};

/// "ABCDE-FGHJK": the code in two groups of five, as printed.
pub fn grouped(code: &str) -> String {
    if code.len() == 10 {
        format!("{}-{}", &code[..5], &code[5..])
    } else {
        code.to_string()
    }
}

/// The prescription as a one-page PDF: hospital, prescriber, patient (in any
/// script), the drug with its directions, quantity and refills, the
/// instructions, a signature line and the verification code.
pub fn prescription_pdf(
    hospital: &str,
    p: &PrescriptionView,
    patient: &PatientDetails,
    signed_local: DateTime<chrono_tz::Tz>,
) -> Result<Vec<u8>, PdfError> {
    let code = grouped(&p.verification_code);
    let mut doc = PdfDocument::new(&format!("Prescription {code}"));
    doc.set_author(hospital);
    doc.set_footer(&format!("{hospital} · prescription {code}"));
    doc.heading(hospital);
    doc.subheading("Prescription");
    let d = &patient.demographics;
    doc.key_values(&[
        ("Patient", patient.display_name()),
        ("MRN", patient.mrn.clone()),
        (
            "Born",
            d.date_of_birth
                .map(|b| b.format("%-d %B %Y").to_string())
                .unwrap_or_else(|| "Unknown".into()),
        ),
        ("Prescriber", p.prescriber.clone()),
        (
            "Signed",
            signed_local.format("%-d %B %Y, %H:%M").to_string(),
        ),
        ("Status", p.status.label().to_string()),
    ]);
    doc.spacer(8.0);
    doc.subheading(&p.drug_label);
    doc.paragraph(&p.sig.directions());
    doc.key_values(&[
        ("Quantity", p.sig.quantity_text()),
        ("Refills", p.sig.refills.to_string()),
        ("Starts", p.sig.start_date.format("%-d %B %Y").to_string()),
    ]);
    if let Some(i) = &p.sig.instructions {
        doc.paragraph(i);
    }
    doc.spacer(36.0);
    doc.paragraph("Signature: ________________________________");
    doc.muted(&p.prescriber);
    doc.spacer(16.0);
    doc.subheading(&format!("Verification code: {code}"));
    doc.muted("The pharmacy checks this code against the hospital's record before dispensing.");
    doc.finish()
}

/// `GET /api/prescriptions/{id}/pdf`.
pub async fn download_pdf(
    axum::extract::Path(id): axum::extract::Path<Uuid>,
    axum::Extension(ctx): axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> axum::response::Response {
    use crate::context::OrInternal;
    use sea_orm::EntityTrait;
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        let row = crate::entity::prescriptions::Entity::find_by_id(id)
            .one(&caller.ctx.db)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::NotFound("The prescription".into()))?;
        let patient_id = shared::ids::PatientId::from(row.patient_id);
        let action = "prescription.pdf";
        if !crate::auth::guard::own_or_staff(&caller, row.patient_id, action).await? {
            crate::patients::access::require_chart(&caller, patient_id, action).await?;
        }
        let patient =
            crate::patients::service::details(&caller.ctx.db, &caller.ctx.cipher, row.patient_id)
                .await?;
        let view = super::service::views(&caller.ctx.db, vec![row])
            .await?
            .pop()
            .ok_or(AppError::Internal)?;
        let body = prescription_pdf(
            &caller.ctx.hospital_name,
            &view,
            &patient,
            view.signed_at.with_timezone(&caller.ctx.timezone),
        )
        .map_err(crate::context::internal)?;
        let event = caller
            .event("prescription.pdf")
            .patient(patient_id)
            .entity("prescription", id);
        caller.record_read(event).await?;
        Ok((
            body,
            "application/pdf",
            format!("prescription-{}.pdf", grouped(&view.verification_code)),
        ))
    }
    .await;
    crate::context::file_response(result)
}
