//! Demo wards and beds: three wards (one for women only, an intensive care
//! unit; the demo nurse works on Internal Medicine), a bed being cleaned, a
//! blocked one, and Kwame Mensah admitted
//! from the emergency department two days ago, so the bed board, a ward's
//! round and the bed-day charges have something to show.

use anyhow::{anyhow, Result};
use chrono::{Duration, Utc};
use sea_orm::DatabaseTransaction;
use shared::beds::{
    AdmissionSource, BedStatus, BedType, NewAdmission, NewBeds, NewWard, SexRestriction, WardKind,
};
use shared::ids::PatientId;
use uuid::Uuid;

pub async fn seed_beds(
    txn: &DatabaseTransaction,
    cipher: &app::crypto::Cipher,
    tz: chrono_tz::Tz,
    admin: Uuid,
    doctor: Uuid,
    nurse: Uuid,
    admitted: Uuid,
) -> Result<()> {
    let err = |e: shared::AppError| anyhow!("{e}");
    let now = Utc::now();
    let wards = [
        (
            "Internal Medicine",
            WardKind::General,
            SexRestriction::Any,
            &[("101", "A B"), ("102", "A B C")][..],
        ),
        (
            "Maternity",
            WardKind::Maternity,
            SexRestriction::Female,
            &[("201", "A B")][..],
        ),
        (
            "Intensive Care",
            WardKind::Icu,
            SexRestriction::Any,
            &[("ICU", "1 2 3")][..],
        ),
    ];
    let mut first_beds = Vec::new();
    for (name, kind, sex, rooms) in wards {
        let ward = app::beds::service::save_ward(
            txn,
            None,
            NewWard {
                name: name.into(),
                kind,
                sex_restriction: sex,
                active: true,
            },
            admin,
            now,
        )
        .await
        .map_err(err)?;
        if kind == WardKind::General {
            // The demo nurse works on Internal Medicine.
            app::beds::service::set_ward_staff(txn, ward.id, nurse.into(), true, admin, now)
                .await
                .map_err(err)?;
        }
        for (room, labels) in rooms {
            let bed_type = if kind == WardKind::Icu {
                BedType::Icu
            } else {
                BedType::Standard
            };
            let beds = app::beds::service::add_beds(
                txn,
                NewBeds {
                    ward_id: ward.id,
                    room: (*room).into(),
                    labels: labels.split(' ').map(str::to_string).collect(),
                    bed_type,
                },
                admin,
                now,
            )
            .await
            .map_err(err)?;
            first_beds.extend(beds);
        }
    }
    // Room 101: A admitted, B being cleaned; room 102 C blocked.
    let admitted_at = now - Duration::days(2);
    let (admission, _) = app::beds::service::admit(
        txn,
        cipher,
        NewAdmission {
            patient_id: PatientId(admitted),
            source: AdmissionSource::Emergency,
            diagnosis: "J18.9".into(),
            expected_days: 5,
            bed_id: first_beds[0].id.into(),
            note: Some("Fever and cough for five days; oxygen saturation 91 % on arrival.".into()),
        },
        doctor,
        admitted_at,
    )
    .await
    .map_err(err)?;
    app::beds::service::charge_nights(txn, &admission, tz, now)
        .await
        .map_err(err)?;
    // A bed whose patient left an hour ago, not yet cleaned.
    mark_cleaning(txn, first_beds[1].id, nurse).await?;
    app::beds::service::set_status(
        txn,
        first_beds[4].id.into(),
        BedStatus::Blocked,
        Some("Call bell broken; repair ordered".into()),
        nurse,
        now,
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// A bed whose patient left: the status a discharge leaves.
async fn mark_cleaning(txn: &DatabaseTransaction, bed: Uuid, nurse: Uuid) -> Result<()> {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let row = app::beds::service::find_bed(txn, bed.into())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let mut row = row.into_active_model();
    row.status = Set(BedStatus::Cleaning);
    row.updated_by = Set(nurse);
    row.updated_at = Set(Utc::now() - Duration::hours(1));
    row.update(txn).await?;
    Ok(())
}

/// The emergency department's demo: its bays, the numbers and places the
/// public emergency page lists, and Sofia Rossi waiting since 40 minutes,
/// triaged at level 3 (past the level's 30-minute target, so the board
/// highlights her).
pub async fn seed_emergency(
    txn: &DatabaseTransaction,
    cipher: &app::crypto::Cipher,
    admin: Uuid,
    nurse: Uuid,
    waiting: Uuid,
) -> Result<()> {
    use shared::emergency::{EsiLevel, NewEmergencyService, NewTriage};
    let err = |e: shared::AppError| anyhow!("{e}");
    let now = Utc::now();
    for bay in [
        "Resus 1",
        "Bay 1",
        "Bay 2",
        "Bay 3",
        "Bay 4",
        "Fast track 1",
    ] {
        app::emergency::service::save_bay(txn, None, bay.into(), true, admin, now)
            .await
            .map_err(err)?;
    }
    let services = [
        NewEmergencyService {
            name: "Ambulance, fire and police".into(),
            phone: Some("112".into()),
            address: None,
            location: None,
            note: Some("Free of charge, from any phone, in every EU country.".into()),
            position: 0,
            active: true,
        },
        NewEmergencyService {
            name: "Demo Hospital emergency department".into(),
            phone: Some("+49 30 1234 5000".into()),
            address: Some("Invalidenstraße 1, 10115 Berlin".into()),
            location: Some((52.5275, 13.3795)),
            note: Some("Open day and night. Entrance from the north side.".into()),
            position: 10,
            active: true,
        },
        NewEmergencyService {
            name: "Poison information centre".into(),
            phone: Some("+49 30 19240".into()),
            address: None,
            location: None,
            note: Some("Advice day and night if someone swallowed something harmful.".into()),
            position: 20,
            active: true,
        },
    ];
    for s in services {
        app::emergency::service::save_service(txn, None, s, admin, now)
            .await
            .map_err(err)?;
    }
    let arrived = now - Duration::minutes(40);
    let visit = app::emergency::service::arrive(
        txn,
        cipher,
        waiting,
        Some("Fell from her bicycle".into()),
        None,
        nurse,
        arrived,
    )
    .await
    .map_err(err)?;
    let vitals = shared::chart::Vitals {
        heart_rate: Some(104),
        respiratory_rate: Some(20),
        temperature_c: Some(36.8),
        spo2: Some(99),
        ..Default::default()
    };
    app::emergency::service::triage(
        txn,
        cipher,
        visit,
        NewTriage {
            visit_id: shared::ids::EdVisitId(Uuid::nil()),
            level: EsiLevel::Three,
            chief_complaint: "Fall from bicycle, painful swollen left wrist".into(),
            note: Some("Pain 6/10; fingers warm, moves them.".into()),
            vitals: Some((vitals, arrived + Duration::minutes(8))),
        },
        nurse,
        arrived + Duration::minutes(8),
    )
    .await
    .map_err(err)?;
    Ok(())
}
