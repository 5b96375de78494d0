//! # Layout
//!
//! The Leptos application: pages, components and the `#[server]` functions
//! behind them, arranged by domain module. Compiled twice: with `ssr` for the
//! server (server functions run, services and entities exist) and with
//! `hydrate` for the browser (server functions become HTTP calls).
//!
//! - [`components`]: the design system's building blocks (fields, alerts, cards, offline banner).
//! - [`portals`]: the three portals' layouts and navigation, and the landing page.
//! - [`modules`]: the one list of the modules; each module's `routes.rs` declares its
//!   pages, menu links and home tiles ([`nav`]), and [`home`] shows the tiles.
//! - [`portal_session`]: what pages know of their user (session, gate); a leaf under the layouts.
//! - [`auth`]: sign-in, registration, sessions, passwords; the permission guard (server).
//! - [`admin`]: staff accounts and the admin dashboard.
//! - [`audit`]: the append-only audit trail and its viewer.
//! - [`patients`]: patient records.
//! - [`records`]: the electronic health record (ICD-10-CM search so far).
//! - [`formulary`]: the drugs prescribers choose from, kept by the pharmacy.
//! - `clock` (server only): where "now" comes from; tests move it forward.
//! - `audited` (server only): the one shape of a server function's body (audited writes and reads).
//! - `state` (server only): what every server function is handed (database, policy, audit writer, caches).
//! - `context`, `entity` (server only): small leaf helpers (errors, transactions, the caller's address) and SeaORM entities.
//! - `crypto` (server only): AES-256-GCM for values kept encrypted, HMAC for values looked up by hash.
//! - `pdf` (server only): paginated PDF documents in every script (krilla, embedded Noto fonts).

#![recursion_limit = "512"]

/// Declares who may call the server function at `endpoint` (as written in its
/// `#[server(endpoint = …)]`), and whether it reads or writes a patient's
/// data (`patient_data`, which must leave an audit event naming the patient)
/// or not (`no_patient_data`); write it right after the function. A trailing
/// `reauth` marks a sensitive action, for which the user must have given
/// their password (and code) within the last few minutes. See
/// `auth::gate` (server only) for how it is enforced and tested.
#[macro_export]
macro_rules! access {
    ($endpoint:literal, $access:expr, patient_data) => {
        $crate::access!(@declare $endpoint, $access, true, false);
    };
    ($endpoint:literal, $access:expr, no_patient_data) => {
        $crate::access!(@declare $endpoint, $access, false, false);
    };
    ($endpoint:literal, $access:expr, patient_data, reauth) => {
        $crate::access!(@declare $endpoint, $access, true, true);
    };
    ($endpoint:literal, $access:expr, no_patient_data, reauth) => {
        $crate::access!(@declare $endpoint, $access, false, true);
    };
    (@declare $endpoint:literal, $access:expr, $patient_data:literal, $reauth:literal) => {
        #[cfg(feature = "ssr")]
        ::inventory::submit! {
            $crate::auth::gate::Declared {
                path: concat!("/api/", $endpoint),
                access: {
                    #[allow(unused_imports)]
                    use $crate::auth::gate::Access::*;
                    #[allow(unused_imports)]
                    use ::shared::Permission::*;
                    $access
                },
                patient_data: $patient_data,
                reauth: $reauth,
            }
        }
    };
}

pub mod admin;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod beds;
pub mod billing;
pub mod chart;
pub mod components;
pub mod emergency;
pub mod formulary;
pub mod home;
pub mod lab;
pub mod modules;
pub mod nav;
pub mod patients;
pub mod pharmacy;
pub mod portal_session;
pub mod portals;
pub mod prescriptions;
pub mod records;
pub mod reports;
pub mod zone;

#[cfg(feature = "ssr")]
pub mod audited;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod entity;
#[cfg(feature = "ssr")]
pub mod files;
#[cfg(feature = "ssr")]
pub mod pdf;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Link, Meta, MetaTags, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy};

/// The HTML document around the app. On the server it also hands the request's
/// CSP nonce to the hydration scripts, so the strict policy allows them.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    provide_csp_nonce();
    // The hospital's time zone, for the browser's clock (see `zone`).
    #[cfg(feature = "ssr")]
    let zone = use_context::<state::ServerContext>()
        .map_or_else(|| "UTC".to_string(), |c| c.timezone.name().to_string());
    #[cfg(not(feature = "ssr"))]
    let zone = String::from("UTC");
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name=zone::META_NAME content=zone/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The nonce the server's CSP middleware generated for this response.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

#[cfg(feature = "ssr")]
fn provide_csp_nonce() {
    if let Some(parts) = use_context::<http::request::Parts>() {
        if let Some(CspNonce(nonce)) = parts.extensions.get::<CspNonce>() {
            provide_context(leptos::nonce::Nonce::from_value(nonce.clone()));
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Link rel="manifest" href="/manifest.webmanifest"/>
        <Link rel="icon" href="/icons/icon-192.png"/>
        <Link rel="apple-touch-icon" href="/icons/icon-192.png"/>
        <Meta name="theme-color" content="#0f5c8c"/>
        <Meta name="description" content="Hospital management: patient, clinic and administration portals."/>
        <Title formatter=|t: String| if t.is_empty() { "HMS".to_string() } else { format!("{t} · HMS") }/>
        <Router>
            <components::OfflineBanner/>
            <Routes fallback=portals::NotFound>
                <Route path=path!("/") view=portals::Landing/>
                <modules::PublicRoutes/>
                <ParentRoute path=path!("/patient") view={Lazy::<modules::PatientLayout>::new()}>
                    <Route path=path!("") view={Lazy::<modules::PatientHome>::new()}/>
                    <modules::PatientRoutes/>
                </ParentRoute>
                <ParentRoute path=path!("/clinic") view={Lazy::<modules::ClinicLayout>::new()}>
                    <Route path=path!("") view={Lazy::<modules::ClinicHome>::new()}/>
                    <modules::ClinicRoutes/>
                </ParentRoute>
                <ParentRoute path=path!("/admin") view={Lazy::<modules::AdminLayout>::new()}>
                    <Route path=path!("") view={Lazy::<modules::AdminHome>::new()}/>
                    <modules::AdminRoutes/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
