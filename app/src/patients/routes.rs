//! Where patient records appear in the portals: pages, menu links and home tiles.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::path;
use shared::Permission::{FastTrackPatients, RegisterPatients};
use shared::Portal::{self, Admin, Clinic, Patient};

use super::{edit, pages, register, tiles};
use crate::nav::{no_routes, NavEntry, Tile};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Patient, 30, "/patient/details", "Details"),
    NavEntry::new(Clinic, 40, "/clinic/register", "Register patient").needs(RegisterPatients),
    NavEntry::new(Clinic, 50, "/clinic/emergency", "Emergency").needs(FastTrackPatients),
];

pub const TILES: &[Tile] = &[
    Tile::new(Clinic, 20, || {
        view! { <tiles::SearchTile base="/clinic"/> }.into_any()
    }),
    Tile::new(Clinic, 50, || view! { <tiles::InCareTile/> }.into_any()),
    Tile::new(Admin, 20, || {
        view! { <tiles::SearchTile base="/admin"/> }.into_any()
    }),
];

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Patient) => view! { <Route path=path!("details") view=pages::MyDetailsPage/> }
            .into_inner()
            .into_any_nested_route(),
        Some(Clinic) => view! {
            <Route path=path!("register") view=register::RegisterPatientPage/>
            <Route path=path!("emergency") view=register::FastTrackPage/>
            <Route path=path!("patients/:id/details") view=|| view! { <edit::PatientDetailsPage base="/clinic"/> }/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Admin) => view! {
            <Route path=path!("patients/:id") view=|| view! { <edit::PatientDetailsPage base="/admin"/> }/>
        }
        .into_inner()
        .into_any_nested_route(),
        None => no_routes(),
    }
}
