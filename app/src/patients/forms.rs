//! The demographics form parts shared by staff registration, staff edits and
//! the patient's own contact page. Each is bound to one form signal; field
//! names match the server's field errors (`emergency_contacts.0.phone`).

use leptos::prelude::*;
use shared::demographics::{ContactForm, DemographicsForm};
use shared::patients::AdministrativeSex;

use crate::components::{lens, lens_bool, Check, FormErrors, Input, Select};

pub fn sex_options() -> Vec<(String, String)> {
    AdministrativeSex::ALL
        .into_iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect()
}

fn rank_options() -> Vec<(String, String)> {
    vec![
        ("primary".into(), "Primary".into()),
        ("secondary".into(), "Secondary".into()),
    ]
}

/// Identity fields of a registration or staff edit.
#[component]
pub fn IdentityFields(form: RwSignal<DemographicsForm>, errors: FormErrors) -> impl IntoView {
    view! {
        <fieldset class="fieldset">
            <legend>"Identity"</legend>
            <div class="form-grid">
                <Input label="Given name" name="given_name" required=true autocomplete="off"
                    bind=lens(form, |f| f.given_name.clone(), |f, v| f.given_name = v)
                    error=errors.field("given_name")/>
                <Input label="Family name" name="family_name" required=true autocomplete="off"
                    bind=lens(form, |f| f.family_name.clone(), |f, v| f.family_name = v)
                    error=errors.field("family_name")/>
                <Input label="Preferred name" name="preferred_name" hint="What the patient likes to be called."
                    bind=lens(form, |f| f.preferred_name.clone(), |f, v| f.preferred_name = v)
                    error=errors.field("preferred_name")/>
                <Input label="Date of birth" name="date_of_birth" kind="date"
                    bind=lens(form, |f| f.date_of_birth.clone(), |f, v| f.date_of_birth = v)
                    error=errors.field("date_of_birth")/>
                <Check label="Estimated (exact birth date unknown)" name="birth_date_estimated"
                    bind=lens_bool(form, |f| f.birth_date_estimated, |f, v| f.birth_date_estimated = v)
                    error=errors.field("birth_date_estimated")/>
                <Select label="Sex (administrative)" name="sex" required=true options=sex_options()
                    bind=lens(form, |f| f.sex.clone(), |f, v| f.sex = v)
                    error=errors.field("sex")/>
                <Input label="Gender identity" name="gender_identity" hint="As the patient describes it; separate from administrative sex."
                    bind=lens(form, |f| f.gender_identity.clone(), |f, v| f.gender_identity = v)
                    error=errors.field("gender_identity")/>
                <Input label="Preferred language" name="language"
                    bind=lens(form, |f| f.language.clone(), |f, v| f.language = v)
                    error=errors.field("language")/>
                <Input label="National identifier" name="national_id" autocomplete="off"
                    hint="Social security, national insurance or ID card number, as on the document. Stored encrypted."
                    bind=lens(form, |f| f.national_id.clone(), |f, v| f.national_id = v)
                    error=errors.field("national_id")/>
            </div>
        </fieldset>
    }
}

/// Contact details, emergency contacts, insurance and consents: the part a
/// patient edits themselves. `contact` reads and writes the form's contact part.
#[component]
pub fn ContactFields<T: Clone + Send + Sync + 'static>(
    form: RwSignal<T>,
    contact: fn(&T) -> &ContactForm,
    contact_mut: fn(&mut T) -> &mut ContactForm,
    errors: FormErrors,
) -> impl IntoView {
    macro_rules! bind {
        ($field:ident) => {
            lens(
                form,
                move |f| contact(f).$field.clone(),
                move |f, v| contact_mut(f).$field = v,
            )
        };
    }
    macro_rules! bind_bool {
        ($field:ident) => {
            lens_bool(
                form,
                move |f| contact(f).$field,
                move |f, v| contact_mut(f).$field = v,
            )
        };
    }
    let contact_count = Memo::new(move |_| form.with(|f| contact(f).emergency_contacts.len()));
    let coverage_count = Memo::new(move |_| form.with(|f| contact(f).coverages.len()));

    let contact_rows = move || {
        (0..contact_count.get())
            .map(|i| {
                let name = move |field: &str| format!("emergency_contacts.{i}.{field}");
                macro_rules! item {
                    ($field:ident) => {
                        lens(
                            form,
                            move |f| contact(f).emergency_contacts.get(i).map(|c| c.$field.clone()).unwrap_or_default(),
                            move |f, v| {
                                if let Some(c) = contact_mut(f).emergency_contacts.get_mut(i) {
                                    c.$field = v;
                                }
                            },
                        )
                    };
                }
                view! {
                    <div class="repeat" data-testid="emergency-contact">
                        <div class="form-grid">
                            <Input label="Name" name=name("name") bind=item!(name) error=errors.field_named(name("name"))/>
                            <Input label="Relationship" name=name("relationship") bind=item!(relationship) error=errors.field_named(name("relationship"))/>
                            <Input label="Phone" name=name("phone") kind="tel" bind=item!(phone) error=errors.field_named(name("phone"))/>
                            <Input label="E-mail" name=name("email") kind="email" bind=item!(email) error=errors.field_named(name("email"))/>
                        </div>
                        <button type="button" class="btn btn--ghost"
                            on:click=move |_| form.update(|f| { contact_mut(f).emergency_contacts.remove(i); })>
                            "Remove contact"
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    let coverage_rows = move || {
        (0..coverage_count.get())
            .map(|i| {
                let name = move |field: &str| format!("coverages.{i}.{field}");
                macro_rules! item {
                    ($field:ident) => {
                        lens(
                            form,
                            move |f| contact(f).coverages.get(i).map(|c| c.$field.clone()).unwrap_or_default(),
                            move |f, v| {
                                if let Some(c) = contact_mut(f).coverages.get_mut(i) {
                                    c.$field = v;
                                }
                            },
                        )
                    };
                }
                view! {
                    <div class="repeat" data-testid="coverage">
                        <div class="form-grid">
                            <Input label="Insurer" name=name("payer") bind=item!(payer) error=errors.field_named(name("payer"))/>
                            <Input label="Member id" name=name("member_id") bind=item!(member_id) error=errors.field_named(name("member_id"))/>
                            <Input label="Group number" name=name("group_number") bind=item!(group_number) error=errors.field_named(name("group_number"))/>
                            <Select label="Primary or secondary" name=name("rank") options=rank_options() bind=item!(rank) error=errors.field_named(name("rank"))/>
                            <Input label="Valid from" name=name("valid_from") kind="date" bind=item!(valid_from) error=errors.field_named(name("valid_from"))/>
                            <Input label="Valid to" name=name("valid_to") kind="date" bind=item!(valid_to) error=errors.field_named(name("valid_to"))/>
                        </div>
                        <button type="button" class="btn btn--ghost"
                            on:click=move |_| form.update(|f| { contact_mut(f).coverages.remove(i); })>
                            "Remove coverage"
                        </button>
                    </div>
                }
            })
            .collect_view()
    };

    view! {
        <fieldset class="fieldset">
            <legend>"Contact"</legend>
            <div class="form-grid">
                <Input label="Phone" name="phone" kind="tel" autocomplete="tel" bind=bind!(phone) error=errors.field("phone")/>
                <Input label="E-mail" name="email" kind="email" autocomplete="email" bind=bind!(email) error=errors.field("email")/>
                <Input label="Address" name="address_line" autocomplete="street-address" bind=bind!(address_line) error=errors.field("address_line")/>
                <Input label="City" name="city" autocomplete="address-level2" bind=bind!(city) error=errors.field("city")/>
                <Input label="Postal code" name="postal_code" autocomplete="postal-code" bind=bind!(postal_code) error=errors.field("postal_code")/>
                <Input label="Country" name="country" autocomplete="country-name" bind=bind!(country) error=errors.field("country")/>
            </div>
        </fieldset>
        <fieldset class="fieldset">
            <legend>"Emergency contacts"</legend>
            <p class="field__error" aria-live="polite">{move || errors.field("emergency_contacts").get()}</p>
            {move || (contact_count.get() == 0).then(|| view! { <p class="muted">"No emergency contact yet."</p> })}
            {contact_rows}
            <button type="button" class="btn" disabled=move || { contact_count.get() >= shared::demographics::MAX_CONTACTS }
                on:click=move |_| form.update(|f| contact_mut(f).emergency_contacts.push(shared::demographics::EmergencyContactForm::default()))>
                "Add emergency contact"
            </button>
        </fieldset>
        <fieldset class="fieldset">
            <legend>"Insurance"</legend>
            <p class="field__error" aria-live="polite">{move || errors.field("coverages").get()}</p>
            {move || (coverage_count.get() == 0).then(|| view! { <p class="muted">"No insurance coverage recorded (self-pay)."</p> })}
            {coverage_rows}
            <button type="button" class="btn" disabled=move || { coverage_count.get() >= shared::demographics::MAX_COVERAGES }
                on:click=move |_| form.update(|f| {
                    let rank = if contact(f).coverages.is_empty() { "primary" } else { "secondary" };
                    contact_mut(f).coverages.push(shared::demographics::CoverageForm { rank: rank.into(), ..Default::default() })
                })>
                "Add coverage"
            </button>
        </fieldset>
        <fieldset class="fieldset">
            <legend>"Consent"</legend>
            <Check label="Text messages (appointment reminders, results ready)" name="consent_sms" bind=bind_bool!(consent_sms) error=errors.field("consent_sms")/>
            <Check label="E-mail" name="consent_email" bind=bind_bool!(consent_email) error=errors.field("consent_email")/>
            <Check label="Use of my de-identified data for research" name="consent_research" bind=bind_bool!(consent_research) error=errors.field("consent_research")/>
            <Select label="Preferred channel for appointment messages" name="preferred_channel" placeholder="No preference"
                options=shared::notify::Channel::ALL.into_iter().map(|c| (c.as_str().to_string(), c.label().to_string())).collect()
                bind=bind!(preferred_channel) error=errors.field("preferred_channel")/>
        </fieldset>
    }
}
