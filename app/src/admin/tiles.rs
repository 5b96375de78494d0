//! The admin home's overview: figures at a glance, with links to where
//! they can be acted on, and the accounts by role.

use leptos::prelude::*;

use super::api::admin_overview;
use crate::components::{ErrorBox, Loading};
use crate::portal_session::{Gate, PortalSession};

/// One tile, as the figures and the table come from one request.
#[component]
pub fn OverviewTile() -> impl IntoView {
    let session = PortalSession::get();
    let overview = Resource::new(|| (), move |_| session.load(admin_overview()));
    view! {
        <Gate>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => {
                        let staff: i64 = o.users_by_role.iter().filter(|(r, _)| r.is_staff()).map(|(_, n)| n).sum();
                        view! {
                            <div class="stats tile--wide">
                                <a class="stat" href="/admin/users"><span class="stat__value">{staff}</span><span class="stat__label">"Staff accounts"</span></a>
                                <div class="stat"><span class="stat__value">{o.patients}</span><span class="stat__label">"Registered patients"</span></div>
                                <div class="stat"><span class="stat__value">{o.active_sessions}</span><span class="stat__label">"Active sessions"</span></div>
                                <a class="stat" href="/admin/audit?action=auth.login"><span class="stat__value">{o.failed_logins_24h}</span><span class="stat__label">"Failed sign-ins, 24 h"</span></a>
                                <a class="stat" class:stat--warn=move || { o.locked_accounts > 0 } href="/admin/users"><span class="stat__value">{o.locked_accounts}</span><span class="stat__label">"Locked accounts"</span></a>
                            </div>
                            <section class="card tile" aria-labelledby="roles-title">
                                <h2 id="roles-title">"Accounts by role"</h2>
                                <table class="table">
                                    <thead><tr><th scope="col">"Role"</th><th scope="col" class="num">"Accounts"</th></tr></thead>
                                    <tbody>
                                        {o.users_by_role.into_iter().map(|(r, n)| view! { <tr><td>{r.label()}</td><td class="num">{n}</td></tr> }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Suspense>
        </Gate>
    }
}
