//! Billing's PDFs: an invoice or credit note with its lines, totals and
//! payments, and a payment's receipt. Names and descriptions in any script
//! (`app::pdf` shapes them). Served to billing staff and to the patient the
//! document is for (issued documents only).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use shared::billing::{InvoiceKind, InvoiceStatus, InvoiceView, PaymentView};
use shared::AppError;

use crate::chart::export::date_time;
use crate::pdf::{PdfDocument, PdfError};

fn title(v: &InvoiceView) -> String {
    match (v.kind, &v.number) {
        (InvoiceKind::CreditNote, Some(n)) => format!("Credit note {n}"),
        (_, Some(n)) => format!("Invoice {n}"),
        (_, None) => "Draft invoice (not issued)".to_string(),
    }
}

/// An invoice or credit note as a PDF.
pub fn invoice_pdf(
    hospital: &str,
    v: &InvoiceView,
    generated: DateTime<Tz>,
) -> Result<Vec<u8>, PdfError> {
    let tz = generated.timezone();
    let c = v.currency;
    let title = title(v);
    let mut doc = PdfDocument::new(&format!("{title} – {} ({})", v.patient_name, v.mrn));
    doc.set_author(hospital);
    doc.set_footer(&format!(
        "{hospital} · {title} · Generated {}",
        date_time(generated.with_timezone(&Utc), tz)
    ));
    doc.heading(&title);
    let mut facts = vec![
        ("Patient", v.patient_name.clone()),
        ("Medical record number", v.mrn.clone()),
        (
            "Issued",
            v.issued_at
                .map_or_else(|| "Not yet".to_string(), |t| date_time(t, tz)),
        ),
        ("Currency", c.to_string()),
    ];
    if let Some(of) = &v.credit_of {
        facts.push(("Corrects invoice", of.clone()));
    }
    if !v.credited_by.is_empty() {
        facts.push(("Credited by", v.credited_by.join(", ")));
    }
    doc.key_values(&facts);
    doc.subheading("Lines");
    let rows: Vec<Vec<String>> = v
        .lines
        .iter()
        .map(|l| {
            let mut item = l.description.clone();
            if let Some(why) = &l.discount_reason {
                item.push_str(&format!(" (discount: {why})"));
            }
            vec![
                item,
                l.service_date.format("%-d %b %Y").to_string(),
                l.quantity.to_string(),
                c.format_major(l.unit_price),
                c.format_major(l.amounts.discount),
                format!("{} ({})", c.format_major(l.amounts.tax), l.tax_rate.label()),
                c.format_major(l.amounts.total),
            ]
        })
        .collect();
    doc.table(
        &[
            "Item",
            "Day",
            "Qty",
            "Unit price",
            "Discount",
            "Tax",
            "Amount",
        ],
        &[3.2, 1.3, 0.6, 1.2, 1.1, 1.5, 1.3],
        &rows,
    );
    let mut totals = vec![
        ("Subtotal", c.format(v.totals.subtotal)),
        ("Discounts", c.format(v.totals.discount)),
        ("Tax", c.format(v.totals.tax)),
        ("Total", c.format(v.totals.total)),
    ];
    if let Some(i) = &v.insurance {
        totals.push(("Insurer", format!("{} (member {})", i.payer, i.member_id)));
        totals.push(("Insurer's portion", c.format(i.insurer_portion)));
        totals.push(("Patient's portion", c.format(i.patient_portion)));
        totals.push(("Counted on from the insurer", c.format(i.cover)));
        if let Some(claim) = &i.claim {
            totals.push((
                "Claim",
                format!("{} ({})", claim.number, claim.status.label()),
            ));
        }
    }
    if v.kind == InvoiceKind::Invoice && v.status == InvoiceStatus::Issued {
        totals.push(("Paid", c.format(v.paid)));
        if v.credited != 0 {
            totals.push(("Credited", c.format(v.credited)));
        }
        totals.push(("Balance", c.format(v.balance)));
    }
    doc.key_values(&totals);
    if !v.payments.is_empty() {
        doc.subheading("Payments");
        let rows: Vec<Vec<String>> = v
            .payments
            .iter()
            .map(|p| {
                vec![
                    p.received_at
                        .map_or_else(|| "—".to_string(), |t| date_time(t, tz)),
                    p.method.label().to_string(),
                    p.status.label().to_string(),
                    p.receipt_number.clone().unwrap_or_else(|| "—".into()),
                    p.amount.to_string(),
                ]
            })
            .collect();
        doc.table(
            &["Received", "Method", "Status", "Receipt", "Amount"],
            &[2.0, 1.0, 1.0, 1.6, 1.4],
            &rows,
        );
    }
    doc.finish()
}

/// A payment's receipt as a PDF.
pub fn receipt_pdf(
    hospital: &str,
    v: &InvoiceView,
    p: &PaymentView,
    generated: DateTime<Tz>,
) -> Result<Vec<u8>, PdfError> {
    let tz = generated.timezone();
    let number = p.receipt_number.clone().unwrap_or_default();
    let mut doc = PdfDocument::new(&format!(
        "Receipt {number} – {} ({})",
        v.patient_name, v.mrn
    ));
    doc.set_author(hospital);
    doc.set_footer(&format!(
        "{hospital} · Receipt {number} · Generated {}",
        date_time(generated.with_timezone(&Utc), tz)
    ));
    doc.heading(&format!("Receipt {number}"));
    doc.key_values(&[
        ("Received from", v.patient_name.clone()),
        ("Medical record number", v.mrn.clone()),
        ("Amount", p.amount.to_string()),
        ("Method", p.method.label().to_string()),
        (
            "Reference",
            p.reference.clone().unwrap_or_else(|| "—".into()),
        ),
        (
            "Received",
            p.received_at
                .map_or_else(|| "—".to_string(), |t| date_time(t, tz)),
        ),
        ("For", title(v)),
        ("Balance after all payments", v.currency.format(v.balance)),
    ]);
    doc.finish()
}

/// Which document a download asks for.
enum Which {
    Invoice,
    Receipt(uuid::Uuid),
}

/// `GET /api/billing/invoices/{id}/pdf`: the invoice or credit note.
pub async fn download_invoice(
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
    ctx: axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> axum::response::Response {
    download(
        ctx.0,
        session,
        parts,
        shared::ids::InvoiceId(id),
        Which::Invoice,
    )
    .await
}

/// `GET /api/billing/payments/{id}/receipt`: a payment's receipt.
pub async fn download_receipt(
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
    ctx: axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> axum::response::Response {
    use sea_orm::EntityTrait;
    let payment = match crate::entity::payments::Entity::find_by_id(id)
        .one(&ctx.db)
        .await
    {
        Ok(Some(p)) => p,
        Ok(None) => {
            return crate::context::error_response(&AppError::NotFound("The receipt".into()))
        }
        Err(e) => return crate::context::error_response(&crate::context::internal(e)),
    };
    download(
        ctx.0,
        session,
        parts,
        shared::ids::InvoiceId(payment.invoice_id),
        Which::Receipt(id),
    )
    .await
}

async fn download(
    ctx: crate::state::ServerContext,
    session: tower_sessions::Session,
    parts: http::request::Parts,
    invoice_id: shared::ids::InvoiceId,
    which: Which,
) -> axum::response::Response {
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        let invoice = super::api::ssr::invoice_for(&caller, invoice_id).await?;
        let view = super::invoices::view(&caller.ctx.db, &invoice).await?;
        let generated = caller.now().with_timezone(&caller.ctx.timezone);
        let hospital = &caller.ctx.hospital_name;
        let (body, name, action) = match which {
            Which::Invoice => (
                invoice_pdf(hospital, &view, generated),
                format!(
                    "{}.pdf",
                    view.number
                        .clone()
                        .unwrap_or_else(|| "draft-invoice".into())
                ),
                "billing.invoice_pdf",
            ),
            Which::Receipt(payment) => {
                let p = view
                    .payments
                    .iter()
                    .find(|p| p.id.uuid() == payment && p.receipt_number.is_some())
                    .ok_or_else(|| AppError::NotFound("The receipt".into()))?;
                (
                    receipt_pdf(hospital, &view, p, generated),
                    format!("{}.pdf", p.receipt_number.clone().unwrap_or_default()),
                    "billing.receipt_pdf",
                )
            }
        };
        let body = body.map_err(crate::context::internal)?;
        let event = caller
            .event(action)
            .patient(invoice.patient_id)
            .entity("invoice", invoice.id);
        caller.record_read(event).await?;
        Ok((body, "application/pdf", name))
    }
    .await;
    crate::context::file_response(result)
}
