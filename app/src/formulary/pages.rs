//! The formulary page: everyone who prescribes or dispenses looks drugs up;
//! pharmacists and administrators also add, correct, retire and restore
//! them.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::formulary::{DrugForm, FormularyDrug, ALLERGY_CLASSES};
use shared::{AppError, Permission};

use super::api::{add_drug, retire_drug, search_formulary, update_drug};
use crate::components::{
    lens, ClientOnly, EmptyState, ErrorBox, FormAlert, FormErrors, Input, Loading, Select,
};
use crate::portal_session::{current_user, Gate, PortalSession};

fn allergy_class_options() -> Vec<(String, String)> {
    ALLERGY_CLASSES
        .iter()
        .map(|c| (c.to_string(), c.replace('-', " ")))
        .collect()
}

#[component]
pub fn FormularyPage() -> impl IntoView {
    view! {
        <Title text="Formulary"/>
        <Gate>
            <h1>"Formulary"</h1>
            <ClientOnly>
            {move || {
                let role = current_user().role;
                if !role.can(Permission::SearchFormulary) {
                    return view! {
                        <p class="muted">"The formulary is for prescribers, nurses and the pharmacy."</p>
                    }.into_any();
                }
                view! { <Formulary manage=role.can(Permission::ManageFormulary)/> }.into_any()
            }}
            </ClientOnly>
        </Gate>
    }
}

/// The search, its results and, for those who keep the formulary, the form.
#[component]
fn Formulary(manage: bool) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let include_retired = RwSignal::new(false);
    let refresh = RwSignal::new(0u32);
    let editing = RwSignal::new(None::<FormularyDrug>);
    let notice = RwSignal::new(None::<String>);
    let action_error = RwSignal::new(None::<AppError>);
    let session = PortalSession::get();
    let results = Resource::new(
        move || (query.get(), include_retired.get(), refresh.get()),
        move |(q, retired, _)| session.load(search_formulary(q, retired)),
    );
    let retire = move |drug: FormularyDrug| {
        leptos::task::spawn_local(async move {
            match retire_drug(drug.id, !drug.retired).await {
                Ok(d) => {
                    action_error.set(None);
                    let what = if d.retired {
                        "Retired"
                    } else {
                        "Offered again"
                    };
                    notice.set(Some(format!("{what}: {}.", d.label())));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => action_error.set(Some(e)),
            }
        });
    };
    let on_saved = Callback::new(move |d: FormularyDrug| {
        notice.set(Some(format!("Saved: {}.", d.label())));
        editing.set(None);
        query.set(d.drug.generic_name.clone());
        refresh.update(|n| *n += 1);
    });
    view! {
        <div class="grid grid--wide">
            <section class="card" aria-labelledby="drug-search-title">
                <h2 id="drug-search-title">"Find a drug"</h2>
                <div class="field">
                    <label for="drug-search">"Generic or brand name"</label>
                    <input id="drug-search" type="search" dir="auto" autocomplete="off"
                        placeholder="e.g. amox clav, metformin"
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                </div>
                {manage.then(|| view! {
                    <label class="check">
                        <input type="checkbox" prop:checked=move || include_retired.get()
                            on:change=move |ev| include_retired.set(event_target_checked(&ev))/>
                        " Show retired drugs"
                    </label>
                })}
                {move || notice.get().map(|text| view! { <div class="alert alert--success" role="status"><p>{text}</p></div> })}
                {move || action_error.get().map(|e| view! { <ErrorBox error=e/> })}
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        let short = query.with_untracked(|q| q.trim().chars().count() < 2);
                        match results.await {
                            Ok(_) if short => view! {
                                <p class="muted">"Type at least two letters of a generic or brand name."</p>
                            }.into_any(),
                            Ok(list) if list.is_empty() => view! {
                                <EmptyState title="No drug found">"Check the spelling, or search by another name."</EmptyState>
                            }.into_any(),
                            Ok(list) => view! {
                                <div class="table-wrap">
                                <table class="table" data-testid="formulary-results">
                                    <thead><tr>
                                        <th scope="col">"Drug"</th><th scope="col">"Route"</th>
                                        <th scope="col">"Class"</th><th scope="col">"Allergy class"</th>
                                        {manage.then(|| view! { <th scope="col">"Actions"</th> })}
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|d| {
                                            let (for_edit, for_retire) = (d.clone(), d.clone());
                                            let brands = d.drug.brand_names.join(", ");
                                            view! {
                                                <tr>
                                                    <td>
                                                        <strong>{d.label()}</strong>
                                                        {(!brands.is_empty()).then(|| view! { <br/><span class="muted" dir="auto">{brands}</span> })}
                                                        {d.retired.then(|| view! { <br/><span class="badge badge--warn">"Retired"</span> })}
                                                    </td>
                                                    <td>{d.drug.route.clone()}</td>
                                                    <td>{d.drug.drug_class.clone().unwrap_or_else(|| "–".into())}</td>
                                                    <td>{d.drug.allergy_class.clone().unwrap_or_else(|| "–".into())}</td>
                                                    {manage.then(|| view! {
                                                        <td class="actions">
                                                            <button type="button" class="btn btn--ghost" on:click=move |_| editing.set(Some(for_edit.clone()))>"Edit"</button>
                                                            <button type="button" class="btn btn--ghost" on:click=move |_| retire(for_retire.clone())>
                                                                {if d.retired { "Offer again" } else { "Retire" }}
                                                            </button>
                                                        </td>
                                                    })}
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                            }.into_any(),
                            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
            {manage.then(|| view! {
                <section class="card" aria-labelledby="drug-form-title">
                    <h2 id="drug-form-title">{move || if editing.get().is_some() { "Change a drug" } else { "Add a drug" }}</h2>
                    <DrugEditor editing on_saved/>
                </section>
            })}
        </div>
    }
}

/// Adds a drug, or changes the one being edited.
#[component]
fn DrugEditor(
    editing: RwSignal<Option<FormularyDrug>>,
    on_saved: Callback<FormularyDrug>,
) -> impl IntoView {
    let form = RwSignal::new(DrugForm::default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    Effect::new(move || {
        let drug = editing.get();
        form.set(
            drug.map(|d| DrugForm::from_drug(&d.drug))
                .unwrap_or_default(),
        );
        errors.set(None);
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = form.get_untracked();
        if let Err(e) = typed.parse() {
            errors.set(Some(e));
            return;
        }
        errors.set(None);
        busy.set(true);
        let id = editing.get_untracked().map(|d| d.id);
        leptos::task::spawn_local(async move {
            let result = match id {
                Some(id) => update_drug(id, typed).await,
                None => add_drug(typed).await,
            };
            busy.set(false);
            match result {
                Ok(drug) => {
                    form.set(DrugForm::default());
                    on_saved.run(drug);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <form class="form" on:submit=on_submit novalidate>
            <FormAlert errors/>
            <Input label="Generic name" name="generic_name" required=true autocomplete="off"
                hint="Lower case; a combination as “amoxicillin / clavulanate”."
                bind=lens(form, |f| f.generic_name.clone(), |f, v| f.generic_name = v)
                error=errors.field("generic_name")/>
            <Input label="Brand names" name="brand_names" autocomplete="off" hint="Separated by commas."
                bind=lens(form, |f| f.brand_names.clone(), |f, v| f.brand_names = v)
                error=errors.field("brand_names")/>
            <Input label="Strength" name="strength" required=true autocomplete="off" hint="e.g. 500 mg, 2 mg/mL (2 mL)."
                bind=lens(form, |f| f.strength.clone(), |f, v| f.strength = v)
                error=errors.field("strength")/>
            <Input label="Dose form" name="dose_form" required=true autocomplete="off" hint="e.g. Oral Tablet, Injection."
                bind=lens(form, |f| f.dose_form.clone(), |f, v| f.dose_form = v)
                error=errors.field("dose_form")/>
            <Input label="Route" name="route" required=true autocomplete="off" hint="e.g. oral, IV/IM, SC."
                bind=lens(form, |f| f.route.clone(), |f, v| f.route = v)
                error=errors.field("route")/>
            <Input label="Drug class" name="drug_class" autocomplete="off"
                bind=lens(form, |f| f.drug_class.clone(), |f, v| f.drug_class = v)
                error=errors.field("drug_class")/>
            <Select label="Allergy class" name="allergy_class" options=allergy_class_options() placeholder="None"
                bind=lens(form, |f| f.allergy_class.clone(), |f, v| f.allergy_class = v)
                error=errors.field("allergy_class")/>
            <Input label="RxNorm code" name="rxcui" autocomplete="off" inputmode="numeric" hint="Optional: the RxNorm clinical drug code."
                bind=lens(form, |f| f.rxcui.clone(), |f, v| f.rxcui = v)
                error=errors.field("rxcui")/>
            <div class="form__actions">
                <button type="submit" class="btn btn--primary" disabled=move || busy.get()>
                    {move || match (busy.get(), editing.get().is_some()) {
                        (true, _) => "Saving…",
                        (false, true) => "Save changes",
                        (false, false) => "Add drug",
                    }}
                </button>
                {move || editing.get().is_some().then(|| view! {
                    <button type="button" class="btn btn--ghost" on:click=move |_| editing.set(None)>"Cancel"</button>
                })}
            </div>
        </form>
    }
}
