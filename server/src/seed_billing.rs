//! The demo's billing: a price list in the hospital's currency (every test
//! and study of the catalogue, consultations, a few drugs, procedures and
//! services), insurers with their share, and the portal patient's charges
//! invoiced under her coverage, issued and her portion paid in part at the
//! desk; another insured patient's invoice claimed from the insurer.

use anyhow::{anyhow, Result};
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};
use shared::billing::{ChargeKind, DeskPayment, ManualCharge, NewPrice, PaymentMethod, ANY_DOCTOR};
use shared::money::{Currency, Money, Rate};
use uuid::Uuid;

/// Prices from 1 January 2000, so every demo charge has one.
pub async fn seed_prices(txn: &DatabaseTransaction, currency: Currency, admin: Uuid) -> Result<()> {
    let err = |e: shared::AppError| anyhow!("{e}");
    let from = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
    // Whole major units, scaled to the currency's minor unit.
    let major = |units: i64| units * currency.scale();
    let mut prices: Vec<(ChargeKind, String, String, i64, u32)> = vec![
        (
            ChargeKind::Consultation,
            ANY_DOCTOR.into(),
            "Consultation".into(),
            major(45),
            0,
        ),
        (
            ChargeKind::Procedure,
            "SUTURE".into(),
            "Wound suture".into(),
            major(30),
            0,
        ),
        (
            ChargeKind::Procedure,
            "ECG".into(),
            "Electrocardiogram (12-lead)".into(),
            major(25),
            0,
        ),
        (
            ChargeKind::Service,
            "CERT-MED".into(),
            "Medical certificate".into(),
            major(15),
            1_600,
        ),
        (
            ChargeKind::Service,
            "RECORD-COPY".into(),
            "Copy of the medical record".into(),
            major(10),
            1_600,
        ),
    ];
    for kind in [ChargeKind::Lab, ChargeKind::Imaging] {
        let each = if kind == ChargeKind::Lab {
            major(12)
        } else {
            major(80)
        };
        for item in app::billing::prices::items(txn, kind).await.map_err(err)? {
            let name = item.label.clone();
            prices.push((kind, item.key, name, each, 0));
        }
    }
    // Every drug of the formulary, half a unit of the currency per unit.
    for item in app::billing::prices::items(txn, ChargeKind::Drug)
        .await
        .map_err(err)?
    {
        prices.push((
            ChargeKind::Drug,
            item.key,
            item.label,
            currency.scale() / 2,
            0,
        ));
    }
    // A night in a bed, by the kind of ward.
    for kind in shared::beds::WardKind::ALL {
        use shared::beds::WardKind::*;
        let units = match kind {
            General => 250,
            Surgical => 320,
            Icu => 1_200,
            Maternity => 280,
            Paediatrics => 260,
            Isolation => 420,
        };
        prices.push((
            ChargeKind::BedDay,
            kind.price_key(),
            format!("Bed day: {}", kind.label().to_lowercase()),
            major(units),
            0,
        ));
    }
    for (kind, item_key, name, minor, tax) in prices {
        let price = NewPrice {
            kind,
            item_key,
            name,
            price: Money::new(minor, currency),
            tax_rate: Rate(tax),
            valid_from: from,
        };
        app::billing::prices::add(txn, price, admin, Utc::now())
            .await
            .map_err(err)?;
    }
    Ok(())
}

/// The portal patient's charges so far (with an ECG and a certificate
/// charged at the desk) on an issued invoice, her portion paid in part in
/// cash, so the phone shows a bill with a balance and the insurer's portion.
pub async fn seed_invoice(
    txn: &DatabaseTransaction,
    tz: chrono_tz::Tz,
    currency: Currency,
    patient: Uuid,
    clerk: Uuid,
) -> Result<()> {
    let err = |e: shared::AppError| anyhow!("{e}");
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    for (item_key, quantity) in [("ECG", 1), ("CERT-MED", 1)] {
        let kind = if item_key == "ECG" {
            ChargeKind::Procedure
        } else {
            ChargeKind::Service
        };
        let charge = ManualCharge {
            kind,
            item_key: item_key.into(),
            quantity,
            service_date: None,
        };
        app::billing::charges::add_manual(txn, patient, charge, today, clerk, now)
            .await
            .map_err(err)?;
    }
    let draft = app::billing::invoices::draft(txn, patient, currency, clerk, now)
        .await
        .map_err(err)?;
    let issued = app::billing::invoices::issue(txn, draft, tz, clerk, now)
        .await
        .map_err(err)?;
    let owed = app::billing::invoices::owed(txn, &issued)
        .await
        .map_err(err)?;
    let half = owed / 2;
    if half > 0 {
        let payment = DeskPayment {
            method: PaymentMethod::Cash,
            amount: half,
            reference: None,
        };
        let key = format!("demo-{}", issued.id);
        app::billing::invoices::desk_payment(txn, &issued, payment, &key, tz, clerk, now)
            .await
            .map_err(err)?;
    }
    Ok(())
}

/// The demo's insurers (a registration's coverage names one of them to be
/// billed to it) and a coverage for each of `insured`, valid this year and
/// next.
pub async fn seed_insurance(
    txn: &DatabaseTransaction,
    tz: chrono_tz::Tz,
    admin: Uuid,
    insured: &[Uuid],
) -> Result<()> {
    use chrono::Datelike;
    let err = |e: shared::AppError| anyhow!("{e}");
    let now = Utc::now();
    for (name, share, active) in [
        ("Demo Health Insurance", 8_000, true),
        ("Nordic Mutual", 7_000, true),
        ("Allianz Private Health", 10_000, false),
    ] {
        let payer = shared::insurance::NewPayer {
            name: name.into(),
            share: Rate(share),
            active,
        };
        app::billing::insurance::save_payer(txn, None, payer, admin, now)
            .await
            .map_err(err)?;
    }
    let year = now.with_timezone(&tz).year();
    for (i, patient) in insured.iter().enumerate() {
        app::entity::insurance_coverages::ActiveModel {
            id: Set(Uuid::new_v4()),
            patient_id: Set(*patient),
            payer: Set("Demo Health Insurance".into()),
            member_id: Set(format!("DH-{:06}", 100_234 + i)),
            group_number: Set(None),
            valid_from: Set(NaiveDate::from_ymd_opt(year, 1, 1)),
            valid_to: Set(NaiveDate::from_ymd_opt(year + 1, 12, 31)),
            rank: Set(shared::demographics::CoverageRank::Primary),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// A consultation of `patient` invoiced and its insurer's portion claimed
/// and submitted, so the claims board has a claim awaiting the insurer.
pub async fn seed_claim(
    txn: &DatabaseTransaction,
    tz: chrono_tz::Tz,
    currency: Currency,
    patient: Uuid,
    clerk: Uuid,
) -> Result<()> {
    let err = |e: shared::AppError| anyhow!("{e}");
    let now = Utc::now();
    let today = now.with_timezone(&tz).date_naive();
    let charge = ManualCharge {
        kind: ChargeKind::Procedure,
        item_key: "ECG".into(),
        quantity: 1,
        service_date: None,
    };
    app::billing::charges::add_manual(txn, patient, charge, today, clerk, now)
        .await
        .map_err(err)?;
    let draft = app::billing::invoices::draft(txn, patient, currency, clerk, now)
        .await
        .map_err(err)?;
    let issued = app::billing::invoices::issue(txn, draft, tz, clerk, now)
        .await
        .map_err(err)?;
    let (claim, _) = app::billing::insurance::open(txn, &issued, false, tz, clerk, now)
        .await
        .map_err(err)?;
    app::billing::insurance::submit(txn, claim, now)
        .await
        .map_err(err)?;
    Ok(())
}
