//! The warning before a session ends for inactivity, and signing in again
//! without leaving the page.
//!
//! A session ends after a time without requests (15 minutes for staff, 30
//! for patients by default: `guard::authenticate_with`). Typing a long note
//! sends none, so without a warning a clinician would lose the note at
//! "Save". In every portal, the page asks the server what the session has
//! left (`auth/session_left`, which does not count as activity) and, a minute
//! before the end, shows a countdown with "Stay signed in"
//! (`auth/keep_alive`). Once the session has ended it shows the sign-in form
//! over the page instead of leaving it: whatever was typed stays in the
//! page's fields, and the page carries on once the same user has signed in
//! again. Activity in another tab counts: the page asks again before
//! warning.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::auth::{LoginOutcome, SessionRemaining};
use shared::ids::UserId;
use shared::AppError;

use crate::auth::pages::LoginForm;
use crate::portal_session::hard_navigate;

/// What the caller's session has left, without counting this as activity;
/// `None` when nobody is signed in (any more).
#[server(endpoint = "auth/session_left", input = Json)]
pub async fn session_left() -> Result<Option<SessionRemaining>, AppError> {
    crate::audited::public(async || {
        let ctx = crate::state::server_context()?;
        let session = crate::auth::guard::current_session().await?;
        crate::auth::guard::session_left(&ctx, &session).await
    })
    .await
}
crate::access!("auth/session_left", Public, no_patient_data);

/// Counts now as the caller's activity: "Stay signed in".
#[server(endpoint = "auth/keep_alive", input = Json)]
pub async fn keep_alive() -> Result<SessionRemaining, AppError> {
    crate::audited::plain(crate::auth::guard::authenticate_active, async |caller| {
        crate::auth::guard::keep_alive(caller).await
    })
    .await
}
crate::access!("auth/keep_alive", SignedIn, no_patient_data);

/// Where the page stands.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Nothing to show.
    Quiet,
    /// The session ends at `ends_at` (browser milliseconds); `extendable`
    /// unless it is the session's absolute lifetime that ends.
    Warning { ends_at: f64, extendable: bool },
    /// The session has ended: the sign-in form, over the page.
    SignedOut,
}

/// The browser's clock in milliseconds (the ticks run only in the browser).
fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    return js_sys::Date::now();
    #[cfg(not(feature = "hydrate"))]
    0.0
}

/// The countdown and the sign-in form of a signed-in portal page.
#[component]
pub fn IdleWarning(user_id: UserId) -> impl IntoView {
    let phase = RwSignal::new(Phase::Quiet);
    let now = RwSignal::new(0.0_f64);
    // When to ask the server next (browser ms); 0: at the next tick.
    let next_check = RwSignal::new(0.0_f64);
    let asking = RwSignal::new(false);
    let apply = move |answer: Result<Option<SessionRemaining>, AppError>| {
        let at = now_ms();
        match answer {
            Ok(Some(left)) => {
                let ends_at = at + left.ends_in() as f64 * 1000.0;
                let warn_at = ends_at - left.warn_before() as f64 * 1000.0;
                if warn_at > at {
                    phase.set(Phase::Quiet);
                    next_check.set(warn_at);
                } else {
                    let extendable = left.extendable();
                    phase.set(Phase::Warning {
                        ends_at,
                        extendable,
                    });
                    next_check.set(ends_at + 1000.0);
                }
            }
            Ok(None) | Err(AppError::Unauthorized) => {
                phase.set(Phase::SignedOut);
                next_check.set(f64::INFINITY);
            }
            // The network or the server is away: ask again a little later.
            Err(_) => next_check.set(at + 15_000.0),
        }
    };
    // One tick a second, in the browser only (effects do not run on the
    // server): the countdown, and the server asked when it is time.
    Effect::new(move |_| {
        let tick = move || {
            let at = now_ms();
            now.set(at);
            if at >= next_check.get_untracked() && !asking.get_untracked() {
                asking.set(true);
                leptos::task::spawn_local(async move {
                    let answer = session_left().await;
                    asking.set(false);
                    apply(answer);
                });
            }
        };
        if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            on_cleanup(move || handle.clear());
        }
    });
    let stay = move |_| {
        leptos::task::spawn_local(async move { apply(keep_alive().await.map(Some)) });
    };
    let signed_in_again = Callback::new(move |outcome: LoginOutcome| {
        if outcome.user.id == user_id {
            phase.set(Phase::Quiet);
            next_check.set(0.0);
        } else {
            // Someone else: this page holds the first user's work and data.
            hard_navigate(&outcome.redirect_to);
        }
    });
    let stay_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = stay_button.get() {
            let _ = button.focus();
        }
    });
    move || {
        match phase.get() {
        Phase::Quiet => None,
        Phase::Warning {
            ends_at,
            extendable,
        } => {
            let seconds = move || ((ends_at - now.get()) / 1000.0).ceil().max(0.0) as i64;
            let text = if extendable {
                "Nothing has been sent from this device for a while. To protect patients' information, you will be signed out in"
            } else {
                "Your session reaches its longest allowed time and ends in"
            };
            Some(
                view! {
                    <div class="idle-overlay">
                        <section class="idle-dialog card" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" aria-describedby="idle-text">
                            <h2 id="idle-title">"Are you still there?"</h2>
                            <p id="idle-text">
                                {text}" "<strong data-testid="idle-countdown">{seconds}</strong>" seconds. "
                                {if extendable { "What you typed stays on this page." } else { "Save your work: you will be asked to sign in again." }}
                            </p>
                            {extendable.then(|| view! {
                                <button type="button" class="btn btn--primary btn--block" node_ref=stay_button on:click=stay>"Stay signed in"</button>
                            })}
                        </section>
                    </div>
                }
                .into_any(),
            )
        }
        Phase::SignedOut => Some(
            view! {
                <div class="idle-overlay">
                    <section class="idle-dialog card" role="dialog" aria-modal="true" aria-labelledby="idle-title">
                        <h2 id="idle-title">"You were signed out"</h2>
                        <p>"The session ended after a time without activity. Sign in again to carry on: what you typed on this page is kept."</p>
                        <LoginForm next=None on_signed_in=signed_in_again/>
                    </section>
                </div>
            }
            .into_any(),
        ),
    }
    }
}
