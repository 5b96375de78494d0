//! # Layout
//!
//! The `hms` server: everything that is not UI or domain logic.
//!
//! - [`config`]: settings from flags and environment, with safe defaults for the embedded SQLite mode.
//! - [`secrets`]: session and encryption keys, generated on first run, stored 0600.
//! - [`backup`]: `hms backup` / `hms restore` of the SQLite database, and the serve lock.
//! - [`db`]: connecting to SQLite or PostgreSQL and running migrations.
//! - [`tls`]: HTTPS served by `hms` itself (rustls).
//! - [`http`]: the axum router: Leptos pages, server functions, health checks, security middleware.
//! - [`pwa`]: the service worker, generated from the built assets.
//! - [`seed`]: demo data and the first administrator.
//! - [`notify`]: the outbox worker and the e-mail and SMS transports.
//! - [`payments`]: the card-payment provider's HTTP adapter and its local double.
//! - [`workers`]: background work (expired-session cleanup).

#![recursion_limit = "512"]

/// mimalloc serves every allocation of a process that links this crate (the
/// `hms` binary, its tests and benchmarks); with the `override` feature it
/// also replaces `malloc` for C code such as SQLite. Under 50 concurrent
/// searches glibc's allocator took about a fifth of all CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod backup;
pub mod config;
pub mod db;
pub mod exit;
pub mod http;
pub mod keys;
pub mod notify;
pub mod payments;
pub mod pwa;
pub mod secrets;
pub mod seed;
pub mod seed_beds;
pub mod seed_billing;
pub mod seed_chart;
pub mod seed_lab;
pub mod seed_schedule;
pub mod sqlcipher;
pub mod tls;
pub mod workers;
