//! The one list of the modules that show themselves in the portals. Each
//! has a `routes.rs` with its pages (`routes`), its menu links (`NAV`) and
//! its home-page tiles (`TILES`); adding a module is adding its name to the
//! `modules!` line below.
//!
//! The route functions answer `AnyNestedRoute`: the dev build
//! (`cargo leptos build --split`, with `--cfg erase_components`) makes every
//! transparent component return one, so both builds get the same type.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use shared::Portal;

use crate::home::PortalHome;
use crate::nav::{of_portal, ranked, NavEntry, Tile};
use crate::portals::{AdminPortal, ClinicPortal, PatientPortal};

macro_rules! modules {
    ($($module:ident),+ $(,)?) => {
        const NAV: &[&[NavEntry]] = &[$(crate::$module::routes::NAV),+];
        // One list per portal (see `PortalTiles`).
        const PATIENT_TILES: &[&[Tile]] = &[$(crate::$module::routes::TILES.patient),+];
        const CLINIC_TILES: &[&[Tile]] = &[$(crate::$module::routes::TILES.clinic),+];
        const ADMIN_TILES: &[&[Tile]] = &[$(crate::$module::routes::TILES.admin),+];

        /// Every module's pages in the portal `at` (`None`: outside the portals).
        fn routes(at: Option<Portal>) -> AnyNestedRoute {
            ($(crate::$module::routes::routes(at),)+).into_any_nested_route()
        }
    };
}

modules!(
    home,
    patients,
    chart,
    appointments,
    formulary,
    prescriptions,
    pharmacy,
    lab,
    beds,
    emergency,
    billing,
    reports,
    admin,
    audit,
    auth
);

// Each portal's layout and home, with the tiles of every module: a piece of
// the wasm of its own, so a portal's first load fetches only its own tiles,
// and the front page none of the portals.
crate::lazy_pages! {
    patient_home in patient_home {
        PatientLayout => view! { <PatientPortal nav=nav(Portal::Patient)/> },
        PatientHome => view! { <PortalHome portal=Portal::Patient tiles=ranked(PATIENT_TILES)/> },
    }
    clinic_home in clinic_home {
        ClinicLayout => view! { <ClinicPortal nav=nav(Portal::Clinic)/> },
        ClinicHome => view! { <PortalHome portal=Portal::Clinic tiles=ranked(CLINIC_TILES)/> },
    }
    admin_home in admin_home {
        AdminLayout => view! { <AdminPortal nav=nav(Portal::Admin)/> },
        AdminHome => view! { <PortalHome portal=Portal::Admin tiles=ranked(ADMIN_TILES)/> },
    }
}

/// The menu of `portal`, in rank order.
pub fn nav(portal: Portal) -> Vec<NavEntry> {
    of_portal(NAV, portal)
}

/// The pages outside the portals (registration).
#[component(transparent)]
pub fn PublicRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    routes(None)
}

/// The patient portal's pages under `/patient`.
#[component(transparent)]
pub fn PatientRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    routes(Some(Portal::Patient))
}

/// The clinic portal's pages under `/clinic`.
#[component(transparent)]
pub fn ClinicRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    routes(Some(Portal::Clinic))
}

/// The admin portal's pages under `/admin`.
#[component(transparent)]
pub fn AdminRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    routes(Some(Portal::Admin))
}
