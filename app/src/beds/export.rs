//! The discharge summary as a PDF: `GET /api/admissions/{id}/discharge.pdf`,
//! for the patient it belongs to and for staff who may open the chart. The
//! same fonts and layout as the other documents (`crate::pdf`), so names
//! and text in any script print.

use chrono::DateTime;
use shared::beds::AdmissionView;
use shared::demographics::PatientDetails;
use shared::AppError;
use uuid::Uuid;

use crate::pdf::{PdfDocument, PdfError};

/// The signed discharge summary: hospital, patient, the stay and where the
/// patient lay, the diagnoses, procedures, medications on discharge,
/// follow-up and the summary, and who signed it when. `None` for an
/// admission not discharged (or whose summary the caller may not read).
pub fn discharge_pdf(
    hospital: &str,
    a: &AdmissionView,
    patient: &PatientDetails,
    tz: chrono_tz::Tz,
) -> Result<Option<Vec<u8>>, PdfError> {
    let Some(d) = &a.discharge else {
        return Ok(None);
    };
    let local =
        |t: chrono::DateTime<chrono::Utc>| -> DateTime<chrono_tz::Tz> { t.with_timezone(&tz) };
    let mut doc = PdfDocument::new(&format!("Discharge summary, {}", patient.display_name()));
    doc.set_author(hospital);
    doc.set_footer(&format!(
        "{hospital} · discharge summary · MRN {}",
        patient.mrn
    ));
    doc.heading(hospital);
    doc.subheading("Discharge summary");
    let dob = patient
        .demographics
        .date_of_birth
        .map(|b| b.format("%-d %B %Y").to_string())
        .unwrap_or_else(|| "Unknown".into());
    doc.key_values(&[
        ("Patient", patient.display_name()),
        ("MRN", patient.mrn.clone()),
        ("Born", dob),
        (
            "Admitted",
            format!(
                "{} ({})",
                local(a.admitted_at).format("%-d %B %Y, %H:%M"),
                a.source.label()
            ),
        ),
        (
            "Discharged",
            a.ended_at
                .map(|t| local(t).format("%-d %B %Y, %H:%M").to_string())
                .unwrap_or_default(),
        ),
        ("Admitting doctor", a.doctor.clone()),
        (
            "Admitting diagnosis",
            format!("{} {}", a.diagnosis, a.diagnosis_title),
        ),
    ]);
    doc.subheading("Diagnoses at discharge");
    let rows: Vec<Vec<String>> = d
        .diagnoses
        .iter()
        .map(|(code, title)| vec![code.clone(), title.clone()])
        .collect();
    doc.table(&["ICD-10-CM", "Diagnosis"], &[0.2, 0.8], &rows);
    if !d.procedures.is_empty() {
        doc.subheading("Procedures");
        doc.paragraph(&d.procedures);
    }
    doc.subheading("Medications on discharge");
    if d.medications.is_empty() {
        doc.paragraph("None.");
    } else {
        for m in &d.medications {
            doc.paragraph(&format!("• {m}"));
        }
    }
    doc.subheading("Follow-up");
    doc.paragraph(&d.follow_up);
    doc.subheading("Summary of the stay");
    doc.paragraph(&d.summary);
    if !a.stays.is_empty() {
        doc.subheading("Where the patient was");
        let rows: Vec<Vec<String>> = a
            .stays
            .iter()
            .map(|s| {
                vec![
                    format!("{}, {}", s.ward, s.bed),
                    local(s.from).format("%-d %b %Y %H:%M").to_string(),
                    s.to.map(|t| local(t).format("%-d %b %Y %H:%M").to_string())
                        .unwrap_or_default(),
                ]
            })
            .collect();
        doc.table(&["Bed", "From", "To"], &[0.5, 0.25, 0.25], &rows);
    }
    doc.spacer(16.0);
    doc.paragraph(&format!(
        "Signed by {} on {}.",
        d.signed_by,
        local(d.signed_at).format("%-d %B %Y, %H:%M")
    ));
    doc.finish().map(Some)
}

/// `GET /api/admissions/{id}/discharge.pdf`.
pub async fn download_discharge(
    axum::extract::Path(id): axum::extract::Path<Uuid>,
    axum::Extension(ctx): axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> axum::response::Response {
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        let a = super::service::find(&caller.ctx.db, shared::ids::AdmissionId(id)).await?;
        let patient_id = shared::ids::PatientId::from(a.patient_id);
        let action = "beds.discharge_pdf";
        if !crate::auth::guard::own_or_staff(&caller, a.patient_id, action).await? {
            crate::patients::access::require_chart(&caller, patient_id, action).await?;
        }
        let view = super::service::view(&caller.ctx.db, &caller.ctx.cipher, &a).await?;
        let patient =
            crate::patients::service::details(&caller.ctx.db, &caller.ctx.cipher, a.patient_id)
                .await?;
        let body = discharge_pdf(
            &caller.ctx.hospital_name,
            &view,
            &patient,
            caller.ctx.timezone,
        )
        .map_err(crate::context::internal)?
        .ok_or_else(|| {
            AppError::NotFound("The discharge summary (the patient is not discharged)".into())
        })?;
        let event = caller
            .event(action)
            .patient(patient_id)
            .entity("admission", a.id);
        caller.record_read(event).await?;
        Ok((
            body,
            "application/pdf",
            format!("discharge-summary-{}.pdf", patient.mrn),
        ))
    }
    .await;
    crate::context::file_response(result)
}
