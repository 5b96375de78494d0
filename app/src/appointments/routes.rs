//! Where appointments appear in the portals: pages, menu links and home tiles.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::{ManageOwnAvailability, ViewDayLists};
use shared::Portal::{self, Admin, Clinic, Patient};

use super::{manage, pages, tiles};
use crate::nav::{no_routes, NavEntry, PortalTiles, Tile};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Patient, 20, "/patient/appointments", "Visits"),
    NavEntry::new(Clinic, 20, "/clinic/appointments", "Appointments").needs(ViewDayLists),
    NavEntry::new(Clinic, 30, "/clinic/availability", "My availability")
        .needs(ManageOwnAvailability),
    NavEntry::new(Admin, 30, "/admin/appointments", "Appointments"),
    NavEntry::new(Admin, 40, "/admin/schedule", "Schedules"),
];

pub const TILES: PortalTiles = PortalTiles {
    patient: &[Tile::new(10, || {
        view! { <tiles::NextAppointmentTile/> }.into_any()
    })],
    clinic: &[Tile::new(10, || view! { <tiles::TodayTile/> }.into_any())],
    ..PortalTiles::NONE
};

crate::lazy_pages! {
    patient_appointments in patient {
        MyAppointments => view! { <pages::MyAppointmentsPage/> },
        PatientBook => view! { <pages::PatientBookPage/> },
    }
    clinic_appointments in clinic {
        DayList => view! { <pages::DayListPage/> },
        MyAvailability => view! { <manage::MyAvailabilityPage/> },
        ClinicBook => view! { <pages::BookForPatientPage list_href="/clinic/appointments"/> },
    }
    admin_appointments in admin {
        AppointmentsOverview => view! { <manage::OverviewPage/> },
        Schedules => view! { <manage::SchedulePage/> },
        AdminBook => view! { <pages::BookForPatientPage list_href="/admin/appointments"/> },
    }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Patient) => view! {
            <Route path=path!("appointments") view={Lazy::<MyAppointments>::new()}/>
            <Route path=path!("book") view={Lazy::<PatientBook>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Clinic) => view! {
            <Route path=path!("appointments") view={Lazy::<DayList>::new()}/>
            <Route path=path!("availability") view={Lazy::<MyAvailability>::new()}/>
            <Route path=path!("book/:id") view={Lazy::<ClinicBook>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Admin) => view! {
            <Route path=path!("appointments") view={Lazy::<AppointmentsOverview>::new()}/>
            <Route path=path!("schedule") view={Lazy::<Schedules>::new()}/>
            <Route path=path!("book/:id") view={Lazy::<AdminBook>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        None => no_routes(),
    }
}
