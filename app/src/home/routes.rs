//! The portals' home pages in their menus. The home routes themselves are
//! in `lib.rs`, which hands each home the tiles of every module.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Portal::{self, Admin, Clinic, Patient};

use crate::nav::{no_routes, NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Patient, 10, "/patient", "Record"),
    NavEntry::new(Clinic, 10, "/clinic", "Today"),
    NavEntry::new(Admin, 10, "/admin", "Dashboard"),
];

pub const TILES: PortalTiles = PortalTiles::NONE;

crate::lazy_pages! {
    about in about { About => view! { <super::about::AboutPage/> } }
}

/// Beside the homes, the public about page with the data notices.
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        None => view! { <Route path=path!("/about") view={Lazy::<About>::new()}/> }
            .into_inner()
            .into_any_nested_route(),
        Some(_) => no_routes(),
    }
}
