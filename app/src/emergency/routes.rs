//! Where the emergency department appears: the tracking board and a visit
//! in the clinic portal, the bays and emergency numbers in the admin
//! portal, and the public emergency page.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::{ManageFacilities, ViewEmergency};
use shared::Portal::{self, Admin, Clinic};

use super::pages;
use crate::nav::{NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Clinic, 44, "/clinic/ed", "ED board").needs(ViewEmergency),
    NavEntry::new(Admin, 47, "/admin/emergency", "Emergency").needs(ManageFacilities),
];

pub const TILES: PortalTiles = PortalTiles::NONE;

crate::lazy_pages! {
    clinic_ed in clinic {
        EdBoard => view! { <pages::EdBoardPage/> },
        EdVisit => view! { <pages::EdVisitPage/> },
    }
    admin_emergency in admin {
        EmergencyAdmin => view! { <pages::EmergencyAdminPage/> },
    }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => view! {
            <Route path=path!("ed") view={Lazy::<EdBoard>::new()}/>
            <Route path=path!("ed/visits/:id") view={Lazy::<EdVisit>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Admin) => {
            view! { <Route path=path!("emergency") view={Lazy::<EmergencyAdmin>::new()}/> }
                .into_inner()
                .into_any_nested_route()
        }
        // Not a lazy piece: the page is in the main wasm, which the service
        // worker keeps, so that it hydrates offline too.
        None => view! { <Route path=path!("/emergency") view=pages::EmergencyPage/> }
            .into_inner()
            .into_any_nested_route(),
        Some(Portal::Patient) => crate::nav::no_routes(),
    }
}
