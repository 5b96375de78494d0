//! Where beds appear: the bed board, the wards' inpatients, admitting and
//! admissions in the clinic portal; the wards in the admin portal.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::{ManageFacilities, ViewBeds};
use shared::Portal::{self, Admin, Clinic};

use super::pages;
use crate::nav::{no_routes, NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Clinic, 45, "/clinic/beds", "Beds").needs(ViewBeds),
    NavEntry::new(Admin, 46, "/admin/wards", "Wards").needs(ManageFacilities),
];

pub const TILES: PortalTiles = PortalTiles::NONE;

crate::lazy_pages! {
    clinic_beds in clinic {
        BedBoard => view! { <pages::BedBoardPage/> },
        WardList => view! { <pages::WardPage/> },
        Admit => view! { <pages::AdmitPage/> },
        AdmissionAtWard => view! { <pages::AdmissionPage/> },
    }
    admin_wards in admin {
        Wards => view! { <pages::WardsPage/> },
    }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Clinic) => view! {
            <Route path=path!("beds") view={Lazy::<BedBoard>::new()}/>
            <Route path=path!("wards/:id") view={Lazy::<WardList>::new()}/>
            <Route path=path!("patients/:id/admit") view={Lazy::<Admit>::new()}/>
            <Route path=path!("admissions/:id") view={Lazy::<AdmissionAtWard>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        Some(Admin) => view! { <Route path=path!("wards") view={Lazy::<Wards>::new()}/> }
            .into_inner()
            .into_any_nested_route(),
        _ => no_routes(),
    }
}
