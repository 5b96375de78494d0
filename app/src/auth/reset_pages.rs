//! The pages of a forgotten password: asking for a link, and choosing a new
//! password with it (`auth::reset`). Outside the portals, like registration.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use shared::auth::{PasswordResetForm, PASSWORD_RESET_MINUTES};
use shared::validate::Email;
use shared::AppError;

use super::reset::{complete_password_reset, request_password_reset};
use crate::components::{FormAlert, FormErrors, TextField};

/// The page around both forms.
#[component]
fn ResetLayout(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title/>
        <div class="portal portal--patient">
            <main class="portal__main narrow">
                <p><a href="/">"← Back to sign in"</a></p>
                <h1>{title}</h1>
                {children()}
            </main>
        </div>
    }
}

/// `/forgot-password`: the account's e-mail address, then the same answer
/// whether or not an account uses it.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    // The address a link was asked for.
    let asked = RwSignal::new(None::<String>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let address = email.get_untracked();
        if let Err(m) = Email::parse(&address) {
            errors.set(Some(AppError::field("email", m)));
            return;
        }
        errors.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = request_password_reset(address.clone()).await;
            busy.set(false);
            match answer {
                Ok(()) => asked.set(Some(address)),
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <ResetLayout title="Reset your password">
            <Show
                when=move || asked.with(Option::is_some)
                fallback=move || view! {
                    <p class="muted">"Type the e-mail address of your patient account. We will send it a link to choose a new password."</p>
                    <form class="form card" on:submit=on_submit novalidate>
                        <FormAlert errors/>
                        <TextField label="E-mail" name="email" kind="email" value=email error=errors.field("email") autocomplete="email" required=true/>
                        <button type="submit" class="btn btn--primary btn--block" disabled=move || busy.get()>
                            {move || if busy.get() { "Sending…" } else { "Send the link" }}
                        </button>
                    </form>
                }
            >
                <div class="card" role="status">
                    <p>
                        "If a patient account uses "
                        <strong dir="auto">{move || asked.get().unwrap_or_default()}</strong>
                        {format!(", we have sent it a link to choose a new password. The link works for {PASSWORD_RESET_MINUTES} minutes, once.")}
                    </p>
                    <p class="muted">"Nothing after a few minutes? Look in your spam folder, check the address and ask again."</p>
                </div>
            </Show>
            <p class="muted">"Staff accounts: your hospital's administrator resets your password."</p>
        </ResetLayout>
    }
}

/// `/reset-password?token=…`: the new password, twice.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_map()
        .with_untracked(|q| q.get("token"))
        .unwrap_or_default();
    let token = StoredValue::new(token);
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let form = PasswordResetForm {
            token: token.get_value(),
            new_password: new.get_untracked(),
            new_password_confirm: confirm.get_untracked(),
        };
        // The same rules the server applies, for instant feedback.
        if let Err(e) = form.parse(None) {
            errors.set(Some(e));
            return;
        }
        errors.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = complete_password_reset(form).await;
            busy.set(false);
            match answer {
                Ok(()) => {
                    new.set(String::new());
                    confirm.set(String::new());
                    done.set(true);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    // A link that cannot be used: say so, and offer a new one.
    let link_error = errors.field("token");
    let form = move || {
        if token.with_value(String::is_empty) {
            return view! {
                <div class="alert alert--error" role="alert">
                    "This link is incomplete. Open the link from the e-mail again, or "
                    <a href="/forgot-password">"ask for a new one"</a>"."
                </div>
            }
            .into_any();
        }
        view! {
            {move || link_error.get().map(|m| view! {
                <div class="alert alert--error" role="alert">
                    {m}" "<a href="/forgot-password">"Ask for a new link"</a>
                </div>
            })}
            <p class="muted">"Every device signed in to your account is signed out when the password changes."</p>
            <form class="form card" on:submit=on_submit novalidate>
                <TextField label="New password" name="new_password" kind="password" value=new error=errors.field("new_password") autocomplete="new-password" required=true hint="At least 10 characters. A few unrelated words make a strong password."/>
                <TextField label="Repeat the new password" name="new_password_confirm" kind="password" value=confirm error=errors.field("new_password_confirm") autocomplete="new-password" required=true/>
                {move || errors.field("token").get().is_none().then(|| view! { <FormAlert errors/> })}
                <button type="submit" class="btn btn--primary btn--block" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save the new password" }}
                </button>
            </form>
        }
        .into_any()
    };
    view! {
        <ResetLayout title="Choose a new password">
            <Show when=move || done.get() fallback=form>
                <div class="card" role="status">
                    <p>"Your password has been changed. Every device that was signed in to your account has been signed out."</p>
                    <p><a class="btn btn--primary" href="/">"Sign in"</a></p>
                </div>
            </Show>
        </ResetLayout>
    }
}
