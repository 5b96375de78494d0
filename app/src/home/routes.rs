//! The portals' home pages in their menus. The home routes themselves are
//! in `lib.rs`, which hands each home the tiles of every module.

use leptos_router::any_nested_route::AnyNestedRoute;
use shared::Portal::{self, Admin, Clinic, Patient};

use crate::nav::{no_routes, NavEntry, PortalTiles};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Patient, 10, "/patient", "Record"),
    NavEntry::new(Clinic, 10, "/clinic", "Today"),
    NavEntry::new(Admin, 10, "/admin", "Dashboard"),
];

pub const TILES: PortalTiles = PortalTiles::NONE;

/// No pages of its own beside the homes.
pub fn routes(_at: Option<Portal>) -> AnyNestedRoute {
    no_routes()
}
