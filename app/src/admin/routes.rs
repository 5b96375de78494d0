//! Where staff accounts and the admin's reports appear: pages, menu links and home tiles.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Portal::{self, Admin};

use super::{pages, tiles};
use crate::nav::{no_routes, NavEntry, PortalTiles, Tile};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Admin, 20, "/admin/users", "Staff accounts"),
    NavEntry::new(Admin, 60, "/admin/break-glass", "Break-glass"),
];

pub const TILES: PortalTiles = PortalTiles {
    admin: &[Tile::new(10, || {
        view! { <tiles::OverviewTile/> }.into_any()
    })],
    ..PortalTiles::NONE
};

crate::lazy_pages! {
    admin_staff in admin {
        StaffAccounts => view! { <pages::UsersPage/> },
        BreakGlass => view! { <pages::BreakGlassReport/> },
    }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(Admin) => view! {
            <Route path=path!("users") view={Lazy::<StaffAccounts>::new()}/>
            <Route path=path!("break-glass") view={Lazy::<BreakGlass>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
        _ => no_routes(),
    }
}
