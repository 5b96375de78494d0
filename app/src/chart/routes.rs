//! Where the chart appears in the portals: its page and home tiles.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::path;
use shared::Portal::{self, Clinic, Patient};

use super::{pages, tiles};
use crate::nav::{no_routes, NavEntry, Tile};

pub const NAV: &[NavEntry] = &[];

pub const TILES: &[Tile] = &[
    Tile::new(Patient, 20, || view! { <tiles::RecordTile/> }.into_any()),
    Tile::new(Clinic, 30, || {
        view! { <tiles::UnsignedNotesTile/> }.into_any()
    }),
    Tile::new(Clinic, 40, || {
        view! { <tiles::RecentChartsTile/> }.into_any()
    }),
];

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => view! { <Route path=path!("patients/:id") view=pages::PatientPage/> }
            .into_inner()
            .into_any_nested_route(),
        _ => no_routes(),
    }
}
