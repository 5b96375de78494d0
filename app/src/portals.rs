//! The three portals' layouts (navigation, header, sign-in gate) and the
//! public landing page. Each portal has its own layout tuned to its usual
//! device; all share one design system. The menus come from the modules
//! (`modules::nav`), handed in by the route table.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;
use shared::auth::CurrentUser;
use shared::{AppError, Portal};

use crate::auth::api::{me, SIGN_OUT_PATH};
use crate::auth::idle::IdleWarning;
use crate::auth::mfa_pages::{ConfirmIdentityForm, ForcedMfaSetup};
use crate::auth::pages::{ForcedPasswordChange, LoginForm};
use crate::components::{ConfirmIdentity, ErrorBox, Loading};
use crate::nav::NavEntry;
use crate::portal_session::PortalSession;

/// The signed-in user's data, fetched once per portal load.
fn use_me() -> Resource<Result<Option<CurrentUser>, AppError>> {
    Resource::new(|| (), |_| me())
}

/// A plain form, so it works before the page has hydrated (`auth::sign_out`).
#[component]
fn SignOutButton() -> impl IntoView {
    view! {
        <form method="post" action=SIGN_OUT_PATH class="portal__sign-out">
            <button type="submit" class="btn btn--ghost">"Sign out"</button>
        </form>
    }
}

/// One portal: header and navigation (or the sign-in form, the wrong-portal
/// notice, the forced password change), then the page. The page is outside the
/// suspense that waits for the user, so its resources are created once.
#[component]
fn PortalLayout(portal: Portal, name: &'static str, nav: Vec<NavEntry>) -> impl IntoView {
    let me = use_me();
    provide_context(PortalSession::new(me, portal));
    provide_context(ConfirmIdentity(Callback::new(|on_done| {
        view! { <ConfirmIdentityForm on_done/> }.into_any()
    })));
    let nav = StoredValue::new(nav);
    view! {
        <div class=format!("portal portal--{}", name.to_lowercase())>
            // The header and navigation, once the user may use this portal.
            <Suspense fallback=|| view! { <div class="portal__header portal__header--loading"><Loading/></div> }>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(Some(user)) if user.role.portal() == portal && user.is_cleared() => {
                            Some(view! { <PortalChrome portal name nav=nav.get_value() user/> })
                        }
                        _ => None,
                    }
                })}
            </Suspense>
            <main class="portal__main" id="main">
                // Otherwise the sign-in form, the wrong-portal notice, the
                // forced password change or the forced set-up of two-step
                // sign-in, inside the page's one main landmark.
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(user)) if user.role.portal() == portal => {
                                if user.must_change_password {
                                    Some(view! {
                                        <section class="portal__gate"><ForcedPasswordChange user/></section>
                                    }.into_any())
                                } else if user.must_enrol_mfa() {
                                    Some(view! {
                                        <section class="portal__gate"><ForcedMfaSetup user/></section>
                                    }.into_any())
                                } else {
                                    None
                                }
                            }
                            Ok(Some(user)) => {
                                let home = user.role.portal().path();
                                Some(view! {
                                    <Title text="Not your portal"/>
                                    <section class="portal__gate narrow">
                                        <h1>"This portal is not for your account"</h1>
                                        <p>{format!("You are signed in as {} ({}).", user.display_name, user.role.label())}</p>
                                        <p><a class="btn" href=home>"Go to your portal"</a></p>
                                    </section>
                                }.into_any())
                            }
                            Ok(None) => {
                                let here = use_location().pathname.get_untracked();
                                Some(view! {
                                    <Title text="Sign in"/>
                                    <section class="portal__gate narrow">
                                        <h1>"Please sign in"</h1>
                                        <p class="muted">{format!("The {name} portal needs you to sign in first.")}</p>
                                        <LoginForm next=Some(here)/>
                                    </section>
                                }.into_any())
                            }
                            Err(e) => Some(view! { <section class="portal__gate"><ErrorBox error=e/></section> }.into_any()),
                        }
                    })}
                </Suspense>
                <Outlet/>
            </main>
        </div>
    }
}

#[component]
fn PortalChrome(
    portal: Portal,
    name: &'static str,
    nav: Vec<NavEntry>,
    user: CurrentUser,
) -> impl IntoView {
    let links = nav
        .into_iter()
        .filter(|entry| entry.permission.is_none_or(|p| user.role.can(p)))
        .map(|entry| view! { <li><A href=entry.href exact=true>{entry.label}</A></li> })
        .collect_view();
    let role = user.role.label();
    let display_name = user.display_name.clone();
    view! {
        <header class="portal__header">
            <a class="brand" href=portal.path()>
                <span class="brand__mark" aria-hidden="true">"+"</span>
                <span class="brand__name">"HMS"</span>
                <span class="brand__portal">{name}</span>
            </a>
            {(portal == Portal::Patient).then(|| view! {
                <a class="btn btn--danger btn--small emergency-link" href="/emergency" data-testid="emergency-link">"Emergency"</a>
            })}
            <div class="portal__user">
                <span class="portal__user-name">{display_name}</span>
                <span class="badge">{role}</span>
                <SignOutButton/>
            </div>
        </header>
        <nav class="portal__nav" aria-label=format!("{name} navigation")>
            <ul>{links}</ul>
        </nav>
        <IdleWarning user_id=user.id/>
    }
}

/// The patient portal, phone-first: a bottom tab bar on small screens.
#[component]
pub fn PatientPortal(nav: Vec<NavEntry>) -> impl IntoView {
    view! { <PortalLayout portal=Portal::Patient name="Patient" nav/> }
}

/// The clinic portal for clinical and front-desk staff, tablet-first.
#[component]
pub fn ClinicPortal(nav: Vec<NavEntry>) -> impl IntoView {
    view! { <PortalLayout portal=Portal::Clinic name="Clinic" nav/> }
}

/// The admin portal, desktop-first with a side navigation.
#[component]
pub fn AdminPortal(nav: Vec<NavEntry>) -> impl IntoView {
    view! { <PortalLayout portal=Portal::Admin name="Admin" nav/> }
}

/// The public front page: what this is, and the sign-in form.
#[component]
pub fn Landing() -> impl IntoView {
    let me = use_me();
    view! {
        <Title text="Sign in"/>
        <main class="landing" id="main">
            <section class="landing__intro">
                <p class="brand brand--large"><span class="brand__mark" aria-hidden="true">"+"</span>" HMS"</p>
                <h1>"Hospital management, in one place"</h1>
                <p>"Patients see their records and appointments on their phone. Clinicians work on tablets at the bedside. Administrators run the hospital from the desk."</p>
            </section>
            <section class="card landing__login" aria-labelledby="login-title">
                <Suspense fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match me.await {
                            Ok(Some(user)) => view! {
                                <h2 id="login-title">{format!("Signed in as {}", user.display_name)}</h2>
                                <p><a class="btn btn--primary" href=user.role.portal().path()>"Continue to your portal"</a></p>
                            }.into_any(),
                            _ => view! {
                                <h2 id="login-title">"Sign in"</h2>
                                <LoginForm next=None/>
                                <p class="landing__register">"New patient? " <a href="/register">"Create your account"</a></p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <p class="landing__about"><a href="/about">"About HMS and its data sources"</a></p>
        </main>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <main class="portal__main narrow">
            <h1>"Page not found"</h1>
            <p>"There is no page at this address."</p>
            <p><a href="/">"Go to the start page"</a></p>
        </main>
    }
}
