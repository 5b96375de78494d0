//! Where accounts appear: registration, a forgotten password, the account
//! page of every portal, its menu links and home tiles.

use leptos::prelude::*;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use leptos_router::components::Route;
use leptos_router::{path, Lazy};
use shared::Portal::{self, Admin, Clinic, Patient};

use super::{pages, reset_pages, tiles};
use crate::nav::{NavEntry, PortalTiles, Tile};

pub const NAV: &[NavEntry] = &[
    NavEntry::new(Patient, 90, "/patient/account", "Account"),
    NavEntry::new(Clinic, 90, "/clinic/account", "Account"),
    NavEntry::new(Admin, 90, "/admin/account", "Account"),
];

pub const TILES: PortalTiles = PortalTiles {
    clinic: &[
        Tile::new(80, || view! { <tiles::AccountTile/> }.into_any()),
        Tile::new(90, || view! { <tiles::SessionsTile/> }.into_any()),
    ],
    ..PortalTiles::NONE
};

crate::lazy_pages! {
    account in account { Account => view! { <pages::AccountPage/> } }
    registration in registration { Register => view! { <pages::RegisterPage/> } }
    password_reset in password_reset {
        ForgotPassword => view! { <reset_pages::ForgotPasswordPage/> },
        ResetPassword => view! { <reset_pages::ResetPasswordPage/> },
    }
}

/// This module's pages in the portal `at` (`None`: outside the portals).
pub fn routes(at: Option<Portal>) -> AnyNestedRoute {
    match at {
        Some(_) => view! { <Route path=path!("account") view={Lazy::<Account>::new()}/> }
            .into_inner()
            .into_any_nested_route(),
        None => view! {
            <Route path=path!("/register") view={Lazy::<Register>::new()}/>
            <Route path=path!("/forgot-password") view={Lazy::<ForgotPassword>::new()}/>
            <Route path=path!("/reset-password") view={Lazy::<ResetPassword>::new()}/>
        }
        .into_inner()
        .into_any_nested_route(),
    }
}
