//! The emergency department: visits from arrival to disposition, triage by
//! the Emergency Severity Index with its history, bays, the tracking board's
//! order, and the emergency numbers and places the patient portal shows.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::chart::{Vitals, VitalsForm};
use crate::error::FieldErrors;
use crate::ids::{AdmissionId, EdBayId, EdVisitId, EmergencyServiceId, PatientId, UserId};
use crate::time::HospitalTime;
use crate::validate::{bounded_text, required_text};
use crate::AppError;

crate::coded!(
    /// The Emergency Severity Index: 1 needs life-saving care now, 5 needs
    /// no resources. Stored as the digit.
    EsiLevel {
        One = "1", "1 — Resuscitation";
        Two = "2", "2 — Emergent";
        Three = "3", "3 — Urgent";
        Four = "4", "4 — Less urgent";
        Five = "5", "5 — Non-urgent";
    } "Choose the triage level (ESI 1–5)."
);

impl EsiLevel {
    /// The longest a patient of this level should wait from arrival to
    /// being seen by a clinician, in minutes (the department's usual
    /// targets: at once, 10 minutes, 30, 60, 120).
    pub fn target_minutes(self) -> i64 {
        match self {
            EsiLevel::One => 0,
            EsiLevel::Two => 10,
            EsiLevel::Three => 30,
            EsiLevel::Four => 60,
            EsiLevel::Five => 120,
        }
    }

    /// 1 to 5.
    pub fn number(self) -> u8 {
        match self {
            EsiLevel::One => 1,
            EsiLevel::Two => 2,
            EsiLevel::Three => 3,
            EsiLevel::Four => 4,
            EsiLevel::Five => 5,
        }
    }

    /// The class a board colours it with (the number is always shown too).
    pub fn css(self) -> &'static str {
        match self {
            EsiLevel::One => "esi esi--1",
            EsiLevel::Two => "esi esi--2",
            EsiLevel::Three => "esi esi--3",
            EsiLevel::Four => "esi esi--4",
            EsiLevel::Five => "esi esi--5",
        }
    }
}

/// An arrival is triaged within this many minutes.
pub const TRIAGE_TARGET_MINUTES: i64 = 10;

/// The longest wait to a clinician for a visit triaged at `level`; not yet
/// triaged (`None`): the triage target.
pub fn target_minutes(level: Option<EsiLevel>) -> i64 {
    level
        .map(EsiLevel::target_minutes)
        .unwrap_or(TRIAGE_TARGET_MINUTES)
}

crate::coded!(
    /// How a visit to the emergency department ended.
    EdDisposition {
        Admitted = "admitted", "Admitted";
        Home = "home", "Discharged home";
        Transferred = "transferred", "Transferred to another hospital";
        LeftWithoutBeingSeen = "left_unseen", "Left without being seen";
    } "Choose how the visit ends."
);

/// A patient arriving at the department whose record exists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArrivalForm {
    pub patient_id: Option<PatientId>,
    /// What the patient or the ambulance crew says brings them.
    pub chief_complaint: String,
}

impl ArrivalForm {
    pub fn parse(&self) -> Result<(PatientId, Option<String>), AppError> {
        let mut e = FieldErrors::new();
        let patient = e.check(
            "patient_id",
            self.patient_id.ok_or("Choose the patient.".to_string()),
        );
        let complaint = e.check(
            "chief_complaint",
            bounded_text(&self.chief_complaint, 200, "chief complaint"),
        );
        e.finish()?;
        Ok((
            patient.ok_or(AppError::Internal)?,
            complaint.filter(|c| !c.is_empty()),
        ))
    }
}

/// A triage (or a re-triage) as the nurse records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TriageForm {
    pub visit_id: Option<EdVisitId>,
    pub level: String,
    pub chief_complaint: String,
    pub note: String,
    pub vitals: VitalsForm,
}

/// A checked triage.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTriage {
    pub visit_id: EdVisitId,
    pub level: EsiLevel,
    pub chief_complaint: String,
    pub note: Option<String>,
    /// Vital signs and when they were measured; only level 1 (resuscitation
    /// comes first) may go without.
    pub vitals: Option<(Vitals, DateTime<Utc>)>,
}

impl TriageForm {
    pub fn parse(&self, at: &impl HospitalTime) -> Result<NewTriage, AppError> {
        let mut e = FieldErrors::new();
        let visit = e.check(
            "visit_id",
            self.visit_id.ok_or("Choose the visit.".to_string()),
        );
        let level = e.check("level", EsiLevel::parse(&self.level));
        let complaint = e.check(
            "chief_complaint",
            required_text(
                &self.chief_complaint,
                200,
                "chief complaint",
                "Enter the chief complaint, e.g. chest pain since an hour.",
            ),
        );
        let note = e.check("note", bounded_text(&self.note, 1000, "note"));
        let blank = VitalsForm {
            recorded_at: self.vitals.recorded_at.clone(),
            encounter_id: self.vitals.encounter_id,
            ..Default::default()
        };
        let vitals = if self.vitals == blank && level == Some(EsiLevel::One) {
            None
        } else {
            match self.vitals.parse(at) {
                Ok(v) => Some(v),
                Err(AppError::Validation(fields)) => {
                    for f in fields {
                        e.push(&f.field, f.message);
                    }
                    None
                }
                Err(other) => return Err(other),
            }
        };
        e.finish()?;
        Ok(NewTriage {
            visit_id: visit.ok_or(AppError::Internal)?,
            level: level.ok_or(AppError::Internal)?,
            chief_complaint: complaint.ok_or(AppError::Internal)?,
            note: note.filter(|n| !n.is_empty()),
            vitals,
        })
    }
}

/// A bay and the responsible clinician, as the nurse in charge assigns
/// them (either may be left empty).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssignForm {
    pub visit_id: Option<EdVisitId>,
    pub bay_id: Option<EdBayId>,
    pub clinician_id: Option<UserId>,
}

/// How a visit ends, other than by admission (which the admission form
/// records, and which closes the visit itself).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DispositionForm {
    pub visit_id: Option<EdVisitId>,
    pub disposition: String,
    /// The other hospital, for a transfer.
    pub destination: String,
    pub note: String,
}

/// A checked disposition.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDisposition {
    pub visit_id: EdVisitId,
    pub disposition: EdDisposition,
    pub destination: Option<String>,
    pub note: Option<String>,
}

impl DispositionForm {
    pub fn parse(&self) -> Result<NewDisposition, AppError> {
        let mut e = FieldErrors::new();
        let visit = e.check(
            "visit_id",
            self.visit_id.ok_or("Choose the visit.".to_string()),
        );
        let disposition = e.check(
            "disposition",
            EdDisposition::parse(&self.disposition).and_then(|d| {
                if d == EdDisposition::Admitted {
                    Err("Admit the patient with the admission form (Admit).".to_string())
                } else {
                    Ok(d)
                }
            }),
        );
        let destination = e.check(
            "destination",
            bounded_text(&self.destination, 200, "destination"),
        );
        if disposition == Some(EdDisposition::Transferred)
            && destination.as_deref().is_some_and(str::is_empty)
        {
            e.push("destination", "Name the hospital the patient goes to.");
        }
        let note = e.check("note", bounded_text(&self.note, 1000, "note"));
        e.finish()?;
        let disposition = disposition.ok_or(AppError::Internal)?;
        Ok(NewDisposition {
            visit_id: visit.ok_or(AppError::Internal)?,
            disposition,
            destination: destination
                .filter(|d| !d.is_empty() && disposition == EdDisposition::Transferred),
            note: note.filter(|n| !n.is_empty()),
        })
    }
}

/// A bay as the administrator names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BayForm {
    pub id: Option<EdBayId>,
    pub name: String,
    pub active: bool,
}

impl BayForm {
    pub fn parse(&self) -> Result<String, AppError> {
        let mut e = FieldErrors::new();
        let name = e.check(
            "name",
            required_text(&self.name, 40, "name", "Name the bay, e.g. Resus 1."),
        );
        e.finish()?;
        name.ok_or(AppError::Internal)
    }
}

/// A bay, with the patient in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BayView {
    pub id: EdBayId,
    pub name: String,
    pub active: bool,
    /// The open visit in the bay.
    pub visit_id: Option<EdVisitId>,
}

/// One patient on the tracking board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdVisitRow {
    pub id: EdVisitId,
    pub patient_id: PatientId,
    pub name: String,
    pub mrn: String,
    /// A fast-tracked record whose identity is not known yet.
    pub temporary: bool,
    pub arrived_at: DateTime<Utc>,
    pub level: Option<EsiLevel>,
    pub chief_complaint: Option<String>,
    pub bay: Option<String>,
    pub clinician: Option<String>,
    /// When a clinician took the patient on.
    pub seen_at: Option<DateTime<Utc>>,
    pub disposition: Option<EdDisposition>,
    pub closed_at: Option<DateTime<Utc>>,
    pub admission_id: Option<AdmissionId>,
    pub destination: Option<String>,
}

impl EdVisitRow {
    /// Minutes from arrival until seen (or until `now`, still waiting).
    pub fn waited_minutes(&self, now: DateTime<Utc>) -> i64 {
        let until = self.seen_at.or(self.closed_at).unwrap_or(now);
        (until - self.arrived_at).num_minutes().max(0)
    }

    /// Still waiting longer than the level allows (an untriaged arrival:
    /// longer than the triage target).
    pub fn over_target(&self, now: DateTime<Utc>) -> bool {
        if self.seen_at.is_some() || self.closed_at.is_some() {
            return false;
        }
        self.waited_minutes(now) > target_minutes(self.level)
    }
}

/// The queue's order: arrivals awaiting triage first (anyone may be a
/// level 1), then by level, then whoever has waited longest.
pub fn queue_order(a: &EdVisitRow, b: &EdVisitRow) -> Ordering {
    let key = |v: &EdVisitRow| (v.level.map(EsiLevel::number).unwrap_or(0), v.arrived_at);
    key(a)
        .cmp(&key(b))
        .then_with(|| a.id.uuid().cmp(&b.id.uuid()))
}

/// The tracking board: everyone in the department, waiting (in queue
/// order) and being seen, and those who left lately with their disposition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdBoard {
    pub waiting: Vec<EdVisitRow>,
    pub being_seen: Vec<EdVisitRow>,
    /// Visits ended in the last [`LEFT_LATELY_HOURS`], newest first.
    pub left: Vec<EdVisitRow>,
    pub as_of: DateTime<Utc>,
}

/// How long a visit that ended stays on the board, with its disposition.
pub const LEFT_LATELY_HOURS: i64 = 12;

/// One triage of a visit: the history is kept, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriageView {
    pub level: EsiLevel,
    pub chief_complaint: String,
    pub note: Option<String>,
    /// "BP 120/80 · HR 88 · SpO2 97%".
    pub vitals: Option<String>,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A visit, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdVisitView {
    pub row: EdVisitRow,
    pub bay_id: Option<EdBayId>,
    pub clinician_id: Option<UserId>,
    pub note: Option<String>,
    pub triages: Vec<TriageView>,
}

/// Vital signs in one line, as a triage shows them.
pub fn vitals_line(v: &Vitals) -> String {
    let mut parts = Vec::new();
    if let (Some(s), Some(d)) = (v.systolic, v.diastolic) {
        parts.push(format!("BP {s}/{d}"));
    }
    if let Some(h) = v.heart_rate {
        parts.push(format!("HR {h}"));
    }
    if let Some(r) = v.respiratory_rate {
        parts.push(format!("RR {r}"));
    }
    if let Some(t) = v.temperature_c {
        parts.push(format!("T {t:.1} °C"));
    }
    if let Some(s) = v.spo2 {
        parts.push(format!("SpO2 {s}%"));
    }
    parts.join(" · ")
}

/// An emergency number or a place to go, as the administrator keeps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmergencyServiceForm {
    pub id: Option<EmergencyServiceId>,
    pub name: String,
    pub phone: String,
    pub address: String,
    /// Decimal degrees, e.g. "52.3702" and "4.8952"; blank: the map link
    /// searches the address.
    pub latitude: String,
    pub longitude: String,
    pub note: String,
    /// Lower first.
    pub position: String,
    pub active: bool,
}

/// A checked emergency service.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEmergencyService {
    pub name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub location: Option<(f64, f64)>,
    pub note: Option<String>,
    pub position: i32,
    pub active: bool,
}

fn degrees(input: &str, limit: f64, what: &str) -> Result<Option<f64>, String> {
    let s = input.trim().replace(',', ".");
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(Some(v)),
        _ => Err(format!(
            "Enter the {what} in decimal degrees, between -{limit} and {limit}."
        )),
    }
}

impl EmergencyServiceForm {
    pub fn parse(&self) -> Result<NewEmergencyService, AppError> {
        let mut e = FieldErrors::new();
        let name = e.check(
            "name",
            required_text(
                &self.name,
                120,
                "name",
                "Name it, e.g. Ambulance, or City Hospital emergency department.",
            ),
        );
        let phone = e.check(
            "phone",
            bounded_text(&self.phone, 30, "phone number").and_then(|p| {
                if p.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
                    Ok(p)
                } else {
                    Err("A phone number has digits, spaces, +, - and brackets only.".to_string())
                }
            }),
        );
        let address = e.check("address", bounded_text(&self.address, 300, "address"));
        let lat = e.check("latitude", degrees(&self.latitude, 90.0, "latitude"));
        let lon = e.check("longitude", degrees(&self.longitude, 180.0, "longitude"));
        let location = match (lat.flatten(), lon.flatten()) {
            (Some(a), Some(o)) => Some((a, o)),
            (None, None) => None,
            (None, Some(_)) => {
                e.push("latitude", "Enter both coordinates, or neither.");
                None
            }
            (Some(_), None) => {
                e.push("longitude", "Enter both coordinates, or neither.");
                None
            }
        };
        let note = e.check("note", bounded_text(&self.note, 300, "note"));
        let position = e.check(
            "position",
            if self.position.trim().is_empty() {
                Ok(0)
            } else {
                self.position
                    .trim()
                    .parse::<i32>()
                    .ok()
                    .filter(|p| (0..=999).contains(p))
                    .ok_or_else(|| "Enter the place in the list, 0 to 999.".to_string())
            },
        );
        if phone.as_deref().is_some_and(str::is_empty)
            && address.as_deref().is_some_and(str::is_empty)
        {
            e.push("phone", "Enter a phone number, an address or both.");
        }
        e.finish()?;
        Ok(NewEmergencyService {
            name: name.ok_or(AppError::Internal)?,
            phone: phone.filter(|p| !p.is_empty()),
            address: address.filter(|a| !a.is_empty()),
            location,
            note: note.filter(|n| !n.is_empty()),
            position: position.ok_or(AppError::Internal)?,
            active: self.active,
        })
    }
}

/// An emergency number or place, as the patient's page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmergencyServiceView {
    pub id: EmergencyServiceId,
    pub name: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub location: Option<(f64, f64)>,
    pub note: Option<String>,
    pub position: i32,
    pub active: bool,
}

impl EmergencyServiceView {
    /// `tel:` of the phone number, without its spaces and brackets.
    pub fn tel(&self) -> Option<String> {
        self.phone.as_ref().map(|p| {
            let digits: String = p
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            format!("tel:{digits}")
        })
    }

    /// A link to the place on OpenStreetMap: its coordinates, or a search
    /// for its address.
    pub fn map_link(&self) -> Option<String> {
        if let Some((lat, lon)) = self.location {
            return Some(format!(
                "https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lon:.5}#map=17/{lat:.5}/{lon:.5}"
            ));
        }
        self.address.as_ref().map(|a| {
            let query: String = a
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    b' ' => "+".to_string(),
                    other => format!("%{other:02X}"),
                })
                .collect();
            format!("https://www.openstreetmap.org/search?query={query}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn row(level: Option<EsiLevel>, minute: u32) -> EdVisitRow {
        EdVisitRow {
            id: EdVisitId(uuid::Uuid::new_v4()),
            patient_id: PatientId(uuid::Uuid::nil()),
            name: String::new(),
            mrn: String::new(),
            temporary: false,
            arrived_at: Utc.with_ymd_and_hms(2026, 12, 5, 10, minute, 0).unwrap(),
            level,
            chief_complaint: None,
            bay: None,
            clinician: None,
            seen_at: None,
            disposition: None,
            closed_at: None,
            admission_id: None,
            destination: None,
        }
    }

    #[test]
    fn the_queue_is_untriaged_then_by_level_then_by_wait() {
        let mut q = [
            row(Some(EsiLevel::Three), 1),
            row(Some(EsiLevel::Two), 30),
            row(None, 40),
            row(Some(EsiLevel::Three), 0),
            row(Some(EsiLevel::Five), 0),
            row(None, 20),
        ];
        q.sort_by(queue_order);
        let got: Vec<(Option<u8>, u32)> = q
            .iter()
            .map(|r| {
                (
                    r.level.map(EsiLevel::number),
                    chrono::Timelike::minute(&r.arrived_at),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (None, 20),
                (None, 40),
                (Some(2), 30),
                (Some(3), 0),
                (Some(3), 1),
                (Some(5), 0)
            ]
        );
    }

    #[test]
    fn waits_beyond_the_levels_target_are_flagged() {
        let r = row(Some(EsiLevel::Two), 0);
        let at = |m| Utc.with_ymd_and_hms(2026, 12, 5, 10, m, 0).unwrap();
        assert!(!r.over_target(at(10)));
        assert!(r.over_target(at(11)));
        assert_eq!(r.waited_minutes(at(11)), 11);
        let untriaged = row(None, 0);
        assert!(untriaged.over_target(at(11)));
        let seen = EdVisitRow {
            seen_at: Some(at(5)),
            ..row(Some(EsiLevel::One), 0)
        };
        assert!(!seen.over_target(at(59)));
        assert_eq!(seen.waited_minutes(at(59)), 5);
    }

    #[test]
    fn triage_needs_vitals_except_at_level_one() {
        struct Now;
        impl HospitalTime for Now {
            fn now(&self) -> DateTime<Utc> {
                Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap()
            }
            fn to_utc(&self, local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
                Some(Utc.from_utc_datetime(&local))
            }
            fn today(&self) -> chrono::NaiveDate {
                self.now().date_naive()
            }
        }
        let form = TriageForm {
            visit_id: Some(EdVisitId(uuid::Uuid::nil())),
            level: "3".into(),
            chief_complaint: "Chest pain".into(),
            ..Default::default()
        };
        assert!(form.parse(&Now).is_err());
        let one = TriageForm {
            level: "1".into(),
            ..form.clone()
        }
        .parse(&Now)
        .unwrap();
        assert_eq!(one.vitals, None);
        let mut with = form.clone();
        with.vitals.heart_rate = "400".into();
        let e = with.parse(&Now).unwrap_err();
        assert!(e.field_message("heart_rate").is_some());
        with.vitals.heart_rate = "110".into();
        let ok = with.parse(&Now).unwrap();
        assert_eq!(ok.level, EsiLevel::Three);
        assert_eq!(ok.vitals.unwrap().0.heart_rate, Some(110));
        let missing = TriageForm::default().parse(&Now).unwrap_err();
        for f in ["visit_id", "level", "chief_complaint"] {
            assert!(missing.field_message(f).is_some(), "{f}");
        }
    }

    #[test]
    fn dispositions_other_than_admission() {
        let admit = DispositionForm {
            visit_id: Some(EdVisitId(uuid::Uuid::nil())),
            disposition: "admitted".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(admit.field_message("disposition").is_some());
        let transfer = DispositionForm {
            visit_id: Some(EdVisitId(uuid::Uuid::nil())),
            disposition: "transferred".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(transfer.field_message("destination").is_some());
        let home = DispositionForm {
            visit_id: Some(EdVisitId(uuid::Uuid::nil())),
            disposition: "home".into(),
            destination: "ignored".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(home.destination, None);
    }

    #[test]
    fn emergency_services_link_to_phone_and_map() {
        let s = EmergencyServiceForm {
            name: "Ambulance".into(),
            phone: "+31 (0)20-112".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(s.phone.as_deref(), Some("+31 (0)20-112"));
        let view = EmergencyServiceView {
            id: EmergencyServiceId(uuid::Uuid::nil()),
            name: s.name,
            phone: s.phone,
            address: Some("Rue de l'Hôpital 1, Liège".into()),
            location: None,
            note: None,
            position: 0,
            active: true,
        };
        assert_eq!(view.tel().as_deref(), Some("tel:+31020112"));
        assert_eq!(
            view.map_link().as_deref(),
            Some("https://www.openstreetmap.org/search?query=Rue+de+l%27H%C3%B4pital+1%2C+Li%C3%A8ge")
        );
        let e = EmergencyServiceForm {
            name: "Nowhere".into(),
            latitude: "91".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(e.field_message("latitude").is_some());
        assert!(e.field_message("phone").is_some());
    }
}
