//! Where the formulary appears: a page in the clinic portal (prescribers,
//! nurses and the pharmacy) and in the admin portal.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::SearchFormulary;
use shared::Portal::{self, Admin, Clinic};

use super::pages;
use crate::nav::{no_routes, NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Clinic, 60, "/clinic/formulary", "Formulary").needs(SearchFormulary),
    NavEntry::new(Admin, 45, "/admin/formulary", "Formulary"),
];

pub const TILES: PortalTiles = PortalTiles::NONE;

crate::lazy_pages! {
    clinic_formulary in clinic { ClinicFormulary => view! { <pages::FormularyPage/> } }
    admin_formulary in admin { AdminFormulary => view! { <pages::FormularyPage/> } }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => {
            view! { <Route path=path!("formulary") view={Lazy::<ClinicFormulary>::new()}/> }
                .into_inner()
                .into_any_nested_route()
        }
        Some(Admin) => {
            view! { <Route path=path!("formulary") view={Lazy::<AdminFormulary>::new()}/> }
                .into_inner()
                .into_any_nested_route()
        }
        _ => no_routes(),
    }
}
