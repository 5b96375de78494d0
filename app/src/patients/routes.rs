//! Where patient records appear in the portals: pages, menu links and home tiles.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::{FastTrackPatients, RegisterPatients};
use shared::Portal::{self, Admin, Clinic, Patient};

use super::{edit, pages, register, tiles};
use crate::nav::{no_routes, NavEntry, PortalTiles, Tile};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Patient, 30, "/patient/details", "Details"),
    NavEntry::new(Clinic, 40, "/clinic/register", "Register patient").needs(RegisterPatients),
    NavEntry::new(Clinic, 50, "/clinic/emergency", "Emergency").needs(FastTrackPatients),
];

pub const TILES: PortalTiles = PortalTiles {
    patient: &[],
    clinic: &[
        Tile::new(20, || {
            view! { <tiles::SearchTile base="/clinic"/> }.into_any()
        }),
        Tile::new(50, || view! { <tiles::InCareTile/> }.into_any()),
    ],
    admin: &[Tile::new(20, || {
        view! { <tiles::SearchTile base="/admin"/> }.into_any()
    })],
};

crate::lazy_pages! {
    patient_details in patient { MyDetails => view! { <pages::MyDetailsPage/> } }
    clinic_patients in clinic {
        RegisterPatient => view! { <register::RegisterPatientPage/> },
        FastTrack => view! { <register::FastTrackPage/> },
        ClinicPatientDetails => view! { <edit::PatientDetailsPage base="/clinic"/> },
    }
    admin_patients in admin { AdminPatientDetails => view! { <edit::PatientDetailsPage base="/admin"/> } }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Patient) => view! { <Route path=path!("details") view={Lazy::<MyDetails>::new()}/> }
            .into_inner()
            .into_any_nested_route(),
        Some(Clinic) => view! {
            <Route path=path!("register") view={Lazy::<RegisterPatient>::new()}/>
            <Route path=path!("emergency") view={Lazy::<FastTrack>::new()}/>
            <Route path=path!("patients/:id/details") view={Lazy::<ClinicPatientDetails>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Admin) => view! {
            <Route path=path!("patients/:id") view={Lazy::<AdminPatientDetails>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        None => no_routes(),
    }
}
