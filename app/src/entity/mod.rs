//! SeaORM entities, one per table. Server-only: the browser never sees a `Model`;
//! services turn them into `shared` types.

pub mod allergies;
pub mod appointments;
pub mod audit_events;
pub mod availability_exceptions;
pub mod availability_templates;
pub mod break_glass_grants;
pub mod care_relationships;
pub mod clinical_notes;
pub mod emergency_contacts;
pub mod encounters;
pub mod history_entries;
pub mod holidays;
pub mod icd10_codes;
pub mod immunizations;
pub mod insurance_coverages;
pub mod login_attempts;
pub mod medications;
pub mod mrn_aliases;
pub mod note_amendments;
pub mod patients;
pub mod problems;
pub mod sessions;
pub mod users;
pub mod vital_signs;
