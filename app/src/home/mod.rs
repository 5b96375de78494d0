//! The portals' home pages: a greeting, then the tiles that every module
//! contributes to the portal (`TILES` in each `routes.rs`), by rank.

pub mod about;
pub mod routes;

use leptos::prelude::*;
use leptos_meta::Title;
use shared::auth::CurrentUser;
use shared::Portal;

use crate::nav::Tile;
use crate::portal_session::{current_user, Gate};

/// The page's title and its heading for `user`.
fn greeting(portal: Portal, user: &CurrentUser) -> String {
    match portal {
        Portal::Patient => format!("Hello, {}", user.display_name),
        Portal::Clinic => format!("Welcome, {}", user.display_name),
        Portal::Admin => "Dashboard".into(),
    }
}

/// One portal's home: the greeting and `tiles` (already the portal's, in
/// rank order). Each tile decides itself whether the user sees it.
#[component]
pub fn PortalHome(portal: Portal, tiles: Vec<Tile>) -> impl IntoView {
    let title = match portal {
        Portal::Patient => "My record",
        Portal::Clinic => "Clinic",
        Portal::Admin => "Admin dashboard",
    };
    // Every tile's component runs here, at the page's top level, so it
    // creates its resources once (inside a suspense they would load twice
    // on the server).
    let tiles = tiles.into_iter().map(|t| (t.view)()).collect_view();
    view! {
        <Title text=title/>
        <Gate>
            <h1 dir="auto">{greeting(portal, &current_user())}</h1>
        </Gate>
        <div class="grid home">{tiles}</div>
    }
}
