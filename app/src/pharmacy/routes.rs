//! Where the pharmacy appears: its queue and its stock in the clinic portal.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::{Dispense, ManageStock};
use shared::Portal::{self, Clinic};

use super::pages;
use crate::nav::{no_routes, NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Clinic, 62, "/clinic/pharmacy", "Pharmacy queue").needs(Dispense),
    NavEntry::new(Clinic, 64, "/clinic/pharmacy/stock", "Stock").needs(ManageStock),
];

pub const TILES: PortalTiles = PortalTiles::NONE;

crate::lazy_pages! {
    clinic_pharmacy in clinic {
        PharmacyQueue => view! { <pages::QueuePage/> },
        PharmacyStock => view! { <pages::StockPage/> },
    }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => view! {
            <Route path=path!("pharmacy") view={Lazy::<PharmacyQueue>::new()}/>
            <Route path=path!("pharmacy/stock") view={Lazy::<PharmacyStock>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        _ => no_routes(),
    }
}
