//! Server functions for patient records.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::ids::{PatientId, UserId};
use shared::patients::PatientProfile;
use shared::AppError;
use uuid::Uuid;

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::audit::service::AuditEvent;
    use crate::auth::guard::Caller;

    /// Reads a profile after the access check (a refusal is audited), with
    /// the event of the read.
    pub async fn read(
        caller: &Caller,
        patient_id: Uuid,
    ) -> Result<(PatientProfile, AuditEvent), AppError> {
        crate::patients::access::require_demographics(caller, patient_id, false, "patients.read")
            .await?;
        let profile = crate::patients::service::profile(&caller.ctx.db, patient_id).await?;
        let event = caller
            .event("patients.read")
            .patient(patient_id)
            .entity("patient", patient_id);
        Ok((profile, event))
    }
}

/// The signed-in patient's own registration details.
#[server(endpoint = "patients/me", input = Json)]
pub async fn my_profile() -> Result<PatientProfile, AppError> {
    use crate::auth::guard::require;

    crate::audited::read(
        || require(shared::Permission::ViewOwnRecord),
        async |caller| {
            let patient_id = caller.own_patient_id()?;
            ssr::read(caller, patient_id.into()).await
        },
    )
    .await
}
crate::access!("patients/me", AnyOf(&[ViewOwnRecord]), patient_data);

/// One patient's registration details, if the caller may see them.
#[server(endpoint = "patients/get", input = Json)]
pub async fn get_patient(patient_id: PatientId) -> Result<PatientProfile, AppError> {
    use crate::auth::guard::authenticate_active;

    crate::audited::read(authenticate_active, async |caller| {
        ssr::read(caller, patient_id.into()).await
    })
    .await
}
crate::access!(
    "patients/get",
    AnyOf(&[ViewOwnRecord, ManageDemographics, ReadCharts]),
    patient_data
);

/// The patient index search: an MRN, a national identifier, a name or part
/// of one, a phone number or a birth date. Answers one page; pass `next`
/// back for the following one.
#[server(endpoint = "patients/search", input = Json)]
pub async fn search_patients(
    query: String,
    cursor: Option<shared::patients::SearchCursor>,
) -> Result<shared::patients::PatientSearchPage, AppError> {
    use crate::audited::Outcome;
    use crate::auth::guard::require;
    use shared::patients::{PatientQuery, PatientSearchPage, PATIENT_SEARCH_PAGE};
    crate::audited::read(
        || require(shared::Permission::SearchPatients),
        async |caller| {
            let db = &caller.ctx.search_db;
            // A national identifier is matched exactly, through its blind
            // index, before anything else the text could mean.
            let identifier = shared::validate::NationalId::parse(&query).ok();
            if let (Some(identifier), None) = (&identifier, &cursor) {
                let cipher = &caller.ctx.cipher;
                let index = super::service::national_id_index(cipher, identifier.as_str());
                let hits = super::search::by_national_id(db, &index, PATIENT_SEARCH_PAGE).await?;
                if !hits.is_empty() {
                    let event = caller.event("patients.search").detail(format!(
                        "national identifier (not recorded): {} result(s)",
                        hits.len()
                    ));
                    let page = PatientSearchPage { hits, next: None };
                    return Ok(Outcome::from((page, event)));
                }
            }
            let Some(parsed) =
                PatientQuery::parse(&query).map_err(|m| AppError::field("query", m))?
            else {
                return Ok(Outcome::Nothing(PatientSearchPage {
                    hits: Vec::new(),
                    next: None,
                }));
            };
            let page =
                super::search::search(db, &parsed, cursor.as_ref(), PATIENT_SEARCH_PAGE).await?;
            // Text that could be someone's national identifier stays out of
            // the audit trail, which keeps everything for good; MRNs and
            // birth dates are recorded as typed.
            let shown = match parsed {
                PatientQuery::Mrn(_) | PatientQuery::BirthDate(_) => format!("{:?}", query.trim()),
                _ if identifier.is_some() => "number or identifier (not recorded)".to_string(),
                _ => format!("{:?}", query.trim()),
            };
            let event = caller
                .event("patients.search")
                .detail(format!("{shown}: {} result(s)", page.hits.len()));
            Ok(Outcome::from((page, event)))
        },
    )
    .await
}
crate::access!("patients/search", AnyOf(&[SearchPatients]), patient_data);

/// Registers a patient with full demographics (front desk or clinician).
/// Likely duplicates come back first, with nothing saved; `confirm_new`
/// registers anyway.
#[server(endpoint = "patients/register", input = Json)]
pub async fn register_patient_staff(
    form: shared::demographics::DemographicsForm,
    confirm_new: bool,
) -> Result<shared::demographics::RegistrationOutcome, AppError> {
    use crate::audited::Outcome;
    use crate::auth::guard::require;
    use crate::patients::service::{insert_patient, likely_duplicates, NewPatient};
    use shared::access::CareRelationshipKind;
    use shared::demographics::{PatientStatus, RegistrationOutcome};
    crate::audited::write_prepared(
        || require(shared::Permission::RegisterPatients),
        async |caller| {
            let demographics = form.parse(caller.now().date_naive())?;
            let candidates = if confirm_new {
                Vec::new()
            } else {
                likely_duplicates(&caller.ctx.db, &caller.ctx.cipher, &demographics, None).await?
            };
            Ok((demographics, candidates))
        },
        async |caller, (demographics, candidates), txn| {
            if !candidates.is_empty() {
                let warning = RegistrationOutcome::PossibleDuplicates(candidates);
                return Ok(Outcome::Nothing(warning));
            }
            let p = insert_patient(
                txn,
                &caller.ctx.cipher,
                NewPatient {
                    demographics,
                    status: PatientStatus::Active,
                    temporary_description: None,
                    arrived_at: None,
                    created_by: Some(caller.user.id.into()),
                },
            )
            .await?;
            crate::patients::access::add_relationship(
                txn,
                p.id,
                caller.user.id.into(),
                CareRelationshipKind::Registered,
                Some(caller.user.id.into()),
            )
            .await?;
            let event = caller
                .event("patients.register")
                .patient(p.id)
                .entity("patient", p.id)
                .detail(if confirm_new {
                    "registered after duplicate warning"
                } else {
                    "registered"
                });
            let mrn = crate::patients::service::hit_of(&p)?.mrn;
            let registered = RegistrationOutcome::Registered {
                id: p.id.into(),
                mrn,
            };
            Ok(Outcome::from((registered, event)))
        },
    )
    .await
}
crate::access!(
    "patients/register",
    AnyOf(&[RegisterPatients]),
    patient_data
);

/// What the emergency fast-track answers: the temporary record at once.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FastTrackResult {
    pub id: Uuid,
    pub mrn: String,
    pub display_name: String,
    pub encounter_id: Option<Uuid>,
    /// The emergency department visit the patient arrives in.
    pub visit_id: shared::ids::EdVisitId,
}

/// Registers an unknown patient in an emergency with only what is known. The
/// record is temporary until staff complete it or merge it; a clinician who
/// registers gets an emergency encounter opened for documenting care. The
/// patient lands on the emergency department's board, awaiting triage.
#[server(endpoint = "patients/fast_track", input = Json)]
pub async fn fast_track(
    form: shared::demographics::FastTrackForm,
) -> Result<FastTrackResult, AppError> {
    use crate::auth::guard::require;
    use crate::patients::service::{insert_patient, NewPatient};

    use shared::access::CareRelationshipKind;
    use shared::demographics::{ContactDetails, Demographics, PatientStatus};
    crate::audited::write(
        || require(shared::Permission::FastTrackPatients),
        async |caller, txn| {
            let ft = form.parse(caller)?;
            let (given, family) = ft.temporary_names();
            let p = insert_patient(
                txn,
                &caller.ctx.cipher,
                NewPatient {
                    demographics: Demographics {
                        given_name: given.clone(),
                        family_name: family.clone(),
                        preferred_name: None,
                        date_of_birth: ft.estimated_birth_date(),
                        birth_date_estimated: ft.approximate_age.is_some(),
                        sex: ft.sex,
                        gender_identity: None,
                        language: None,
                        national_id: None,
                        contact: ContactDetails::default(),
                    },
                    status: PatientStatus::Temporary,
                    temporary_description: Some(ft.description.clone()),
                    arrived_at: Some(ft.arrived_at),
                    created_by: Some(caller.user.id.into()),
                },
            )
            .await?;
            crate::patients::access::add_relationship(
                txn,
                p.id,
                caller.user.id.into(),
                CareRelationshipKind::Registered,
                Some(caller.user.id.into()),
            )
            .await?;
            let encounter_id = if caller.can(shared::Permission::DocumentCare) {
                Some(
                    crate::chart::service::open_encounter(
                        txn,
                        p.id,
                        caller.user.id.into(),
                        &shared::chart::NewEncounter {
                            kind: shared::chart::EncounterKind::Emergency,
                            reason: ft.description.clone(),
                            location: Some("Emergency department".into()),
                            started_at: ft.arrived_at,
                        },
                    )
                    .await?,
                )
            } else {
                None
            };
            let visit = crate::emergency::service::arrive(
                txn,
                &caller.ctx.cipher,
                p.id,
                None,
                encounter_id,
                caller.user.id.into(),
                ft.arrived_at,
            )
            .await?;
            let event = caller
                .event("patients.fast_track")
                .patient(p.id)
                .entity("patient", p.id)
                .detail(ft.description.clone());
            let registered = FastTrackResult {
                id: p.id,
                mrn: crate::patients::service::hit_of(&p)?.mrn,
                display_name: format!("{family}, {given}"),
                encounter_id,
                visit_id: shared::ids::EdVisitId(visit.id),
            };
            Ok((registered, event))
        },
    )
    .await
}
crate::access!(
    "patients/fast_track",
    AnyOf(&[FastTrackPatients]),
    patient_data
);

/// A patient's administrative record (demographics, contacts, insurance).
#[server(endpoint = "patients/details", input = Json)]
pub async fn patient_details(
    patient_id: PatientId,
) -> Result<shared::demographics::PatientDetails, AppError> {
    use crate::auth::guard::authenticate_active;

    crate::audited::read(authenticate_active, async |caller| {
        crate::patients::access::require_demographics(
            caller,
            patient_id.into(),
            false,
            "patients.read",
        )
        .await?;
        let details = crate::patients::service::details(
            &caller.ctx.db,
            &caller.ctx.cipher,
            patient_id.into(),
        )
        .await?;
        let event = caller
            .event("patients.read")
            .patient(patient_id)
            .entity("patient", patient_id);
        Ok((details, event))
    })
    .await
}
crate::access!(
    "patients/details",
    AnyOf(&[ViewOwnRecord, ManageDemographics, ReadCharts]),
    patient_data
);

/// The names of the fields that differ between two sets of demographics, for the audit trail.
#[cfg(feature = "ssr")]
fn changed_fields(
    old: &shared::demographics::Demographics,
    new: &shared::demographics::Demographics,
) -> Vec<&'static str> {
    let (o, n) = (&old.contact, &new.contact);
    [
        ("given_name", old.given_name != new.given_name),
        ("family_name", old.family_name != new.family_name),
        ("preferred_name", old.preferred_name != new.preferred_name),
        (
            "date_of_birth",
            old.date_of_birth != new.date_of_birth
                || old.birth_date_estimated != new.birth_date_estimated,
        ),
        ("sex", old.sex != new.sex),
        (
            "gender_identity",
            old.gender_identity != new.gender_identity,
        ),
        ("language", old.language != new.language),
        ("national_id", old.national_id != new.national_id),
        ("phone", o.phone != n.phone),
        ("email", o.email != n.email),
        (
            "address",
            o.address_line != n.address_line
                || o.city != n.city
                || o.postal_code != n.postal_code
                || o.country != n.country,
        ),
        (
            "consents",
            o.consent_sms != n.consent_sms
                || o.consent_email != n.consent_email
                || o.consent_research != n.consent_research
                || o.preferred_channel != n.preferred_channel,
        ),
        (
            "emergency_contacts",
            o.emergency_contacts != n.emergency_contacts,
        ),
        ("coverages", o.coverages != n.coverages),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect()
}

/// The audit detail of an update: which fields changed.
#[cfg(feature = "ssr")]
fn changes(changed: &[&str]) -> String {
    if changed.is_empty() {
        "no changes".to_string()
    } else {
        format!("changed: {}", changed.join(", "))
    }
}

/// Staff update a whole administrative record. For a temporary (emergency)
/// record, `confirm_identity` marks the identity as known.
#[server(endpoint = "patients/update", input = Json)]
pub async fn update_patient(
    patient_id: PatientId,
    form: shared::demographics::DemographicsForm,
    confirm_identity: bool,
) -> Result<shared::demographics::PatientDetails, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::patients::service;
    crate::audited::write_prepared(
        authenticate_active,
        async |caller| {
            if !caller.user.role.is_staff() {
                return Err(AppError::Forbidden);
            }
            let access = crate::patients::access::require_demographics;
            access(caller, patient_id.into(), true, "patients.update").await?;
            form.parse(caller.now().date_naive())
        },
        async |caller, new, txn| {
            let model = service::find(txn, patient_id.into()).await?;
            let old = service::details_of(txn, &caller.ctx.cipher, model.clone()).await?;
            let was_temporary = old.status == shared::demographics::PatientStatus::Temporary;
            let mut changed = changed_fields(&old.demographics, &new);
            service::update_demographics(txn, &caller.ctx.cipher, model, &new, confirm_identity)
                .await?;
            if was_temporary && confirm_identity {
                changed.push("identity confirmed");
            }
            let event = caller
                .event("patients.update")
                .patient(patient_id)
                .entity("patient", patient_id)
                .detail(changes(&changed));
            Ok((
                service::details(txn, &caller.ctx.cipher, patient_id.into()).await?,
                event,
            ))
        },
    )
    .await
}
crate::access!(
    "patients/update",
    AnyOf(&[ManageDemographics, DocumentCare]),
    patient_data
);

/// The signed-in patient's whole administrative record.
#[server(endpoint = "patients/my_details", input = Json)]
pub async fn my_details() -> Result<shared::demographics::PatientDetails, AppError> {
    use crate::auth::guard::require;

    crate::audited::read(
        || require(shared::Permission::ViewOwnRecord),
        async |caller| {
            let id = caller.own_patient_id()?;
            let details =
                crate::patients::service::details(&caller.ctx.db, &caller.ctx.cipher, id.into())
                    .await?;
            let event = caller
                .event("patients.read_own")
                .patient(id)
                .entity("patient", id);
            Ok((details, event))
        },
    )
    .await
}
crate::access!("patients/my_details", AnyOf(&[ViewOwnRecord]), patient_data);

/// The patient changes their own contact details, emergency contacts,
/// insurance and communication consents. Nothing else of the record changes.
#[server(endpoint = "patients/my_contact", input = Json)]
pub async fn update_my_contact(
    form: shared::demographics::ContactForm,
) -> Result<shared::demographics::PatientDetails, AppError> {
    use crate::auth::guard::require;
    use crate::patients::service;
    crate::audited::write(
        || require(shared::Permission::UpdateOwnContact),
        async |caller, txn| {
            let id = caller.own_patient_id()?;
            let contact = form.parse()?;
            let model = service::find(txn, id.into()).await?;
            let old = service::details_of(txn, &caller.ctx.cipher, model.clone()).await?;
            let mut new = old.demographics.clone();
            new.contact = contact.clone();
            let changed = changed_fields(&old.demographics, &new);
            service::update_contact(txn, model, &contact).await?;
            let event = caller
                .event("patients.update_own_contact")
                .patient(id)
                .entity("patient", id)
                .detail(changes(&changed));
            Ok((
                service::details(txn, &caller.ctx.cipher, id.into()).await?,
                event,
            ))
        },
    )
    .await
}
crate::access!(
    "patients/my_contact",
    AnyOf(&[UpdateOwnContact]),
    patient_data
);

/// What merging `source` into `target` would move.
#[server(endpoint = "patients/merge_preview", input = Json)]
pub async fn merge_preview(
    source: PatientId,
    target: PatientId,
) -> Result<shared::demographics::MergePreview, AppError> {
    use crate::auth::guard::require;

    crate::audited::read(
        || require(shared::Permission::MergePatients),
        async |caller| {
            let preview =
                crate::patients::merge::preview(&caller.ctx.db, source.into(), target.into())
                    .await?;
            // The preview shows both records, so both patients' trails name it.
            let events = [(source, "source"), (target, "target")]
                .map(|(patient, role)| {
                    caller
                        .event("patients.merge_preview")
                        .patient(patient)
                        .entity("patient", role)
                        .detail(format!(
                            "{} into {}",
                            preview.source.mrn, preview.target.mrn
                        ))
                })
                .to_vec();
            Ok((preview, events))
        },
    )
    .await
}
crate::access!(
    "patients/merge_preview",
    AnyOf(&[MergePatients]),
    patient_data
);

/// Merges `source` into `target`; see [`merge_preview`] first.
#[server(endpoint = "patients/merge", input = Json)]
pub async fn merge_patients(
    source: PatientId,
    target: PatientId,
) -> Result<shared::demographics::MergeResult, AppError> {
    use crate::auth::guard::require;

    let merged = crate::audited::write(
        || require(shared::Permission::MergePatients),
        async |caller, txn| {
            crate::patients::merge::merge(caller, txn, source.into(), target.into()).await
        },
    )
    .await?;
    // The moved portal account's cached sessions name the old record.
    if let Some(account) = merged.moved_account {
        crate::state::server_context()?
            .auth_cache
            .forget_user(account);
    }
    Ok(merged.result)
}
crate::access!(
    "patients/merge",
    AnyOf(&[MergePatients]),
    patient_data,
    reauth
);

/// A patient's care team.
#[server(endpoint = "patients/care_team", input = Json)]
pub async fn care_team(
    patient_id: PatientId,
) -> Result<Vec<shared::access::CareTeamMember>, AppError> {
    use crate::auth::guard::authenticate_active;

    crate::audited::read(authenticate_active, async |caller| {
        if !caller.user.role.is_staff() {
            return Err(AppError::Forbidden);
        }
        crate::patients::access::require_demographics(
            caller,
            patient_id.into(),
            false,
            "patients.care_team",
        )
        .await?;
        let team = super::care::team(&caller.ctx.db, patient_id.into()).await?;
        let event = caller
            .event("patients.care_team")
            .patient(patient_id)
            .entity("patient", patient_id)
            .detail(format!("{} member(s)", team.len()));
        Ok((team, event))
    })
    .await
}
crate::access!(
    "patients/care_team",
    AnyOf(&[ManageDemographics, ReadCharts]),
    patient_data
);

/// Clinicians who can join a care team.
#[server(endpoint = "patients/clinicians", input = Json)]
pub async fn clinicians() -> Result<Vec<shared::access::ClinicianOption>, AppError> {
    use crate::auth::guard::require;

    crate::audited::plain(
        || require(shared::Permission::AssignCareTeam),
        async |caller| super::care::clinicians(&caller.ctx.db).await,
    )
    .await
}
crate::access!(
    "patients/clinicians",
    AnyOf(&[AssignCareTeam]),
    no_patient_data
);

/// Adds a clinician to a patient's care team, which opens the chart to them.
#[server(endpoint = "patients/assign", input = Json)]
pub async fn assign_clinician(patient_id: PatientId, user_id: UserId) -> Result<(), AppError> {
    use crate::auth::guard::require;

    use crate::audited::Outcome;
    crate::audited::write_prepared(
        || require(shared::Permission::AssignCareTeam),
        async |caller| {
            let access = crate::patients::access::require_demographics;
            access(caller, patient_id.into(), true, "patients.assign").await?;
            super::care::joinable(&caller.ctx.db, user_id.into()).await
        },
        async |caller, user, txn| {
            Ok(
                match super::care::assign(caller, txn, patient_id.into(), user).await? {
                    Some(event) => Outcome::from(((), event)),
                    None => Outcome::Nothing(()),
                },
            )
        },
    )
    .await
}
crate::access!("patients/assign", AnyOf(&[AssignCareTeam]), patient_data);

/// Break-glass: time-limited access to a chart outside one's care, with a reason.
#[server(endpoint = "patients/break_glass", input = Json)]
pub async fn break_glass(
    patient_id: PatientId,
    form: shared::access::BreakGlassForm,
) -> Result<shared::access::AccessBasis, AppError> {
    use crate::auth::guard::require;

    crate::audited::write_prepared(
        || require(shared::Permission::ReadCharts),
        async |caller| {
            let reason = form.parse()?;
            crate::patients::access::live_patient(&caller.ctx.db, patient_id.into()).await?;
            Ok(reason)
        },
        async |caller, reason, txn| {
            crate::patients::access::break_glass(caller, txn, patient_id.into(), reason).await
        },
    )
    .await
}
crate::access!(
    "patients/break_glass",
    AnyOf(&[ReadCharts]),
    patient_data,
    reauth
);
