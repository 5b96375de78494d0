//! SeaORM entities, one per table. Server-only: the browser never sees a `Model`;
//! services turn them into `shared` types.

pub mod audit_events;
pub mod icd10_codes;
pub mod login_attempts;
pub mod patients;
pub mod sessions;
pub mod users;
