//! Where the audit trail appears: the admin's viewer and its menu link.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Portal::{self, Admin};

use super::pages;
use crate::nav::{no_routes, NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[NavEntry::new(Admin, 50, "/admin/audit", "Audit trail")];

pub const TILES: PortalTiles = PortalTiles::NONE;

crate::lazy_pages! {
    admin_audit in admin { AuditTrail => view! { <pages::AuditViewer/> } }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Admin) => view! { <Route path=path!("audit") view={Lazy::<AuditTrail>::new()}/> }
            .into_inner()
            .into_any_nested_route(),
        _ => no_routes(),
    }
}
