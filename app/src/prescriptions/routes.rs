//! Where prescribing appears: the prescribe page of a chart in the clinic
//! portal (the chart itself lists the prescriptions).

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Portal::{self, Clinic};

use super::pages;
use crate::nav::{no_routes, NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[];

pub const TILES: PortalTiles = PortalTiles::NONE;

crate::lazy_pages! {
    clinic_prescribe in clinic { Prescribe => view! { <pages::PrescribePage/> } }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => {
            view! { <Route path=path!("patients/:id/prescribe") view={Lazy::<Prescribe>::new()}/> }
                .into_inner()
                .into_any_nested_route()
        }
        _ => no_routes(),
    }
}
