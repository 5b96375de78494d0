//! Sign-in, patient self-registration, and the account page (password and sessions).

use leptos::context::Provider;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::auth::{
    CurrentUser, LoginOutcome, LoginStep, PasswordChangeForm, SelfRegistrationForm,
};
use shared::patients::AdministrativeSex;
use shared::validate::Email;
use shared::AppError;

use super::api::{
    change_password, end_my_session, login, login_code, my_sessions, register_patient,
};
use crate::components::{
    format_time, EmptyState, ErrorBox, FormAlert, FormErrors, Loading, SelectField, TextField,
};
use crate::portal_session::hard_navigate;

/// Only same-site paths are followed after sign-in, never another origin.
fn safe_next(next: Option<String>, fallback: String) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") => n,
        _ => fallback,
    }
}

/// E-mail and password, then (for an account with two-step sign-in) the
/// code from the authenticator app. On success the browser goes to the
/// user's portal (or back to `next` when that page belongs to the same
/// portal), unless `on_signed_in` is given: signing in again over a page
/// whose session ended (`auth::idle`) stays on the page.
#[component]
pub fn LoginForm(
    next: Option<String>,
    #[prop(optional, into)] on_signed_in: Option<Callback<LoginOutcome>>,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    // The password was right and the code is asked for.
    let code_step = RwSignal::new(false);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let next = StoredValue::new(next);
    let signed_in = move |outcome: LoginOutcome| {
        if let Some(done) = on_signed_in {
            busy.set(false);
            done.run(outcome);
            return;
        }
        let portal = outcome.redirect_to.clone();
        let to = safe_next(next.get_value().filter(|n| n.starts_with(&portal)), portal);
        hard_navigate(&to);
    };
    let on_password = move |ev: SubmitEvent| {
        ev.prevent_default();
        if let Err(m) = Email::parse(&email.get_untracked()) {
            errors.set(Some(AppError::field("email", m)));
            return;
        }
        if password.get_untracked().is_empty() {
            errors.set(Some(AppError::field("password", "Enter your password.")));
            return;
        }
        busy.set(true);
        errors.set(None);
        leptos::task::spawn_local(async move {
            let answer = login(email.get_untracked(), password.get_untracked()).await;
            password.set(String::new());
            match answer {
                Ok(LoginStep::SignedIn(outcome)) => signed_in(outcome),
                Ok(LoginStep::CodeRequired) => {
                    busy.set(false);
                    code_step.set(true);
                }
                Err(e) => {
                    busy.set(false);
                    errors.set(Some(e));
                }
            }
        });
    };
    let on_code = move |ev: SubmitEvent| {
        ev.prevent_default();
        if code.get_untracked().trim().is_empty() {
            errors.set(Some(AppError::field(
                "code",
                "Enter the code from your authenticator app.",
            )));
            return;
        }
        busy.set(true);
        errors.set(None);
        leptos::task::spawn_local(async move {
            match login_code(code.get_untracked()).await {
                Ok(outcome) => signed_in(outcome),
                Err(e) => {
                    busy.set(false);
                    code.set(String::new());
                    // Anything but a wrong code ends the half-done sign-in.
                    if !matches!(e, AppError::Validation(_)) {
                        code_step.set(false);
                    }
                    errors.set(Some(e));
                }
            }
        });
    };
    view! {
        <Show
            when=move || code_step.get()
            fallback=move || view! {
                <form class="form" on:submit=on_password novalidate>
                    <FormAlert errors/>
                    <TextField label="E-mail" name="email" kind="email" value=email error=errors.field("email") autocomplete="username" required=true/>
                    <TextField label="Password" name="password" kind="password" value=password error=errors.field("password") autocomplete="current-password" required=true/>
                    <button type="submit" class="btn btn--primary btn--block" disabled=move || busy.get()>
                        {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                    <p class="form__aside"><a href="/forgot-password">"Forgot your password?"</a></p>
                </form>
            }
        >
            <form class="form" on:submit=on_code novalidate>
                <FormAlert errors/>
                <p>"Open your authenticator app and type the six-digit code it shows for HMS."</p>
                <TextField label="Code" name="code" value=code error=errors.field("code") autocomplete="one-time-code" inputmode="numeric" required=true hint="Lost your phone? Type one of your recovery codes instead."/>
                <button type="submit" class="btn btn--primary btn--block" disabled=move || busy.get()>
                    {move || if busy.get() { "Checking…" } else { "Verify and sign in" }}
                </button>
                <button type="button" class="btn btn--ghost btn--block" on:click=move |_| { code_step.set(false); errors.set(None); }>
                    "Start again"
                </button>
            </form>
        </Show>
    }
}

/// A patient creates their own account and patient record.
#[component]
pub fn RegisterPage() -> impl IntoView {
    let given_name = RwSignal::new(String::new());
    let family_name = RwSignal::new(String::new());
    let date_of_birth = RwSignal::new(String::new());
    let sex = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let password_confirm = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let form = SelfRegistrationForm {
            given_name: given_name.get_untracked(),
            family_name: family_name.get_untracked(),
            date_of_birth: date_of_birth.get_untracked(),
            sex: sex.get_untracked(),
            phone: phone.get_untracked(),
            email: email.get_untracked(),
            password: password.get_untracked(),
            password_confirm: password_confirm.get_untracked(),
        };
        // The same rules the server applies, for instant feedback.
        if let Err(e) = form.parse(chrono::Utc::now().date_naive()) {
            errors.set(Some(e));
            return;
        }
        errors.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            match register_patient(form).await {
                Ok(outcome) => hard_navigate(&outcome.redirect_to),
                Err(e) => {
                    busy.set(false);
                    errors.set(Some(e));
                }
            }
        });
    };
    let sexes = AdministrativeSex::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect::<Vec<_>>();
    view! {
        <Title text="Create your account"/>
        <div class="portal portal--patient">
            <main class="portal__main narrow">
                <p><a href="/">"← Back to sign in"</a></p>
                <h1>"Create your patient account"</h1>
                <p class="muted">"Your account and your patient record are created together. You will get your medical record number (MRN) straight away."</p>
                <form class="form card" on:submit=on_submit novalidate>
                    <FormAlert errors/>
                    <TextField label="Given name" name="given_name" value=given_name error=errors.field("given_name") autocomplete="given-name" required=true/>
                    <TextField label="Family name" name="family_name" value=family_name error=errors.field("family_name") autocomplete="family-name" required=true/>
                    <TextField label="Date of birth" name="date_of_birth" kind="date" value=date_of_birth error=errors.field("date_of_birth") autocomplete="bday" required=true/>
                    <SelectField label="Sex (as on your official documents)" name="sex" value=sex error=errors.field("sex") options=sexes required=true/>
                    <TextField label="Mobile phone" name="phone" kind="tel" value=phone error=errors.field("phone") autocomplete="tel" hint="Optional. Used for appointment reminders if you agree to them."/>
                    <TextField label="E-mail" name="email" kind="email" value=email error=errors.field("email") autocomplete="email" required=true/>
                    <TextField label="Password" name="password" kind="password" value=password error=errors.field("password") autocomplete="new-password" required=true hint="At least 10 characters. A few unrelated words make a strong password."/>
                    <TextField label="Repeat the password" name="password_confirm" kind="password" value=password_confirm error=errors.field("password_confirm") autocomplete="new-password" required=true/>
                    <button type="submit" class="btn btn--primary btn--block" disabled=move || busy.get()>
                        {move || if busy.get() { "Creating your account…" } else { "Create account" }}
                    </button>
                </form>
            </main>
        </div>
    }
}

/// Current, new and repeated password. Calls `on_done` after a successful change.
#[component]
fn PasswordChange(#[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let user = use_context::<CurrentUser>();
    let email = user.map(|u| u.email).unwrap_or_default();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let form = PasswordChangeForm {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
            new_password_confirm: confirm.get_untracked(),
        };
        if let Err(e) = form.parse(&email) {
            errors.set(Some(e));
            return;
        }
        errors.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = change_password(form).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                    on_done.run(());
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="form" on:submit=on_submit novalidate>
            <FormAlert errors/>
            <TextField label="Current password" name="current_password" kind="password" value=current error=errors.field("current_password") autocomplete="current-password" required=true/>
            <TextField label="New password" name="new_password" kind="password" value=new error=errors.field("new_password") autocomplete="new-password" required=true hint="At least 10 characters; not a common password."/>
            <TextField label="Repeat the new password" name="new_password_confirm" kind="password" value=confirm error=errors.field("new_password_confirm") autocomplete="new-password" required=true/>
            <button type="submit" class="btn btn--primary" disabled=move || busy.get()>
                {move || if busy.get() { "Saving…" } else { "Change password" }}
            </button>
        </form>
    }
}

/// Shown instead of the portal while the account still has its temporary password.
#[component]
pub fn ForcedPasswordChange(user: CurrentUser) -> impl IntoView {
    let portal = user.role.portal().path();
    view! {
        <Title text="Choose your password"/>
        <Provider value=user.clone()>
            <div class="narrow">
                <h1>"Choose your own password"</h1>
                <p>{format!("Welcome, {}. Your account was set up with a temporary password. Choose a new one to continue.", user.display_name)}</p>
                <div class="card">
                    <PasswordChange on_done=move |_| hard_navigate(portal)/>
                </div>
            </div>
        </Provider>
    }
}

/// The caller's password and sessions, in every portal.
#[component]
pub fn AccountPage() -> impl IntoView {
    let changed = RwSignal::new(false);
    let refresh = RwSignal::new(0u32);
    let session = crate::portal_session::PortalSession::get();
    let sessions = Resource::new(move || refresh.get(), move |_| session.load(my_sessions()));
    let mfa_refresh = RwSignal::new(0u32);
    let mfa = crate::auth::mfa_pages::mfa_resource(mfa_refresh);
    let end_error = RwSignal::new(None::<AppError>);
    let end = move |handle: uuid::Uuid| {
        leptos::task::spawn_local(async move {
            match end_my_session(handle.into()).await {
                Ok(()) => {
                    end_error.set(None);
                    refresh.update(|n| *n += 1);
                }
                Err(e) => end_error.set(Some(e)),
            }
        });
    };
    view! {
        <crate::portal_session::Gate>
        <Title text="Account"/>
        <h1>"Account and security"</h1>
        <div class="grid">
            <section class="card" aria-labelledby="pw-title">
                <h2 id="pw-title">"Change password"</h2>
                {move || changed.get().then(|| view! {
                    <div class="alert alert--success" role="status">"Your password was changed. Your other sessions were signed out."</div>
                })}
                <PasswordChange on_done=move |_| { changed.set(true); refresh.update(|n| *n += 1); }/>
            </section>
            <crate::auth::mfa_pages::MfaSection status=mfa refresh=mfa_refresh/>
            <section class="card" aria-labelledby="sessions-title">
                <h2 id="sessions-title">"Where you are signed in"</h2>
                {move || end_error.get().map(|e| view! { <ErrorBox error=e/> })}
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match sessions.await {
                            Ok(list) if list.is_empty() => view! {
                                <EmptyState title="No active sessions">"Sessions appear here when you sign in."</EmptyState>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="session-list">
                                    {list.into_iter().map(|s| {
                                        let handle = s.handle;
                                        view! {
                                            <li class="session-list__item">
                                                <div>
                                                    <strong title=s.user_agent.clone()>{shared::auth::describe_device(&s.user_agent)}</strong>
                                                    {s.current.then(|| view! { <span class="badge badge--ok">"This device"</span> })}
                                                    <p class="muted">{format!("From {} · signed in {} · last active {}", s.client_addr, format_time(s.created_at), format_time(s.last_seen_at))}</p>
                                                </div>
                                                {(!s.current).then(|| view! {
                                                    <button type="button" class="btn btn--ghost" on:click=move |_| end(handle.into())>"End session"</button>
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
        </crate::portal_session::Gate>
    }
}
