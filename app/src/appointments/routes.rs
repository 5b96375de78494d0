//! Where appointments appear in the portals: pages, menu links and home tiles.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::path;
use shared::Permission::{ManageOwnAvailability, ViewDayLists};
use shared::Portal::{self, Admin, Clinic, Patient};

use super::{manage, pages, tiles};
use crate::nav::{no_routes, NavEntry, Tile};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Patient, 20, "/patient/appointments", "Appointments"),
    NavEntry::new(Clinic, 20, "/clinic/appointments", "Appointments").needs(ViewDayLists),
    NavEntry::new(Clinic, 30, "/clinic/availability", "My availability")
        .needs(ManageOwnAvailability),
    NavEntry::new(Admin, 30, "/admin/appointments", "Appointments"),
    NavEntry::new(Admin, 40, "/admin/schedule", "Schedules"),
];

pub const TILES: &[Tile] = &[
    Tile::new(Patient, 10, || {
        view! { <tiles::NextAppointmentTile/> }.into_any()
    }),
    Tile::new(Clinic, 10, || view! { <tiles::TodayTile/> }.into_any()),
];

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Patient) => view! {
            <Route path=path!("appointments") view=pages::MyAppointmentsPage/>
            <Route path=path!("book") view=pages::PatientBookPage/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Clinic) => view! {
            <Route path=path!("appointments") view=pages::DayListPage/>
            <Route path=path!("availability") view=manage::MyAvailabilityPage/>
            <Route path=path!("book/:id") view=|| view! { <pages::BookForPatientPage list_href="/clinic/appointments"/> }/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Admin) => view! {
            <Route path=path!("appointments") view=manage::OverviewPage/>
            <Route path=path!("schedule") view=manage::SchedulePage/>
            <Route path=path!("book/:id") view=|| view! { <pages::BookForPatientPage list_href="/admin/appointments"/> }/>
        }
        .into_inner()
        .into_any_nested_route(),
        None => no_routes(),
    }
}
