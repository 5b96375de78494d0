//! Where the laboratory appears: the worklist, orders at the bench and
//! labels in the clinic portal, ordering from a chart, the doctor's
//! critical results on the clinic home, the patient's results, and the
//! catalogue and shifts in the admin portal.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::{ManageLab, ReportImaging, WorkLab};
use shared::Portal::{self, Admin, Clinic, Patient};

use super::{admin_pages, pages, patient_pages};
use crate::nav::{no_routes, NavEntry, PortalTiles, Tile};

pub const NAV: &[NavEntry] = &[
    // Technicians (who also verify) and radiologists (doctors) work the
    // same list; no role holds both permissions.
    NavEntry::new(Clinic, 68, "/clinic/lab", "Laboratory").needs(WorkLab),
    NavEntry::new(Clinic, 69, "/clinic/lab", "Worklist").needs(ReportImaging),
    NavEntry::new(Admin, 55, "/admin/lab", "Laboratory").needs(ManageLab),
];

pub const TILES: PortalTiles = PortalTiles {
    patient: &[Tile::new(22, || {
        view! { <patient_pages::ResultsTile/> }.into_any()
    })],
    clinic: &[Tile::new(25, || {
        view! { <pages::CriticalResultsTile/> }.into_any()
    })],
    ..PortalTiles::NONE
};

crate::lazy_pages! {
    clinic_lab in clinic {
        LabWorklist => view! { <pages::WorklistPage/> },
        LabOrder => view! { <pages::LabOrderPage/> },
        LabLabel => view! { <pages::LabelPage/> },
        OrderTests => view! { <pages::OrderTestsPage/> },
    }
    patient_results in patient { MyResults => view! { <patient_pages::MyResultsPage/> } }
    admin_lab in admin { LabCatalogue => view! { <admin_pages::CataloguePage/> } }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => view! {
            <Route path=path!("lab") view={Lazy::<LabWorklist>::new()}/>
            <Route path=path!("lab/orders/:id") view={Lazy::<LabOrder>::new()}/>
            <Route path=path!("lab/labels/:accession") view={Lazy::<LabLabel>::new()}/>
            <Route path=path!("patients/:id/lab-order") view={Lazy::<OrderTests>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Patient) => view! { <Route path=path!("results") view={Lazy::<MyResults>::new()}/> }
            .into_inner()
            .into_any_nested_route(),
        Some(Admin) => view! { <Route path=path!("lab") view={Lazy::<LabCatalogue>::new()}/> }
            .into_inner()
            .into_any_nested_route(),
        _ => no_routes(),
    }
}
