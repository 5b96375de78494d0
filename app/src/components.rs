//! The design system's building blocks. Styling lives in `style/main.css`;
//! these components give every page the same markup, labels and states.

use leptos::prelude::*;
use shared::AppError;

/// The error of the last submission of a form, shared by its fields.
#[derive(Clone, Copy)]
pub struct FormErrors(pub RwSignal<Option<AppError>>);

impl FormErrors {
    pub fn new() -> Self {
        Self(RwSignal::new(None))
    }

    /// The message for one field, if the last error named it.
    pub fn field(self, name: &'static str) -> Signal<Option<String>> {
        let errors = self.0;
        Signal::derive(move || errors.get().and_then(|e| e.field_message(name)))
    }

    /// [`FormErrors::field`] for names built at run time (`coverages.0.payer`).
    pub fn field_named(self, name: String) -> Signal<Option<String>> {
        let errors = self.0;
        Signal::derive(move || errors.get().and_then(|e| e.field_message(&name)))
    }

    pub fn set(self, error: Option<AppError>) {
        self.0.set(error);
    }
}

/// Search as you type, latest answer wins: every keystroke takes a ticket,
/// which makes all earlier ones stale. A call is made only once typing has
/// paused (the debounce) and its answer is used only if no newer keystroke
/// came meanwhile, so a slow answer never overwrites a newer one.
#[derive(Clone, Copy)]
pub struct LatestOnly(StoredValue<u64>);

impl Default for LatestOnly {
    fn default() -> Self {
        Self::new()
    }
}

impl LatestOnly {
    pub fn new() -> Self {
        Self(StoredValue::new(0))
    }

    /// A new ticket; every earlier one is now stale.
    pub fn take(self) -> u64 {
        let ticket = self.0.get_value() + 1;
        self.0.set_value(ticket);
        ticket
    }

    /// The newest ticket, for a follow-up of the current query (next page).
    pub fn current(self) -> u64 {
        self.0.get_value()
    }

    /// Whether `ticket` is the newest. False once the component is gone:
    /// a timer or an answer that outlives its search box does nothing.
    pub fn is_current(self, ticket: u64) -> bool {
        self.0.try_get_value() == Some(ticket)
    }

    /// Runs `run` after `pause` unless a newer ticket was taken meanwhile.
    pub fn debounce(self, ticket: u64, pause_ms: u64, run: impl FnOnce() + 'static) {
        set_timeout(
            move || {
                if self.is_current(ticket) {
                    run();
                }
            },
            std::time::Duration::from_millis(pause_ms),
        );
    }
}

/// A view of one text field inside a form held in a single signal: read it
/// with `get`, change it with `set`. Lets one component bind any field,
/// including fields of list items.
pub fn lens<T: Clone + Send + Sync + 'static>(
    form: RwSignal<T>,
    get: impl Fn(&T) -> String + Send + Sync + 'static,
    set: impl Fn(&mut T, String) + Send + Sync + 'static,
) -> (Signal<String>, Callback<String>) {
    (
        Signal::derive(move || form.with(|f| get(f))),
        Callback::new(move |v: String| form.update(|f| set(f, v))),
    )
}

/// [`lens`] for a checkbox.
pub fn lens_bool<T: Clone + Send + Sync + 'static>(
    form: RwSignal<T>,
    get: impl Fn(&T) -> bool + Send + Sync + 'static,
    set: impl Fn(&mut T, bool) + Send + Sync + 'static,
) -> (Signal<bool>, Callback<bool>) {
    (
        Signal::derive(move || form.with(|f| get(f))),
        Callback::new(move |v: bool| form.update(|f| set(f, v))),
    )
}

/// A labelled input bound through a [`lens`]; `kind` is the input type
/// (`text`, `date`, `datetime-local`, `tel`, `email`, `number`, …).
#[component]
pub fn Input(
    label: &'static str,
    #[prop(into)] name: String,
    bind: (Signal<String>, Callback<String>),
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] step: Option<&'static str>,
) -> impl IntoView {
    let (value, set) = bind;
    let id = format!("field-{}", name.replace('.', "-"));
    let described = if hint.is_some() {
        format!("{id}-hint {id}-error")
    } else {
        format!("{id}-error")
    };
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}{required.then_some(" *")}</label>
            {hint.map(|h| view! { <p class="field__hint" id=format!("{id}-hint")>{h}</p> })}
            <input
                id=id.clone()
                name=name
                type=kind
                dir="auto"
                step=step
                inputmode=inputmode
                autocomplete=autocomplete
                aria-required=required.then_some("true")
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |ev| set.run(event_target_value(&ev))
            />
            <p class="field__error" id=format!("{id}-error") aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

/// A multi-line text field bound through a [`lens`].
#[component]
pub fn TextArea(
    label: &'static str,
    #[prop(into)] name: String,
    bind: (Signal<String>, Callback<String>),
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = 3)] rows: u32,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let (value, set) = bind;
    let id = format!("field-{}", name.replace('.', "-"));
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field__hint">{h}</p> })}
            <textarea
                id=id.clone()
                name=name
                dir="auto"
                rows=rows
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=format!("{id}-error")
                prop:value=move || value.get()
                on:input=move |ev| set.run(event_target_value(&ev))
            ></textarea>
            <p class="field__error" id=format!("{id}-error") aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

/// A drop-down list bound through a [`lens`].
#[component]
pub fn Select(
    label: &'static str,
    #[prop(into)] name: String,
    bind: (Signal<String>, Callback<String>),
    #[prop(into)] error: Signal<Option<String>>,
    options: Vec<(String, String)>,
    #[prop(optional)] required: bool,
    #[prop(default = "Choose…")] placeholder: &'static str,
) -> impl IntoView {
    let (value, set) = bind;
    let id = format!("field-{}", name.replace('.', "-"));
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}{required.then_some(" *")}</label>
            <select
                id=id.clone()
                name=name
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=format!("{id}-error")
                prop:value=move || value.get()
                on:change=move |ev| set.run(event_target_value(&ev))
            >
                <option value="">{placeholder}</option>
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let v2 = v.clone();
                        view! { <option value=v selected=move || value.get() == v2>{l}</option> }
                    })
                    .collect_view()}
            </select>
            <p class="field__error" id=format!("{id}-error") aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

/// A checkbox with its label, bound through [`lens_bool`].
#[component]
pub fn Check(
    label: &'static str,
    #[prop(into)] name: String,
    bind: (Signal<bool>, Callback<bool>),
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let (value, set) = bind;
    let id = format!("field-{}", name.replace('.', "-"));
    view! {
        <div class="field field--check" class:field--invalid=move || error.get().is_some()>
            <label for=id.clone()>
                <input
                    id=id.clone()
                    name=name
                    type="checkbox"
                    prop:checked=move || value.get()
                    on:change=move |ev| set.run(event_target_checked(&ev))
                />
                " "{label}
            </label>
            <p class="field__error" aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

/// A submit button that says what it is doing while busy.
#[component]
pub fn Submit(
    label: &'static str,
    busy_label: &'static str,
    busy: RwSignal<bool>,
    #[prop(default = "btn btn--primary")] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || busy.get()>
            {move || if busy.get() { busy_label } else { label }}
        </button>
    }
}

impl Default for FormErrors {
    fn default() -> Self {
        Self::new()
    }
}

/// A labelled input with its hint and its error message underneath.
#[component]
pub fn TextField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    /// The keyboard a phone offers (`numeric` for codes typed as digits).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let described = if hint.is_some() {
        format!("{id}-hint {id}-error")
    } else {
        format!("{id}-error")
    };
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=format!("{id}-hint")>{h}</p> })}
            <input
                id=id.clone()
                name=name
                type=kind
                dir="auto"
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <p class="field__error" id=format!("{id}-error") aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

/// A labelled drop-down list.
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    /// (value, label) pairs; an empty first option asks the user to choose.
    options: Vec<(String, String)>,
    #[prop(optional)] required: bool,
    /// The label of the empty first option.
    #[prop(default = "Choose…")]
    placeholder: &'static str,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=id.clone()>{label}</label>
            <select
                id=id.clone()
                name=name
                required=required
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=format!("{id}-error")
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            >
                <option value="">{placeholder}</option>
                {options
                    .into_iter()
                    .map(|(v, l)| view! { <option value=v.clone() selected=move || value.get() == v>{l}</option> })
                    .collect_view()}
            </select>
            <p class="field__error" id=format!("{id}-error") aria-live="polite">{move || error.get()}</p>
        </div>
    }
}

/// The form-level message for errors that are not about one field. When the
/// server asks the user to confirm who they are first, it shows the
/// portal's [`ConfirmIdentity`] form; once confirmed, the error is cleared
/// and the form (with everything typed in it) can be sent again.
#[component]
pub fn FormAlert(errors: FormErrors) -> impl IntoView {
    let confirm = use_context::<ConfirmIdentity>();
    move || {
        errors.0.get().map(|e| match (&e, confirm) {
            (AppError::ReauthRequired, Some(confirm)) => {
                confirm.0.run(Callback::new(move |()| errors.set(None)))
            }
            _ => {
                let text = e.to_string();
                view! { <div class="alert alert--error" role="alert">{text}</div> }.into_any()
            }
        })
    }
}

/// How a portal asks its user to confirm who they are before a sensitive
/// action: a view given what to do once confirmed. The layouts provide it
/// (the form lives with sign-in), so these building blocks need not know it.
#[derive(Clone, Copy)]
pub struct ConfirmIdentity(pub Callback<Callback<()>, AnyView>);

/// Content that exists only in the browser: the server and the hydrating
/// browser both render `<Loading/>`, and the children are built once the page
/// has hydrated. For views that load through `LocalResource`s (pickers and
/// lists that follow the user's choices): these never load on the server, so
/// rendering them there and hydrating them can disagree, which aborts
/// hydration for the whole page when it is loaded directly.
#[component]
pub fn ClientOnly(children: ChildrenFn) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| hydrated.set(true));
    let children = StoredValue::new(children);
    move || {
        if hydrated.get() {
            children.with_value(|c| c()).into_any()
        } else {
            view! { <Loading/> }.into_any()
        }
    }
}

/// A shown error from loading data, with the same wording everywhere.
#[component]
pub fn ErrorBox(error: AppError) -> impl IntoView {
    if let (AppError::ReauthRequired, Some(confirm)) = (&error, use_context::<ConfirmIdentity>()) {
        return confirm.0.run(Callback::new(|()| ())).into_any();
    }
    let signed_out = matches!(error, AppError::Unauthorized);
    view! {
        <div class="alert alert--error" role="alert">
            <p>{error.to_string()}</p>
            {signed_out.then(|| view! { <p><a href="/">"Sign in again"</a></p> })}
        </div>
    }
    .into_any()
}

/// What a list shows while it loads.
#[component]
pub fn Loading(#[prop(default = "Loading…")] label: &'static str) -> impl IntoView {
    view! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {label}
        </div>
    }
}

/// What a list shows when there is nothing in it.
#[component]
pub fn EmptyState(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="empty">
            <p class="empty__title">{title}</p>
            <div class="empty__body">{children()}</div>
        </div>
    }
}

/// A banner that appears when the browser loses its connection, and confirms
/// when the server is reachable again (probed with a plain GET of `/healthz`).
#[component]
pub fn OfflineBanner() -> impl IntoView {
    // Starts "online" on both server and client so hydration matches; the
    // browser's real state is read once hydrated.
    let online = RwSignal::new(true);
    let reconnected = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        Effect::new(move |_| {
            if let Some(w) = web_sys::window() {
                online.set(w.navigator().on_line());
            }
        });
        let off = window_event_listener(leptos::ev::offline, move |_| {
            reconnected.set(false);
            online.set(false);
        });
        let on = window_event_listener(leptos::ev::online, move |_| {
            leptos::task::spawn_local(async move {
                let ok = gloo_net::http::Request::get("/healthz")
                    .send()
                    .await
                    .map(|r| r.ok())
                    .unwrap_or(false);
                online.set(ok);
                reconnected.set(ok);
            });
        });
        on_cleanup(move || {
            off.remove();
            on.remove();
        });
    }
    view! {
        <div class="offline-banner" role="status" aria-live="polite" class:offline-banner--shown=move || !online.get()>
            {move || if online.get() { String::new() } else {
                "You are offline. Pages you opened before still show; changes need a connection.".to_string()
            }}
        </div>
        <div class="online-banner" role="status" class:online-banner--shown=move || online.get() && reconnected.get()>
            {move || if online.get() && reconnected.get() { "Back online." } else { "" }}
        </div>
    }
}

/// A time on the hospital's wall clock, as "2026-12-03 09:30".
pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    crate::zone::local(t).format("%Y-%m-%d %H:%M").to_string()
}

/// The day of an instant at the hospital, as "3 Dec 2026".
pub fn format_day(t: chrono::DateTime<chrono::Utc>) -> String {
    crate::zone::local(t).format("%-d %b %Y").to_string()
}

/// Runs a form submission: marks the form busy, calls the server, then shows
/// the error on the form or hands the answer to `on_ok`.
pub fn submit_with<T: 'static>(
    busy: RwSignal<bool>,
    errors: FormErrors,
    call: impl std::future::Future<Output = Result<T, AppError>> + 'static,
    on_ok: impl FnOnce(T) + 'static,
) {
    busy.set(true);
    leptos::task::spawn_local(async move {
        let result = call.await;
        busy.set(false);
        match result {
            Ok(value) => {
                errors.set(None);
                on_ok(value);
            }
            Err(e) => errors.set(Some(e)),
        }
    });
}

/// [`submit_with`] for a change that what shows it must reload: bumps
/// `version` (the key of its resource) once the server agreed.
pub fn submit_then_reload<T: 'static>(
    busy: RwSignal<bool>,
    errors: FormErrors,
    call: impl std::future::Future<Output = Result<T, AppError>> + 'static,
    version: RwSignal<u32>,
) {
    submit_with(busy, errors, call, move |_| version.update(|v| *v += 1));
}

/// Whole years between a birth date and a day.
pub fn age_on(birth: chrono::NaiveDate, day: chrono::NaiveDate) -> u32 {
    day.years_since(birth).unwrap_or(0)
}

/// For a field that never shows an error (a filter).
pub fn no_error() -> Signal<Option<String>> {
    Signal::derive(|| None)
}

/// The `:id` of the page's address.
pub fn id_param() -> Memo<Option<uuid::Uuid>> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| uuid::Uuid::parse_str(&s).ok())
    })
}
