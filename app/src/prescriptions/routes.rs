//! Where prescribing appears: the prescribe page of a chart in the clinic
//! portal (the chart itself lists the prescriptions), and the patient's own
//! prescriptions in the patient portal.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::ManageDrugRules;
use shared::Portal::{self, Clinic, Patient};

use super::pages;
use crate::nav::{no_routes, NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Patient, 25, "/patient/prescriptions", "Medicines"),
    NavEntry::new(Clinic, 58, "/clinic/refills", "Refills").needs(shared::Permission::Prescribe),
    NavEntry::new(Clinic, 66, "/clinic/pharmacy/rules", "Local rules").needs(ManageDrugRules),
];

pub const TILES: PortalTiles = PortalTiles::NONE;

crate::lazy_pages! {
    clinic_prescribe in clinic {
        Prescribe => view! { <pages::PrescribePage/> },
        LocalRules => view! { <super::rules_pages::RulesPage/> },
        RefillQueue => view! { <super::refills_pages::RefillQueuePage/> },
    }
    patient_prescriptions in patient { MyPrescriptions => view! { <pages::MyPrescriptionsPage/> } }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => view! {
            <Route path=path!("patients/:id/prescribe") view={Lazy::<Prescribe>::new()}/>
            <Route path=path!("pharmacy/rules") view={Lazy::<LocalRules>::new()}/>
            <Route path=path!("refills") view={Lazy::<RefillQueue>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Patient) => {
            view! { <Route path=path!("prescriptions") view={Lazy::<MyPrescriptions>::new()}/> }
                .into_inner()
                .into_any_nested_route()
        }
        _ => no_routes(),
    }
}
