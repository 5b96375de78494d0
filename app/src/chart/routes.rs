//! Where the chart appears in the portals: its page and home tiles.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Portal::{self, Clinic};

use super::{pages, tiles};
use crate::nav::{no_routes, NavEntry, PortalTiles, Tile};

pub const NAV: &[NavEntry] = &[];

pub const TILES: PortalTiles = PortalTiles {
    patient: &[Tile::new(20, || view! { <tiles::RecordTile/> }.into_any())],
    clinic: &[
        Tile::new(30, || view! { <tiles::UnsignedNotesTile/> }.into_any()),
        Tile::new(40, || view! { <tiles::RecentChartsTile/> }.into_any()),
    ],
    ..PortalTiles::NONE
};

crate::lazy_pages! {
    clinic_chart in clinic { Chart => view! { <pages::PatientPage/> } }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => view! { <Route path=path!("patients/:id") view={Lazy::<Chart>::new()}/> }
            .into_inner()
            .into_any_nested_route(),
        _ => no_routes(),
    }
}
