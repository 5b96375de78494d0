//! Two-step sign-in in the portals: setting up an authenticator app (forced
//! for staff before anything else, offered to patients), the recovery codes,
//! and the account page's section.

use leptos::context::Provider;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::auth::{CurrentUser, MfaEnrolment, MfaStatus, RecoveryCodes};
use shared::AppError;

use super::mfa_api::{begin_mfa, confirm_mfa, disable_mfa, my_mfa, new_recovery_codes};
use crate::components::{ErrorBox, FormAlert, FormErrors, Loading, TextField};
use crate::portal_session::hard_navigate;

/// Where setting up an authenticator stands.
#[derive(Clone)]
enum Setup {
    NotStarted,
    Scanning(MfaEnrolment),
    Done(RecoveryCodes),
}

/// Sets up an authenticator app: the QR code and the secret, the first code
/// to confirm it, then the recovery codes. `on_done` runs once the user has
/// seen the codes.
#[component]
pub fn MfaSetup(#[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let state = RwSignal::new(Setup::NotStarted);
    let code = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let start = move |_| {
        busy.set(true);
        errors.set(None);
        leptos::task::spawn_local(async move {
            match begin_mfa().await {
                Ok(enrolment) => state.set(Setup::Scanning(enrolment)),
                Err(e) => errors.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let on_confirm = move |ev: SubmitEvent| {
        ev.prevent_default();
        if code.get_untracked().trim().is_empty() {
            errors.set(Some(AppError::field(
                "code",
                "Enter the six-digit code your authenticator app shows.",
            )));
            return;
        }
        busy.set(true);
        errors.set(None);
        leptos::task::spawn_local(async move {
            match confirm_mfa(code.get_untracked()).await {
                Ok(codes) => state.set(Setup::Done(codes)),
                Err(e) => {
                    code.set(String::new());
                    errors.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    move || {
        match state.get() {
        Setup::NotStarted => view! {
            <div class="stack">
                <FormAlert errors/>
                <p>"You need an authenticator app on your phone, such as Google Authenticator, Microsoft Authenticator, FreeOTP or Aegis."</p>
                <button type="button" class="btn btn--primary" on:click=start disabled=move || busy.get()>
                    {move || if busy.get() { "Preparing…" } else { "Set up an authenticator app" }}
                </button>
            </div>
        }.into_any(),
        Setup::Scanning(enrolment) => view! {
            <div class="stack">
                <ol class="steps">
                    <li>"In the app, add an account and scan this code."</li>
                </ol>
                <div class="qr" role="img" aria-label="QR code to scan with your authenticator app" inner_html=enrolment.qr_svg></div>
                <p>"Cannot scan it? Type this key into the app instead (time-based):"</p>
                <p><code class="secret" data-testid="mfa-secret">{enrolment.secret}</code></p>
                <form class="form" on:submit=on_confirm novalidate>
                    <FormAlert errors/>
                    <TextField label="Code shown by the app" name="code" value=code error=errors.field("code") autocomplete="one-time-code" inputmode="numeric" required=true/>
                    <button type="submit" class="btn btn--primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Checking…" } else { "Turn on two-step sign-in" }}
                    </button>
                </form>
            </div>
        }.into_any(),
        Setup::Done(codes) => view! {
            <div class="stack">
                <div class="alert alert--success" role="status">"Two-step sign-in is on."</div>
                <RecoveryCodeList codes/>
                <button type="button" class="btn btn--primary" on:click=move |_| on_done.run(())>
                    "I have kept these codes"
                </button>
            </div>
        }.into_any(),
    }
    }
}

/// Recovery codes, shown the one time they exist in clear.
#[component]
fn RecoveryCodeList(codes: RecoveryCodes) -> impl IntoView {
    view! {
        <h3>"Your recovery codes"</h3>
        <p>"Each code signs you in once if you lose your phone. Print them or keep them somewhere safe: they are not shown again."</p>
        <ul class="recovery-codes" data-testid="recovery-codes">
            {codes.codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
        </ul>
    }
}

/// Shown instead of the portal while a staff account has no authenticator.
#[component]
pub fn ForcedMfaSetup(user: CurrentUser) -> impl IntoView {
    let portal = user.role.portal().path();
    view! {
        <Title text="Set up two-step sign-in"/>
        <Provider value=user.clone()>
            <div class="narrow">
                <h1>"Set up two-step sign-in"</h1>
                <p>{format!("Welcome, {}. Staff accounts sign in with a password and a code from an authenticator app, so that a stolen password alone cannot open patient records. Set it up to continue.", user.display_name)}</p>
                <div class="card">
                    <MfaSetup on_done=move |_| hard_navigate(portal)/>
                </div>
            </div>
        </Provider>
    }
}

/// The caller's two-step sign-in, for [`MfaSection`]: create it at the
/// page's top level (outside any suspense), reloaded when `refresh` changes.
pub fn mfa_resource(refresh: RwSignal<u32>) -> Resource<Result<MfaStatus, AppError>> {
    let session = crate::portal_session::PortalSession::get();
    Resource::new(move || refresh.get(), move |_| session.load(my_mfa()))
}

/// The account page's section: the state of two-step sign-in, new recovery
/// codes, and for patients turning it on or off.
#[component]
pub fn MfaSection(
    status: Resource<Result<MfaStatus, AppError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let reload = Callback::new(move |_| refresh.update(|n| *n += 1));
    view! {
        <section class="card" aria-labelledby="mfa-title">
            <h2 id="mfa-title">"Two-step sign-in"</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) => view! { <MfaState status reload/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn MfaState(status: MfaStatus, reload: Callback<()>) -> impl IntoView {
    if !status.enrolled {
        return view! {
            <p>"Protect your account with a code from your phone as well as your password."</p>
            <MfaSetup on_done=reload/>
        }
        .into_any();
    }
    let left = status.recovery_codes_left;
    view! {
        <p><span class="badge badge--ok">"On"</span>" You sign in with your password and a code from your authenticator app."</p>
        <p class="muted">{format!("Recovery codes left: {left} of 10.")}</p>
        <NewRecoveryCodes/>
        {(!status.required).then(|| view! { <TurnOffMfa reload/> })}
    }
    .into_any()
}

/// Replaces the recovery codes, after the password and a code.
#[component]
fn NewRecoveryCodes() -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let codes = RwSignal::new(None::<RecoveryCodes>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        leptos::task::spawn_local(async move {
            let answer = new_recovery_codes(password.get_untracked(), code.get_untracked()).await;
            password.set(String::new());
            code.set(String::new());
            match answer {
                Ok(fresh) => codes.set(Some(fresh)),
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        {move || codes.get().map(|codes| view! { <RecoveryCodeList codes/> })}
        <details class="disclosure">
            <summary>"New recovery codes"</summary>
            <form class="form" on:submit=on_submit novalidate>
                <FormAlert errors/>
                <p class="muted">"The codes you have now stop working."</p>
                <TextField label="Your password" name="password" kind="password" value=password error=errors.field("password") autocomplete="current-password" required=true/>
                <TextField label="Code from your app" name="codes_code" value=code error=errors.field("code") autocomplete="one-time-code" inputmode="numeric" required=true hint="Or one of your recovery codes."/>
                <button type="submit" class="btn">"Make new codes"</button>
            </form>
        </details>
    }
}

/// Turns two-step sign-in off (patients), after the password and a code.
#[component]
fn TurnOffMfa(reload: Callback<()>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        errors.set(None);
        leptos::task::spawn_local(async move {
            match disable_mfa(password.get_untracked(), code.get_untracked()).await {
                Ok(()) => reload.run(()),
                Err(e) => {
                    code.set(String::new());
                    errors.set(Some(e));
                }
            }
        });
    };
    view! {
        <details class="disclosure">
            <summary>"Turn off two-step sign-in"</summary>
            <form class="form" on:submit=on_submit novalidate>
                <FormAlert errors/>
                <TextField label="Your password" name="off_password" kind="password" value=password error=errors.field("password") autocomplete="current-password" required=true/>
                <TextField label="Code" name="off_code" value=code error=errors.field("code") autocomplete="one-time-code" inputmode="numeric" required=true/>
                <button type="submit" class="btn btn--danger">"Turn off"</button>
            </form>
        </details>
    }
}

/// Asks the signed-in user for their password (and code, with two-step
/// sign-in) before a sensitive action the server refused until they do.
/// `on_done` runs once confirmed; the form then says to try again. Not a
/// `<form>`: it shows inside the form whose submission was refused (which
/// keeps what was typed), and forms do not nest; Enter confirms here
/// instead of sending that form.
#[component]
pub fn ConfirmIdentityForm(on_done: Callback<()>) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let with_code = use_context::<CurrentUser>().is_none_or(|u| u.mfa_enrolled);
    let confirm = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        errors.set(None);
        leptos::task::spawn_local(async move {
            let answer =
                super::api::confirm_identity(password.get_untracked(), code.get_untracked()).await;
            busy.set(false);
            password.set(String::new());
            code.set(String::new());
            match answer {
                Ok(()) => {
                    done.set(true);
                    on_done.run(());
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            ev.stop_propagation();
            confirm();
        }
    };
    view! {
        <Show
            when=move || !done.get()
            fallback=|| view! { <div class="alert alert--success" role="status">"Thank you. Now try again."</div> }
        >
            <div class="confirm-identity" role="group" aria-labelledby="confirm-title" on:keydown=on_keydown>
                <p id="confirm-title" class="confirm-identity__title">"Confirm it is you"</p>
                <p>"For your security, this needs your password again"{with_code.then_some(" and a code from your authenticator app")}"."</p>
                <FormAlert errors/>
                <TextField label="Your password" name="confirm_password" kind="password" value=password error=errors.field("password") autocomplete="current-password" required=true/>
                {with_code.then(|| view! {
                    <TextField label="Code from your app" name="confirm_code" value=code error=errors.field("code") autocomplete="one-time-code" inputmode="numeric" required=true/>
                })}
                <button type="button" class="btn btn--primary" on:click=move |_| confirm() disabled=move || busy.get()>
                    {move || if busy.get() { "Checking…" } else { "Confirm" }}
                </button>
            </div>
        </Show>
    }
}
