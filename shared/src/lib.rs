//! # Layout
//!
//! Everything here compiles both for the browser (wasm) and for the server, and
//! does no I/O. A form calls the same parse functions for inline feedback that
//! the server calls to decide.
//!
//! - [`coded`]: the one way to declare a status or kind (`coded!`), stored as a short code.
//! - [`error`]: the one `AppError` that crosses the server-function boundary.
//! - [`ids`]: identifiers as types (`PatientId`, `UserId`, `AppointmentId`, …).
//! - [`roles`]: roles, permissions and the portal each role lands in.
//! - [`validate`]: parse-don't-validate newtypes for e-mail, password, names, phone, dates.
//! - [`auth`]: accounts, sessions and the signed-in user as the UI sees them.
//! - [`audit`]: audit events, the viewer's filter and sort.
//! - [`audit_chain`]: the audit trail's hash chain: one canonical encoding (server side only).
//! - [`patients`]: MRN (with Luhn check digit) and the patient profile.
//! - [`demographics`]: registration, emergency fast-track, contact and insurance details, merges.
//! - [`emergency`]: the emergency department's visits, triage (ESI), bays and board; emergency numbers.
//! - [`access`]: care relationships and break-glass.
//! - [`chart`]: encounters, notes, vitals, problems, allergies, immunizations, histories.
//! - [`appointments`]: free slots, bookings, the doctor directory.
//! - [`schedule`]: departments, availability templates and exceptions, holidays (forms and views).
//! - [`notify`]: messages to patients: channels, consent, wording without clinical content.
//! - [`formulary`]: the drugs prescribers choose from.
//! - [`prescribing`]: prescriptions: dose, structured frequency, quantity, directions.
//! - [`pharmacy`]: the queue, stock batches, dispensing, returns and write-offs.
//! - [`decision`]: allergy, interaction, duplicate-therapy and dose alerts.
//! - [`lab`]: laboratory values as exact decimals, reference ranges by sex and age, flags.
//! - [`money`]: amounts in integer minor units of a currency, rates, invoice arithmetic.
//! - [`billing`]: prices, charges, invoices, credit notes and payments.
//! - [`care_reports`]: occupancy, admissions and discharges, length of stay, emergency waits.
//! - [`records`]: coded EHR data (ICD-10-CM).
//! - [`text`]: folding text for case- and accent-insensitive search.

pub mod access;
pub mod appointments;
pub mod audit;
#[cfg(not(target_arch = "wasm32"))]
pub mod audit_chain;
pub mod auth;
pub mod beds;
pub mod billing;
pub mod care_reports;
pub mod chart;
pub mod coded;
pub mod decision;
pub mod demographics;
pub mod emergency;
pub mod error;
pub mod formulary;
pub mod ids;
pub mod insurance;
pub mod lab;
pub mod lab_visits;
pub mod lab_work;
pub mod money;
pub mod notify;
pub mod patients;
pub mod pharmacy;
pub mod prescribing;
pub mod records;
pub mod reports;
pub mod roles;
pub mod schedule;
pub mod text;
pub mod time;
pub mod validate;

pub use error::{AppError, FieldError};
pub use roles::{Permission, Portal, Role};
