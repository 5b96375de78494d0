//! Prescriptions: the decision-support context of a patient, signing,
//! changing and stopping, and the lists the chart and the patient read.

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};
use shared::chart::AllergyStatus;
use shared::decision::{
    allergy_class_named, classes, needs_override, ActiveDrug, Alert, AllergyFacts, CheckContext,
    DrugFacts, DrugRule, RuleKind, Term,
};
use shared::formulary::ingredients;
use shared::ids::{DrugId, PrescriptionId};
use shared::prescribing::{
    Frequency, FrequencyKind, PrescribedDrug, PrescriptionForm, PrescriptionStatus,
    PrescriptionView, Sig, VERIFICATION_ALPHABET,
};
use shared::text::fold_name;
use shared::AppError;
use uuid::Uuid;

use crate::context::{is_unique_violation, OrInternal};
use crate::entity::{allergies, drug_rules, formulary_drugs, medications, prescriptions};
use crate::patients::care::{name_of, user_names};

/// A formulary drug as the checks see it.
pub fn facts_of(drug: &formulary_drugs::Model) -> DrugFacts {
    let d = crate::formulary::service::view(drug.clone());
    DrugFacts::of(&d.drug)
}

/// The formulary drugs that any of `texts` could name, in one query: those
/// with a word starting like the first word of one of them.
async fn candidates(
    db: &impl ConnectionTrait,
    texts: &[&str],
) -> Result<Vec<formulary_drugs::Model>, AppError> {
    let mut any = Condition::any();
    let mut words = 0;
    for t in texts {
        if let Some(first) = fold_name(t).split_whitespace().next() {
            any = any.add(formulary_drugs::Column::SearchText.like(format!("% {first}%")));
            words += 1;
        }
    }
    if words == 0 {
        return Ok(Vec::new());
    }
    formulary_drugs::Entity::find()
        .filter(any)
        .all(db)
        .await
        .or_internal()
}

/// The drugs of `candidates` whose generic name, an ingredient or a brand is
/// the start of `text` (folded): "Metformin 500 mg twice daily" is
/// metformin; "Augmentin" is amoxicillin / clavulanate when the pharmacy
/// gave it that brand.
fn drugs_named<'a>(
    candidates: &'a [formulary_drugs::Model],
    text: &str,
) -> Vec<&'a formulary_drugs::Model> {
    let folded = fold_name(text);
    let starts = |name: &str| {
        let n = fold_name(name);
        !n.is_empty() && (folded == n || folded.starts_with(&format!("{n} ")))
    };
    candidates
        .iter()
        .filter(|d| {
            starts(&d.generic_name)
                || ingredients(&d.generic_name).iter().any(|i| starts(i))
                || shared::formulary::brand_names(&d.brand_names)
                    .iter()
                    .any(|b| starts(b))
        })
        .collect()
}

/// What an allergy's typed substance names: a class ("penicillins", "sulfa
/// drugs"), or drugs of the formulary by ingredient or brand, with their
/// classes. A combination's other ingredients are not the allergen.
fn allergy_facts(candidates: &[formulary_drugs::Model], a: &allergies::Model) -> AllergyFacts {
    let folded = fold_name(&a.substance);
    let mut facts = AllergyFacts {
        substance: a.substance.clone(),
        severity: a.severity,
        ingredients: Vec::new(),
        drug_classes: Vec::new(),
        allergy_classes: Vec::new(),
    };
    if let Some(class) = allergy_class_named(&folded) {
        facts.allergy_classes.push(class.to_string());
        return facts;
    }
    for d in drugs_named(candidates, &a.substance) {
        let parts = ingredients(&d.generic_name);
        let named: Vec<String> = if parts.len() > 1 {
            parts
                .iter()
                .filter(|i| folded.starts_with(&fold_name(i)))
                .map(|i| i.to_string())
                .collect()
        } else {
            parts.iter().map(|i| i.to_string()).collect()
        };
        let brand = named.is_empty();
        // A brand names the whole product; an ingredient only itself.
        let names = if brand {
            parts.iter().map(|i| i.to_string()).collect()
        } else {
            named
        };
        for i in names {
            if !facts.ingredients.contains(&i) {
                facts.ingredients.push(i);
            }
        }
        if !d.allergy_class.is_empty() && !facts.allergy_classes.contains(&d.allergy_class) {
            facts.allergy_classes.push(d.allergy_class.clone());
        }
        if parts.len() == 1 || brand {
            for c in classes(&d.drug_class) {
                if !facts.drug_classes.contains(&c) {
                    facts.drug_classes.push(c);
                }
            }
        }
    }
    facts
}

pub fn rule_of(r: drug_rules::Model) -> DrugRule {
    DrugRule {
        id: r.id.into(),
        kind: r.kind,
        a: Term::new(r.a_kind, &r.a_value),
        b: Term::new(r.b_kind, &r.b_value),
        severity: r.severity,
        text: r.description,
        source: r.source,
        local: r.local,
    }
}

/// Active prescriptions of a patient, newest first.
pub async fn active_prescriptions(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<prescriptions::Model>, AppError> {
    prescriptions::Entity::find()
        .filter(prescriptions::Column::PatientId.eq(patient_id))
        .filter(prescriptions::Column::Status.eq(PrescriptionStatus::Active))
        .order_by_desc(prescriptions::Column::SignedAt)
        .all(db)
        .await
        .or_internal()
}

/// What the checks know about the patient: active allergies, active
/// prescriptions and the active medications they reported, and the rules
/// that concern them.
pub async fn check_context(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<CheckContext, AppError> {
    let allergy_rows = allergies::Entity::find()
        .filter(allergies::Column::PatientId.eq(patient_id))
        .filter(allergies::Column::Status.eq(AllergyStatus::Active))
        .all(db)
        .await
        .or_internal()?;
    let active = active_prescriptions(db, patient_id).await?;
    let drug_ids: Vec<Uuid> = active.iter().map(|p| p.drug_id).collect();
    let drugs = crate::formulary::service::by_ids(db, drug_ids).await?;
    let reported = medications::Entity::find()
        .filter(medications::Column::PatientId.eq(patient_id))
        .filter(medications::Column::Status.eq(shared::chart::MedicationStatus::Active))
        .all(db)
        .await
        .or_internal()?;
    let texts: Vec<&str> = allergy_rows
        .iter()
        .map(|a| a.substance.as_str())
        .chain(reported.iter().map(|m| m.name.as_str()))
        .collect();
    let candidates = candidates(db, &texts).await?;
    let mut ctx = CheckContext {
        allergies: allergy_rows
            .iter()
            .map(|a| allergy_facts(&candidates, a))
            .collect(),
        ..Default::default()
    };
    for p in &active {
        if let Some(d) = drugs.get(&p.drug_id) {
            ctx.active.push(ActiveDrug {
                prescription: Some(p.id.into()),
                facts: facts_of(d),
            });
        }
    }
    for m in reported {
        if let Some(d) = drugs_named(&candidates, &m.name).first() {
            ctx.active.push(ActiveDrug {
                prescription: None,
                facts: DrugFacts {
                    name: m.name.clone(),
                    ..facts_of(d)
                },
            });
        }
    }
    // Only the rules that can fire: allergy rules whose first side names one
    // of the allergies, interaction rules with a side naming an active drug.
    let terms = |f: &DrugFacts| {
        let mut t: Vec<String> = f.ingredients.iter().chain(&f.classes).cloned().collect();
        t.extend(f.allergy_class.clone());
        t
    };
    let allergy_terms: Vec<String> = ctx
        .allergies
        .iter()
        .flat_map(|a| {
            a.ingredients
                .iter()
                .chain(&a.drug_classes)
                .chain(&a.allergy_classes)
        })
        .cloned()
        .collect();
    let drug_terms: Vec<String> = ctx.active.iter().flat_map(|d| terms(&d.facts)).collect();
    let rules = drug_rules::Entity::find()
        .filter(drug_rules::Column::RetiredAt.is_null())
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(drug_rules::Column::Kind.eq(RuleKind::Allergy))
                        .add(drug_rules::Column::AValue.is_in(allergy_terms)),
                )
                .add(
                    Condition::all()
                        .add(drug_rules::Column::Kind.eq(RuleKind::Interaction))
                        .add(
                            Condition::any()
                                .add(drug_rules::Column::AValue.is_in(drug_terms.clone()))
                                .add(drug_rules::Column::BValue.is_in(drug_terms)),
                        ),
                ),
        )
        .all(db)
        .await
        .or_internal()?;
    ctx.rules = rules
        .into_iter()
        .map(rule_of)
        .filter(|r| ctx.keep(r))
        .collect();
    Ok(ctx)
}

fn verification_code() -> String {
    let mut rng = rand::rngs::OsRng;
    (0..10)
        .map(|_| VERIFICATION_ALPHABET[rng.gen_range(0..VERIFICATION_ALPHABET.len())] as char)
        .collect()
}

/// What signing needs besides the form.
pub struct Signing<'a> {
    pub patient_id: Uuid,
    pub encounter_id: Option<Uuid>,
    pub drug_id: DrugId,
    pub form: &'a PrescriptionForm,
    pub override_reason: &'a str,
    pub prescriber_id: Uuid,
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
    /// The active prescription a change replaces.
    pub replaces: Option<prescriptions::Model>,
}

/// Checks and signs a prescription. Major and contraindicated alerts need
/// `override_reason`; without it, the answer is a field error on it and
/// nothing is saved.
pub async fn sign(
    db: &impl ConnectionTrait,
    s: Signing<'_>,
) -> Result<(prescriptions::Model, Vec<Alert>), AppError> {
    let drug_row = crate::formulary::service::find(db, s.drug_id).await?;
    let drug = crate::formulary::service::view(drug_row.clone());
    let unchanged_drug = s
        .replaces
        .as_ref()
        .is_some_and(|r| r.drug_id == drug_row.id);
    if drug.retired && !unchanged_drug {
        return Err(AppError::field(
            "drug",
            "This drug has been retired from the formulary: choose another.",
        ));
    }
    let sig = s.form.parse(&PrescribedDrug::of(&drug.drug), s.today)?;
    let ctx = check_context(db, s.patient_id).await?;
    let replacing = s.replaces.as_ref().map(|r| PrescriptionId::from(r.id));
    let alerts = shared::prescribing::alerts_for(&ctx, &drug.drug, Some(&sig), replacing);
    let reason = shared::validate::bounded_text(s.override_reason, 500, "reason")
        .map_err(|m| AppError::field("override_reason", m))?;
    let override_reason = if needs_override(&alerts) {
        if reason.chars().count() < 5 {
            return Err(AppError::field(
                "override_reason",
                "A major or contraindicated alert needs the reason you prescribe anyway.",
            ));
        }
        Some(reason)
    } else {
        None
    };
    if let Some(old) = &s.replaces {
        let mut row = old.clone().into_active_model();
        row.status = Set(PrescriptionStatus::Changed);
        row.ended_at = Set(Some(s.now));
        row.ended_by = Set(Some(s.prescriber_id));
        row.end_reason = Set(Some("Changed".into()));
        row.updated_at = Set(s.now);
        row.update(db).await.or_internal()?;
    }
    let (frequency_value, as_needed_for) = match &sig.frequency {
        Frequency::AsNeeded {
            reason,
            max_per_day,
        } => (Some(i16::from(*max_per_day)), Some(reason.clone())),
        f => (f.value().map(i16::from), None),
    };
    let alerts_json = serde_json::to_string(&alerts).or_internal()?;
    for _ in 0..5 {
        let row = prescriptions::ActiveModel {
            id: Set(Uuid::new_v4()),
            patient_id: Set(s.patient_id),
            encounter_id: Set(s.encounter_id),
            drug_id: Set(drug_row.id),
            drug_label: Set(drug.label()),
            dose_milli: Set(sig.dose_milli as i32),
            dose_unit: Set(sig.dose_unit),
            route: Set(sig.route.clone()),
            frequency: Set(sig.frequency.kind()),
            frequency_value: Set(frequency_value),
            as_needed_for: Set(as_needed_for.clone()),
            start_date: Set(sig.start_date),
            duration_days: Set(sig.duration_days as i32),
            quantity: Set(sig.quantity as i32),
            quantity_unit: Set(sig.quantity_unit.clone()),
            refills: Set(i16::from(sig.refills)),
            refills_used: Set(0),
            instructions: Set(sig.instructions.clone()),
            status: Set(PrescriptionStatus::Active),
            prescriber_id: Set(s.prescriber_id),
            signed_at: Set(s.now),
            verification_code: Set(verification_code()),
            alerts: Set(alerts_json.clone()),
            override_reason: Set(override_reason.clone()),
            ended_at: Set(None),
            ended_by: Set(None),
            end_reason: Set(None),
            replaces_id: Set(replacing.map(Into::into)),
            updated_at: Set(s.now),
            fill_status: Set(shared::pharmacy::FillStatus::New),
            dispensed_quantity: Set(0),
        };
        match row.insert(db).await {
            Ok(m) => return Ok((m, alerts)),
            // 32^10 codes: a clash is rare, and another draw settles it.
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(crate::context::internal(e)),
        }
    }
    Err(AppError::Internal)
}

/// A prescription of the patient.
pub async fn find(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    id: PrescriptionId,
) -> Result<prescriptions::Model, AppError> {
    prescriptions::Entity::find_by_id(id.uuid())
        .filter(prescriptions::Column::PatientId.eq(patient_id))
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The prescription".into()))
}

/// An active prescription, or a conflict saying what it is now.
pub fn require_active(p: &prescriptions::Model) -> Result<(), AppError> {
    if p.status == PrescriptionStatus::Active {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "This prescription is {} already.",
            p.status.label().to_lowercase()
        )))
    }
}

/// Stops an active prescription, with the reason.
pub async fn stop(
    db: &impl ConnectionTrait,
    p: prescriptions::Model,
    reason: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<prescriptions::Model, AppError> {
    require_active(&p)?;
    let reason = shared::validate::bounded_text(reason, 500, "reason")
        .map_err(|m| AppError::field("reason", m))?;
    if reason.is_empty() {
        return Err(AppError::field("reason", "Say why it is stopped."));
    }
    let mut row = p.into_active_model();
    row.status = Set(PrescriptionStatus::Stopped);
    row.ended_at = Set(Some(now));
    row.ended_by = Set(Some(by));
    row.end_reason = Set(Some(reason));
    row.updated_at = Set(now);
    row.update(db).await.or_internal()
}

/// The sig a row holds.
pub fn sig_of(p: &prescriptions::Model) -> Sig {
    let value = p.frequency_value.unwrap_or(1).clamp(1, 48) as u8;
    let frequency = match p.frequency {
        FrequencyKind::TimesDaily => Frequency::TimesDaily(value),
        FrequencyKind::EveryHours => Frequency::EveryHours(value),
        FrequencyKind::Morning => Frequency::Morning,
        FrequencyKind::Night => Frequency::Night,
        FrequencyKind::Once => Frequency::Once,
        FrequencyKind::AsNeeded => Frequency::AsNeeded {
            reason: p.as_needed_for.clone().unwrap_or_default(),
            max_per_day: value,
        },
    };
    Sig {
        dose_milli: p.dose_milli.max(0) as u32,
        dose_unit: p.dose_unit,
        route: p.route.clone(),
        frequency,
        start_date: p.start_date,
        duration_days: p.duration_days.max(0) as u32,
        quantity: p.quantity.max(0) as u32,
        quantity_unit: p.quantity_unit.clone(),
        refills: p.refills.clamp(0, 255) as u8,
        instructions: p.instructions.clone(),
    }
}

/// Rows as the views the chart, the pharmacy and the patient read.
pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<prescriptions::Model>,
) -> Result<Vec<PrescriptionView>, AppError> {
    let names = user_names(db, rows.iter().map(|p| p.prescriber_id)).await?;
    rows.into_iter()
        .map(|p| {
            Ok(PrescriptionView {
                id: p.id.into(),
                patient_id: p.patient_id.into(),
                encounter_id: p.encounter_id.map(Into::into),
                drug_id: p.drug_id.into(),
                sig: sig_of(&p),
                drug_label: p.drug_label,
                status: p.status,
                refills_used: p.refills_used.clamp(0, 255) as u8,
                prescriber: name_of(&names, p.prescriber_id),
                signed_at: p.signed_at,
                verification_code: p.verification_code,
                alerts: serde_json::from_str(&p.alerts).or_internal()?,
                override_reason: p.override_reason,
                ended_at: p.ended_at,
                end_reason: p.end_reason,
                replaces: p.replaces_id.map(Into::into),
            })
        })
        .collect()
}

/// Every prescription of a patient: active ones first, then the others,
/// newest first.
pub async fn for_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<PrescriptionView>, AppError> {
    let mut rows = prescriptions::Entity::find()
        .filter(prescriptions::Column::PatientId.eq(patient_id))
        .order_by_desc(prescriptions::Column::SignedAt)
        .order_by_desc(prescriptions::Column::Id)
        .all(db)
        .await
        .or_internal()?;
    rows.sort_by_key(|p| p.status != PrescriptionStatus::Active);
    views(db, rows).await
}

/// The prescription a verification code names.
pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<prescriptions::Model>, AppError> {
    let Some(code) = shared::prescribing::canonical_verification_code(code) else {
        return Ok(None);
    };
    prescriptions::Entity::find()
        .filter(prescriptions::Column::VerificationCode.eq(code))
        .one(db)
        .await
        .or_internal()
}

/// The active prescriptions as the chart's medication list shows them
/// (beside the medications the patient reported), newest first.
pub async fn medication_list(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<shared::chart::MedicationView>, AppError> {
    let rows = active_prescriptions(db, patient_id).await?;
    let names = user_names(db, rows.iter().map(|p| p.prescriber_id)).await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let sig = sig_of(&p);
            shared::chart::MedicationView {
                id: p.id,
                dose: Some(sig.dose_unit.count(sig.dose_milli)),
                route: Some(sig.route.clone()),
                frequency: Some(sig.frequency.describe()),
                status: shared::chart::MedicationStatus::Active,
                started_on: Some(sig.start_date),
                source: format!("Prescribed by {}", name_of(&names, p.prescriber_id)),
                name: p.drug_label,
            }
        })
        .collect())
}
