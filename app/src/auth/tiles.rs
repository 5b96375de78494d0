//! The clinic home's account tiles: who is signed in, and where.

use leptos::prelude::*;

use super::api::my_sessions;
use crate::components::format_time;
use crate::nav::{loaded, TileCard};
use crate::portal_session::{current_user, PortalSession};

/// The signed-in user's role and e-mail.
#[component]
pub fn AccountTile() -> impl IntoView {
    view! {
        <TileCard id="me-title" title="Your account">
            <dl class="facts">
                <dt>"Role"</dt><dd>{current_user().role.label()}</dd>
                <dt>"E-mail"</dt><dd>{current_user().email}</dd>
            </dl>
        </TileCard>
    }
}

/// How many sessions the user has, since when this one, and where to manage them.
#[component]
pub fn SessionsTile() -> impl IntoView {
    let session = PortalSession::get();
    let sessions = Resource::new(|| (), move |_| session.load(my_sessions()));
    view! {
        <TileCard id="sessions-title" title="Where you are signed in">
            {loaded(sessions, |list| {
                let current = list.iter().find(|s| s.current).map(|s| format_time(s.created_at));
                view! {
                    <p>{format!("{} active session(s).", list.len())}</p>
                    {current.map(|t| view! { <p class="muted">{format!("This one started {t}.")}</p> })}
                    <p><a href="/clinic/account">"Manage sessions and password"</a></p>
                }.into_any()
            })}
        </TileCard>
    }
}
