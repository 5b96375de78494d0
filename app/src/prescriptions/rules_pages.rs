//! `/clinic/pharmacy/rules`: the pharmacy's local interaction and allergy
//! rules, checked like the shipped ones.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::decision::{AlertSeverity, RuleForm, RuleKind, RuleView, TermKind};
use shared::Permission;

use super::rules_api::{add_rule, list_rules, retire_rule};
use crate::components::{
    format_time, lens, ClientOnly, EmptyState, ErrorBox, FormAlert, FormErrors, Input, Loading,
    Select, Submit, TextArea,
};
use crate::portal_session::{current_user, Gate, PortalSession};

#[component]
pub fn RulesPage() -> impl IntoView {
    view! {
        <Title text="Local rules"/>
        <Gate>
            <h1>"Local interaction and allergy rules"</h1>
            <ClientOnly>
            {move || if current_user().role.can(Permission::ManageDrugRules) {
                view! { <Rules/> }.into_any()
            } else {
                view! { <p class="muted">"Local rules are kept by the pharmacy."</p> }.into_any()
            }}
            </ClientOnly>
        </Gate>
    }
}

#[component]
fn Rules() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let rules = Resource::new(move || version.get(), move |_| session.load(list_rules()));
    view! {
        <p class="muted">"The shipped interaction data (NDF-RT, ONC high-priority list) and cross-reactivity rules are checked for every prescription; rules added here are checked the same way, from the next prescription on."</p>
        <div class="grid grid--wide">
            <section class="card" aria-labelledby="new-rule-title">
                <h2 id="new-rule-title">"Add a rule"</h2>
                <RuleEditor version/>
            </section>
            <section class="card" aria-labelledby="rules-title">
                <h2 id="rules-title">"Local rules"</h2>
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match rules.await {
                            Ok(list) if list.is_empty() => view! {
                                <EmptyState title="No local rules">"Rules the pharmacy adds appear here."</EmptyState>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="rx-list" data-testid="local-rules">
                                    {list.into_iter().map(|r| view! { <RuleItem r version/> }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
    }
}

#[component]
fn RuleItem(r: RuleView, version: RwSignal<u32>) -> impl IntoView {
    let id = r.rule.id;
    let error = RwSignal::new(None);
    let retire = move |_| {
        leptos::task::spawn_local(async move {
            match retire_rule(id).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <li data-testid="local-rule">
            <p><strong>{r.describe()}</strong>" "
                <span class="badge">{r.rule.severity.label()}</span>
                {r.retired.then(|| view! { " " <span class="badge badge--warn">"Retired"</span> })}</p>
            <p dir="auto">{r.rule.text.clone()}</p>
            <p class="muted" dir="auto">{format!(
                "Added by {} on {}: {}",
                r.added_by.clone().unwrap_or_else(|| "the system".into()),
                format_time(r.created_at),
                r.reason.clone().unwrap_or_default()
            )}</p>
            {(!r.retired).then(|| view! {
                <button type="button" class="btn btn--ghost btn--small" on:click=retire>"Retire"</button>
            })}
            {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
        </li>
    }
}

fn term_options() -> Vec<(String, String)> {
    TermKind::options()
}

#[component]
fn RuleEditor(version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(RuleForm {
        kind: RuleKind::Interaction.as_str().into(),
        a_kind: TermKind::Ingredient.as_str().into(),
        b_kind: TermKind::DrugClass.as_str().into(),
        severity: AlertSeverity::Major.as_str().into(),
        ..Default::default()
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = add_rule(form.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(r) => {
                    errors.set(None);
                    notice.set(Some(format!("Added: {}.", r.describe())));
                    form.update(|f| {
                        f.a_value.clear();
                        f.b_value.clear();
                        f.text.clear();
                        f.reason.clear();
                    });
                    version.update(|v| *v += 1);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        {move || notice.get().map(|t| view! { <div class="alert alert--success" role="status"><p>{t}</p></div> })}
        <form class="form" novalidate on:submit=on_submit>
            <FormAlert errors/>
            <Select label="Kind of rule" name="kind" required=true options=RuleKind::options()
                bind=lens(form, |f| f.kind.clone(), |f, v| f.kind = v) error=errors.field("kind")/>
            <div class="form__row">
                <Select label="First: what it names" name="a_kind" required=true options=term_options()
                    bind=lens(form, |f| f.a_kind.clone(), |f, v| f.a_kind = v) error=errors.field("a_kind")/>
                <Input label="First: ingredient or class" name="a_value" required=true autocomplete="off"
                    bind=lens(form, |f| f.a_value.clone(), |f, v| f.a_value = v) error=errors.field("a_value")/>
            </div>
            <div class="form__row">
                <Select label="Second: what it names" name="b_kind" required=true options=term_options()
                    bind=lens(form, |f| f.b_kind.clone(), |f, v| f.b_kind = v) error=errors.field("b_kind")/>
                <Input label="Second: ingredient or class" name="b_value" required=true autocomplete="off"
                    bind=lens(form, |f| f.b_value.clone(), |f, v| f.b_value = v) error=errors.field("b_value")/>
            </div>
            <Select label="Severity" name="severity" required=true options=AlertSeverity::options()
                bind=lens(form, |f| f.severity.clone(), |f, v| f.severity = v) error=errors.field("severity")/>
            <TextArea label="What the prescriber reads" name="text" rows=2
                bind=lens(form, |f| f.text.clone(), |f, v| f.text = v) error=errors.field("text")/>
            <TextArea label="Why the pharmacy adds it" name="reason" rows=2
                bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason")/>
            <Submit label="Add rule" busy_label="Adding…" busy/>
        </form>
    }
}
