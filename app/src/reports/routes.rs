//! Where the reports appear: the admin portal.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Permission::{ViewCareReports, ViewFinancialReports};
use shared::Portal::{self, Admin};

use super::pages;
use crate::nav::{no_routes, NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Admin, 59, "/admin/reports", "Reports").needs(ViewFinancialReports),
    NavEntry::new(Admin, 60, "/admin/care-reports", "Care reports").needs(ViewCareReports),
];

pub const TILES: PortalTiles = PortalTiles::NONE;

crate::lazy_pages! {
    admin_reports in admin {
        FinancialReports => view! { <pages::ReportsPage/> },
        CareReports => view! { <super::care_pages::CareReportsPage/> },
    }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Admin) => view! {
            <Route path=path!("reports") view={Lazy::<FinancialReports>::new()}/>
            <Route path=path!("care-reports") view={Lazy::<CareReports>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        _ => no_routes(),
    }
}
